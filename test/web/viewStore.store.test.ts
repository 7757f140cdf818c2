import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { SqliteStateStore } from '../../src/store/sqliteStateStore.ts';
import { emptyKitchen } from '../../src/web/view/kitchenBoard.ts';
import { emptyOrder, type OrderView } from '../../src/web/view/orderView.ts';
import { createViewStore } from '../../src/web/view/viewStore.ts';

const CUSTOMER = 'ab'.repeat(16);
const order = (id: string, placedAt: number, status: number, customerId: string | null = CUSTOMER): OrderView => ({
  ...emptyOrder(id),
  customerId,
  placedAt,
  status,
  updatedAt: placedAt,
});

describe('createViewStore over a SQLite state store', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('keeps orders, the kitchen board and its view id across reopening the file', () => {
    dir = mkdtempSync(join(tmpdir(), 'pizza-web-view-'));
    const path = join(dir, 'web.db');
    const clock = new VirtualClock(0);
    const first = createViewStore(new SqliteStateStore({ path, clock }));
    expect(first.durable).toBe(true);
    first.putOrder(order('00000001', 10, 100));
    const board = emptyKitchen();
    board.stations.bake.inside['00000001'] = 10;
    first.putKitchen(board);
    const viewId = first.viewId;
    first.close();

    const again = createViewStore(new SqliteStateStore({ path, clock }));
    expect(again.viewId).toBe(viewId);
    expect(again.getOrder('00000001')?.status).toBe(100);
    expect(again.getKitchen().stations.bake.inside).toEqual({ '00000001': 10 });
    expect(again.countByStatus().get(100)).toBe(1);
    again.close();
  });

  it('lists one customer’s orders newest first and counts orders by status', () => {
    const store = createViewStore(new SqliteStateStore({ path: ':memory:', clock: new VirtualClock(0) }));
    expect(store.durable).toBe(false);
    store.putOrder(order('0000000a', 10, 100));
    store.putOrder(order('0000000b', 30, 200));
    store.putOrder(order('0000000c', 20, 999));
    store.putOrder(order('0000000d', 40, 100, 'cd'.repeat(16)));
    store.putOrder(order('0000000b', 30, 300));
    expect(store.ordersOf(CUSTOMER).map((o) => o.orderId)).toEqual(['0000000b', '0000000c', '0000000a']);
    expect(Object.fromEntries(store.countByStatus())).toEqual({ 100: 2, 300: 1, 999: 1 });
  });

  it('deletes orders placed before the retention cutoff', () => {
    const store = createViewStore(new SqliteStateStore({ path: ':memory:', clock: new VirtualClock(0) }));
    store.putOrder(order('0000000a', 10, 100));
    store.putOrder(order('0000000b', 50, 100));
    expect(store.purgeOlderThan(20)).toBe(1);
    expect(store.getOrder('0000000a')).toBeUndefined();
    expect(store.countByStatus().get(100)).toBe(1);
  });

  it('gives a new in-memory store a new view id (a new consumer group that reads the log from the start)', () => {
    const a = createViewStore(new SqliteStateStore({ path: ':memory:', clock: new VirtualClock(0) }));
    const b = createViewStore(new SqliteStateStore({ path: ':memory:', clock: new VirtualClock(0) }));
    expect(a.viewId).not.toBe(b.viewId);
  });
});
