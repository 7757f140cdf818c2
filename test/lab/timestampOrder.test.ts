import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { hoppingWindow } from '../../src/lab/hoppingWindow.ts';
import type { Promotion, WindowResult } from '../../src/lab/labMessages.ts';
import { processorSpec } from '../../src/lab/processorSpec.ts';
import { createLogger } from '../../src/log/logger.ts';
import { type ActorHost, changelogTopic, createActorHost } from '../../src/runtime/host/createActorHost.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../../src/transport/embeddedLog.ts';
import type { OutgoingMessage, Transport } from '../../src/transport/transport.ts';
import { readAll } from '../runtime/fixtures/counterActor.ts';
import { heldDelivery } from '../support/heldDelivery.ts';
import { waitFor } from '../support/waitFor.ts';
import { ADVANCE, GRACE, inv, MIN, reference, SIZE, sorted, strip, T0, timestampMerge } from './fixtures/labReference.ts';

/**
 * The processor's stream–table join reads each task's inventory and transactions partitions in
 * timestamp order (the host's `timestampOrdered`, src/runtime/host/partitionGroup.ts), on the
 * embedded log in virtual time. Deliveries are made to come in a chosen or shuffled order with a
 * wrapper that holds batches back (test/support/heldDelivery.ts); expectations come from the
 * brute-force reference over the log's contents merged by timestamp, computed here.
 */

const PARTITIONS = 3;
const topics = { transactions: 'to-transactions', inventory: 'to-inventory', productTxnPerHour: 'to-windows', promotions: 'to-promotions' };
const groupId = 'to-processor';
const IDLE_MS = 5_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world() {
  const clock = new VirtualClock(T0);
  const log: EmbeddedLog = createEmbeddedLog({ clock });
  await log.ensureTopics([
    ...Object.values(topics).map((topic) => ({ topic, partitions: PARTITIONS })),
    { topic: 'to-dlq', partitions: 1 },
    { topic: changelogTopic(groupId), partitions: PARTITIONS, cleanupPolicy: 'compact' as const },
  ]);
  const hosts: ActorHost[] = [];
  const windows = hoppingWindow({ sizeMs: SIZE, advanceMs: ADVANCE, graceMs: GRACE });
  cleanups.push(async () => {
    for (const h of hosts) await h.stop().catch(() => undefined);
    await log.close();
  });
  const w = {
    log,
    clock,
    host(transport: Transport = log) {
      const h = createActorHost(processorSpec({ groupId, topics, windows, maxIdleMs: IDLE_MS }), {
        transport,
        clock,
        logger: createLogger({ actor: 'processor', clock, format: 'silent' }),
        deadLetterTopic: 'to-dlq',
        partitions: PARTITIONS,
      });
      hosts.push(h);
      return h;
    },
    txn: (product: string, ts: number): OutgoingMessage => ({
      key: product,
      value: JSON.stringify({ cust_id: 'c1', prod_id: product, txn_ts: ts }),
      timestamp: ts,
    }),
    inv: (row: ReturnType<typeof inv>, ts: number): OutgoingMessage => ({ key: row.product_id, value: JSON.stringify(row), timestamp: ts }),
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
    /** what the queries say of the log's contents, read in timestamp order */
    async expected() {
      return reference(timestampMerge(await readAll(log, topics.inventory), await readAll(log, topics.transactions)));
    },
  };
  return w;
}

