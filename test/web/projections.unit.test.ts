import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { emptyKitchen, evolveKitchen, type KitchenBoard, summarizeStation } from '../../src/web/view/kitchenBoard.ts';
import { cancelRefusal, evolveOrder, MAX_LOG_LINES, type OrderView } from '../../src/web/view/orderView.ts';
import type { LogPosition, ViewEvent } from '../../src/web/view/viewEvent.ts';

const ids = loadConfig().status.ids;
const ORDER = '1a2b3c4d';
const CUSTOMER = 'ab'.repeat(16);
let offset = 0;
const at = (topic: string, timestamp: number, partition = 0): LogPosition => ({
  topic,
  partition,
  offset: offset++,
  timestamp,
  actor: 'x',
});

const placed = (t = 1_000, orderId = ORDER): ViewEvent => ({
  type: 'OrderPlaced',
  orderId,
  at: t,
  status: ids.order_placed,
  order: { extra_toppings: ['Olives'], username: 'ada', customer_id: CUSTOMER, sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham' },
  source: at('pizza-ordered', t),
});
const status = (code: number, t: number, orderId = ORDER): ViewEvent => ({
  type: 'StatusChanged',
  orderId,
  at: t,
  status: code,
  source: at('pizza-status', t),
});
const stage = (s: 'assembled' | 'baked' | 'delivered' | 'pending' | 'cancelled', t: number, orderId = ORDER): ViewEvent => ({
  type: 'StageReached',
  orderId,
  at: t,
  status: 0,
  stage: s,
  source: at(`pizza-${s}`, t),
});
const fold = (events: ViewEvent[], start?: OrderView) =>
  events.reduce<OrderView | undefined>((v, e) => evolveOrder(v, e), start) as OrderView;

describe('evolveOrder', () => {
  it('records a placed order with status 100 and the pizza', () => {
    const v = fold([placed()]);
    expect(v).toMatchObject({ orderId: ORDER, customerId: CUSTOMER, username: 'ada', status: ids.order_placed, placedAt: 1_000 });
    expect(v.pizza).toEqual({ sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: ['Olives'] });
    expect(v.history.map((h) => h.status)).toEqual([100]);
  });

  it('follows pizza-status and keeps a history of distinct statuses', () => {
    const v = fold([placed(), status(100, 1_001), status(200, 2_000), status(300, 3_000), status(300, 3_001), status(999, 4_000)]);
    expect(v.status).toBe(999);
    expect(v.history.map((h) => h.status)).toEqual([100, 200, 300, 999]);
  });

  it('does not let a late pizza-ordered move the status back (events of one order cross topics)', () => {
    const v = fold([status(200, 2_000), placed(1_000)]);
    expect(v.status).toBe(200);
    expect(v.customerId).toBe(CUSTOMER);
    expect(v.history.map((h) => h.status)).toEqual([200]);
  });

  it('keeps an order nobody owns until its pizza-ordered arrives', () => {
    expect(fold([status(200, 2_000)]).customerId).toBeNull();
  });

  it('returns the same view for a redelivered message', () => {
    const first = placed();
    const v = fold([first, status(200, 2_000)]);
    expect(evolveOrder(v, first)).toBe(v);
  });

  it('orders the timeline by time and keeps the latest log lines', () => {
    const v = fold([stage('assembled', 2_000), placed(1_000)]);
    expect(v.timeline.map((t) => t.what)).toEqual(['ordered', 'assembled']);
    let w = v;
    for (let i = 0; i < MAX_LOG_LINES + 5; i++) {
      w = evolveOrder(w, {
        type: 'LineLogged',
        orderId: ORDER,
        at: 5_000 + i,
        level: 'info',
        actor: 'bake',
        msg: `line ${i}`,
        fields: {},
        source: at('pizza-logs', 5_000 + i),
      });
    }
    expect(w.logs).toHaveLength(MAX_LOG_LINES);
    expect(w.logs.at(-1)?.msg).toBe(`line ${MAX_LOG_LINES + 4}`);
  });

  it('allows cancelling until baked, and never a finished order', () => {
    expect(cancelRefusal(fold([placed()]), ids)).toBeUndefined();
    expect(cancelRefusal(fold([placed(), status(200, 2)]), ids)).toBeUndefined();
    expect(cancelRefusal(fold([placed(), status(300, 3)]), ids)).toMatch(/baked/);
    // the stage topic may come before the status actor's event
    expect(cancelRefusal(fold([placed(), stage('baked', 3)]), ids)).toMatch(/baked/);
    expect(cancelRefusal(fold([placed(), status(999, 4)]), ids)).toMatch(/finished/);
    expect(cancelRefusal(fold([placed(), status(499, 4)]), ids)).toMatch(/already cancelled/);
    // stuck after baked: still baked
    expect(cancelRefusal(fold([placed(), status(300, 3), status(50, 4)]), ids)).toMatch(/baked/);
  });

  it('records when a cancellation was requested', () => {
    expect(fold([placed(), stage('cancelled', 5)]).cancelRequestedAt).toBe(5);
  });
});

describe('evolveKitchen', () => {
  const run = (events: ViewEvent[], board: KitchenBoard = emptyKitchen()) => {
    let b = board;
    const views = new Map<string, OrderView>();
    for (const e of events) {
      const before = views.get(e.orderId);
      const after = evolveOrder(before, e);
      views.set(e.orderId, after);
      b = evolveKitchen(b, before, after, ids);
    }
    return b;
  };
  const inside = (b: KitchenBoard) => Object.fromEntries(Object.entries(b.stations).map(([k, s]) => [k, Object.keys(s.inside)]));

  it('moves a pizza through the stations and counts what each finished', () => {
    expect(inside(run([placed()]))).toEqual({ assemble: [ORDER], bake: [], delivery: [] });
    expect(inside(run([placed(), stage('assembled', 2)]))).toEqual({ assemble: [], bake: [ORDER], delivery: [] });
    const done = run([placed(), stage('assembled', 2), stage('baked', 3), stage('delivered', 4)]);
    expect(inside(done)).toEqual({ assemble: [], bake: [], delivery: [] });
    expect([done.stations.assemble.done, done.stations.bake.done, done.stations.delivery.done]).toEqual([1, 1, 1]);
  });

  it('gives the same board whatever order the topics arrive in', () => {
    const a = run([placed(), stage('assembled', 2), stage('baked', 3)]);
    const b = run([stage('baked', 3), placed(), stage('assembled', 2)]);
    expect(inside(b)).toEqual(inside(a));
    expect(b.stations.assemble.done).toBe(1);
    expect(b.stations.bake.done).toBe(1);
  });

  it('takes a cancelled pizza out of the kitchen without counting it done', () => {
    const b = run([placed(), stage('cancelled', 2)]);
    expect(inside(b)).toEqual({ assemble: [], bake: [], delivery: [] });
    expect(b.stations.assemble.done).toBe(0);
  });

  it('keeps a pending pizza at delivery (baked before delivery saw the order)', () => {
    expect(inside(run([placed(), stage('assembled', 2), stage('baked', 3), stage('pending', 4)])).delivery).toEqual([ORDER]);
  });

  it('summarises a station: the oldest `capacity` in progress, the rest queued, throughput over a minute', () => {
    const others = ['00000001', '00000002', '00000003'];
    const b = run([placed(10), ...others.map((id, i) => placed(20 + i, id))]);
    const s = summarizeStation(b, 'assemble', 2, 60_000);
    expect(s.inProgress.map((p) => p.orderId)).toEqual([ORDER, '00000001']);
    expect(s.queued.map((p) => p.orderId)).toEqual(['00000002', '00000003']);
    expect(s.queueLength).toBe(2);
    const later = run([stage('assembled', 30_000)], b);
    // the board alone does not know the order: fold it with its placement
    const withDone = run([placed(10), stage('assembled', 30_000)]);
    expect(summarizeStation(withDone, 'assemble', 1, 60_000).perMinute).toBe(1);
    expect(summarizeStation(withDone, 'assemble', 1, 100_000).perMinute).toBe(0);
    expect(later.stations.assemble.done).toBe(1);
  });
});
