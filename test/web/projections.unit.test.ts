import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { emptyKitchen, evolveKitchen, type KitchenBoard, kitchenFromStore, summarizeStation } from '../../src/web/view/kitchenBoard.ts';
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
/** A station's work event (topic station-work), as `line('bake', 'work.started', t)` reads. */
const line = (
  station: 'assemble' | 'bake' | 'delivery',
  event: `work.${'queued' | 'started' | 'finished' | 'dropped'}`,
  t: number,
  orderId = ORDER,
  position?: { partition: number; offset: number },
): ViewEvent => ({
  type: 'WorkReported',
  orderId,
  at: t,
  station,
  work: event.slice('work.'.length) as 'queued' | 'started' | 'finished' | 'dropped',
  source: { ...at('pizza-station-work', t), actor: station, ...position },
});
/** A log line that looks like work but is only a log line. */
const logLine = (actor: string, msg: string, t: number): ViewEvent => ({
  type: 'LineLogged',
  orderId: ORDER,
  at: t,
  level: 'info',
  actor,
  msg,
  fields: { event: msg },
  source: { ...at('pizza-logs', t), actor },
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

  it('summarises a station with no log lines by inference: the oldest `capacity` in progress, the rest queued, throughput over a minute', () => {
    const others = ['00000001', '00000002', '00000003'];
    const b = run([placed(10), ...others.map((id, i) => placed(20 + i, id))]);
    const s = summarizeStation(b, 'assemble', 2, 60_000);
    expect(s.inProgress.map((p) => p.orderId)).toEqual([ORDER, '00000001']);
    expect(s.queued.map((p) => p.orderId)).toEqual(['00000002', '00000003']);
    expect(s.queueLength).toBe(2);
    expect([...s.inProgress, ...s.queued].every((p) => p.inferred && p.startedAt === null)).toBe(true);
    const later = run([stage('assembled', 30_000)], b);
    // the board alone does not know the order: fold it with its placement
    const withDone = run([placed(10), stage('assembled', 30_000)]);
    expect(summarizeStation(withDone, 'assemble', 1, 60_000).perMinute).toBe(1);
    expect(summarizeStation(withDone, 'assemble', 1, 100_000).perMinute).toBe(0);
    expect(later.stations.assemble.done).toBe(1);
  });

  describe("with the stations' log lines", () => {
    const ids4 = ['00000001', '00000002', '00000003', '00000004'];
    const names = (ps: { orderId: string }[]) => ps.map((p) => p.orderId);

    it('shows a pizza in progress only once its station reported it started, queued otherwise', () => {
      const b = run([placed(10), line('assemble', 'work.queued', 11), placed(20, ids4[0]), line('assemble', 'work.started', 21, ids4[0])]);
      const s = summarizeStation(b, 'assemble', 2, 100);
      // capacity is free, but the station said the older one waits
      expect(names(s.inProgress)).toEqual([ids4[0]]);
      expect(names(s.queued)).toEqual([ORDER]);
      expect(s.queueLength).toBe(1);
      expect(s.inProgress[0]).toEqual({ orderId: ids4[0], since: 20, startedAt: 21, inferred: false });
      expect(s.queued[0]).toEqual({ orderId: ORDER, since: 10, startedAt: null, inferred: false });
      const all = run([placed(10), line('assemble', 'work.queued', 11), line('assemble', 'work.started', 30)]);
      expect(names(summarizeStation(all, 'assemble', 2, 100).inProgress)).toEqual([ORDER]);
    });

    it("counts every pizza a station reported as started, beyond one instance's capacity (several instances)", () => {
      const b = run(
        ids4.flatMap((id, i) => [placed(10 + i, id), line('bake', 'work.started', 20 + i, id), stage('assembled', 15 + i, id)]),
      );
      const s = summarizeStation(b, 'bake', 1, 100);
      expect(names(s.inProgress)).toEqual(ids4);
      expect(s.queueLength).toBe(0);
    });

    it('follows a station that works out of order: the newest pizza in progress, the older ones waiting', () => {
      const b = run([
        ...ids4.map((id, i) => placed(10 + i, id)),
        ...ids4.slice(0, 3).map((id, i) => line('assemble', 'work.queued', 20 + i, id)),
        line('assemble', 'work.started', 30, ids4[3]),
      ]);
      const s = summarizeStation(b, 'assemble', 2, 100);
      expect(names(s.inProgress)).toEqual([ids4[3]]);
      expect(names(s.queued)).toEqual(ids4.slice(0, 3));
    });

    it('puts dropped work back to waiting, and in progress again when a member starts it', () => {
      const events = [placed(10), line('assemble', 'work.started', 11), line('assemble', 'work.dropped', 12)];
      expect(summarizeStation(run(events), 'assemble', 2, 100)).toMatchObject({ inProgress: [], queueLength: 1 });
      const again = run([...events, line('assemble', 'work.started', 13)]);
      expect(summarizeStation(again, 'assemble', 2, 100).inProgress).toEqual([
        { orderId: ORDER, since: 10, startedAt: 13, inferred: false },
      ]);
    });

    it('keeps the latest line: an older line arriving late (or again) does not undo a later one', () => {
      const late = run([
        placed(10),
        line('assemble', 'work.started', 12, ORDER, { partition: 0, offset: 7 }),
        line('assemble', 'work.queued', 11, ORDER, { partition: 0, offset: 5 }),
      ]);
      expect(names(summarizeStation(late, 'assemble', 1, 100).inProgress)).toEqual([ORDER]);
      const redelivered = run([
        placed(10),
        line('assemble', 'work.started', 12, ORDER, { partition: 0, offset: 7 }),
        line('assemble', 'work.queued', 12, ORDER, { partition: 0, offset: 6 }),
      ]);
      expect(names(summarizeStation(redelivered, 'assemble', 1, 100).inProgress)).toEqual([ORDER]);
    });

    it('uses a work event that came before the message sending the pizza to the station, and only for that station', () => {
      // bake's line crosses pizza-assembled on the way (different topics)
      const b = run([placed(10), line('bake', 'work.started', 21), line('assemble', 'work.started', 11)]);
      expect(summarizeStation(b, 'assemble', 1, 100).inProgress[0]).toMatchObject({ orderId: ORDER, startedAt: 11, inferred: false });
      expect(b.stations.bake.work).toEqual({});
      const baking = run([placed(10), line('bake', 'work.started', 21), line('assemble', 'work.started', 11), stage('assembled', 20)]);
      expect(summarizeStation(baking, 'bake', 1, 100).inProgress[0]).toMatchObject({ orderId: ORDER, startedAt: 21, inferred: false });
      // it left assemble: nothing about it stays there
      expect(baking.stations.assemble.work).toEqual({});
      expect(baking.stations.assemble.inside).toEqual({});
      const gone = run([
        placed(10),
        line('bake', 'work.started', 21),
        stage('assembled', 20),
        line('bake', 'work.finished', 29),
        stage('baked', 30),
      ]);
      expect(gone.stations.bake.inside).toEqual({});
      expect(gone.stations.bake.work).toEqual({});
    });

    it('ignores log lines (a log line is not an API) and work of another station', () => {
      for (const other of [
        logLine('assemble', 'work.started', 11),
        logLine('status', 'work.started', 11),
        line('bake', 'work.started', 11),
      ]) {
        const b = run([placed(10), other]);
        expect(b.stations.assemble.work).toEqual({});
        expect(summarizeStation(b, 'assemble', 1, 100).inProgress[0]).toMatchObject({ orderId: ORDER, inferred: true });
      }
      const before = fold([placed(10)]);
      const board = run([placed(10)]);
      expect(evolveKitchen(board, before, evolveOrder(before, logLine('assemble', 'input ignored', 11)), ids)).toBe(board);
    });

    it('infers only for pizzas the station reported nothing about, in the capacity the known ones leave free', () => {
      const b = run([
        ...ids4.map((id, i) => placed(10 + i, id)),
        line('assemble', 'work.started', 30, ids4[3]),
        line('assemble', 'work.queued', 31, ids4[0]),
      ]);
      const s = summarizeStation(b, 'assemble', 2, 100);
      // 00000004 known working; one slot left for the oldest unknown (00000002); 00000001 known waiting
      expect(names(s.inProgress)).toEqual([ids4[1], ids4[3]]);
      expect(s.inProgress.map((p) => p.inferred)).toEqual([true, false]);
      expect(names(s.queued)).toEqual([ids4[0], ids4[2]]);
      expect(s.queued.map((p) => p.inferred)).toEqual([false, true]);
    });

    it('reads a board stored before the log lines were kept', () => {
      const old = { stations: { assemble: { inside: { [ORDER]: 10 }, doneAt: [], done: 2 } } } as unknown as KitchenBoard;
      const b = kitchenFromStore(old);
      expect(b.stations.assemble).toEqual({ inside: { [ORDER]: 10 }, work: {}, doneAt: [], done: 2 });
      expect(b.stations.bake.work).toEqual({});
      expect(summarizeStation(b, 'assemble', 1, 100).inProgress[0]).toMatchObject({ orderId: ORDER, inferred: true });
      const current = emptyKitchen();
      expect(kitchenFromStore(current)).toBe(current);
    });
  });
});
