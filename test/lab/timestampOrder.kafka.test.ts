import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import { hoppingWindow } from '../../src/lab/hoppingWindow.ts';
import type { Promotion, WindowResult } from '../../src/lab/labMessages.ts';
import { processorSpec } from '../../src/lab/processorSpec.ts';
import { createLogger } from '../../src/log/logger.ts';
import { type ActorHost, changelogTopic, createActorHost } from '../../src/runtime/host/createActorHost.ts';
import { createKafkaTransport, type KafkaTransport } from '../../src/transport/kafkaTransport.ts';
import type { OutgoingMessage, Transport } from '../../src/transport/transport.ts';
import { readAll } from '../runtime/fixtures/counterActor.ts';
import { heldDelivery } from '../support/heldDelivery.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { waitFor } from '../support/waitFor.ts';
import { ADVANCE, GRACE, inv, MIN, reference, SIZE, sorted, strip, T0, timestampMerge } from './fixtures/labReference.ts';

/**
 * The lab processor on a real Kafka broker: the stream–table join in timestamp order whatever the
 * fetches bring first, two processes sharing the products, and a restart mid-window. Topics and
 * groups are suffixed per test; every "process" has its own Kafka clients. Inputs are written in
 * transactions (as the shop's inventory source and transactions actor write them), so the
 * partitions hold commit markers. Waits are bounded polls; expectations come from the brute-force
 * reference over the topics' contents merged by timestamp.
 */

const broker = await findKafkaBroker();
const PARTITIONS = 3;
/** long: a test that passes only because the idle time ran out would take this long */
const IDLE_MS = 60_000;

