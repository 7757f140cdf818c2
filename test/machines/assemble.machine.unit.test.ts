import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { assembleMachine, memoryKeys, stationLoad, stationNextDeadline } from '../../machines/index.ts';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { assembleWork } from '../../src/kitchen/timings.ts';
import { type Host, ofType, startHost } from './harness.ts';

// The shared station behaviour (queue, capacity, dedupe, cancel, speed 0) is exercised here
// through the assemble station; bake and delivery have their own files for what is theirs.

function station(clock: VirtualClock, capacity = 1): Host {
  return startHost(assembleMachine, { clock, input: { capacity } });
}

function ordered(orderId: string, assembleMs: number, bakingTime = 10) {
  return { type: 'ORDER.PLACED', orderId, assembleMs, bakingTime };
}

function cancelled(orderId: string) {
  return { type: 'ORDER.CANCELLED', orderId };
}

function outputs(host: Host): [string | undefined, number | undefined][] {
  return ofType(host.log, 'pizza.assembled').map((e) => [e.orderId, e.at]);
}

describe('station: one pizza', () => {
  it('works for its duration, then emits its output and work.finished', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    const started = host.send(ordered('aaaaaaa1', 9_000, 13));
    expect(started).toEqual([{ type: 'work.started', orderId: 'aaaaaaa1', at: 0, dueAt: 9_000 }]);
    expect(host.value()).toBe('full');
    expect(stationNextDeadline(host.context())).toBe(9_000);

    await clock.advance(8_999);
    expect(outputs(host)).toEqual([]);
    await clock.advance(1);
    const finished = host.log.slice(1);
    expect(finished).toEqual([
      { type: 'pizza.assembled', orderId: 'aaaaaaa1', at: 9_000, bakingTime: 13 },
      { type: 'work.finished', orderId: 'aaaaaaa1', at: 9_000, dueAt: 9_000 },
    ]);
    expect(host.value()).toBe('idle');
    expect(stationNextDeadline(host.context())).toBeUndefined();
    expect(host.timerArmed()).toBe(false);
  });

  it('takes its duration from the timing formulas as the host computes them (Tomato@Mozzarella@Olives,Basil@Ham: 9 s, bake 13 s)', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    const work = assembleWork(
      { sauce: 'Tomato', cheese: 'Mozzarella', extra_toppings: ['Olives', 'Basil'], main_topping: 'Ham' },
      loadConfig().timings,
      10,
    );
    host.send({ type: 'ORDER.PLACED', orderId: 'aaaaaaa1', ...work });
    await clock.advance(10_000);
    expect(ofType(host.log, 'pizza.assembled')).toEqual([{ type: 'pizza.assembled', orderId: 'aaaaaaa1', at: 900, bakingTime: 13 }]);
  });
});

describe('station: capacity and queue', () => {
  it('capacity 1: pizzas wait in arrival order and each starts when the previous finishes', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    host.send(ordered('aaaaaaa1', 9_000));
    await clock.advance(1_000);
    expect(host.send(ordered('aaaaaaa2', 4_000))).toEqual([{ type: 'work.queued', orderId: 'aaaaaaa2', at: 1_000, position: 1 }]);
    await clock.advance(1_000);
    expect(host.send(ordered('aaaaaaa3', 6_000))).toEqual([{ type: 'work.queued', orderId: 'aaaaaaa3', at: 2_000, position: 2 }]);
    expect(stationLoad(host.context())).toEqual({ working: 1, queued: 2, capacity: 1 });

    await clock.advance(60_000);
    // a1: 0 + 9 = 9 s; a2 starts at 9 s, + 4 = 13 s; a3 starts at 13 s, + 6 = 19 s
    expect(outputs(host)).toEqual([
      ['aaaaaaa1', 9_000],
      ['aaaaaaa2', 13_000],
      ['aaaaaaa3', 19_000],
    ]);
    expect(ofType(host.log, 'work.started').map((e) => [e.orderId, e.at, e.dueAt])).toEqual([
      ['aaaaaaa1', 0, 9_000],
      ['aaaaaaa2', 9_000, 13_000],
      ['aaaaaaa3', 13_000, 19_000],
    ]);
    expect(host.value()).toBe('idle');
  });

  it('capacity 2: two at once, the queue fills freed slots in arrival order; idle → working → full → working → idle', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock, 2);
    const states: unknown[] = [host.value()];
    host.send(ordered('aaaaaaa1', 5_000));
    states.push(host.value());
    host.send(ordered('aaaaaaa2', 3_000));
    states.push(host.value());
    host.send(ordered('aaaaaaa3', 4_000));
    host.send(ordered('aaaaaaa4', 1_000));
    expect(stationLoad(host.context())).toEqual({ working: 2, queued: 2, capacity: 2 });
    expect(host.hasTag('full')).toBe(true);

    await clock.advance(6_000);
    states.push(host.value());
    await clock.advance(1_000);
    states.push(host.value());

    // a2 done at 3 s → a3 starts (due 7 s); a1 done at 5 s → a4 starts (due 6 s); a4 at 6 s; a3 at 7 s
    expect(outputs(host)).toEqual([
      ['aaaaaaa2', 3_000],
      ['aaaaaaa1', 5_000],
      ['aaaaaaa4', 6_000],
      ['aaaaaaa3', 7_000],
    ]);
    expect(ofType(host.log, 'work.started').map((e) => [e.orderId, e.at])).toEqual([
      ['aaaaaaa1', 0],
      ['aaaaaaa2', 0],
      ['aaaaaaa3', 3_000],
      ['aaaaaaa4', 5_000],
    ]);
    expect(states).toEqual(['idle', 'working', 'full', 'working', 'idle']);
  });

  it('pizzas due at the same moment finish in the order they started', () => {
    const clock = new VirtualClock(0);
    const host = station(clock, 3);
    host.send(ordered('aaaaaaa1', 5_000, 8));
    host.send(ordered('aaaaaaa2', 4_000, 9));
    host.send(ordered('aaaaaaa3', 5_000));
    const batch = host.send({ type: 'CLOCK.TICK', now: 5_000 });
    expect(ofType(batch, 'pizza.assembled').map((e) => e.orderId)).toEqual(['aaaaaaa2', 'aaaaaaa1', 'aaaaaaa3']);
  });
});

