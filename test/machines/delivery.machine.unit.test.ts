import { describe, expect, it } from 'vitest';
import { committedInputs, deliveryMachine, stationPendingInputs } from '../../machines/index.ts';
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
  it('remembers the customer from pizza-ordered (held, not committed), delivers when the pizza is baked and commits both', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    const noted = host.send(ordered('ccccccc1', 0));
    expect(noted).toEqual([{ type: 'customer.noted', orderId: 'ccccccc1', at: 0, customerId: CUSTOMER, inputs: [] }]);
    expect(committedInputs(noted)).toEqual([]);
    expect(stationPendingInputs(host.context())).toEqual([ref(ORDERED, 0)]);
    expect(host.value()).toBe('idle');
    await clock.advance(20_000);
    expect(committedInputs(host.send(baked('ccccccc1', 0)))).toEqual([]);
    expect(stationPendingInputs(host.context())).toEqual([ref(ORDERED, 0), ref(BAKED, 0)]);
    await clock.advance(NORMAL_MS);
    expect(host.log.slice(-2)).toEqual([
      { type: 'pizza.delivered', orderId: 'ccccccc1', at: 26_000, customerId: CUSTOMER, late: false },
      { type: 'work.finished', orderId: 'ccccccc1', at: 26_000, dueAt: 26_000, inputs: [ref(ORDERED, 0), ref(BAKED, 0)] },
    ]);
    expect(host.context().customers).toEqual({});
    expect(stationPendingInputs(host.context())).toEqual([]);
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
      { type: 'work.parked', orderId: 'ccccccc1', at: 0, inputs: [] },
    ]);
    expect(committedInputs(parked)).toEqual([]);
    expect(stationPendingInputs(host.context())).toEqual([ref(BAKED, 0)]);
    expect(host.value()).toBe('idle');
    expect(host.timerArmed()).toBe(false);

    await clock.advance(3_000);
    const start = host.send(ordered('ccccccc1', 0));
    expect(start).toEqual([{ type: 'work.started', orderId: 'ccccccc1', at: 3_000, dueAt: 3_000 + LATE_MS }]);

    await clock.advance(LATE_MS - 1);
    expect(delivered(host)).toEqual([]);
    await clock.advance(1);
    expect(delivered(host)).toEqual([['ccccccc1', 15_000, true]]);
    expect(ofType(host.log, 'work.finished')[0]?.inputs).toEqual([ref(BAKED, 0), ref(ORDERED, 0)]);
    expect(host.context().pending).toEqual({});
    expect(stationPendingInputs(host.context())).toEqual([]);
  });

  it('a second copy of the baked pizza while parked joins it (committed with the delivery); pending is published once', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(baked('ccccccc1', 0));
    expect(host.send(baked('ccccccc1', 4))).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'already-pending', inputs: [] },
    ]);
    expect(host.send(baked('ccccccc1', 0))).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'already-pending', inputs: [] },
    ]);
    expect(ofType(host.log, 'pizza.pending')).toHaveLength(1);
    expect(stationPendingInputs(host.context())).toEqual([ref(BAKED, 0), ref(BAKED, 4)]);
    host.send(ordered('ccccccc1', 0));
    await clock.advance(LATE_MS);
    expect(ofType(host.log, 'work.finished')[0]?.inputs).toEqual([ref(BAKED, 0), ref(BAKED, 4), ref(ORDERED, 0)]);
  });

  it('a parked pizza survives a restart (its input pending again) and is delivered late when the order comes', async () => {
    const clock = new VirtualClock(0);
    const before = van(clock);
    before.send(baked('ccccccc1', 0));
    const saved = before.persisted();
    before.stop();
    await clock.advance(1_000);
    const after = startHost(deliveryMachine, { clock, snapshot: saved });
    expect(stationPendingInputs(after.context())).toEqual([ref(BAKED, 0)]);
    // the uncommitted pizza-baked comes again after the restart: it joins the parked pizza
    expect(after.send(baked('ccccccc1', 0))).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 1_000, reason: 'already-pending', inputs: [] },
    ]);
    after.send(ordered('ccccccc1', 0));
    await clock.advance(LATE_MS);
    expect(delivered(after)).toEqual([['ccccccc1', 13_000, true]]);
    expect(ofType(after.log, 'work.finished')[0]?.inputs).toEqual([ref(BAKED, 0), ref(ORDERED, 0)]);
  });
});

