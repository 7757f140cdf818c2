/**
 * The shop on a real Kafka broker, and the broker's own limit on the same machine in the same run:
 *
 * - the whole shop in one process at speed 0 (no waiting): orders per second placed -> delivered,
 *   p50/p99 latency, peak RSS — like shop.bench.ts, with topics and group ids of its own;
 * - Kafka's producer performance tool (`org.apache.kafka.tools.ProducerPerformance`, Java, from the
 *   cached jars of `bun run kafka:start`): records/s and MB/s of 200-byte records, acks=all — the
 *   raw limit the shop's figure can be read against;
 * - our own kafkajs producer (the transport the shop uses) on the same records: in batches of 1000,
 *   one message per send with many in flight (how the shop sends), and in transactions of 1000
 *   (exactly-once: what a batching actor host commits per batch).
 *
 * `bun bench/kafka.bench.ts` runs it alone against KAFKA_BOOTSTRAP (default 127.0.0.1:9092).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { resolveKafkaJars } from '../scripts/kafka/kafkaJars.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import type { KafkaClientConfig } from '../src/config/loadKafkaConfig.ts';
import type { ShopConfig } from '../src/config/shopConfig.ts';
import { inProcessTarget, runLoad } from '../src/load/runLoad.ts';
import { rssSampler } from '../src/load/stats.ts';
import { startShop } from '../src/app/startShop.ts';
import { createKafkaTransport } from '../src/transport/kafkaTransport.ts';
import type { OutgoingMessage } from '../src/transport/transport.ts';
import { type BulkResult, bulkOrders } from './bulkOrders.ts';
import type { ShopBenchRow } from './shop.bench.ts';

export interface ProducerPerformanceRow {
  tool: string;
  records: number;
  recordSize: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  avgLatencyMs?: number;
  p99LatencyMs?: number;
}

/** The shop's row, with how many messages it produced per order (stage events, statuses, log lines). */
export interface KafkaShopRow extends ShopBenchRow {
  messagesPerOrder: number;
}

export interface KafkaBenchResult {
  name: 'kafka';
  bootstrap: string;
  shop: KafkaShopRow;
  /** the shop's own throughput: orders placed in bulk, timed to the last delivered */
  bulk: BulkResult & { peakRssMiB: number };
  /** Kafka's own tool, or why it did not run */
  producerPerformance: ProducerPerformanceRow | { skipped: string };
  kafkajs: ProducerPerformanceRow[];
}

export interface KafkaBenchOptions {
  bootstrap: string;
  orders?: number;
  concurrency?: number;
  /** records for the raw producer figures */
  records?: number;
  /** orders placed in bulk for the shop's own throughput */
  bulk?: number;
}

const RECORD_SIZE = 200;
const PARTITIONS = 6;

const kafkaConfig = (bootstrap: string): KafkaClientConfig => ({
  file: '(bench)',
  properties: { 'bootstrap.servers': bootstrap, 'client.id': 'pizza-bench' },
});

/** The default configuration with every topic and group id suffixed: the run meets nothing else. */
function benchConfig(suffix: string): ShopConfig {
  const config = loadConfig('config_sys/default.ini');
  const suffixed = <T extends object>(names: T): T => Object.fromEntries(Object.entries(names).map(([k, v]) => [k, `${v}-${suffix}`])) as T;
  return {
    ...config,
    topics: suffixed(config.topics),
    groupIds: suffixed(config.groupIds),
    topicConfig: { numPartitions: PARTITIONS, replicationFactor: 1 },
  };
}

/** Deletes the run's topics, so a developer's broker does not fill up with benchmark leftovers. */
async function deleteTopics(bootstrap: string, topics: string[]): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], clientId: 'pizza-bench', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics, timeout: 30_000 });
  } catch {
    // best effort: a leftover topic costs disk, not correctness
  } finally {
    await admin.disconnect();
  }
}

