import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, initialTransition, transition } from 'xstate';
import {
  assembleMachine,
  bakeMachine,
  type DeliveryContext,
  deliveryMachine,
  hashedEntries,
  memoryKeys,
  type StationContext,
  type StationRow,
  stationNextDeadline,
  stationOrders,
  stationRows,
  stationState,
  touchedOrders,
  withoutOrders,
  withStationRows,
} from '../../machines/index.ts';

// The station context as rows, one per order, the way the host moves it with its partition:
// stepped with XState's pure transition(), rows through JSON as a changelog would keep them.

type Emitted = { type: string; orderId?: string; at?: number; [field: string]: unknown };
type Snapshot = ReturnType<typeof initialTransition<typeof bakeMachine>>[0];

function start(machine: AnyStateMachine, input: unknown = {}): Snapshot {
  return initialTransition(machine, input)[0] as Snapshot;
}

/** One pure step: the next snapshot and what it emitted. */
function step(machine: AnyStateMachine, snapshot: Snapshot, event: { type: string; now: number; [field: string]: unknown }) {
  const [next, actions] = transition(machine, snapshot as never, event as never);
  // emitted events come back as actions of type 'xstate.emit' (XState's types leave them out of the union)
  const emitted = (actions as { type: string; params?: unknown }[])
    .filter((a) => a.type === 'xstate.emit')
    .map((a) => (a.params as { event: Emitted }).event);
  return [next as Snapshot, emitted] as const;
}

/** Steps through events, returning the last snapshot and everything emitted. */
function run(machine: AnyStateMachine, snapshot: Snapshot, events: { type: string; now: number; [field: string]: unknown }[]) {
  const log: Emitted[] = [];
  for (const event of events) {
    const [next, emitted] = step(machine, snapshot, event);
    snapshot = next;
    log.push(...emitted);
  }
  return [snapshot, log] as const;
}

function rowsOf(context: StationContext, orderIds: Iterable<string> = stationOrders(context)): [string, StationRow][] {
  return [...stationRows(context, orderIds)].flatMap(([orderId, row]) =>
    row === null ? [] : [[orderId, JSON.parse(JSON.stringify(row)) as StationRow]],
  );
}

/** A snapshot of a context made from rows, as the host builds it on assignment. */
function restored(machine: AnyStateMachine, input: unknown, rows: Iterable<[string, StationRow]>): Snapshot {
  const context = withStationRows(start(machine, input).context, rows);
  return machine.resolveState({ value: stationState(context), context }) as Snapshot;
}

const assembled = (orderId: string, now: number, bakeMs: number) => ({ type: 'PIZZA.ASSEMBLED', orderId, now, bakeMs });
const cancelled = (orderId: string, now: number) => ({ type: 'ORDER.CANCELLED', orderId, now });
const tick = (now: number) => ({ type: 'CLOCK.TICK', now });
const placed = (orderId: string, now: number, ms = 5_000) => ({
  type: 'ORDER.PLACED',
  orderId,
  now,
  customerId: `customer-of-${orderId}`,
  deliveryMs: ms,
  lateDeliveryMs: 2 * ms,
});
const baked = (orderId: string, now: number) => ({ type: 'PIZZA.BAKED', orderId, now });

/** What the rows must reproduce: jobs in order, both memories, and delivery's customers and parked pizzas. */
function essence(context: StationContext) {
  const delivery = 'customers' in context ? (context as DeliveryContext) : undefined;
  const entries = <T>(record: Parameters<typeof hashedEntries<T>>[0] | undefined) =>
    record ? hashedEntries(record).sort(([a], [b]) => (a < b ? -1 : 1)) : [];
  return {
    working: context.working,
    queue: context.queue,
    finished: context.finished,
    cancelled: context.cancelled,
    customers: entries(delivery?.customers),
    parked: entries(delivery?.parked),
  };
}

