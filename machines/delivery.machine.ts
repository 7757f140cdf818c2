import { enqueueActions, setup } from 'xstate';
import type { DeliveryEmitted, DeliveryEvent, InputRef, StationEmitted } from './events.ts';
import {
  type Job,
  type StationContext,
  type StationInput,
  StationStep,
  initialStationContext,
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
 * A cancel is refused here (`input.ignored` 'too-late', committed): cancelling is allowed until
 * the pizza is baked, and this station only ever works on baked pizzas; whether an order is
 * cancelled before that is decided by the assemble and bake stations dropping its work, and the
 * status machine refuses a cancel after baked in the same way. Dropping here instead would leave an
 * order whose cancel the status machine refused (it saw baked first) undelivered and stuck.
 *
 * Delivering emits `pizza.delivered` (publish pizza-delivered) then `work.finished`. Customers and
 * parked pizzas are forgotten once used, or after `forgetAfterMs` (the store retention).
 * See station.ts for queueing, dedupe and cancel, and index.ts for the host contract.
 *
 * @example
 * const actor = createActor(deliveryMachine, { input: {} }).start();
 * actor.send({ type: 'PIZZA.BAKED', orderId: '0a1b2c3d', now: 0 });          // emits pizza.pending, work.parked
 * actor.send({ type: 'ORDER.PLACED', orderId: '0a1b2c3d', now: 5, customerId, deliveryMs: 7_000, lateDeliveryMs: 14_000 });
 * actor.send({ type: 'CLOCK.TICK', now: 14_005 });                          // emits pizza.delivered (late: true)
 */

export interface DeliveryContext extends StationContext {
  /** orderId → the customer of an order whose pizza has not come yet */
  customers: Record<string, { customerId: string; deliveryMs: number; lateDeliveryMs: number; at: number }>;
  /** orderId → when its pizza came before the order */
  pending: Record<string, number>;
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

function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _dropped, ...rest } = record;
  return rest;
}

export function stepDelivery(context: DeliveryContext, event: DeliveryEvent): DeliveryStep {
  const step: DeliveryStep = new StationStep<DeliveryContext, DeliveryOwn>(context, event.now, (job: Job, at) => ({
    type: 'pizza.delivered',
    orderId: job.orderId,
    at,
    customerId: job.customerId ?? '',
    late: job.late ?? false,
  }));
  forgetOld(step);
  switch (event.type) {
    case 'ORDER.PLACED': {
      step.settle();
      const { orderId } = event;
      const inputs = event.ref ? [event.ref] : [];
      if (step.isFinished(orderId)) return ignored(step, orderId, 'already-finished', inputs);
      if (step.findJob(orderId) || Object.hasOwn(step.context.customers, orderId)) return ignored(step, orderId, 'duplicate', inputs);
      if (Object.hasOwn(step.context.pending, orderId)) {
        // the race: the pizza waited for its order, so it goes out late
        step.set({ pending: without(step.context.pending, orderId) });
        step.receive({ orderId, durationMs: event.lateDeliveryMs, customerId: event.customerId, late: true, inputs });
        return step;
      }
      step.set({
        customers: {
          ...step.context.customers,
          [orderId]: { customerId: event.customerId, deliveryMs: event.deliveryMs, lateDeliveryMs: event.lateDeliveryMs, at: event.now },
        },
      });
      step.emit({ type: 'customer.noted', orderId, at: event.now, customerId: event.customerId, inputs });
      return step;
    }
    case 'PIZZA.BAKED': {
      step.settle();
      const { orderId } = event;
      const inputs = event.ref ? [event.ref] : [];
      const customer = step.context.customers[orderId];
      if (customer && !step.findJob(orderId) && !step.isFinished(orderId)) {
        step.set({ customers: without(step.context.customers, orderId) });
        step.receive({ orderId, durationMs: customer.deliveryMs, customerId: customer.customerId, late: false, inputs });
        return step;
      }
      if (Object.hasOwn(step.context.pending, orderId)) return ignored(step, orderId, 'already-pending', inputs);
      if (step.isFinished(orderId) || step.findJob(orderId)) {
        // receive() sorts out finished and duplicate work
        step.receive({ orderId, durationMs: 0, inputs });
        return step;
      }
      step.set({ pending: { ...step.context.pending, [orderId]: event.now } });
      step.emit({ type: 'pizza.pending', orderId, at: event.now });
      step.emit({ type: 'work.parked', orderId, at: event.now, inputs });
      return step;
    }
    case 'ORDER.CANCELLED':
      // Cancelling is allowed until the pizza is baked, and every pizza here is baked (or its
      // order has not been baked yet, which is the bake station's call): refuse, commit.
      step.settle();
      step.ignore(event.orderId, 'too-late', event.ref ? [event.ref] : []);
      return step;
    case 'PARTITIONS.REVOKED':
      step.revoke(event);
      return step;
    case 'CLOCK.TICK':
      step.settle();
      return step;
  }
}

function ignored(step: DeliveryStep, orderId: string, reason: 'already-finished' | 'already-pending' | 'duplicate', inputs: InputRef[]) {
  step.ignore(orderId, reason, inputs);
  return step;
}

/** Drops customers and parked pizzas older than `forgetAfterMs` (orders that never went on). */
function forgetOld(step: DeliveryStep): void {
  const { forgetAfterMs, customers, pending } = step.context;
  if (forgetAfterMs === null) return;
  const cutoff = step.now - forgetAfterMs;
  const oldCustomers = Object.keys(customers).filter((k) => (customers[k]?.at ?? 0) < cutoff);
  const oldPending = Object.keys(pending).filter((k) => (pending[k] ?? 0) < cutoff);
  if (oldCustomers.length === 0 && oldPending.length === 0) return;
  step.set({
    customers: Object.fromEntries(Object.entries(customers).filter(([k]) => !oldCustomers.includes(k))),
    pending: Object.fromEntries(Object.entries(pending).filter(([k]) => !oldPending.includes(k))),
  });
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
    customers: {},
    pending: {},
    forgetAfterMs: input?.forgetAfterMs === undefined ? FOUR_HOURS : input.forgetAfterMs,
  }),
  initial: 'idle',
  on: {
    'ORDER.PLACED': { actions: 'step' },
    'PIZZA.BAKED': { actions: 'step' },
    'ORDER.CANCELLED': { actions: 'step' },
    'PARTITIONS.REVOKED': { actions: 'step' },
    'CLOCK.TICK': { actions: 'step' },
  },
  states: stationStates,
});
