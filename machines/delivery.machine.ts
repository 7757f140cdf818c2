import { enqueueActions, setup } from 'xstate';
import type { DeliveryEmitted, DeliveryEvent, StationEmitted } from './events.ts';
import { emptyHashed, type HashedRecord, hashedDelete, hashedEntries, hashedGet, hashedHas, hashedOf, hashedSet } from './hashedRecord.ts';
import {
  initialStationContext,
  type Job,
  type StationContext,
  type StationInput,
  StationStep,
  stationGuards,
  stationStates,
} from './station.ts';

/**
 * The delivery station, with the original's race. It reads pizza-ordered only to remember the
 * customer (and both delivery durations, from `deliveryWork()`), and pizza-baked as its work:
 *
 * - baked, customer known → deliver in `deliveryMs`;
 * - baked, order not seen yet → emit `pizza.pending` (publish pizza-pending) and park the pizza;
 *   when pizza-ordered arrives → deliver in `lateDeliveryMs` (factor `delivery_late_factor`).
 *
 * A cancel is refused here (`input.ignored` 'too-late'): cancelling is allowed until the pizza is
 * baked, and this station only ever works on baked pizzas; whether an order is cancelled before
 * that is decided by the assemble and bake stations dropping its work, and the status machine
 * refuses a cancel after baked in the same way. Dropping here instead would leave an order whose
 * cancel the status machine refused (it saw baked first) undelivered and stuck. A customer whose
 * order was cancelled stays remembered, so a pizza the bake station finished before it saw the
 * cancel is still delivered.
 *
 * Delivering emits `pizza.delivered` (publish pizza-delivered) then `work.finished`. Customers and
 * parked pizzas are forgotten once used, or after `forgetAfterMs` (the store retention).
 * See station.ts for queueing, dedupe and the rows a context is persisted as.
 *
 * @example
 * const actor = createActor(deliveryMachine, { input: {} }).start();
 * actor.send({ type: 'PIZZA.BAKED', orderId: '0a1b2c3d', now: 0 });          // emits pizza.pending, work.parked
 * actor.send({ type: 'ORDER.PLACED', orderId: '0a1b2c3d', now: 5, customerId, deliveryMs: 7_000, lateDeliveryMs: 14_000 });
 * actor.send({ type: 'CLOCK.TICK', now: 14_005 });                          // emits pizza.delivered (late: true)
 */

/** The customer of an order whose pizza has not come yet. */
export interface Customer {
  customerId: string;
  deliveryMs: number;
  lateDeliveryMs: number;
  /** when its pizza-ordered came */
  at: number;
}

export interface DeliveryContext extends StationContext {
  /** orderId → the customer of an order whose pizza has not come yet */
  customers: HashedRecord<Customer>;
  /** orderId → when its pizza came before its order (parked until the order comes) */
  parked: HashedRecord<number>;
  /**
   * No customer or parked pizza came before this (null: none is remembered). A lower bound, not
   * kept exact as entries are used, so that a step need not look at them all: only once it is
   * older than `forgetAfterMs` does a step look for what to forget (and makes it exact again).
   */
  oldestAt: number | null;
  /** customers and parked pizzas older than this are forgotten; null = never */
  forgetAfterMs: number | null;
}

export interface DeliveryInput extends StationInput {
  /** default 4 h, the state store retention */
  forgetAfterMs?: number | null;
}

const FOUR_HOURS = 4 * 60 * 60 * 1000;

/** What delivery emits beyond the shared station events. */
type DeliveryOwn = Exclude<DeliveryEmitted, StationEmitted>;
type DeliveryStep = StationStep<DeliveryContext, DeliveryOwn>;

