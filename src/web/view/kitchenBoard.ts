import type { OrderView, StatusIds } from './orderView.ts';

export const STATIONS = ['assemble', 'bake', 'delivery'] as const;
export type StationName = (typeof STATIONS)[number];

/** One station as the log shows it: which pizzas entered and have not left yet. */
export interface StationBoard {
  /** order id → when it entered the station (timestamp of the event that sent it there) */
  inside: Record<string, number>;
  /**
   * order id → what the station's work events (topic `station_work`) say about a pizza inside:
   * working or waiting, since the event's time. A pizza inside without an entry is one the station
   * reported nothing about (yet, or ever: one of the original's stations), whose state is inferred.
   */
  work: Record<string, { working: boolean; at: number }>;
  /** recent times a pizza left the station done (newest last, a bounded window for throughput) */
  doneAt: number[];
  /** pizzas finished here since the view began */
  done: number;
}

/**
 * The kitchen board: a projection over the stage topics (ordered, assembled, baked, delivered,
 * pending, cancelled) and the stations' work events that needs no access to the stations
 * themselves, so it works when they run in other processes. A pizza is at assemble from
 * `pizza-ordered` until `pizza-assembled`, at bake until `pizza-baked`, at delivery until
 * `pizza-delivered`; a cancellation before baking takes it out. Whether the station works on it
 * comes from the station's work events about it (`OrderView.work`).
 */
export interface KitchenBoard {
  stations: Record<StationName, StationBoard>;
}

export const THROUGHPUT_WINDOW_MS = 60_000;
const MAX_DONE_TIMES = 1000;

export function emptyKitchen(): KitchenBoard {
  return {
    stations: {
      assemble: { inside: {}, work: {}, doneAt: [], done: 0 },
      bake: { inside: {}, work: {}, doneAt: [], done: 0 },
      delivery: { inside: {}, work: {}, doneAt: [], done: 0 },
    },
  };
}

/** A board as stored, made whole: boards stored before `work` existed lack it. */
export function kitchenFromStore(stored: KitchenBoard | undefined): KitchenBoard {
  if (!stored) return emptyKitchen();
  if (STATIONS.every((name) => stored.stations[name]?.work)) return stored;
  const stations = { ...stored.stations };
  for (const name of STATIONS) {
    const st = stations[name] ?? { inside: {}, doneAt: [], done: 0 };
    stations[name] = { ...st, work: st.work ?? {} };
  }
  return { stations };
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

/** What the station's own lines say about the order, as the board keeps it (undefined: no line). */
function workAt(order: OrderView, station: StationName): { working: boolean; at: number } | undefined {
  const mark = order.work?.[station];
  return mark ? { working: mark.working, at: mark.at } : undefined;
}

const sameWork = (a: { working: boolean; at: number } | undefined, b: { working: boolean; at: number } | undefined) =>
  a?.working === b?.working && a?.at === b?.at;

/**
 * `evolveKitchen(board, before, after) → board`: moves one order between stations after its view
 * changed from `before` to `after`, keeps what the station's work events say about it (working or
 * waiting), and counts a station's output the first time it appears on the log (so throughput
 * does not depend on the order in which topics arrive). Pure; returns the same board when nothing
 * changed.
 */
export function evolveKitchen(board: KitchenBoard, before: OrderView | undefined, after: OrderView, ids: StatusIds): KitchenBoard {
  const from = stationOf(before, ids);
  const to = stationOf(after, ids);
  const id = after.orderId;
  const finished = STATIONS.filter((name) => before?.stages[OUTPUT[name]] === undefined && after.stages[OUTPUT[name]] !== undefined);
  const moved = from?.station !== to?.station || from?.since !== to?.since;
  const work = to ? workAt(after, to.station) : undefined;
  const workChanged = to !== null && !sameWork(work, board.stations[to.station].work[id]);
  if (!moved && !workChanged && finished.length === 0) return board;
  const stations = { ...board.stations };
  if (moved && from) {
    const { [id]: _gone, ...inside } = stations[from.station].inside;
    const { [id]: _was, ...rest } = stations[from.station].work;
    stations[from.station] = { ...stations[from.station], inside, work: rest };
  }
  if (to) {
    const st = stations[to.station];
    const { [id]: _old, ...others } = st.work;
    stations[to.station] = {
      ...st,
      inside: moved ? { ...st.inside, [id]: to.since } : st.inside,
      work: work ? { ...others, [id]: work } : others,
    };
  }
  for (const name of finished) {
    const st = stations[name];
    const at = after.stages[OUTPUT[name]] as number;
    stations[name] = { ...st, doneAt: [...st.doneAt, at].sort((a, b) => a - b).slice(-MAX_DONE_TIMES), done: st.done + 1 };
  }
  return { stations };
}

/** One pizza at a station on the board. */
export interface StationPizza {
  orderId: string;
  /** when it entered the station */
  since: number;
  /** when the station's `started` work event said it began (null when inferred or waiting) */
  startedAt: number | null;
  /** true when the station wrote no line about it and its place was inferred from its age */
  inferred: boolean;
}

/** What the kitchen page and the metrics show for one station. */
export interface StationSummary {
  station: StationName;
  capacity: number;
  /** pizzas the station works on, oldest arrival first */
  inProgress: StationPizza[];
  /** pizzas waiting at the station, oldest arrival first */
  queued: StationPizza[];
  queueLength: number;
  /** pizzas done in the last minute */
  perMinute: number;
  done: number;
}

/**
 * Summarises a station at time `now`. A pizza whose latest work event from the station says it started
 * (and was not released since) is in progress, one whose line says it is queued or released is
 * waiting — exact with several instances of a station and when it works out of order. Pizzas the
 * station wrote no line about (a station that does not log, or a line still on its way) fall back
 * to an inference: the oldest of them fill the `capacity` that pizzas known to be worked on leave
 * free, the others wait.
 *
 * @example
 * summarizeStation(board, 'bake', 2, clock.now()).inProgress; // [{ orderId: '1a2b3c4d', since, startedAt, inferred: false }]
 */
export function summarizeStation(board: KitchenBoard, station: StationName, capacity: number, now: number): StationSummary {
  const st = board.stations[station];
  const bySince = (a: StationPizza, b: StationPizza) => a.since - b.since || a.orderId.localeCompare(b.orderId);
  const inside: StationPizza[] = Object.entries(st.inside).map(([orderId, since]) => {
    const work = st.work[orderId];
    return { orderId, since, startedAt: work?.working ? work.at : null, inferred: work === undefined };
  });
  const unknown = inside.filter((p) => p.inferred).sort(bySince);
  const working = inside.filter((p) => p.startedAt !== null);
  const free = Math.max(0, capacity - working.length);
  const inProgress = [...working, ...unknown.slice(0, free)].sort(bySince);
  const queued = [...inside.filter((p) => !p.inferred && p.startedAt === null), ...unknown.slice(free)].sort(bySince);
  const perMinute = st.doneAt.filter((t) => t > now - THROUGHPUT_WINDOW_MS && t <= now).length;
  return { station, capacity, inProgress, queued, queueLength: queued.length, perMinute, done: st.done };
}
