import type { Customer, DeliveryContext } from './delivery.machine.ts';
import type { InputIgnoredEmitted, StationEmitted } from './events.ts';
import { type HashedRecord, hashedEntries, hashedGet, hashedOf } from './hashedRecord.ts';
import { emptyMemory, type Memory, memoryAdd, memoryAt, memoryEntries, memoryHas, memoryKeys, memoryOf } from './memory.ts';

/**
 * What the three station machines share: a capacity (pizzas worked on at once), a FIFO queue, and
 * memory of finished and cancelled orders, so that an input that comes twice is not worked twice
 * (inputs written by others, e.g. the original's services, are at-least-once). The logic is a pure
 * step over plain data (`StationStep`); each station machine runs it inside one named action and
 * picks its state (idle / working / full) from the result with eventless transitions, so the
 * diagram shows where the station is.
 *
 * Time: a started job has `dueAt = startedAt + durationMs`. Every step first finishes the jobs
 * that are due at `now` (in deadline order) and fills freed slots from the queue, repeating until
 * nothing more is due — so a job of 0 ms (speed 0) finishes within the event that started it,
 * through the same path as a timed one, and a host that ticks late (or after a restart) gets the
 * outputs at once. A queued job starts when a slot frees, at the `now` of the step that frees it.
 *
 * State follows its partition: `stationRows` cuts the context into one row per order,
 * `withStationRows` merges rows back in, `withoutOrders` drops orders (see their docs).
 */

export type StationName = 'assemble' | 'bake' | 'delivery';

/** One pizza's work at a station. */
export interface Job {
  orderId: string;
  /**
   * Arrival number at the station instance that received it: with `receivedAt` it orders the
   * queue (see `byArrival`). Counts up across merges (`StationContext.nextSeq`).
   */
  seq: number;
  durationMs: number;
  receivedAt: number;
  /** null while queued */
  startedAt: number | null;
  /** null while queued */
  dueAt: number | null;
  /** assemble: the baking time to write into pizza-assembled */
  bakingTime?: number;
  /** delivery */
  customerId?: string;
  /** delivery: delivered with the late factor */
  late?: boolean;
}

export interface StationContext {
  station: StationName;
  /** pizzas worked on at once */
  capacity: number;
  /** in progress, earliest deadline first (those due together: in the order they started) */
  working: Job[];
  /** waiting, first come first served (`byArrival`) */
  queue: Job[];
  /** orders finished here, with when (the dedupe memory) */
  finished: Memory;
  /** orders whose cancel arrived, with when */
  cancelled: Memory;
  /** how many finished (and, separately, cancelled) orders to remember at most; the oldest are forgotten first */
  remember: number;
  /** `seq` of the next job received: above every `seq` in the context */
  nextSeq: number;
}

export interface StationInput {
  /** pizzas at once (default 1, as in the original) */
  capacity?: number;
  /** finished/cancelled orders remembered for dedupe (default 1000) */
  remember?: number;
}

export function initialStationContext(station: StationName, input: StationInput | undefined): StationContext {
  const capacity = input?.capacity ?? 1;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`${station} capacity must be a positive integer, got ${capacity}`);
  const remember = input?.remember ?? 1000;
  if (!Number.isInteger(remember) || remember < 1) throw new RangeError(`${station} remember must be a positive integer, got ${remember}`);
  return { station, capacity, working: [], queue: [], finished: emptyMemory(), cancelled: emptyMemory(), remember, nextSeq: 0 };
}

/** The earliest deadline of the work in progress, or undefined when nothing is in progress. */
export function stationNextDeadline(context: StationContext): number | undefined {
  let next: number | undefined;
  for (const job of context.working) if (job.dueAt !== null && (next === undefined || job.dueAt < next)) next = job.dueAt;
  return next;
}

/** How busy the station is (for pausing the consumer, metrics and the kitchen board). */
export function stationLoad(context: StationContext): { working: number; queued: number; capacity: number } {
  return { working: context.working.length, queued: context.queue.length, capacity: context.capacity };
}

/**
 * Queue order: first come, first served. `seq` breaks ties within one station instance; the order
 * id breaks them between jobs merged from instances whose counters knew nothing of each other.
 */
function byArrival(a: Job, b: Job): number {
  return a.receivedAt - b.receivedAt || a.seq - b.seq || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0);
}

