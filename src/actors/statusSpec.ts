import type { AnyStateMachine } from 'xstate';
import { type OrderContext, type OrderEmitted, type OrderEvent, orderMachine, orderNextDeadline } from '../../machines/index.ts';
import { scaledMs } from '../clock.ts';
import type { ShopConfig } from '../config/shopConfig.ts';
import { CATALOGUE, consumedBy, type LabTopicKey, type TopicKey, topicKeyOf } from '../events/catalogue.ts';
import { ORDER_ID, parseOrderId } from '../events/messages.ts';
import { statusValue } from '../events/statusValue.ts';
import type { Logger } from '../log/logger.ts';
import type { ActorSpec } from '../runtime/host/actorSpec.ts';
import { keyedMachineLogic } from '../runtime/host/machineLogic.ts';

type StageKey = Exclude<TopicKey, 'pizzaStatus' | 'stationWork' | 'deadLetter' | 'logs' | 'control' | 'processes' | LabTopicKey>;

/**
 * The status actor as a spec for the actor host: it does what ksqlDB's merge did in the original —
 * reads the five stage topics and pizza-cancelled, runs one order-lifecycle machine per order, and
 * publishes every status change to pizza-status (`{status, timestamp}` keyed by the order id).
 * Each order's machine is one row of state, restored with its partition; orders older than the
 * retention (`[state-store-orders] retention_hours`) are forgotten.
 *
 * | reads | machine event | emits → writes |
 * |---|---|---|
 * | each stage topic | its catalogue `machineEvent` | `status.changed` → pizza-status |
 * | an unreadable message keyed by an order | `MESSAGE.MALFORMED` (and a dead letter) | |
 * | — | `CLOCK.TICK` (stuck / unknown deadlines) | |
 */
export function statusSpec(deps: { config: ShopConfig; speed: number; logger: Logger }): ActorSpec<OrderEvent, OrderEmitted> {
  const { config, speed, logger } = deps;
  const t = config.topics;
  const keyOf = topicKeyOf(config);
  const stuckAfterMs = speed > 0 ? scaledMs(config.ordersStore.invalidTimeoutMinutes * 60, speed) : null;

  return {
    name: 'status',
    groupId: config.groupIds.status,
    clientId: config.clientIds.status,
    reads: consumedBy('status').map((k) => t[k]),
    decode(message, now) {
      const orderId = parseOrderId(message.key);
      const key = keyOf(message.topic) as StageKey | undefined;
      if (!key) return null;
      const entry = CATALOGUE[key];
      const value = entry.codec.decode(message.value);
      const source = { topic: message.topic, partition: message.partition, offset: message.offset };
      return { type: entry.machineEvent, orderId, now, source, timestamp: value.timestamp } as OrderEvent;
    },
    onMalformed(message, reason, now) {
      // An unreadable message about an order: a stage of it is lost, the order may not finish.
      if (message.key === null || !ORDER_ID.test(message.key)) return null;
      const key = keyOf(message.topic) as StageKey | undefined;
      const stage = key ? CATALOGUE[key].stage : 'ordered';
      const source = { topic: message.topic, partition: message.partition, offset: message.offset };
      return { type: 'MESSAGE.MALFORMED', orderId: message.key, now, source, stage, reason };
    },
    logic: () =>
      keyedMachineLogic<OrderContext, OrderEvent & { orderId: string }, OrderEmitted>({
        machine: orderMachine as AnyStateMachine,
        input: (e) => ({ orderId: e.orderId, now: e.now, statusIds: config.status.ids, stuckAfterMs, unknownAfterMs: stuckAfterMs }),
        deadline: orderNextDeadline,
        bornAt: (c) => c.firstSeenAt,
        tick: (now) => ({ type: 'CLOCK.TICK', now }) as never,
      }) as never,
    produce(e) {
      if (e.type !== 'status.changed') return [];
      // both field sets: the first original's readers take STATUS, ours and the newer original's status
      return [
        { topic: t.pizzaStatus, message: { key: e.orderId, value: JSON.stringify(statusValue(e.status, e.timestamp)), timestamp: e.at } },
      ];
    },
    committed(emitted) {
      for (const e of emitted) {
        if (e.type === 'status.changed') {
          logger.info(`status ${e.previous ?? '-'} -> ${e.status} (${e.name}) after ${e.source}`, { orderId: e.orderId, status: e.status });
        } else logger.debug(`event ${e.event} recorded, status unchanged (${e.reason})`, { orderId: e.orderId });
      }
    },
    retentionMs: config.ordersStore.retentionHours * 3_600_000,
  };
}