describe('station: late ticks, restarts and speed 0 go through the same path', () => {
  it('a late tick finishes the work at once (at = now, dueAt = the deadline) and starts the next at that moment', () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    host.send(ordered('aaaaaaa1', 9_000));
    host.send(ordered('aaaaaaa2', 4_000));
    const batch = host.send({ type: 'CLOCK.TICK', now: 20_000 });
    expect(batch).toEqual([
      { type: 'pizza.assembled', orderId: 'aaaaaaa1', at: 20_000, bakingTime: 10 },
      { type: 'work.finished', orderId: 'aaaaaaa1', at: 20_000, dueAt: 9_000 },
      { type: 'work.started', orderId: 'aaaaaaa2', at: 20_000, dueAt: 24_000 },
    ]);
  });

  it('any event first finishes the work that is due at its `now`', () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    host.send(ordered('aaaaaaa1', 9_000));
    const batch = host.send({ ...ordered('aaaaaaa2', 4_000), now: 9_500 });
    expect(batch.map((e) => [e.type, e.orderId])).toEqual([
      ['pizza.assembled', 'aaaaaaa1'],
      ['work.finished', 'aaaaaaa1'],
      ['work.started', 'aaaaaaa2'],
    ]);
  });

  it('speed 0 (0 ms): the pizza is finished within the send that brought it, one after the other', () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    const first = host.send(ordered('aaaaaaa1', 0, 12));
    expect(first.map((e) => e.type)).toEqual(['work.started', 'pizza.assembled', 'work.finished']);
    expect(host.value()).toBe('idle');
    expect(host.timerArmed()).toBe(false);
    host.send(ordered('aaaaaaa2', 0));
    host.send(ordered('aaaaaaa3', 0));
    expect(outputs(host)).toEqual([
      ['aaaaaaa1', 0],
      ['aaaaaaa2', 0],
      ['aaaaaaa3', 0],
    ]);
  });
});

describe('station: duplicates (inputs written by others are at-least-once)', () => {
  it('a copy of work in progress is ignored: one output', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    host.send(ordered('aaaaaaa1', 9_000));
    const copy = host.send(ordered('aaaaaaa1', 9_000));
    expect(copy).toEqual([{ type: 'input.ignored', orderId: 'aaaaaaa1', at: 0, reason: 'already-working' }]);
    await clock.advance(60_000);
    expect(outputs(host)).toEqual([['aaaaaaa1', 9_000]]);
  });

  it('a copy of queued work is ignored: it keeps its place', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    host.send(ordered('aaaaaaa1', 9_000));
    host.send(ordered('aaaaaaa2', 1_000));
    host.send(ordered('aaaaaaa3', 1_000));
    const copy = host.send(ordered('aaaaaaa2', 1_000));
    expect(copy).toEqual([{ type: 'input.ignored', orderId: 'aaaaaaa2', at: 0, reason: 'already-queued' }]);
    await clock.advance(60_000);
    expect(outputs(host)).toEqual([
      ['aaaaaaa1', 9_000],
      ['aaaaaaa2', 10_000],
      ['aaaaaaa3', 11_000],
    ]);
  });

  it('a copy of finished work is ignored', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    host.send(ordered('aaaaaaa1', 9_000));
    await clock.advance(9_000);
    const late = host.send(ordered('aaaaaaa1', 9_000));
    expect(late).toEqual([{ type: 'input.ignored', orderId: 'aaaaaaa1', at: 9_000, reason: 'already-finished' }]);
    expect(host.value()).toBe('idle');
    await clock.advance(60_000);
    expect(outputs(host)).toHaveLength(1);
  });

  it('remembers the newest finished orders, at most `remember` of them', () => {
    const clock = new VirtualClock(0);
    const host = startHost(assembleMachine, { clock, input: { capacity: 1, remember: 20 } });
    const id = (i: number) => i.toString(16).padStart(8, '0');
    for (let i = 0; i < 55; i++) host.send({ ...ordered(id(i), 0), now: i });
    const remembered = memoryKeys(host.context().finished).sort();
    // generations of 2 (a tenth of 20): the oldest pair goes whole, so 19 or 20 are kept
    expect(remembered).toEqual(Array.from({ length: 19 }, (_, k) => id(36 + k)));
    expect(host.send({ ...ordered(id(54), 0), now: 60 })[0]).toMatchObject({ reason: 'already-finished' });
    expect(host.send({ ...ordered(id(35), 0), now: 61 })[0]).toMatchObject({ type: 'work.started' });
  });
});

