/**
 * Embedded log throughput: messages per second produced and consumed, in memory and on a SQLite
 * file. `bun bench/embeddedLog.bench.ts` prints a table and a JSON line; `benchEmbeddedLog()` is
 * what `bun run bench` (bench/run.ts) calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedLog, type EmbeddedLog } from '../src/transport/embeddedLog.ts';
import type { OutgoingMessage, RecordMetadata } from '../src/transport/transport.ts';

export interface EmbeddedLogBenchOptions {
  /** messages per scenario; default 100 000 */
  messages?: number;
  /** default 6 */
  partitions?: number;
  /** value size in bytes; default 200 */
  valueBytes?: number;
}

export interface EmbeddedLogBenchRow {
  scenario: string;
  mode: 'memory' | 'file';
  messages: number;
  ms: number;
  messagesPerSecond: number;
}

export interface EmbeddedLogBenchResult {
  name: 'embeddedLog';
  runtime: string;
  cpus: number;
  partitions: number;
  valueBytes: number;
  rows: EmbeddedLogBenchRow[];
}

const TOPIC = 'bench';

function makeMessages(n: number, valueBytes: number): OutgoingMessage[] {
  const filler = 'x'.repeat(Math.max(0, valueBytes - 60));
  return Array.from({ length: n }, (_, i) => {
    const value = `{"status":100,"timestamp":${1_700_000_000_000 + i},"n":${i},"pad":"${filler}"}`;
    return { key: (i * 2654435761).toString(16).padStart(8, '0').slice(-8), value: value.slice(0, valueBytes) };
  });
}

/** Sends in batches of `batch`, with up to `window` sends in flight (window 1 = each send awaited). */
async function produce(log: EmbeddedLog, messages: OutgoingMessage[], batch: number, window: number): Promise<void> {
  const producer = log.producer();
  const inFlight = new Set<Promise<RecordMetadata[]>>();
  for (let i = 0; i < messages.length; i += batch) {
    const p = producer.send(TOPIC, messages.slice(i, i + batch));
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/** One member of a new group reads the whole topic in batches; optionally commits after every message or batch. */
async function consume(log: EmbeddedLog, expected: number, commit: 'none' | 'message' | 'batch'): Promise<void> {
  let seen = 0;
  const consumer = log.consumer({ groupId: `bench-${Math.random()}`, topics: [TOPIC] });
  await consumer.run(async ({ topic, partition, messages }) => {
    for (const m of messages) {
      seen += 1;
      if (commit === 'message') await consumer.commit([{ topic, partition, offset: m.offset + 1 }]);
    }
    if (commit === 'batch') await consumer.commit([{ topic, partition, offset: (messages.at(-1)?.offset ?? 0) + 1 }]);
  });
  await log.capabilities.whenIdle();
  if (seen !== expected) throw new Error(`bench: consumed ${seen} of ${expected}`);
  await consumer.close();
}

/** Transactions of `batch` messages, each committed before the next (one producer). */
async function produceTransactions(log: EmbeddedLog, messages: OutgoingMessage[], batch: number): Promise<void> {
  const producer = await log.transactionalProducer('bench');
  for (let i = 0; i < messages.length; i += batch) {
    const tx = await producer.transaction();
    await tx.send(TOPIC, messages.slice(i, i + batch));
    await tx.commit();
  }
  await producer.close();
}

/**
 * Exactly-once read-process-write, as a batching actor host does it: every batch read from the
 * topic is written to a second topic with the batch's offsets, in one transaction per batch.
 */
async function copyInTransactions(log: EmbeddedLog, expected: number): Promise<void> {
  const groupId = `bench-copy-${Math.random()}`;
  const output = `${TOPIC}-copy-${Math.random().toString(16).slice(2)}`;
  await log.ensureTopics([{ topic: output, partitions: await log.partitions(TOPIC) }]);
  const producer = await log.transactionalProducer(groupId);
  let copied = 0;
  const consumer = log.consumer({ groupId, topics: [TOPIC] });
  await consumer.run(async ({ topic, partition, messages }) => {
    const tx = await producer.transaction();
    await tx.send(
      output,
      messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp })),
    );
    await tx.sendOffsets(groupId, [{ topic, partition, offset: (messages.at(-1)?.offset ?? 0) + 1 }]);
    await tx.commit();
    copied += messages.length;
  });
  await log.capabilities.whenIdle();
  if (copied !== expected) throw new Error(`bench: copied ${copied} of ${expected}`);
  await consumer.close();
  await producer.close();
}

