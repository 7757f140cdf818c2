import { resolve } from 'node:path';
import { type Clock, systemClock } from '../clock.ts';
import { ShopError } from '../errors.ts';
import { ConsumerGroup } from './embedded/consumerGroup.ts';
import { type EmbeddedConsumer, GroupMember } from './embedded/groupMember.ts';
import { lockFile } from './embedded/lockFile.ts';
import { type LogCore, tpKey } from './embedded/logCore.ts';
import { deliveredCopy, type LogStore, memoryLogStore, type StoredCommit, type StoredMessage } from './embedded/logStore.ts';
import { PartitionLog } from './embedded/partitionLog.ts';
import { openSqliteLogStore } from './embedded/sqliteLogStore.ts';
import { WriteBuffer } from './embedded/writeBuffer.ts';
import { partitionForKey } from './partitioner.ts';
import type {
  ConsumerOptions,
  DeliveredMessage,
  GroupDescription,
  Headers,
  OffsetCommit,
  OutgoingMessage,
  Producer,
  RecordMetadata,
  TopicSpec,
  Transaction,
  TransactionalProducer,
  Transport,
} from './transport.ts';

export type { EmbeddedConsumer } from './embedded/groupMember.ts';

export interface EmbeddedLogOptions {
  /** SQLite file holding messages and committed offsets; omitted = in-memory mode, nothing on disk */
  path?: string;
  /** gives messages sent without a timestamp their timestamp; default the wall clock */
  clock?: Clock;
  /**
   * When set, producing to or subscribing to a topic that does not exist creates it with this many
   * partitions (a broker's `auto.create.topics.enable` + `num.partitions`). When not set (the
   * default), a missing topic is an UNKNOWN_TOPIC error: create topics with `ensureTopics`.
   */
  defaultPartitions?: number;
  /**
   * Durable mode: messages per partition kept in memory for fast reads (between this and twice
   * this); older ones are read back from SQLite. Default 1000. The in-memory mode keeps all.
   */
  tailCacheMessages?: number;
  /** errors nobody awaits (a handler that threw, a throwing rebalance listener); default console.error */
  onError?: (error: unknown, context: string) => void;
}

/** The embedded log: the transport contract plus what tests of the whole shop need. */
export interface EmbeddedLog extends Transport {
  /** the SQLite file, or null in memory */
  readonly path: string | null;
  consumer(options: ConsumerOptions): EmbeddedConsumer;
  transactionalProducer(transactionalId: string): Promise<EmbeddedTransactionalProducer>;
  readonly capabilities: {
    /**
     * Resolves when nothing is in flight: no write waiting, no rebalance running, no handler
     * running and no member with a message waiting on an owned, unpaused partition. Delivery uses
     * microtasks only (no timers, no polling), so in virtual-time tests
     * `await log.capabilities.whenIdle()` between clock steps lets every message in flight be delivered.
     */
    whenIdle(): Promise<void>;
    describeGroup(groupId: string): Promise<GroupDescription | undefined>;
  };
}

/** A transactional producer of the embedded log: the contract plus a simulated crash (tests). */
export interface EmbeddedTransactionalProducer extends TransactionalProducer {
  /** A crash mid-transaction: the open transaction is gone, as after a killed process. */
  abandon(): Promise<void>;
}

const openPaths = new Set<string>();
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * The default transport: Kafka's semantics (topics with partitions, murmur2 keys, consumer groups
 * with rebalancing, committed offsets, redelivery of what was not committed) inside one process.
 * Durable on a SQLite file (one process per file, guarded by `<file>.lock`); in memory when no path is given.
 *
 * @example
 * const log = createEmbeddedLog({ path: 'data/log.db' });
 * await log.ensureTopics([{ topic: 'pizza-ordered', partitions: 6 }]);
 * const [meta] = await log.producer().send('pizza-ordered', [{ key: '1a2b3c4d', value: '{"status":100}' }]);
 * const consumer = log.consumer({ groupId: 'assemble', topics: ['pizza-ordered'] });
 * await consumer.run(async ({ topic, partition, messages }) => {
 *   await consumer.commit([{ topic, partition, offset: (messages.at(-1)?.offset ?? 0) + 1 }]);
 * });
 */