export function stepDelivery(context: DeliveryContext, event: DeliveryEvent): DeliveryStep {
  const step: DeliveryStep = new StationStep<DeliveryContext, DeliveryOwn>(context, event.now, (job: Job, at) => ({
    type: 'pizza.delivered',
    orderId: job.orderId,
    at,
    customerId: job.customerId ?? '',
    late: job.late ?? false,
  }));
  forgetOld(step);
  step.settle();
  switch (event.type) {
    case 'ORDER.PLACED': {
      const { orderId, now } = event;
      const { customers, parked, oldestAt } = step.context;
      if (step.ignoredAsCopy(orderId)) return step;
      if (hashedHas(customers, orderId)) {
        step.ignore(orderId, 'duplicate');
        return step;
      }
      if (hashedHas(parked, orderId)) {
        // the race: the pizza waited for its order, so it goes out late
        step.set({ parked: hashedDelete(parked, orderId) });
        step.receive({ orderId, durationMs: event.lateDeliveryMs, customerId: event.customerId, late: true });
        return step;
      }
      const customer: Customer = {
        customerId: event.customerId,
        deliveryMs: event.deliveryMs,
        lateDeliveryMs: event.lateDeliveryMs,
        at: now,
      };
      step.set({ customers: hashedSet(customers, orderId, customer), oldestAt: Math.min(oldestAt ?? now, now) });
      step.emit({ type: 'customer.noted', orderId, at: now, customerId: event.customerId });
      return step;
    }
    case 'PIZZA.BAKED': {
      const { orderId, now } = event;
      const { customers, parked, oldestAt } = step.context;
      const customer = hashedGet(customers, orderId);
      if (customer) {
        step.set({ customers: hashedDelete(customers, orderId) });
        step.receive({ orderId, durationMs: customer.deliveryMs, customerId: customer.customerId, late: false });
        return step;
      }
      if (hashedHas(parked, orderId)) {
        step.ignore(orderId, 'already-pending');
        return step;
      }
      if (step.ignoredAsCopy(orderId)) return step;
      step.set({ parked: hashedSet(parked, orderId, now), oldestAt: Math.min(oldestAt ?? now, now) });
      step.emit({ type: 'pizza.pending', orderId, at: now });
      step.emit({ type: 'work.parked', orderId, at: now });
      return step;
    }
    case 'ORDER.CANCELLED':
      // Cancelling is allowed until the pizza is baked, and every pizza here is baked (or its
      // order has not been baked yet, which is the bake station's call): refuse.
      step.ignore(event.orderId, 'too-late');
      return step;
    case 'CLOCK.TICK':
      return step;
  }
}

/**
 * Drops customers and parked pizzas older than `forgetAfterMs` (orders that never went on). Looks
 * at them only when the oldest may be that old.
 */
function forgetOld(step: DeliveryStep): void {
  const { forgetAfterMs, oldestAt, customers, parked } = step.context;
  if (forgetAfterMs === null || oldestAt === null || oldestAt >= step.now - forgetAfterMs) return;
  const cutoff = step.now - forgetAfterMs;
  let oldest: number | null = null;
  const keeps = (at: number) => {
    if (at < cutoff) return false;
    oldest = Math.min(oldest ?? at, at);
    return true;
  };
  const [keptCustomers, forgottenCustomers] = partition(hashedEntries(customers), ([, customer]) => keeps(customer.at));
  const [keptParked, forgottenParked] = partition(hashedEntries(parked), ([, at]) => keeps(at));
  step.set({ customers: hashedOf(keptCustomers), parked: hashedOf(keptParked), oldestAt: oldest });
  for (const [orderId] of forgottenCustomers) step.emit({ type: 'customer.forgotten', orderId, at: step.now });
  for (const [orderId] of forgottenParked) step.emit({ type: 'work.forgotten', orderId, at: step.now });
}

function partition<T>(items: T[], keep: (item: T) => boolean): [T[], T[]] {
  const kept: T[] = [];
  const dropped: T[] = [];
  for (const item of items) (keep(item) ? kept : dropped).push(item);
  return [kept, dropped];
}

export const deliveryMachine = setup({
  types: {
    context: {} as DeliveryContext,
    events: {} as DeliveryEvent,
    input: {} as DeliveryInput | undefined,
    emitted: {} as DeliveryEmitted,
  },
  guards: stationGuards,
  actions: {
    step: enqueueActions(({ context, event, enqueue }) => {
      const step = stepDelivery(context, event);
      enqueue.assign(() => step.context);
      for (const emitted of step.emitted) enqueue.emit(emitted);
    }),
  },
}).createMachine({
  id: 'delivery',
  context: ({ input }) => ({
    ...initialStationContext('delivery', input),
    customers: emptyHashed<Customer>(),
    parked: emptyHashed<number>(),
    oldestAt: null,
    forgetAfterMs: input?.forgetAfterMs === undefined ? FOUR_HOURS : input.forgetAfterMs,
  }),
  initial: 'idle',
  on: {
    'ORDER.PLACED': { actions: 'step' },
    'PIZZA.BAKED': { actions: 'step' },
    'ORDER.CANCELLED': { actions: 'step' },
    'CLOCK.TICK': { actions: 'step' },
  },
  states: stationStates,
});