describe.skipIf(!broker.available)(`the lab processor on Kafka at ${broker.bootstrap}`, () => {
  const transports: KafkaTransport[] = [];
  const hosts: ActorHost[] = [];
  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.stop().catch(() => undefined);
    await Promise.allSettled(transports.splice(0).map((t) => t.close()));
  });

  /** One "process": its own clients to the broker. */
  const transport = () => {
    const t = createKafkaTransport({ kafka: broker.config, onError: () => undefined });
    transports.push(t);
    return t;
  };

  async function world() {
    const id = randomBytes(4).toString('hex');
    const topics = {
      transactions: `to-txn-${id}`,
      inventory: `to-inv-${id}`,
      productTxnPerHour: `to-win-${id}`,
      promotions: `to-promo-${id}`,
    };
    const groupId = `to-processor-${id}`;
    const admin = transport();
    await admin.ensureTopics([
      ...Object.values(topics).map((topic) => ({ topic, partitions: PARTITIONS, replicationFactor: 1 })),
      { topic: `to-dlq-${id}`, partitions: 1, replicationFactor: 1 },
      { topic: changelogTopic(groupId), partitions: PARTITIONS, replicationFactor: 1, cleanupPolicy: 'compact' as const },
    ]);
    const writer = await admin.transactionalProducer(`to-writer-${id}`);
    const windows = hoppingWindow({ sizeMs: SIZE, advanceMs: ADVANCE, graceMs: GRACE });
    return {
      topics,
      groupId,
      admin,
      host(t: Transport) {
        const h = createActorHost(processorSpec({ groupId, topics, windows, maxIdleMs: IDLE_MS }), {
          transport: t,
          clock: systemClock,
          logger: createLogger({ actor: 'processor', clock: systemClock, format: 'silent' }),
          deadLetterTopic: `to-dlq-${id}`,
          partitions: PARTITIONS,
        });
        hosts.push(h);
        return h;
      },
      /** writes in one transaction, as the shop's source and transactions actor do */
      async write(topic: string, messages: OutgoingMessage[]) {
        const tx = await writer.transaction();
        await tx.send(topic, messages);
        await tx.commit();
      },
      txn: (product: string, ts: number): OutgoingMessage => ({
        key: product,
        value: JSON.stringify({ cust_id: 'c1', prod_id: product, txn_ts: ts }),
        timestamp: ts,
      }),
      inv: (row: ReturnType<typeof inv>, ts: number): OutgoingMessage => ({
        key: row.product_id,
        value: JSON.stringify(row),
        timestamp: ts,
      }),
      async updates(): Promise<WindowResult[]> {
        return (await readAll(admin, topics.productTxnPerHour)).map((m) => JSON.parse(new TextDecoder().decode(m.value)) as WindowResult);
      },
      async promotions(): Promise<Promotion[]> {
        return (await readAll(admin, topics.promotions)).map((m) => JSON.parse(new TextDecoder().decode(m.value)) as Promotion);
      },
      async expected() {
        return reference(timestampMerge(await readAll(admin, topics.inventory), await readAll(admin, topics.transactions)));
      },
    };
  }

  const received = (h: ActorHost, topic: string) => h.metrics().received.get(topic) ?? 0;

  it('a transaction fetched before its product’s earlier inventory row waits for it and joins it; the next one waits for nothing', {
    timeout: 90_000,
  }, async () => {
    const w = await world();
    await w.write(w.topics.transactions, [w.txn('Ham', T0 + 10 * MIN)]);
    await w.write(w.topics.inventory, [w.inv(inv('Ham', 90, 100, 10), T0)]);
    const { transport: held, control } = heldDelivery(transport(), [w.topics.inventory]);
    const h = w.host(held);
    await h.start();
    await waitFor(() => (control.fetched.get(w.topics.transactions) ?? 0) === 1 && control.held() === 1, {
      timeoutMs: 40_000,
      message: () => `the processor was not handed the transaction with the inventory row held (${[...control.fetched]})`,
    });
    await h.idle();
    expect(received(h, w.topics.transactions)).toBe(0); // waiting for the inventory partition
    await control.release();
    await waitFor(() => received(h, w.topics.transactions) === 1, { timeoutMs: 20_000, message: 'the transaction was not processed' });
    await h.idle();
    const updates = await w.updates();
    expect(updates).toHaveLength(12);
    expect(updates.every((u) => u.name === 'The Ham' && u.expected_txn_per_hour === 10 && u.stock_level === 90)).toBe(true);
    // the inventory partition's position is past its commit marker, so a later transaction
    // finds it at its end and goes at once (well within the idle time)
    await w.write(w.topics.transactions, [w.txn('Ham', T0 + 12 * MIN)]);
    await waitFor(() => received(h, w.topics.transactions) === 2, {
      timeoutMs: 20_000,
      message: 'a later transaction waited for an inventory partition that was at its end',
    });
    await h.idle();
    const expected = await w.expected();
    expect(sorted(await w.updates())).toEqual(sorted(expected.updates));
    expect(sorted((await w.promotions()).map(strip))).toEqual(sorted(expected.promotions));
  });

  it('two processes share the products by partition; together they compute what one would', { timeout: 120_000 }, async () => {
    const w = await world();
    const products = ['Tomato', 'Pesto', 'BBQ', 'Mozzarella', 'Cheddar', 'Ham', 'Chicken'];
    await w.write(
      w.topics.inventory,
      products.map((p, i) => w.inv(inv(p, 70 + i * 4, 100, 2 + i), T0 + i * MIN)),
    );
    const txns = Array.from({ length: 140 }, (_, i) =>
      w.txn(products[(i * 5) % products.length] as string, T0 + i * 30_000 - (i % 9 === 0 ? 20 * MIN : 0)),
    );
    await w.write(w.topics.transactions, txns.slice(0, 70));
    // a table update mid-window, stamped between the two halves
    await w.write(w.topics.inventory, [w.inv(inv('Ham', 97, 100, 40), T0 + 35 * MIN)]);
    await w.write(w.topics.transactions, txns.slice(70));
    const a = w.host(transport());
    const b = w.host(transport());
    await a.start();
    await b.start();
    await waitFor(() => a.tasks().length > 0 && b.tasks().length > 0 && a.tasks().length + b.tasks().length === PARTITIONS, {
      timeoutMs: 60_000,
      message: () => `the partitions were not shared (a: ${a.tasks()}, b: ${b.tasks()})`,
    });
    await waitFor(
      async () =>
        (await w.admin.committedOffsets(w.groupId, w.topics.transactions)).size === PARTITIONS &&
        received(a, w.topics.transactions) + received(b, w.topics.transactions) >= txns.length,
      {
        timeoutMs: 60_000,
        message: () => `processed ${received(a, w.topics.transactions)} + ${received(b, w.topics.transactions)} of ${txns.length}`,
      },
    );
    await Promise.all([a.idle(), b.idle()]);
    const expected = await w.expected();
    const updates = await w.updates();
    expect(updates.length).toBe(expected.updates.length);
    expect(sorted(updates)).toEqual(sorted(expected.updates));
    expect(sorted((await w.promotions()).map(strip))).toEqual(sorted(expected.promotions));
    expect(expected.promotions.length).toBeGreaterThan(0);
  });

  it('a restart mid-window restores the windows and table from the changelog; nothing is counted twice', { timeout: 120_000 }, async () => {
    const w = await world();
    await w.write(w.topics.inventory, [w.inv(inv('Pepperoni', 90, 100, 10), T0)]);
    await w.write(w.topics.transactions, [w.txn('Pepperoni', T0 + MIN), w.txn('Pepperoni', T0 + 6 * MIN)]);
    const first = w.host(transport());
    await first.start();
    await waitFor(() => received(first, w.topics.transactions) === 2, {
      timeoutMs: 40_000,
      message: 'the first process did not read both transactions',
    });
    await first.stop();
    await w.write(w.topics.transactions, [w.txn('Pepperoni', T0 + 8 * MIN)]);
    const second = w.host(transport());
    await second.start();
    await waitFor(() => received(second, w.topics.transactions) === 1, {
      timeoutMs: 40_000,
      message: () => `the second process read ${received(second, w.topics.transactions)} transactions (expected only the new one)`,
    });
    await second.idle();
    const row = second.rows(['Pepperoni']).get('Pepperoni') as {
      inventory: { txn_hour: number };
      windows: Record<string, { count: number }>;
    };
    expect(row.inventory.txn_hour).toBe(10);
    expect(row.windows[String(T0)]?.count).toBe(3);
    const updates = await w.updates();
    expect(updates.filter((u) => u.window_start === T0).map((u) => u.txn_per_hour)).toEqual([1, 2, 3]);
    const expected = await w.expected();
    expect(sorted(updates)).toEqual(sorted(expected.updates));
  });
});
