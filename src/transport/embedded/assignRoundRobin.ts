import type { TopicPartition } from '../transport.ts';

export interface AssignableMember {
  id: string;
  topics: readonly string[];
}

/**
 * Kafka's round-robin assignor, deterministic: the topic-partitions sorted by topic then partition
 * are dealt out one by one to the members in the order given (the embedded log passes join
 * order), skipping members that do not subscribe to the partition's topic.
 *
 * @example
 * assignRoundRobin([{ id: 'a', topics: ['t'] }, { id: 'b', topics: ['t'] }],
 *   [0, 1, 2].map((partition) => ({ topic: 't', partition })));
 * // Map { 'a' => [t/0, t/2], 'b' => [t/1] }
 */
export function assignRoundRobin(
  members: readonly AssignableMember[],
  partitions: readonly TopicPartition[],
): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>(members.map((m) => [m.id, []]));
  if (members.length === 0) return result;
  const sorted = [...partitions].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  let cursor = 0;
  for (const tp of sorted) {
    for (let tried = 0; tried < members.length; tried++) {
      const member = members[(cursor + tried) % members.length] as AssignableMember;
      if (!member.topics.includes(tp.topic)) continue;
      result.get(member.id)?.push({ topic: tp.topic, partition: tp.partition });
      cursor = (cursor + tried + 1) % members.length;
      break;
    }
  }
  return result;
}
