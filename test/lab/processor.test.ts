import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { hoppingWindow } from '../../src/lab/hoppingWindow.ts';
import type { Promotion, WindowResult } from '../../src/lab/labMessages.ts';
import { type ProductRow, processorSpec } from '../../src/lab/processorSpec.ts';
import { createLogger } from '../../src/log/logger.ts';
import { type ActorHost, changelogTopic, createActorHost } from '../../src/runtime/host/createActorHost.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { readAll } from '../runtime/fixtures/counterActor.ts';
import { type Outage, outageTransport } from '../support/outageTransport.ts';
import { waitFor } from '../support/waitFor.ts';
import { ADVANCE, GRACE, type Input, inv, MIN, reference, SIZE, sorted, strip, T0 } from './fixtures/labReference.ts';

/**
 * The lab's three queries (src/lab/processorSpec.ts) on the actor host, on the embedded log in
 * virtual time. Every expectation is computed here, independently of the processor: a brute-force
 * model that scans every window start near a transaction and applies the SQL's definitions.
 */

const PARTITIONS = 6;

const topics = {
  transactions: 'lab-transactions',
  inventory: 'lab-inventory',
  productTxnPerHour: 'lab-windows',
  promotions: 'lab-promotions',
};
const groupId = 'lab-processor';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world() {
  const clock = new VirtualClock(T0);
  const log = createEmbeddedLog({ clock });
  await log.ensureTopics([
    ...Object.values(topics).map((topic) => ({ topic, partitions: PARTITIONS, replicationFactor: 1 })),
    { topic: 'lab-dlq', partitions: 1, replicationFactor: 1 },
    { topic: changelogTopic(groupId), partitions: PARTITIONS, replicationFactor: 1, cleanupPolicy: 'compact' as const },
  ]);
  const hosts: ActorHost[] = [];
  const windows = hoppingWindow({ sizeMs: SIZE, advanceMs: ADVANCE, graceMs: GRACE });
  const w = {
    log,
    clock,
    host(transport: Transport = log) {
      const h = createActorHost(processorSpec({ groupId, topics, windows }), {
        transport,
        clock,
        logger: createLogger({ actor: 'processor', clock, format: 'silent' }),
        deadLetterTopic: 'lab-dlq',
        partitions: PARTITIONS,
      });
      hosts.push(h);
      return h;
    },
    async send(inputs: Input[]) {
      const producer = log.producer();
      // one message at a time: the processing order is the order given (the reference's order)
      for (const input of inputs) {
        if ('txn' in input) {
          await producer.send(topics.transactions, [
            { key: input.txn, value: JSON.stringify({ cust_id: 'c1', prod_id: input.txn, txn_ts: input.ts }), timestamp: input.ts },
          ]);
        } else {
          const deleted = 'deleted' in input.inv;
          await producer.send(topics.inventory, [
            { key: input.inv.product_id, value: deleted ? new Uint8Array(0) : JSON.stringify(input.inv) },
          ]);
        }
        await log.capabilities.whenIdle();
        await Promise.all(hosts.map((h) => h.idle()));
      }
    },
    async settle() {
      for (let round = 0; round < 3; round++) {
        await log.capabilities.whenIdle();
        await Promise.all(hosts.map((h) => h.idle()));
      }
    },
    async updates(): Promise<WindowResult[]> {
      return (await readAll(log, topics.productTxnPerHour)).map((m) => JSON.parse(new TextDecoder().decode(m.value)) as WindowResult);
    },
    async promotions(): Promise<Promotion[]> {
      return (await readAll(log, topics.promotions)).map((m) => JSON.parse(new TextDecoder().decode(m.value)) as Promotion);
    },
  };
  cleanups.push(async () => {
    for (const h of hosts) await h.stop().catch(() => undefined);
    await log.close();
  });
  return w;
}

const rowOf = (h: ActorHost, product: string) => h.rows([product]).get(product) as ProductRow | null;

