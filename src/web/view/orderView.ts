import type { StatusName } from '../../config/shopConfig.ts';
import type { OrderDetails } from '../../events/messages.ts';
import type { PizzaPriced } from '../../lab/labMessages.ts';
import type { StationName } from './kitchenBoard.ts';
import type { LogPosition, Stage, ViewEvent } from './viewEvent.ts';

/** One status the order had, as published on `pizza-status` (or recorded when it was placed). */
export interface StatusEntry {
  status: number;
  at: number;
  /** where it came from in the log */
  source: LogPosition;
}

/** One message of the order on any topic: the event timeline of the order page. */
export interface TimelineEntry extends LogPosition {
  /** the event it recorded */
  event: ViewEvent['type'];
  /** status code in the message value */
  status: number;
  /** stage it recorded (ordered … cancelled), or 'status' for pizza-status */
  what: Stage | 'status';
}

/** A log line of any actor that mentions the order. */
export interface OrderLogLine {
  at: number;
  level: string;
  actor: string;
  msg: string;
  fields: Record<string, unknown>;
  /** position on the logs topic (for dedupe) */
  partition: number;
  offset: number;
}

/**
 * The web's view of one order: a document built only from the log, so any web instance builds the
 * same one. `customerId` is null while only later events have arrived (events of one order come
 * from several topics and reorder, DESIGN-NOTES 5): such an order is shown to nobody until its
 * `pizza-ordered` arrives.
 */
export interface OrderView {
  orderId: string;
  customerId: string | null;
  username: string | null;
  pizza: Pick<OrderDetails, 'sauce' | 'cheese' | 'main_topping' | 'extra_toppings'> | null;
  /** when the order was placed (the value's timestamp of `pizza-ordered`) */
  placedAt: number | null;
  /** the latest status; 100 from `pizza-ordered` until `pizza-status` says otherwise */
  status: number | null;
  statusAt: number | null;
  /** set once a status came from `pizza-status`: from then on only it moves the status */
  statusFromLog: boolean;
  /** distinct consecutive statuses, oldest first */
  history: StatusEntry[];
  /** when each stage was recorded on its topic */
  stages: Partial<Record<Stage, number>>;
  /** when this web produced `pizza-cancelled` for it */
  cancelRequestedAt: number | null;
  timeline: TimelineEntry[];
  logs: OrderLogLine[];
  /**
   * The latest station-work event of each station about the order (topic `station_work`), which
   * says whether the station is working on it; absent for a station that reported none (one of the
   * original's Python stations reports nothing).
   */
  work?: Partial<Record<StationName, WorkMark>>;
  /**
   * The price the order was placed at (topic `pizza-priced`), with its position on the log;
   * absent when the web that placed it knew no prices (no inventory on the log yet) or for an
   * order placed by the original's web.
   */
  price?: PizzaPriced & { partition: number; offset: number };
  updatedAt: number;
}

/**
 * What a station's latest work event said about an order: `working` after `started` (and
 * `finished`, until the station's output reaches the log), not after `queued` or `dropped`.
 *
 * @example
 * view.work?.bake; // { working: true, at: 1_700_000_000_000, partition: 0, offset: 41 }
 */
export interface WorkMark {
  working: boolean;
  /** the line's time */
  at: number;
  /** its position on the logs topic (orders lines of the same time) */
  partition: number;
  offset: number;
}

/** Whether each kind of station work means the station works on the order. */
const WORKING: Readonly<Record<string, boolean>> = { queued: false, started: true, finished: true, dropped: false };

/**
 * The order's work marks after one station-work event: it replaces the station's mark when it is
 * later (by time, then position; events of several members of a station meet only at a partition
 * move, where time orders them better than arrival). Returns `work` itself when nothing changes.
 */
function markWork(work: OrderView['work'], event: Extract<ViewEvent, { type: 'WorkReported' }>): OrderView['work'] {
  const working = WORKING[event.work];
  if (working === undefined) return work;
  const { partition, offset } = event.source;
  const old = work?.[event.station];
  if (old && (event.at < old.at || (event.at === old.at && old.partition === partition && offset <= old.offset))) return work;
  if (old && old.working === working && old.at === event.at) return work;
  return { ...work, [event.station]: { working, at: event.at, partition, offset } };
}

/** Status codes the reducers need, by name (from the configuration). */
export type StatusIds = Record<StatusName, number>;

export const MAX_TIMELINE = 50;
export const MAX_LOG_LINES = 80;

export function emptyOrder(orderId: string): OrderView {
  return {
    orderId,
    customerId: null,
    username: null,
    pizza: null,
    placedAt: null,
    status: null,
    statusAt: null,
    statusFromLog: false,
    history: [],
    stages: {},
    cancelRequestedAt: null,
    timeline: [],
    logs: [],
    updatedAt: 0,
  };
}

