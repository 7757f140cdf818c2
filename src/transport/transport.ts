/**
 * The one transport contract. Kafka is the only channel between actors; two sibling
 * implementations honour this contract — the embedded log (`embeddedLog.ts`, the default, in one
 * process) and Kafka (`kafkaTransport.ts`, through kafkajs) — and one contract suite
 * (`test/contract/transport.contract.ts`) runs against both. Code above this file must never tell
 * which one it runs on.
 *
 * Guarantees:
 * - **Keys to partitions.** A keyed message goes to `partitionForKey(key, partitions)`
 *   (Java-compatible murmur2, `partitioner.ts`), so one order's messages on one topic stay in order.
 * - **Per-partition order.** Within a partition, offsets grow by one per message and a consumer is
 *   handed messages in offset order. (On Kafka a transaction's commit or abort marker takes an
 *   offset of its own, so offsets after transactional messages skip one; aborted messages leave
 *   gaps. Commit `last offset + 1` of a batch, never a count.)
 * - **Batches.** A consumer hands over what a fetch returned as one batch per partition, in offset
 *   order; the next batch of a partition only after the handler's promise for the previous one
 *   settled. Batches of different partitions are handed one at a time too.
 * - **Exactly-once (transactions).** A `TransactionalProducer` sends messages and records consumer
 *   offsets in one transaction: on `commit` all of it becomes visible at once (messages to readers,
 *   offsets to the group), on `abort` or a crash none of it. Consumers read committed data only
 *   (Kafka's read_committed). Opening a transactional producer with an id fences every earlier
 *   producer with that id (its next `commit` throws a `ShopError` with code `PRODUCER_FENCED`),
 *   so a zombie that lost its partitions cannot commit for them (one transactional id per input
 *   partition, as Kafka Streams before KIP-447).
 * - **Redelivery.** A group's position moves only by `commit` or a transaction's offsets. Messages
 *   past the committed offset are delivered again to whichever member owns the partition next.
 * - **Consumer groups.** Members of one group share the partitions of the subscribed topics
 *   (each partition has at most one owner) and rebalance when a member joins or leaves. Different
 *   groups each see every message. A group with no committed offset starts from the earliest one.
 * - **Co-partitioning.** Members of a group get partition p of every subscribed topic together
 *   when the topics have the same partition count (`assignCoPartitioned.ts`, Kafka Streams'
 *   co-partitioning): messages keyed by one order id meet at one member, whatever topic they are on.
 * - **Durability** (embedded log on a file; Kafka): a `send` that resolved survives a restart of
 *   the process, and so does a `commit` that resolved.
 */

/** Header values are UTF-8 strings. */
export type Headers = Record<string, string>;

export interface OutgoingMessage {
  /** the order id, usually; null spreads messages over partitions */
  key: string | null;
  /** an explicit partition (changelogs write to their task's partition); default from the key */
  partition?: number;
  /** JSON text or raw bytes */
  value: string | Uint8Array;
  headers?: Headers;
  /** ms since epoch; defaults to the transport's clock */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A message as handed to a consumer. */
export interface DeliveredMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Uint8Array;
  headers: Headers;
  timestamp: number;
}

/** Position to commit: `offset` is the next offset to read (last processed + 1), as in Kafka. */
export interface OffsetCommit extends TopicPartition {
  offset: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** ignored by the embedded log */
  replicationFactor?: number;
  /** 'compact' for changelogs (keep the latest value per key); default 'delete' */
  cleanupPolicy?: 'compact' | 'delete';
}

export interface RebalanceListener {
  /** called with the partitions this member now owns, after a rebalance */
  onAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** called with the partitions this member is about to lose; commit what is finished here */
  onRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /**
   * called when the member stopped by itself (the transport gave up on it, e.g. Kafka's group
   * coordinator could not be found after a broker restart): it hands over nothing more, so its
   * owner must start a new one
   */
  onStopped?(error: Error): void;
}

export interface ConsumerOptions {
  groupId: string;
  clientId?: string;
  /** topics to read; they must exist (see `Transport.ensureTopics`) */
  topics: string[];
}

/** What one fetch returned for one partition, in offset order (never empty). */
export interface MessageBatch {
  topic: string;
  partition: number;
  messages: DeliveredMessage[];
  /**
   * Where the consumer reads on in this partition after the batch: past its last message and past
   * any transaction markers or aborted messages the fetch skipped after it (Kafka); absent: the
   * last offset + 1. Committing it is as safe as committing `last offset + 1`, and a reader that
   * compares its position with `endOffsets` needs it (a commit marker takes an offset).
   */
  next?: number;
}

