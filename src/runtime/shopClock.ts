import type { Clock, TimerHandle } from '../clock.ts';

/**
 * The shop's clock, which people can pause, resume, step and speed up (issue 12, clock control).
 *
 * Shop time runs from an anchor: `shop = anchor.shop + (wall − anchor.wall) × rate`, with rate 0
 * while paused. Every process of the shop folds the same clock commands (the control topic, in
 * order) into the same `ClockState`, and each command carries the wall time its issuer gave it, so
 * every process computes the same shop time (up to the skew of their wall clocks).
 *
 * Who reads which clock — shop time is the shop's *behaviour*, wall time its *plumbing*:
 * - shop clock: actor hosts' deadline timers (stations, the status watchdog, retention of state
 *   rows), the times actors write (message values, and the record timestamps they set
 *   explicitly, which the lab's windows read as event time), the lab's restock schedule, the web's
 *   kitchen board, order timestamps and promotions;
 * - wall clock: the transports (group sessions and heartbeats are real time; a record sent
 *   without a timestamp, e.g. a log line, gets the wall time; Kafka holds record timestamps at
 *   most 55 min ahead of it, since the broker refuses records over an hour ahead of its own
 *   clock), the supervisor's backoff, rate limits, sessions, SSE keep-alives, lag sampling, the
 *   lab's inventory poll (a connector polling a table) and log line times (they say when
 *   something happened in the world).
 */
export interface ClockState {
  paused: boolean;
  /** the speed multiplier people chose, on top of the configured `[shop] speed` (kept while paused) */
  rate: number;
  /** shop time at the anchor */
  anchorShop: number;
  /** wall time at the anchor */
  anchorWall: number;
}

/** A shop that never had a clock command: running at ×1, shop time = wall time. */
export const INITIAL_CLOCK_STATE: ClockState = Object.freeze({ paused: false, rate: 1, anchorShop: 0, anchorWall: 0 });

/** The speed multipliers people may choose (the API refuses anything outside this range). */
export const MIN_RATE = 0.25;
export const MAX_RATE = 8;
/** The longest step: one hour of shop time. */
export const MAX_STEP_MS = 3_600_000;

/** What a clock command does to the state; the control channel maps commands to these. */
export type ClockChange =
  | { kind: 'pause'; at: number }
  | { kind: 'resume'; at: number }
  | { kind: 'step'; at: number; ms: number }
  | { kind: 'speed'; at: number; rate: number };

/** Shop time at a wall time (fractional; `ShopClock.now` rounds down). */
export function shopTimeAt(state: ClockState, wall: number): number {
  return state.paused ? state.anchorShop : state.anchorShop + (wall - state.anchorWall) * state.rate;
}

/**
 * The pure fold: the next state after a change issued at wall time `at`. A change issued "before"
 * the current anchor (wall clocks of two issuers disagree) counts as issued at the anchor, so
 * shop time never jumps back. Pausing a paused clock, resuming a running one and stepping a
 * running one change nothing.
 *
 * @example
 * const paused = applyClockChange(INITIAL_CLOCK_STATE, { kind: 'pause', at: 5_000 }); // shop time 5 000, frozen
 * applyClockChange(paused, { kind: 'step', at: 9_000, ms: 1_000 }); // shop time 6 000, still paused
 */
export function applyClockChange(state: ClockState, change: ClockChange): ClockState {
  const at = Math.max(change.at, state.anchorWall);
  switch (change.kind) {
    case 'pause':
      return state.paused ? state : { ...state, paused: true, anchorShop: shopTimeAt(state, at), anchorWall: at };
    case 'resume':
      return state.paused ? { ...state, paused: false, anchorWall: at } : state;
    case 'step':
      return state.paused ? { ...state, anchorShop: state.anchorShop + change.ms, anchorWall: at } : state;
    case 'speed':
      return { ...state, rate: change.rate, anchorShop: shopTimeAt(state, at), anchorWall: at };
  }
}

