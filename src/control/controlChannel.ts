import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../clock.ts';
import { isShopError, ShopError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Consumer, DeliveredMessage, Producer, Transport } from '../transport/transport.ts';
import {
  type CommandOf,
  type ControlCommand,
  type ControlCommandBody,
  type ControlCommandType,
  controlCommandProblem,
  parseControlCommand,
} from './controlCommands.ts';

/** Where a command was read: while catching up with the topic's history, or as it happened. */
export interface Delivery {
  /** true while the process folds what was issued before it started (a kill from yesterday must not kill now) */
  replay: boolean;
  offset: number;
}

export type ControlHandler<T extends ControlCommandType> = (command: CommandOf<T>, delivery: Delivery) => void | Promise<void>;

/**
 * The control channel of one process: every process of the shop, whatever actors it hosts, reads
 * every command of the control topic (one partition: one order of commands for all) and hands
 * each to the handlers registered for its type, one command at a time, in order.
 *
 * - **Start.** `start()` reads the topic from its beginning and resolves once it has handed over
 *   everything that was there when it began (`replay: true`), so a process started while the shop
 *   is paused starts paused: start the channel before the actors. Then it follows the topic live.
 * - **Each process reads everything**: a consumer group of its own (suffixed with a random id,
 *   never committed), not shared with any other process.
 * - **Send.** `send(body, issuer)` stamps the command (id, issuer, the wall time) and resolves
 *   once this process has applied it, so what the issuer answers shows the command's effect.
 * - **Bad messages** (written by something else) are logged and skipped, not dead-lettered:
 *   every process reads them, so each would dead-letter a copy.
 * - **Unknown types** (a newer process's commands) are skipped.
 *
 * @example
 * const channel = createControlChannel({ transport, producer, topic: 'pizza-control', wall, logger, processId: 'web-1a2b' });
 * channel.on('clock.pause', (command) => clock.set(applyClockChange(clock.state(), { kind: 'pause', at: command.at })));
 * await channel.start();
 * await channel.send({ type: 'clock.pause' }, 'ada via web-1a2b');
 */
export interface ControlChannel {
  /** Registers a handler for a command type (several per type run in the order registered); returns the unregister. */
  on<T extends ControlCommandType>(type: T, handler: ControlHandler<T>): () => void;
  start(): Promise<void>;
  /** Produces a command; resolves with it once this process applied it (throws a 4xx ShopError for a bad one, nothing produced). */
  send(body: ControlCommandBody, issuer: string): Promise<ControlCommand>;
  /** the last command applied, if any */
  last(): ControlCommand | undefined;
  stop(): Promise<void>;
}

export interface ControlChannelOptions {
  transport: Pick<Transport, 'consumer' | 'endOffsets'>;
  producer: Producer;
  topic: string;
  /** the wall clock: commands are stamped with it; bounds of waiting run on it */
  wall: Clock;
  logger: Logger;
  /** names this process in its consumer group */
  processId: string;
  /** how long `start` and `send` wait for the topic (default 60 s and 10 s) */
  startTimeoutMs?: number;
  sendTimeoutMs?: number;
}

