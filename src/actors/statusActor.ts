import { type AnyActorLogic, type AnyActorRef, createActor } from 'xstate';
import { type OrderContext, orderMachine, orderNextDeadline, type Stage } from '../../machines/index.ts';
import { type Clock, scaledMs, type TimerHandle } from '../clock.ts';
import type { ShopConfig } from '../config/shopConfig.ts';
import { isShopError } from '../errors.ts';
import { statusValue } from '../events/statusValue.ts';
import type { WireFormat } from '../events/wireFormat.ts';
import { encode, ORDER_ID, parseOrderId, parseStatusChanged } from '../events/messages.ts';
import { parsePizzaAssembled, parsePizzaOrdered } from '../events/messages.ts';
import type { Logger } from '../log/logger.ts';
import { type ActorHostStats, createActorHost, type HandleResult, type InputRef } from '../runtime/actorHost.ts';
import { crashSignal } from '../runtime/crashSignal.ts';
import { SerialQueue } from '../runtime/serialQueue.ts';
import type { RunningActor } from '../runtime/supervisor.ts';
import type { StateStore } from '../store/stateStore.ts';
import type { DeliveredMessage, Producer, Transport } from '../transport/transport.ts';

export interface StatusActorOptions {
  config: ShopConfig;
  transport: Transport;
  producer: Producer;
  /** the orders store (`[state-store-orders]`): one order-machine snapshot per order */
  store: StateStore;
  clock: Clock;
  logger: Logger;
  speed: number;
  /** how often old orders are purged (ms of the clock; not scaled by speed) */
  retentionSweepMs?: number;
  /** how input values are read (JSON or Avro); default: JSON only */
  wireFormat?: WireFormat;
}

export interface StatusActor extends RunningActor {
  /** orders whose machines are in memory (not finished) */
  activeOrders(): number;
  /** messages received, dead-lettered, commits, inputs in progress */
  stats(): ActorHostStats;
  /** the persisted context of an order's machine */
  order(orderId: string): OrderContext | undefined;
  idle(): Promise<void>;
}

interface Live {
  actor: AnyActorRef;
  timer?: TimerHandle;
}

/**
 * The status actor does what ksqlDB did in the original: it reads the five stage topics and
 * pizza-cancelled, runs one order-lifecycle machine per order, persists each machine in the
 * orders store and publishes every status change to pizza-status (`{status, timestamp}` keyed by
 * the order id). Finished orders leave memory; a late event restores them from the store.
 */
