import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { type DeliveryContext, deliveryMachine, hashedEntries, stationRows, stationState, withoutOrders } from '../../machines/index.ts';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { deliveryWork } from '../../src/kitchen/timings.ts';
import { type Host, ofType, restartStation, startHost, throughJson } from './harness.ts';

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

function ordered(orderId: string, customerId = CUSTOMER) {
  // what the host builds from pizza-ordered, at speed 1
  return { type: 'ORDER.PLACED', orderId, customerId, ...deliveryWork(customerId, timings, 1) };
}

function baked(orderId: string) {
  return { type: 'PIZZA.BAKED', orderId };
}

function delivered(host: Host) {
  return ofType(host.log, 'pizza.delivered').map((e) => [e.orderId, e.at, e.late]);
}

const customersOf = (context: DeliveryContext) => hashedEntries(context.customers).map(([orderId]) => orderId);
const parkedOf = (context: DeliveryContext) => hashedEntries(context.parked).map(([orderId]) => orderId);

describe('delivery station: the usual order of things', () => {
  it('remembers the customer from pizza-ordered and delivers when the pizza is baked', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    expect(host.send(ordered('ccccccc1'))).toEqual([{ type: 'customer.noted', orderId: 'ccccccc1', at: 0, customerId: CUSTOMER }]);
    expect(customersOf(host.context())).toEqual(['ccccccc1']);
    expect(host.value()).toBe('idle');
    await clock.advance(20_000);
    expect(host.send(baked('ccccccc1'))).toEqual([{ type: 'work.started', orderId: 'ccccccc1', at: 20_000, dueAt: 26_000 }]);
    await clock.advance(NORMAL_MS);
    expect(host.log.slice(-2)).toEqual([
      { type: 'pizza.delivered', orderId: 'ccccccc1', at: 26_000, customerId: CUSTOMER, late: false },
      { type: 'work.finished', orderId: 'ccccccc1', at: 26_000, dueAt: 26_000 },
    ]);
    expect(customersOf(host.context())).toEqual([]);
  });

  it('queues deliveries beyond its capacity', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1'));
    host.send(ordered('ccccccc2', OTHER_CUSTOMER));
    host.send(baked('ccccccc1'));
    host.send(baked('ccccccc2'));
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
    expect(host.send(baked('ccccccc1'))).toEqual([
      { type: 'pizza.pending', orderId: 'ccccccc1', at: 0 },
      { type: 'work.parked', orderId: 'ccccccc1', at: 0 },
    ]);
    expect(host.value()).toBe('idle');
    expect(host.timerArmed()).toBe(false);

    await clock.advance(3_000);
    const start = host.send(ordered('ccccccc1'));
    expect(start).toEqual([{ type: 'work.started', orderId: 'ccccccc1', at: 3_000, dueAt: 3_000 + LATE_MS }]);

    await clock.advance(LATE_MS - 1);
    expect(delivered(host)).toEqual([]);
    await clock.advance(1);
    expect(delivered(host)).toEqual([['ccccccc1', 15_000, true]]);
    expect(parkedOf(host.context())).toEqual([]);
  });

  it('a copy of the baked pizza while parked is ignored; pending is published once', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(baked('ccccccc1'));
    expect(host.send(baked('ccccccc1'))).toEqual([{ type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'already-pending' }]);
    expect(ofType(host.log, 'pizza.pending')).toHaveLength(1);
    host.send(ordered('ccccccc1'));
    await clock.advance(60_000);
    expect(delivered(host)).toEqual([['ccccccc1', LATE_MS, true]]);
  });
});