describe('station rows: round trip', () => {
  it('bake: the rows of every order, merged into a fresh context, give back its jobs, queue and memories', () => {
    const [snapshot] = run(bakeMachine, start(bakeMachine, { capacity: 2 }), [
      assembled('b1', 0, 10_000),
      assembled('b2', 1, 20_000),
      assembled('b3', 2, 5_000),
      assembled('b4', 3, 5_000),
      assembled('b5', 4, 5_000),
      cancelled('b4', 5),
      cancelled('b9', 6),
      tick(10_000), // b1 done, b3 starts
    ]);
    const context = snapshot.context;
    expect(context.working.map((j) => j.orderId)).toEqual(['b3', 'b2']);
    expect(context.queue.map((j) => j.orderId)).toEqual(['b5']);
    expect(memoryKeys(context.finished)).toEqual(['b1']);
    expect(memoryKeys(context.cancelled)).toEqual(['b4', 'b9']);

    const rows = rowsOf(context);
    expect(rows.map(([orderId]) => orderId).sort()).toEqual(['b1', 'b2', 'b3', 'b4', 'b5', 'b9']);
    const back = withStationRows(start(bakeMachine, { capacity: 2 }).context, rows);
    expect(essence(back)).toEqual(essence(context));
    expect(back.nextSeq).toBe(context.nextSeq);
    expect(stationState(back)).toBe(snapshot.value);
  });

  it('delivery: customers and parked pizzas come back with the jobs', () => {
    const [snapshot] = run(deliveryMachine, start(deliveryMachine, { capacity: 1 }), [
      placed('c1', 0),
      placed('c2', 1),
      baked('c3', 2), // parked
      baked('c1', 3), // delivering
      baked('c2', 4), // queued
      placed('c4', 5), // a customer waiting
      tick(8_000), // c1 delivered, c2 starts
    ]);
    const context = snapshot.context as DeliveryContext;
    expect(hashedEntries(context.customers).map(([orderId]) => orderId)).toEqual(['c4']);
    expect(hashedEntries(context.parked).map(([orderId]) => orderId)).toEqual(['c3']);

    const back = withStationRows(start(deliveryMachine, { capacity: 1 }).context, rowsOf(context));
    expect(essence(back)).toEqual(essence(context));
    expect((back as DeliveryContext).oldestAt).toBe(2);
  });

  it('an order the context knows nothing about has a null row (a tombstone)', () => {
    const [snapshot] = run(bakeMachine, start(bakeMachine), [assembled('b1', 0, 0)]);
    expect([...stationRows(snapshot.context, ['b1', 'nobody'])]).toEqual([
      ['b1', { finishedAt: 0 }],
      ['nobody', null],
    ]);
  });

  it('refuses delivery rows for another station', () => {
    expect(() => withStationRows(start(bakeMachine).context, [['c1', { parkedAt: 0 }]])).toThrow(/bake station has no customers/);
  });
});

