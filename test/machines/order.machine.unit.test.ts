import { describe, expect, it } from 'vitest';
import { ORDER_FINISHED_STATUSES, orderMachine, orderNextDeadline } from '../../machines/index.ts';
import type { StatusIds } from '../../machines/index.ts';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { type Host, ofType, source, startHost } from './harness.ts';

const config = loadConfig();
const ids = config.status.ids;
const ID = '0a1b2c3d';
/** status_invalid_timeout_minutes = 0.75 at speed 1 */
const STUCK_MS = 45_000;
const UNKNOWN_MS = 30_000;

const TOPIC = {
  'ORDER.PLACED': 'pizza-ordered',
  'PIZZA.ASSEMBLED': 'pizza-assembled',
  'PIZZA.BAKED': 'pizza-baked',
  'PIZZA.PENDING': 'pizza-pending',
  'PIZZA.DELIVERED': 'pizza-delivered',
  'ORDER.CANCELLED': 'pizza-cancelled',
  'MESSAGE.MALFORMED': 'pizza-baked',
} as const;
type MessageType = keyof typeof TOPIC;

let offset = 0;
function message(type: MessageType, extra: Record<string, unknown> = {}) {
  return { type, orderId: ID, source: source(TOPIC[type], offset++), ...extra };
}

function newOrder(clock: VirtualClock, statusIds: StatusIds = ids): Host {
  return startHost(orderMachine, {
    clock,
    input: { orderId: ID, now: clock.now(), statusIds, stuckAfterMs: STUCK_MS, unknownAfterMs: UNKNOWN_MS },
  });
}

function statuses(host: Host): number[] {
  return ofType(host.log, 'status.changed').map((e) => e.status as number);
}

describe('order machine: the normal flow', () => {
  it('goes placed → in the oven → out for delivery → delivered, publishing each status once with the message timestamp', async () => {
    const clock = new VirtualClock(1_000);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED', { timestamp: 111 }));
    await clock.advance(9_000);
    order.send(message('PIZZA.ASSEMBLED', { timestamp: 222 }));
    await clock.advance(13_000);
    order.send(message('PIZZA.BAKED', { timestamp: 333 }));
    await clock.advance(7_000);
    order.send(message('PIZZA.DELIVERED', { timestamp: 444 }));

    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_assembled, ids.pizza_baked, ids.delivered]);
    expect(ofType(order.log, 'status.changed').map((e) => [e.timestamp, e.at, e.source, e.previous])).toEqual([
      [111, 1_000, 'pizza-ordered', null],
      [222, 10_000, 'pizza-assembled', ids.order_placed],
      [333, 23_000, 'pizza-baked', ids.pizza_assembled],
      [444, 30_000, 'pizza-delivered', ids.pizza_baked],
    ]);
    expect(order.value()).toBe('delivered');
    expect(order.hasTag('finished')).toBe(true);
    expect(order.context().status).toBe(ids.delivered);
    expect(order.context().history.map((h) => [h.status, h.at, h.source, h.applied])).toEqual([
      [ids.order_placed, 1_000, 'pizza-ordered', true],
      [ids.pizza_assembled, 10_000, 'pizza-assembled', true],
      [ids.pizza_baked, 23_000, 'pizza-baked', true],
      [ids.delivered, 30_000, 'pizza-delivered', true],
    ]);
    expect(ofType(order.log, 'event.ignored')).toEqual([]);
  });

  it('shows pending between out for delivery and delivered when the delivery station raced', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    for (const type of ['ORDER.PLACED', 'PIZZA.ASSEMBLED', 'PIZZA.BAKED', 'PIZZA.PENDING', 'PIZZA.DELIVERED'] as const)
      order.send(message(type));
    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_assembled, ids.pizza_baked, ids.pending, ids.delivered]);
  });

  it('takes its status codes from the input, not from code', () => {
    const clock = new VirtualClock(0);
    const shifted = Object.fromEntries(Object.entries(ids).map(([name, code]) => [name, code + 1_000])) as StatusIds;
    const order = newOrder(clock, shifted);
    order.send(message('ORDER.PLACED'));
    order.send(message('PIZZA.ASSEMBLED'));
    order.send(message('ORDER.CANCELLED'));
    expect(statuses(order)).toEqual([1_100, 1_200, 1_499]);
  });

  it('finishes on the statuses the configuration calls completed', () => {
    expect(ORDER_FINISHED_STATUSES.map((name) => ids[name]).sort()).toEqual([...config.ordersStore.completedWhen].sort());
  });
});

