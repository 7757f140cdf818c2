/**
 * The machines' event vocabulary: what the host sends in (imperative names of facts the host
 * read off a topic, UPPER.CASE) and what the machines emit back (lower.case). Every event sent in
 * carries `now`, the host Clock's time in ms: the machines never read a clock of their own, so
 * their deadlines are plain numbers in context and survive a restore.
 */

/**
 * The order statuses by name: the keys of `[status-id]` and `[status-label]` in the system config
 * (whose codes are configurable; `StatusIds` maps one to the other).
 */
export const STATUS_NAMES = [
  'stuck',
  'order_placed',
  'pending',
  'pizza_assembled',
  'pizza_baked',
  'unknown',
  'something_wrong',
  'cancelled',
  'delivered',
] as const;
export type StatusName = (typeof STATUS_NAMES)[number];

/** Status codes by name, as in `[status-id]` (`ShopConfig.status.ids`). */
export type StatusIds = Record<StatusName, number>;

/**
 * Where a message was read. Plain data for the order's history and the logs: the machines take
 * no part in committing inputs (the host commits a batch's inputs with the state that absorbed them).
 */
export interface MessageSource {
  topic: string;
  partition: number;
  offset: number;
}

/** Fields every message-borne event has. */
export interface MessageFields {
  /** the message key */
  orderId: string;
  /** host clock, ms */
  now: number;
  /** where the message was read (the order machine records its topic in `history`) */
  source?: MessageSource;
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

/** assemble: pizza-ordered plus the durations from `assembleWork()` (src/kitchen/timings.ts). */
export interface AssembleOrderPlaced extends OrderPlaced {
  /** how long assembling takes, ms, already scaled by speed */
  assembleMs: number;
  /** seconds at speed 1, written into pizza-assembled as `baking_time` */
  bakingTime: number;
}
export type AssembleEvent = AssembleOrderPlaced | OrderCancelled | ClockTick;

/** bake: pizza-assembled plus `bakeMs(baking_time, speed)`. */
export interface BakePizzaAssembled extends PizzaAssembled {
  bakeMs: number;
}
export type BakeEvent = BakePizzaAssembled | OrderCancelled | ClockTick;

/** delivery: pizza-ordered plus the customer and both durations from `deliveryWork()`. */
export interface DeliveryOrderPlaced extends OrderPlaced {
  customerId: string;
  /** factor 1, ms, scaled */
  deliveryMs: number;
  /** factor `delivery_late_factor`, ms, scaled: used when the pizza was baked before the order came */
  lateDeliveryMs: number;
}
export type DeliveryEvent = DeliveryOrderPlaced | PizzaBaked | OrderCancelled | ClockTick;

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
//
// Every event below names the order it is about. A station changes what it knows about an order
// only in a step that emits an event naming that order, or whose input event is about that order
// (the one exception, the bounded dedupe memory forgetting its oldest entries, is in station.ts):
// that is what lets a host persist just the rows of the orders a batch touched.

/** The work waits for a free slot. */
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
/** The work is done; its output was emitted just before. */
export interface WorkFinishedEmitted {
  type: 'work.finished';
  orderId: string;
  at: number;
  /** the deadline it finished at (≤ at when the host ticked late or restarted after it) */
  dueAt: number;
}
/** The order was cancelled: its queued or unfinished work is dropped, no output. */
export interface WorkDroppedEmitted {
  type: 'work.dropped';
  orderId: string;
  at: number;
  reason: 'cancelled';
  /** what was dropped */
  was: 'queued' | 'working';
}
/**
 * An input that caused no new work: a copy of one already taken (inputs written by others are
 * at-least-once), or a cancel at delivery (`too-late`: every pizza there is baked).
 */
export interface InputIgnoredEmitted {
  type: 'input.ignored';
  orderId: string;
  at: number;
  reason: 'already-finished' | 'already-cancelled' | 'already-queued' | 'already-working' | 'already-pending' | 'duplicate' | 'too-late';
}
/** A cancel for an order this station has not seen (yet): remembered, so its work is dropped on arrival. */
export interface CancelNotedEmitted {
  type: 'cancel.noted';
  orderId: string;
  at: number;
}

export type StationEmitted =
  | WorkQueuedEmitted
  | WorkStartedEmitted
  | WorkFinishedEmitted
  | WorkDroppedEmitted
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
/** delivery: the pizza is parked until its order arrives (follows `pizza.pending`). */
export interface WorkParkedEmitted {
  type: 'work.parked';
  orderId: string;
  at: number;
}
/** delivery: the customer of an order is remembered until its pizza is baked. */
export interface CustomerNotedEmitted {
  type: 'customer.noted';
  orderId: string;
  at: number;
  customerId: string;
}
/** delivery: a remembered customer whose pizza did not come within `forgetAfterMs` is forgotten. */
export interface CustomerForgottenEmitted {
  type: 'customer.forgotten';
  orderId: string;
  at: number;
}
/** delivery: a parked pizza whose order did not come within `forgetAfterMs` is forgotten. */
export interface WorkForgottenEmitted {
  type: 'work.forgotten';
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
  | WorkForgottenEmitted;
