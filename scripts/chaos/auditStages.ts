import type { ShopConfig } from '../../src/config/shopConfig.ts';
import { parseStatusChanged } from '../../src/events/messages.ts';

/** One message of a stage topic as the audit needs it. */
export interface StageMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string;
}

/** Stage topics on which the shop promises at most one message per order. */
export const ONE_PER_ORDER = ['pizzaOrdered', 'pizzaAssembled', 'pizzaBaked', 'pizzaDelivered', 'pizzaPending'] as const;
/** Every topic the audit reads. */
export const AUDITED_TOPICS = [...ONE_PER_ORDER, 'pizzaStatus', 'pizzaCancelled'] as const;
export type AuditedTopic = (typeof AUDITED_TOPICS)[number];

export interface DuplicateCount {
  /** the topic's name */
  topic: string;
  /** orders with more than the promised messages on it */
  orders: number;
  /** messages beyond the promised ones */
  extra: number;
  /** a few of those orders */
  examples: string[];
}

export interface StageAudit {
  /** orders the shop took: ids the web answered 201 for, plus any other id on pizza-ordered */
  accepted: number;
  /** ids the web answered 201 for */
  acceptedByClient: number;
  /** ids the web answered 201 for that never reached pizza-ordered (lost at the door) */
  notOnLog: string[];
  /** ids on pizza-ordered the client never learnt (a placement retried after a lost answer) */
  unknownToClient: string[];
  /** accepted orders with a pizza-delivered message */
  delivered: number;
  /** accepted orders cancelled (pizza-cancelled, or their last status is cancelled) */
  cancelled: number;
  /** accepted orders neither delivered nor cancelled */
  lost: string[];
  /**
   * One entry per audited topic with duplicates: more than one message per order on the stage
   * topics, and on pizza-status the same status twice in a row for an order (the order machine
   * publishes a status only when it changes, so a repeat is a step done twice).
   */
  duplicates: DuplicateCount[];
  /** the last pizza-status of each accepted order, counted by status */
  finalStatus: { status: number | null; label: string; orders: number }[];
  /** messages read per topic */
  messages: Record<string, number>;
}

/**
 * Counts what the stage topics say about a run: what was accepted, delivered, cancelled, lost and
 * duplicated, and each order's final status. Pure: the caller reads the topics (read-committed,
 * from the beginning) and passes every message.
 *
 * @example
 * const audit = auditStages(config, messages, result.orderIds);
 * audit.lost.length === 0 && audit.duplicates.length === 0; // the shop kept its promise
 */
export function auditStages(config: ShopConfig, messages: readonly StageMessage[], clientIds: readonly string[]): StageAudit {
  const aliasOf = new Map<string, AuditedTopic>(AUDITED_TOPICS.map((alias) => [config.topics[alias], alias]));
  const byTopic = new Map<AuditedTopic, Map<string, StageMessage[]>>(AUDITED_TOPICS.map((a) => [a, new Map()]));
  const counts: Record<string, number> = Object.fromEntries(AUDITED_TOPICS.map((a) => [config.topics[a], 0]));
  for (const m of messages) {
    const alias = aliasOf.get(m.topic);
    if (!alias || m.key === null) continue;
    counts[m.topic] = (counts[m.topic] ?? 0) + 1;
    const perKey = byTopic.get(alias) as Map<string, StageMessage[]>;
    const list = perKey.get(m.key);
    if (list) list.push(m);
    else perKey.set(m.key, [m]);
  }
  const on = (alias: AuditedTopic) => byTopic.get(alias) as Map<string, StageMessage[]>;

  const client = new Set(clientIds);
  const ordered = on('pizzaOrdered');
  const accepted = new Set([...client, ...ordered.keys()]);
  const ids = config.status.ids;

  // An order's messages on one topic share a partition: offset order is the order they were written.
  const statusesOf = (id: string): (number | null)[] =>
    [...(on('pizzaStatus').get(id) ?? [])]
      .sort((a, b) => a.offset - b.offset)
      .map((m) => {
        try {
          return parseStatusChanged(m.value).status;
        } catch {
          return null;
        }
      });

  const delivered = [...accepted].filter((id) => on('pizzaDelivered').has(id));
  const cancelled = [...accepted].filter(
    (id) => !on('pizzaDelivered').has(id) && (on('pizzaCancelled').has(id) || statusesOf(id).at(-1) === ids.cancelled),
  );
  const finished = new Set([...delivered, ...cancelled]);

  const duplicates: DuplicateCount[] = [];
  const note = (topic: string, extraPerOrder: Map<string, number>) => {
    const offenders = [...extraPerOrder].filter(([, extra]) => extra > 0);
    if (offenders.length === 0) return;
    duplicates.push({
      topic,
      orders: offenders.length,
      extra: offenders.reduce((sum, [, extra]) => sum + extra, 0),
      examples: offenders.slice(0, 5).map(([id]) => id),
    });
  };
  for (const alias of ONE_PER_ORDER) note(config.topics[alias], new Map([...on(alias)].map(([id, list]) => [id, list.length - 1])));
  note(
    config.topics.pizzaStatus,
    new Map(
      [...on('pizzaStatus').keys()].map((id) => {
        const seq = statusesOf(id);
        return [id, seq.filter((s, i) => i > 0 && s === seq[i - 1]).length];
      }),
    ),
  );

  const labelOf = (status: number | null) => {
    if (status === null) return 'no status published';
    const name = Object.entries(ids).find(([, code]) => code === status)?.[0];
    return name ? `${name} (${status})` : `unknown code ${status}`;
  };
  const finals = new Map<number | null, number>();
  for (const id of accepted) {
    const last = statusesOf(id).at(-1) ?? null;
    finals.set(last, (finals.get(last) ?? 0) + 1);
  }

  return {
    accepted: accepted.size,
    acceptedByClient: client.size,
    notOnLog: [...client].filter((id) => !ordered.has(id)),
    unknownToClient: [...ordered.keys()].filter((id) => !client.has(id)),
    delivered: delivered.length,
    cancelled: cancelled.length,
    lost: [...accepted].filter((id) => !finished.has(id)),
    duplicates,
    finalStatus: [...finals].map(([status, orders]) => ({ status, label: labelOf(status), orders })).sort((a, b) => b.orders - a.orders),
    messages: counts,
  };
}
