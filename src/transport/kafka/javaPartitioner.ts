import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';
import { partitionForKey } from '../partitioner.ts';

/**
 * A kafkajs partitioner that places messages exactly where Kafka's Java client (and the
 * embedded log) would: a keyed message goes to `partitionForKey(key, partitionCount)` — the same
 * function the embedded log uses — and a message without a key goes round-robin over the
 * partitions that have a leader. An explicit `partition` wins.
 *
 * `placed`, when given, records the partition chosen for each message object, so the caller can
 * tell every message's offset from the per-partition base offsets kafkajs returns. A message
 * placed once keeps its partition if kafkajs asks again on a retry.
 *
 * @example
 * kafka.producer({ createPartitioner: createJavaPartitioner() });
 */
export function createJavaPartitioner(placed?: WeakMap<object, number>): ICustomPartitioner {
  return () => {
    const counters = new Map<string, number>();
    return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
      const count = partitionMetadata.length;
      const before = placed?.get(message);
      if (before !== undefined && before < count) return before;
      let partition: number;
      if (message.partition !== null && message.partition !== undefined) {
        partition = message.partition;
      } else if (message.key !== null && message.key !== undefined) {
        partition = partitionForKey(message.key, count);
      } else {
        const available = partitionMetadata.filter((p) => p.leader >= 0).map((p) => p.partitionId);
        const next = counters.get(topic) ?? Math.floor(Math.random() * count);
        counters.set(topic, next + 1);
        partition = available.length > 0 ? (available[next % available.length] as number) : next % count;
      }
      placed?.set(message, partition);
      return partition;
    };
  };
}
