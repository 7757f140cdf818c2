import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { ShopError } from '../../errors.ts';
import type { DeliveredMessage } from '../transport.ts';
import { fromKafkaMessage } from './kafkaMessages.ts';

/**
 * Reads committed messages of one partition from `from` up to the end it has when the read starts
 * (at most `max`). kafkajs has no group-less fetch, so this joins a throwaway group of its own,
 * seeks, and leaves once it reached the end: a few hundred ms against a local broker, which is
 * what restoring a task's state on assignment costs. Bounded: 60 s.
 */
export async function readPartition(
  kafka: Kafka,
  end: number,
  topic: string,
  partition: number,
  from: number,
  max: number,
): Promise<DeliveredMessage[]> {
  const target = Math.min(end, from + max);
  if (from >= target) return [];
  const out: DeliveredMessage[] = [];
  const consumer = kafka.consumer({
    groupId: `pizza-reader-${randomUUID()}`,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
  });
  let done!: () => void;
  let failed!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const timer = setTimeout(
    () =>
      failed(new ShopError('KAFKA_READ_TIMEOUT', `kafka: reading ${topic}[${partition}] from ${from} took over 60 s`, { retriable: true })),
    60_000,
  );
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let seeked = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (seeked) return;
      seeked = true;
      consumer.seek({ topic, partition, offset: String(from) });
    });
    // The end is where a read-committed fetch brings nothing more for the partition: the last
    // offsets of a transactional partition are commit markers (and aborted data), which never
    // arrive as messages. Two empty fetches in a row, after the seek, say the partition is read.
    let sawPartition = false;
    let emptyFetches = 0;
    consumer.on(consumer.events.FETCH_START, () => {
      sawPartition = false;
    });
    consumer.on(consumer.events.FETCH, () => {
      if (!seeked) return;
      emptyFetches = sawPartition ? 0 : emptyFetches + 1;
      if (emptyFetches >= 2) done();
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.partition !== partition) return;
        sawPartition = true;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < from) continue;
          if (offset >= target) break;
          out.push(fromKafkaMessage(topic, partition, m));
        }
        if (Number(batch.lastOffset()) + 1 >= target) done();
      },
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
  return out;
}