describe('station rows: a job in progress keeps its deadline', () => {
  it('restored after its partition moved, the pizza comes out at its original dueAt, once', () => {
    const [before] = run(bakeMachine, start(bakeMachine), [assembled('b1', 1_000, 13_000), assembled('b2', 2_000, 9_000)]);
    const rows = rowsOf(before.context);

    let after = restored(bakeMachine, {}, rows);
    expect(after.value).toBe('full');
    expect(stationNextDeadline(after.context)).toBe(14_000);

    let emitted: Emitted[];
    [after, emitted] = step(bakeMachine, after, tick(13_999));
    expect(emitted).toEqual([]);
    [after, emitted] = step(bakeMachine, after, tick(14_000));
    expect(emitted).toEqual([
      { type: 'pizza.baked', orderId: 'b1', at: 14_000 },
      { type: 'work.finished', orderId: 'b1', at: 14_000, dueAt: 14_000 },
      { type: 'work.started', orderId: 'b2', at: 14_000, dueAt: 23_000 },
    ]);
    [after, emitted] = step(bakeMachine, after, tick(14_000));
    expect(emitted).toEqual([]);
    [after, emitted] = step(bakeMachine, after, assembled('b1', 14_001, 13_000));
    expect(emitted).toEqual([{ type: 'input.ignored', orderId: 'b1', at: 14_001, reason: 'already-finished' }]);
  });

  it('two ovens merged into one of capacity 1: both pizzas come out on time, the queue waits for a free slot', () => {
    const [x] = run(bakeMachine, start(bakeMachine), [assembled('x1', 0, 10_000), assembled('x2', 1, 1_000)]);
    const [y] = run(bakeMachine, start(bakeMachine), [assembled('y1', 0, 12_000)]);
    let merged = restored(bakeMachine, {}, [...rowsOf(x.context), ...rowsOf(y.context)]);
    expect(merged.context.working.map((j) => j.orderId)).toEqual(['x1', 'y1']);
    expect(merged.value).toBe('full');

    let emitted: Emitted[];
    [merged, emitted] = step(bakeMachine, merged, tick(10_000));
    // one slot is still taken by y1: x2 waits
    expect(emitted.map((e) => [e.type, e.orderId])).toEqual([
      ['pizza.baked', 'x1'],
      ['work.finished', 'x1'],
    ]);
    [merged, emitted] = step(bakeMachine, merged, tick(12_000));
    expect(emitted.map((e) => [e.type, e.orderId, e.at])).toEqual([
      ['pizza.baked', 'y1', 12_000],
      ['work.finished', 'y1', 12_000],
      ['work.started', 'x2', 12_000],
    ]);
  });
});

describe('station rows: withoutOrders', () => {
  it('drops exactly the given orders, wherever they are, and keeps the rest as they were', () => {
    const [snapshot] = run(deliveryMachine, start(deliveryMachine, { capacity: 1 }), [
      placed('c1', 0),
      placed('c2', 1),
      baked('c1', 2), // delivering
      baked('c2', 3), // queued
      baked('c3', 4), // parked
      placed('c4', 5), // customer
      placed('c5', 6, 0),
      baked('c5', 7), // queued behind c2
      tick(5_002), // c1 delivered (finished), c2 starts
      placed('c6', 5_003),
      baked('c7', 5_004),
    ]);
    const context = snapshot.context as DeliveryContext;
    const all = [...stationOrders(context)].sort();
    expect(all).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    const drop = new Set(['c1', 'c2', 'c3', 'c4']);

    const kept = withoutOrders(context, (orderId) => drop.has(orderId));
    const rowsAfter = stationRows(kept, all);
    const rowsBefore = stationRows(context, all);
    for (const orderId of all) {
      expect(rowsAfter.get(orderId)).toEqual(drop.has(orderId) ? null : rowsBefore.get(orderId));
    }
    expect(context.working.map((j) => j.orderId)).toEqual(['c2']); // unchanged: nothing is changed in place
    expect(stationState(kept)).toBe('idle');
  });

  it('returns the same context when it knows none of them', () => {
    const [snapshot] = run(assembleMachine, start(assembleMachine), [
      { type: 'ORDER.PLACED', orderId: 'a1', now: 0, assembleMs: 5, bakingTime: 10 },
    ]);
    expect(withoutOrders(snapshot.context, (orderId) => orderId === 'zz')).toBe(snapshot.context);
  });
});