describe('order machine: events out of order', () => {
  it('never goes back: assembled after baked is recorded as late and changes nothing', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('PIZZA.BAKED'));
    const late = order.send(message('PIZZA.ASSEMBLED'));

    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_baked]);
    expect(order.value()).toEqual({ inProgress: 'baked' });
    expect(late).toEqual([expect.objectContaining({ type: 'event.ignored', event: 'PIZZA.ASSEMBLED', reason: 'late' })]);
    expect(order.context().history.at(-1)).toMatchObject({ status: ids.pizza_assembled, applied: false, reason: 'late' });
  });

  it('delivered before baked ends delivered; the baked that follows is only recorded', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('PIZZA.DELIVERED'));
    order.send(message('PIZZA.BAKED'));
    order.send(message('PIZZA.PENDING'));
    expect(statuses(order)).toEqual([ids.order_placed, ids.delivered]);
    expect(order.value()).toBe('delivered');
    expect(order.context().history.map((h) => h.reason)).toEqual([undefined, undefined, 'finished', 'finished']);
  });

  it('pending before baked stays pending; the baked that follows is late', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('PIZZA.PENDING'));
    order.send(message('PIZZA.BAKED'));
    expect(statuses(order)).toEqual([ids.order_placed, ids.pending]);
    expect(order.value()).toEqual({ inProgress: 'pending' });
  });
});

describe('order machine: duplicates (redelivery)', () => {
  it('is idempotent: a repeated event emits no second status change', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    const placed = message('ORDER.PLACED');
    order.send(placed);
    const again = order.send(placed);
    order.send(message('PIZZA.ASSEMBLED'));
    order.send(message('PIZZA.ASSEMBLED'));
    order.send(message('PIZZA.DELIVERED'));
    order.send(message('PIZZA.DELIVERED'));

    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_assembled, ids.delivered]);
    expect(again).toEqual([expect.objectContaining({ type: 'event.ignored', reason: 'duplicate' })]);
    expect(
      order
        .context()
        .history.filter((h) => !h.applied)
        .map((h) => [h.event, h.reason]),
    ).toEqual([
      ['ORDER.PLACED', 'duplicate'],
      ['PIZZA.ASSEMBLED', 'duplicate'],
      ['PIZZA.DELIVERED', 'finished'],
    ]);
  });

  it('a repeated cancel emits cancelled once', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('ORDER.CANCELLED'));
    order.send(message('ORDER.CANCELLED'));
    expect(statuses(order)).toEqual([ids.order_placed, ids.cancelled]);
  });

  it('a tick before the deadline, or twice, does nothing', async () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    expect(order.send({ type: 'CLOCK.TICK', now: 44_999 })).toEqual([]);
    await clock.advance(STUCK_MS);
    expect(order.send({ type: 'CLOCK.TICK' })).toEqual([]);
    expect(statuses(order)).toEqual([ids.order_placed, ids.stuck]);
  });
});

describe('order machine: events for an order not seen yet', () => {
  it('holds stage events without publishing, and becomes unknown (410) when the order does not come in time', async () => {
    const clock = new VirtualClock(5_000);
    const order = newOrder(clock);
    order.send(message('PIZZA.ASSEMBLED'));
    await clock.advance(4_000);
    const held = order.send(message('PIZZA.BAKED'));

    expect(held).toEqual([expect.objectContaining({ type: 'event.ignored', reason: 'awaiting-order' })]);
    expect(statuses(order)).toEqual([]);
    expect(order.value()).toEqual({ notSeen: 'awaitingOrder' });
    expect(orderNextDeadline(order.context())).toBe(5_000 + UNKNOWN_MS);

    await clock.advance(UNKNOWN_MS - 4_000 - 1);
    expect(statuses(order)).toEqual([]);
    await clock.advance(1);
    expect(statuses(order)).toEqual([ids.unknown]);
    expect(ofType(order.log, 'status.changed')[0]).toMatchObject({ at: 5_000 + UNKNOWN_MS, source: 'clock' });
    expect(order.value()).toEqual({ notSeen: 'unknown' });
    expect(order.hasTag('halted')).toBe(true);
    expect(order.timerArmed()).toBe(false);
  });

  it('an unknown order is rescued when its pizza-ordered finally comes: it jumps to the furthest stage seen', async () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('PIZZA.BAKED'));
    await clock.advance(UNKNOWN_MS);
    order.send(message('PIZZA.ASSEMBLED'));
    await clock.advance(10_000);
    order.send(message('ORDER.PLACED'));

    expect(statuses(order)).toEqual([ids.unknown, ids.pizza_baked]);
    expect(order.value()).toEqual({ inProgress: 'baked' });
    expect(orderNextDeadline(order.context())).toBe(UNKNOWN_MS + 10_000 + STUCK_MS);
  });

  it('when the order arrives in time it goes straight to the furthest stage; 410 is never published', async () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('PIZZA.BAKED'));
    order.send(message('PIZZA.ASSEMBLED'));
    await clock.advance(2_000);
    order.send(message('ORDER.PLACED'));
    await clock.advance(UNKNOWN_MS);

    expect(statuses(order)).toEqual([ids.pizza_baked]);
    expect(order.value()).toEqual({ inProgress: 'baked' });
    order.send(message('PIZZA.DELIVERED'));
    expect(statuses(order)).toEqual([ids.pizza_baked, ids.delivered]);
  });

  it('delivered seen before the order: the order arrives finished', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('PIZZA.DELIVERED'));
    order.send(message('ORDER.PLACED'));
    expect(statuses(order)).toEqual([ids.delivered]);
    expect(order.timerArmed()).toBe(false);
  });

  it('a cancel before the order: the order arrives cancelled (not baked yet)', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.CANCELLED'));
    order.send(message('PIZZA.ASSEMBLED'));
    order.send(message('ORDER.PLACED'));
    expect(statuses(order)).toEqual([ids.cancelled]);
    expect(order.value()).toBe('cancelled');
  });

  it('a cancel before the order, but the pizza was already baked: the cancel is too late', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.CANCELLED'));
    order.send(message('PIZZA.BAKED'));
    order.send(message('ORDER.PLACED'));
    expect(statuses(order)).toEqual([ids.pizza_baked]);
  });
});