describe('delivery station: duplicates (inputs written by others are at-least-once)', () => {
  it('copies of pizza-ordered and pizza-baked change nothing: one customer, one delivery', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1'));
    expect(host.send(ordered('ccccccc1'))).toEqual([{ type: 'input.ignored', orderId: 'ccccccc1', at: 0, reason: 'duplicate' }]);
    expect(ofType(host.log, 'customer.noted')).toHaveLength(1);
    host.send(baked('ccccccc1'));
    expect(host.send(ordered('ccccccc1'))[0]).toMatchObject({ type: 'input.ignored', reason: 'already-working' });
    expect(host.send(baked('ccccccc1'))[0]).toMatchObject({ type: 'input.ignored', reason: 'already-working' });
    await clock.advance(NORMAL_MS);
    expect(delivered(host)).toEqual([['ccccccc1', NORMAL_MS, false]]);

    const late = [...host.send(baked('ccccccc1')), ...host.send(ordered('ccccccc1'))];
    expect(late.map((e) => e.reason)).toEqual(['already-finished', 'already-finished']);
    await clock.advance(60_000);
    expect(delivered(host)).toHaveLength(1);
    expect(customersOf(host.context())).toEqual([]);
    expect(parkedOf(host.context())).toEqual([]);
  });

  it('a copy of a queued delivery is ignored', () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1'));
    host.send(ordered('ccccccc2'));
    host.send(baked('ccccccc1'));
    host.send(baked('ccccccc2'));
    expect(host.send(baked('ccccccc2'))).toEqual([{ type: 'input.ignored', orderId: 'ccccccc2', at: 0, reason: 'already-queued' }]);
    expect(host.send(ordered('ccccccc2'))).toEqual([{ type: 'input.ignored', orderId: 'ccccccc2', at: 0, reason: 'already-queued' }]);
  });
});

describe('delivery station: cancel comes too late here (every pizza it gets is baked)', () => {
  const cancel = (host: Host) => host.send({ type: 'ORDER.CANCELLED', orderId: 'ccccccc1' });
  const refused = (at: number) => [{ type: 'input.ignored', orderId: 'ccccccc1', at, reason: 'too-late' }];

  it('a delivery in progress is refused the cancel and delivered', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1'));
    host.send(baked('ccccccc1'));
    await clock.advance(1_000);
    expect(cancel(host)).toEqual(refused(1_000));
    await clock.advance(60_000);
    expect(delivered(host)).toEqual([['ccccccc1', NORMAL_MS, false]]);
  });

  it('a parked pizza is still delivered (late) when its order comes', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(baked('ccccccc1'));
    expect(cancel(host)).toEqual(refused(0));
    host.send(ordered('ccccccc1'));
    await clock.advance(60_000);
    expect(delivered(host)).toEqual([['ccccccc1', LATE_MS, true]]);
  });

  it('a remembered customer is kept, so a pizza baked before the bake station saw the cancel is still delivered', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1'));
    expect(cancel(host)).toEqual(refused(0));
    expect(customersOf(host.context())).toEqual(['ccccccc1']);
    host.send(baked('ccccccc1'));
    await clock.advance(60_000);
    expect(delivered(host)).toEqual([['ccccccc1', NORMAL_MS, false]]);
    expect(ofType(host.log, 'pizza.pending')).toEqual([]);
  });
});

describe('delivery station: memory', () => {
  it('forgets customers and parked pizzas after forgetAfterMs (orders that never went on), naming each', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock, { forgetAfterMs: 60_000 });
    host.send(ordered('ccccccc1'));
    host.send(baked('ccccccc2'));
    await clock.advance(30_000);
    host.send(ordered('ccccccc3'));
    await clock.advance(30_000);
    expect(host.send({ type: 'CLOCK.TICK' })).toEqual([]);
    await clock.advance(1);
    const forgetting = host.send(baked('ccccccc1'));
    expect(forgetting).toEqual([
      { type: 'customer.forgotten', orderId: 'ccccccc1', at: 60_001 },
      { type: 'work.forgotten', orderId: 'ccccccc2', at: 60_001 },
      { type: 'pizza.pending', orderId: 'ccccccc1', at: 60_001 },
      { type: 'work.parked', orderId: 'ccccccc1', at: 60_001 },
    ]);
    expect(customersOf(host.context())).toEqual(['ccccccc3']);
    expect(parkedOf(host.context())).toEqual(['ccccccc1']);
    // the one left from 30 s goes at 90 s, not before
    await clock.advance(29_999);
    expect(host.send({ type: 'CLOCK.TICK' })).toEqual([]);
    await clock.advance(1);
    expect(host.send({ type: 'CLOCK.TICK' })).toEqual([{ type: 'customer.forgotten', orderId: 'ccccccc3', at: 90_001 }]);
  });

  it('one that was used is not forgotten later (nothing is emitted for it)', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock, { forgetAfterMs: 60_000 });
    host.send(ordered('ccccccc1'));
    host.send(baked('ccccccc1'));
    await clock.advance(120_000);
    expect(host.send({ type: 'CLOCK.TICK' })).toEqual([]);
    expect(host.context().oldestAt).toBeNull();
  });

  it('keeps them by default for 4 hours', async () => {
    const clock = new VirtualClock(0);
    const host = van(clock);
    host.send(ordered('ccccccc1'));
    await clock.advance(4 * 3_600_000 - 1);
    host.send(baked('ccccccc1'));
    expect(host.context().working.map((j) => j.orderId)).toEqual(['ccccccc1']);
  });
});

