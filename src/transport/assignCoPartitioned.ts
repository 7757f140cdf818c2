import type { TopicPartition } from './transport.ts';

/** A member of a consumer group as the assignor sees it: its id and the topics it subscribes to. */
export interface AssignableMember {
  id: string;
  topics: readonly string[];
}

/** A subscribed topic and its partition count. */
export interface TopicPartitionCount {
  topic: string;
  partitions: number;
}

/**
 * The group assignor of both transports (the embedded log's consumer group and the Kafka assigner
 * `PizzaCoPartitioned`). Every message of an order is keyed by its id and the shop's topics have
 * the same partition count, so one order sits on partition p of every topic; an actor reading
 * several topics (delivery: ordered + baked + cancelled) must own partition p of all of them at
 * once. This is Kafka Streams' co-partitioning, and what Kafka's RangeAssignor gives co-partitioned
 * topics: partition *numbers* 0..max-1 are split into contiguous ranges over the members, in the
 * order given (earlier members take the one extra when it does not divide evenly), and partition p
 * of every topic goes to the owner of number p. A topic with fewer partitions simply lacks the
 * higher numbers.
 *
 * Members are taken in the order given, which must be the same wherever the assignment is computed
 * (the embedded log passes join order, Kafka sorted member ids). Topics are grouped by their set of
 * subscribers: co-partitioning holds among topics that the same members subscribe to (in the shop,
 * every member of a group subscribes to the same topics). Every member gets an entry, possibly
 * empty; each member's list is sorted by topic, then partition.
 *
 * @example
 * assignCoPartitioned(
 *   [{ id: 'a', topics: ['ordered', 'baked'] }, { id: 'b', topics: ['ordered', 'baked'] }],
 *   [{ topic: 'ordered', partitions: 3 }, { topic: 'baked', partitions: 3 }],
 * );
 * // Map { 'a' => [baked/0, baked/1, ordered/0, ordered/1], 'b' => [baked/2, ordered/2] }
 */
export function assignCoPartitioned(
  members: readonly AssignableMember[],
  topics: readonly TopicPartitionCount[],
): Map<string, TopicPartition[]> {
  const result = new Map<string, TopicPartition[]>(members.map((m) => [m.id, []]));
  const counts = new Map<string, number>();
  for (const { topic, partitions } of topics) counts.set(topic, Math.max(counts.get(topic) ?? 0, partitions));

  // Topics with the same subscribers share one split of the partition numbers.
  const bySubscribers = new Map<string, { subscribers: AssignableMember[]; topics: string[] }>();
  for (const topic of [...counts.keys()].sort()) {
    const subscribers = members.filter((m) => m.topics.includes(topic));
    if (subscribers.length === 0) continue;
    const key = subscribers.map((m) => m.id).join('\u0000');
    const group = bySubscribers.get(key);
    if (group) group.topics.push(topic);
    else bySubscribers.set(key, { subscribers, topics: [topic] });
  }

  for (const { subscribers, topics: shared } of bySubscribers.values()) {
    const numbers = Math.max(...shared.map((topic) => counts.get(topic) ?? 0));
    const owners = rangeOwners(numbers, subscribers.length);
    for (const topic of shared) {
      const count = counts.get(topic) ?? 0;
      for (let partition = 0; partition < count; partition++) {
        const owner = subscribers[owners[partition] as number] as AssignableMember;
        result.get(owner.id)?.push({ topic, partition });
      }
    }
  }
  for (const list of result.values()) list.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return result;
}

/**
 * Owner index of each partition number 0..numbers-1 when the numbers are split into contiguous
 * ranges over `members` members, the first `numbers % members` ranges one longer.
 */
function rangeOwners(numbers: number, members: number): number[] {
  const base = Math.floor(numbers / members);
  const longer = numbers % members;
  const owners: number[] = [];
  for (let member = 0; member < members; member++) {
    const size = base + (member < longer ? 1 : 0);
    for (let i = 0; i < size; i++) owners.push(member);
  }
  return owners;
}
