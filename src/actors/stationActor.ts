import { type AnyActorLogic, type AnyActorRef, createActor } from 'xstate';
import {
  assembleMachine,
  bakeMachine,
  committedInputs,
  deliveryMachine,
  stationLoad,
  stationNextDeadline,
  stationPendingInputs,
  type StationContext,
  type StationName,
} from '../../machines/index.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import type { ShopConfig } from '../config/shopConfig.ts';
import type { WireFormat } from '../events/wireFormat.ts';
import { encode, parseOrderId, parsePizzaAssembled, parsePizzaOrdered, parseStatusChanged } from '../events/messages.ts';
import { assembleWork, bakeMs, deliveryWork } from '../kitchen/timings.ts';
import type { Logger } from '../log/logger.ts';
import { type ActorHostStats, createActorHost, type HandleResult } from '../runtime/actorHost.ts';
import { crashSignal } from '../runtime/crashSignal.ts';
import { SerialQueue } from '../runtime/serialQueue.ts';
import type { RunningActor } from '../runtime/supervisor.ts';
import type { StateStore } from '../store/stateStore.ts';
import type { DeliveredMessage, OutgoingMessage, Producer, TopicPartition, Transport } from '../transport/transport.ts';
import type { InputRef } from '../runtime/actorHost.ts';

export interface StationActorOptions {
  station: StationName;
  config: ShopConfig;
  transport: Transport;
  producer: Producer;
  /** where the station keeps its machine snapshot (work in progress, dedupe memory) */
  store: StateStore;
  clock: Clock;
  logger: Logger;
  speed: number;
  /** pizzas waiting in the station's own queue before the consumer pauses (default = capacity) */
  maxQueued?: number;
  /** how input values are read (JSON or Avro); default: JSON only */
  wireFormat?: WireFormat;
}

/** A running station, with what the kitchen board and metrics read. */
export interface StationActor extends RunningActor {
  station: StationName;
  load(): { working: number; queued: number; capacity: number };
  /** messages received, dead-lettered, commits, inputs in progress */
  stats(): ActorHostStats;
  /** Resolves when every step started so far has finished. */
  idle(): Promise<void>;
}

const SNAPSHOT_ID = 'snapshot';

/**
 * Runs one station machine (assemble, bake or delivery) as a member of the station's consumer
 * group. After every event it produces the outputs the machine emitted, persists the machine's
 * snapshot, then commits the inputs the machine says are done (the host contract in
 * machines/index.ts). Deadlines live in the snapshot, so a pizza in the oven when the process
 * stops comes out at its original deadline after a restart, once.
 */
