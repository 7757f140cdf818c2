import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loadKafkaConfig } from '../../src/config/loadKafkaConfig.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { toKafkaClientOptions } from '../../src/transport/kafka/kafkaClientOptions.ts';
import { quietKafkaJsTimerWarning } from '../../src/transport/kafka/quietKafkaJsTimerWarning.ts';
import type { StageMessage } from './auditStages.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Which partitions have not been read to their end yet, for the timeout message. */
function behind(ends: Map<string, number>, reached: Map<string, number>): string {
  const late = [...ends].filter(([tp, end]) => (reached.get(tp) ?? -1) < end - 1);
  return late
    .slice(0, 8)
    .map(([tp, end]) => `${tp} at ${(reached.get(tp) ?? -1) + 1} of ${end}`)
    .join(', ');
}

/**
 * Every message of `topics` from the beginning, as a read-committed consumer sees them (aborted
 * transactions and transaction markers are not messages), read with kafkajs directly — the audit
 * does not trust the transport it audits. Reads until each partition's position passed the end
 * the broker reported at the start; an open transaction holds a read-committed reader back, so
 * the bound's message names the partitions still behind.
 */
export async function readStagesKafka(kafkaIni: string, topics: string[], timeoutMs: number): Promise<StageMessage[]> {
  quietKafkaJsTimerWarning();
  const options = toKafkaClientOptions(loadKafkaConfig(kafkaIni));
  const kafka = new Kafka({ ...options.client, clientId: 'pizza-chaos-audit', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > 0) ends.set(`${topic}/${p.partition}`, Number(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  const seen: StageMessage[] = [];
  if (ends.size === 0) return seen;

  const consumer = kafka.consumer({
    groupId: `pizza-chaos-audit-${randomBytes(4).toString('hex')}`,
    readUncommitted: false,
    maxWaitTimeInMs: 200,
  });
  // The last offset each batch covered, markers and aborted records included (kafkajs reports
  // batches that only held those too), so a partition ending in a marker still counts as read.
  const reached = new Map<string, number>();
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    const tp = `${e.payload.topic}/${e.payload.partition}`;
    reached.set(tp, Math.max(reached.get(tp) ?? -1, Number(e.payload.lastOffset)));
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        seen.push({
          topic,
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? '',
        });
        const tp = `${topic}/${partition}`;
        reached.set(tp, Math.max(reached.get(tp) ?? -1, Number(message.offset)));
      },
    });
    const deadline = performance.now() + timeoutMs;
    while ([...ends].some(([tp, end]) => (reached.get(tp) ?? -1) < end - 1)) {
      if (performance.now() > deadline) {
        throw new Error(
          `reading the stage topics (read-committed) did not reach their end within ${timeoutMs / 1000} s: ${behind(ends, reached)} (an open transaction holds a read-committed reader back)`,
        );
      }
      await sleep(50);
    }
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Every message of `topics` in a stopped shop's embedded log (`<dataDir>/log.db`), from the
 * beginning, through the embedded log itself (the process that wrote it must be gone: the file
 * is locked by its writer).
 */
export async function readStagesEmbedded(dataDir: string, topics: string[], timeoutMs: number): Promise<StageMessage[]> {
  const log = createEmbeddedLog({ path: join(dataDir, 'log.db') });
  try {
    const ends = new Map<string, number>();
    for (const topic of topics)
      for (const [partition, end] of await log.endOffsets(topic)) if (end > 0) ends.set(`${topic}/${partition}`, end);
    const seen: StageMessage[] = [];
    const reached = new Map<string, number>();
    const consumer = log.consumer({ groupId: `pizza-chaos-audit-${randomBytes(4).toString('hex')}`, topics });
    await consumer.run(async ({ messages }) => {
      for (const m of messages) {
        seen.push({
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          key: m.key,
          value: typeof m.value === 'string' ? m.value : new TextDecoder().decode(m.value),
        });
        const tp = `${m.topic}/${m.partition}`;
        reached.set(tp, Math.max(reached.get(tp) ?? -1, m.offset));
      }
    });
    const deadline = performance.now() + timeoutMs;
    while ([...ends].some(([tp, end]) => (reached.get(tp) ?? -1) < end - 1)) {
      if (performance.now() > deadline)
        throw new Error(`reading the embedded log did not reach its end within ${timeoutMs / 1000} s: ${behind(ends, reached)}`);
      await sleep(20);
    }
    return seen;
  } finally {
    await log.close();
  }
}
