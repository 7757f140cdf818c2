import { enqueueActions, setup } from 'xstate';
import type { DeliveryEmitted, DeliveryEvent, InputRef, PartitionsRevoked, StationEmitted } from './events.ts';
import {
  initialStationContext,
  type Job,
  mergeRefs,
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
 * A cancel is refused here (`input.ignored` 'too-late', committed): cancelling is allowed until
 * the pizza is baked, and this station only ever works on baked pizzas; whether an order is
 * cancelled before that is decided by the assemble and bake stations dropping its work, and the
 * status machine refuses a cancel after baked in the same way. Dropping here instead would leave an
 * order whose cancel the status machine refused (it saw baked first) undelivered and stuck.
 *
 * Delivering emits `pizza.delivered` (publish pizza-delivered) then `work.finished`. Customers and
 * parked pizzas are forgotten once used, or after `forgetAfterMs` (the store retention).
 *
 * A remembered customer or parked pizza exists only in this process, so the input that made it is
 * held, not committed (`context.held`, listed by `stationPendingInputs`): if the partition moves
 * or the process dies, the message comes again and rebuilds it. Held inputs are committed with
 * the delivery's `work.finished` (both the pizza-ordered and the pizza-baked), when the entry is
 * forgotten (`customer.forgotten`, `work.forgotten`), or for a customer when its order is
 * cancelled (`customer.cancelled`); they are released uncommitted when their partitions are
 * revoked (`work.released`). Copies of a held input join it.
 * See station.ts for queueing, dedupe and cancel, and index.ts for the host contract.
 *
 * @example
 * const actor = createActor(deliveryMachine, { input: {} }).start();
 * actor.send({ type: 'PIZZA.BAKED', orderId: '0a1b2c3d', now: 0 });          // emits pizza.pending, work.parked
 * actor.send({ type: 'ORDER.PLACED', orderId: '0a1b2c3d', now: 5, customerId, deliveryMs: 7_000, lateDeliveryMs: 14_000 });
 * actor.send({ type: 'CLOCK.TICK', now: 14_005 });                          // emits pizza.delivered (late: true)
 */

export interface DeliveryContext extends StationContext {
  /** orderId → the customer of an order whose pizza has not come yet (`cancelledAt`: its cancel came) */
  customers: Record<string, { customerId: string; deliveryMs: number; lateDeliveryMs: number; at: number; cancelledAt?: number }>;
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

/** Adds inputs to those held for an order (a remembered customer or a parked pizza). */
function hold(step: DeliveryStep, orderId: string, inputs: InputRef[]): void {
  const held = step.context.held ?? {};
  step.set({ held: { ...held, [orderId]: mergeRefs(held[orderId] ?? [], inputs) } });
}

/** Takes the inputs held for an order, which the caller then commits or hands to a job. */
function takeHeld(step: DeliveryStep, orderId: string): InputRef[] {
  const held = step.context.held ?? {};
  const refs = held[orderId] ?? [];
  if (Object.hasOwn(held, orderId)) step.set({ held: without(held, orderId) });
  return refs;
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
      const job = step.findJob(orderId);
      if (job) {
        // a copy of the order the delivery was made from: committed with that delivery
        step.attach(orderId, inputs);
        return ignored(step, orderId, job.where === 'working' ? 'already-working' : 'already-queued', []);
      }
      const customer = step.context.customers[orderId];
      if (customer) {
        if (customer.cancelledAt !== undefined) return ignored(step, orderId, 'already-cancelled', inputs);
        // a copy of the remembered order (a redelivery after a crash, or a duplicate): held with it
        hold(step, orderId, inputs);
        return ignored(step, orderId, 'duplicate', []);
      }
      if (Object.hasOwn(step.context.pending, orderId)) {
        // the race: the pizza waited for its order, so it goes out late
        step.set({ pending: without(step.context.pending, orderId) });
        const parked = takeHeld(step, orderId);
        step.receive({
          orderId,
          durationMs: event.lateDeliveryMs,
          customerId: event.customerId,
          late: true,
          inputs: mergeRefs(parked, inputs),
        });
        return step;
      }
      step.set({
        customers: {
          ...step.context.customers,
          [orderId]: { customerId: event.customerId, deliveryMs: event.deliveryMs, lateDeliveryMs: event.lateDeliveryMs, at: event.now },
        },
      });
      hold(step, orderId, inputs);
      step.emit({ type: 'customer.noted', orderId, at: event.now, customerId: event.customerId, inputs: [] });
      return step;
    }
    case 'PIZZA.BAKED': {
      step.settle();
      const { orderId } = event;
      const inputs = event.ref ? [event.ref] : [];
      const customer = step.context.customers[orderId];
      if (customer && !step.findJob(orderId) && !step.isFinished(orderId)) {
        step.set({ customers: without(step.context.customers, orderId) });
        const ordered = takeHeld(step, orderId);
        step.receive({
          orderId,
          durationMs: customer.deliveryMs,
          customerId: customer.customerId,
          late: false,
          inputs: mergeRefs(ordered, inputs),
        });
        return step;
      }
      if (Object.hasOwn(step.context.pending, orderId)) {
        // a copy of the parked pizza: held with it
        hold(step, orderId, inputs);
        return ignored(step, orderId, 'already-pending', []);
      }
      if (step.isFinished(orderId) || step.findJob(orderId)) {
        // receive() sorts out finished and duplicate work
        step.receive({ orderId, durationMs: 0, inputs });
        return step;
      }
      step.set({ pending: { ...step.context.pending, [orderId]: event.now } });
      hold(step, orderId, inputs);
      step.emit({ type: 'pizza.pending', orderId, at: event.now });
      step.emit({ type: 'work.parked', orderId, at: event.now, inputs: [] });
      return step;
    }
    case 'ORDER.CANCELLED': {
      // Cancelling is allowed until the pizza is baked, and every pizza here is baked (or its
      // order has not been baked yet, which is the bake station's call): refuse, commit.
      step.settle();
      const { orderId } = event;
      step.ignore(orderId, 'too-late', event.ref ? [event.ref] : []);
      const customer = step.context.customers[orderId];
      if (customer && customer.cancelledAt === undefined) {
        // Its pizza will most likely never come: holding the pizza-ordered until the customer is
        // forgotten would hold the partition's commits for hours. The customer stays, so a pizza
        // baked before the bake station saw the cancel is still delivered.
        step.set({ customers: { ...step.context.customers, [orderId]: { ...customer, cancelledAt: event.now } } });
        step.emit({ type: 'customer.cancelled', orderId, at: event.now, inputs: takeHeld(step, orderId) });
      }
      return step;
    }
    case 'PARTITIONS.REVOKED':
      step.revoke(event);
      releaseRevoked(step, event);
      return step;
    case 'CLOCK.TICK':
      step.settle();
      return step;
  }
}