describe('the lab processor: INVENTORY, PRODUCT_TXN_PER_HOUR, PROMOTIONS', () => {
  it('a transaction exactly at a window boundary falls in the 12 windows starting at or before it, not the one ending there', async () => {
    const w = await world();
    const h = w.host();
    await h.start();
    await w.send([{ txn: 'Pesto', ts: T0 }]);
    const updates = await w.updates();
    expect(updates).toHaveLength(12);
    const starts = updates.map((u) => u.window_start).sort((a, b) => a - b);
    expect(starts[0]).toBe(T0 - SIZE + ADVANCE); // 09:05
    expect(starts.at(-1)).toBe(T0); // 10:00, inclusive start
    expect(starts).not.toContain(T0 - SIZE); // [09:00, 10:00) excludes 10:00
    expect(updates.every((u) => u.txn_per_hour === 1 && u.window_end - u.window_start === SIZE)).toBe(true);
    // one minute before the boundary: the 09:00 window takes it, the 10:00 one does not
    await w.send([{ txn: 'BBQ', ts: T0 - 1 }]);
    const bbq = (await w.updates()).filter((u) => u.prod_id === 'BBQ').map((u) => u.window_start);
    expect(bbq).toContain(T0 - SIZE);
    expect(bbq).not.toContain(T0);
  });

  it('the left join: a product missing from INVENTORY counts with nulls and is never promoted; one in it with high stock and few sales is, in each of its 12 windows', async () => {
    const w = await world();
    await w.host().start();
    const inputs: Input[] = [{ inv: inv('Ham', 90, 100, 10) }, { txn: 'Ham', ts: T0 + 7 * MIN }, { txn: 'Mushrooms', ts: T0 + 7 * MIN }];
    await w.send(inputs);
    const updates = await w.updates();
    const mushrooms = updates.filter((u) => u.prod_id === 'Mushrooms');
    expect(mushrooms).toHaveLength(12);
    expect(mushrooms.every((u) => u.name === null && u.expected_txn_per_hour === null && u.stock_level === null)).toBe(true);
    const promotions = await w.promotions();
    expect(promotions.map((p) => p.prod_id)).toEqual(Array(12).fill('Ham'));
    expect(promotions[0]).toMatchObject({ name: 'The Ham', txn_per_hour: 1, expected_txn_per_hour: 10, stock_level: 90, discount: 10 });
    expect(promotions.map((p) => p.promotion_time).sort()[0]).toBe('2026-11-30 09:10:00');
    const ref = reference(inputs);
    expect(sorted(updates)).toEqual(sorted(ref.updates));
    expect(sorted(promotions.map(strip))).toEqual(sorted(ref.promotions));
  });

  it('an inventory update mid-window: later transactions join the new row; windows holding both take the MAX of each', async () => {
    const w = await world();
    await w.host().start();
    const inputs: Input[] = [
      { inv: inv('Chicken', 85, 100, 1) },
      { txn: 'Chicken', ts: T0 + 2 * MIN }, // 1 < 1 is false: no promotion
      { inv: inv('Chicken', 95, 100, 5) },
      { txn: 'Chicken', ts: T0 + 12 * MIN },
      { inv: inv('Chicken', 50, 100, 2) }, // lower: windows keep the MAX of what they joined
      { txn: 'Chicken', ts: T0 + 14 * MIN },
    ];
    await w.send(inputs);
    const updates = await w.updates();
    const ref = reference(inputs);
    expect(sorted(updates)).toEqual(sorted(ref.updates));
    const shared = updates.filter((u) => u.window_start === T0 && u.txn_per_hour >= 2);
    expect(shared).toEqual([
      expect.objectContaining({ txn_per_hour: 2, expected_txn_per_hour: 5, stock_level: 95 }),
      expect.objectContaining({ txn_per_hour: 3, expected_txn_per_hour: 5, stock_level: 95 }),
    ]);
    const promotions = await w.promotions();
    // the first transaction's windows alone never qualify (1 < 1); every window of the second and the
    // third does (expected 5, stock 95 by MAX, though the third joined txn_hour 2 and 50 available)
    expect(promotions).toHaveLength(24);
    expect(promotions.every((p) => p.stock_level === 95 && p.expected_txn_per_hour === 5)).toBe(true);
    expect(sorted(promotions.map(strip))).toEqual(sorted(ref.promotions));
  });

  it('late within the grace period is counted (in the windows still open); later than that is dropped and counted', async () => {
    const w = await world();
    const h = w.host();
    await h.start();
    const inputs: Input[] = [
      { inv: inv('Tomato', 90, 100, 100) },
      { txn: 'Tomato', ts: T0 + 120 * MIN }, // 12:00
      { txn: 'Tomato', ts: T0 + 150 * MIN }, // 12:30: stream time
      { txn: 'Tomato', ts: T0 + 140 * MIN }, // 12:20, late: all its windows end >= 12:25, +10 min grace > 12:30
      { txn: 'Tomato', ts: T0 + 240 * MIN }, // 14:00: stream time
      { txn: 'Tomato', ts: T0 + 175 * MIN }, // 12:55, late: only [12:55, 13:55) is open (13:55 + 10 > 14:00)
      { txn: 'Tomato', ts: T0 + 160 * MIN }, // 12:40: its last window ends 13:40, + 10 = 13:50 <= 14:00: too late
    ];
    await w.send(inputs);
    const updates = await w.updates();
    const ref = reference(inputs);
    expect(sorted(updates)).toEqual(sorted(ref.updates));
    expect(updates.filter((u) => u.txn_per_hour > 0)).toHaveLength(12 + 12 + 12 + 12 + 1);
    const row = rowOf(h, 'Tomato');
    expect(row).toMatchObject({ late: 2, tooLate: 1, streamTime: T0 + 240 * MIN });
    expect(ref.late.get('Tomato')).toBe(2);
    expect(ref.tooLate.get('Tomato')).toBe(1);
    // closed windows are forgotten: only windows still open at 14:00 stay in the row
    expect(
      Object.keys(row?.windows ?? {})
        .map(Number)
        .every((start) => start + SIZE + GRACE > T0 + 240 * MIN),
    ).toBe(true);
  });

  it('a window closes exactly when stream time reaches its end plus the grace period', async () => {
    const w = await world();
    const h = w.host();
    await h.start();
    const inputs: Input[] = [
      { txn: 'Pesto', ts: T0 + 70 * MIN - 1 }, // stream time 11:09:59.999: [10:00, 11:00) still open (closes at 11:10)
      { txn: 'Pesto', ts: T0 + 4 * MIN }, // late: only [10:00, 11:00) of its windows is open
      { txn: 'Pesto', ts: T0 + 70 * MIN }, // stream time 11:10:00: [10:00, 11:00) closes
      { txn: 'Pesto', ts: T0 + 4 * MIN }, // too late: its last window closed at exactly this stream time
    ];
    await w.send(inputs);
    const ref = reference(inputs);
    const updates = await w.updates();
    expect(sorted(updates)).toEqual(sorted(ref.updates));
    expect(updates.filter((u) => u.window_start === T0).map((u) => u.txn_per_hour)).toEqual([1]);
    expect(rowOf(h, 'Pesto')).toMatchObject({ late: 1, tooLate: 1 });
  });

  it('a restart mid-window restores the committed windows and table from the changelog; nothing is counted twice', async () => {
    const w = await world();
    const first = w.host();
    await first.start();
    const before: Input[] = [
      { inv: inv('Pepperoni', 90, 100, 10) },
      { txn: 'Pepperoni', ts: T0 + MIN },
      { txn: 'Pepperoni', ts: T0 + 6 * MIN },
    ];
    await w.send(before);
    await first.stop();
    const second = w.host();
    await second.start();
    await w.settle();
    const restored = rowOf(second, 'Pepperoni');
    expect(restored?.inventory?.txn_hour).toBe(10);
    expect(restored?.windows[String(T0)]?.count).toBe(2);
    const after: Input[] = [{ txn: 'Pepperoni', ts: T0 + 8 * MIN }];
    await w.send(after);
    const updates = await w.updates();
    const ref = reference([...before, ...after]);
    expect(sorted(updates)).toEqual(sorted(ref.updates));
    expect(updates.filter((u) => u.window_start === T0).map((u) => u.txn_per_hour)).toEqual([1, 2, 3]);
    expect(sorted((await w.promotions()).map(strip))).toEqual(sorted(ref.promotions));
  });

  it('a malformed transaction or inventory row goes to the dead-letter topic with the reason; the processor goes on', async () => {
    const w = await world();
    const h = w.host();
    await h.start();
    await w.log.producer().send(topics.transactions, [{ key: 'Ham', value: '{"cust_id":"c1"}' }]);
    await w.log.producer().send(topics.inventory, [{ key: 'Ham', value: '{"product_id":"Ham","name":"Ham","capacity":0}' }]);
    await w.settle();
    await w.send([{ txn: 'Ham', ts: T0 }]);
    // the two topics are read independently: compare in a fixed order
    const dead = (await readAll(w.log, 'lab-dlq')).map((m) => ({
      value: new TextDecoder().decode(m.value),
      reason: String(m.headers['dlq.reason']),
    }));
    dead.sort((a, b) => a.value.localeCompare(b.value));
    expect(dead).toEqual([
      { value: '{"cust_id":"c1"}', reason: expect.stringContaining("'prod_id'") },
      { value: '{"product_id":"Ham","name":"Ham","capacity":0}', reason: expect.stringContaining("'list_price'") },
    ]);
    expect(await w.updates()).toHaveLength(12);
  });

  it('a crash mid-window (a commit that fails) shows nothing of its batch; the next instance restores the committed windows and counts the batch once', async () => {
    const w = await world();
    const outage: Outage = {};
    const first = w.host(outageTransport(w.log, outage));
    let crashed: Error | undefined;
    void first.crashed.then((e) => {
      crashed = e;
    });
    await first.start();
    const before: Input[] = [{ inv: inv('Mozzarella', 90, 100, 10) }, { txn: 'Mozzarella', ts: T0 + MIN }];
    await w.send(before);
    outage.commits = true;
    const lost: Input[] = [{ txn: 'Mozzarella', ts: T0 + 2 * MIN }];
    await w.send(lost);
    await waitFor(() => crashed !== undefined, { timeoutMs: 5_000, message: 'the processor did not crash on the failed commit' });
    expect((await w.updates()).filter((u) => u.window_start === T0).map((u) => u.txn_per_hour)).toEqual([1]);
    await first.stop().catch(() => undefined);
    const second = w.host();
    await second.start();
    await w.settle();
    const updates = await w.updates();
    const ref = reference([...before, ...lost]);
    expect(sorted(updates)).toEqual(sorted(ref.updates));
    expect(updates.filter((u) => u.window_start === T0).map((u) => u.txn_per_hour)).toEqual([1, 2]);
    expect(rowOf(second, 'Mozzarella')?.windows[String(T0)]?.count).toBe(2);
  });

  it('two instances share the products by partition; together they compute exactly what one would', async () => {
    const w = await world();
    const a = w.host();
    const b = w.host();
    await a.start();
    await b.start();
    await w.settle();
    expect(a.tasks().length).toBeGreaterThan(0);
    expect(b.tasks().length).toBeGreaterThan(0);
    expect([...a.tasks(), ...b.tasks()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const products = ['Tomato', 'Pesto', 'BBQ', 'Mozzarella', 'Cheddar', 'Ham', 'Chicken', 'Mushrooms'];
    // a seeded walk: mostly forward in time, sometimes back (late), now and then far back (too late)
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const inputs: Input[] = products.slice(0, 6).map((p, i) => ({ inv: inv(p, 70 + i * 5, 100, 3 + i) }));
    let t = T0;
    for (let i = 0; i < 300; i++) {
      const p = products[Math.floor(rand() * products.length)] as string;
      const r = rand();
      t += Math.floor(rand() * 2 * MIN);
      const ts = r < 0.1 ? t - Math.floor(rand() * 150 * MIN) : t;
      inputs.push({ txn: p, ts });
      if (i % 50 === 25) inputs.push({ inv: inv(products[i % 6] as string, 95, 100, 50) });
    }
    await w.send(inputs);
    await w.settle();
    const ref = reference(inputs);
    const updates = await w.updates();
    expect(updates.length).toBe(ref.updates.length);
    expect(sorted(updates)).toEqual(sorted(ref.updates));
    expect(sorted((await w.promotions()).map(strip))).toEqual(sorted(ref.promotions));
    expect(ref.promotions.length).toBeGreaterThan(0);
    expect([...ref.tooLate.values()].reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    for (const p of products) {
      const owner = rowOf(a, p) ? a : b;
      expect(rowOf(owner === a ? b : a, p), `${p} lives in one instance only`).toBeNull();
      expect(rowOf(owner, p)).toMatchObject({ late: ref.late.get(p) ?? 0, tooLate: ref.tooLate.get(p) ?? 0 });
    }
  });
});
