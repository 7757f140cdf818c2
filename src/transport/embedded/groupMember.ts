import { ShopError } from '../../errors.ts';
import type { BatchHandler, Consumer, OffsetCommit, RebalanceListener, TopicPartition } from '../transport.ts';
import type { ConsumerGroup } from './consumerGroup.ts';
import { deliveredCopy, type StoredCommit, type StoredMessage } from './logStore.ts';
import { type LogCore, tpKey } from './logCore.ts';
import type { PartitionLog } from './partitionLog.ts';

/** A consumer of the embedded log: the contract plus what only an in-process log can do. */
export interface EmbeddedConsumer extends Consumer {
  readonly memberId: string;
  /**
   * Simulates a crash of this member (a process killed mid-work): it leaves the group at once,
   * without waiting for its handler, without `onRevoked`, and without committing. Its partitions
   * go to the remaining members, which get every uncommitted message again. A handler still
   * running on it can no longer commit.
   */
  abandon(): void;
}

type State = 'created' | 'running' | 'closing' | 'closed' | 'crashed';

/** Most messages handed over in one batch (what one fetch of a partition returns at most). */
export const MAX_BATCH = 500;

/**
 * One owned partition of a member: its position (the next offset to hand over) and whether it may
 * be fetched. It does not deliver by itself: it asks its member for a turn (`kick`), because a
 * member hands over one batch at a time, whatever partition it comes from.
 */
class PartitionFetcher {
  paused = false;
  stopped = false;
  started = false;
  /** a batch of this partition is with the handler */
  running = false;
  /** settles when the batch in progress (if any) does */
  inFlight: Promise<void> = Promise.resolve();
  private readonly unlisten: () => void;

  constructor(
    readonly tp: TopicPartition,
    private readonly log: PartitionLog,
    /** the next offset to hand over */
    public position: number,
    private readonly wake: (fetcher: PartitionFetcher) => void,
  ) {
    this.unlisten = log.listen(() => this.kick());
  }

  get deliverable(): boolean {
    return this.started && !this.stopped && !this.paused && !this.running && this.position < this.log.end;
  }

  /** true while a batch is with the handler or messages are waiting to be handed over */
  get busy(): boolean {
    return this.running || this.deliverable;
  }

  start(): void {
    this.started = true;
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.unlisten();
  }

  kick(): void {
    if (this.deliverable) this.wake(this);
  }

  /** What is readable from the position on, at most `MAX_BATCH` messages. */
  read(): StoredMessage[] {
    const messages = this.log.read(this.position, MAX_BATCH);
    const first = messages[0];
    if (!first || first.offset !== this.position) {
      throw new Error(`embedded log: ${this.tp.topic}[${this.tp.partition}] read offset ${first?.offset} at position ${this.position}`);
    }
    return messages;
  }
}

/**
 * One member of a consumer group (the embedded log's `Consumer`). Its group decides what it owns.
 * It hands over one batch at a time: whatever is readable on one owned partition (at most
 * `MAX_BATCH` messages), then the next partition with messages waiting, in turn (a partition that
 * just had its turn queues up behind the others, so a busy one cannot starve the rest). Woken on a
 * microtask, never a timer: when a partition gets new messages, on resume, and after each batch.
 */
export class GroupMember implements EmbeddedConsumer {
  private state: State = 'created';
  private handler: BatchHandler | undefined;
  private listener: RebalanceListener = {};
  private readonly owned = new Map<string, PartitionFetcher>();
  /** owned partitions asking for a turn, in the order they asked */
  private readonly ready = new Set<PartitionFetcher>();
  /** the partition whose batch is with the handler */
  private active: PartitionFetcher | null = null;
  private pumpScheduled = false;
  private closing$: Promise<void> | undefined;
  private markDead!: () => void;
  /** settles when the member crashes: whatever waits on its handler or listener stops waiting */
  private readonly dead = new Promise<void>((resolve) => {
    this.markDead = resolve;
  });

  constructor(
    readonly memberId: string,
    readonly groupId: string,
    readonly topics: readonly string[],
    private readonly group: ConsumerGroup,
    private readonly core: LogCore,
    private readonly forget: (member: GroupMember) => void,
  ) {}

