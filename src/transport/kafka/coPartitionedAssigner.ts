import { hostname } from 'node:os';
import { AssignerProtocol, type GroupMember, type PartitionAssigner } from 'kafkajs';
import { assignCoPartitioned } from '../assignCoPartitioned.ts';
import type { TopicPartition } from '../transport.ts';

/** The group protocol name every shop consumer announces (all members of a group must share it). */
export const CO_PARTITIONED_ASSIGNER = 'PizzaCoPartitioned';

const VERSION = 0;

/**
 * The kafkajs partition assigner of the shop: `assignCoPartitioned` over the members sorted by
 * member id, so partition p of every subscribed topic goes to one member (kafkajs's own
 * round-robin assigner deals topic-partitions out one by one, which splits an order's topics over
 * members). Only the group leader runs `assign`; each member's subscription comes from the
 * metadata it sent with JoinGroup (its `protocol`), the partition counts from the leader's
 * cluster metadata, which kafkajs refreshes right before.
 *
 * @example
 * kafka.consumer({ groupId: 'delivery', partitionAssigners: [coPartitionedAssigner] });
 */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster, logger }) => ({
  name: CO_PARTITIONED_ASSIGNER,
  version: VERSION,

  async assign({ members, topics }) {
    const subscribers = [...members]
      .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
      .map((member) => ({ id: member.memberId, topics: subscriptionOf(member, topics) }));
    const all = [...new Set(subscribers.flatMap((m) => m.topics))].sort();
    const unknown = all.filter((topic) => !topics.includes(topic));
    if (unknown.length > 0) {
      // Another member reads topics the leader does not: fetch their metadata too, as Java does.
      await cluster.addMultipleTargetTopics(unknown).catch((error: unknown) => {
        logger.warn('metadata of topics other members subscribe to is unavailable; they stay unassigned', {
          topics: unknown,
          error: (error as Error).message,
        });
      });
    }
    const target = assignCoPartitioned(
      subscribers,
      all.map((topic) => ({ topic, partitions: partitionCount(cluster.findTopicPartitionMetadata(topic)) })),
    );
    return subscribers.map(({ id }) => ({
      memberId: id,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: VERSION,
        assignment: byTopic(target.get(id) ?? []),
        userData: Buffer.alloc(0),
      }),
    }));
  },

  protocol({ topics }) {
    return {
      name: CO_PARTITIONED_ASSIGNER,
      // user data: which process this member is (the console's groups page shows it)
      metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: Buffer.from(memberProcess()) }),
    };
  },
});

/** `host pid 1234`: the process a member runs in, sent with its subscription. */
export function memberProcess(): string {
  return `${hostname()} pid ${process.pid}`;
}

/** The process a member announced in its JoinGroup metadata, if it is one of ours. */
export function processOf(memberMetadata: Buffer): string | undefined {
  try {
    const text = AssignerProtocol.MemberMetadata.decode(memberMetadata)?.userData?.toString('utf8');
    return text && /^\S+ pid \d+$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The topics a member subscribed to, from its JoinGroup metadata (the leader's when unreadable). */
function subscriptionOf(member: GroupMember, fallback: string[]): string[] {
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
    if (decoded && Array.isArray(decoded.topics)) return decoded.topics;
  } catch {
    // not our encoding: fall through
  }
  return fallback;
}

/** Partitions are numbered 0..n-1; the highest id known decides n, even if the list has gaps. */
function partitionCount(metadata: { partitionId: number }[]): number {
  return metadata.reduce((n, p) => Math.max(n, p.partitionId + 1), 0);
}

function byTopic(partitions: TopicPartition[]): Record<string, number[]> {
  const assignment: Record<string, number[]> = {};
  for (const { topic, partition } of partitions) {
    const list = assignment[topic];
    if (list) list.push(partition);
    else assignment[topic] = [partition];
  }
  return assignment;
}
