import { ShopError } from '../errors.ts';
import { CATALOGUE } from '../events/catalogue.ts';
import { encode, type PizzaOrdered, type StatusChanged } from '../events/messages.ts';
import { partitionForKey } from '../transport/partitioner.ts';
import type { RecordMetadata } from '../transport/transport.ts';
import { orderTraceparent, SPAN_HEADERS, TRACEPARENT } from '../runtime/middleware/tracing.ts';
import { spanOfMessage } from '../runtime/otlpExporter.ts';
import { HttpError, orderNotFound } from './httpErrors.ts';
import { priceOrder } from './pricing.ts';
import type { Session } from './session/sessionCookie.ts';
import { cancelRefusal, type OrderView } from './view/orderView.ts';
import type { WebContext } from './webContext.ts';

/**
 * The command side. Placing an order produces `pizza-ordered` in the original's wire format (keyed
 * by the order id) and, once the log has it, records it in this web's view at once
 * (read-your-writes, DESIGN-NOTES 11): the same message coming back from the log later is known by
 * its position and changes nothing. Nothing is recorded when producing fails.
 *
 * @example
 * const order = await placeOrder(ctx, session, { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: [] });
 * order.status; // 100
 */
export async function placeOrder(ctx: WebContext, session: Session, choice: PizzaChoice): Promise<OrderView> {
  return produceOrder(ctx, session, choice, ctx.newOrderId());
}

/** What a customer asks for: one sauce, one cheese, one main topping, a set of extras. */
export interface PizzaChoice {
  sauce: string;
  cheese: string;
  main_topping: string;
  extra_toppings: string[];
  /** the signed price quote the menu showed (see pricing.ts); absent: current prices */
  quote?: string | undefined;
}

/** Placements in flight by order id: a retry arriving while the first is producing waits for it. */
const inFlight = new WeakMap<WebContext, Map<string, Promise<unknown>>>();

/**
 * Places an order at most once per idempotency key: the order id is derived from the customer
 * and the key (a MAC with the session secret, so no table is needed and every web instance
 * sharing the secret derives the same id). A retry finds the order in the view — also after the
 * process was killed between logging the order and answering, since the view is rebuilt from the
 * log — and gets it back (`replayed`) instead of a second order. The same key with a different
 * pizza is refused (422); a key is remembered as long as the view keeps the order (retention).
 *
 * @example
 * const { order, replayed } = await placeOrderOnce(ctx, session, choice, 'client-key-1');
 */
export async function placeOrderOnce(
  ctx: WebContext,
  session: Session,
  choice: PizzaChoice,
  key: string,
): Promise<{ order: OrderView; replayed: boolean }> {
  const orderId = idempotentOrderId(ctx, session, key);
  const pending = inFlight.get(ctx) ?? new Map<string, Promise<unknown>>();
  inFlight.set(ctx, pending);
  const previous = pending.get(orderId);
  // Registered before anything is awaited: concurrent retries with one key queue behind each other.
  const attempt = (async (): Promise<{ order: OrderView; replayed: boolean }> => {
    if (previous) await previous.catch(() => undefined);
    let known = ctx.view.store.getOrder(orderId);
    // Not in the view: maybe placed by a web that died before it answered, its message still on
    // its way into this view. Decide only once the view has applied the log as far as it goes now.
    if (!known) {
      await viewCaughtUp(ctx, orderId);
      known = ctx.view.store.getOrder(orderId);
    }
    if (!known) return { order: await produceOrder(ctx, session, choice, orderId), replayed: false };
    if (known.customerId !== session.customerId) {
      // a clash of 32-bit ids with another customer's order: vanishingly rare, never a leak
      throw new HttpError('IDEMPOTENCY_KEY_CLASH', 'this Idempotency-Key cannot be used: send the order with another key', 409);
    }
    if (!sameChoice(known, choice)) {
      throw new HttpError(
        'IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was used for a different pizza: use a new key for a new order',
        422,
        {
          problems: [{ field: 'Idempotency-Key', problem: 'was used for a different pizza' }],
        },
      );
    }
    return { order: known, replayed: true };
  })();
  pending.set(orderId, attempt);
  try {
    return await attempt;
  } finally {
    if (pending.get(orderId) === attempt) pending.delete(orderId);
  }
}

/** How long a placement waits for the view to catch up with the log before answering 503. */
const CATCH_UP_MS = 5_000;

/**
 * Waits until this instance's view has applied the order's partition of pizza-ordered up to the
 * log's end as it is now (the view keeps the positions it applied with its rows). Without it, a
 * retried placement that reaches a freshly restarted web would be placed a second time.
 */
