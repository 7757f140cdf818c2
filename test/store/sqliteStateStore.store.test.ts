import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { runtime } from '../../src/store/sqlite.ts';
import { SqliteStateStore } from '../../src/store/sqliteStateStore.ts';
import { describeStateStoreContract } from './stateStoreContract.ts';

const dir = mkdtempSync(join(tmpdir(), 'pizza-state-store-'));
let files = 0;
const freshFile = () => join(dir, `store-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStateStoreContract(`SQLite file (${runtime})`, async (clock) => new SqliteStateStore({ path: freshFile(), clock }));
describeStateStoreContract(`SQLite :memory: (${runtime})`, async (clock) => new SqliteStateStore({ path: ':memory:', clock }));

describe(`SqliteStateStore on a real file (${runtime})`, () => {
  it('keeps documents, timestamps, indexes and order across close and reopen', () => {
    const path = freshFile();
    const first = new SqliteStateStore({ path, clock: new VirtualClock(5_000) });
    const orders = first.collection<{ status: number }>('orders');
    orders.put('a0000001', { status: 100 }, { index: 'alice', at: 1_000 });
    orders.put('a0000002', { status: 300 }, { index: 'alice', at: 2_000 });
    orders.put('b0000001', { status: 999 }, { index: 'bob' });
    first.collection<string>('customers').put('a0000001', 'alice');
    first.close();

    const second = new SqliteStateStore({ path, clock: new VirtualClock(9_000) });
    const reopened = second.collection<{ status: number }>('orders');
    expect(reopened.list({ index: 'alice', newestFirst: true })).toEqual([
      { id: 'a0000002', doc: { status: 300 }, at: 2_000, index: 'alice' },
      { id: 'a0000001', doc: { status: 100 }, at: 1_000, index: 'alice' },
    ]);
    expect(reopened.entry('b0000001')).toEqual({ id: 'b0000001', doc: { status: 999 }, at: 5_000, index: 'bob' });
    expect(second.collection<string>('customers').get('a0000001')).toBe('alice');
    second.close();
  });

  it('leaves nothing of a rolled-back transaction in the file', () => {
    const path = freshFile();
    const first = new SqliteStateStore({ path });
    const docs = first.collection<string>('docs');
    docs.put('kept', 'before');
    expect(() =>
      first.transaction(() => {
        docs.put('kept', 'overwritten');
        docs.put('new', 'half-written');
        throw new Error('crash mid-way');
      }),
    ).toThrow('crash mid-way');
    first.close();

    const second = new SqliteStateStore({ path });
    const reopened = second.collection<string>('docs');
    expect(reopened.list().map((e) => [e.id, e.doc])).toEqual([['kept', 'before']]);
    second.close();
  });

  it('runs in WAL mode', () => {
    const path = freshFile();
    const store = new SqliteStateStore({ path });
    store.collection<number>('docs').put('one', 1);
    expect(store.db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
    store.close();
  });

  it('lets a second store on the same file read what the first committed (WAL readers)', () => {
    const path = freshFile();
    const writer = new SqliteStateStore({ path });
    const reader = new SqliteStateStore({ path });
    writer.collection<string>('orders').put('1a2b3c4d', 'placed');
    expect(reader.collection<string>('orders').get('1a2b3c4d')).toBe('placed');
    writer.collection<string>('orders').put('1a2b3c4d', 'baked');
    expect(reader.collection<string>('orders').get('1a2b3c4d')).toBe('baked');
    writer.close();
    reader.close();
  });

  it('names one table after each collection, with the documents as JSON text', () => {
    const store = new SqliteStateStore({ path: freshFile() });
    store.collection<{ status: number }>('orders').put('1a2b3c4d', { status: 100 }, { index: 'c1', at: 42 });
    store.collection('customers');
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string }>();
    expect(tables.map((t) => t.name)).toEqual(['customers', 'orders']);
    expect(store.db.prepare('SELECT id, doc, at, idx FROM orders').all()).toEqual([
      { id: '1a2b3c4d', doc: '{"status":100}', at: 42, idx: 'c1' },
    ]);
    store.close();
  });

  it('can use a collection whose table was first created inside a transaction that rolled back', () => {
    const store = new SqliteStateStore({ path: freshFile() });
    expect(() =>
      store.transaction(() => {
        store.collection<string>('wip').put('x', 'undone');
        throw new Error('rolled back, and the new table with it');
      }),
    ).toThrow('rolled back');
    const wip = store.collection<string>('wip');
    expect(wip.has('x')).toBe(false);
    wip.put('y', 'kept');
    expect(wip.get('y')).toBe('kept');

    store.transaction(() => {
      expect(() =>
        store.transaction(() => {
          store.collection<string>('inner_only').put('z', 'undone');
          throw new Error('inner');
        }),
      ).toThrow('inner');
    });
    expect(store.collection<string>('inner_only').count()).toBe(0);
    store.close();
  });
});