describe('order machine: malformed messages for this order', () => {
  it('a malformed message for a stage not reached yet → something wrong (430), no timer; a later stage event recovers', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('MESSAGE.MALFORMED', { stage: 'baked', reason: 'value is not JSON' }));

    expect(statuses(order)).toEqual([ids.order_placed, ids.something_wrong]);
    expect(order.value()).toBe('somethingWrong');
    expect(order.timerArmed()).toBe(false);
    expect(order.context().history.at(-1)).toMatchObject({
      event: 'MESSAGE.MALFORMED',
      status: ids.something_wrong,
      applied: true,
      problem: 'value is not JSON',
    });

    order.send(message('MESSAGE.MALFORMED', { stage: 'delivered', reason: 'again' }));
    expect(statuses(order)).toEqual([ids.order_placed, ids.something_wrong]);

    order.send(message('PIZZA.DELIVERED'));
    expect(statuses(order)).toEqual([ids.order_placed, ids.something_wrong, ids.delivered]);
  });

  it('a malformed copy of a stage already passed is only recorded', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('PIZZA.ASSEMBLED'));
    const out = order.send(message('MESSAGE.MALFORMED', { stage: 'assembled', reason: "field 'baking_time' must be a number" }));
    order.send(message('MESSAGE.MALFORMED', { stage: 'pending', reason: 'x' }));
    order.send(message('MESSAGE.MALFORMED', { stage: 'cancelled', reason: 'x' }));

    expect(out).toEqual([expect.objectContaining({ type: 'event.ignored', reason: 'not-blocking' })]);
    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_assembled]);
    expect(order.value()).toEqual({ inProgress: 'assembled' });
  });

  it('an unreadable pizza-ordered for an order not seen yet → something wrong; a readable copy still rescues it', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('MESSAGE.MALFORMED', { stage: 'ordered', reason: "field 'order' must be an object" }));
    expect(statuses(order)).toEqual([ids.something_wrong]);
    order.send(message('ORDER.PLACED'));
    expect(statuses(order)).toEqual([ids.something_wrong, ids.order_placed]);
  });

  it('before the order is seen, other malformed stages are only recorded', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('MESSAGE.MALFORMED', { stage: 'baked', reason: 'x' }));
    expect(statuses(order)).toEqual([]);
    expect(order.value()).toEqual({ notSeen: 'awaitingOrder' });
  });

  it('a finished order only records a malformed message', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('PIZZA.DELIVERED'));
    order.send(message('MESSAGE.MALFORMED', { stage: 'delivered', reason: 'x' }));
    expect(statuses(order)).toEqual([ids.order_placed, ids.delivered]);
  });
});

