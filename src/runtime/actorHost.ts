import type { Clock } from '../clock.ts';
import { isShopError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Consumer, DeliveredMessage, Producer, TopicPartition, Transport } from '../transport/transport.ts';
import { sendToDeadLetter } from './deadLetter.ts';
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
  /** Stop fetching (the station is full); `resume` when there is room again. */
  pause(): void;
  resume(): void;
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
  let paused = false;
  let stopped = false;
  let crash!: (error: Error) => void;
  const crashed = new Promise<Error>((resolve) => {
    crash = resolve;
  });

  const commitThrough = async (ref: InputRef) => {
    const position = tracker.finish(ref, ref.offset);
    if (!position || !consumer || stopped) return;
    const owned = consumer.assignment().some((tp) => tp.topic === ref.topic && tp.partition === ref.partition);
    if (!owned) return;
    await consumer.commit([position]);
    stats.commits += 1;
  };

  const handleMessage = async (message: DeliveredMessage) => {
    if (stopped) throw new Error(`${options.name} is stopping`);
    stats.received += 1;
    tracker.begin(message, message.offset);
    let result: HandleResult;
    try {
      result = await options.handle(message);
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
        await commitThrough(message);
        return;
      }
      const e = error instanceof Error ? error : new Error(String(error));
      crash(e);
      throw e;
    }
    if (result === 'done') await commitThrough(message);
  };

  return {
    crashed,
    async start() {
      consumer = options.transport.consumer({ groupId: options.groupId, clientId: options.clientId ?? options.name, topics: options.topics });
      await consumer.run(handleMessage, {
        onAssigned: async (partitions) => {
          if (paused) consumer?.pause(partitions);
          await options.onAssigned?.(partitions);
        },
        onRevoked: async (partitions) => {
          for (const tp of partitions) tracker.forget(tp);
          await options.onRevoked?.(partitions);
        },
      });
    },
    finish: (ref) =>
      commitThrough(ref).catch((error: unknown) => {
        // A failed commit is not fatal: the input is redelivered and the actor's dedupe skips it.
        logger.warn(`commit failed for ${ref.topic}[${ref.partition}]@${ref.offset}: ${(error as Error).message}`);
      }),
    pause() {
      if (paused) return;
      paused = true;
      if (consumer) consumer.pause(consumer.assignment());
    },
    resume() {
      if (!paused) return;
      paused = false;
      if (consumer) consumer.resume(consumer.assignment());
    },
    async stop() {
      stopped = true;
      await consumer?.close();
    },
    stats: () => ({ ...stats, inFlight: tracker.inFlightCount() }),
  };
}
