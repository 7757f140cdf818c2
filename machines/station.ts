import type { InputIgnoredEmitted, InputRef, PartitionsRevoked, StationEmitted } from './events.ts';

/**
 * What the three station machines share: a capacity (pizzas worked on at once), a FIFO queue, and
 * memory of finished and cancelled orders so that redelivered inputs are not worked twice
 * (DESIGN-NOTES 4). The logic is a pure step over plain data (`StationStep`); each station
 * machine runs it inside one named action and picks its state (idle / working / full) from the
 * result with eventless transitions, so the diagram shows where the station is.
 *
 * Time: a started job has `dueAt = startedAt + durationMs`. Every step first finishes the jobs
 * that are due at `now` (in deadline order) and fills freed slots from the queue, repeating until
 * nothing more is due — so a job of 0 ms (speed 0) finishes within the event that started it,
 * through the same path as a timed one, and a host that ticks late (or after a restart) gets the
 * outputs at once. A queued job starts when a slot frees, at the `now` of the step that frees it.
 */

export type StationName = 'assemble' | 'bake' | 'delivery';

/** One pizza's work at a station. */
export interface Job {
  orderId: string;
  durationMs: number;
  receivedAt: number;
  /** null while queued */
  startedAt: number | null;
  /** null while queued */
  dueAt: number | null;
  /** the inputs this work answers for (the message, plus any redelivered copies) */
  inputs: InputRef[];
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
  /** in the order they started */
  working: Job[];
  /** FIFO */
  queue: Job[];
  /** orders finished here, with when (the dedupe memory) */
  finished: Memory;
  /** orders whose cancel arrived, with when */
  cancelled: Memory;
  /** how many finished (and, separately, cancelled) orders to remember at most; the oldest are forgotten first */
  remember: number;
  /**
   * orderId → inputs the station answers for that have no job yet (delivery: the pizza-ordered of
   * a remembered customer, the pizza-baked of a parked pizza). Not committed until the order's job
   * finishes or the entry is forgotten: the state they built lives only in this process, so after
   * a crash or a partition move the messages must come again to rebuild it. Absent in snapshots
   * saved before it existed (their inputs were committed already).
   */
  held?: Record<string, InputRef[]>;
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
  return { station, capacity, working: [], queue: [], finished: [], cancelled: [], remember };
}

/** The earliest deadline of the work in progress, or undefined when nothing is in progress. */
export function stationNextDeadline(context: StationContext): number | undefined {
  let next: number | undefined;
  for (const job of context.working) if (job.dueAt !== null && (next === undefined || job.dueAt < next)) next = job.dueAt;
  return next;
}

/**
 * Every input the station still answers for: queued, in progress, and held without a job yet
 * (delivery's remembered customers and parked pizzas). After restoring a snapshot and on every
 * assignment, the host marks those of owned partitions in flight again, so that it never commits
 * past them, and sends PARTITIONS.REVOKED for the others.
 *
 * @example
 * for (const ref of stationPendingInputs(actor.getSnapshot().context)) host.track(ref);
 */
export function stationPendingInputs(context: StationContext): InputRef[] {
  return [...[...context.working, ...context.queue].flatMap((job) => job.inputs), ...Object.values(context.held ?? {}).flat()];
}

/** How busy the station is (for pausing the consumer, metrics and the kitchen board). */
export function stationLoad(context: StationContext): { working: number; queued: number; capacity: number } {
  return { working: context.working.length, queued: context.queue.length, capacity: context.capacity };
}

export function sameRef(a: InputRef, b: InputRef): boolean {
  return a.topic === b.topic && a.partition === b.partition && a.offset === b.offset;
}

/** `into` plus those of `more` it does not have yet, in order. */
export function mergeRefs(into: InputRef[], more: InputRef[]): InputRef[] {
  const out = [...into];
  for (const ref of more) if (!out.some((r) => sameRef(r, ref))) out.push(ref);
  return out;
}

/**
 * A bounded memory of order ids (orderId → ms), as plain data: generations of at most a tenth of
 * the limit each, oldest first. Adding copies only the newest generation, so a step costs the
 * same however much is remembered, and older generations are shared between snapshots; past
 * the limit the oldest generation is forgotten whole.
 */
export type Memory = Record<string, number>[];

export function memoryHas(memory: Memory, orderId: string): boolean {
  return memory.some((generation) => Object.hasOwn(generation, orderId));
}

/** Every remembered order id, oldest first. */
export function memoryKeys(memory: Memory): string[] {
  return memory.flatMap((generation) => Object.keys(generation));
}

function memoryAdd(memory: Memory, orderId: string, at: number, limit: number): Memory {
  const size = Math.max(1, Math.ceil(limit / 10));
  const newest = memory.at(-1);
  const next =
    newest && Object.keys(newest).length < size ? [...memory.slice(0, -1), { ...newest, [orderId]: at }] : [...memory, { [orderId]: at }];
  // every generation but the newest is full
  const count = (m: Memory) => (m.length - 1) * size + Object.keys(m.at(-1) ?? {}).length;
  while (next.length > 1 && count(next) > limit) next.shift();
  return next;
}

/**
 * One step of a station: a working copy of the context plus what it emitted, in order. Outputs of
 * finished jobs come from `output`, which each station supplies.
 */
export class StationStep<C extends StationContext, E extends { type: string }> {
  context: C;
  readonly emitted: (E | StationEmitted)[] = [];

  constructor(
    context: C,
    readonly now: number,
    private readonly output: (job: Job, at: number) => E,
  ) {
    this.context = context;
  }

