/**
 * The shop's statecharts, as pure data: XState v5 machines that read no clock, do no I/O and keep
 * only JSON-safe context; step them with `transition(machine, snapshot, event)`. Every event sent
 * in carries `now` (host clock, ms); message-borne ones also `orderId` and, when the message had
 * it, `timestamp` (events.ts). Deadlines are data: `nextDeadline(context)` says when to send
 * `CLOCK.TICK`; an early, late or repeated tick is harmless.
 *
 * | machine           | one per          | takes                                                     | emits (publish) · (bookkeeping)                                   |
 * |-------------------|------------------|-----------------------------------------------------------|-------------------------------------------------------------------|
 * | `orderMachine`    | order            | every stage event, `ORDER.CANCELLED`, `MESSAGE.MALFORMED` | `status.changed` · `event.ignored`                                |
 * | `assembleMachine` | station instance | `ORDER.PLACED` + `assembleWork()`, `ORDER.CANCELLED`      | `pizza.assembled` · `work.*`, `input.ignored`, `cancel.noted`     |
 * | `bakeMachine`     | station instance | `PIZZA.ASSEMBLED` + `bakeMs`, `ORDER.CANCELLED`           | `pizza.baked` · the same                                          |
 * | `deliveryMachine` | station instance | `ORDER.PLACED` + `deliveryWork()`, `PIZZA.BAKED`, `ORDER.CANCELLED` | `pizza.delivered`, `pizza.pending` · the same, `work.parked`, `customer.noted`, `customer.forgotten`, `work.forgotten` |
 *
 * Inputs: `orderMachine` `OrderMachineInput`; stations `StationInput` (`capacity`, `remember`),
 * delivery also `forgetAfterMs` (`DeliveryInput`).
 *
 * Every emitted event names its order. Stations dedupe inputs that come twice (their finished and
 * cancelled orders are remembered), queue by arrival and show idle / working / full (tag `full`).
 * Their context is kept as rows, one per order (`stationRows`, `withStationRows`, `withoutOrders`;
 * `stationState` for the snapshot of a merged context), so it can follow a partition;
 * `touchedOrders` names the rows a step may have changed. An order machine's tag `finished`
 * (delivered, cancelled) means no more timers and only recording; `halted` (stuck, unknown,
 * something_wrong) means no timer until an event moves it.
 *
 * @example
 * let [snapshot] = initialTransition(bakeMachine, { capacity: 2 });
 * const event = { type: 'PIZZA.ASSEMBLED', orderId, now: clock.now(), bakeMs: bakeMs(13, speed) } as const;
 * const [next, actions] = transition(bakeMachine, snapshot, event); // emitted: actions of type 'xstate.emit'
 * const due = nextDeadline(next.context); // send CLOCK.TICK then
 */

export { assembleMachine, stepAssemble } from './assemble.machine.ts';
export { bakeMachine, stepBake } from './bake.machine.ts';
export { type Customer, type DeliveryContext, type DeliveryInput, deliveryMachine, stepDelivery } from './delivery.machine.ts';
export type * from './events.ts';
export { type HashedRecord, hashedEntries, hashedGet } from './hashedRecord.ts';
export { STATUS_NAMES } from './events.ts';
export {
  type HistoryEntry,
  isOrderFinished,
  ORDER_FINISHED_STATUSES,
  type OrderContext,
  type OrderMachineInput,
  orderMachine,
  orderNextDeadline,
} from './order.machine.ts';
export { type Memory, memoryAt, memoryHas, memoryKeys } from './memory.ts';
export {
  type Job,
  type StationContext,
  type StationInput,
  type StationName,
  type StationRow,
  stationLoad,
  stationNextDeadline,
  stationOrders,
  stationRows,
  stationState,
  touchedOrders,
  withoutOrders,
  withStationRows,
} from './station.ts';

import type { OrderContext } from './order.machine.ts';
import { orderNextDeadline } from './order.machine.ts';
import type { StationContext } from './station.ts';
import { stationNextDeadline } from './station.ts';

/** The next deadline of any machine's context (ms, host clock), or undefined when no timer is needed. */
export function nextDeadline(context: OrderContext | StationContext): number | undefined {
  return 'working' in context ? stationNextDeadline(context) : orderNextDeadline(context);
}