function ignored(
  step: DeliveryStep,
  orderId: string,
  reason: 'already-finished' | 'already-cancelled' | 'already-working' | 'already-queued' | 'already-pending' | 'duplicate',
  inputs: InputRef[],
) {
  step.ignore(orderId, reason, inputs);
  return step;
}

/**
 * Drops customers and parked pizzas older than `forgetAfterMs` (orders that never went on) and
 * hands back their held inputs for commit.
 */
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
  for (const orderId of oldCustomers) step.emit({ type: 'customer.forgotten', orderId, at: step.now, inputs: takeHeld(step, orderId) });
  for (const orderId of oldPending) step.emit({ type: 'work.forgotten', orderId, at: step.now, inputs: takeHeld(step, orderId) });
}

/**
 * Releases remembered customers and parked pizzas whose every held input came from revoked
 * partitions, without commit: the new owner gets those messages again and rebuilds them (the same
 * rule as for jobs in `StationStep.revoke`).
 */
function releaseRevoked(step: DeliveryStep, event: PartitionsRevoked): void {
  const revoked = (ref: InputRef) => event.partitions.some((p) => p.topic === ref.topic && p.partition === ref.partition);
  for (const [orderId, refs] of Object.entries(step.context.held ?? {})) {
    if (refs.length === 0 || !refs.every(revoked)) continue;
    takeHeld(step, orderId);
    step.set({ customers: without(step.context.customers, orderId), pending: without(step.context.pending, orderId) });
    step.emit({ type: 'work.released', orderId, at: step.now, refs });
  }
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
    held: {},
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
