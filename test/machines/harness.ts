import { type AnyStateMachine, createActor, initialTransition } from 'xstate';
import { nextDeadline, type StationRow, stationState, withStationRows } from '../../machines/index.ts';
import type { DeliveryContext, OrderContext, StationContext } from '../../machines/index.ts';
import type { VirtualClock } from '../../src/clock.ts';
import type { TimerHandle } from '../../src/clock.ts';

/** An emitted event as the tests look at it. */
export type Emitted = { type: string; orderId?: string; at?: number; [field: string]: unknown };

/**
 * The smallest host for a machine: every event gets `now` from the clock (unless the test gives
 * one), one timer is armed for `nextDeadline` after every send and after start/restore, and it
 * sends CLOCK.TICK when that timer fires.
 */
export function startHost(machine: AnyStateMachine, options: { clock: VirtualClock; input?: unknown; snapshot?: unknown }) {
  const { clock } = options;
  const actor = createActor(machine, options.snapshot === undefined ? { input: options.input } : { snapshot: options.snapshot as never });
  const log: Emitted[] = [];
  let batch: Emitted[] = [];
  let timer: TimerHandle | undefined;
  let ticks = 0;
  actor.on('*', (event: Emitted) => {
    log.push(event);
    batch.push(event);
  });

  const context = () => actor.getSnapshot().context as OrderContext & DeliveryContext;
  const rearm = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    const due = nextDeadline(context());
    if (due === undefined) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      ticks += 1;
      send({ type: 'CLOCK.TICK' });
    }, due - clock.now());
  };
  /** Sends one event; returns what it emitted. */
  const send = (event: { type: string; now?: number; [field: string]: unknown }): Emitted[] => {
    batch = [];
    actor.send({ ...event, now: event.now ?? clock.now() } as never);
    const emitted = batch;
    rearm();
    return emitted;
  };

  actor.start();
  rearm();
  return {
    actor,
    /** everything emitted since start */
    log,
    send,
    context,
    value: () => actor.getSnapshot().value,
    hasTag: (tag: string) => actor.getSnapshot().hasTag(tag),
    /** the persisted snapshot after a JSON round trip, as a store would keep it */
    persisted: () => JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as unknown,
    ticks: () => ticks,
    timerArmed: () => timer !== undefined,
    stop: () => {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      actor.stop();
    },
  };
}

export type Host = ReturnType<typeof startHost>;

/** Emitted events of some types, in order. */
export function ofType(events: Emitted[], ...types: string[]): Emitted[] {
  return events.filter((e) => types.includes(e.type));
}

/** A made-up message position. */
export function source(topic: string, offset: number, partition = 0) {
  return { topic, partition, offset };
}

/** Rows as a changelog hands them back: through JSON. */
export function throughJson(rows: Map<string, StationRow | null>): [string, StationRow][] {
  return [...rows].flatMap(([orderId, row]) => (row === null ? [] : [[orderId, JSON.parse(JSON.stringify(row)) as StationRow]]));
}

/**
 * A station restarted on rows (its partition was assigned to it): a fresh context with the rows
 * merged in, in the state that context shows, started like any other.
 */
export function restartStation(
  machine: AnyStateMachine,
  options: { clock: VirtualClock; input?: unknown; rows: Iterable<[string, StationRow]> },
): Host {
  const [initial] = initialTransition(machine, options.input);
  const context = withStationRows(initial.context as StationContext, options.rows);
  const snapshot = machine.resolveState({ value: stationState(context), context });
  return startHost(machine, { clock: options.clock, snapshot: machine.getPersistedSnapshot(snapshot) });
}
