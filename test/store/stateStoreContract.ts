import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import type { StateStore } from '../../src/store/stateStore.ts';

/**
 * The behaviour every state store owes its actors, written once and run against each store
 * (the built-in SQLite one on a file and in memory, and the custom module fixture).
 * `open(clock)` returns a fresh, empty store that stamps `at` with `clock`.
 */
export function describeStateStoreContract(label: string, open: (clock: VirtualClock) => Promise<StateStore>): void {
  describe(`state store contract: ${label}`, () => {
    let clock: VirtualClock;
    let store: StateStore;

    beforeEach(async () => {
      clock = new VirtualClock(1_700_000_000_000);
      store = await open(clock);
    });
    afterEach(() => {
      store.close();
    });

    interface Order {
      customerId: string;
      status: number;
    }

    it('puts, gets, checks, counts and deletes documents', () => {
      const orders = store.collection<Order>('orders');
      expect(orders.get('1a2b3c4d')).toBeUndefined();
      expect(orders.has('1a2b3c4d')).toBe(false);

      orders.put('1a2b3c4d', { customerId: 'c1', status: 100 });
      orders.put('5e6f7a8b', { customerId: 'c2', status: 100 });
      expect(orders.get('1a2b3c4d')).toEqual({ customerId: 'c1', status: 100 });
      expect(orders.has('1a2b3c4d')).toBe(true);
      expect(orders.count()).toBe(2);

      orders.put('1a2b3c4d', { customerId: 'c1', status: 200 });
      expect(orders.get('1a2b3c4d')).toEqual({ customerId: 'c1', status: 200 });
      expect(orders.count()).toBe(2);

      expect(orders.delete('1a2b3c4d')).toBe(true);
      expect(orders.delete('1a2b3c4d')).toBe(false);
      expect(orders.get('1a2b3c4d')).toBeUndefined();
      expect(orders.count()).toBe(1);
    });

    it('round-trips documents as JSON and hands out independent copies', () => {
      const docs = store.collection<unknown>('docs');
      const doc = {
        text: 'quote " apostrophe \' backslash \\ newline \n',
        unicode: 'héllo 日本 🍕',
        numbers: [0, -1, 1.5, 2 ** 53 - 1, 1e-9],
        nested: { deep: { list: [{ a: null }, true, false, 'x'] } },
        empty: { obj: {}, arr: [], str: '' },
      };
      docs.put('object', doc);
      docs.put('string', 'just a string');
      docs.put('number', 42);
      docs.put('null', null);
      docs.put('boolean', false);
      expect(docs.get('object')).toEqual(doc);
      expect(docs.get('string')).toBe('just a string');
      expect(docs.get('number')).toBe(42);
      expect(docs.get('null')).toBeNull();
      expect(docs.has('null')).toBe(true);
      expect(docs.get('boolean')).toBe(false);

      // a document goes in as JSON: later changes to the caller's object do not leak in, nor out
      doc.nested.deep.list.push('added after put');
      const read = docs.get('object') as typeof doc;
      expect(read.nested.deep.list).toHaveLength(4);
      read.text = 'changed by a reader';
      expect((docs.get('object') as typeof doc).text).toBe('quote " apostrophe \' backslash \\ newline \n');
    });

    it('refuses documents JSON cannot hold, and stores nothing for them', () => {
      const docs = store.collection<unknown>('docs');
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      for (const bad of [undefined, () => 1, 10n, cyclic]) {
        expect(() => docs.put('bad', bad)).toThrow(expect.objectContaining({ code: 'STORE_INVALID_DOCUMENT' }));
      }
      expect(docs.has('bad')).toBe(false);
      expect(() => docs.put('bad', { ok: true }, { at: Number.NaN })).toThrow(expect.objectContaining({ code: 'STORE_INVALID_DOCUMENT' }));
      expect(() => docs.put('bad', { ok: true }, { index: 7 as unknown as string })).toThrow(
        expect.objectContaining({ code: 'STORE_INVALID_DOCUMENT' }),
      );
      expect(docs.count()).toBe(0);
    });

    it('keeps ids and index values as data, whatever characters they hold', () => {
      const docs = store.collection<number>('docs');
      const ids = ["x'); DROP TABLE docs; --", '"quoted"', '', ' ', 'héllo', 'a'.repeat(1000)];
      ids.forEach((id, n) => {
        docs.put(id, n, { index: "' OR 1=1 --" });
      });
      ids.forEach((id, n) => {
        expect(docs.get(id)).toBe(n);
      });
      expect(docs.count()).toBe(ids.length);
      expect(docs.count({ index: "' OR 1=1 --" })).toBe(ids.length);
      expect(docs.count({ index: 'anything else' })).toBe(0);
    });

    it('stamps at with the clock for a new document and keeps at and index on update unless given', async () => {
      const orders = store.collection<Order>('orders');
      const placedAt = clock.now();
      orders.put('1a2b3c4d', { customerId: 'c1', status: 100 }, { index: 'c1' });
      expect(orders.entry('1a2b3c4d')).toEqual({ id: '1a2b3c4d', doc: { customerId: 'c1', status: 100 }, at: placedAt, index: 'c1' });

      await clock.advance(60_000);
      orders.put('1a2b3c4d', { customerId: 'c1', status: 200 });
      expect(orders.entry('1a2b3c4d')).toEqual({ id: '1a2b3c4d', doc: { customerId: 'c1', status: 200 }, at: placedAt, index: 'c1' });

      orders.put('1a2b3c4d', { customerId: 'c1', status: 300 }, { at: placedAt + 5, index: null });
      expect(orders.entry('1a2b3c4d')).toEqual({ id: '1a2b3c4d', doc: { customerId: 'c1', status: 300 }, at: placedAt + 5, index: null });
      expect(orders.entry('missing')).toBeUndefined();
    });

    it("lists one index's documents newest first, with a limit, ties in insertion order", () => {
      const orders = store.collection<Order>('orders');
      orders.put('a0000001', { customerId: 'alice', status: 100 }, { index: 'alice', at: 1_000 });
      orders.put('b0000001', { customerId: 'bob', status: 100 }, { index: 'bob', at: 1_500 });
      orders.put('a0000002', { customerId: 'alice', status: 100 }, { index: 'alice', at: 3_000 });
      orders.put('a0000003', { customerId: 'alice', status: 100 }, { index: 'alice', at: 2_000 });
      orders.put('a0000004', { customerId: 'alice', status: 100 }, { index: 'alice', at: 3_000 });
      orders.put('n0000001', { customerId: '', status: 100 }, { at: 500 });

      const ids = (entries: { id: string }[]) => entries.map((e) => e.id);
      expect(ids(orders.list({ index: 'alice', newestFirst: true }))).toEqual(['a0000004', 'a0000002', 'a0000003', 'a0000001']);
      expect(ids(orders.list({ index: 'alice' }))).toEqual(['a0000001', 'a0000003', 'a0000002', 'a0000004']);
      expect(ids(orders.list({ index: 'alice', newestFirst: true, limit: 2 }))).toEqual(['a0000004', 'a0000002']);
      expect(ids(orders.list({ index: 'bob', newestFirst: true }))).toEqual(['b0000001']);
      expect(orders.list({ index: 'carol' })).toEqual([]);
      expect(ids(orders.list())).toEqual(['n0000001', 'a0000001', 'b0000001', 'a0000003', 'a0000002', 'a0000004']);
      expect(orders.count({ index: 'alice' })).toBe(4);

      // an update keeps the document's place among ties
      orders.put('a0000002', { customerId: 'alice', status: 999 });
      expect(ids(orders.list({ index: 'alice', newestFirst: true }))).toEqual(['a0000004', 'a0000002', 'a0000003', 'a0000001']);
      expect(orders.list({ index: 'alice', newestFirst: true, limit: 2 })[1]).toEqual({
        id: 'a0000002',
        doc: { customerId: 'alice', status: 999 },
        at: 3_000,
        index: 'alice',
      });
      for (const limit of [0, -1, 1.5]) {
        expect(() => orders.list({ limit })).toThrow(expect.objectContaining({ code: 'STORE_INVALID_QUERY' }));
      }
    });

    it('keeps collections apart', () => {
      store.collection<string>('orders').put('1a2b3c4d', 'an order');
      store.collection<string>('customers').put('1a2b3c4d', 'a customer');
      expect(store.collection<string>('orders').get('1a2b3c4d')).toBe('an order');
      expect(store.collection<string>('customers').get('1a2b3c4d')).toBe('a customer');
      store.collection('orders').delete('1a2b3c4d');
      expect(store.collection<string>('customers').get('1a2b3c4d')).toBe('a customer');
      // table names are case-insensitive in SQL, so collection names are too
      expect(store.collection<string>('CUSTOMERS').get('1a2b3c4d')).toBe('a customer');
    });

    it('commits a transaction and returns its result', () => {
      const orders = store.collection<Order>('orders');
      const finished = store.collection<boolean>('finished');
      const result = store.transaction(() => {
        orders.put('1a2b3c4d', { customerId: 'c1', status: 300 });
        finished.put('1a2b3c4d:bake', true);
        return 'done';
      });
      expect(result).toBe('done');
      expect(orders.get('1a2b3c4d')?.status).toBe(300);
      expect(finished.get('1a2b3c4d:bake')).toBe(true);
    });

    it('rolls a transaction back entirely when it throws, and rethrows', () => {
      const orders = store.collection<Order>('orders');
      const finished = store.collection<boolean>('finished');
      orders.put('1a2b3c4d', { customerId: 'c1', status: 200 }, { index: 'c1', at: 10 });
      orders.put('5e6f7a8b', { customerId: 'c2', status: 100 });

      const boom = new Error('oven on fire');
      expect(() =>
        store.transaction(() => {
          orders.put('1a2b3c4d', { customerId: 'c1', status: 300 }, { index: 'other', at: 20 });
          orders.delete('5e6f7a8b');
          orders.put('9c9c9c9c', { customerId: 'c3', status: 100 });
          finished.put('1a2b3c4d:bake', true);
          orders.purgeOlderThan(Number.MAX_SAFE_INTEGER);
          throw boom;
        }),
      ).toThrow(boom);

      expect(orders.entry('1a2b3c4d')).toEqual({ id: '1a2b3c4d', doc: { customerId: 'c1', status: 200 }, at: 10, index: 'c1' });
      expect(orders.has('5e6f7a8b')).toBe(true);
      expect(orders.has('9c9c9c9c')).toBe(false);
      expect(finished.has('1a2b3c4d:bake')).toBe(false);
      expect(orders.count()).toBe(2);
    });

    it('nests transactions: a caught inner failure undoes only the inner writes', () => {
      const docs = store.collection<string>('docs');
      store.transaction(() => {
        docs.put('outer', 'kept');
        expect(() =>
          store.transaction(() => {
            docs.put('inner', 'undone');
            throw new Error('inner failure');
          }),
        ).toThrow('inner failure');
        store.transaction(() => docs.put('inner-ok', 'kept too'));
      });
      expect(docs.get('outer')).toBe('kept');
      expect(docs.has('inner')).toBe(false);
      expect(docs.get('inner-ok')).toBe('kept too');

      expect(() =>
        store.transaction(() => {
          store.transaction(() => docs.put('committed-inner', 'undone by the outer'));
          throw new Error('outer failure');
        }),
      ).toThrow('outer failure');
      expect(docs.has('committed-inner')).toBe(false);
    });

    it('refuses an async transaction function and rolls back what it wrote before its first await', async () => {
      const docs = store.collection<string>('docs');
      let resume: () => void = () => {};
      const later = new Promise<void>((r) => {
        resume = r;
      });
      expect(() =>
        store.transaction(async () => {
          docs.put('sync-part', 'undone');
          await later;
        }),
      ).toThrow(expect.objectContaining({ code: 'STORE_ASYNC_TRANSACTION' }));
      resume();
      await later;
      expect(docs.has('sync-part')).toBe(false);
    });

    it('purges documents older than a cutoff and keeps the rest', async () => {
      const hour = 3_600_000;
      const now = clock.now();
      const retention = 4 * hour;
      const orders = store.collection<Order>('orders');
      const customers = store.collection<string>('customers');
      orders.put('old00001', { customerId: 'c1', status: 999 }, { at: now - 5 * hour });
      orders.put('old00002', { customerId: 'c1', status: 999 }, { at: now - retention - 1 });
      orders.put('edge0001', { customerId: 'c1', status: 999 }, { at: now - retention });
      orders.put('new00001', { customerId: 'c1', status: 100 }, { at: now - hour });
      orders.put('new00002', { customerId: 'c1', status: 100 }); // stamped now by the clock
      customers.put('old00001', 'c1', { at: now - 5 * hour });

      expect(orders.purgeOlderThan(now - retention)).toBe(2);
      expect(orders.list().map((e) => e.id)).toEqual(['edge0001', 'new00001', 'new00002']);
      expect(customers.count()).toBe(1); // each collection purges on its own
      expect(orders.purgeOlderThan(now - retention)).toBe(0);

      await clock.advance(retention + 1);
      expect(orders.purgeOlderThan(clock.now() - retention)).toBe(3);
      expect(orders.count()).toBe(0);
      expect(() => orders.purgeOlderThan(Number.NaN)).toThrow(expect.objectContaining({ code: 'STORE_INVALID_QUERY' }));
    });

    it('rejects collection names that are not plain identifiers', () => {
      const bad = [
        '',
        '1orders',
        'pizza-orders',
        'orders; DROP TABLE orders',
        'or"ders',
        "or'ders",
        'orders ',
        'ordérs',
        'sqlite_master',
        'SQLITE_x',
        'a'.repeat(65),
      ];
      for (const name of bad) {
        expect(() => store.collection(name), name).toThrow(expect.objectContaining({ code: 'STORE_INVALID_NAME' }));
      }
      for (const name of ['orders', '_private', 'Orders_2', 'a'.repeat(64)]) {
        expect(() => store.collection(name), name).not.toThrow();
      }
    });

    it('fails clearly once closed', () => {
      const orders = store.collection<Order>('orders');
      store.close();
      store.close(); // harmless
      expect(() => orders.get('1a2b3c4d')).toThrow(expect.objectContaining({ code: 'STORE_CLOSED' }));
      expect(() => orders.put('1a2b3c4d', { customerId: 'c1', status: 100 })).toThrow(expect.objectContaining({ code: 'STORE_CLOSED' }));
      expect(() => store.collection('orders')).toThrow(expect.objectContaining({ code: 'STORE_CLOSED' }));
      expect(() => store.transaction(() => 1)).toThrow(expect.objectContaining({ code: 'STORE_CLOSED' }));
    });
  });
}