describe('station: cancel', () => {
  it('drops a queued pizza (no output); the rest go on as before', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    host.send(ordered('aaaaaaa1', 9_000));
    host.send(ordered('aaaaaaa2', 4_000));
    host.send(ordered('aaaaaaa3', 6_000));
    const drop = host.send(cancelled('aaaaaaa2'));
    expect(drop).toEqual([
      {
        type: 'work.dropped',
        orderId: 'aaaaaaa2',
        at: 0,
        reason: 'cancelled',
        was: 'queued',
      },
    ]);
    await clock.advance(60_000);
    expect(outputs(host)).toEqual([
      ['aaaaaaa1', 9_000],
      ['aaaaaaa3', 15_000],
    ]);
  });

  it('drops the pizza being worked on, and the next one starts at once', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    host.send(ordered('aaaaaaa1', 9_000));
    host.send(ordered('aaaaaaa2', 4_000));
    await clock.advance(3_000);
    const drop = host.send(cancelled('aaaaaaa1'));
    expect(drop).toEqual([
      {
        type: 'work.dropped',
        orderId: 'aaaaaaa1',
        at: 3_000,
        reason: 'cancelled',
        was: 'working',
      },
      { type: 'work.started', orderId: 'aaaaaaa2', at: 3_000, dueAt: 7_000 },
    ]);
    await clock.advance(60_000);
    expect(outputs(host)).toEqual([['aaaaaaa2', 7_000]]);
  });

  it('remembers a cancel that came before the work, and drops the work when it arrives', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    expect(host.send(cancelled('aaaaaaa1'))).toEqual([{ type: 'cancel.noted', orderId: 'aaaaaaa1', at: 0 }]);
    const arrived = host.send(ordered('aaaaaaa1', 9_000));
    expect(arrived).toEqual([{ type: 'input.ignored', orderId: 'aaaaaaa1', at: 0, reason: 'already-cancelled' }]);
    await clock.advance(60_000);
    expect(outputs(host)).toEqual([]);
    expect(host.send(cancelled('aaaaaaa1'))[0]).toMatchObject({ type: 'input.ignored', reason: 'already-cancelled' });
  });

  it('a cancel after the work finished is too late: ignored', async () => {
    const clock = new VirtualClock(0);
    const host = station(clock);
    host.send(ordered('aaaaaaa1', 1_000));
    await clock.advance(1_000);
    expect(host.send(cancelled('aaaaaaa1'))).toEqual([
      { type: 'input.ignored', orderId: 'aaaaaaa1', at: 1_000, reason: 'already-finished' },
    ]);
    expect(outputs(host)).toEqual([['aaaaaaa1', 1_000]]);
  });
});

describe('station: context is plain data', () => {
  it('survives a JSON round trip of the persisted snapshot unchanged', () => {
    const clock = new VirtualClock(0);
    const host = station(clock, 2);
    host.send(ordered('aaaaaaa1', 9_000));
    host.send(ordered('aaaaaaa2', 9_000));
    host.send(ordered('aaaaaaa3', 9_000));
    host.send(cancelled('aaaaaaa9'));
    const restored = startHost(assembleMachine, { clock, snapshot: host.persisted() });
    expect(restored.context()).toEqual(host.context());
    expect(restored.value()).toBe('full');
  });

  it('refuses a capacity that is not a positive integer (the actor starts in error)', () => {
    const actor = createActor(assembleMachine, { input: { capacity: 0 } });
    let reported: unknown;
    actor.subscribe({
      error: (error) => {
        reported = error;
      },
    });
    actor.start();
    expect(actor.getSnapshot().status).toBe('error');
    expect(String(reported)).toMatch(/assemble capacity must be a positive integer, got 0/);
  });
});