describe('delivery station: duplicates', () => {
  it('copies of pizza-ordered and pizza-baked join the remembered customer or the delivery and are committed with it', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1', 0));
    // the same message again (a redelivery) and a duplicate message at another offset
    expect(host.send(ordered('ccccccc1', 0))).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'duplicate', inputs: [] },
    ]);
    expect(host.send(ordered('ccccccc1', 3))).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'duplicate', inputs: [] },
    ]);
    expect(ofType(host.log, 'customer.noted')).toHaveLength(1);
    expect(stationPendingInputs(host.context())).toEqual([ref(ORDERED, 0), ref(ORDERED, 3)]);
    host.send(baked('ccccccc1', 0));
    expect(host.send(ordered('ccccccc1', 0))[0]).toMatchObject({ type: 'input.ignored', reason: 'already-working', inputs: [] });
    expect(host.send(ordered('ccccccc1', 5))[0]).toMatchObject({ type: 'input.ignored', reason: 'already-working', inputs: [] });
    expect(host.send(baked('ccccccc1', 2))[0]).toMatchObject({ type: 'input.ignored', reason: 'already-working', inputs: [] });
    await clock.advance(NORMAL_MS);
    expect(delivered(host)).toEqual([['ccccccc1', NORMAL_MS, false]]);
    expect(ofType(host.log, 'work.finished')[0]?.inputs).toEqual([
      ref(ORDERED, 0),
      ref(ORDERED, 3),
      ref(BAKED, 0),
      ref(ORDERED, 5),
      ref(BAKED, 2),
    ]);

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

  it('a parked pizza stays held (the cancel alone is committed) and its inputs are committed with the late delivery', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(baked('ccccccc1', 0));
    expect(committedInputs(cancelAt(host, 0))).toEqual([ref(CANCELLED, 0)]);
    expect(stationPendingInputs(host.context())).toEqual([ref(BAKED, 0)]);
    host.send(ordered('ccccccc1', 0));
    await clock.advance(LATE_MS);
    expect(ofType(host.log, 'work.finished')[0]?.inputs).toEqual([ref(BAKED, 0), ref(ORDERED, 0)]);
  });

  it('a remembered customer is kept but its held pizza-ordered is committed with the cancel; a pizza baked anyway is still delivered', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1', 0));
    host.send(ordered('ccccccc1', 3));
    const cancelled = cancelAt(host, 0);
    expect(cancelled).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'too-late', inputs: [ref(CANCELLED, 0)] },
      { type: 'customer.cancelled', orderId: 'ccccccc1', at: 0, inputs: [ref(ORDERED, 0), ref(ORDERED, 3)] },
    ]);
    expect(committedInputs(cancelled)).toEqual([ref(CANCELLED, 0), ref(ORDERED, 0), ref(ORDERED, 3)]);
    expect(stationPendingInputs(host.context())).toEqual([]);
    // nothing more to commit for this customer: a second cancel, a copy of the order
    expect(cancelAt(host, 1)).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'too-late', inputs: [ref(CANCELLED, 1)] },
    ]);
    expect(host.send(ordered('ccccccc1', 0))).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'already-cancelled', inputs: [ref(ORDERED, 0)] },
    ]);
    expect(stationPendingInputs(host.context())).toEqual([]);

    host.send(baked('ccccccc1', 0));
    await clock.advance(60_000);
    expect(delivered(host)).toEqual([['ccccccc1', NORMAL_MS, false]]);
    expect(ofType(host.log, 'work.finished')[0]?.inputs).toEqual([ref(BAKED, 0)]);
    expect(ofType(host.log, 'pizza.pending')).toEqual([]);
  });
});

