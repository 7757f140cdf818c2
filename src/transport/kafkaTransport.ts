import { type Admin, AssignerProtocol, Kafka, type KafkaConfig, type Producer as KafkaJsProducer, type Message } from 'kafkajs';
import { type Clock, systemClock } from '../clock.ts';
import type { KafkaClientConfig } from '../config/loadKafkaConfig.ts';
import { ShopError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { createJavaPartitioner } from './kafka/javaPartitioner.ts';
import { processOf } from './kafka/coPartitionedAssigner.ts';
import { toKafkaClientOptions } from './kafka/kafkaClientOptions.ts';
import { type KafkaConsumer, KafkaGroupMember } from './kafka/kafkaGroupMember.ts';
import { type KafkaTransactionalProducer, openKafkaTransactionalProducer } from './kafka/kafkaTransactionalProducer.ts';
import { KAFKAJS_LEVEL, type KafkaLogLevel, kafkaJsLogCreator } from './kafka/kafkaJsLogCreator.ts';
import { assertTopicName, toKafkaMessage } from './kafka/kafkaMessages.ts';
import { readPartition } from './kafka/kafkaReader.ts';
import { quietKafkaJsTimerWarning } from './kafka/quietKafkaJsTimerWarning.ts';
import type {
  ConsumerOptions,
  DeliveredMessage,
  GroupDescription,
  OutgoingMessage,
  Producer,
  RecordMetadata,
  TopicSpec,
  Transport,
} from './transport.ts';

export type { KafkaConsumer } from './kafka/kafkaGroupMember.ts';
export type { KafkaTransactionalProducer } from './kafka/kafkaTransactionalProducer.ts';
export type { KafkaLogLevel } from './kafka/kafkaJsLogCreator.ts';

/** The Kafka transport: the contract, with consumers that can also simulate a crash (tests). */
export interface KafkaTransport extends Transport {
  consumer(options: ConsumerOptions): KafkaConsumer;
  transactionalProducer(transactionalId: string): Promise<KafkaTransactionalProducer>;
  readonly capabilities: {
    /** How many brokers the cluster has (to fit a replication factor to a small local cluster). */
    brokerCount(): Promise<number>;
    describeGroup(groupId: string): Promise<GroupDescription | undefined>;
  };
}

export interface KafkaTransportOptions {
  /** the `[kafka]` client INI (`loadKafkaConfig`); unsupported properties are refused here */
  kafka: KafkaClientConfig;
  /** gives messages sent without a timestamp their timestamp; default the wall clock */
  clock?: Clock;
  /** kafkajs's own log lines kept: default 'error' with a logger, 'nothing' without */
  logLevel?: KafkaLogLevel;
  /** where kafkajs's log lines go (as the `kafka` actor); default the console */
  logger?: Logger;
  /** errors nobody awaits (a handler that threw, a listener, a consumer crash); default logger/console */
  onError?: (error: unknown, context: string) => void;
}

/**
 * Consumer settings unless the INI says otherwise (`[kafka]` session.timeout.ms,
 * heartbeat.interval.ms, max.poll.interval.ms, fetch.wait.max.ms), chosen for quick recovery:
 * - a killed member holds its partitions until its session times out: 6 s (the broker's
 *   group.min.session.timeout.ms, its floor by default) instead of kafkajs's 30 s;
 * - heartbeats every second, so a rebalance is noticed within a second; kafkajs heartbeats only
 *   between fetches and batches (no background thread), so an idle member notices it after at most
 *   one fetch wait: half a second (Java's fetch.max.wait.ms) instead of kafkajs's 5 s;
 * - a rebalance waits at most 10 s for members to rejoin (kafkajs: 60 s): a member rejoins after
 *   its batch in progress, and a batch is one transaction of well under a second.
 * kafkajs has neither static membership (group.instance.id) nor cooperative rebalancing, so every
 * restart of a member is a full (eager) rebalance of its group; keeping them short is what is left.
 * `group.initial.rebalance.delay.ms` is the broker's; the local broker sets it to 0.
 */
const CONSUMER_DEFAULTS = { maxWaitTimeInMs: 500, heartbeatInterval: 1_000, sessionTimeout: 6_000, rebalanceTimeout: 10_000 };

/**
 * How long the broker keeps a transaction open before aborting it, unless the INI's
 * `transaction.timeout.ms` says otherwise. A crashed producer's open transaction holds
 * read_committed readers of its partitions until then, unless a producer with the same id opens
 * first (which aborts it at once). 10 s, as Kafka Streams sets it under exactly-once (kafkajs: 60 s).
 */
const TRANSACTION_TIMEOUT_MS = 10_000;

/**
 * Waits until a just-created topic shows all its partitions (when `partitions` is given) and each
 * answers a ListOffsets request from its leader. CreateTopics returns once the controller accepted the topic; the
 * broker learns of it later (seconds on a broker busy taking over many partitions after a
 * restart), and between the two a fetch or produce fails — for a produce, partially, and kafkajs
 * then retries the whole request. Bounded: 30 s.
 */
async function untilWritable(admin: Admin, topic: string, partitions?: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let notYet: string;
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      if (partitions === undefined || offsets.length === partitions) return;
      notYet = `${offsets.length} of ${partitions} partitions visible`;
    } catch (error) {
      // not yet known (UNKNOWN_TOPIC_OR_PARTITION), no leader yet, kafkajs gave up retrying those,
      // or (a topic another process is creating) metadata without the partition yet, which kafkajs
      // answers with a TypeError: all of them mean "not yet"; the deadline bounds the wait
      notYet = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new ShopError('KAFKA_TOPIC_CREATE_FAILED', `kafka: topic '${topic}' did not become ready within 30 s: ${notYet}`, {
        retriable: true,
      });
    }
    // a real network wait, not shop time: the injected clock may be virtual
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The transport contract on a real Kafka cluster, through kafkajs 2.2.4: the INI's `[kafka]`
 * properties mapped onto kafkajs (`kafka/kafkaClientOptions.ts`), keyed messages placed with the
 * same Java-compatible murmur2 as the embedded log (`kafka/javaPartitioner.ts`), consumers with
 * manual commits (`kafka/kafkaGroupMember.ts`). Sends are idempotent (acks=all, producer id and
 * sequence numbers), so kafkajs's retries never append a message twice.
 *
 * Where it honestly differs from the embedded log: rebalances are eager (every rebalance revokes
 * every partition, and a partition kept across it restarts at the committed offset, so
 * uncommitted messages come again to the same member); a handler must return well within the
 * session timeout because kafkajs heartbeats between messages; `ensureTopics` uses the given
 * replication factor as is (the broker refuses more replicas than it has brokers) and the broker
 * default when none is given.
 *
 * @example
 * const transport = createKafkaTransport({ kafka: loadKafkaConfig('config_sys/kafka/local.ini') });
 * await transport.ensureTopics([{ topic: 'pizza-ordered', partitions: 6, replicationFactor: 1 }]);
 * await transport.producer().send('pizza-ordered', [{ key: '1a2b3c4d', value: '{"status":100}' }]);
 */
export function createKafkaTransport(options: KafkaTransportOptions): KafkaTransport {
  quietKafkaJsTimerWarning();
  const clock = options.clock ?? systemClock;
  const mapped = toKafkaClientOptions(options.kafka);
  const level = options.logLevel ?? (options.logger ? 'error' : 'nothing');
  const onError =
    options.onError ??
    ((error: unknown, context: string) => {
      if (options.logger) options.logger.error(`${context}: ${(error as Error)?.message ?? String(error)}`);
      else console.error(`kafka transport: ${context}:`, error);
    });
  const baseConfig: KafkaConfig = {
    ...mapped.client,
    logLevel: KAFKAJS_LEVEL[level],
    ...(options.logger ? { logCreator: kafkaJsLogCreator(options.logger) } : {}),
  };
  const kafka = new Kafka(baseConfig);
  const consumerConfig = { ...CONSUMER_DEFAULTS, ...mapped.consumer };

  const members = new Set<KafkaGroupMember>();
  const transactionalProducers = new Set<KafkaTransactionalProducer>();
  const knownTopics = new Set<string>();
  let closed = false;
  let admin$: Promise<Admin> | undefined;
  let producer$: Promise<KafkaJsProducer> | undefined;
  const placed = new WeakMap<object, number>();

  const assertOpen = () => {
    if (closed) throw new ShopError('TRANSPORT_CLOSED', 'kafka: the transport is closed');
  };

  const unreachable = (what: string, error: unknown) =>
    new ShopError(
      'KAFKA_UNAVAILABLE',
      `kafka: ${what} failed (bootstrap.servers = ${mapped.client.brokers}; ${options.kafka.file}): ${(error as Error).message}`,
      {
        cause: error,
        retriable: true,
      },
    );

  // One admin and one producer per transport, connected on first use; a failed connect is retried
  // on the next call.
  const getAdmin = (): Promise<Admin> => {
    admin$ ??= (async () => {
      const admin = kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      admin$ = undefined;
      throw unreachable('connecting the admin client', error);
    });
    return admin$;
  };

  const getProducer = (): Promise<KafkaJsProducer> => {
    producer$ ??= (async () => {
      // Idempotent (as Java's producer is by default): kafkajs retries a whole produce request when
      // one partition in it fails, and without producer ids and sequence numbers the broker would
      // append the other partitions' messages a second time. kafkajs allows it with one request
      // in flight per broker only; measured on the local broker that costs little.
      const idempotent = mapped.acks === -1;
      const producer = kafka.producer({
        createPartitioner: createJavaPartitioner(placed),
        allowAutoTopicCreation: false,
        idempotent,
        ...(idempotent ? { maxInFlightRequests: 1 } : {}),
      });
      await producer.connect();
      return producer;
    })().catch((error: unknown) => {
      producer$ = undefined;
      throw unreachable('connecting the producer', error);
    });
    return producer$;
  };

  /** Partition count of each topic, or UNKNOWN_TOPIC for the first missing one. */
  const topicPartitions = async (topics: string[]): Promise<Map<string, number>> => {
    const admin = await getAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = topics.find((t) => !existing.has(t));
    if (missing !== undefined) {
      throw new ShopError('UNKNOWN_TOPIC', `kafka: topic '${missing}' does not exist (create it with ensureTopics first)`);
    }
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
    const counts = new Map<string, number>();
    for (const t of metadata) {
      counts.set(t.name, t.partitions.length);
      knownTopics.add(t.name);
    }
    return counts;
  };

  const checkTopics = async (topics: string[]): Promise<void> => {
    const unknown = topics.filter((t) => !knownTopics.has(t));
    if (unknown.length > 0) await topicPartitions(unknown);
  };

  const producer: Producer = {
    async send(topic: string, messages: OutgoingMessage[]): Promise<RecordMetadata[]> {
      assertOpen();
      assertTopicName(topic);
      if (!Array.isArray(messages))
        throw new ShopError('INVALID_MESSAGE', `kafka: send to '${topic}': messages must be an array; nothing was sent`);
      // The whole batch is checked before any of it goes out: a bad message rejects the batch.
      const prepared: Message[] = messages.map((m, i) => toKafkaMessage(topic, i, m, clock));
      if (prepared.length === 0) return [];
      await checkTopics([topic]);
      const kafkaProducer = await getProducer();
      let results: Awaited<ReturnType<KafkaJsProducer['send']>>;
      try {
        results = await kafkaProducer.send({ topic, messages: prepared, acks: mapped.acks });
      } catch (error) {
        throw new ShopError('SEND_FAILED', `kafka: send to '${topic}' failed: ${(error as Error).message}`, {
          cause: error,
          retriable: true,
        });
      }
      // kafkajs answers with one base offset per partition; messages of one partition were
      // appended in the order given, so each one's offset is the base plus its rank there.
      const next = new Map<number, number>();
      for (const r of results) next.set(r.partition, Number(r.baseOffset));
      return prepared.map((m) => {
        const partition = placed.get(m);
        const offset = partition === undefined ? undefined : next.get(partition);
        if (partition === undefined || offset === undefined) {
          throw new ShopError('SEND_FAILED', `kafka: send to '${topic}': no offset reported for a message (partition ${partition})`);
        }
        next.set(partition, offset + 1);
        return { topic, partition, offset };
      });
    },
  };

  return {
    capabilities: {
      async brokerCount(): Promise<number> {
        assertOpen();
        const admin = await getAdmin();
        return (await admin.describeCluster()).brokers.length;
      },
      async describeGroup(groupId: string): Promise<GroupDescription | undefined> {
        assertOpen();
        const admin = await getAdmin();
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups[0];
        // a group the coordinator never saw is 'Dead' with no members
        if (!group || group.state === 'Dead') return undefined;
        return {
          groupId,
          state: group.state,
          members: group.members.map((m) => {
            let assignment: { topic: string; partition: number }[] = [];
            if (m.memberAssignment.length > 0) {
              const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
              assignment = Object.entries(decoded?.assignment ?? {}).flatMap(([topic, ps]) =>
                ps.map((partition) => ({ topic, partition })),
              );
            }
            const proc = processOf(m.memberMetadata);
            return { memberId: m.memberId, clientId: m.clientId, host: proc ? `${proc} (${m.clientHost})` : m.clientHost, assignment };
          }),
        };
      },
    },

    async transactionalProducer(transactionalId: string): Promise<KafkaTransactionalProducer> {
      assertOpen();
      if (typeof transactionalId !== 'string' || transactionalId.length === 0) {
        throw new ShopError('INVALID_ARGUMENT', 'kafka: a transactional producer needs a non-empty transactional id');
      }
      const opened = await openKafkaTransactionalProducer({
        kafka,
        transactionalId,
        transactionTimeoutMs: mapped.transactionTimeoutMs ?? TRANSACTION_TIMEOUT_MS,
        clock,
        checkTopics,
        forget: (p) => transactionalProducers.delete(p),
      });
      transactionalProducers.add(opened);
      if (closed) await opened.close(); // the transport closed while it opened
      assertOpen();
      return opened;
    },

    async ensureTopics(specs: TopicSpec[]): Promise<void> {
      assertOpen();
      for (const spec of specs) {
        assertTopicName(spec.topic);
        if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
          throw new ShopError(
            'INVALID_ARGUMENT',
            `kafka: partitions of topic '${spec.topic}' must be a positive integer, got ${spec.partitions}`,
          );
        }
        if (spec.replicationFactor !== undefined && (!Number.isInteger(spec.replicationFactor) || spec.replicationFactor < 1)) {
          throw new ShopError(
            'INVALID_ARGUMENT',
            `kafka: replication factor of topic '${spec.topic}' must be a positive integer, got ${spec.replicationFactor}`,
          );
        }
      }
      const admin = await getAdmin();
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s, i) => !existing.has(s.topic) && specs.findIndex((o) => o.topic === s.topic) === i);
      if (missing.length > 0) {
        try {
          await admin.createTopics({
            // kafkajs's own wait gives up on the first UNKNOWN_TOPIC_OR_PARTITION: untilWritable waits instead
            waitForLeaders: false,
            topics: missing.map((s) => ({
              topic: s.topic,
              numPartitions: s.partitions,
              replicationFactor: s.replicationFactor ?? -1,
              ...(s.cleanupPolicy ? { configEntries: [{ name: 'cleanup.policy', value: s.cleanupPolicy }] } : {}),
            })),
          });
        } catch (error) {
          const errors: { type?: string; message?: string }[] = (error as { errors?: { type?: string }[] }).errors ?? [
            error as { type?: string },
          ];
          // another process may have created the same topics meanwhile: that is fine
          if (!errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS')) {
            const factor = errors.find((e) => e.type === 'INVALID_REPLICATION_FACTOR');
            const hint = factor
              ? ' (the replication factor is larger than the number of brokers: use replication_factor = 1 in [kafka-topic-config] for a single local broker)'
              : '';
            throw new ShopError(
              'KAFKA_TOPIC_CREATE_FAILED',
              `kafka: creating topics ${missing.map((s) => s.topic).join(', ')} failed: ${errors.map((e) => e.message).join('; ')}${hint}`,
              {
                cause: error,
              },
            );
          }
        }
      }
      // a topic another process is creating right now exists but may not answer yet
      // (NOT_LEADER_FOR_PARTITION from the first ListOffsets): wait for those too, as they are
      await Promise.all(specs.map((s) => untilWritable(admin, s.topic, missing.includes(s) ? s.partitions : undefined)));
      for (const s of specs) knownTopics.add(s.topic);
    },

    async partitions(topic: string): Promise<number> {
      assertOpen();
      assertTopicName(topic);
      return (await topicPartitions([topic])).get(topic) as number;
    },

    producer(): Producer {
      assertOpen();
      return producer;
    },

    consumer(consumerOptions: ConsumerOptions): KafkaConsumer {
      assertOpen();
      const { groupId, topics } = consumerOptions;
      if (typeof groupId !== 'string' || groupId.length === 0)
        throw new ShopError('INVALID_ARGUMENT', 'kafka: a consumer needs a non-empty groupId');
      if (!Array.isArray(topics) || topics.length === 0)
        throw new ShopError('INVALID_ARGUMENT', `kafka: consumer of group '${groupId}' needs at least one topic`);
      for (const t of topics) assertTopicName(t);
      // kafkajs takes the client id per Kafka instance; a consumer naming its own gets one.
      const client = consumerOptions.clientId ? new Kafka({ ...baseConfig, clientId: consumerOptions.clientId }) : kafka;
      const member = new KafkaGroupMember({
        kafka: client,
        groupId,
        topics: [...new Set(topics)],
        config: consumerConfig,
        checkTopics,
        onError,
        forget: (m) => members.delete(m),
      });
      members.add(member);
      return member;
    },

    async read(topic: string, partition: number, from: number, max = 1000): Promise<DeliveredMessage[]> {
      assertOpen();
      await checkTopics([topic]);
      const offsets = await (await getAdmin()).fetchTopicOffsets(topic);
      const end = Number(offsets.find((o) => o.partition === partition)?.high ?? 0);
      return readPartition(kafka, end, topic, partition, from, max);
    },

    async endOffsets(topic: string): Promise<Map<number, number>> {
      assertOpen();
      await checkTopics([topic]);
      const offsets = await (await getAdmin()).fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    },

    async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
      assertOpen();
      await checkTopics([topic]);
      const [entry] = await (await getAdmin()).fetchOffsets({ groupId, topics: [topic] });
      const result = new Map<number, number>();
      for (const p of entry?.partitions ?? []) {
        const offset = Number(p.offset);
        if (offset >= 0) result.set(p.partition, offset);
      }
      return result;
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...transactionalProducers].map((p) => p.close()));
      await Promise.all([...members].map((m) => m.close()));
      const [admin, kafkaProducer] = await Promise.all([admin$?.catch(() => undefined), producer$?.catch(() => undefined)]);
      await Promise.all([admin?.disconnect(), kafkaProducer?.disconnect()]);
    },
  };
}