  set(patch: Partial<C>): void {
    this.context = { ...this.context, ...patch };
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
    const working = this.context.working.find((j) => j.orderId === orderId);
    if (working) return { job: working, where: 'working' };
    const queued = this.context.queue.find((j) => j.orderId === orderId);
    return queued ? { job: queued, where: 'queued' } : undefined;
  }

  ignore(orderId: string, reason: InputIgnoredEmitted['reason'], inputs: InputRef[]): void {
    this.emit({ type: 'input.ignored', orderId, at: this.now, reason, inputs });
  }

  markCancelled(orderId: string): void {
    this.set({ cancelled: memoryAdd(this.context.cancelled, orderId, this.now, this.context.remember) } as Partial<C>);
  }

  /** Finishes what is due, starts what fits, until nothing more is due at `now`. */
  settle(): void {
    for (;;) {
      const due = this.context.working
        .map((job, index) => ({ job, index }))
        .filter(({ job }) => job.dueAt !== null && job.dueAt <= this.now)
        .sort((a, b) => (a.job.dueAt ?? 0) - (b.job.dueAt ?? 0) || a.index - b.index)
        .map(({ job }) => job);
      if (due.length > 0) {
        this.set({ working: this.context.working.filter((j) => !due.includes(j)) } as Partial<C>);
        for (const job of due) {
          this.emit(this.output(job, this.now));
          this.emit({ type: 'work.finished', orderId: job.orderId, at: this.now, dueAt: job.dueAt ?? this.now, inputs: job.inputs });
          this.set({ finished: memoryAdd(this.context.finished, job.orderId, this.now, this.context.remember) } as Partial<C>);
        }
      }
      let started = false;
      while (this.context.working.length < this.context.capacity && this.context.queue.length > 0) {
        const [head, ...rest] = this.context.queue;
        if (!head) break;
        const job: Job = { ...head, startedAt: this.now, dueAt: this.now + head.durationMs };
        this.set({ working: [...this.context.working, job], queue: rest } as Partial<C>);
        this.emit({ type: 'work.started', orderId: job.orderId, at: this.now, dueAt: job.dueAt ?? this.now });
        started = true;
      }
      if (due.length === 0 && !started) return;
    }
  }

  /**
   * New work arrives. Already finished or cancelled → ignored (commit it); already queued or in
   * progress → its input joins that work (committed when it finishes); otherwise queued and
   * started if a slot is free.
   */
  receive(job: Omit<Job, 'startedAt' | 'dueAt' | 'receivedAt'>): void {
    this.settle();
    const { orderId } = job;
    if (this.isFinished(orderId)) {
      this.ignore(orderId, 'already-finished', job.inputs);
      return;
    }
    if (this.isCancelled(orderId)) {
      this.ignore(orderId, 'already-cancelled', job.inputs);
      return;
    }
    const existing = this.findJob(orderId);
    if (existing) {
      this.attach(orderId, job.inputs);
      this.ignore(orderId, existing.where === 'working' ? 'already-working' : 'already-queued', []);
      return;
    }
    this.set({ queue: [...this.context.queue, { ...job, receivedAt: this.now, startedAt: null, dueAt: null }] } as Partial<C>);
    this.settle();
    const position = this.context.queue.findIndex((j) => j.orderId === orderId);
    if (position >= 0) this.emit({ type: 'work.queued', orderId, at: this.now, position: position + 1 });
  }

  /** Adds inputs to an order's queued or working job. */
  attach(orderId: string, inputs: InputRef[]): void {
    const add = (j: Job) => (j.orderId === orderId ? { ...j, inputs: mergeRefs(j.inputs, inputs) } : j);
    this.set({ working: this.context.working.map(add), queue: this.context.queue.map(add) } as Partial<C>);
  }

  /** Removes an order's job, returning it and where it was. */
  remove(orderId: string): { job: Job; where: 'working' | 'queued' } | undefined {
    const found = this.findJob(orderId);
    if (!found) return undefined;
    this.set({
      working: this.context.working.filter((j) => j.orderId !== orderId),
      queue: this.context.queue.filter((j) => j.orderId !== orderId),
    } as Partial<C>);
    return found;
  }

  /**
   * The order was cancelled: drop its queued or unfinished work (commit its inputs with the
   * cancel's), or remember the cancel for work that has not arrived yet.
   */
  cancel(orderId: string, ref: InputRef | undefined): void {
    this.settle();
    const refs = ref ? [ref] : [];
    if (this.isFinished(orderId)) {
      this.ignore(orderId, 'already-finished', refs);
      return;
    }
    if (this.isCancelled(orderId)) {
      this.ignore(orderId, 'already-cancelled', refs);
      return;
    }
    this.markCancelled(orderId);
    const removed = this.remove(orderId);
    if (!removed) {
      this.emit({ type: 'cancel.noted', orderId, at: this.now, inputs: refs });
      return;
    }
    this.emit({
      type: 'work.dropped',
      orderId,
      at: this.now,
      reason: 'cancelled',
      was: removed.where,
      inputs: mergeRefs(removed.job.inputs, refs),
    });
    this.settle();
  }

  /** Releases work whose every input came from revoked partitions (another member redoes it). */
  revoke(event: PartitionsRevoked): void {
    this.settle();
    const revoked = (ref: InputRef) => event.partitions.some((p) => p.topic === ref.topic && p.partition === ref.partition);
    const released = [...this.context.working, ...this.context.queue].filter((j) => j.inputs.length > 0 && j.inputs.every(revoked));
    for (const job of released) {
      this.remove(job.orderId);
      this.emit({ type: 'work.released', orderId: job.orderId, at: this.now, refs: job.inputs });
    }
    this.settle();
  }
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