describe('order machine: stuck', () => {
  it('no progress for the timeout → stuck (50) exactly at lastProgressAt + timeout; a later stage un-sticks it', async () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    await clock.advance(10_000);
    order.send(message('PIZZA.ASSEMBLED'));
    expect(orderNextDeadline(order.context())).toBe(10_000 + STUCK_MS);

    await clock.advance(STUCK_MS - 1);
    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_assembled]);
    await clock.advance(1);
    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_assembled, ids.stuck]);
    expect(ofType(order.log, 'status.changed').at(-1)).toMatchObject({ at: 55_000, timestamp: 55_000, source: 'clock' });
    expect(order.value()).toBe('stuck');
    expect(order.timerArmed()).toBe(false);
    expect(order.context().history.at(-1)).toMatchObject({ event: 'CLOCK.TICK', status: ids.stuck, source: 'clock', applied: true });

    await clock.advance(10 * STUCK_MS);
    expect(statuses(order).filter((s) => s === ids.stuck)).toHaveLength(1);

    // a stale event is not progress: still stuck
    order.send(message('PIZZA.ASSEMBLED'));
    expect(order.value()).toBe('stuck');

    const now = clock.now();
    order.send(message('PIZZA.BAKED'));
    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_assembled, ids.stuck, ids.pizza_baked]);
    expect(order.value()).toEqual({ inProgress: 'baked' });
    expect(orderNextDeadline(order.context())).toBe(now + STUCK_MS);
    expect(order.context().lastProgressAt).toBe(now);

    // and it can get stuck again
    await clock.advance(STUCK_MS);
    expect(statuses(order).at(-1)).toBe(ids.stuck);
  });

  it('progress resets the stuck deadline', async () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    await clock.advance(40_000);
    order.send(message('PIZZA.ASSEMBLED'));
    await clock.advance(40_000);
    order.send(message('PIZZA.BAKED'));
    await clock.advance(40_000);
    order.send(message('PIZZA.DELIVERED'));
    await clock.advance(100_000);
    expect(statuses(order)).not.toContain(ids.stuck);
  });

  it('a stuck order can still be cancelled while not baked', async () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    await clock.advance(STUCK_MS);
    order.send(message('ORDER.CANCELLED'));
    expect(statuses(order)).toEqual([ids.order_placed, ids.stuck, ids.cancelled]);
  });

  it('stuckAfterMs null (speed 0) runs no watchdog', async () => {
    const clock = new VirtualClock(0);
    const order = startHost(orderMachine, {
      clock,
      input: { orderId: ID, now: 0, statusIds: ids, stuckAfterMs: null, unknownAfterMs: null },
    });
    expect(order.timerArmed()).toBe(false);
    order.send(message('ORDER.PLACED'));
    expect(order.timerArmed()).toBe(false);
    await clock.advance(10 * STUCK_MS);
    expect(statuses(order)).toEqual([ids.order_placed]);
  });
});

describe('order machine: finished and halted orders run no timers', () => {
  const cases: [string, MessageType[], string | Record<string, string>][] = [
    ['delivered', ['ORDER.PLACED', 'PIZZA.DELIVERED'], 'delivered'],
    ['cancelled', ['ORDER.PLACED', 'ORDER.CANCELLED'], 'cancelled'],
  ];
  for (const [name, events, state] of cases) {
    it(`${name}: no deadline, no status after it however long we wait`, async () => {
      const clock = new VirtualClock(0);
      const order = newOrder(clock);
      for (const type of events) order.send(message(type));
      const before = statuses(order);
      expect(order.value()).toEqual(state);
      expect(orderNextDeadline(order.context())).toBeUndefined();
      expect(order.timerArmed()).toBe(false);
      await clock.advance(100 * STUCK_MS);
      expect(statuses(order)).toEqual(before);
      expect(order.ticks()).toBe(0);
    });
  }

  it('stuck, unknown and something wrong hold no deadline either', async () => {
    const clock = new VirtualClock(0);
    const stuck = newOrder(clock);
    stuck.send(message('ORDER.PLACED'));
    const unknown = newOrder(clock);
    unknown.send(message('PIZZA.BAKED'));
    const wrong = newOrder(clock);
    wrong.send(message('ORDER.PLACED'));
    wrong.send(message('MESSAGE.MALFORMED', { stage: 'assembled', reason: 'x' }));
    await clock.advance(STUCK_MS);
    for (const order of [stuck, unknown, wrong]) {
      expect(order.hasTag('halted')).toBe(true);
      expect(orderNextDeadline(order.context())).toBeUndefined();
    }
  });
});

