import { describe, expect, it } from 'vitest';
import { committedInputs, deliveryMachine } from '../../machines/index.ts';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { deliveryWork } from '../../src/kitchen/timings.ts';
import { type Host, ofType, ref, startHost } from './harness.ts';

const ORDERED = 'pizza-ordered';
const BAKED = 'pizza-baked';
const CANCELLED = 'pizza-cancelled';
const timings = loadConfig().timings;

// int('9f3a1c0e5b7d24e68a01c3f5d7b92e41', 16) = 211648973592574247119715883278403186241 → % 10 = 1:
// 1 + 5 = 6 s normally, 2 × 6 = 12 s late. '00000000000000000000000000000007': 7 + 5 = 12 s.
const CUSTOMER = '9f3a1c0e5b7d24e68a01c3f5d7b92e41';
const NORMAL_MS = 6_000;
const LATE_MS = 12_000;
const OTHER_CUSTOMER = '00000000000000000000000000000007';

function van(clock: VirtualClock, input: Record<string, unknown> = {}): Host {
  return startHost(deliveryMachine, { clock, input });
}

function ordered(orderId: string, offset: number, customerId = CUSTOMER) {
  // what the host builds from pizza-ordered, at speed 1
  return { type: 'ORDER.PLACED', orderId, customerId, ...deliveryWork(customerId, timings, 1), ref: ref(ORDERED, offset) };
}

function baked(orderId: string, offset: number) {
  return { type: 'PIZZA.BAKED', orderId, ref: ref(BAKED, offset) };
}

function delivered(host: Host) {
  return ofType(host.log, 'pizza.delivered').map((e) => [e.orderId, e.at, e.late]);
}

describe('delivery station: the usual order of things', () => {
  it('remembers the customer from pizza-ordered (committed at once), delivers when the pizza is baked', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    expect(host.send(ordered('ccccccc1', 0))).toEqual([
      { type: 'customer.noted', orderId: 'ccccccc1', at: 0, customerId: CUSTOMER, inputs: [ref(ORDERED, 0)] },
    ]);
    expect(host.value()).toBe('idle');
    await clock.advance(20_000);
    host.send(baked('ccccccc1', 0));
    await clock.advance(NORMAL_MS);
    expect(host.log.slice(-2)).toEqual([
      { type: 'pizza.delivered', orderId: 'ccccccc1', at: 26_000, customerId: CUSTOMER, late: false },
      { type: 'work.finished', orderId: 'ccccccc1', at: 26_000, dueAt: 26_000, inputs: [ref(BAKED, 0)] },
    ]);
    expect(host.context().customers).toEqual({});
  });

  it('queues deliveries beyond its capacity', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1', 0));
    host.send(ordered('ccccccc2', 1, OTHER_CUSTOMER));
    host.send(baked('ccccccc1', 0));
    host.send(baked('ccccccc2', 1));
    await clock.advance(60_000);
    // c1: 0 → 6 s; c2 waits, 6 s → 6 + 12 = 18 s
    expect(delivered(host)).toEqual([
      ['ccccccc1', 6_000, false],
      ['ccccccc2', 18_000, false],
    ]);
  });
});

describe('delivery station: the race (baked before the order)', () => {
  it('publishes pending and parks the pizza; when the order comes it delivers with factor 2', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    const parked = host.send(baked('ccccccc1', 0));
    expect(parked).toEqual([
      { type: 'pizza.pending', orderId: 'ccccccc1', at: 0 },
      { type: 'work.parked', orderId: 'ccccccc1', at: 0, inputs: [ref(BAKED, 0)] },
    ]);
    expect(host.value()).toBe('idle');
    expect(host.timerArmed()).toBe(false);

    await clock.advance(3_000);
    const start = host.send(ordered('ccccccc1', 0));
    expect(start).toEqual([{ type: 'work.started', orderId: 'ccccccc1', at: 3_000, dueAt: 3_000 + LATE_MS }]);

    await clock.advance(LATE_MS - 1);
    expect(delivered(host)).toEqual([]);
    await clock.advance(1);
    expect(delivered(host)).toEqual([['ccccccc1', 15_000, true]]);
    expect(ofType(host.log, 'work.finished')[0]?.inputs).toEqual([ref(ORDERED, 0)]);
    expect(host.context().pending).toEqual({});
  });

  it('a second copy of the baked pizza while parked is ignored and committed; pending is published once', () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(baked('ccccccc1', 0));
    expect(host.send(baked('ccccccc1', 4))).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'already-pending', inputs: [ref(BAKED, 4)] },
    ]);
    expect(ofType(host.log, 'pizza.pending')).toHaveLength(1);
  });

  it('a parked pizza survives a restart and is delivered late when the order comes', async () => {
    const clock = new VirtualClock(0);
    const before = van(clock);
    before.send(baked('ccccccc1', 0));
    const saved = before.persisted();
    before.stop();
    await clock.advance(1_000);
    const after = startHost(deliveryMachine, { clock, snapshot: saved });
    after.send(ordered('ccccccc1', 0));
    await clock.advance(LATE_MS);
    expect(delivered(after)).toEqual([['ccccccc1', 13_000, true]]);
  });
});