export async function startStatusActor(options: StatusActorOptions): Promise<StatusActor> {
  const { config, clock, logger, producer, speed } = options;
  const topics = config.topics;
  const machines = options.store.collection<unknown>(config.ordersStore.tableStatus);
  const live = new Map<string, Live>();
  const queue = new SerialQueue();
  const { crashed, crash } = crashSignal();
  const stuckAfterMs = speed > 0 ? scaledMs(config.ordersStore.invalidTimeoutMinutes * 60, speed) : null;
  let stopped = false;
  let sweepTimer: TimerHandle | undefined;

  const stageOf: Record<string, Stage> = {
    [topics.pizzaOrdered]: 'ordered',
    [topics.pizzaAssembled]: 'assembled',
    [topics.pizzaBaked]: 'baked',
    [topics.pizzaPending]: 'pending',
    [topics.pizzaDelivered]: 'delivered',
    [topics.pizzaCancelled]: 'cancelled',
  };
  const typeOf: Record<Stage, string> = {
    ordered: 'ORDER.PLACED',
    assembled: 'PIZZA.ASSEMBLED',
    baked: 'PIZZA.BAKED',
    pending: 'PIZZA.PENDING',
    delivered: 'PIZZA.DELIVERED',
    cancelled: 'ORDER.CANCELLED',
  };

  const liveOrder = (orderId: string, now: number): Live => {
    let entry = live.get(orderId);
    if (entry) return entry;
    const saved = machines.get(orderId);
    const actor = saved
      ? createActor(orderMachine as AnyActorLogic, { snapshot: saved as never })
      : createActor(orderMachine, {
          input: { orderId, now, statusIds: config.status.ids, stuckAfterMs, unknownAfterMs: stuckAfterMs },
        });
    entry = { actor };
    live.set(orderId, entry);
    actor.start();
    return entry;
  };

  /** Sends one event to an order's machine and carries out what it emitted. */
  const deliver = (orderId: string, event: Record<string, unknown> & { type: string }) =>
    queue.run(async () => {
      // Not a silent return: the host would commit a message that was never applied.
      if (stopped) throw new Error(`status actor stopped: ${event.type} for ${orderId} not applied`);
      const entry = liveOrder(orderId, Number(event.now));
      const emitted: { type: string; [k: string]: unknown }[] = [];
      const sub = entry.actor.on('*', (e: { type: string }) => {
        emitted.push(e as never);
      });
      try {
        entry.actor.send(event as never);
      } finally {
        sub.unsubscribe();
      }
      for (const e of emitted) {
        if (e.type !== 'status.changed') continue;
        try {
          await producer.send(topics.pizzaStatus, [
            { key: orderId, value: encode(statusValue(Number(e.status), Number(e.timestamp))), timestamp: Number(e.at) },
          ]);
        } catch (error) {
          // The order's machine has moved past a status that was not published: nothing of this
          // instance may be persisted any more (a later step would lose that status for good). It
          // stops at once; the next one restores from the store and the inputs come again.
          release();
          throw error;
        }
        logger.info(`status ${e.previous ?? '-'} -> ${e.status} (${e.name}) after ${e.source}`, { orderId, status: e.status });
      }
      for (const e of emitted) {
        if (e.type === 'event.ignored') logger.debug(`event ${e.event} recorded, status unchanged (${e.reason})`, { orderId });
      }
      const snapshot = entry.actor.getSnapshot();
      const context = snapshot.context as OrderContext;
      const done = snapshot.hasTag('finished');
      machines.put(orderId, entry.actor.getPersistedSnapshot(), { index: done ? 'finished' : 'active', at: context.firstSeenAt });
      arm(orderId, entry, done);
      // Settled: nothing more is expected of this order, so its inputs may be committed.
      return done || (snapshot.hasTag('halted') && context.status !== config.status.ids.stuck);
    });

  /**
   * The inputs of an order are committed only once the order is settled (delivered, cancelled,
   * unknown, something wrong). Until then they stay uncommitted, so whichever member owns the
   * partition next — after a crash, a restart on another machine, a rebalance — gets the order's
   * events again and rebuilds its machine from them (event sourcing). A stuck order keeps them too:
   * it may still move.
   */
  const unsettled = new Map<string, InputRef[]>();
  /** the partition number each order in this member's care lives on */
  const orderPartition = new Map<string, number>();
  const settle = async (orderId: string, ref: InputRef | null, settled: boolean) => {
    const refs = unsettled.get(orderId) ?? [];
    if (ref) refs.push(ref);
    if (!settled) {
      unsettled.set(orderId, refs);
      return;
    }
    unsettled.delete(orderId);
    orderPartition.delete(orderId);
    for (const r of refs) await host.finish(r);
  };

  const arm = (orderId: string, entry: Live, done: boolean) => {
    if (entry.timer !== undefined) clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    const due = orderNextDeadline(entry.actor.getSnapshot().context as OrderContext);
    if (done || due === undefined) {
      if (done) {
        entry.actor.stop();
        live.delete(orderId);
      }
      return;
    }
    entry.timer = clock.setTimeout(() => {
      entry.timer = undefined;
      deliver(orderId, { type: 'CLOCK.TICK', now: clock.now() })
        .then((settled) => settle(orderId, null, settled === true))
        .catch(crash);
    }, Math.max(0, due - clock.now()));
  };

  const toEvent = (message: DeliveredMessage, orderId: string): Record<string, unknown> & { type: string } => {
    const stage = stageOf[message.topic];
    if (!stage) throw new Error(`status actor got a message from unexpected topic ${message.topic}`);
    const timestamp =
      stage === 'ordered'
        ? parsePizzaOrdered(message.value).timestamp
        : stage === 'assembled'
          ? parsePizzaAssembled(message.value).timestamp
          : parseStatusChanged(message.value).timestamp;
    const ref = { topic: message.topic, partition: message.partition, offset: message.offset };
    return { type: typeOf[stage], orderId, now: clock.now(), ref, timestamp };
  };

  const host = createActorHost({
    name: 'status',
    transport: options.transport,
    producer,
    groupId: config.groupIds.status,
    clientId: config.clientIds.status,
    topics: [topics.pizzaOrdered, topics.pizzaAssembled, topics.pizzaBaked, topics.pizzaDelivered, topics.pizzaPending, topics.pizzaCancelled],
    deadLetterTopic: topics.deadLetter,
    ...(options.wireFormat ? { wireFormat: options.wireFormat } : {}),
    clock,
    logger,
    handle: async (message): Promise<HandleResult> => {
      const orderId = parseOrderId(message.key);
      orderPartition.set(orderId, message.partition);
      let event: Record<string, unknown> & { type: string };
      try {
        event = toEvent(message, orderId);
      } catch (error) {
        // An unparsable message about a known order id: the order cannot go on normally.
        if (isShopError(error) && error.code === 'MALFORMED_MESSAGE' && ORDER_ID.test(orderId)) {
          const ref = { topic: message.topic, partition: message.partition, offset: message.offset };
          await deliver(orderId, { type: 'MESSAGE.MALFORMED', orderId, now: clock.now(), ref, stage: stageOf[message.topic] ?? 'ordered', reason: error.message });
        }
        throw error; // the host sends it to the dead-letter topic
      }
      const settled = await deliver(orderId, event);
      await settle(orderId, { topic: message.topic, partition: message.partition, offset: message.offset }, settled === true);
      return 'pending';
    },
    // Partitions that move away take their orders with them: the next owner gets their
    // uncommitted inputs and rebuilds them. Topics are co-partitioned and keyed by order id, so an
    // order lives on one partition number; a stale machine here must not fire its timers.
    onRevoked: (partitions) =>
      queue.run(async () => {
        const gone = new Set(partitions.map((tp) => tp.partition));
        for (const [orderId, partition] of orderPartition) {
          if (!gone.has(partition)) continue;
          orderPartition.delete(orderId);
          unsettled.delete(orderId);
          const l = live.get(orderId);
          if (l) {
            if (l.timer !== undefined) clock.clearTimeout(l.timer);
            l.actor.stop();
            live.delete(orderId);
          }
        }
      }),
  });

  host.crashed.then(crash);

  // Orders in progress when the process stopped are not restored here: their inputs are not
  // committed yet, so they come again to whichever member owns their partition now. That member
  // restores the machine from its store (deadlines included: XState drops pending timers on
  // persist/restore, the deadlines are in the context) or rebuilds it from the events.

  const sweep = () => {
    const cutoff = clock.now() - config.ordersStore.retentionHours * 3_600_000;
    queue
      .run(async () => {
        // Only live (unfinished) orders are in memory; the store is queried for none of the rest.
        for (const [orderId, l] of live) {
          const at = (l.actor.getSnapshot().context as OrderContext).firstSeenAt;
          if (at >= cutoff) continue;
          if (l.timer !== undefined) clock.clearTimeout(l.timer);
          l.actor.stop();
          live.delete(orderId);
        }
        const purged = machines.purgeOlderThan(cutoff);
        // Orders forgotten by retention will not settle any more: let their inputs go.
        for (const [orderId, refs] of unsettled) {
          if (machines.has(orderId)) continue;
          unsettled.delete(orderId);
          for (const r of refs) await host.finish(r);
        }
        if (purged > 0) logger.info(`retention: forgot ${purged} orders older than ${config.ordersStore.retentionHours} h`);
      })
      .catch(crash);
    sweepTimer = clock.setTimeout(sweep, options.retentionSweepMs ?? 60_000);
  };
  sweepTimer = clock.setTimeout(sweep, options.retentionSweepMs ?? 60_000);

  const release = () => {
    stopped = true;
    if (sweepTimer !== undefined) clock.clearTimeout(sweepTimer);
    for (const l of live.values()) {
      if (l.timer !== undefined) clock.clearTimeout(l.timer);
      l.actor.stop();
    }
    live.clear();
  };

  try {
    await host.start();
  } catch (error) {
    // A start that fails (the broker down) must leave no timers behind: the supervisor tries again
    // with a fresh actor, and these would go on moving orders that nobody consumes for.
    release();
    await host.stop().catch(() => {});
    throw error;
  }
  logger.info('status actor ready');

  return {
    crashed,
    activeOrders: () => live.size,
    stats: () => host.stats(),
    order: (orderId) => {
      const l = live.get(orderId);
      if (l) return l.actor.getSnapshot().context as OrderContext;
      const saved = machines.get(orderId) as { context?: OrderContext } | undefined;
      return saved?.context;
    },
    idle: () => queue.drain(),
    async stop() {
      await host.stop();
      await queue.drain();
      release();
    },
  };
}
