import { Elysia } from 'elysia';
import { unauthenticated } from '../httpErrors.ts';
import { ownOrder } from '../orderCommands.ts';
import { orderJson, orderSummaryJson, orderTimelineJson } from '../orderJson.ts';
import { sseResponse } from '../sse.ts';
import { cancelRefusal, type OrderView } from '../view/orderView.ts';
import type { WebContext } from '../webContext.ts';
import { kitchenJson } from './kitchenPlugin.tsx';
import { orderState } from './ordersQueryPlugin.tsx';

/** What the order page's script needs to redraw itself. */
export function orderLivePayload(ctx: WebContext, order: OrderView) {
  return {
    ...orderJson(ctx.config, order),
    ...orderTimelineJson(order),
    state: orderState(ctx, order) ?? null,
    can_cancel: cancelRefusal(order, ctx.statusIds) === undefined,
  };
}

/**
 * Live updates pushed as Server-Sent Events, the moment the view changes:
 * - `GET /api/orders/:id/events` — one order: a `snapshot` event, then an `order` event per change;
 * - `GET /api/events` — the customer's orders: an `order` event (summary) per change;
 * - `GET /api/kitchen/events` — the kitchen board: a `kitchen` event now and whenever a pizza moves.
 */
export function livePlugin(ctx: WebContext) {
  const heartbeatMs = ctx.heartbeatMs;
  const registry = ctx.liveStreams;
  return new Elysia({ name: 'web.live', seed: ctx })
    .get('/api/orders/:id/events', ({ request, params }) => {
      const session = ctx.sessionOf(request);
      if (!session) throw unauthenticated();
      const order = ownOrder(ctx, session, params.id);
      return sseResponse({
        clock: ctx.clock,
        signal: request.signal,
        heartbeatMs,
        ...(registry ? { registry } : {}),
        start: (send) => {
          send('snapshot', orderLivePayload(ctx, order));
          return ctx.view.subscribe((change) => {
            if (change.order.orderId === order.orderId) send('order', orderLivePayload(ctx, change.order));
          });
        },
      });
    })
    .get('/api/events', ({ request }) => {
      const session = ctx.sessionOf(request);
      if (!session) throw unauthenticated();
      return sseResponse({
        clock: ctx.clock,
        signal: request.signal,
        heartbeatMs,
        ...(registry ? { registry } : {}),
        start: (send) =>
          ctx.view.subscribe((change) => {
            if (change.order.customerId === session.customerId) {
              send('order', { ...orderSummaryJson(ctx.config, change.order), state: orderState(ctx, change.order) ?? null });
            }
          }),
      });
    })
    .get('/api/kitchen/events', ({ request }) => {
      if (!ctx.sessionOf(request)) throw unauthenticated();
      return sseResponse({
        clock: ctx.clock,
        signal: request.signal,
        heartbeatMs,
        ...(registry ? { registry } : {}),
        start: (send) => {
          send('kitchen', kitchenJson(ctx));
          return ctx.view.subscribe((change) => {
            if (change.kitchen) send('kitchen', kitchenJson(ctx));
          });
        },
      });
    });
}
