/**
 * The stream processor's throughput (issue 11): transactions per second through PRODUCT_TXN_PER_HOUR
 * and PROMOTIONS (each transaction updates its 12 hopping windows, so 12 window results and up to
 * 12 promotions are produced per transaction, exactly-once with the changelog rows and offsets).
 * The transactions are written first; the clock runs from the processor's start to its last commit.
 * `bun bench/lab.bench.ts [--kafka host:port]` runs it alone; `benchLab()` is what `bun run bench` calls.
 *
 * The inventory rows are stamped before the first transaction and the processor reads each
 * product partition in timestamp order, so every transaction joins its product's row on every
 * transport, whatever a fetch brings first: window results and promotions are the same counts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/clock.ts';
import { hoppingWindow } from '../src/lab/hoppingWindow.ts';
import { processorSpec } from '../src/lab/processorSpec.ts';
import { createLogger } from '../src/log/logger.ts';
import { changelogTopic, createActorHost } from '../src/runtime/host/createActorHost.ts';
import { createEmbeddedLog } from '../src/transport/embeddedLog.ts';
import { createKafkaTransport } from '../src/transport/kafkaTransport.ts';
import type { OutgoingMessage, Transport } from '../src/transport/transport.ts';

export interface LabBenchRow {
  transport: 'embedded (memory)' | 'embedded (file)' | 'kafka';
  transactions: number;
  windowResults: number;
  promotions: number;
  ms: number;
  transactionsPerSecond: number;
}

const PRODUCTS = 18;
const PARTITIONS = 6;

async function run(transport: Transport, kind: LabBenchRow['transport'], n: number): Promise<LabBenchRow> {
  const id = randomBytes(3).toString('hex');
  const topics = {
    transactions: `bench-txn-${id}`,
    inventory: `bench-inv-${id}`,
    productTxnPerHour: `bench-win-${id}`,
    promotions: `bench-promo-${id}`,
  };
  const groupId = `bench-processor-${id}`;
  await transport.ensureTopics([
    ...Object.values(topics).map((topic) => ({ topic, partitions: PARTITIONS, replicationFactor: 1 })),
    { topic: `bench-dlq-${id}`, partitions: 1, replicationFactor: 1 },
    { topic: changelogTopic(groupId), partitions: PARTITIONS, replicationFactor: 1, cleanupPolicy: 'compact' as const },
  ]);
  const producer = transport.producer();
  const products = Array.from({ length: PRODUCTS }, (_, i) => `product-${i}`);
  // one transaction every 100 ms of event time, round robin over the products
  const t0 = Date.UTC(2026, 0, 1);
  await producer.send(
    topics.inventory,
    products.map((p, i) => ({
      key: p,
      value: JSON.stringify({ product_id: p, name: p, list_price: 1, discount: 10, available: 80 + i, capacity: 100, txn_hour: 1000 }),
      timestamp: t0 - 1,
    })),
  );
  for (let i = 0; i < n; i += 5000) {
    const batch: OutgoingMessage[] = [];
    for (let j = i; j < Math.min(n, i + 5000); j++) {
      const p = products[j % PRODUCTS] as string;
      batch.push({ key: p, value: `{"cust_id":"c","prod_id":"${p}","txn_ts":${t0 + j * 100}}`, timestamp: t0 + j * 100 });
    }
    await producer.send(topics.transactions, batch);
  }
  const host = createActorHost(
    processorSpec({ groupId, topics, windows: hoppingWindow({ sizeMs: 3_600_000, advanceMs: 300_000, graceMs: 600_000 }) }),
    {
      transport,
      clock: systemClock,
      logger: createLogger({ actor: 'processor', clock: systemClock, format: 'silent' }),
      deadLetterTopic: `bench-dlq-${id}`,
      partitions: PARTITIONS,
      batching: { maxMessages: 2000, lingerMs: 5 },
    },
  );
  const started = performance.now();
  await host.start();
  const deadline = Date.now() + 600_000;
  while ((host.metrics().received.get(topics.transactions) ?? 0) < n) {
    if (Date.now() > deadline)
      throw new Error(`lab bench: only ${host.metrics().received.get(topics.transactions)} of ${n} transactions in 10 min`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await host.idle();
  const ms = performance.now() - started;
  const m = host.metrics();
  await host.stop();
  return {
    transport: kind,
    transactions: n,
    windowResults: m.produced.get(topics.productTxnPerHour) ?? 0,
    promotions: m.produced.get(topics.promotions) ?? 0,
    ms: Math.round(ms),
    transactionsPerSecond: Math.round((n / ms) * 1000),
  };
}

export async function benchLab(
  options: { transactions?: number; kafkaBootstrap?: string } = {},
): Promise<{ name: 'lab'; rows: LabBenchRow[] }> {
  const n = options.transactions ?? 50_000;
  const rows: LabBenchRow[] = [];
  const memory = createEmbeddedLog({ clock: systemClock });
  rows.push(await run(memory, 'embedded (memory)', n));
  console.log(rows.at(-1));
  await memory.close();
  const dir = mkdtempSync(join(tmpdir(), 'pizza-lab-bench-'));
  const file = createEmbeddedLog({ clock: systemClock, path: join(dir, 'log.db') });
  rows.push(await run(file, 'embedded (file)', n));
  await file.close();
  rmSync(dir, { recursive: true, force: true });
  if (options.kafkaBootstrap) {
    const kafka = createKafkaTransport({
      kafka: { file: '(bench)', properties: { 'bootstrap.servers': options.kafkaBootstrap } },
      clock: systemClock,
      logLevel: 'nothing',
    });
    rows.push(await run(kafka, 'kafka', n));
    await kafka.close();
  }
  return { name: 'lab', rows };
}

export function printLabBench(result: { rows: LabBenchRow[] }): void {
  console.log('\nLab processor (transactions → 12 hopping windows each → promotions; exactly-once):');
  console.table(result.rows);
}

if (import.meta.main) {
  const i = process.argv.indexOf('--kafka');
  const kafkaBootstrap = i >= 0 ? process.argv[i + 1] : undefined;
  const n = Number(process.env.LAB_BENCH_TRANSACTIONS ?? 50_000);
  printLabBench(await benchLab({ transactions: n, ...(kafkaBootstrap ? { kafkaBootstrap } : {}) }));
}
