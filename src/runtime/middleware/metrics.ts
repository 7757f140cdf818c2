import type { Middleware } from './handler.ts';

/** What an actor did, per topic: messages taken, dead-lettered, produced. */
export interface ActorMetrics {
  received: Map<string, number>;
  produced: Map<string, number>;
  deadLettered: number;
  transactions: number;
  /** messages written in committed transactions: outputs, dead letters and changelog rows */
  written: number;
  /** messages in transactions not committed yet */
  pending: number;
  /** state rows read back from the changelog on assignments */
  restored: number;
}

export function createActorMetrics(): ActorMetrics {
  return { received: new Map(), produced: new Map(), deadLettered: 0, transactions: 0, written: 0, pending: 0, restored: 0 };
}

const add = (map: Map<string, number>, key: string, n = 1) => map.set(key, (map.get(key) ?? 0) + n);

/** Counts every message an actor takes and every message it produces from it. */
export function metrics(into: ActorMetrics): Middleware {
  return (next) => (message, now) => {
    add(into.received, message.topic);
    const out = next(message, now);
    for (const p of out) add(into.produced, p.topic);
    return out;
  };
}