/** The whole shop in this process on Kafka at speed 0 (run in a child process for its own RSS). */
async function shopOnKafka(bootstrap: string, orders: number, concurrency: number): Promise<KafkaShopRow> {
  const config = benchConfig(`bench-${randomBytes(4).toString('hex')}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'pizza-bench-kafka-'));
  const rss = rssSampler();
  const shop = await startShop({
    config,
    actors: ['assemble', 'bake', 'delivery', 'status'],
    kafka: kafkaConfig(bootstrap),
    dataDir,
    speed: 0,
    logFormat: 'silent',
  });
  try {
    const result = await runLoad(inProcessTarget(shop), config, { orders, concurrency, timeoutMs: 600_000 });
    return {
      scenario: 'Kafka, one process',
      orders,
      concurrency,
      ordersPerSecond: result.ordersPerSecond,
      p50Ms: result.latencyMs.p50,
      p99Ms: result.latencyMs.p99,
      peakRssMiB: rss.stop() / 2 ** 20,
      unfinished: result.unfinished,
      messagesPerOrder: shop.messagesWritten() / Math.max(1, result.placed),
    };
  } finally {
    await shop.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await deleteTopics(bootstrap, Object.values(config.topics));
  }
}

async function shopOnKafkaBulk(bootstrap: string, orders: number): Promise<KafkaBenchResult['bulk']> {
  const config = benchConfig(`bulk-${randomBytes(4).toString('hex')}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'pizza-bench-kafka-'));
  const rss = rssSampler();
  const shop = await startShop({
    config,
    actors: ['assemble', 'bake', 'delivery', 'status'],
    kafka: kafkaConfig(bootstrap),
    dataDir,
    speed: 0,
    logFormat: 'silent',
  });
  try {
    const result = await bulkOrders(shop, orders);
    return { ...result, peakRssMiB: rss.stop() / 2 ** 20 };
  } finally {
    await shop.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await deleteTopics(bootstrap, Object.values(config.topics));
  }
}

/**
 * Parses ProducerPerformance's summary line:
 * `200000 records sent, 108225.1 records/sec (20.64 MB/sec), 58.90 ms avg latency, 429.00 ms max
 * latency, 64 ms 50th, 109 ms 95th, 127 ms 99th, 141 ms 99.9th.`
 */
export function parseProducerPerformance(output: string): Omit<ProducerPerformanceRow, 'tool' | 'recordSize'> | undefined {
  const line = output
    .split('\n')
    .reverse()
    .find((l) => /^\d+ records sent, [\d.]+ records\/sec \([\d.]+ MB\/sec\)/.test(l.trim()));
  if (!line) return undefined;
  const num = (re: RegExp) => {
    const m = re.exec(line);
    return m ? Number(m[1]) : undefined;
  };
  const records = num(/^\s*(\d+) records sent/);
  const recordsPerSecond = num(/([\d.]+) records\/sec/);
  const mbPerSecond = num(/\(([\d.]+) MB\/sec\)/);
  if (records === undefined || recordsPerSecond === undefined || mbPerSecond === undefined) return undefined;
  const avgLatencyMs = num(/([\d.]+) ms avg latency/);
  const p99LatencyMs = num(/([\d.]+) ms 99th/);
  return {
    records,
    recordsPerSecond,
    mbPerSecond,
    ...(avgLatencyMs !== undefined ? { avgLatencyMs } : {}),
    ...(p99LatencyMs !== undefined ? { p99LatencyMs } : {}),
  };
}

