import type { ConsumerConfig, EachBatchPayload, Kafka, Consumer as KafkaJsConsumer } from 'kafkajs';
import { ShopError } from '../../errors.ts';
import type { BatchHandler, Consumer, OffsetCommit, RebalanceListener, TopicPartition } from '../transport.ts';
import { coPartitionedAssigner } from './coPartitionedAssigner.ts';
import { fromKafkaMessage } from './kafkaMessages.ts';

type State = 'created' | 'running' | 'closing' | 'closed' | 'crashed';

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Batches kafkajs hands this member at the same time: one — the contract hands a member's batches
 * over one at a time, whatever their partition (a batch is one transaction of its handler).
 */
const PARTITIONS_IN_PARALLEL = 1;

/** A Kafka consumer: the contract plus a simulated crash, for tests. */
export interface KafkaConsumer extends Consumer {
  /**
   * Simulates a crash (a process killed mid-work): stops handing over at once, without waiting
   * for the handler in progress, without `onRevoked` and without committing; a handler still
   * running can no longer commit. Unlike a killed process, the member then leaves the group
   * (LeaveGroup), so its partitions move at once instead of after the session timeout. Resolves
   * once it has left.
   */
  abandon(): Promise<void>;
}

export interface KafkaGroupMemberOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  /** kafkajs consumer settings from the INI (session timeout, heartbeat, ...) */
  config: Omit<ConsumerConfig, 'groupId'>;
  /** fails with UNKNOWN_TOPIC when a topic is missing (KRaft brokers reject fetches for it) */
  checkTopics: (topics: string[]) => Promise<void>;
  onError: (error: unknown, context: string) => void;
  /** called once the member is closed or crashed, so the transport stops tracking it */
  forget: (member: KafkaGroupMember) => void;
}

/**
 * One member of a Kafka consumer group, through a kafkajs consumer with manual commits.
 *
 * kafkajs rebalances eagerly: every rebalance takes every partition away, and a partition kept
 * across it restarts at the group's committed offset. It has no revoke hook, so this member makes
 * one, as Java's consumer does it: before each JoinGroup request it waits for the handlers in
 * progress and calls `onRevoked` with everything it owned, while the old generation can still
 * commit. (kafkajs looks the group coordinator up right before every JoinGroup; the member wraps
 * that lookup on the consumer's own cluster object, which kafkajs hands to partition assigners.
 * Pinned kafkajs 2.2.4; if the lookup is ever not there, `onRevoked` still runs, on kafkajs's
 * REBALANCING event, only without the guarantee that its commits land before the rejoin.)
 * On GROUP_JOIN the member owns the new assignment and calls `onAssigned`. Listener calls run in
 * order, and no handler starts before the listener calls queued ahead of it have finished.
 */
export class KafkaGroupMember implements KafkaConsumer {
  private state: State = 'created';
  private consumer: KafkaJsConsumer | undefined;
  private handler: BatchHandler | undefined;
  private listener: RebalanceListener = {};
  /** partitions this member owns in the current generation */
  private readonly owned = new Map<string, TopicPartition>();
  /** partitions revoked whose onRevoked has not finished: commits for them are still accepted */
  private readonly revoking = new Map<string, TopicPartition>();
  /** what the last GROUP_JOIN assigned, to tell partitions new to this member */
  private lastAssigned = new Set<string>();
  /** owned partitions paused by the caller (mirrors kafkajs's own pause state) */
  private readonly paused = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** a disconnect of a consumer that came back after this member let it go (see evictZombie) */
  private evicting = false;
  private listenerChain: Promise<void> = Promise.resolve();
  /** settles when kafkajs's run() does: the first join is over (or failed) */
  private started$: Promise<void> = Promise.resolve();
  private closing$: Promise<void> | undefined;
  private markDead!: () => void;
  /** settles when the member crashes: whatever waits on its handler stops waiting */
  private readonly dead = new Promise<void>((resolve) => {
    this.markDead = resolve;
  });

  constructor(private readonly options: KafkaGroupMemberOptions) {}

  get groupId(): string {
    return this.options.groupId;
  }

