/**
 * Time, injected. Everything in the shop that waits or reads the time does it through a Clock, so
 * tests and benchmarks drive the whole shop in virtual time and nothing ever sleeps.
 *
 * The shape matches XState's `Clock` (setTimeout/clearTimeout) plus `now()`, so one clock can be
 * handed to `createActor(machine, { clock })` and to the transport alike.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// biome-ignore lint/suspicious/noExplicitAny: timer handles differ between runtimes and clocks
export type TimerHandle = any;

/** The wall clock. */
// setTimeout fires at once for delays above 2^31-1 ms; a clamped timer fires early instead,
// which the shop's timer users tolerate (they act on deadlines <= now and re-arm).
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, ms))),
  clearTimeout: (handle) => clearTimeout(handle),
};

interface VirtualTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in deadline order (ties in the order they were
 * set); between timers the caller may let promises settle, which is what `advance`'s `settle`
 * callback is for.
 *
 * @example
 * const clock = new VirtualClock(0);
 * clock.setTimeout(() => console.log('baked'), 8_000);
 * await clock.advance(8_000); // prints "baked"
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers = new Map<number, VirtualTimer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { id, at: this.current + Math.max(0, ms), seq: id, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Deadline of the earliest pending timer, or undefined when none is pending. */
  nextTimerAt(): number | undefined {
    let next: VirtualTimer | undefined;
    for (const t of this.timers.values()) if (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
    return next?.at;
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, and
   * awaiting `settle()` after each one so that the work it started (promises, message deliveries)
   * can finish before the next timer fires.
   */
  async advance(ms: number, settle: () => Promise<void> = flushPromises): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (;;) {
      const due = this.earliestDue(target);
      if (!due) break;
      this.timers.delete(due.id);
      this.current = Math.max(this.current, due.at);
      due.fn();
      await settle();
    }
    this.current = Math.max(this.current, target);
  }

  private earliestDue(limit: number): VirtualTimer | undefined {
    let next: VirtualTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.at > limit) continue;
      if (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
    }
    return next;
  }
}

/** Lets every queued promise callback and macrotask run (a few rounds of the event loop). */
export async function flushPromises(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Scales a duration in seconds at speed 1 to milliseconds at `speed` (0 = no waiting). */
export function scaledMs(seconds: number, speed: number): number {
  if (speed <= 0) return 0;
  return Math.round((seconds * 1000) / speed);
}