describe('delivery station: duplicates', () => {
  it('a repeated pizza-ordered is committed and changes nothing; a repeated pizza-baked joins the delivery', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1', 0));
    expect(host.send(ordered('ccccccc1', 0))[0]).toMatchObject({ type: 'input.ignored', reason: 'duplicate', inputs: [ref(ORDERED, 0)] });
    host.send(baked('ccccccc1', 0));
    expect(host.send(ordered('ccccccc1', 0))[0]).toMatchObject({ type: 'input.ignored', reason: 'duplicate' });
    expect(host.send(baked('ccccccc1', 2))[0]).toMatchObject({ type: 'input.ignored', reason: 'already-working', inputs: [] });
    await clock.advance(NORMAL_MS);
    expect(delivered(host)).toEqual([['ccccccc1', NORMAL_MS, false]]);
    expect(ofType(host.log, 'work.finished')[0]?.inputs).toEqual([ref(BAKED, 0), ref(BAKED, 2)]);

    const late = [...host.send(baked('ccccccc1', 0)), ...host.send(ordered('ccccccc1', 0))];
    expect(late.map((e) => e.reason)).toEqual(['already-finished', 'already-finished']);
    expect(committedInputs(late)).toEqual([ref(BAKED, 0), ref(ORDERED, 0)]);
    await clock.advance(60_000);
    expect(delivered(host)).toHaveLength(1);
  });
});

describe('delivery station: cancel comes too late here (every pizza it gets is baked)', () => {
  function cancelAt(host: Host, offset: number) {
    return host.send({ type: 'ORDER.CANCELLED', orderId: 'ccccccc1', ref: ref(CANCELLED, offset) });
  }

  it('a delivery in progress is refused the cancel (committed) and delivered', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1', 0));
    host.send(baked('ccccccc1', 0));
    await clock.advance(1_000);
    expect(cancelAt(host, 0)).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 1_000, reason: 'too-late', inputs: [ref(CANCELLED, 0)] },
    ]);
    await clock.advance(60_000);
    expect(delivered(host)).toEqual([['ccccccc1', NORMAL_MS, false]]);
  });

  it('a parked pizza is still delivered (late) when its order comes', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(baked('ccccccc1', 0));
    expect(cancelAt(host, 0)[0]).toMatchObject({ reason: 'too-late' });
    host.send(ordered('ccccccc1', 0));
    await clock.advance(60_000);
    expect(delivered(host)).toEqual([['ccccccc1', LATE_MS, true]]);
  });

  it('a remembered customer is kept: if the bake station baked the pizza anyway, it is delivered', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1', 0));
    expect(cancelAt(host, 0)[0]).toMatchObject({ reason: 'too-late' });
    host.send(baked('ccccccc1', 0));
    await clock.advance(60_000);
    expect(delivered(host)).toEqual([['ccccccc1', NORMAL_MS, false]]);
    expect(ofType(host.log, 'pizza.pending')).toEqual([]);
  });
});

describe('delivery station: memory', () => {
  it('forgets customers and parked pizzas after forgetAfterMs (orders that never went on)', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock, { forgetAfterMs: 60_000 });
    host.send(ordered('ccccccc1', 0));
    host.send(baked('ccccccc2', 0));
    await clock.advance(60_001);
    host.send(baked('ccccccc1', 1));
    expect(Object.keys(host.context().customers)).toEqual([]);
    expect(Object.keys(host.context().pending)).toEqual(['ccccccc1']);
  });

  it('keeps them by default for 4 hours', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1', 0));
    await clock.advance(4 * 3_600_000 - 1);
    host.send(baked('ccccccc1', 0));
    expect(host.context().working.map((j) => j.orderId)).toEqual(['ccccccc1']);
  });
});