describe('the stream–table join reads a task in timestamp order', () => {
  it('a transaction handed over before its product’s earlier inventory row waits for it and joins it', async () => {
    const w = await world();
    await w.log.producer().send(topics.transactions, [w.txn('Ham', T0 + 10 * MIN)]);
    await w.log.producer().send(topics.inventory, [w.inv(inv('Ham', 90, 100, 10), T0)]);
    const { transport, control } = heldDelivery(w.log, [topics.inventory]);
    let looks = 0;
    const h = w.host({
      ...transport,
      endOffsets: (topic) => {
        looks += 1;
        return transport.endOffsets(topic);
      },
    });
    await h.start();
    await w.settle();
    // the transaction was handed over; the inventory row is held back, and the transaction waits for it
    expect(control.fetched.get(topics.transactions)).toBe(1);
    expect(control.held()).toBe(1);
    expect(await w.updates()).toEqual([]);
    // it waits without asking again and again: one look at the end, until something arrives
    const asked = looks;
    expect(asked).toBeLessThanOrEqual(2);
    await w.settle();
    expect(looks).toBe(asked);
    await control.release();
    await w.settle();
    const updates = await w.updates();
    expect(updates).toHaveLength(12);
    expect(updates.every((u) => u.name === 'The Ham' && u.expected_txn_per_hour === 10 && u.stock_level === 90)).toBe(true);
    expect(await w.promotions()).toHaveLength(12);
  });

  it('an inventory row stamped after the transaction is not joined, though it is read first', async () => {
    const w = await world();
    await w.log.producer().send(topics.inventory, [w.inv(inv('Ham', 90, 100, 10), T0 + 20 * MIN)]);
    await w.log.producer().send(topics.transactions, [w.txn('Ham', T0 + 10 * MIN)]);
    const h = w.host();
    await h.start();
    await w.settle();
    const updates = await w.updates();
    expect(updates).toHaveLength(12);
    expect(updates.every((u) => u.name === null && u.expected_txn_per_hour === null)).toBe(true);
    expect(h.rows(['Ham']).get('Ham')).toMatchObject({ inventory: { txn_hour: 10 } });
  });

  it('an input whose end is not reached holds records back for at most the idle time, then the task goes on without it', async () => {
    const w = await world();
    await w.log.producer().send(topics.transactions, [w.txn('Ham', T0 + 10 * MIN)]);
    await w.log.producer().send(topics.inventory, [w.inv(inv('Ham', 90, 100, 10), T0)]);
    const { transport, control } = heldDelivery(w.log, [topics.inventory]);
    const h = w.host(transport);
    await h.start();
    await w.settle();
    await w.clock.advance(IDLE_MS - 1, () => w.settle());
    expect(await w.updates()).toEqual([]);
    await w.clock.advance(1, () => w.settle());
    await w.settle();
    const updates = await w.updates();
    expect(updates).toHaveLength(12);
    expect(updates.every((u) => u.name === null)).toBe(true); // processed ahead of the held row: nulls
    expect(control.held()).toBe(1);
  });

  it('offsets never pass records still buffered: a restart while a transaction waits counts it once, joined', async () => {
    const w = await world();
    const { transport, control } = heldDelivery(w.log);
    const first = w.host(transport);
    await first.start();
    await w.log.producer().send(topics.inventory, [w.inv(inv('Ham', 90, 100, 10), T0)]);
    const [x1] = await w.log.producer().send(topics.transactions, [w.txn('Ham', T0 + MIN)]);
    await w.settle();
    expect(await w.updates()).toHaveLength(12);
    // an inventory row is on the log but held back; a transaction stamped after it waits for it
    control.hold.add(topics.inventory);
    await w.log.producer().send(topics.inventory, [w.inv(inv('Ham', 95, 100, 10), T0 + 10 * MIN)]);
    await w.log.producer().send(topics.transactions, [w.txn('Ham', T0 + 20 * MIN)]);
    await w.settle();
    expect(control.fetched.get(topics.transactions)).toBe(2);
    expect(control.held()).toBe(1);
    expect(await w.updates()).toHaveLength(12);
    await first.stop();
    // committed: the first transaction, not the one still buffered
    expect((await w.log.committedOffsets(groupId, topics.transactions)).get(x1?.partition as number)).toBe((x1?.offset as number) + 1);
    const second = w.host();
    await second.start();
    await w.settle();
    const expected = await w.expected();
    const updates = await w.updates();
    expect(sorted(updates)).toEqual(sorted(expected.updates));
    expect(updates.filter((u) => u.window_start === T0).map((u) => [u.txn_per_hour, u.stock_level])).toEqual([
      [1, 90],
      [2, 95],
    ]);
    expect(sorted((await w.promotions()).map(strip))).toEqual(sorted(expected.promotions));
  });

  it('window results do not depend on the order fetches hand the partitions over (seeded shuffles against the merge by timestamp)', async () => {
    for (const seed of [1, 2, 3, 5, 8, 13, 21, 34]) {
      const w = await world();
      let s = seed;
      const rand = () => {
        s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
        return s / 2 ** 31;
      };
      const products = ['Tomato', 'Pesto', 'BBQ', 'Mozzarella', 'Cheddar', 'Ham', 'Chicken'];
      const invs: OutgoingMessage[] = [];
      const txns: OutgoingMessage[] = [];
      let t = T0;
      for (let i = 0; i < 120; i++) {
        t += Math.floor(rand() * 3 * MIN);
        const p = products[Math.floor(rand() * products.length)] as string;
        const r = rand();
        if (r < 0.2) {
          // a table update: stock and expectation change; sometimes stamped a little in the past
          const ts = r < 0.05 ? t - Math.floor(rand() * 20 * MIN) : t;
          invs.push(w.inv(inv(p, 50 + Math.floor(rand() * 50), 100, 1 + Math.floor(rand() * 8)), ts));
        } else {
          // mostly in order, sometimes late, now and then equal to the last table update's time
          const ts = r > 0.95 ? t - Math.floor(rand() * 90 * MIN) : t;
          txns.push(w.txn(p, ts));
        }
      }
      await w.log.producer().send(topics.inventory, invs);
      await w.log.producer().send(topics.transactions, txns);
      const { transport, control } = heldDelivery(w.log, [topics.inventory, topics.transactions]);
      const h = w.host(transport);
      await h.start();
      await w.settle();
      expect(control.held()).toBe(invs.length + txns.length);
      await control.release({ seed });
      await w.settle();
      const expected = await w.expected();
      expect(expected.updates.some((u) => u.name !== null) && expected.updates.some((u) => u.name === null)).toBe(true);
      expect(sorted(await w.updates()), `seed ${seed}`).toEqual(sorted(expected.updates));
      expect(sorted((await w.promotions()).map(strip)), `seed ${seed}`).toEqual(sorted(expected.promotions));
      for (const c of cleanups.splice(0).reverse()) await c();
    }
  });

  it('two instances, each owning some partitions, compute what the merge by timestamp says', async () => {
    const w = await world();
    const rows = ['Tomato', 'Pesto', 'BBQ', 'Mozzarella', 'Cheddar', 'Ham'].map((p, i) =>
      w.inv(inv(p, 70 + i * 5, 100, 3 + i), T0 + i * MIN),
    );
    await w.log.producer().send(topics.inventory, rows);
    await w.log.producer().send(
      topics.transactions,
      Array.from({ length: 60 }, (_, i) =>
        w.txn(['Tomato', 'Pesto', 'BBQ', 'Mozzarella', 'Cheddar', 'Ham'][i % 6] as string, T0 + i * MIN),
      ),
    );
    const a = w.host();
    const b = w.host();
    await a.start();
    await b.start();
    await w.settle();
    await waitFor(() => a.tasks().length > 0 && b.tasks().length > 0, { message: 'both instances own partitions' });
    await w.settle();
    const expected = await w.expected();
    expect(sorted(await w.updates())).toEqual(sorted(expected.updates));
  });
});
