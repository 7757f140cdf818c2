import type { Clock } from '../clock.ts';
import { asJsonMessage, type WireFormat } from '../events/wireFormat.ts';
import { isShopError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Consumer, DeliveredMessage, Producer, TopicPartition, Transport } from '../transport/transport.ts';
import { sendToDeadLetter } from './deadLetter.ts';
import { crashSignal } from './crashSignal.ts';
import { OffsetTracker } from './offsetTracker.ts';

/** Where an input message came from; what an actor hands back when its work is finished. */
export interface InputRef {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * What a handler says about a message: `done` — its outputs are produced, commit it; `pending` —
 * work goes on (a pizza in the oven), the actor calls `host.finish(ref)` when it is done.
 */
export type HandleResult = 'done' | 'pending';

export interface ActorHostOptions {
  /** actor name, for logs and dead letters */
  name: string;
  transport: Transport;
  producer: Producer;
  groupId: string;
  clientId?: string;
  topics: string[];
  deadLetterTopic: string;
  clock: Clock;
  logger: Logger;
  /** reads Avro values (Confluent's wire format) as JSON for `handle`; absent: values as they come */
  wireFormat?: WireFormat;
  /**
   * Handles one message. Throwing a ShopError with code MALFORMED_MESSAGE sends the message to
   * the dead-letter topic and moves on; any other error crashes the actor (the supervisor
   * restarts it and the message comes again).
   */
  handle(message: DeliveredMessage): Promise<HandleResult>;
  /** the member lost these partitions: drop unfinished work from them (it is redelivered elsewhere) */
  onRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onAssigned?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface ActorHostStats {
  received: number;
  deadLettered: number;
  commits: number;
  inFlight: number;
}

export interface ActorHost {
  start(): Promise<void>;
  /** The work for this input is finished and its outputs are produced: commit what can be. */
  finish(ref: InputRef): Promise<void>;
  /**
   * Marks an input as in progress without it being delivered now: work restored from a snapshot,
   * so that nothing past it is committed before it is finished.
   */
  track(ref: InputRef): void;
  /** Stop fetching these topics' partitions (the station is full); `resume` when there is room again. */
  pause(topics?: string[]): void;
  resume(topics?: string[]): void;
  stop(): Promise<void>;
  /** Settles when the actor crashed (a handler threw something other than a malformed message). */
  readonly crashed: Promise<Error>;
  stats(): ActorHostStats;
}

/**
 * Binds an actor to the transport as one member of its consumer group: turns messages into calls
 * of `handle`, routes poison messages to the dead-letter topic, and commits an input's offset only
 * after the work it caused is finished — never past an input still in progress (OffsetTracker).
 */
export function createActorHost(options: ActorHostOptions): ActorHost {
  const { logger, clock } = options;
  const tracker = new OffsetTracker();
  const stats = { received: 0, deadLettered: 0, commits: 0 };
  let consumer: Consumer | undefined;
  let pausedTopics = new Set<string>();
  const owned = (topics: Set<string>) => (consumer ? consumer.assignment().filter((tp) => topics.has(tp.topic)) : []);
  // closing: no new messages, but the one in flight may still commit; stopped: closed.
  let closing = false;
  let stopped = false;
  const { crashed, crash } = crashSignal();

  const commitThrough = async (ref: InputRef) => {
    if (!consumer || stopped) return;
    // A partition this member does not own (any more) is not ours to commit: the next owner
    // gets the message again and its dedupe commits it.
    const owns = consumer.assignment().some((tp) => tp.topic === ref.topic && tp.partition === ref.partition);
    if (!owns) return;
    const position = tracker.finish(ref, ref.offset);
    if (!position) return;
    await consumer.commit([position]);
    stats.commits += 1;
  };

  // A failed commit is not fatal: the input is redelivered and the actor's dedupe skips it.
  const commitQuietly = (ref: InputRef) =>
    commitThrough(ref).catch((error: unknown) => {
      logger.warn(`commit failed for ${ref.topic}[${ref.partition}]@${ref.offset}: ${(error as Error).message}`);
    });

  const handleMessage = async (message: DeliveredMessage) => {
    if (closing) throw new Error(`${options.name} is stopping`);
    try {
      await handleOne(message);
    } catch (error) {
      // A consumer whose handler threw stops; the actor must crash with it, or it would sit
      // there consuming nothing while the supervisor thinks it runs.
      const e = error instanceof Error ? error : new Error(String(error));
      crash(e);
      throw e;
    }
  };

  const handleOne = async (message: DeliveredMessage) => {
    stats.received += 1;
    tracker.begin(message, message.offset);
    let result: HandleResult;
    try {
      // decoded inside the try: an undecodable value is dead-lettered with its original bytes
      result = await options.handle(options.wireFormat ? await asJsonMessage(options.wireFormat, message) : message);
    } catch (error) {
      if (isShopError(error) && error.code === 'MALFORMED_MESSAGE') {
        stats.deadLettered += 1;
        logger.warn(`malformed message on ${message.topic}[${message.partition}]@${message.offset} sent to ${options.deadLetterTopic}: ${error.message}`, {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          ...(message.key && /^[0-9a-f]{8}$/.test(message.key) ? { orderId: message.key } : {}),
        });
        await sendToDeadLetter(options.producer, options.deadLetterTopic, message, error.message, options.name, clock.now());
        await commitQuietly(message);
        return;
      }
      throw error;
    }
    if (result === 'done') await commitQuietly(message);
  };

  return {
    crashed,
    async start() {
      consumer = options.transport.consumer({ groupId: options.groupId, clientId: options.clientId ?? options.name, topics: options.topics });
      await consumer.run(handleMessage, {
        onAssigned: async (partitions) => {
          const toPause = partitions.filter((tp) => pausedTopics.has(tp.topic));
          if (toPause.length > 0) consumer?.pause(toPause);
          await options.onAssigned?.(partitions);
        },
        onRevoked: async (partitions) => {
          for (const tp of partitions) tracker.forget(tp);
          await options.onRevoked?.(partitions);
        },
      });
    },
    finish: commitQuietly,
    track(ref) {
      tracker.begin(ref, ref.offset);
    },
    pause(topics = options.topics) {
      const fresh = new Set(topics.filter((t) => !pausedTopics.has(t)));
      if (fresh.size === 0) return;
      for (const t of fresh) pausedTopics.add(t);
      consumer?.pause(owned(fresh));
    },
    resume(topics = options.topics) {
      const fresh = new Set(topics.filter((t) => pausedTopics.has(t)));
      if (fresh.size === 0) return;
      pausedTopics = new Set([...pausedTopics].filter((t) => !fresh.has(t)));
      consumer?.resume(owned(fresh));
    },
    async stop() {
      closing = true;
      await consumer?.close();
      stopped = true;
    },
    stats: () => ({ ...stats, inFlight: tracker.inFlightCount() }),
  };
}