describe('delivery station: its partition moves (customers and parked pizzas travel as rows)', () => {
  it('a remembered customer and a parked pizza come back from their rows and are used', async () => {
    const clock = new VirtualClock(0);
    const before = van(clock);
    before.send(ordered('ccccccc1'));
    before.send(baked('ccccccc2'));
    const rows = throughJson(stationRows(before.context(), ['ccccccc1', 'ccccccc2']));
    expect(rows).toEqual([
      ['ccccccc1', { customer: { customerId: CUSTOMER, deliveryMs: NORMAL_MS, lateDeliveryMs: LATE_MS, at: 0 } }],
      ['ccccccc2', { parkedAt: 0 }],
    ]);
    before.stop();
    await clock.advance(1_000);

    const after = restartStation(deliveryMachine, { clock, input: { capacity: 2 }, rows });
    expect(after.send(ordered('ccccccc1'))).toEqual([{ type: 'input.ignored', orderId: 'ccccccc1', at: 1_000, reason: 'duplicate' }]);
    expect(after.send(baked('ccccccc2'))).toEqual([{ type: 'input.ignored', orderId: 'ccccccc2', at: 1_000, reason: 'already-pending' }]);
    after.send(baked('ccccccc1'));
    after.send(ordered('ccccccc2', CUSTOMER));
    await clock.advance(60_000);
    expect(delivered(after)).toEqual([
      ['ccccccc1', 1_000 + NORMAL_MS, false],
      ['ccccccc2', 1_000 + LATE_MS, true],
    ]);
    expect(ofType(after.log, 'pizza.pending')).toEqual([]);
  });

  it('regression: an instance taking a partition between ordered and baked delivers every order of it (its customers come as rows)', async () => {
    // The reviewer's case: 12 orders over two partitions; after the pizza-ordered, partition 1
    // moves to a new instance. Before state followed the partition, the new owner parked its pizzas forever.
    const clock = new VirtualClock(0);
    const first = van(clock, { capacity: 12 });
    const orders = Array.from({ length: 12 }, (_, i) => ({ orderId: `ccccccd${i.toString(16)}`, partition: i % 2 }));
    for (const o of orders) first.send(ordered(o.orderId));
    const moving = orders.filter((o) => o.partition === 1).map((o) => o.orderId);

    const rows = throughJson(stationRows(first.context(), moving));
    const kept = withoutOrders(first.context(), (orderId) => moving.includes(orderId));
    const rest = startHost(deliveryMachine, {
      clock,
      snapshot: deliveryMachine.getPersistedSnapshot(deliveryMachine.resolveState({ value: stationState(kept), context: kept })),
    });
    first.stop();
    const second = restartStation(deliveryMachine, { clock, input: { capacity: 12 }, rows });
    expect(customersOf(second.context()).sort()).toEqual([...moving].sort());
    expect(customersOf(rest.context()).filter((orderId) => moving.includes(orderId))).toEqual([]);

    for (const o of orders) (o.partition === 0 ? rest : second).send(baked(o.orderId));
    await clock.advance(60_000);
    const all = [...delivered(rest), ...delivered(second)].map(([orderId]) => orderId).sort();
    expect(all).toEqual(orders.map((o) => o.orderId).sort());
    expect([...ofType(rest.log, 'pizza.pending'), ...ofType(second.log, 'pizza.pending')]).toEqual([]);
  });
});

describe('delivery station: context', () => {
  it('refuses a capacity that is not a positive integer', () => {
    const actor = createActor(deliveryMachine, { input: { capacity: 1.5 } });
    actor.subscribe({ error: () => {} });
    actor.start();
    expect(actor.getSnapshot().status).toBe('error');
  });
});
