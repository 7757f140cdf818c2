import { Elysia } from 'elysia';
import { HttpError } from '../httpErrors.ts';
import { createKitchenFeed } from '../kitchenFeed.ts';
import { ownOrder } from '../orderCommands.ts';
import { orderJson, orderSummaryJson, orderTimelineJson } from '../orderJson.ts';
import { errorSchema, orderIdParams } from '../schemas.ts';
import { type SseSend, sseResponse } from '../sse.ts';
import { cancelRefusal, type OrderView } from '../view/orderView.ts';
import type { WebContext } from '../webContext.ts';
import { guardPlugin, type SignedIn } from './guardPlugin.ts';
import { kitchenJson } from './kitchenPlugin.tsx';
import { orderState } from './ordersQueryPlugin.tsx';

/** Pizzas listed per station and kind on the live kitchen board (the counts are exact). */
export const LIVE_KITCHEN_LIST = 50;

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
 * - `GET /api/kitchen/events` — the kitchen board: a `kitchen` snapshot, then `kitchen-diff`
 *   events with only what changed (one diff per batch of changes, shared by every stream).
 *
 * Streams are capped per session and in total (`[web-limits]`), opening them is rate-limited per
 * address, and a stream whose client stops reading is dropped once `stream_buffer_kib` waits
 * for it: memory stays bounded however many clients stall.
 */
export function livePlugin(ctx: WebContext) {
  const limits = ctx.config.webLimits;
  const registry = ctx.liveStreams;
  const perSession = new Map<string, number>();
  let total = 0;
  const kitchen = createKitchenFeed(ctx.view, () => kitchenJson(ctx, LIVE_KITCHEN_LIST));

  const open = (request: Request, session: SignedIn, start: (send: SseSend) => () => void) => {
    const mine = perSession.get(session.customerId) ?? 0;
    if (limits.streamsTotal > 0 && total >= limits.streamsTotal) {
      throw new HttpError('TOO_MANY_STREAMS', 'the shop serves as many live streams as it can: try again shortly', 503, {
        headers: { 'retry-after': '5' },
      });
    }
    if (limits.streamsPerSession > 0 && mine >= limits.streamsPerSession) {
      throw new HttpError('TOO_MANY_STREAMS', `at most ${limits.streamsPerSession} live streams per session: close a tab`, 429, {
        headers: { 'retry-after': '5' },
      });
    }
    total += 1;
    perSession.set(session.customerId, mine + 1);
    return sseResponse({
      clock: ctx.wallClock,
      signal: request.signal,
      ...(ctx.heartbeatMs !== undefined ? { heartbeatMs: ctx.heartbeatMs } : {}),
      ...(registry ? { registry } : {}),
      maxBufferedBytes: limits.streamBufferKib * 1024,
      onEnd() {
        total -= 1;
        const left = (perSession.get(session.customerId) ?? 1) - 1;
        if (left > 0) perSession.set(session.customerId, left);
        else perSession.delete(session.customerId);
      },
      start,
    });
  };
  const stream = (summary: string) => ({
    signedIn: 'api' as const,
    limit: 'stream' as const,
    response: { 401: errorSchema, 404: errorSchema, 429: errorSchema, 503: errorSchema },
    detail: { summary, tags: ['live'] },
  });

  return new Elysia({ name: 'web.live', seed: ctx })
    .use(guardPlugin(ctx))
    .get(
      '/api/orders/:id/events',
      ({ request, params, session }) => {
        const order = ownOrder(ctx, session, params.id);
        return open(request, session, (send) => {
          send('snapshot', orderLivePayload(ctx, order));
          return ctx.view.subscribe((change) => {
            if (change.order.orderId === order.orderId) send('order', orderLivePayload(ctx, change.order));
          });
        });
      },
      { ...stream('One order, live (Server-Sent Events: snapshot, then order)'), params: orderIdParams },
    )
    .get(
      '/api/events',
      ({ request, session }) =>
        open(request, session, (send) =>
          ctx.view.subscribe((change) => {
            if (change.order.customerId === session.customerId) {
              send('order', { ...orderSummaryJson(ctx.config, change.order), state: orderState(ctx, change.order) ?? null });
            }
          }),
        ),
      stream("The customer's orders, live (Server-Sent Events: order)"),
    )
    .get(
      '/api/kitchen/events',
      ({ request, session }) =>
        open(request, session, (send) => {
          send('kitchen', kitchen.current());
          return kitchen.subscribe((diff) => send('kitchen-diff', diff));
        }),
      stream('The kitchen board, live (Server-Sent Events: kitchen, then kitchen-diff)'),
    );
}