export function createControlChannel(options: ControlChannelOptions): ControlChannel {
  const { transport, producer, topic, wall, logger } = options;
  // biome-ignore lint/suspicious/noExplicitAny: each list holds the handlers of its own type
  const handlers = new Map<ControlCommandType, ControlHandler<any>[]>();
  /** next offset to apply */
  let next = 0;
  /** offsets below this were in the topic when the channel started */
  let replayUntil = 0;
  let lastCommand: ControlCommand | undefined;
  let consumer: Consumer | undefined;
  let restart: TimerHandle | undefined;
  let stopped = false;
  const waiters: { offset: number; resolve: () => void; reject: (error: Error) => void }[] = [];

  const settleWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w && w.offset < next) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };

  /** Resolves once every offset below `offset + 1` was applied here; rejects after `ms` of wall time. */
  const appliedThrough = (offset: number, ms: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (offset < next) return resolve();
      if (stopped) return reject(new ShopError('CONTROL_STOPPED', `${what}: the control channel is stopped`, { httpStatus: 503 }));
      const timer = wall.setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        reject(
          new ShopError('CONTROL_TIMEOUT', `${what}: ${topic} was not read up to offset ${offset} within ${ms} ms`, { httpStatus: 503 }),
        );
      }, ms);
      const waiter = {
        offset,
        resolve: () => {
          wall.clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          wall.clearTimeout(timer);
          reject(error);
        },
      };
      waiters.push(waiter);
    });

  const dispatch = async (message: DeliveredMessage) => {
    const delivery: Delivery = { replay: message.offset < replayUntil, offset: message.offset };
    let command: ControlCommand;
    try {
      command = parseControlCommand(message.value);
    } catch (error) {
      logger.warn(`control: skipped ${topic}@${message.offset}: ${(error as Error).message}`);
      return;
    }
    const registered = handlers.get(command.type) ?? [];
    if (registered.length === 0) logger.debug(`control: no handler for ${command.type} in this process`);
    for (const handler of registered) {
      try {
        await handler(command, delivery);
      } catch (error) {
        // one broken handler must not stop the others, nor the commands after it
        logger.error(`control: ${command.type} handler failed: ${(error as Error).message}`);
      }
    }
    lastCommand = command;
    // what people did to the shop is worth a line in every process; the history at start is not
    const { id: _id, type, issuer, ...fields } = command;
    if (delivery.replay) logger.debug(`${type} from ${issuer}`, { ...fields, offset: delivery.offset });
    else logger.info(`${type} from ${issuer}`, { ...fields, offset: delivery.offset });
  };

  const follow = async () => {
    const groupId = `${topic}-${options.processId}-${randomBytes(4).toString('hex')}`;
    const c = transport.consumer({ groupId, clientId: options.processId, topics: [topic] });
    consumer = c;
    await c.run(
      async (batch) => {
        for (const message of batch.messages) {
          // a new member starts from the beginning: skip what this process applied already
          if (message.offset < next) continue;
          await dispatch(message);
          next = message.offset + 1;
        }
        settleWaiters();
      },
      {
        onStopped: (error) => {
          if (stopped || consumer !== c) return;
          logger.warn(`control: the consumer of ${topic} stopped (${error.message}); following it again in 1 s`);
          restart = wall.setTimeout(() => {
            restart = undefined;
            if (!stopped) follow().catch((e: unknown) => logger.error(`control: cannot follow ${topic}: ${(e as Error).message}`));
          }, 1_000);
        },
      },
    );
  };

  return {
    on(type, handler) {
      const list = handlers.get(type) ?? [];
      list.push(handler);
      handlers.set(type, list);
      return () => {
        const i = list.indexOf(handler);
        if (i >= 0) list.splice(i, 1);
      };
    },
    async start() {
      replayUntil = (await transport.endOffsets(topic)).get(0) ?? 0;
      await follow();
      // commands are sent without transactions: the last offset is a command, never a marker
      if (replayUntil > 0) await appliedThrough(replayUntil - 1, options.startTimeoutMs ?? 60_000, 'starting');
      if (replayUntil > 0) logger.info(`control: caught up with ${replayUntil} command(s) of ${topic}`);
    },
    async send(body, issuer) {
      const command = { ...body, id: randomUUID(), issuer, at: wall.now() } as ControlCommand;
      const problem = controlCommandProblem(command);
      if (problem) throw new ShopError('INVALID_COMMAND', problem, { httpStatus: 422 });
      let offset: number;
      try {
        const [meta] = await producer.send(topic, [{ key: command.id, value: JSON.stringify(command) }]);
        if (!meta) throw new Error('no record metadata');
        offset = meta.offset;
      } catch (error) {
        if (isShopError(error)) throw error;
        throw new ShopError('CONTROL_UNAVAILABLE', `could not send ${command.type}: ${(error as Error).message}`, {
          httpStatus: 503,
          cause: error,
        });
      }
      await appliedThrough(offset, options.sendTimeoutMs ?? 10_000, command.type);
      return command;
    },
    last: () => lastCommand,
    async stop() {
      stopped = true;
      if (restart !== undefined) wall.clearTimeout(restart);
      // what waits for a command to be applied here learns now that it never will be (its timer,
      // up to a minute, would otherwise keep a stopped process waiting)
      for (const w of waiters.splice(0)) w.reject(new ShopError('CONTROL_STOPPED', 'the control channel stopped', { httpStatus: 503 }));
      await consumer?.close();
    },
  };
}
