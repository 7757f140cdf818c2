import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/sqlite.ts';
import { eachMessage } from '../../src/transport/eachMessage.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../../src/transport/embeddedLog.ts';
import type { DeliveredMessage, OutgoingMessage, RecordMetadata } from '../../src/transport/transport.ts';
import { waitFor } from '../support/waitFor.ts';

const dir = mkdtempSync(join(tmpdir(), 'embedded-log-store-'));
let files = 0;
const freshPath = () => join(dir, `log-${++files}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const decoder = new TextDecoder();

/** Every message of a topic, read by a new group, once the log is idle. */
async function readAll(log: EmbeddedLog, topic: string): Promise<DeliveredMessage[]> {
  const seen: DeliveredMessage[] = [];
  const consumer = log.consumer({ groupId: `reader-${Math.random()}`, topics: [topic] });
  await consumer.run(eachMessage(async (m) => void seen.push(m)));
  await log.capabilities.whenIdle();
  await consumer.close();
  return seen;
}

const byPartition = (messages: DeliveredMessage[], partition: number) => messages.filter((m) => m.partition === partition);

describe('embedded log on a SQLite file', () => {
  it('keeps messages, topics and committed offsets across close and reopen; offsets continue', async () => {
    const path = freshPath();
    let log = createEmbeddedLog({ path });
    await log.ensureTopics([
      { topic: 'orders', partitions: 3 },
      { topic: 'empty', partitions: 2 },
    ]);
    const sent: OutgoingMessage[] = Array.from({ length: 30 }, (_, i) => ({
      key: `order-${i % 5}`,
      value: `v-${i}`,
      headers: { n: String(i) },
      timestamp: 1_000 + i,
    }));
    const metas = await log.producer().send('orders', sent);
    const consumer = log.consumer({ groupId: 'status', topics: ['orders'] });
    await consumer.run(eachMessage(async () => {}));
    await log.capabilities.whenIdle();
    await consumer.commit([
      { topic: 'orders', partition: 0, offset: 1 },
      { topic: 'orders', partition: 2, offset: 3 },
    ]);
    const before = await readAll(log, 'orders');
    await log.close();

    log = createEmbeddedLog({ path });
    expect(await log.partitions('orders')).toBe(3);
    expect(await log.partitions('empty')).toBe(2);
    expect(await log.endOffsets('empty')).toEqual(
      new Map([
        [0, 0],
        [1, 0],
      ]),
    );
    expect(await log.committedOffsets('status', 'orders')).toEqual(
      new Map([
        [0, 1],
        [2, 3],
      ]),
    );
    const after = await readAll(log, 'orders');
    const strip = (m: DeliveredMessage) => ({ ...m, value: decoder.decode(m.value) });
    expect(after.map(strip).sort((a, b) => a.partition - b.partition || a.offset - b.offset)).toEqual(
      before.map(strip).sort((a, b) => a.partition - b.partition || a.offset - b.offset),
    );
    expect(after).toHaveLength(30);
    for (const m of after) {
      const i = Number(m.headers.n);
      expect(decoder.decode(m.value)).toBe(`v-${i}`);
      expect(m.timestamp).toBe(1_000 + i);
      expect(m.key).toBe(`order-${i % 5}`);
      expect({ partition: m.partition, offset: m.offset }).toEqual({ partition: metas[i]?.partition, offset: metas[i]?.offset });
    }

    const ends = await log.endOffsets('orders');
    const [next] = await log.producer().send('orders', [{ key: 'order-0', value: 'after reopen' }]);
    expect(next?.offset).toBe(ends.get(next?.partition ?? -1));

    // The group resumes where it committed: partition 0 from 1, partition 2 from 3, partition 1 from the start.
    const resumed: DeliveredMessage[] = [];
    const again = log.consumer({ groupId: 'status', topics: ['orders'] });
    await again.run(eachMessage(async (m) => void resumed.push(m)));
    await log.capabilities.whenIdle();
    expect(byPartition(resumed, 0)[0]?.offset).toBe(1);
    expect(byPartition(resumed, 1)[0]?.offset).toBe(0);
    expect(byPartition(resumed, 2)[0]?.offset).toBe(3);
    await log.close();
  });

  it('a send that resolved survives a crash of the process (SIGKILL, no close); its stale lock is taken over', async () => {
    const path = freshPath();
    const child = spawnSync('bun', [join(import.meta.dirname, 'fixtures', 'sendThenDie.ts'), path, 'crashy', '40'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal, `child stderr: ${child.stderr}`).toBe('SIGKILL');
    const lines = child.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('committed');
    const acknowledged = lines.slice(0, -1).map((l) => JSON.parse(l) as RecordMetadata);
    expect(acknowledged).toHaveLength(40);

    expect(existsSync(`${path}.lock`)).toBe(true); // left by the killed process: stale, taken over
    const log = createEmbeddedLog({ path });
    const stored = await readAll(log, 'crashy');
    expect(stored).toHaveLength(40);
    for (const meta of acknowledged) {
      const m = stored.find((s) => s.partition === meta.partition && s.offset === meta.offset);
      expect(m, `message at ${meta.partition}@${meta.offset}`).toBeDefined();
    }
    expect(stored.map((m) => decoder.decode(m.value)).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `crash-${i}`).sort());
    expect(await log.committedOffsets('survivor', 'crashy')).toEqual(new Map([[0, 2]]));
    await log.close();
  });

  it('stores many concurrent sends in order per partition (group commit), read back from SQLite', async () => {
    const path = freshPath();
    // A small tail cache, so that reading back goes to SQLite rather than memory.
    let log = createEmbeddedLog({ path, tailCacheMessages: 50 });
    await log.ensureTopics([{ topic: 'bulk', partitions: 6 }]);
    const producer = log.producer();
    const keys = Array.from({ length: 24 }, (_, k) => `key-${k}`);
    const count = 12_000;
    const sends: Promise<RecordMetadata[]>[] = [];
    const sentPerKey = new Map<string, string[]>(keys.map((k) => [k, []]));
    const send = (messages: { key: string; value: string }[]) => {
      for (const m of messages) sentPerKey.get(m.key)?.push(m.value);
      sends.push(producer.send('bulk', messages));
    };
    // Single-message sends fired without waiting, interleaved with a few bulk sends.
    for (let i = 0; i < count; i++) {
      if (i % 1000 === 0) send(Array.from({ length: 100 }, (_, j) => ({ key: keys[j % 24] as string, value: `bulk-${i}-${j}` })));
      send([{ key: keys[i % 24] as string, value: `single-${i}` }]);
    }
    const metas = (await Promise.all(sends)).flat();
    const total = count + 12 * 100;
    expect(metas).toHaveLength(total);
    const ends = await log.endOffsets('bulk');
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(total);

    const expectedOrder = (messages: DeliveredMessage[]) => {
      for (let p = 0; p < 6; p++) {
        const offsets = byPartition(messages, p).map((m) => m.offset);
        expect(offsets).toEqual(offsets.map((_, i) => i));
      }
      // per key, values come back in the order they were sent
      for (const key of keys) {
        expect(messages.filter((m) => m.key === key).map((m) => decoder.decode(m.value))).toEqual(sentPerKey.get(key));
      }
    };

    expectedOrder(await readAll(log, 'bulk'));
    await log.close();
    log = createEmbeddedLog({ path, tailCacheMessages: 50 });
    expectedOrder(await readAll(log, 'bulk'));
    await log.close();
  });

  it('refuses a second open of the same file in one process, and a file that is not an embedded log', async () => {
    const path = freshPath();
    const log = createEmbeddedLog({ path });
    expect(() => createEmbeddedLog({ path })).toThrow(/already open in this process/);
    await log.close();
    const reopened = createEmbeddedLog({ path });
    await reopened.close();

    const foreign = freshPath();
    const db = openSqlite(foreign);
    db.exec('PRAGMA user_version = 7');
    db.close();
    expect(() => createEmbeddedLog({ path: foreign })).toThrow(/not an embedded log file/);
  });

  it('refuses a file another process has open, and opens it once that process is gone', async () => {
    const path = freshPath();
    const child = spawn('bun', [join(import.meta.dirname, 'fixtures', 'holdOpen.ts'), path], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      err += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => out.includes('ready'), { timeoutMs: 30_000, message: () => `the child never opened the log: ${err}` });
      expect(() => createEmbeddedLog({ path })).toThrow(`in use by process ${child.pid}`);
    } finally {
      child.stdin.end();
    }
    expect(await exited).toBe(0);
    const log = createEmbeddedLog({ path });
    expect(await log.endOffsets('held')).toEqual(new Map([[0, 1]]));
    await log.close();
  });

  it('in memory mode writes nothing to disk', async () => {
    const cwd = process.cwd();
    const scratch = mkdtempSync(join(tmpdir(), 'embedded-log-memory-'));
    process.chdir(scratch);
    try {
      const log = createEmbeddedLog();
      expect(log.path).toBeNull();
      await log.ensureTopics([{ topic: 'mem', partitions: 2 }]);
      await log.producer().send(
        'mem',
        Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `m${i}` })),
      );
      const consumer = log.consumer({ groupId: 'g', topics: ['mem'] });
      await consumer.run(eachMessage(async (m) => consumer.commit([{ topic: m.topic, partition: m.partition, offset: m.offset + 1 }])));
      await log.capabilities.whenIdle();
      expect([...(await log.committedOffsets('g', 'mem')).values()].reduce((a, b) => a + b, 0)).toBe(100);
      await log.close();
      expect(readdirSync(scratch)).toEqual([]);
      expect(existsSync(join(scratch, 'data'))).toBe(false);
    } finally {
      process.chdir(cwd);
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
