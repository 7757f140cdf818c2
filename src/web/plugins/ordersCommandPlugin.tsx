import { Elysia } from 'elysia';
import { isShopError } from '../../errors.ts';
import { htmlResponse, jsonResponse, redirectTo, unauthenticated } from '../httpErrors.ts';
import { cancelOrder, placeOrder } from '../orderCommands.ts';
import { type MenuChoice, MenuPage } from '../pages/MenuPage.tsx';
import { readBody } from '../readBody.ts';
import { validateOrder } from '../validateOrder.ts';
import type { WebContext } from '../webContext.ts';

/**
 * The command side: place an order (`POST /` from the menu form, `POST /api/orders`) and cancel
 * one (`POST /orders/:id/cancel`, `POST /api/orders/:id/cancel`). A refused request stores and
 * produces nothing.
 */
export function ordersCommandPlugin(ctx: WebContext) {
  const label = ctx.label;
  return new Elysia({ name: 'web.orders.command', seed: ctx })
    .post(
      '/',
      async ({ request }) => {
        const session = ctx.sessionOf(request);
        if (!session) return redirectTo('/login');
        let body: unknown;
        try {
          body = await readBody(request, { listFields: ['extra_toppings'] });
          const order = await placeOrder(ctx, session, validateOrder(ctx.config.menu, body));
          return redirectTo(`/orders/${order.orderId}`);
        } catch (error) {
          if (!isShopError(error) || error.httpStatus >= 500) throw error;
          const problems = (error as { problems?: { field: string; problem: string }[] }).problems ?? [
            { field: '(form)', problem: error.message },
          ];
          const chosen = body !== null && typeof body === 'object' ? (body as MenuChoice) : {};
          return htmlResponse(
            await (<MenuPage session={session} menu={ctx.config.menu} chosen={chosen} problems={problems} />),
            error.httpStatus,
          );
        }
      },
      { parse: 'none' },
    )
    .post(
      '/api/orders',
      async ({ request }) => {
        const session = ctx.sessionOf(request);
        if (!session) throw unauthenticated();
        const choice = validateOrder(ctx.config.menu, await readBody(request));
        const order = await placeOrder(ctx, session, choice);
        return jsonResponse({ order_id: order.orderId, status: order.status, status_label: label(order.status) }, 201, {
          location: `/api/orders/${order.orderId}`,
        });
      },
      { parse: 'none' },
    )
    .post(
      '/orders/:id/cancel',
      async ({ request, params }) => {
        const session = ctx.sessionOf(request);
        if (!session) return redirectTo('/login');
        await cancelOrder(ctx, session, params.id);
        return redirectTo(`/orders/${params.id}`);
      },
      { parse: 'none' },
    )
    .post(
      '/api/orders/:id/cancel',
      async ({ request, params }) => {
        const session = ctx.sessionOf(request);
        if (!session) throw unauthenticated();
        const order = await cancelOrder(ctx, session, params.id);
        return jsonResponse(
          {
            order_id: order.orderId,
            status: order.status,
            status_label: label(order.status),
            cancel_requested_at: order.cancelRequestedAt,
          },
          202,
        );
      },
      { parse: 'none' },
    );
}