  /**
   * Subscribes and starts joining the group; resolves before the join completes (the member may
   * own nothing yet), because a join waits for every other member to rejoin — which may be waiting
   * on this caller.
   */
  async run(handler: BatchHandler, listener: RebalanceListener = {}): Promise<void> {
    if (this.state !== 'created') {
      throw new ShopError('CONSUMER_STATE', `kafka consumer of group ${this.groupId}: run() called when ${this.state}`);
    }
    if (typeof handler !== 'function')
      throw new ShopError('CONSUMER_STATE', `kafka consumer of group ${this.groupId}: run() needs a handler function`);
    await this.options.checkTopics(this.options.topics);
    this.handler = handler;
    this.listener = listener;

    const consumer = this.options.kafka.consumer({
      ...this.options.config,
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      // read_committed: messages of open or aborted transactions are never handed over
      readUncommitted: false,
      // kafkajs restarts a crashed consumer (a lost broker) on a timer it sets after its own
      // disconnect, so a close() that ran meanwhile did not stop it: the consumer came back and
      // held partitions nobody handled. Only a running member is restarted.
      retry: { retries: 5, restartOnFailure: async () => this.state === 'running' },
      partitionAssigners: [
        (args) => {
          this.revokeBeforeJoin(args.cluster as unknown as { findGroupCoordinator?: (...a: unknown[]) => Promise<unknown> });
          // partition p of every subscribed topic at one member: an order's messages meet there
          return coPartitionedAssigner(args);
        },
      ],
    });
    this.consumer = consumer;
    consumer.on(consumer.events.REBALANCING, () => this.revokeAll());
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.assigned(event.payload.memberAssignment));
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      if (restart) {
        // kafkajs reconnects and joins again (a broker restart, a lost coordinator)
        this.options.onError(error, `kafka consumer of group ${this.groupId} lost its connection and rejoins`);
        this.revokeAll();
      } else {
        this.die(error, `kafka consumer of group ${this.groupId} stopped`);
      }
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.options.topics, fromBeginning: true });
    } catch (error) {
      this.state = 'crashed';
      this.options.forget(this);
      await consumer.disconnect().catch(() => {});
      throw new ShopError(
        'KAFKA_CONSUMER_FAILED',
        `kafka consumer of group ${this.groupId} could not subscribe: ${(error as Error).message}`,
        {
          cause: error,
          retriable: true,
        },
      );
    }
    this.state = 'running';
    this.started$ = consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: PARTITIONS_IN_PARALLEL,
        eachBatch: (payload) => this.eachBatch(payload),
      })
      .catch((error: unknown) => {
        // not awaited: die() itself waits for this promise before disconnecting
        void this.die(error, `kafka consumer of group ${this.groupId} could not join`);
      });
  }

  async commit(offsets: OffsetCommit[]): Promise<void> {
    if (this.state !== 'running' && this.state !== 'closing') {
      throw new ShopError('NOT_A_MEMBER', `kafka consumer of group ${this.groupId} is ${this.state}: commit refused`);
    }
    for (const c of offsets) {
      const key = tpKey(c.topic, c.partition);
      if (!this.owned.has(key) && !this.revoking.has(key)) {
        throw new ShopError(
          'NOT_PARTITION_OWNER',
          `kafka consumer of group ${this.groupId} does not own ${c.topic}[${c.partition}]: commit refused`,
        );
      }
      if (!Number.isInteger(c.offset) || c.offset < 0) {
        throw new ShopError('INVALID_OFFSET', `commit of ${c.topic}[${c.partition}]: offset ${c.offset} is not a non-negative integer`);
      }
    }
    if (offsets.length === 0 || !this.consumer) return;
    try {
      await this.consumer.commitOffsets(offsets.map((c) => ({ topic: c.topic, partition: c.partition, offset: String(c.offset) })));
    } catch (error) {
      // Typically REBALANCE_IN_PROGRESS or ILLEGAL_GENERATION: the partition moves, its next owner
      // starts at the last commit that succeeded and the work is delivered again.
      throw new ShopError('COMMIT_FAILED', `kafka consumer of group ${this.groupId}: commit failed: ${(error as Error).message}`, {
        cause: error,
        retriable: true,
      });
    }
  }

  pause(partitions: TopicPartition[]): void {
    const mine = this.ownedAmong(partitions);
    for (const tp of mine) this.paused.add(tpKey(tp.topic, tp.partition));
    if (mine.length > 0) this.consumer?.pause(byTopic(mine));
  }

  resume(partitions: TopicPartition[]): void {
    const mine = this.ownedAmong(partitions);
    for (const tp of mine) this.paused.delete(tpKey(tp.topic, tp.partition));
    if (mine.length > 0) this.consumer?.resume(byTopic(mine));
  }

  assignment(): TopicPartition[] {
    return [...this.owned.values()].map((tp) => ({ ...tp }));
  }

  close(): Promise<void> {
    if (this.closing$) return this.closing$;
    if (this.state !== 'running') {
      if (this.state === 'created') this.state = 'closed';
      this.options.forget(this);
      return Promise.resolve();
    }
    this.state = 'closing';
    const consumer = this.consumer as KafkaJsConsumer;
    this.closing$ = (async () => {
      // kafkajs cannot leave in the middle of its first join: let that finish first.
      await this.started$;
      if (this.state !== 'closing') return; // crashed meanwhile
      if (this.owned.size > 0) consumer.pause(byTopic([...this.owned.values()]));
      await this.settleListeners();
      await this.whileAlive(Promise.allSettled([...this.inFlight]));
      const lost = [...this.owned.values()];
      for (const [key, tp] of this.owned) this.revoking.set(key, tp);
      this.owned.clear();
      if (lost.length > 0) await this.callListener('onRevoked', lost);
      this.revoking.clear();
      // leaves the group: the coordinator hands the partitions to the other members at once
      await consumer
        .disconnect()
        .catch((error: unknown) => this.options.onError(error, `kafka consumer of group ${this.groupId}: disconnect`));
      if (this.state === 'closing') this.state = 'closed';
      this.options.forget(this);
    })();
    return this.closing$;
  }

  async abandon(): Promise<void> {
    if (this.state === 'created') {
      this.state = 'closed';
      this.options.forget(this);
      return;
    }
    if (this.state !== 'running' && this.state !== 'closing') return;
    const left = this.die(undefined, 'abandoned');
    await left;
  }

  /**
   * Hands a fetched batch over whole (kafkajs has already left out aborted messages and
   * transaction markers). Its offsets are resolved (kafkajs's fetch position) only after the
   * handler settled; when the member stops handing over (paused, revoked, closing, crashed) the
   * batch is left unresolved and fetched again later, by this member on resume or by the next owner.
   */
  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const key = tpKey(topic, partition);
    const last = batch.messages[batch.messages.length - 1];
    if (this.state === 'closed' || this.state === 'crashed') {
      this.evictZombie();
      return;
    }
    if (!last || !isRunning() || isStale()) return;
    await this.settleListeners();
    // Not ours to hand over any more (a rebalance or close happened while it was fetched), or
    // paused: leave it unresolved.
    if (this.state !== 'running' || !this.owned.has(key) || this.paused.has(key)) return;
    const messages = batch.messages.map((m) => fromKafkaMessage(topic, partition, m));
    // kafkajs's last offset counts the transaction markers and aborted messages that came with the batch
    const next = Math.max(Number(batch.lastOffset()), Number(last.offset)) + 1;
    const handling = Promise.resolve().then(() => (this.handler as BatchHandler)({ topic, partition, messages, next }));
    this.inFlight.add(handling);
    try {
      await this.whileAlive(handling);
    } catch (error) {
      // The contract: a handler that throws stops the member; its batch is not committed and
      // goes to the next owner. Disconnecting is not awaited here: kafkajs waits for this very
      // call to return before it leaves the group.
      void this.die(
        error,
        `handler of kafka consumer of group ${this.groupId} on ${topic}[${partition}]@${messages[0]?.offset}..${last.offset}; the member stops`,
      );
      return;
    } finally {
      this.inFlight.delete(handling);
    }
    if ((this.state as State) === 'crashed') return; // abandoned while the handler ran
    // kafkajs also resolves a transaction marker that follows the batch's last message
    resolveOffset(last.offset);
    await heartbeat();
  }

  /** Wraps the cluster's coordinator lookup so that `onRevoked` runs before every JoinGroup. */
  private revokeBeforeJoin(cluster: { findGroupCoordinator?: (...a: unknown[]) => Promise<unknown> }): void {
    const find = cluster.findGroupCoordinator;
    if (typeof find !== 'function' || (find as { revokesFirst?: boolean }).revokesFirst) return;
    const wrapped = async (...args: unknown[]) => {
      this.revokeAll();
      await this.settleListeners();
      return find.apply(cluster, args);
    };
    (wrapped as { revokesFirst?: boolean }).revokesFirst = true;
    cluster.findGroupCoordinator = wrapped;
  }

  /** Revokes everything owned (once per generation): waits for handlers, then `onRevoked`. */
  private revokeAll(): void {
    if (this.owned.size === 0 || this.state !== 'running') return;
    const lost = [...this.owned.values()];
    for (const [key, tp] of this.owned) this.revoking.set(key, tp);
    this.owned.clear();
    this.queueListener(async () => {
      await this.whileAlive(Promise.allSettled([...this.inFlight]));
      await this.callListener('onRevoked', lost);
      for (const tp of lost) {
        const key = tpKey(tp.topic, tp.partition);
        if (!this.owned.has(key)) this.revoking.delete(key);
      }
    }, 'revoke');
  }

  private assigned(memberAssignment: Record<string, number[]>): void {
    if (this.state === 'closed' || this.state === 'crashed') {
      this.evictZombie();
      return;
    }
    if (this.state !== 'running') return;
    this.revokeAll(); // normally done before the join already
    const now: TopicPartition[] = [];
    for (const [topic, partitions] of Object.entries(memberAssignment)) for (const partition of partitions) now.push({ topic, partition });
    // kafkajs remembers pauses across assignments; a partition new to this member starts unpaused,
    // as it would on a fresh member (a partition kept through the rebalance stays as it was).
    const fresh = now.filter((tp) => !this.lastAssigned.has(tpKey(tp.topic, tp.partition)));
    for (const tp of fresh) this.paused.delete(tpKey(tp.topic, tp.partition));
    if (fresh.length > 0) this.consumer?.resume(byTopic(fresh));
    this.lastAssigned = new Set(now.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const tp of now) this.owned.set(tpKey(tp.topic, tp.partition), tp);
    this.queueListener(
      () =>
        this.callListener(
          'onAssigned',
          now.map((tp) => ({ ...tp })),
        ),
      'assign',
    );
  }

  /**
   * kafkajs restarts a consumer that crashed on a lost broker by a timer; a restart under way (still
   * joining, its runner not yet running) is not stopped by a disconnect, so when the broker comes
   * back the consumer joins after all: a member of the group that nobody handles, holding partitions
   * and heartbeating (a broker-restart test's orders stuck behind it). Seen again here (it joins, or
   * a batch arrives), it is told to leave, once its runner runs (after the join's own continuation),
   * and again should it come back once more.
   */
  private evictZombie(): void {
    if (this.evicting) return;
    this.evicting = true;
    this.options.onError(
      new Error('kafkajs restarted it after it was let go'),
      `kafka consumer of group ${this.groupId} came back after it was closed; it leaves the group again`,
    );
    setTimeout(() => {
      void (this.consumer as KafkaJsConsumer)
        .disconnect()
        .catch(() => {})
        .finally(() => {
          this.evicting = false;
        });
    }, 0);
  }

  /** Stops the member at once (no onRevoked, no commit) and leaves the group; resolves once it has. */
  private die(error: unknown, context: string): Promise<void> {
    if (this.state === 'crashed' || this.state === 'closed') return Promise.resolve();
    this.state = 'crashed';
    this.owned.clear();
    this.revoking.clear();
    this.markDead();
    if (error !== undefined) this.options.onError(error, context);
    this.options.forget(this);
    // the owner must know: a member that stopped by itself would otherwise sit there consuming nothing
    if (error !== undefined) {
      try {
        this.listener.onStopped?.(error instanceof Error ? error : new Error(String(error)));
      } catch (listenerError) {
        this.options.onError(listenerError, `onStopped of kafka consumer of group ${this.groupId}`);
      }
    }
    return (async () => {
      await this.started$;
      await this.consumer?.disconnect().catch(() => {});
    })();
  }

  private queueListener(step: () => Promise<void>, what: string): void {
    this.listenerChain = this.listenerChain
      .then(step)
      .catch((error: unknown) => this.options.onError(error, `kafka consumer of group ${this.groupId}: ${what}`));
  }

  /** Resolves once every listener call queued so far (and any queued meanwhile) has finished. */
  private async settleListeners(): Promise<void> {
    let chain: Promise<void>;
    do {
      chain = this.listenerChain;
      await this.whileAlive(chain);
    } while (chain !== this.listenerChain && this.state !== 'crashed');
  }

  private async callListener(name: 'onAssigned' | 'onRevoked', partitions: TopicPartition[]): Promise<void> {
    const fn = this.listener[name];
    if (!fn) return;
    try {
      await this.whileAlive(Promise.resolve(fn.call(this.listener, partitions)));
    } catch (error) {
      this.options.onError(error, `${name} of kafka consumer of group ${this.groupId}`);
    }
  }

  /** Waits for `p`, or less if the member crashes meanwhile (a crashed member's work is abandoned). */
  private async whileAlive<T>(p: Promise<T>): Promise<T | undefined> {
    return Promise.race([p, this.dead.then(() => undefined)]);
  }

  private ownedAmong(partitions: TopicPartition[]): TopicPartition[] {
    return partitions.filter((tp) => this.owned.has(tpKey(tp.topic, tp.partition)));
  }
}

function byTopic(partitions: TopicPartition[]): { topic: string; partitions: number[] }[] {
  const map = new Map<string, number[]>();
  for (const tp of partitions) {
    const list = map.get(tp.topic);
    if (list) list.push(tp.partition);
    else map.set(tp.topic, [tp.partition]);
  }
  return [...map].map(([topic, list]) => ({ topic, partitions: list }));
}
