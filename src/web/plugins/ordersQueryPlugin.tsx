import { Elysia } from 'elysia';
import { machineDiagrams, stateForStatus } from '../diagram/machineDiagram.ts';
import { htmlResponse, jsonResponse, redirectTo, unauthenticated } from '../httpErrors.ts';
import { ownOrder } from '../orderCommands.ts';
import { orderJson, orderSummaryJson, orderTimelineJson, statusName } from '../orderJson.ts';
import { OrderPage } from '../pages/OrderPage.tsx';
import { OrdersPage } from '../pages/OrdersPage.tsx';
import { cancelRefusal, type OrderView } from '../view/orderView.ts';
import type { WebContext } from '../webContext.ts';

/** The state of the order machine that stands for an order's status (what the diagram lights). */
export function orderState(ctx: WebContext, order: Pick<OrderView, 'status'>): string | undefined {
  return stateForStatus(ctx.machines.order, statusName(ctx.config, order.status), order.status);
}

/**
 * The query side, read from this web's own view: `GET /orders`, `GET /orders/:id` (pages) and
 * `GET /api/orders`, `GET /api/orders/:id`, `GET /api/orders/:id/timeline`. Only the customer's
 * own orders: any other id is a 404.
 */
export function ordersQueryPlugin(ctx: WebContext) {
  return new Elysia({ name: 'web.orders.query', seed: ctx })
    .get('/orders', async ({ request }) => {
      const session = ctx.sessionOf(request);
      if (!session) return redirectTo('/login');
      return htmlResponse(await (<OrdersPage session={session} orders={ctx.view.store.ordersOf(session.customerId)} label={ctx.label} />));
    })
    .get('/orders/:id', async ({ request, params }) => {
      const session = ctx.sessionOf(request);
      if (!session) return redirectTo('/login');
      const order = ownOrder(ctx, session, params.id);
      return htmlResponse(
        await (
          <OrderPage
            session={session}
            order={order}
            label={ctx.label}
            diagrams={machineDiagrams(ctx.machines.order, ctx.machines.orderExplore)}
            currentState={orderState(ctx, order)}
            cancelRefusal={cancelRefusal(order, ctx.statusIds)}
            speed={ctx.speed}
          />
        ),
      );
    })
    .get('/api/orders', ({ request }) => {
      const session = ctx.sessionOf(request);
      if (!session) throw unauthenticated();
      return jsonResponse({ orders: ctx.view.store.ordersOf(session.customerId).map((o) => orderSummaryJson(ctx.config, o)) });
    })
    .get('/api/orders/:id', ({ request, params }) => {
      const session = ctx.sessionOf(request);
      if (!session) throw unauthenticated();
      return jsonResponse(orderJson(ctx.config, ownOrder(ctx, session, params.id)));
    })
    .get('/api/orders/:id/timeline', ({ request, params }) => {
      const session = ctx.sessionOf(request);
      if (!session) throw unauthenticated();
      return jsonResponse(orderTimelineJson(ownOrder(ctx, session, params.id)));
    });
}