async function timed(scenario: string, mode: 'memory' | 'file', messages: number, fn: () => Promise<void>): Promise<EmbeddedLogBenchRow> {
  const started = performance.now();
  await fn();
  const ms = performance.now() - started;
  return { scenario, mode, messages, ms: Math.round(ms), messagesPerSecond: Math.round((messages / ms) * 1000) };
}

export async function benchEmbeddedLog(options: EmbeddedLogBenchOptions = {}): Promise<EmbeddedLogBenchResult> {
  const n = options.messages ?? 100_000;
  const partitions = options.partitions ?? 6;
  const valueBytes = options.valueBytes ?? 200;
  const messages = makeMessages(n, valueBytes);
  const rows: EmbeddedLogBenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'embedded-log-bench-'));
  let files = 0;
  const open = async (mode: 'memory' | 'file') => {
    const log = mode === 'memory' ? createEmbeddedLog() : createEmbeddedLog({ path: join(dir, `bench-${++files}.db`) });
    await log.ensureTopics([{ topic: TOPIC, partitions }]);
    return log;
  };

  try {
    for (const mode of ['memory', 'file'] as const) {
      let log = await open(mode);
      rows.push(await timed('produce, batches of 100, 1 in flight', mode, n, () => produce(log, messages, 100, 1)));
      rows.push(await timed('consume, no commit', mode, n, () => consume(log, n, 'none')));
      rows.push(await timed('consume, commit every message', mode, n, () => consume(log, n, 'message')));
      rows.push(await timed('consume, commit every batch', mode, n, () => consume(log, n, 'batch')));
      rows.push(await timed('read-process-write: each batch copied in one transaction', mode, n, () => copyInTransactions(log, n)));
      if (mode === 'file') {
        const path = log.path as string;
        await log.close();
        log = createEmbeddedLog({ path });
        rows.push(await timed('consume after reopen (from SQLite)', mode, n, () => consume(log, n, 'none')));
      }
      await log.close();

      log = await open(mode);
      rows.push(await timed('produce, transactions of 1000, each committed', mode, n, () => produceTransactions(log, messages, 1000)));
      await log.close();

      log = await open(mode);
      rows.push(await timed('produce, single sends, 1000 in flight', mode, n, () => produce(log, messages, 1, 1000)));
      await log.close();

      const awaited = Math.min(n, 20_000);
      log = await open(mode);
      rows.push(await timed('produce, single sends, each awaited', mode, awaited, () => produce(log, messages.slice(0, awaited), 1, 1)));
      await log.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const runtime =
    typeof (globalThis as { Bun?: { version: string } }).Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.version}`;
  return { name: 'embeddedLog', runtime, cpus: cpus().length, partitions, valueBytes, rows };
}

export function printEmbeddedLogBench(result: EmbeddedLogBenchResult): void {
  console.log(
    `embedded log: ${result.rows[0]?.messages ?? 0} messages of ${result.valueBytes} bytes over ${result.partitions} partitions (${result.runtime}, ${result.cpus} cpus)`,
  );
  const header = ['mode', 'scenario', 'messages', 'ms', 'msg/s'];
  const lines = result.rows.map((r) => [r.mode, r.scenario, String(r.messages), String(r.ms), r.messagesPerSecond.toLocaleString('en-US')]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i >= 2 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}

if (import.meta.main) {
  const result = await benchEmbeddedLog();
  printEmbeddedLogBench(result);
  console.log(JSON.stringify(result));
}
