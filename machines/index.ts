/**
 * The shop's statecharts, as pure data: XState v5 machines that read no clock, do no I/O and keep
 * only JSON-safe context. Effects reach the outside only as emitted events; the actor host (src/)
 * turns them into messages, store writes and log lines. This comment is the host contract.
 *
 * ## Machines
 * | machine            | one actor per        | input                                                         |
 * |--------------------|----------------------|---------------------------------------------------------------|
 * | `orderMachine`     | order (status actor) | `{ orderId, now, statusIds, stuckAfterMs, unknownAfterMs }`    |
 * | `assembleMachine`  | station instance     | `{ capacity?, remember? }`                                    |
 * | `bakeMachine`      | station instance     | `{ capacity?, remember? }`                                    |
 * | `deliveryMachine`  | station instance     | `{ capacity?, remember?, forgetAfterMs? }`                    |
 *
 * `statusIds` = `config.status.ids`; `stuckAfterMs` = `scaledMs(invalidTimeoutMinutes * 60, speed)`
 * (pass `null` at speed 0, where it would be 0 and every order would go stuck between two events);
 * `unknownAfterMs`: how long an order id may be seen without its pizza-ordered before it is
 * unknown (410); the same value as `stuckAfterMs` is a sound default. Create an order actor on the
 * first message of an order id, with `now` of that message, then send that message.
 * `capacity` = `config.capacity.<station>` (an invalid one puts the actor in error status at start;
 * loadConfig already refuses it). `remember` (default 1000) bounds the dedupe memory of finished and
 * cancelled orders: it must cover the inputs that can come again after a crash (everything past
 * the committed offset); it is most of a station snapshot's size (~17 KB at 1000). A restored
 * snapshot keeps the capacity it was saved with.
 *
 * ## Events to send (every one carries `now` = the host Clock's ms)
 * Message-borne events also carry `orderId` (the key), `ref: { topic, partition, offset }` and
 * `timestamp` (the message's field, when it parsed).
 * | topic              | order machine          | stations                                                                         |
 * |--------------------|------------------------|----------------------------------------------------------------------------------|
 * | pizza-ordered      | `ORDER.PLACED`         | assemble: + `assembleMs, bakingTime` (`assembleWork`); delivery: + `customerId, deliveryMs, lateDeliveryMs` (`deliveryWork`) |
 * | pizza-assembled    | `PIZZA.ASSEMBLED`      | bake: + `bakeMs` (`bakeMs(baking_time, speed)`)                                  |
 * | pizza-baked        | `PIZZA.BAKED`          | delivery                                                                         |
 * | pizza-pending      | `PIZZA.PENDING`        | —                                                                                |
 * | pizza-delivered    | `PIZZA.DELIVERED`      | —                                                                                |
 * | pizza-cancelled    | `ORDER.CANCELLED`      | assemble, bake (drop the work); delivery (refused 'too-late', but a waiting customer's held pizza-ordered is committed: `customer.cancelled`) |
 * | (unparsable, key is an order id) | `MESSAGE.MALFORMED` with `stage`, `reason` | — (dead-letter it and commit) |
 * | (timer)            | `CLOCK.TICK`           | `CLOCK.TICK`                                                                     |
 * | (rebalance)        | —                      | `PARTITIONS.REVOKED { partitions }`                                              |
 * The `*Ms` helpers live in src/kitchen/timings.ts; the machines never hash or scale anything.
 *
 * ## What the machines emit
 * Subscribe with `actor.on('*', fn)` before `start()`. Emitted events are delivered synchronously
 * inside `send()`, in order, so a host can collect one event's consequences as one batch.
 * - order: `status.changed { orderId, status, name, previous, timestamp, at, source }` → publish
 *   `{status, timestamp}` to pizza-status keyed by orderId. Emitted once per change, never for a
 *   duplicate. `event.ignored { reason }` is for the log only.
 * - stations: outputs `pizza.assembled { bakingTime }`, `pizza.baked`, `pizza.delivered { late }`,
 *   `pizza.pending` → publish to the matching topic with `timestamp: at`.
 *   Bookkeeping: `work.queued`, `work.started { dueAt }` (log), `work.finished`, `work.dropped`
 *   (cancel), `input.ignored` (duplicate, already finished/cancelled), `cancel.noted`,
 *   delivery's `work.parked`, `customer.noted` (both with `inputs: []`), `customer.forgotten`,
 *   `work.forgotten` (a customer / parked pizza older than `forgetAfterMs`), `customer.cancelled`,
 *   and `work.released { refs }` (revoked; never commit).
 * - **Commit rule:** every emitted event that has an `inputs` array names inputs that are done:
 *   commit them (`actorHost.finish(ref)`). An input not named yet is still in progress: return
 *   'pending' for it. A duplicate of queued/working work is named later, with that work's
 *   `work.finished` / `work.dropped`. `committedInputs(emitted)` collects them.
 * - Delivery holds the pizza-ordered of a remembered customer and the pizza-baked of a parked
 *   pizza uncommitted (they exist only in the process; a new owner of the partition must get the
 *   messages again): the delivery's `work.finished` names both, and copies join them.
 *
 * ## Order of effects after each send
 * 1. produce the outputs (in emitted order); 2. persist `actor.getPersistedSnapshot()`;
 * 3. commit the named inputs. A crash between 1 and 2 redoes the work (at-least-once; every
 * consumer dedupes); a crash between 2 and 3 redelivers inputs that the restored machine
 * recognises (`input.ignored` 'already-finished' → commit). Persisting before producing could
 * lose an output, so don't.
 *
 * ## Time (DESIGN-NOTES 7: XState's own `after` timers do not survive persist/restore)
 * Machines keep absolute deadlines in context and use no `after` timers. After every send and
 * after restore, compute `nextDeadline(actor.getSnapshot().context)`; if defined, arm ONE timer on
 * the host Clock for `deadline - clock.now()` (replacing the previous one; ≤ 0 means now), and
 * when it fires send `{ type: 'CLOCK.TICK', now: clock.now() }`. Ticks that come early, late or
 * twice are harmless: a machine acts only on deadlines ≤ `now`. Stations also finish every job
 * that is due at the `now` of any event before handling it, so the outputs never depend on timer
 * jitter; at speed 0 (0 ms jobs) work finishes within the send that started it.
 *
 * ## Persist and restore
 * `JSON.stringify(actor.getPersistedSnapshot())` → store; later
 * `createActor(machine, { snapshot: JSON.parse(saved) }).start()` (input is ignored on restore).
 * Restoring runs no entry actions and emits nothing. Then: for a station, mark
 * `stationPendingInputs(context)` in flight in the offset tracker (so it never commits past
 * them; for delivery it includes the held inputs of remembered customers and parked pizzas);
 * re-arm the timer as above — a deadline that passed while the process was down is
 * ticked at once and the pizza finishes once, at restart. Redelivered inputs of work the
 * snapshot holds join that work; those of work it finished are ignored (and committed).
 * On every assignment, do the same for owned partitions and send `PARTITIONS.REVOKED` for the
 * partitions of the other pending inputs: work, customers and parked pizzas whose every input
 * came from them are released (`work.released`), since their new owner rebuilds them.
 *
 * ## Other signals for the host
 * - `snapshot.hasTag('finished')` (order delivered/cancelled): no timer; late events are only
 *   recorded, so the live actor may be dropped from memory once persisted (restore it if the
 *   order id comes again). Tag `halted`: stuck, unknown or something_wrong (no timer, can recover).
 * - Stations' state value is `idle` | `working` | `full` (tag `full`: every slot busy). Pause the
 *   consumer while `full` and `stationLoad(context).queued` is above what you want buffered.
 *
 * @example
 * const actor = createActor(bakeMachine, { input: { capacity: 2 } });
 * actor.on('*', (e) => batch.push(e));
 * actor.start();
 * actor.send({ type: 'PIZZA.ASSEMBLED', orderId, now: clock.now(), ref, bakeMs: bakeMs(13, speed) });
 * const due = nextDeadline(actor.getSnapshot().context); // arm clock.setTimeout for it
 */

