import { assignCoPartitioned } from '../assignCoPartitioned.ts';
import type { GroupMember } from './groupMember.ts';
import type { LogCore } from './logCore.ts';

/**
 * The coordinator of one consumer group inside the process. Joins, leaves and crashes each cause a
 * rebalance; rebalances run one at a time, in the order they were asked for:
 * 1. the new assignment is computed (`assignCoPartitioned` over the members in join order: partition p
 *    of every subscribed topic goes to the same member, so one order's messages meet at one member);
 * 2. every member losing partitions stops fetching them, waits for its handler on them, and gets
 *    `onRevoked` (it still owns them there, so it can commit what it finished);
 * 3. every member gets `onAssigned` with all it now owns, then fetching starts; a partition new to
 *    a member starts at the group's committed offset (earliest when none), so whatever the previous
 *    owner did not commit is delivered again.
 * Only partitions that move are revoked (the others keep flowing through the rebalance).
 */
export class ConsumerGroup {
  /** members in join order */
  private readonly members: GroupMember[] = [];
  private queue: Promise<void> = Promise.resolve();
  private pendingOps = 0;

  constructor(
    readonly id: string,
    private readonly core: LogCore,
  ) {}

  /** true while a join, leave or rebalance is queued or running */
  get busy(): boolean {
    return this.pendingOps > 0;
  }

  join(member: GroupMember): Promise<void> {
    return this.enqueue(async () => {
      this.members.push(member);
      await this.rebalance();
    });
  }

  /** A member closing cleanly (already marked closing): its partitions go to the others in one rebalance. */
  leave(member: GroupMember): Promise<void> {
    return this.enqueue(async () => {
      await this.rebalance();
      this.remove(member);
    });
  }

  /** A member vanished (crash): it is out at once, without revoke callbacks; the rest rebalance. */
  crashed(member: GroupMember): void {
    this.remove(member);
    void this.enqueue(() => this.rebalance());
  }

  private remove(member: GroupMember): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    this.pendingOps += 1;
    const run = this.queue
      .then(op)
      .catch((error: unknown) => this.core.reportError(error, `rebalance of group ${this.id}`))
      .finally(() => {
        this.pendingOps -= 1;
        this.core.notify();
      });
    this.queue = run;
    return run;
  }

  private async rebalance(): Promise<void> {
    const eligible = this.members.filter((m) => m.alive && !m.closing);
    const topics = [...new Set(eligible.flatMap((m) => m.topics))];
    const target = assignCoPartitioned(
      eligible.map((m) => ({ id: m.memberId, topics: m.topics })),
      topics.map((topic) => ({ topic, partitions: this.core.partitionCount(topic) })),
    );
    await Promise.all(this.members.filter((m) => m.alive).map((m) => m.revokeAllBut(target.get(m.memberId) ?? [])));
    await Promise.all(eligible.filter((m) => m.alive && !m.closing).map((m) => m.assign(target.get(m.memberId) ?? [])));
  }
}