export type BatchHandler = (batch: MessageBatch) => Promise<void>;

/** One transaction of a `TransactionalProducer`: sends and offsets, committed or aborted together. */
export interface Transaction {
  /** Adds messages to the transaction (a Kafka transport may send them at once, unreadable until commit). */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Records a group's positions (`offset` = next to read) as part of the transaction. */
  sendOffsets(groupId: string, offsets: OffsetCommit[]): Promise<void>;
  /**
   * Makes everything in the transaction visible at once. Throws `PRODUCER_FENCED` if a newer
   * producer with the same transactional id was opened (nothing of this transaction is visible).
   */
  commit(): Promise<void>;
  /** Drops everything in the transaction. */
  abort(): Promise<void>;
}

export interface TransactionalProducer {
  readonly transactionalId: string;
  /** Starts a transaction; one at a time per producer (the previous one committed or aborted). */
  transaction(): Promise<Transaction>;
  close(): Promise<void>;
}

/**
 * What a transport can do beyond the contract, declared rather than guessed at
 * (`'whenIdle' in transport` is how code used to ask).
 */
export interface TransportCapabilities {
  /**
   * Resolves when nothing is in flight inside the transport: every sent message delivered to
   * running consumers and every handler settled. Only an in-process log can tell; virtual-time
   * tests and the shop's `settle()` use it.
   */
  whenIdle?(): Promise<void>;
  /** How many brokers the cluster has (to fit a replication factor to a small local cluster). */
  brokerCount?(): Promise<number>;
  /**
   * The live members of a consumer group and the partitions each owns (for the console's groups
   * page); undefined when the transport does not know the group. Both transports can tell.
   */
  describeGroup?(groupId: string): Promise<GroupDescription | undefined>;
}

/** A consumer group as its coordinator sees it. */
export interface GroupDescription {
  groupId: string;
  /** the coordinator's word for it: 'Stable', 'PreparingRebalance', 'Empty'… (the embedded log: 'Stable' or 'Empty') */
  state: string;
  members: GroupMemberDescription[];
}

export interface GroupMemberDescription {
  memberId: string;
  clientId: string;
  /** where the member runs: `<host> pid N (/127.0.0.1)` on Kafka (its process from the JoinGroup metadata, the address the broker sees), `this process (pid N)` on the embedded log */
  host: string;
  assignment: TopicPartition[];
}

export interface Producer {
  /**
   * Appends messages to a topic. Resolves once every message is stored (durably, where the
   * transport is durable), with each message's partition and offset, in the order given.
   */
  send(topic: string, messages: OutgoingMessage[]): Promise<RecordMetadata[]>;
}

export interface Consumer {
  /**
   * Joins the group and starts handing batches to `handler`, partition by partition in offset
   * order. Resolves once the member is running (it may own no partition yet). A handler that
   * throws is a bug of the caller: the batch is not committed and the member stops; poison
   * messages are the caller's to route to a dead-letter topic.
   */
  run(handler: BatchHandler, listener?: RebalanceListener): Promise<void>;
  /** Records the group's position; only partitions this member owns are accepted. */
  commit(offsets: OffsetCommit[]): Promise<void>;
  /** Stops fetching from these partitions (those it owns); delivery resumes on `resume`. */
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Partitions this member owns now. */
  assignment(): TopicPartition[];
  /** Leaves the group: waits for the handler in progress, then partitions move to other members. */
  close(): Promise<void>;
}

export interface Transport {
  /** Creates missing topics with the given partitions; existing topics are left as they are. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Partition count of a topic (after `ensureTopics`). */
  partitions(topic: string): Promise<number>;
  producer(): Producer;
  /**
   * Opens (and initialises) a transactional producer. Opening one fences every earlier producer
   * with the same id, in this process or another.
   */
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  readonly capabilities: TransportCapabilities;
  consumer(options: ConsumerOptions): Consumer;
  /**
   * Highest offset + 1 of each partition of a topic (the end of the log), for lag and metrics.
   */
  endOffsets(topic: string): Promise<Map<number, number>>;
  /**
   * Reads committed messages of one partition from offset `from` on (at most `max`, default 1000);
   * an empty list at the end of the partition. No group is involved: for restoring state from a
   * changelog and for browsing.
   */
  read(topic: string, partition: number, from: number, max?: number): Promise<DeliveredMessage[]>;
  /** Committed offsets of a group for a topic (absent partitions have none). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  /** Closes every producer and consumer made by this transport, then the transport itself. */
  close(): Promise<void>;
}
