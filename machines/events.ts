import type { StatusName } from '../src/config/shopConfig.ts';

/**
 * The machines' event vocabulary: what the host sends in (imperative names of facts the host
 * read off a topic, UPPER.CASE) and what the machines emit back (lower.case). Every event sent in
 * carries `now`, the host Clock's time in ms: the machines never read a clock of their own, so
 * their deadlines are plain numbers in context and survive persist/restore (see index.ts).
 */

/**
 * Where an input message came from. Structurally the runtime's `InputRef`: a station keeps the
 * refs of the inputs that make up a piece of work and hands them back in `inputs` once the host
 * may commit them.
 */
export interface InputRef {
  topic: string;
  partition: number;
  offset: number;
}

/** Status codes by name, as in `[status-id]` (`ShopConfig.status.ids`). */
export type StatusIds = Record<StatusName, number>;

/** Fields every message-borne event has. */
export interface MessageFields {
  /** the message key */
  orderId: string;
  /** host clock, ms */
  now: number;
  /** where the message came from; stations echo it back in `inputs` */
  ref?: InputRef;
  /** the message's own `timestamp` field (ms since epoch), when it had one */
  timestamp?: number;
}

/** A deadline may have passed: sent by the host when `nextDeadline(context)` falls due. */
export interface ClockTick {
  type: 'CLOCK.TICK';
  now: number;
}

/** pizza-ordered. Stations add what they need to the same event (see the station event types). */
export interface OrderPlaced extends MessageFields {
  type: 'ORDER.PLACED';
}
/** pizza-assembled */
export interface PizzaAssembled extends MessageFields {
  type: 'PIZZA.ASSEMBLED';
}
/** pizza-baked */
export interface PizzaBaked extends MessageFields {
  type: 'PIZZA.BAKED';
}
/** pizza-pending (the delivery station saw the pizza before the order) */
export interface PizzaPending extends MessageFields {
  type: 'PIZZA.PENDING';
}
/** pizza-delivered */
export interface PizzaDelivered extends MessageFields {
  type: 'PIZZA.DELIVERED';
}
/** pizza-cancelled (assemble and bake drop the work; delivery refuses: its pizzas are baked) */
export interface OrderCancelled extends MessageFields {
  type: 'ORDER.CANCELLED';
}

/** Which topic a message came from, by meaning rather than by configured name. */
export type Stage = 'ordered' | 'assembled' | 'baked' | 'pending' | 'delivered' | 'cancelled';

/**
 * A message keyed by this order that the host could not parse (it went to the dead-letter topic).
 * Only the order machine takes it; see order.machine.ts for what it does.
 */
export interface MessageMalformed extends MessageFields {
  type: 'MESSAGE.MALFORMED';
  stage: Stage;
  reason: string;
}

/** Everything the order lifecycle machine accepts. */
export type OrderEvent =
  | OrderPlaced
  | PizzaAssembled
  | PizzaBaked
  | PizzaPending
  | PizzaDelivered
  | OrderCancelled
  | MessageMalformed
  | ClockTick;

/**
 * The station's consumer lost these partitions (rebalance): work whose every input came from them
 * is released without output (another member will get the messages again).
 */
export interface PartitionsRevoked {
  type: 'PARTITIONS.REVOKED';
  now: number;
  partitions: { topic: string; partition: number }[];
}

/** assemble: pizza-ordered plus the durations from `assembleWork()` (src/kitchen/timings.ts). */
export interface AssembleOrderPlaced extends OrderPlaced {
  /** how long assembling takes, ms, already scaled by speed */
  assembleMs: number;
  /** seconds at speed 1, written into pizza-assembled as `baking_time` */
  bakingTime: number;
}
export type AssembleEvent = AssembleOrderPlaced | OrderCancelled | PartitionsRevoked | ClockTick;

/** bake: pizza-assembled plus `bakeMs(baking_time, speed)`. */
export interface BakePizzaAssembled extends PizzaAssembled {
  bakeMs: number;
}
export type BakeEvent = BakePizzaAssembled | OrderCancelled | PartitionsRevoked | ClockTick;

/** delivery: pizza-ordered plus the customer and both durations from `deliveryWork()`. */
export interface DeliveryOrderPlaced extends OrderPlaced {
  customerId: string;
  /** factor 1, ms, scaled */
  deliveryMs: number;
  /** factor `delivery_late_factor`, ms, scaled: used when the pizza was baked before the order came */
  lateDeliveryMs: number;
}
export type DeliveryEvent = DeliveryOrderPlaced | PizzaBaked | OrderCancelled | PartitionsRevoked | ClockTick;

// ---- emitted by the order machine ----

/** The order's status changed: publish `{status, timestamp}` to pizza-status, keyed by orderId. */
export interface StatusChangedEmitted {
  type: 'status.changed';
  orderId: string;
  /** the new status code */
  status: number;
  name: StatusName;
  /** the code before, null if none was published yet */
  previous: number | null;
  /** for the wire: the causing message's timestamp, else `at` */
  timestamp: number;
  /** host clock when the change happened */
  at: number;
  /** topic of the causing message, or the event type, or 'clock' for timeouts */
  source: string;
}

/** An event that was recorded in the order's history but did not change its status (for logs). */
export interface EventIgnoredEmitted {
  type: 'event.ignored';
  orderId: string;
  event: OrderEvent['type'];
  reason: 'duplicate' | 'late' | 'finished' | 'awaiting-order' | 'cancel-refused' | 'not-blocking';
  at: number;
  source: string;
}

export type OrderEmitted = StatusChangedEmitted | EventIgnoredEmitted;