export async function startStationActor(options: StationActorOptions): Promise<StationActor> {
  const { station, config, clock, logger, producer, speed } = options;
  const topics = config.topics;
  const snapshots = options.store.collection<unknown>(`station_${station}`);
  const queue = new SerialQueue();
  const { crashed, crash } = crashSignal();
  const capacity = config.capacity[station];
  const maxQueued = options.maxQueued ?? capacity;

  const machine: AnyActorLogic = station === 'assemble' ? assembleMachine : station === 'bake' ? bakeMachine : deliveryMachine;
  const saved = snapshots.get(SNAPSHOT_ID);
  const input =
    station === 'delivery'
      ? { capacity, forgetAfterMs: config.deliveryStore.retentionHours * 3_600_000 }
      : { capacity };
  const actor: AnyActorRef = saved ? createActor(machine, { snapshot: saved as never }) : createActor(machine, { input });
  let batch: { type: string; [k: string]: unknown }[] = [];
  actor.on('*', (event: { type: string }) => {
    batch.push(event as never);
  });
  actor.start();

  const context = () => actor.getSnapshot().context as StationContext;
  const workTopics =
    station === 'assemble' ? [topics.pizzaOrdered] : station === 'bake' ? [topics.pizzaAssembled] : [topics.pizzaOrdered, topics.pizzaBaked];

  let timer: TimerHandle | undefined;
  let stopped = false;
  let stopping = false;

  const outputOf = (event: { type: string; orderId?: unknown; at?: unknown; bakingTime?: unknown }): [string, OutgoingMessage] | undefined => {
    const key = String(event.orderId);
    const timestamp = Number(event.at);
    const ids = config.status.ids;
    switch (event.type) {
      case 'pizza.assembled':
        return [topics.pizzaAssembled, { key, value: encode({ status: ids.pizza_assembled, baking_time: Number(event.bakingTime), timestamp }), timestamp }];
      case 'pizza.baked':
        return [topics.pizzaBaked, { key, value: encode({ status: ids.pizza_baked, timestamp }), timestamp }];
      case 'pizza.delivered':
        return [topics.pizzaDelivered, { key, value: encode({ status: ids.delivered, timestamp }), timestamp }];
      case 'pizza.pending':
        return [topics.pizzaPending, { key, value: encode({ status: ids.pending, timestamp }), timestamp }];
      default:
        return undefined;
    }
  };

  const describe = (event: { type: string; [k: string]: unknown }): string | undefined => {
    switch (event.type) {
      case 'work.queued':
        return `queued (position ${event.position})`;
      case 'work.started':
        return `started, done in ${Math.max(0, Number(event.dueAt) - Number(event.at))} ms`;
      case 'work.finished':
        return 'finished';
      case 'work.dropped':
        return `dropped: order cancelled (was ${event.was})`;
      case 'work.released':
        return 'released: partition moved to another member';
      case 'input.ignored':
        return `input ignored (${event.reason})`;
      case 'cancel.noted':
        return 'cancel noted before the order arrived';
      case 'work.parked':
        return 'pizza baked before the order arrived: pending';
      case 'customer.noted':
        return 'customer noted, waiting for the pizza';
      case 'customer.forgotten':
        return 'customer forgotten (no pizza came within the retention time)';
      case 'work.forgotten':
        return 'parked pizza forgotten (its order never came within the retention time)';
      case 'customer.cancelled':
        return 'order cancelled before its pizza came (a pizza baked anyway is still delivered)';
      case 'pizza.assembled':
        return `pizza assembled, baking time ${event.bakingTime} s`;
      case 'pizza.baked':
        return 'pizza baked';
      case 'pizza.delivered':
        return event.late ? 'pizza delivered (late: it was baked before the order arrived)' : 'pizza delivered';
      case 'pizza.pending':
        return 'pizza-pending published';
      default:
        return undefined;
    }
  };

  // What steps did that is not persisted and committed yet (see `checkpoint`).
  let dirty = false;
  let toCommit: InputRef[] = [];
  let toLog: { type: string; [k: string]: unknown }[] = [];
  let nextCheckpoint: Promise<void> | undefined;

  /**
   * Sends one event and produces the outputs it caused (1. of the contract's order). Persisting
   * and committing (2. and 3.) happen in the checkpoint that follows: `stepAndCheckpoint`.
   */
  const step = (event: Record<string, unknown> & { type: string }) =>
    queue.run(async () => {
      if (stopped) return;
      batch = [];
      actor.send(event as never);
      const emitted = batch;
      batch = [];
      try {
        for (const e of emitted) {
          const out = outputOf(e);
          if (out) await producer.send(out[0], [out[1]]);
        }
      } catch (error) {
        // The machine has moved past outputs that were not produced: nothing of this instance may
        // be persisted or committed any more (a later checkpoint would lose those outputs for
        // good). It stops at once; the next one restores the last checkpoint and the inputs since
        // come again.
        halt();
        throw error;
      }
      toLog.push(...emitted);
      dirty = true;
      toCommit.push(...committedInputs(emitted));
      applyBackpressure();
      arm();
    });

  /**
   * Persists the machine's snapshot once, then commits what the steps before it finished. Steps
   * queued from several partitions share one checkpoint: the snapshot holds the station's whole
   * dedupe memory, and writing it once per step was most of the station's cost under load.
   */
  const checkpoint = (): Promise<void> => {
    nextCheckpoint ??= queue.run(async () => {
      nextCheckpoint = undefined;
      if (!dirty || stopped) return;
      dirty = false;
      snapshots.put(SNAPSHOT_ID, actor.getPersistedSnapshot(), { at: clock.now() });
      // Logged once durable: a line that says a pizza started means a restart knows it did.
      const events = toLog;
      toLog = [];
      for (const e of events) {
        const text = describe(e);
        if (text) logger.info(text, { orderId: String(e.orderId), event: e.type });
      }
      const refs = toCommit;
      toCommit = [];
      for (const ref of refs) await host.finish(ref);
    });
    return nextCheckpoint;
  };

  const stepAndCheckpoint = async (event: Record<string, unknown> & { type: string }) => {
    await step(event);
    await checkpoint();
  };

  const halt = () => {
    stopped = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };

  const arm = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    if (stopped || stopping) return;
    const due = stationNextDeadline(context());
    if (due === undefined) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      stepAndCheckpoint({ type: 'CLOCK.TICK', now: clock.now() }).catch(crash);
    }, Math.max(0, due - clock.now()));
  };

  const applyBackpressure = () => {
    const load = stationLoad(context());
    if (load.working >= load.capacity && load.queued >= maxQueued) host.pause(workTopics);
    else host.resume(workTopics);
  };

  const toEvent = (message: DeliveredMessage): Record<string, unknown> & { type: string } => {
    const orderId = parseOrderId(message.key);
    const ref = { topic: message.topic, partition: message.partition, offset: message.offset };
    const base = { orderId, now: clock.now(), ref };
    if (message.topic === topics.pizzaCancelled) {
      const v = parseStatusChanged(message.value);
      return { type: 'ORDER.CANCELLED', ...base, timestamp: v.timestamp };
    }
    if (message.topic === topics.pizzaOrdered) {
      const v = parsePizzaOrdered(message.value);
      if (station === 'assemble') return { type: 'ORDER.PLACED', ...base, timestamp: v.timestamp, ...assembleWork(v.order, config.timings, speed) };
      return {
        type: 'ORDER.PLACED',
        ...base,
        timestamp: v.timestamp,
        customerId: v.order.customer_id,
        ...deliveryWork(v.order.customer_id, config.timings, speed),
      };
    }
    if (message.topic === topics.pizzaAssembled) {
      const v = parsePizzaAssembled(message.value);
      return { type: 'PIZZA.ASSEMBLED', ...base, timestamp: v.timestamp, bakeMs: bakeMs(v.baking_time, speed) };
    }
    const v = parseStatusChanged(message.value);
    return { type: 'PIZZA.BAKED', ...base, timestamp: v.timestamp };
  };

  const host = createActorHost({
    name: station,
    transport: options.transport,
    producer,
    groupId: config.groupIds[station],
    clientId: config.clientIds[station],
    topics: [...workTopics, topics.pizzaCancelled],
    deadLetterTopic: topics.deadLetter,
    ...(options.wireFormat ? { wireFormat: options.wireFormat } : {}),
    clock,
    logger,
    handle: async (message): Promise<HandleResult> => {
      const event = toEvent(message); // throws MALFORMED_MESSAGE: dead-lettered by the host
      await stepAndCheckpoint(event);
      return 'pending'; // committed through host.finish when the machine names the input
    },
    // Work is not dropped on revoke: Kafka's eager rebalances revoke everything and usually hand
    // the same partitions back. Once the new assignment is known, work from partitions that moved
    // elsewhere is released (another member gets those messages again).
    onAssigned: (partitions) => releaseUnowned(partitions),
  });

  /**
   * Work restored from a snapshot: inputs of owned partitions are in progress (nothing past them is
   * committed before they finish); work from partitions this member does not own goes back to the
   * group.
   */
  const releaseUnowned = (assigned: TopicPartition[]) => {
    const owned = new Set(assigned.map((tp) => `${tp.topic}:${tp.partition}`));
    const foreign = new Map<string, TopicPartition>();
    for (const ref of stationPendingInputs(context())) {
      const k = `${ref.topic}:${ref.partition}`;
      if (owned.has(k)) host.track(ref);
      else if (!foreign.has(k)) foreign.set(k, { topic: ref.topic, partition: ref.partition });
    }
    if (foreign.size === 0) return;
    // Not awaited: the step commits, and a commit must not wait inside the rebalance listener.
    stepAndCheckpoint({ type: 'PARTITIONS.REVOKED', now: clock.now(), partitions: [...foreign.values()] }).catch(crash);
  };

  host.crashed.then(crash);

  await host.start();
  // A snapshot may hold pizzas whose deadline passed while the process was down: tick at once.
  arm();
  logger.info(`${station} station ready (capacity ${capacity})`, { station, restored: Boolean(saved), ...stationLoad(context()) });

  return {
    station,
    crashed,
    load: () => stationLoad(context()),
    stats: () => host.stats(),
    idle: () => queue.drain(),
    async stop() {
      // No new timer work: a pizza due during shutdown comes out after the restart (its deadline
      // is in the snapshot). The message in flight finishes, is checkpointed and committed.
      stopping = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      await host.stop();
      await queue.drain();
      stopped = true;
      actor.stop();
    },
  };
}