const samePosition = (a: { partition: number; offset: number }, b: { partition: number; offset: number }) =>
  a.partition === b.partition && a.offset === b.offset;

/**
 * The projection of one order: `evolveOrder(view, event) → view`. Pure; returns the same object
 * when the event changes nothing (a redelivered message: at-least-once, DESIGN-NOTES 4), so the
 * caller can skip the write and the live update.
 *
 * @example
 * let view = evolveOrder(undefined, placed); // status 100, customer known
 * view = evolveOrder(view, { type: 'StatusChanged', status: 200, … }); // in the oven
 */
export function evolveOrder(view: OrderView | undefined, event: ViewEvent): OrderView {
  const current = view ?? emptyOrder(event.orderId);
  if (event.type === 'LineLogged') {
    if (current.logs.some((l) => samePosition(l, event.source))) return current;
    const line: OrderLogLine = {
      at: event.at,
      level: event.level,
      actor: event.actor,
      msg: event.msg,
      fields: event.fields,
      partition: event.source.partition,
      offset: event.source.offset,
    };
    const logs = [...current.logs, line].sort((a, b) => a.at - b.at).slice(-MAX_LOG_LINES);
    return { ...current, logs, updatedAt: Math.max(current.updatedAt, event.at) };
  }
  if (event.type === 'WorkReported') {
    const work = markWork(current.work, event);
    return work === current.work ? current : { ...current, work, updatedAt: Math.max(current.updatedAt, event.at) };
  }
  if (event.type === 'OrderPriced') {
    // a retried placement may price the order again before its pizza-ordered: the last price wins
    const { partition, offset } = event.source;
    if (current.price && current.price.partition === partition && current.price.offset === offset) return current;
    return { ...current, price: { ...event.price, partition, offset }, updatedAt: Math.max(current.updatedAt, event.at) };
  }
  if (current.timeline.some((t) => t.topic === event.source.topic && samePosition(t, event.source))) return current;
  const entry: TimelineEntry = {
    ...event.source,
    event: event.type,
    status: event.status,
    what: event.type === 'OrderPlaced' ? 'ordered' : event.type === 'StageReached' ? event.stage : 'status',
  };
  const timeline = [...current.timeline, entry].sort((a, b) => a.timestamp - b.timestamp).slice(-MAX_TIMELINE);
  const next: OrderView = { ...current, timeline, updatedAt: Math.max(current.updatedAt, event.at) };

  switch (event.type) {
    case 'OrderPlaced': {
      const o = event.order;
      next.customerId = o.customer_id;
      next.username = o.username;
      next.pizza = { sauce: o.sauce, cheese: o.cheese, main_topping: o.main_topping, extra_toppings: [...o.extra_toppings] };
      next.placedAt = event.at;
      next.stages = { ...current.stages, ordered: event.at };
      if (!current.statusFromLog && current.status === null) {
        next.status = event.status;
        next.statusAt = event.at;
        next.history = [{ status: event.status, at: event.at, source: event.source }];
      }
      return next;
    }
    case 'StatusChanged': {
      // pizza-status is keyed by order id, so one order's statuses arrive in the order the status
      // actor published them; its machine only moves forward, so the latest one is the status
      next.status = event.status;
      next.statusAt = event.at;
      next.statusFromLog = true;
      const last = current.history[current.history.length - 1];
      next.history =
        last?.status === event.status
          ? current.history
          : [...current.history, { status: event.status, at: event.at, source: event.source }];
      return next;
    }
    case 'StageReached': {
      const stages = { ...current.stages };
      if (stages[event.stage] === undefined) stages[event.stage] = event.at;
      next.stages = stages;
      if (event.stage === 'cancelled' && next.cancelRequestedAt === null) next.cancelRequestedAt = event.at;
      return next;
    }
  }
}

/** The order has finished: delivered, cancelled, or given up (unknown, something wrong). */
export function isFinished(view: Pick<OrderView, 'status'>, ids: StatusIds): boolean {
  return (
    view.status === ids.delivered || view.status === ids.cancelled || view.status === ids.unknown || view.status === ids.something_wrong
  );
}

/**
 * Whether the customer may still cancel: not finished, and not baked yet — by its status history
 * or by a `pizza-baked` already on the log (the status event may still be on its way).
 * Returns the reason when not.
 */
export function cancelRefusal(view: OrderView, ids: StatusIds): string | undefined {
  if (view.status === ids.cancelled) return 'the order is already cancelled';
  if (isFinished(view, ids)) return 'the order is finished';
  const baked =
    view.stages.baked !== undefined ||
    view.stages.delivered !== undefined ||
    view.history.some((h) => h.status === ids.pizza_baked || h.status === ids.delivered);
  if (baked) return 'the pizza is already baked';
  return undefined;
}
