import { ShopError } from '../errors.ts';
import { encode, type PizzaOrdered, type StatusChanged } from '../events/messages.ts';
import type { RecordMetadata } from '../transport/transport.ts';
import { orderNotFound } from './httpErrors.ts';
import type { Session } from './session/sessionCookie.ts';
import type { PizzaChoice } from './validateOrder.ts';
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
  const orderId = ctx.newOrderId();
  const timestamp = ctx.clock.now();
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
  if (refusal) throw new ShopError('CANNOT_CANCEL', `order ${orderId} cannot be cancelled: ${refusal}`, { httpStatus: 409 });
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
    const [meta] = await ctx.producer.send(topic, [{ key, value, timestamp }]);
    if (!meta) throw new Error('the log returned no position');
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