describe('delivery station: memory', () => {
  it('forgets customers and parked pizzas after forgetAfterMs (orders that never went on) and commits their held inputs', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock, { forgetAfterMs: 60_000 });
    host.send(ordered('ccccccc1', 0));
    host.send(ordered('ccccccc1', 2));
    host.send(baked('ccccccc2', 0));
    await clock.advance(60_000);
    expect(committedInputs(host.send({ type: 'CLOCK.TICK' }))).toEqual([]);
    await clock.advance(1);
    const forgetting = host.send(baked('ccccccc1', 1));
    expect(forgetting.slice(0, 2)).toEqual([
      { type: 'customer.forgotten', orderId: 'ccccccc1', at: 60_001, inputs: [ref(ORDERED, 0), ref(ORDERED, 2)] },
      { type: 'work.forgotten', orderId: 'ccccccc2', at: 60_001, inputs: [ref(BAKED, 0)] },
    ]);
    expect(committedInputs(forgetting)).toEqual([ref(ORDERED, 0), ref(ORDERED, 2), ref(BAKED, 0)]);
    expect(Object.keys(host.context().customers)).toEqual([]);
    expect(Object.keys(host.context().pending)).toEqual(['ccccccc1']);
    // what is still held: the pizza that came after its customer was forgotten
    expect(stationPendingInputs(host.context())).toEqual([ref(BAKED, 1)]);
  });

  it('a cancelled customer is forgotten with nothing left to commit', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock, { forgetAfterMs: 60_000 });
    host.send(ordered('ccccccc1', 0));
    host.send({ type: 'ORDER.CANCELLED', orderId: 'ccccccc1', ref: ref(CANCELLED, 0) });
    await clock.advance(60_001);
    expect(host.send({ type: 'CLOCK.TICK' })).toEqual([{ type: 'customer.forgotten', orderId: 'ccccccc1', at: 60_001, inputs: [] }]);
    expect(host.context().customers).toEqual({});
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

