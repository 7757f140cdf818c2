import type { AnyStateMachine } from 'xstate';
import {
  assembleMachine,
  bakeMachine,
  deliveryMachine,
  type StationContext,
  type StationName,
  stationNextDeadline,
  stationLoad,
  stationRows,
  stationState,
  withoutOrders,
  withStationRows,
} from '../../machines/index.ts';
import type { ShopConfig } from '../config/shopConfig.ts';
import { CATALOGUE, consumedBy, topicKeyOf } from '../events/catalogue.ts';
import { parseOrderId } from '../events/messages.ts';
import { assembleWork, bakeMs, deliveryWork } from '../kitchen/timings.ts';
import type { Logger } from '../log/logger.ts';
import type { ActorSpec, Produced } from '../runtime/host/actorSpec.ts';
import { instanceMachineLogic } from '../runtime/host/machineLogic.ts';

/**
 * Pizzas a station instance reads ahead into its queue before it pauses its work topics (cancels
 * still flow): the rest waits in the log, where it costs no memory, as the original's stations
 * read one message at a time.
 */
const MAX_QUEUED = 200;

/** What a station machine takes (host time `now` on every event). */
export interface StationInputEvent {
  type: string;
  orderId?: string;
  now: number;
  [field: string]: unknown;
}

/** What a station machine emits. */
export interface StationOutputEvent {
  type: string;
  orderId?: string;
  at?: number;
  [field: string]: unknown;
}

const MACHINES: Record<StationName, AnyStateMachine> = {
  assemble: assembleMachine as AnyStateMachine,
  bake: bakeMachine as AnyStateMachine,
  delivery: deliveryMachine as AnyStateMachine,
};

/** The stage topic each station's finished work goes to, and the station work it reports. */
const WORK: Record<string, 'queued' | 'started' | 'finished' | 'dropped'> = {
  'work.queued': 'queued',
  'work.started': 'started',
  'work.finished': 'finished',
  'work.dropped': 'dropped',
};

/** Log lines for what a station did (after it is committed: a line that says a pizza started means a restart knows it). */
function describe(event: StationOutputEvent): string | undefined {
  switch (event.type) {
    case 'work.queued':
      return `queued (position ${event.position})`;
    case 'work.started':
      return `started, done in ${Math.max(0, Number(event.dueAt) - Number(event.at))} ms`;
    case 'work.dropped':
      return `dropped: order cancelled (was ${event.was})`;
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
}

/**
 * A kitchen station (assemble, bake or delivery) as a spec for the actor host: one station machine
 * per instance (its capacity is shared by every pizza), whose context is stored as one row per
 * order, so an order's pizza follows its partition — a pizza in the oven keeps its deadline when
 * another instance takes the partition over.
 *
 * | reads | machine event | emits → writes |
 * |---|---|---|
 * | pizza-ordered | `ORDER.PLACED` (+ timings of the recipe or the customer) | assemble: `pizza.assembled` → pizza-assembled |
 * | pizza-assembled | `PIZZA.ASSEMBLED` (+ `bakeMs`) | bake: `pizza.baked` → pizza-baked |
 * | pizza-baked | `PIZZA.BAKED` | delivery: `pizza.delivered` → pizza-delivered, `pizza.pending` → pizza-pending |
 * | pizza-cancelled | `ORDER.CANCELLED` | `work.dropped` |
 * | — | `CLOCK.TICK` (host timer) | `work.*` → station-work |
 */
export function stationSpec(
  station: StationName,
  deps: { config: ShopConfig; speed: number; instance: string; logger: Logger },
): ActorSpec<StationInputEvent, StationOutputEvent> {
  const { config, speed, instance, logger } = deps;
  const t = config.topics;
  const ids = config.status.ids;
  const keyOf = topicKeyOf(config);
  const forgetAfterMs = config.deliveryStore.retentionHours * 3_600_000;

  const stage = (topic: string, orderId: string, at: number, value: object): Produced => ({
    topic,
    message: { key: orderId, value: JSON.stringify(value), timestamp: at },
  });

  return {
    name: station,
    groupId: config.groupIds[station],
    clientId: config.clientIds[station],
    reads: consumedBy(station).map((k) => t[k]),
    decode(message, now) {
      const orderId = parseOrderId(message.key);
      const base = { orderId, now, source: { topic: message.topic, partition: message.partition, offset: message.offset } };
      switch (keyOf(message.topic)) {
        case 'pizzaCancelled':
          return { type: 'ORDER.CANCELLED', ...base, timestamp: CATALOGUE.pizzaCancelled.codec.decode(message.value).timestamp };
        case 'pizzaOrdered': {
          const v = CATALOGUE.pizzaOrdered.codec.decode(message.value);
          const work =
            station === 'assemble'
              ? assembleWork(v.order, config.timings, speed)
              : { customerId: v.order.customer_id, ...deliveryWork(v.order.customer_id, config.timings, speed) };
          return { type: 'ORDER.PLACED', ...base, timestamp: v.timestamp, ...work };
        }
        case 'pizzaAssembled': {
          const v = CATALOGUE.pizzaAssembled.codec.decode(message.value);
          return { type: 'PIZZA.ASSEMBLED', ...base, timestamp: v.timestamp, bakeMs: bakeMs(v.baking_time, speed) };
        }
        case 'pizzaBaked':
          return { type: 'PIZZA.BAKED', ...base, timestamp: CATALOGUE.pizzaBaked.codec.decode(message.value).timestamp };
        default:
          return null;
      }
    },
    logic: () =>
      instanceMachineLogic<StationContext, StationInputEvent, StationOutputEvent>({
        machine: MACHINES[station],
        input: station === 'delivery' ? { capacity: config.capacity[station], forgetAfterMs } : { capacity: config.capacity[station] },
        deadline: stationNextDeadline,
        tick: (now) => ({ type: 'CLOCK.TICK', now }),
        rowsOf: stationRows as never,
        withRows: withStationRows as never,
        without: withoutOrders as never,
        valueOf: stationState,
        full: (c) => stationLoad(c).queued >= MAX_QUEUED,
      }),
    pausable: consumedBy(station)
      .filter((k) => k !== 'pizzaCancelled')
      .map((k) => t[k]),
    produce(e) {
      const orderId = String(e.orderId);
      const at = Number(e.at);
      switch (e.type) {
        case 'pizza.assembled':
          return [stage(t.pizzaAssembled, orderId, at, { status: ids.pizza_assembled, baking_time: Number(e.bakingTime), timestamp: at })];
        case 'pizza.baked':
          return [stage(t.pizzaBaked, orderId, at, { status: ids.pizza_baked, timestamp: at })];
        case 'pizza.delivered':
          return [stage(t.pizzaDelivered, orderId, at, { status: ids.delivered, timestamp: at })];
        case 'pizza.pending':
          return [stage(t.pizzaPending, orderId, at, { status: ids.pending, timestamp: at })];
      }
      const work = WORK[e.type];
      if (!work) return [];
      return [
        stage(t.stationWork, orderId, at, {
          station,
          work,
          timestamp: at,
          ...(e.type === 'work.started' ? { due_at: Number(e.dueAt) } : {}),
          instance,
        }),
      ];
    },
    committed(emitted) {
      for (const e of emitted) {
        const text = describe(e);
        if (text) logger.info(text, { orderId: String(e.orderId), event: e.type });
      }
    },
  };
}
