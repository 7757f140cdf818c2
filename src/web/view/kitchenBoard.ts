import type { OrderView, StatusIds } from './orderView.ts';

export const STATIONS = ['assemble', 'bake', 'delivery'] as const;
export type StationName = (typeof STATIONS)[number];

/** One station as the log shows it: which pizzas entered and have not left yet. */
export interface StationBoard {
  /** order id → when it entered the station (timestamp of the event that sent it there) */
  inside: Record<string, number>;
  /** recent times a pizza left the station done (newest last, a bounded window for throughput) */
  doneAt: number[];
  /** pizzas finished here since the view began */
  done: number;
}

/**
 * The kitchen board: a projection over the stage topics (ordered, assembled, baked, delivered,
 * pending, cancelled) that needs no access to the stations themselves, so it works when they run
 * in other processes. A pizza is at assemble from `pizza-ordered` until `pizza-assembled`, at
 * bake until `pizza-baked`, at delivery until `pizza-delivered`; a cancellation before baking
 * takes it out.
 */
export interface KitchenBoard {
  stations: Record<StationName, StationBoard>;
}

export const THROUGHPUT_WINDOW_MS = 60_000;
const MAX_DONE_TIMES = 1000;

export function emptyKitchen(): KitchenBoard {
  return {
    stations: {
      assemble: { inside: {}, doneAt: [], done: 0 },
      bake: { inside: {}, doneAt: [], done: 0 },
      delivery: { inside: {}, doneAt: [], done: 0 },
    },
  };
}

/** Where an order is in the kitchen, from what the log recorded about it (order of arrival does not matter). */
export function stationOf(order: OrderView | undefined, ids: StatusIds): { station: StationName; since: number } | null {
  if (!order) return null;
  const s = order.stages;
  if (order.status === ids.cancelled) return null;
  if (s.cancelled !== undefined && s.baked === undefined) return null;
  if (s.delivered !== undefined) return null;
  if (order.status === ids.delivered || order.status === ids.something_wrong || order.status === ids.unknown) return null;
  if (s.baked !== undefined) return { station: 'delivery', since: s.baked };
  if (s.assembled !== undefined) return { station: 'bake', since: s.assembled };
  if (s.ordered !== undefined) return { station: 'assemble', since: s.ordered };
  return null;
}

/** The stage whose record means a pizza left `station` done. */
const OUTPUT: Record<StationName, 'assembled' | 'baked' | 'delivered'> = { assemble: 'assembled', bake: 'baked', delivery: 'delivered' };

/**
 * `evolveKitchen(board, before, after) → board`: moves one order between stations after its view
 * changed from `before` to `after`, and counts a station's output the first time it appears on the
 * log (so throughput does not depend on the order in which topics arrive). Pure; returns the same
 * board when nothing changed.
 */
export function evolveKitchen(board: KitchenBoard, before: OrderView | undefined, after: OrderView, ids: StatusIds): KitchenBoard {
  const from = stationOf(before, ids);
  const to = stationOf(after, ids);
  const finished = STATIONS.filter((name) => before?.stages[OUTPUT[name]] === undefined && after.stages[OUTPUT[name]] !== undefined);
  const moved = from?.station !== to?.station || from?.since !== to?.since;
  if (!moved && finished.length === 0) return board;
  const stations = { ...board.stations };
  const id = after.orderId;
  if (moved && from) {
    const { [id]: _gone, ...inside } = stations[from.station].inside;
    stations[from.station] = { ...stations[from.station], inside };
  }
  if (moved && to) {
    const st = stations[to.station];
    stations[to.station] = { ...st, inside: { ...st.inside, [id]: to.since } };
  }
  for (const name of finished) {
    const st = stations[name];
    const at = after.stages[OUTPUT[name]] as number;
    stations[name] = { ...st, doneAt: [...st.doneAt, at].sort((a, b) => a - b).slice(-MAX_DONE_TIMES), done: st.done + 1 };
  }
  return { stations };
}

/** What the kitchen page and the metrics show for one station. */
export interface StationSummary {
  station: StationName;
  capacity: number;
  /** pizzas inside, oldest first; the first `capacity` are taken to be in progress, the rest waiting */
  inProgress: { orderId: string; since: number }[];
  queued: { orderId: string; since: number }[];
  queueLength: number;
  /** pizzas done in the last minute */
  perMinute: number;
  done: number;
}

/**
 * Summarises a station at time `now`. The log says which pizzas are inside a station but not which
 * of them it is working on: with `capacity` pizzas at once per instance, the oldest `capacity`
 * are shown in progress and the others as its queue.
 */
export function summarizeStation(board: KitchenBoard, station: StationName, capacity: number, now: number): StationSummary {
  const st = board.stations[station];
  const inside = Object.entries(st.inside)
    .map(([orderId, since]) => ({ orderId, since }))
    .sort((a, b) => a.since - b.since || a.orderId.localeCompare(b.orderId));
  const inProgress = inside.slice(0, capacity);
  const queued = inside.slice(capacity);
  const perMinute = st.doneAt.filter((t) => t > now - THROUGHPUT_WINDOW_MS && t <= now).length;
  return { station, capacity, inProgress, queued, queueLength: queued.length, perMinute, done: st.done };
}