/** Kafka's own producer benchmark (Java) against the broker, on a topic of its own. */
async function producerPerformance(bootstrap: string, records: number): Promise<ProducerPerformanceRow | { skipped: string }> {
  let libs: string;
  try {
    libs = await resolveKafkaJars();
  } catch (error) {
    return { skipped: `no Kafka jars: ${(error as Error).message}` };
  }
  const topic = `pizza-bench-perf-${randomBytes(4).toString('hex')}`;
  const transport = createKafkaTransport({ kafka: kafkaConfig(bootstrap) });
  try {
    // The broker creates no topic by itself (auto.create.topics.enable=false): the tool would wait.
    await transport.ensureTopics([{ topic, partitions: PARTITIONS, replicationFactor: 1 }]);
  } finally {
    await transport.close();
  }
  try {
    const proc = Bun.spawnSync(
      [
        'java',
        '-cp',
        `${libs}/*`,
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        topic,
        '--num-records',
        String(records),
        '--record-size',
        String(RECORD_SIZE),
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${bootstrap}`,
        'acks=all',
      ],
      { timeout: 300_000 },
    );
    const output = `${proc.stdout.toString()}${proc.stderr.toString()}`;
    const parsed = parseProducerPerformance(output);
    if (proc.exitCode !== 0 || !parsed)
      return { skipped: `ProducerPerformance failed (exit ${proc.exitCode}): ${output.trim().split('\n').slice(-3).join(' | ')}` };
    return { tool: 'Kafka ProducerPerformance (Java), acks=all', recordSize: RECORD_SIZE, ...parsed };
  } finally {
    await deleteTopics(bootstrap, [topic]);
  }
}

/** Our kafkajs producer (the shop's transport) on the same records: batched, and one per send. */
async function kafkajsProducer(bootstrap: string, records: number): Promise<ProducerPerformanceRow[]> {
  const topic = `pizza-bench-kafkajs-${randomBytes(4).toString('hex')}`;
  const transport = createKafkaTransport({ kafka: kafkaConfig(bootstrap) });
  const value = 'x'.repeat(RECORD_SIZE);
  const message = (): OutgoingMessage => ({ key: randomBytes(4).toString('hex'), value });
  const rows: ProducerPerformanceRow[] = [];
  try {
    await transport.ensureTopics([{ topic, partitions: PARTITIONS, replicationFactor: 1 }]);
    const producer = transport.producer();
    await producer.send(topic, [message()]); // connect before the clock starts

    const batch = 1000;
    let started = performance.now();
    for (let sent = 0; sent < records; sent += batch) {
      await producer.send(topic, Array.from({ length: Math.min(batch, records - sent) }, message));
    }
    let seconds = (performance.now() - started) / 1000;
    rows.push({
      tool: `kafkajs (our transport), batches of ${batch}, acks=all`,
      records,
      recordSize: RECORD_SIZE,
      recordsPerSecond: records / seconds,
      mbPerSecond: (records * RECORD_SIZE) / seconds / 2 ** 20,
    });

    // How the shop sends: one message per send, many sends in flight (each station step awaits one).
    const single = Math.max(1000, Math.floor(records / 10));
    const inFlight = 100;
    started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < single) {
          next += 1;
          await producer.send(topic, [message()]);
        }
      }),
    );
    seconds = (performance.now() - started) / 1000;
    rows.push({
      tool: `kafkajs (our transport), 1 per send, ${inFlight} in flight, acks=all`,
      records: single,
      recordSize: RECORD_SIZE,
      recordsPerSecond: single / seconds,
      mbPerSecond: (single * RECORD_SIZE) / seconds / 2 ** 20,
    });

    // Exactly-once: transactions of 1000 messages (AddPartitionsToTxn, produce, EndTxn each), one producer.
    const transactional = await transport.transactionalProducer(`bench-${topic}`);
    const txRecords = Math.max(batch, Math.floor(records / 4));
    started = performance.now();
    for (let sent = 0; sent < txRecords; sent += batch) {
      const tx = await transactional.transaction();
      await tx.send(topic, Array.from({ length: Math.min(batch, txRecords - sent) }, message));
      await tx.commit();
    }
    seconds = (performance.now() - started) / 1000;
    rows.push({
      tool: `kafkajs (our transport), transactions of ${batch}, one producer`,
      records: txRecords,
      recordSize: RECORD_SIZE,
      recordsPerSecond: txRecords / seconds,
      mbPerSecond: (txRecords * RECORD_SIZE) / seconds / 2 ** 20,
    });
  } finally {
    await transport.close();
    await deleteTopics(bootstrap, [topic]);
  }
  return rows;
}

/**
 * Runs every Kafka figure against the broker at `bootstrap` (it must answer). The shop runs in a
 * fresh Bun process so its peak RSS is its own.
 */
export async function benchKafka(options: KafkaBenchOptions): Promise<KafkaBenchResult> {
  const { bootstrap } = options;
  const records = options.records ?? 200_000;
  const proc = Bun.spawnSync(
    ['bun', import.meta.path, '--scenario', 'shop', bootstrap, String(options.orders ?? 2000), String(options.concurrency ?? 200)],
    { stderr: 'inherit' },
  );
  if (proc.exitCode !== 0) throw new Error(`Kafka shop scenario failed (exit ${proc.exitCode})`);
  const shop = JSON.parse(proc.stdout.toString().trim().split('\n').at(-1) ?? '') as KafkaShopRow;
  const bulkProc = Bun.spawnSync(['bun', import.meta.path, '--scenario', 'bulk', bootstrap, String(options.bulk ?? 10_000)], {
    stderr: 'inherit',
  });
  if (bulkProc.exitCode !== 0) throw new Error(`Kafka bulk scenario failed (exit ${bulkProc.exitCode})`);
  const bulk = JSON.parse(bulkProc.stdout.toString().trim().split('\n').at(-1) ?? '') as KafkaBenchResult['bulk'];
  const perf = await producerPerformance(bootstrap, records);
  const kafkajs = await kafkajsProducer(bootstrap, records);
  return { name: 'kafka', bootstrap, shop, bulk, producerPerformance: perf, kafkajs };
}

export function printKafkaBench(result: KafkaBenchResult): void {
  const s = result.shop;
  const b = result.bulk;
  console.log(
    `\nwhole shop on Kafka (${result.bootstrap}), one process, speed 0, exactly-once: orders placed in bulk, timed to the last delivered`,
  );
  console.table([
    {
      orders: b.orders,
      'orders/s': b.ordersPerSecond.toFixed(0),
      'messages/s': b.messagesPerSecond.toFixed(0),
      'messages/order': b.messagesPerOrder.toFixed(1),
      'peak RSS MiB': b.peakRssMiB.toFixed(0),
    },
  ]);
  console.log(`\nwhole shop on Kafka (${result.bootstrap}), speed 0, placed -> delivered by a closed loop of clients`);
  console.table([
    {
      scenario: s.scenario,
      orders: s.orders,
      concurrency: s.concurrency,
      'orders/s': s.ordersPerSecond.toFixed(1),
      'p50 ms': s.p50Ms.toFixed(1),
      'p99 ms': s.p99Ms.toFixed(1),
      'peak RSS MiB': s.peakRssMiB.toFixed(0),
      unfinished: s.unfinished,
      'messages/order': s.messagesPerOrder.toFixed(1),
    },
  ]);
  console.log(`\nraw producer limit on the same broker (${RECORD_SIZE}-byte records, ${PARTITIONS} partitions)`);
  const rows = [...('skipped' in result.producerPerformance ? [] : [result.producerPerformance]), ...result.kafkajs];
  console.table(
    rows.map((r) => ({
      producer: r.tool,
      records: r.records,
      'records/s': r.recordsPerSecond.toFixed(0),
      'MB/s': r.mbPerSecond.toFixed(2),
      ...(r.p99LatencyMs !== undefined ? { 'p99 ms': r.p99LatencyMs.toFixed(0) } : {}),
    })),
  );
  if ('skipped' in result.producerPerformance) console.log(`Kafka ProducerPerformance skipped: ${result.producerPerformance.skipped}`);
  else {
    const perf = result.producerPerformance;
    console.log(
      `the shop's ${b.ordersPerSecond.toFixed(0)} orders/s x ${b.messagesPerOrder.toFixed(1)} messages each = ${b.messagesPerSecond.toFixed(0)} messages/s, ` +
        `${((100 * b.messagesPerSecond) / perf.recordsPerSecond).toFixed(1)} % of the ${perf.recordsPerSecond.toFixed(0)} records/s Kafka's own producer reaches in the same run`,
    );
  }
}

if (import.meta.main) {
  const i = process.argv.indexOf('--scenario');
  if (i >= 0) {
    const [scenario, bootstrap, orders, concurrency] = process.argv.slice(i + 1);
    if (scenario === 'bulk') console.log(JSON.stringify(await shopOnKafkaBulk(bootstrap as string, Number(orders))));
    else console.log(JSON.stringify(await shopOnKafka(bootstrap as string, Number(orders), Number(concurrency))));
  } else {
    const bootstrap = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';
    printKafkaBench(await benchKafka({ bootstrap }));
  }
}