async function viewCaughtUp(ctx: WebContext, orderId: string): Promise<void> {
  const topic = ctx.config.topics.pizzaOrdered;
  const ends = await ctx.transport.endOffsets(topic);
  const partition = partitionForKey(orderId, ends.size);
  const end = ends.get(partition) ?? 0;
  const deadline = Date.now() + CATCH_UP_MS;
  while ((ctx.view.store.position(topic, partition) ?? 0) < end) {
    if (Date.now() > deadline) {
      throw new HttpError('VIEW_BEHIND', 'the shop is catching up after a restart: try again in a moment', 503, {
        headers: { 'retry-after': '1' },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function idempotentOrderId(ctx: WebContext, session: Session, key: string): string {
  return Buffer.from(ctx.sessions.mac(`order\u0000${session.customerId}\u0000${key}`), 'base64url')
    .toString('hex')
    .slice(0, 8);
}

function sameChoice(order: OrderView, choice: PizzaChoice): boolean {
  const o = order.pizza;
  if (!o) return false;
  const extras = [...choice.extra_toppings].sort().join('\u0000');
  return (
    o.sauce === choice.sauce &&
    o.cheese === choice.cheese &&
    o.main_topping === choice.main_topping &&
    [...o.extra_toppings].sort().join('\u0000') === extras
  );
}

async function produceOrder(ctx: WebContext, session: Session, choice: PizzaChoice, orderId: string): Promise<OrderView> {
  const timestamp = ctx.clock.now();
  const items = [choice.sauce, choice.cheese, choice.main_topping, ...choice.extra_toppings];
  // priced first: a refused quote (422) produces nothing
  const price = priceOrder(ctx, session, items, choice.quote, timestamp);
  // field order as the original Python service wrote it
  const value: PizzaOrdered = {
    status: ctx.statusIds.order_placed,
    timestamp,
    order: {
      extra_toppings: choice.extra_toppings,
      username: session.username,
      customer_id: session.customerId,
      sauce: choice.sauce,
      cheese: choice.cheese,
      main_topping: choice.main_topping,
    },
  };
  if (price) {
    // Its own topic, just before the order (pizza-ordered's wire format is the original's
    // contract). Should the order then fail to reach the log, the price stays an orphan that no
    // page shows; a retry prices the order again and the later price wins.
    const pricedTopic = ctx.config.topics.pizzaPriced;
    const at = await produce(ctx, pricedTopic, orderId, CATALOGUE.pizzaPriced.codec.encode(price), timestamp);
    ctx.view.apply({
      type: 'OrderPriced',
      orderId,
      at: timestamp,
      price,
      source: { topic: pricedTopic, partition: at.partition, offset: at.offset, timestamp, actor: 'web' },
    });
  }
  const topic = ctx.config.topics.pizzaOrdered;
  const meta = await produce(ctx, topic, orderId, encode(value), timestamp);
  const change = ctx.view.apply({
    type: 'OrderPlaced',
    orderId,
    at: timestamp,
    status: value.status,
    order: value.order,
    source: { topic, partition: meta.partition, offset: meta.offset, timestamp, actor: 'web' },
  });
  ctx.logger.info('order placed', { orderId, customerId: session.customerId, partition: meta.partition, offset: meta.offset });
  const order = change?.order ?? ctx.view.store.getOrder(orderId);
  if (!order) throw new ShopError('INTERNAL', `order ${orderId} was produced but is not in the view`);
  return order;
}

/** One of the customer's own orders; another customer's (or an unknown) id is a 404. */
export function ownOrder(ctx: WebContext, session: Session, orderId: string): OrderView {
  const order = /^[0-9a-f]{8}$/.test(orderId) ? ctx.view.store.getOrder(orderId) : undefined;
  if (!order || order.customerId !== session.customerId) throw orderNotFound(orderId);
  return order;
}

/**
 * Cancels an order: produces `pizza-cancelled` (`{status: 499, timestamp}`) unless the order is
 * baked or finished (409). The status actor decides; the view shows "cancellation requested"
 * until `pizza-status` says cancelled. Asking again before that produces nothing more.
 */
export async function cancelOrder(ctx: WebContext, session: Session, orderId: string): Promise<OrderView> {
  const order = ownOrder(ctx, session, orderId);
  const refusal = cancelRefusal(order, ctx.statusIds);
  if (refusal) throw new HttpError('CANNOT_CANCEL', `order ${orderId} cannot be cancelled: ${refusal}`, 409);
  if (order.cancelRequestedAt !== null) return order;
  const timestamp = ctx.clock.now();
  const value: StatusChanged = { status: ctx.statusIds.cancelled, timestamp };
  const topic = ctx.config.topics.pizzaCancelled;
  const meta = await produce(ctx, topic, orderId, encode(value), timestamp);
  const change = ctx.view.apply({
    type: 'StageReached',
    orderId,
    at: timestamp,
    status: value.status,
    stage: 'cancelled',
    source: { topic, partition: meta.partition, offset: meta.offset, timestamp, actor: 'web' },
  });
  ctx.logger.info('order cancellation requested', { orderId, customerId: session.customerId });
  // the consumer may have applied the same message first (it changes nothing then): read it back
  return change?.order ?? ctx.view.store.getOrder(orderId) ?? order;
}

async function produce(ctx: WebContext, topic: string, key: string, value: string, timestamp: number): Promise<RecordMetadata> {
  try {
    // the root of the order's trace: every actor's messages about this order continue it
    const headers = { [TRACEPARENT]: orderTraceparent(key), [SPAN_HEADERS.actor]: 'web' };
    const message = { key, value, timestamp, headers };
    const [meta] = await ctx.producer.send(topic, [message]);
    if (!meta) throw new Error('the log returned no position');
    if (ctx.spans) {
      const span = spanOfMessage('web', topic, message, ctx.clock.now());
      if (span) ctx.spans.export(span);
    }
    return meta;
  } catch (cause) {
    ctx.logger.error(`could not produce to ${topic}: ${(cause as Error).message}`, { orderId: key });
    throw new ShopError('LOG_UNAVAILABLE', `the order log is not available right now (${topic}); nothing was stored, try again`, {
      httpStatus: 503,
      retriable: true,
      cause,
    });
  }
}