// ---- emitted by the station machines ----

/** Events whose `inputs` the host commits (after producing the outputs emitted before them). */
interface Commits {
  inputs: InputRef[];
}

export interface WorkQueuedEmitted {
  type: 'work.queued';
  orderId: string;
  at: number;
  /** 1 = next to start */
  position: number;
}
export interface WorkStartedEmitted {
  type: 'work.started';
  orderId: string;
  at: number;
  dueAt: number;
}
/** The work is done and its output was emitted just before: commit `inputs`. */
export interface WorkFinishedEmitted extends Commits {
  type: 'work.finished';
  orderId: string;
  at: number;
  /** the deadline it finished at (≤ at when the host ticked late or restarted after it) */
  dueAt: number;
}
/** The order was cancelled: its queued or unfinished work (or parked pizza) is dropped, no output. */
export interface WorkDroppedEmitted extends Commits {
  type: 'work.dropped';
  orderId: string;
  at: number;
  reason: 'cancelled';
  /** what was dropped */
  was: 'queued' | 'working';
}
/**
 * Work handed back without output: its partitions were revoked. Do NOT commit `refs` (another
 * member gets those messages again); the field is not called `inputs` for that reason. Delivery
 * also releases remembered customers and parked pizzas this way.
 */
export interface WorkReleasedEmitted {
  type: 'work.released';
  orderId: string;
  at: number;
  refs: InputRef[];
}
/**
 * An input that caused no new work (`too-late`: a cancel at delivery, where every pizza is baked). `inputs` are those to commit now; for a duplicate of work in
 * progress it is empty because the input joined that work and is committed with its work.finished.
 */
export interface InputIgnoredEmitted extends Commits {
  type: 'input.ignored';
  orderId: string;
  at: number;
  reason: 'already-finished' | 'already-cancelled' | 'already-queued' | 'already-working' | 'already-pending' | 'duplicate' | 'too-late';
}
/** A cancel for an order this station has not seen (yet): remembered, so its work is dropped on arrival. */
export interface CancelNotedEmitted extends Commits {
  type: 'cancel.noted';
  orderId: string;
  at: number;
}

export type StationEmitted =
  | WorkQueuedEmitted
  | WorkStartedEmitted
  | WorkFinishedEmitted
  | WorkDroppedEmitted
  | WorkReleasedEmitted
  | InputIgnoredEmitted
  | CancelNotedEmitted;

/** assemble's output: publish pizza-assembled `{status: 200, baking_time, timestamp}`. */
export interface PizzaAssembledEmitted {
  type: 'pizza.assembled';
  orderId: string;
  at: number;
  bakingTime: number;
}
/** bake's output: publish pizza-baked `{status: 300, timestamp}`. */
export interface PizzaBakedEmitted {
  type: 'pizza.baked';
  orderId: string;
  at: number;
}
/** delivery's output: publish pizza-delivered `{status: 999, timestamp}`. */
export interface PizzaDeliveredEmitted {
  type: 'pizza.delivered';
  orderId: string;
  at: number;
  customerId: string;
  /** delivered with the late factor (the pizza was baked before the order reached delivery) */
  late: boolean;
}
/** delivery: the pizza came before its order; publish pizza-pending `{status: 150, timestamp}`. */
export interface PizzaPendingEmitted {
  type: 'pizza.pending';
  orderId: string;
  at: number;
}
/**
 * delivery: the pizza is parked until its order arrives. `inputs` is always empty: the pizza-baked
 * is held (`stationPendingInputs`) and committed with the delivery's `work.finished`, because a
 * parked pizza lives only in this process (a new owner of the partition must get it again).
 */
export interface WorkParkedEmitted extends Commits {
  type: 'work.parked';
  orderId: string;
  at: number;
}
/**
 * delivery: the customer of an order is remembered until its pizza is baked. `inputs` is always
 * empty: the pizza-ordered is held and committed with the delivery's `work.finished` (as above).
 */
export interface CustomerNotedEmitted extends Commits {
  type: 'customer.noted';
  orderId: string;
  at: number;
  customerId: string;
}
/**
 * delivery: a remembered customer was not baked for within `forgetAfterMs` and is forgotten:
 * commit its held pizza-ordered `inputs` (else the partition's committed offset would never move).
 */
export interface CustomerForgottenEmitted extends Commits {
  type: 'customer.forgotten';
  orderId: string;
  at: number;
}
/** delivery: a parked pizza whose order did not come within `forgetAfterMs` is forgotten: commit its held pizza-baked `inputs`. */
export interface WorkForgottenEmitted extends Commits {
  type: 'work.forgotten';
  orderId: string;
  at: number;
}
/**
 * delivery: the order of a remembered customer was cancelled (the cancel itself is refused,
 * `input.ignored` 'too-late'). Its held pizza-ordered `inputs` are committed now, as it will most
 * likely never be baked; the customer stays remembered, so a pizza the bake station finished
 * before it saw the cancel is still delivered.
 */
export interface CustomerCancelledEmitted extends Commits {
  type: 'customer.cancelled';
  orderId: string;
  at: number;
}

export type AssembleEmitted = StationEmitted | PizzaAssembledEmitted;
export type BakeEmitted = StationEmitted | PizzaBakedEmitted;
export type DeliveryEmitted =
  | StationEmitted
  | PizzaDeliveredEmitted
  | PizzaPendingEmitted
  | WorkParkedEmitted
  | CustomerNotedEmitted
  | CustomerForgottenEmitted
  | WorkForgottenEmitted
  | CustomerCancelledEmitted;