interface ShopTimer {
  id: number;
  /** shop time it falls due */
  at: number;
  fn: () => void;
  /** the wall timer armed for it (none while paused) */
  wall?: TimerHandle;
}

/** A `Clock` in shop time whose state can be replaced (by the control channel). */
export interface ShopClock extends Clock {
  /** the clock it runs on */
  readonly wall: Clock;
  state(): ClockState;
  /**
   * Moves to a new state: timers that fall due at the new shop time fire at once (in deadline
   * order), the others are armed again for the new rate (none while paused).
   */
  set(state: ClockState): void;
  /** Called after every `set` that changed the state; returns the unsubscribe. */
  onChange(listener: (state: ClockState) => void): () => void;
  /** timers waiting (tests) */
  pendingTimers(): number;
}

export function isShopClock(clock: Clock): clock is ShopClock {
  return typeof (clock as Partial<ShopClock>).state === 'function' && typeof (clock as Partial<ShopClock>).set === 'function';
}

/**
 * Makes a shop clock on a wall clock. One wall timer per shop timer, so at rate 1 it behaves
 * exactly like the wall clock (virtual-time tests see the same timer order as before).
 *
 * @example
 * const clock = createShopClock(new VirtualClock(0));
 * clock.setTimeout(bake, 8_000);
 * clock.set(applyClockChange(clock.state(), { kind: 'pause', at: clock.wall.now() })); // the bake waits, however long
 */
export function createShopClock(wall: Clock, initial: ClockState = INITIAL_CLOCK_STATE): ShopClock {
  let state = initial;
  let seq = 0;
  const timers = new Map<number, ShopTimer>();
  const listeners = new Set<(state: ClockState) => void>();

  // A pause stamped by another process reaches this one a few ms late: shop time steps back by
  // that much (the anchor is the issuer's), so that every process agrees on it. What fired in
  // those ms stays fired; deadlines after the pause wait for the resume wherever they are.
  const exact = () => shopTimeAt(state, wall.now());
  const now = () => Math.floor(exact());

  const arm = (t: ShopTimer) => {
    if (t.wall !== undefined) wall.clearTimeout(t.wall);
    t.wall = undefined;
    if (state.paused || state.rate <= 0) return;
    // ceil: the wall timer must not fire before the shop time it waits for
    const delay = Math.max(0, Math.ceil((t.at - exact()) / state.rate));
    t.wall = wall.setTimeout(() => fire(t), delay);
  };

  const fire = (t: ShopTimer) => {
    t.wall = undefined;
    if (!timers.has(t.id)) return;
    if (now() < t.at) {
      arm(t); // the rate changed under it, or rounding: wait for the rest
      return;
    }
    timers.delete(t.id);
    t.fn();
  };

  return {
    wall,
    now,
    setTimeout(fn, ms) {
      const id = ++seq;
      const t: ShopTimer = { id, at: now() + Math.max(0, ms), fn };
      timers.set(id, t);
      arm(t);
      return id;
    },
    clearTimeout(handle) {
      const t = timers.get(handle as number);
      if (!t) return;
      timers.delete(t.id);
      if (t.wall !== undefined) wall.clearTimeout(t.wall);
    },
    state: () => state,
    set(next) {
      if (next === state) return;
      state = next;
      // what falls due at the new shop time fires now, in deadline order, including what those
      // timers set for the same instant (a paused clock would otherwise hold them until the resume)
      for (;;) {
        const current = now();
        let due: ShopTimer | undefined;
        for (const t of timers.values()) if (t.at <= current && (!due || t.at < due.at || (t.at === due.at && t.id < due.id))) due = t;
        if (!due) break;
        if (due.wall !== undefined) wall.clearTimeout(due.wall);
        timers.delete(due.id);
        try {
          due.fn();
        } catch (error) {
          // a failing timer must not keep the others from firing or being re-armed: report it as a timer would
          queueMicrotask(() => {
            throw error;
          });
        }
      }
      for (const t of [...timers.values()]) arm(t);
      for (const l of listeners) l(state);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pendingTimers: () => timers.size,
  };
}