/** Working order: earliest deadline first; jobs due together finish in the order they started. */
function byDeadline(a: Job, b: Job): number {
  return (a.dueAt ?? 0) - (b.dueAt ?? 0) || (a.startedAt ?? 0) - (b.startedAt ?? 0) || byArrival(a, b);
}

/**
 * A copy of sorted `jobs` with `job` in its place, and that place. Searched from the end, where a
 * job usually goes.
 */
function insertSorted(jobs: readonly Job[], job: Job, compare: (a: Job, b: Job) => number): [Job[], number] {
  let at = jobs.length;
  while (at > 0 && compare(jobs[at - 1] as Job, job) > 0) at--;
  const out = jobs.slice();
  if (at === out.length) out.push(job);
  else out.splice(at, 0, job);
  return [out, at];
}

/** What every station adds to the queue; the rest of the job is filled in on arrival. */
export type NewWork = Omit<Job, 'seq' | 'receivedAt' | 'startedAt' | 'dueAt'>;

/**
 * One step of a station: a copy of the context (made on the first change; the context passed in
 * is never changed) plus what it emitted, in order. Outputs of finished jobs come from `output`,
 * which each station supplies.
 */
export class StationStep<C extends StationContext, E extends { type: string }> {
  context: C;
  readonly emitted: (E | StationEmitted)[] = [];
  private copied = false;

  constructor(
    context: C,
    readonly now: number,
    private readonly output: (job: Job, at: number) => E,
  ) {
    this.context = context;
  }

  set(patch: Partial<C>): void {
    this.update(patch);
  }

  private update(patch: Partial<StationContext>): void {
    if (!this.copied) {
      this.context = { ...this.context };
      this.copied = true;
    }
    Object.assign(this.context, patch);
  }

  emit(event: E | StationEmitted): void {
    this.emitted.push(event);
  }

  isFinished(orderId: string): boolean {
    return memoryHas(this.context.finished, orderId);
  }

  isCancelled(orderId: string): boolean {
    return memoryHas(this.context.cancelled, orderId);
  }

  findJob(orderId: string): { job: Job; where: 'working' | 'queued' } | undefined {
    for (const job of this.context.working) if (job.orderId === orderId) return { job, where: 'working' };
    for (const job of this.context.queue) if (job.orderId === orderId) return { job, where: 'queued' };
    return undefined;
  }

  ignore(orderId: string, reason: InputIgnoredEmitted['reason']): void {
    this.emit({ type: 'input.ignored', orderId, at: this.now, reason });
  }

  /** Finishes what is due, starts what fits, until nothing more is due at `now`. */
  settle(): void {
    for (;;) {
      let changed = false;
      for (;;) {
        // earliest deadline first: what is due is at the front
        const next = this.context.working[0];
        if (next === undefined || (next.dueAt ?? 0) > this.now) break;
        this.finish(next);
        changed = true;
      }
      const free = this.context.capacity - this.context.working.length;
      if (free > 0 && this.context.queue.length > 0) {
        const starting = this.context.queue.slice(0, free);
        this.update({ queue: this.context.queue.slice(starting.length) });
        for (const job of starting) this.start(job);
        changed = true;
      }
      if (!changed) return;
    }
  }

  private start(job: Job): void {
    const dueAt = this.now + job.durationMs;
    const [working] = insertSorted(this.context.working, { ...job, startedAt: this.now, dueAt }, byDeadline);
    this.update({ working });
    this.emit({ type: 'work.started', orderId: job.orderId, at: this.now, dueAt });
  }

  /** Finishes the first job in `working`. */
  private finish(job: Job): void {
    this.update({
      working: this.context.working.slice(1),
      finished: memoryAdd(this.context.finished, job.orderId, this.now, this.context.remember),
    });
    this.emit(this.output(job, this.now));
    this.emit({ type: 'work.finished', orderId: job.orderId, at: this.now, dueAt: job.dueAt ?? this.now });
  }

  /**
   * An input for an order this station has finished, cancelled, queued or is working on: a copy.
   * Says so (`input.ignored` with which) and returns true.
   */
  ignoredAsCopy(orderId: string): boolean {
    if (this.isFinished(orderId)) this.ignore(orderId, 'already-finished');
    else if (this.isCancelled(orderId)) this.ignore(orderId, 'already-cancelled');
    else {
      const existing = this.findJob(orderId);
      if (!existing) return false;
      this.ignore(orderId, existing.where === 'working' ? 'already-working' : 'already-queued');
    }
    return true;
  }