  /** in the group (running or closing) */
  get alive(): boolean {
    return this.state === 'running' || this.state === 'closing';
  }

  get closing(): boolean {
    return this.state === 'closing';
  }

  /** a handler runs or an owned, unpaused partition has a message waiting */
  get busy(): boolean {
    if (this.active) return true;
    for (const f of this.owned.values()) if (f.busy) return true;
    return false;
  }

  async run(handler: BatchHandler, listener: RebalanceListener = {}): Promise<void> {
    if (this.state !== 'created') {
      throw new ShopError('CONSUMER_STATE', `consumer ${this.memberId} of group ${this.groupId}: run() called when ${this.state}`);
    }
    if (typeof handler !== 'function') throw new ShopError('CONSUMER_STATE', `consumer ${this.memberId}: run() needs a handler function`);
    for (const topic of this.topics) this.core.partitionCount(topic); // fails clearly on a missing topic
    this.handler = handler;
    this.listener = listener;
    this.state = 'running';
    // The join completes asynchronously (like Kafka's): the member may own nothing yet.
    void this.group.join(this);
  }

  async commit(offsets: OffsetCommit[]): Promise<void> {
    if (!this.alive) {
      throw new ShopError('NOT_A_MEMBER', `consumer ${this.memberId} of group ${this.groupId} is ${this.state}: commit refused`);
    }
    const commits: StoredCommit[] = [];
    for (const c of offsets) {
      const key = tpKey(c.topic, c.partition);
      if (!this.owned.has(key)) {
        throw new ShopError(
          'NOT_PARTITION_OWNER',
          `consumer ${this.memberId} of group ${this.groupId} does not own ${c.topic}[${c.partition}]: commit refused`,
        );
      }
      const end = this.core.partitionLog(c.topic, c.partition).end;
      if (!Number.isInteger(c.offset) || c.offset < 0 || c.offset > end) {
        throw new ShopError(
          'INVALID_OFFSET',
          `commit of ${c.topic}[${c.partition}]: offset ${c.offset} is not in 0..${end} (end of the log)`,
        );
      }
      commits.push({ groupId: this.groupId, topic: c.topic, partition: c.partition, offset: c.offset });
    }
    if (commits.length === 0) return;
    const committed = this.core.committed(this.groupId);
    await this.core.writes.commit(commits, () => {
      for (const c of commits) committed.set(tpKey(c.topic, c.partition), c.offset);
    });
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const f = this.owned.get(tpKey(tp.topic, tp.partition));
      if (f) f.paused = true;
    }
    this.core.notify();
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const f = this.owned.get(tpKey(tp.topic, tp.partition));
      if (!f) continue;
      f.paused = false;
      f.kick();
    }
  }

  assignment(): TopicPartition[] {
    return [...this.owned.values()].map((f) => ({ ...f.tp }));
  }

  close(): Promise<void> {
    if (this.closing$) return this.closing$;
    if (this.state === 'created' || this.state === 'closed' || this.state === 'crashed') {
      if (this.state === 'created') this.state = 'closed';
      this.forget(this);
      return Promise.resolve();
    }
    this.state = 'closing';
    for (const f of this.owned.values()) f.stop();
    this.closing$ = (async () => {
      await this.whileAlive(Promise.all([...this.owned.values()].map((f) => f.inFlight)));
      if (this.state === 'closing') {
        await this.group.leave(this);
        this.state = 'closed';
      }
      this.forget(this);
    })();
    return this.closing$;
  }

  abandon(): void {
    if (this.state === 'created') {
      this.state = 'closed';
      this.forget(this);
      return;
    }
    if (!this.alive) return;
    this.die();
  }

  /** Group step 2: give up every owned partition not in `keep`. */
  async revokeAllBut(keep: TopicPartition[]): Promise<void> {
    const keepKeys = new Set(keep.map((tp) => tpKey(tp.topic, tp.partition)));
    const lost = [...this.owned.entries()].filter(([key]) => !keepKeys.has(key));
    if (lost.length === 0) return;
    for (const [, f] of lost) f.stop();
    await this.whileAlive(Promise.all(lost.map(([, f]) => f.inFlight)));
    if (!this.alive) return;
    await this.callListener(
      'onRevoked',
      lost.map(([, f]) => ({ ...f.tp })),
    );
    for (const [key, f] of lost) if (this.owned.get(key) === f) this.owned.delete(key);
  }

  /** Group step 3: own exactly `target` (new partitions start at the committed offset), then fetch. */
  async assign(target: TopicPartition[]): Promise<void> {
    const committed = this.core.committed(this.groupId);
    for (const tp of target) {
      const key = tpKey(tp.topic, tp.partition);
      if (this.owned.has(key)) continue;
      const log = this.core.partitionLog(tp.topic, tp.partition);
      this.owned.set(key, new PartitionFetcher({ ...tp }, log, committed.get(key) ?? 0, (f) => this.wake(f)));
    }
    await this.callListener(
      'onAssigned',
      target.map((tp) => ({ ...tp })),
    );
    if (this.state !== 'running') return;
    for (const f of this.owned.values()) if (!f.started) f.start();
  }

  /** A partition has messages to hand over: it queues for a turn. */
  private wake(fetcher: PartitionFetcher): void {
    this.ready.add(fetcher);
    if (this.pumpScheduled || this.active) return;
    this.pumpScheduled = true;
    queueMicrotask(() => this.pump());
  }

  /** Hands the next waiting partition's batch to the handler, unless one is with it already. */
  private pump(): void {
    this.pumpScheduled = false;
    if (this.active || this.state !== 'running') return;
    for (const fetcher of this.ready) {
      this.ready.delete(fetcher);
      if (!fetcher.deliverable || this.owned.get(tpKey(fetcher.tp.topic, fetcher.tp.partition)) !== fetcher) continue;
      this.active = fetcher;
      fetcher.running = true;
      fetcher.inFlight = this.deliver(fetcher, fetcher.read());
      return;
    }
  }

  private deliver(fetcher: PartitionFetcher, stored: StoredMessage[]): Promise<void> {
    const { topic, partition } = fetcher.tp;
    const messages = stored.map((m) => deliveredCopy(topic, partition, m));
    const last = (stored[stored.length - 1] as StoredMessage).offset;
    let handled: Promise<void>;
    try {
      handled = Promise.resolve((this.handler as BatchHandler)({ topic, partition, messages }));
    } catch (error) {
      handled = Promise.reject(error);
    }
    return handled.then(
      () => {
        fetcher.running = false;
        fetcher.position = last + 1;
        this.active = null;
        fetcher.kick(); // behind the partitions already waiting
        this.pump();
        this.core.notify();
      },
      (error: unknown) => {
        fetcher.running = false;
        this.active = null;
        // The contract: a handler that throws stops the member; its batch is not committed and
        // goes to the next owner.
        if (this.alive) {
          this.core.reportError(
            error,
            `handler of ${this.memberId} (group ${this.groupId}) on ${topic}[${partition}]@${stored[0]?.offset}..${last}; the member stops`,
          );
          this.die();
        }
        this.core.notify();
      },
    );
  }

  private die(): void {
    this.state = 'crashed';
    for (const f of this.owned.values()) f.stop();
    this.owned.clear();
    this.markDead();
    this.group.crashed(this);
    this.forget(this);
    this.core.notify();
  }

  private async callListener(name: 'onAssigned' | 'onRevoked', partitions: TopicPartition[]): Promise<void> {
    const fn = this.listener[name];
    if (!fn) return;
    try {
      await this.whileAlive(Promise.resolve(fn.call(this.listener, partitions)));
    } catch (error) {
      this.core.reportError(error, `${name} of ${this.memberId} (group ${this.groupId})`);
    }
  }

  /** Waits for `p`, or less if the member crashes meanwhile (a crashed member's work is abandoned). */
  private whileAlive(p: Promise<unknown>): Promise<unknown> {
    return Promise.race([p, this.dead]);
  }
}