export { assembleMachine, stepAssemble } from './assemble.machine.ts';
export { bakeMachine, stepBake } from './bake.machine.ts';
export { type DeliveryContext, type DeliveryInput, deliveryMachine, stepDelivery } from './delivery.machine.ts';
export type * from './events.ts';
export {
  type HistoryEntry,
  isOrderFinished,
  ORDER_FINISHED_STATUSES,
  type OrderContext,
  type OrderMachineInput,
  orderMachine,
  orderNextDeadline,
} from './order.machine.ts';
export {
  type Job,
  type Memory,
  memoryHas,
  memoryKeys,
  type StationContext,
  type StationInput,
  type StationName,
  stationLoad,
  stationNextDeadline,
  stationPendingInputs,
} from './station.ts';

import type { InputRef } from './events.ts';
import type { OrderContext } from './order.machine.ts';
import { orderNextDeadline } from './order.machine.ts';
import type { StationContext } from './station.ts';
import { stationNextDeadline } from './station.ts';

/** The next deadline of any machine's context (ms, host clock), or undefined when no timer is needed. */
export function nextDeadline(context: OrderContext | StationContext): number | undefined {
  return 'working' in context ? stationNextDeadline(context) : orderNextDeadline(context);
}

/** The inputs a batch of emitted events says are done (the commit rule above), without repeats. */
export function committedInputs(emitted: readonly { type: string }[]): InputRef[] {
  const out: InputRef[] = [];
  for (const event of emitted) {
    const inputs = (event as { inputs?: InputRef[] }).inputs;
    if (!Array.isArray(inputs)) continue;
    for (const ref of inputs) {
      if (!out.some((r) => r.topic === ref.topic && r.partition === ref.partition && r.offset === ref.offset)) out.push(ref);
    }
  }
  return out;
}