  /** New work arrives: a copy is ignored; otherwise it starts if a slot is free, else it queues. */
  receive(work: NewWork): void {
    this.settle();
    const { orderId } = work;
    if (this.ignoredAsCopy(orderId)) return;
    const job: Job = { ...work, seq: this.context.nextSeq, receivedAt: this.now, startedAt: null, dueAt: null };
    this.update({ nextSeq: job.seq + 1 });
    if (this.context.queue.length === 0 && this.context.working.length < this.context.capacity) {
      this.start(job);
      this.settle(); // a job of 0 ms is done at once
      return;
    }
    const [queue, at] = insertSorted(this.context.queue, job, byArrival);
    this.update({ queue });
    this.emit({ type: 'work.queued', orderId, at: this.now, position: at + 1 });
  }

  /** Removes an order's job, returning it and where it was. */
  remove(orderId: string): { job: Job; where: 'working' | 'queued' } | undefined {
    const found = this.findJob(orderId);
    if (!found) return undefined;
    const others = (jobs: Job[]) => jobs.filter((j) => j.orderId !== orderId);
    if (found.where === 'working') this.update({ working: others(this.context.working) });
    else this.update({ queue: others(this.context.queue) });
    return found;
  }

  /** The order was cancelled: drop its queued or unfinished work, or remember the cancel for work that has not arrived yet. */
  cancel(orderId: string): void {
    this.settle();
    if (this.isFinished(orderId) || this.isCancelled(orderId)) {
      this.ignore(orderId, this.isFinished(orderId) ? 'already-finished' : 'already-cancelled');
      return;
    }
    this.update({ cancelled: memoryAdd(this.context.cancelled, orderId, this.now, this.context.remember) });
    const removed = this.remove(orderId);
    if (!removed) {
      this.emit({ type: 'cancel.noted', orderId, at: this.now });
      return;
    }
    this.emit({ type: 'work.dropped', orderId, at: this.now, reason: 'cancelled', was: removed.where });
    this.settle();
  }
}

// ---- state follows its partition: the context as rows, one per order ----

/**
 * Everything a station knows about one order, as JSON-safe data: a row of the station's
 * changelog, keyed by order id. Fields are present only when they hold.
 *
 * @example
 * { job: { orderId: '0a1b2c3d', seq: 7, durationMs: 13000, receivedAt: 1000, startedAt: 2000, dueAt: 15000 } }
 * { finishedAt: 15000 }
 * { customer: { customerId: 'c-42', deliveryMs: 7000, lateDeliveryMs: 14000, at: 900 } } // delivery
 */
export interface StationRow {
  /** its work, queued (`startedAt` null) or in progress; `job.orderId` is the row's key */
  job?: Job;
  /** when its work finished here (dedupe memory) */
  finishedAt?: number;
  /** when its cancel came here (dedupe memory) */
  cancelledAt?: number;
  /** delivery: its customer, remembered until the pizza comes */
  customer?: Customer;
  /** delivery: when its pizza came before its order (parked) */
  parkedAt?: number;
}

function isDelivery(context: StationContext): context is DeliveryContext {
  return 'customers' in context;
}

/** Every order the context knows anything about (each has a row). */
export function stationOrders(context: StationContext): Set<string> {
  const orders = new Set<string>();
  for (const job of context.working) orders.add(job.orderId);
  for (const job of context.queue) orders.add(job.orderId);
  for (const orderId of memoryKeys(context.finished)) orders.add(orderId);
  for (const orderId of memoryKeys(context.cancelled)) orders.add(orderId);
  if (isDelivery(context)) {
    for (const [orderId] of hashedEntries(context.customers)) orders.add(orderId);
    for (const [orderId] of hashedEntries(context.parked)) orders.add(orderId);
  }
  return orders;
}