export function createEmbeddedLog(options: EmbeddedLogOptions = {}): EmbeddedLog {
  const clock = options.clock ?? systemClock;
  const onError = options.onError ?? ((error: unknown, context: string) => console.error(`embedded log: ${context}:`, error));
  if (options.defaultPartitions !== undefined) assertPartitions(options.defaultPartitions, 'defaultPartitions');
  const tailLimit = options.tailCacheMessages ?? 1000;
  if (!Number.isInteger(tailLimit) || tailLimit < 1) {
    throw new ShopError('INVALID_ARGUMENT', `embedded log: tailCacheMessages must be a positive integer, got ${tailLimit}`);
  }

  const path = options.path === undefined ? null : resolve(options.path);
  if (path !== null && openPaths.has(path)) {
    throw new ShopError('LOG_IN_USE', `embedded log: ${path} is already open in this process (close the other transport first)`);
  }
  const lock = path === null ? null : lockFile(path);
  let store: LogStore;
  try {
    store = path === null ? memoryLogStore() : openSqliteLogStore(path);
  } catch (error) {
    lock?.release();
    throw error;
  }
  if (path !== null) openPaths.add(path);

  const topics = new Map<string, PartitionLog[]>();
  const committedByGroup = new Map<string, Map<string, number>>();
  const groups = new Map<string, ConsumerGroup>();
  const members = new Set<GroupMember>();
  /** the newest epoch of each transactional id: a producer of an older one is fenced */
  const epochs = new Map<string, number>();
  const transactionalProducers = new Set<{ close(): Promise<void> }>();
  let idleWaiters: (() => void)[] = [];
  let memberSeq = 0;
  let closed = false;

  const openTopic = (topic: string, partitions: number) => {
    topics.set(
      topic,
      Array.from(
        { length: partitions },
        (_, p) => new PartitionLog(topic, p, store.endOffset(topic, p), store, store.durable ? tailLimit : null),
      ),
    );
  };
  for (const t of store.loadTopics()) openTopic(t.topic, t.partitions);
  for (const c of store.loadCommits()) committedOf(c.groupId).set(tpKey(c.topic, c.partition), c.offset);

  function committedOf(groupId: string): Map<string, number> {
    let map = committedByGroup.get(groupId);
    if (!map) {
      map = new Map();
      committedByGroup.set(groupId, map);
    }
    return map;
  }

  const createTopic = (topic: string, partitions: number) => {
    store.saveTopic(topic, partitions);
    openTopic(topic, partitions);
  };

  const logsOf = (topic: string): PartitionLog[] => {
    assertTopicName(topic);
    const existing = topics.get(topic);
    if (existing) return existing;
    if (options.defaultPartitions === undefined) {
      throw new ShopError('UNKNOWN_TOPIC', `embedded log: topic '${topic}' does not exist (create it with ensureTopics first)`);
    }
    createTopic(topic, options.defaultPartitions);
    return topics.get(topic) as PartitionLog[];
  };

  const isIdle = () => {
    if (writes.pending) return false;
    for (const g of groups.values()) if (g.busy) return false;
    for (const m of members) if (m.busy) return false;
    return true;
  };

  const notify = () => {
    if (idleWaiters.length === 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  const writes = new WriteBuffer(store, notify);

  const core: LogCore = {
    partitionCount: (topic) => logsOf(topic).length,
    partitionLog(topic, partition) {
      const log = logsOf(topic)[partition];
      if (!log) throw new ShopError('UNKNOWN_PARTITION', `embedded log: topic '${topic}' has no partition ${partition}`);
      return log;
    },
    writes,
    committed: committedOf,
    notify,
    reportError: (error, context) => onError(error, context),
  };

  const assertOpen = () => {
    if (closed) throw new ShopError('TRANSPORT_CLOSED', 'embedded log: the transport is closed');
  };

  /** Places messages (a keyless one round-robin) and takes their offsets; nothing is readable yet. */
  const place = (topic: string, prepared: Prepared[], nextKeyless: () => number) => {
    const logs = logsOf(topic);
    const byLog = new Map<PartitionLog, StoredMessage[]>();
    const result: RecordMetadata[] = [];
    for (const { partition: explicit, ...m } of prepared) {
      if (explicit !== undefined && (explicit >= logs.length || explicit < 0)) {
        throw new ShopError('UNKNOWN_PARTITION', `embedded log: topic '${topic}' has no partition ${explicit}; nothing was sent`);
      }
      const partition = explicit ?? (m.key === null ? nextKeyless() % logs.length : partitionForKey(m.key, logs.length));
      const log = logs[partition] as PartitionLog;
      const stored: StoredMessage = { ...m, offset: log.next++ };
      const list = byLog.get(log);
      if (list) list.push(stored);
      else byLog.set(log, [stored]);
      result.push({ topic, partition, offset: stored.offset });
    }
    return { byLog, result };
  };

  const producer = (): Producer => {
    let roundRobin = 0;
    return {
      async send(topic: string, messages: OutgoingMessage[]): Promise<RecordMetadata[]> {
        assertOpen();
        logsOf(topic); // UNKNOWN_TOPIC before anything else
        if (!Array.isArray(messages)) throw invalidMessage(topic, -1, 'messages must be an array');
        // Check the whole batch before taking any offset: a bad message rejects the batch, nothing half-sent.
        const prepared = messages.map((m, i) => prepareMessage(topic, i, m, clock));
        if (prepared.length === 0) return [];
        const { byLog, result } = place(topic, prepared, () => roundRobin++);
        await Promise.all([...byLog].map(([log, stored]) => writes.append(log, stored)));
        return result;
      },
    };
  };

  const transactionalProducer = async (transactionalId: string): Promise<EmbeddedTransactionalProducer> => {
    assertOpen();
    if (typeof transactionalId !== 'string' || transactionalId.length === 0) {
      throw new ShopError('INVALID_ARGUMENT', 'embedded log: a transactional producer needs a non-empty transactional id');
    }
    // Opening fences every earlier producer with this id: their next commit finds a newer epoch.
    const epoch = (epochs.get(transactionalId) ?? 0) + 1;
    epochs.set(transactionalId, epoch);
    let open: { dropped: boolean } | null = null;
    let closed = false;
    let roundRobin = 0;
    const nextKeyless = () => roundRobin++;
    const fenced = () => epochs.get(transactionalId) !== epoch;
    const fencedError = (what: string) =>
      new ShopError(
        'PRODUCER_FENCED',
        `embedded log: transactional producer '${transactionalId}' (epoch ${epoch}) was fenced by a newer one with the same id: ${what} refused, nothing of it is visible`,
      );
    const self: EmbeddedTransactionalProducer = {
      transactionalId,
      async transaction(): Promise<Transaction> {
        assertOpen();
        if (closed) throw new ShopError('PRODUCER_CLOSED', `embedded log: transactional producer '${transactionalId}' is closed`);
        if (fenced()) throw fencedError('a new transaction');
        if (open) {
          throw new ShopError(
            'TRANSACTION_STATE',
            `embedded log: transactional producer '${transactionalId}' has a transaction open (commit or abort it first)`,
          );
        }
        const state = { dropped: false };
        open = state;
        const sends: { topic: string; prepared: Prepared[] }[] = [];
        const offsets = new Map<string, StoredCommit>();
        let ended = false;
        const assertActive = (what: string) => {
          if (ended) throw new ShopError('TRANSACTION_STATE', `embedded log: ${what} on a transaction already committed or aborted`);
          if (state.dropped) throw new ShopError('PRODUCER_CLOSED', `embedded log: ${what}: producer '${transactionalId}' was closed`);
        };
        const end = () => {
          ended = true;
          if (open === state) open = null;
        };
        return {
          async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
            assertActive('send');
            logsOf(topic); // UNKNOWN_TOPIC now, not at commit
            if (!Array.isArray(messages)) throw invalidMessage(topic, -1, 'messages must be an array');
            sends.push({ topic, prepared: messages.map((m, i) => prepareMessage(topic, i, m, clock)) });
          },
          async sendOffsets(groupId: string, commits: OffsetCommit[]): Promise<void> {
            assertActive('sendOffsets');
            if (typeof groupId !== 'string' || groupId.length === 0) {
              throw new ShopError('INVALID_ARGUMENT', 'embedded log: sendOffsets needs a non-empty groupId');
            }
            for (const c of commits) {
              const end = core.partitionLog(c.topic, c.partition).end;
              if (!Number.isInteger(c.offset) || c.offset < 0 || c.offset > end) {
                throw new ShopError(
                  'INVALID_OFFSET',
                  `sendOffsets of ${c.topic}[${c.partition}]: offset ${c.offset} is not in 0..${end} (end of the log)`,
                );
              }
              offsets.set(`${groupId}\u0000${tpKey(c.topic, c.partition)}`, {
                groupId,
                topic: c.topic,
                partition: c.partition,
                offset: c.offset,
              });
            }
          },
          async commit(): Promise<void> {
            assertOpen();
            assertActive('commit');
            end();
            if (fenced()) throw fencedError('commit');
            // One synchronous step: offsets taken, messages and offsets queued together.
            const appends = new Map<PartitionLog, StoredMessage[]>();
            for (const { topic, prepared } of sends) {
              for (const [log, stored] of place(topic, prepared, nextKeyless).byLog) {
                const list = appends.get(log);
                if (list) list.push(...stored);
                else appends.set(log, stored);
              }
            }
            const commits = [...offsets.values()];
            if (appends.size === 0 && commits.length === 0) return;
            await writes.transaction([...appends], commits, () => {
              for (const c of commits) committedOf(c.groupId).set(tpKey(c.topic, c.partition), c.offset);
            });
          },
          async abort(): Promise<void> {
            if (ended) throw new ShopError('TRANSACTION_STATE', 'embedded log: abort on a transaction already committed or aborted');
            end();
          },
        };
      },
      async close(): Promise<void> {
        closed = true;
        if (open) open.dropped = true;
        open = null;
        transactionalProducers.delete(self);
      },
      abandon(): Promise<void> {
        return self.close();
      },
    };
    transactionalProducers.add(self);
    return self;
  };

  return {
    path,
    capabilities: {
      async whenIdle(): Promise<void> {
        while (!isIdle()) await new Promise<void>((wake) => idleWaiters.push(wake));
      },
      async describeGroup(groupId: string): Promise<GroupDescription | undefined> {
        if (!groups.has(groupId)) return undefined;
        const live = [...members].filter((m) => m.groupId === groupId && m.alive && !m.closing);
        return {
          groupId,
          state: live.length > 0 ? 'Stable' : 'Empty',
          members: live.map((m) => ({
            memberId: m.memberId,
            // member ids are `<clientId>-<n>`
            clientId: m.memberId.replace(/-\d+$/, ''),
            host: `this process (pid ${process.pid})`,
            assignment: m.assignment(),
          })),
        };
      },
    },
    transactionalProducer,

    async ensureTopics(specs: TopicSpec[]): Promise<void> {
      assertOpen();
      for (const spec of specs) {
        assertTopicName(spec.topic);
        assertPartitions(spec.partitions, `partitions of topic '${spec.topic}'`);
      }
      for (const spec of specs) if (!topics.has(spec.topic)) createTopic(spec.topic, spec.partitions);
    },

    async partitions(topic: string): Promise<number> {
      return logsOf(topic).length;
    },

    producer,

    consumer(consumerOptions: ConsumerOptions): EmbeddedConsumer {
      assertOpen();
      const { groupId, topics: subscribed } = consumerOptions;
      if (typeof groupId !== 'string' || groupId.length === 0) {
        throw new ShopError('INVALID_ARGUMENT', 'embedded log: a consumer needs a non-empty groupId');
      }
      if (!Array.isArray(subscribed) || subscribed.length === 0) {
        throw new ShopError('INVALID_ARGUMENT', `embedded log: consumer of group '${groupId}' needs at least one topic`);
      }
      for (const t of subscribed) assertTopicName(t);
      let group = groups.get(groupId);
      if (!group) {
        group = new ConsumerGroup(groupId, core);
        groups.set(groupId, group);
      }
      const memberId = `${consumerOptions.clientId ?? 'consumer'}-${++memberSeq}`;
      const member = new GroupMember(memberId, groupId, [...new Set(subscribed)], group, core, (m) => members.delete(m));
      members.add(member);
      return member;
    },

    async read(topic: string, partition: number, from: number, max = 1000): Promise<DeliveredMessage[]> {
      assertOpen();
      return core
        .partitionLog(topic, partition)
        .read(Math.max(0, from), max)
        .map((m) => deliveredCopy(topic, partition, m));
    },

    async endOffsets(topic: string): Promise<Map<number, number>> {
      return new Map(logsOf(topic).map((log) => [log.partition, log.end]));
    },

    async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
      const partitions = logsOf(topic).length;
      const committed = committedByGroup.get(groupId);
      const result = new Map<number, number>();
      for (let p = 0; p < partitions; p++) {
        const offset = committed?.get(tpKey(topic, p));
        if (offset !== undefined) result.set(p, offset);
      }
      return result;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...transactionalProducers].map((p) => p.close()));
      await Promise.all([...members].map((m) => m.close()));
      writes.flush();
      store.close();
      lock?.release();
      if (path !== null) openPaths.delete(path);
      notify();
    },
  };
}