describe('delivery station: restart and partition moves (the state it remembers lives only in the process)', () => {
  it('a remembered customer survives a restart with its pizza-ordered pending again; the redelivered copy joins it', async () => {
    const clock = new VirtualClock(0);
    const before = van(clock);
    before.send(ordered('ccccccc1', 0));
    const saved = before.persisted();
    before.stop();
    const after = startHost(deliveryMachine, { clock, snapshot: saved });
    // the host marks these in flight after restore, so it never commits past them
    expect(stationPendingInputs(after.context())).toEqual([ref(ORDERED, 0)]);
    expect(after.send(ordered('ccccccc1', 0))).toEqual([
      { type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'duplicate', inputs: [] },
    ]);
    expect(stationPendingInputs(after.context())).toEqual([ref(ORDERED, 0)]);
    after.send(baked('ccccccc1', 0));
    await clock.advance(NORMAL_MS);
    expect(ofType(after.log, 'work.finished')[0]?.inputs).toEqual([ref(ORDERED, 0), ref(BAKED, 0)]);
  });

  it('revoking partitions releases the customers, parked pizzas and deliveries held from them, uncommitted; the rest stays', () => {
    const clock = new VirtualClock(0);
    const host = van(clock, { capacity: 2 });
    host.send({ ...ordered('ccccccc1', 0), ref: ref(ORDERED, 0, 1) }); // remembered customer, partition 1
    host.send({ ...baked('ccccccc2', 0), ref: ref(BAKED, 0, 1) }); // parked pizza, partition 1
    host.send({ ...ordered('ccccccc3', 1), ref: ref(ORDERED, 1, 1) }); // delivery in progress, partition 1
    host.send({ ...baked('ccccccc3', 1), ref: ref(BAKED, 1, 1) });
    host.send(ordered('ccccccc4', 0)); // remembered customer, partition 0
    host.send(baked('ccccccc5', 0)); // parked pizza, partition 0

    const released = host.send({
      type: 'PARTITIONS.REVOKED',
      partitions: [
        { topic: ORDERED, partition: 1 },
        { topic: BAKED, partition: 1 },
      ],
    });
    expect(released).toEqual([
      { type: 'work.released', orderId: 'ccccccc3', at: 0, refs: [ref(ORDERED, 1, 1), ref(BAKED, 1, 1)] },
      { type: 'work.released', orderId: 'ccccccc1', at: 0, refs: [ref(ORDERED, 0, 1)] },
      { type: 'work.released', orderId: 'ccccccc2', at: 0, refs: [ref(BAKED, 0, 1)] },
    ]);
    expect(committedInputs(released)).toEqual([]);
    expect(Object.keys(host.context().customers)).toEqual(['ccccccc4']);
    expect(Object.keys(host.context().pending)).toEqual(['ccccccc5']);
    expect(stationPendingInputs(host.context())).toEqual([ref(ORDERED, 0), ref(BAKED, 0)]);
    expect(host.context().working).toEqual([]);
  });

  it('regression: a second instance joining between ordered and baked delivers every order (the new owner gets pizza-ordered again)', async () => {
    // The reviewer's case: 12 orders over two partitions; after the pizza-ordered, partition 1
    // moves to a new instance, which reads it from its committed position. Before the fix the
    // first instance had committed every pizza-ordered, and the new owner parked its pizzas forever.
    const clock = new VirtualClock(0);
    const first = van(clock, { capacity: 12 });
    const orders = Array.from({ length: 12 }, (_, i) => ({
      orderId: `ccccccd${i.toString(16)}`,
      partition: i % 2,
      offset: Math.floor(i / 2),
    }));
    const committed = new Set<string>();
    const commit = (events: { type: string }[]) => {
      for (const r of committedInputs(events)) committed.add(`${r.topic}:${r.partition}@${r.offset}`);
    };
    for (const o of orders) commit(first.send({ ...ordered(o.orderId, o.offset), ref: ref(ORDERED, o.offset, o.partition) }));
    expect(committed.size).toBe(0);

    const moved = [
      { topic: ORDERED, partition: 1 },
      { topic: BAKED, partition: 1 },
    ];
    commit(first.send({ type: 'PARTITIONS.REVOKED', partitions: moved }));
    const second = van(clock, { capacity: 12 });
    // the new owner of partition 1 reads from its committed position: every pizza-ordered comes again
    for (const o of orders.filter((o) => o.partition === 1)) {
      expect(committed.has(`${ORDERED}:1@${o.offset}`)).toBe(false);
      commit(second.send({ ...ordered(o.orderId, o.offset), ref: ref(ORDERED, o.offset, 1) }));
    }
    for (const o of orders) {
      const owner = o.partition === 0 ? first : second;
      commit(owner.send({ ...baked(o.orderId, o.offset), ref: ref(BAKED, o.offset, o.partition) }));
    }
    await clock.advance(60_000);
    const all = [...delivered(first), ...delivered(second)].map(([orderId]) => orderId).sort();
    expect(all).toEqual(orders.map((o) => o.orderId).sort());
    expect([...ofType(first.log, 'pizza.pending'), ...ofType(second.log, 'pizza.pending')]).toEqual([]);
    // and every input is committed once delivered (the deliveries finished on timer ticks)
    commit([...first.log, ...second.log]);
    expect(committed.size).toBe(24);
    expect(stationPendingInputs(first.context())).toEqual([]);
    expect(stationPendingInputs(second.context())).toEqual([]);
  });
});