/**
 * The rows of these orders: everything the context knows about each, or null when it knows
 * nothing (write a tombstone). Which orders a step may have changed: see `touchedOrders`.
 *
 * Not covered by that: the dedupe memory is bounded (`remember`), and a step that remembers one
 * more order may forget the oldest ones without naming them. Their rows then still say
 * `finishedAt`/`cancelledAt` until the host drops rows by age; such a row merged back in is
 * harmless (the memory keeps the newest `remember` of what it is given).
 *
 * @example
 * const [next, actions] = transition(bakeMachine, snapshot, event);
 * for (const [orderId, row] of stationRows(next.context, touchedOrders(event, emitted(actions)))) {
 *   changelog.put(orderId, row); // row === null: a tombstone
 * }
 */
export function stationRows(context: StationContext, orderIds: Iterable<string>): Map<string, StationRow | null> {
  const jobs = new Map<string, Job>();
  for (const job of context.working) jobs.set(job.orderId, job);
  for (const job of context.queue) jobs.set(job.orderId, job);
  const rows = new Map<string, StationRow | null>();
  for (const orderId of orderIds) {
    const row: StationRow = {};
    let known = false;
    const job = jobs.get(orderId);
    if (job !== undefined) [row.job, known] = [job, true];
    const finishedAt = memoryAt(context.finished, orderId);
    if (finishedAt !== undefined) [row.finishedAt, known] = [finishedAt, true];
    const cancelledAt = memoryAt(context.cancelled, orderId);
    if (cancelledAt !== undefined) [row.cancelledAt, known] = [cancelledAt, true];
    if (isDelivery(context)) {
      const customer = hashedGet(context.customers, orderId);
      if (customer !== undefined) [row.customer, known] = [customer, true];
      const parkedAt = hashedGet(context.parked, orderId);
      if (parkedAt !== undefined) [row.parkedAt, known] = [parkedAt, true];
    }
    rows.set(orderId, known ? row : null);
  }
  return rows;
}

/**
 * The context with these rows merged in (restored from the changelog when a partition is
 * assigned; a row replaces whatever the context knew of its order). Jobs go back to `working`
 * or the queue, in arrival order among those already there (rows from several partitions
 * interleave by `receivedAt`); `nextSeq` moves past every restored `seq`. A restored job in
 * progress keeps its `dueAt`, even if that puts more than `capacity` in the oven for a while:
 * the pizza comes out at its original time, once. Memory entries join the memory by time (the
 * newest `remember` are kept); delivery's customers and parked pizzas come back.
 *
 * @example
 * let context = initialStationContext('bake', { capacity: 2 });
 * context = withStationRows(context, changelog.rowsOf(partition)); // Iterable<[orderId, StationRow]>
 * // then arm the timer for stationNextDeadline(context): a deadline that passed fires at once
 */
export function withStationRows<C extends StationContext>(context: C, rows: Iterable<readonly [string, StationRow]>): C {
  const incoming = new Map(rows);
  if (incoming.size === 0) return context;
  const base = withoutOrders(context, (orderId) => incoming.has(orderId));
  const working = base.working.slice();
  const queue = base.queue.slice();
  const finished = memoryEntries(base.finished);
  const cancelled = memoryEntries(base.cancelled);
  let nextSeq = base.nextSeq;
  const delivery = isDelivery(base)
    ? { customers: hashedEntries(base.customers), parked: hashedEntries(base.parked), oldestAt: base.oldestAt }
    : undefined;
  for (const [orderId, row] of incoming) {
    if (row.job) {
      const job = row.job.orderId === orderId ? row.job : { ...row.job, orderId };
      (job.startedAt === null ? queue : working).push(job);
      nextSeq = Math.max(nextSeq, job.seq + 1);
    }
    if (row.finishedAt !== undefined) finished.push([orderId, row.finishedAt]);
    if (row.cancelledAt !== undefined) cancelled.push([orderId, row.cancelledAt]);
    if (row.customer === undefined && row.parkedAt === undefined) continue;
    if (!delivery) throw new TypeError(`the ${base.station} station has no customers or parked pizzas (row of order ${orderId})`);
    if (row.customer !== undefined) delivery.customers.push([orderId, row.customer]);
    if (row.parkedAt !== undefined) delivery.parked.push([orderId, row.parkedAt]);
    for (const at of [row.customer?.at, row.parkedAt]) {
      if (at !== undefined) delivery.oldestAt = Math.min(delivery.oldestAt ?? at, at);
    }
  }
  const byTime = (a: readonly [string, number], b: readonly [string, number]) => a[1] - b[1];
  return {
    ...base,
    ...(delivery && { customers: hashedOf(delivery.customers), parked: hashedOf(delivery.parked), oldestAt: delivery.oldestAt }),
    working: working.sort(byDeadline),
    queue: queue.sort(byArrival),
    finished: memoryOf(finished.sort(byTime), base.remember),
    cancelled: memoryOf(cancelled.sort(byTime), base.remember),
    nextSeq,
  };
}