/** A message checked and copied for the log, before it has an offset. */
type Prepared = Omit<StoredMessage, 'offset'> & { partition?: number };

function prepareMessage(topic: string, index: number, m: OutgoingMessage, clock: Clock): Prepared {
  if (m === null || typeof m !== 'object') throw invalidMessage(topic, index, 'not an object');
  const { key, value, headers = {}, timestamp, partition } = m;
  if (partition !== undefined && !Number.isInteger(partition))
    throw invalidMessage(topic, index, `partition must be an integer, got ${partition}`);
  if (key !== null && typeof key !== 'string') throw invalidMessage(topic, index, `key must be a string or null, got ${typeof key}`);
  let bytes: Uint8Array;
  if (typeof value === 'string') bytes = new TextEncoder().encode(value);
  else if (value instanceof Uint8Array)
    bytes = new Uint8Array(value); // the log's own copy
  else throw invalidMessage(topic, index, `value must be a string or a Uint8Array, got ${value === null ? 'null' : typeof value}`);
  if (headers === null || typeof headers !== 'object') throw invalidMessage(topic, index, 'headers must be an object of strings');
  const copied: Headers = {};
  for (const [name, v] of Object.entries(headers)) {
    if (typeof v !== 'string') throw invalidMessage(topic, index, `header '${name}' must be a string, got ${typeof v}`);
    copied[name] = v;
  }
  if (timestamp !== undefined && !Number.isFinite(timestamp))
    throw invalidMessage(topic, index, `timestamp must be a number, got ${timestamp}`);
  return { key, value: bytes, headers: copied, timestamp: timestamp ?? clock.now(), ...(partition !== undefined ? { partition } : {}) };
}

function invalidMessage(topic: string, index: number, problem: string): ShopError {
  const where = index < 0 ? `send to '${topic}'` : `send to '${topic}', message ${index}`;
  return new ShopError('INVALID_MESSAGE', `embedded log: ${where}: ${problem}; nothing was sent`, { httpStatus: 400 });
}

function assertTopicName(topic: string): void {
  if (typeof topic !== 'string' || !TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new ShopError(
      'INVALID_TOPIC',
      `embedded log: '${String(topic)}' is not a valid topic name (letters, digits, '.', '_', '-'; at most 249)`,
    );
  }
}

function assertPartitions(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new ShopError('INVALID_ARGUMENT', `embedded log: ${what} must be a positive integer, got ${n}`);
}