describe('order machine: cancel at each stage', () => {
  it('placed → cancelled', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('ORDER.CANCELLED'));
    expect(statuses(order)).toEqual([ids.order_placed, ids.cancelled]);
    expect(order.hasTag('finished')).toBe(true);
  });

  it('assembled (in the oven, before baked) → cancelled; later stage events are recorded, the order stays cancelled', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('PIZZA.ASSEMBLED'));
    order.send(message('ORDER.CANCELLED'));
    const after = [message('PIZZA.BAKED'), message('PIZZA.PENDING'), message('PIZZA.DELIVERED')].flatMap((m) => order.send(m));

    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_assembled, ids.cancelled]);
    expect(after.map((e) => [e.type, e.reason])).toEqual([
      ['event.ignored', 'finished'],
      ['event.ignored', 'finished'],
      ['event.ignored', 'finished'],
    ]);
    expect(
      order
        .context()
        .history.slice(-3)
        .map((h) => [h.status, h.applied]),
    ).toEqual([
      [ids.pizza_baked, false],
      [ids.pending, false],
      [ids.delivered, false],
    ]);
    expect(order.value()).toBe('cancelled');
  });

  it('baked → the cancel is refused (recorded), the order goes on to delivered', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('PIZZA.ASSEMBLED'));
    order.send(message('PIZZA.BAKED'));
    const refused = order.send(message('ORDER.CANCELLED'));
    expect(refused).toEqual([expect.objectContaining({ type: 'event.ignored', reason: 'cancel-refused' })]);
    expect(order.value()).toEqual({ inProgress: 'baked' });
    order.send(message('PIZZA.DELIVERED'));
    expect(statuses(order)).toEqual([ids.order_placed, ids.pizza_assembled, ids.pizza_baked, ids.delivered]);
  });

  it('pending and delivered refuse a cancel too', () => {
    const clock = new VirtualClock(0);
    const order = newOrder(clock);
    order.send(message('ORDER.PLACED'));
    order.send(message('PIZZA.PENDING'));
    order.send(message('ORDER.CANCELLED'));
    order.send(message('PIZZA.DELIVERED'));
    order.send(message('ORDER.CANCELLED'));
    expect(statuses(order)).toEqual([ids.order_placed, ids.pending, ids.delivered]);
  });
});

describe('order machine: persist and restore', () => {
  it('a restored order emits nothing and keeps its stuck deadline: stuck at the original time', async () => {
    const clock = new VirtualClock(0);
    const before = newOrder(clock);
    before.send(message('ORDER.PLACED'));
    await clock.advance(10_000);
    before.send(message('PIZZA.ASSEMBLED'));
    const saved = before.persisted();
    before.stop();

    await clock.advance(20_000); // the process is down
    const after = startHost(orderMachine, { clock, snapshot: saved });
    expect(after.log).toEqual([]);
    expect(after.value()).toEqual({ inProgress: 'assembled' });
    expect(after.context()).toEqual(before.context());

    await clock.advance(STUCK_MS - 20_000 - 1);
    expect(statuses(after)).toEqual([]);
    await clock.advance(1);
    expect(ofType(after.log, 'status.changed')).toEqual([expect.objectContaining({ status: ids.stuck, at: 55_000 })]);
  });

  it('a deadline that passed while down fires at once on restore, once', async () => {
    const clock = new VirtualClock(0);
    const before = newOrder(clock);
    before.send(message('PIZZA.BAKED'));
    const saved = before.persisted();
    before.stop();

    await clock.advance(UNKNOWN_MS + 60_000);
    const after = startHost(orderMachine, { clock, snapshot: saved });
    await clock.advance(0);
    expect(statuses(after)).toEqual([ids.unknown]);
    expect(ofType(after.log, 'status.changed')[0]).toMatchObject({ at: UNKNOWN_MS + 60_000 });
    await clock.advance(STUCK_MS);
    expect(statuses(after)).toEqual([ids.unknown]);
  });

  it('duplicates after restore are still recognised', () => {
    const clock = new VirtualClock(0);
    const before = newOrder(clock);
    const placed = message('ORDER.PLACED');
    before.send(placed);
    const after = startHost(orderMachine, { clock, snapshot: before.persisted() });
    after.send(placed);
    expect(statuses(after)).toEqual([]);
  });
});

describe('order machine: history', () => {
  it('keeps the newest entries up to the limit', () => {
    const clock = new VirtualClock(0);
    const order = startHost(orderMachine, {
      clock,
      input: { orderId: ID, now: 0, statusIds: ids, stuckAfterMs: STUCK_MS, unknownAfterMs: UNKNOWN_MS, historyLimit: 3 },
    });
    order.send(message('ORDER.PLACED'));
    for (let i = 0; i < 5; i++) order.send(message('ORDER.PLACED', { now: i + 1 }));
    expect(order.context().history.map((h) => h.at)).toEqual([3, 4, 5]);
  });
});