/**
 * The context without these orders (their partition was revoked: they are another member's now).
 * Nothing is emitted; a job in progress simply stops here. Returns `context` itself when it knew
 * none of them.
 *
 * @example
 * context = withoutOrders(context, (orderId) => partitionOf(orderId) === revoked);
 */
export function withoutOrders<C extends StationContext>(context: C, drop: (orderId: string) => boolean): C {
  const keepJobs = (jobs: Job[]) => (jobs.some((job) => drop(job.orderId)) ? jobs.filter((job) => !drop(job.orderId)) : jobs);
  const keepMemory = (memory: Memory) => {
    const entries = memoryEntries(memory);
    return entries.some(([orderId]) => drop(orderId))
      ? memoryOf(
          entries.filter(([orderId]) => !drop(orderId)),
          context.remember,
        )
      : memory;
  };
  const keepRecord = <T>(record: HashedRecord<T>) => {
    const entries = hashedEntries(record);
    return entries.some(([orderId]) => drop(orderId)) ? hashedOf(entries.filter(([orderId]) => !drop(orderId))) : record;
  };
  const next: C = {
    ...context,
    working: keepJobs(context.working),
    queue: keepJobs(context.queue),
    finished: keepMemory(context.finished),
    cancelled: keepMemory(context.cancelled),
  };
  if (isDelivery(next) && isDelivery(context)) {
    next.customers = keepRecord(context.customers);
    next.parked = keepRecord(context.parked);
  }
  const unchanged = (Object.keys(next) as (keyof C)[]).every((key) => next[key] === context[key]);
  return unchanged ? context : next;
}

/**
 * The orders whose rows a step may have changed: the order of the event sent in and every order
 * an emitted event names. A station changes what it knows about an order only in such a step
 * (but see `stationRows` on the bounded memory).
 *
 * @example
 * const rows = stationRows(next.context, touchedOrders(event, emittedEvents));
 */
export function touchedOrders(
  event: { type: string; orderId?: string },
  emitted: Iterable<{ type: string; orderId?: string }>,
): Set<string> {
  const orders = new Set<string>();
  if (event.orderId !== undefined) orders.add(event.orderId);
  for (const e of emitted) if (e.orderId !== undefined) orders.add(e.orderId);
  return orders;
}

/**
 * The states every station shows. Which one holds is decided by the guards after each step:
 * idle (nothing in progress), working (some in progress, a slot free), full (every slot busy;
 * new pizzas queue). With capacity 1 a station goes idle ↔ full.
 */
export const stationStates = {
  idle: {
    always: [
      { guard: 'isFull', target: 'full' },
      { guard: 'isWorking', target: 'working' },
    ],
  },
  working: {
    always: [
      { guard: 'isFull', target: 'full' },
      { guard: 'isIdle', target: 'idle' },
    ],
  },
  full: {
    tags: ['full'],
    always: [
      { guard: 'isIdle', target: 'idle' },
      { guard: 'isWorking', target: 'working' },
    ],
  },
} as const;

export const stationGuards = {
  isIdle: ({ context }: { context: StationContext }) => context.working.length === 0,
  isWorking: ({ context }: { context: StationContext }) => context.working.length > 0 && context.working.length < context.capacity,
  isFull: ({ context }: { context: StationContext }) => context.working.length >= context.capacity,
};

/**
 * The state a station shows with this context, as the guards above pick it: for a snapshot of a
 * context made by `withStationRows` or `withoutOrders`.
 *
 * @example
 * const snapshot = bakeMachine.resolveState({ value: stationState(context), context });
 */
export function stationState(context: StationContext): 'idle' | 'working' | 'full' {
  if (stationGuards.isFull({ context })) return 'full';
  return stationGuards.isWorking({ context }) ? 'working' : 'idle';
}