describe('station rows: the queue across merges', () => {
  it('jobs from two partitions interleave by arrival, whichever is merged first; new work queues behind them', () => {
    // two busy ovens, each with its own seq counter, received work alternately
    const [x] = run(bakeMachine, start(bakeMachine), [
      assembled('x0', 0, 60_000),
      assembled('x1', 1_000, 1),
      assembled('x2', 3_000, 1),
      assembled('x3', 5_000, 1),
    ]);
    const [y] = run(bakeMachine, start(bakeMachine), [
      assembled('y0', 0, 60_000),
      assembled('y1', 2_000, 1),
      assembled('y2', 4_000, 1),
      assembled('y3', 5_000, 1), // same moment as x3
    ]);
    // x0 stays in the oven of the merged station (y0 went elsewhere), so the rest queue
    const fromX = rowsOf(x.context);
    const fromY = rowsOf(y.context).filter(([orderId]) => orderId !== 'y0');

    const order = ['x1', 'y1', 'x2', 'y2', 'x3', 'y3'];
    const xFirst = withStationRows(withStationRows(start(bakeMachine).context, fromX), fromY);
    const yFirst = withStationRows(withStationRows(start(bakeMachine).context, fromY), fromX);
    const together = withStationRows(start(bakeMachine).context, [...fromY.reverse(), ...fromX]);
    for (const context of [xFirst, yFirst, together]) {
      expect(context.working.map((j) => j.orderId)).toEqual(['x0']);
      expect(context.queue.map((j) => j.orderId)).toEqual(order);
    }

    // x3 and y3 came at the same moment with the same seq (3) on their ovens: the order id decides
    expect(xFirst.queue.slice(-2).map((j) => [j.orderId, j.receivedAt, j.seq])).toEqual([
      ['x3', 5_000, 3],
      ['y3', 5_000, 3],
    ]);

    // the merged oven counts on from past both counters: later work goes behind, even at the same moment
    const snapshot = bakeMachine.resolveState({ value: stationState(xFirst), context: xFirst });
    const [next, emitted] = step(bakeMachine, snapshot as Snapshot, assembled('z1', 5_000, 1));
    expect(emitted).toEqual([{ type: 'work.queued', orderId: 'z1', at: 5_000, position: 7 }]);
    expect(next.context.queue.at(-1)).toMatchObject({ orderId: 'z1', seq: 4 });
  });
});

describe('station rows: a step changes only the rows of the orders it names', () => {
  /** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
  function random(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const machines = {
    assemble: {
      machine: assembleMachine,
      events: (orderId: string, now: number, pick: number) =>
        pick < 0.7
          ? { type: 'ORDER.PLACED', orderId, now, assembleMs: Math.floor(pick * 3) * 500, bakingTime: 9 }
          : cancelled(orderId, now),
    },
    bake: {
      machine: bakeMachine,
      events: (orderId: string, now: number, pick: number) =>
        pick < 0.7 ? assembled(orderId, now, Math.floor(pick * 3) * 500) : cancelled(orderId, now),
    },
    delivery: {
      machine: deliveryMachine,
      events: (orderId: string, now: number, pick: number) =>
        pick < 0.45 ? placed(orderId, now, Math.floor(pick * 3) * 500) : pick < 0.9 ? baked(orderId, now) : cancelled(orderId, now),
    },
  };

  for (const [name, { machine, events }] of Object.entries(machines)) {
    it(`${name}: over 600 random steps (copies, cancels, ticks, forgetting), every row that changed belongs to touchedOrders`, () => {
      const next = random(name.length);
      let snapshot = start(machine, { capacity: 2, remember: 10_000, forgetAfterMs: 3_000 });
      let now = 0;
      let changed = 0;
      for (let i = 0; i < 600; i++) {
        now += Math.floor(next() * 400);
        const event = next() < 0.15 ? tick(now) : events(`o${Math.floor(next() * 150)}`, now, next());
        const before = snapshot.context;
        const [after, emitted] = step(machine, snapshot, event);
        const everyone = new Set([...stationOrders(before), ...stationOrders(after.context)]);
        const touched = touchedOrders(event, emitted);
        const rowsBefore = stationRows(before, everyone);
        const rowsAfter = stationRows(after.context, everyone);
        for (const orderId of everyone) {
          if (JSON.stringify(rowsBefore.get(orderId)) === JSON.stringify(rowsAfter.get(orderId))) continue;
          changed += 1;
          const about = 'orderId' in event ? ` ${event.orderId}` : '';
          expect(touched.has(orderId), `step ${i} (${event.type}${about}) changed ${orderId}'s row without naming it`).toBe(true);
        }
        snapshot = after;
      }
      expect(changed).toBeGreaterThan(100);
    });
  }
});
