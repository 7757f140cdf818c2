import { describe, expect, it } from 'vitest';
import { ShopError } from '../../../src/errors.ts';
import type { Produced } from '../../../src/runtime/host/actorSpec.ts';
import { wrap } from '../../../src/runtime/middleware/handler.ts';
import { createActorMetrics, metrics } from '../../../src/runtime/middleware/metrics.ts';
import type { DeliveredMessage } from '../../../src/transport/transport.ts';

const message = (topic: string, offset: number): DeliveredMessage => ({
  topic,
  partition: 0,
  offset,
  key: 'k',
  value: new Uint8Array(),
  headers: {},
  timestamp: 0,
});
const produced = (...topics: string[]): Produced[] => topics.map((topic) => ({ topic, message: { key: 'k', value: '{}' } }));

describe('metrics middleware', () => {
  it('counts every message taken and every message produced, per topic', () => {
    const into = createActorMetrics();
    const handler = metrics(into)((m) => (m.topic === 'pizza-ordered' ? produced('pizza-assembled', 'station-work') : []));
    handler(message('pizza-ordered', 0), 0);
    handler(message('pizza-ordered', 1), 0);
    handler(message('pizza-cancelled', 0), 0);

    expect(into.received).toEqual(
      new Map([
        ['pizza-ordered', 2],
        ['pizza-cancelled', 1],
      ]),
    );
    expect(into.produced).toEqual(
      new Map([
        ['pizza-assembled', 2],
        ['station-work', 2],
      ]),
    );
    // the host's own counters are left to the host
    expect(into).toMatchObject({ deadLettered: 0, transactions: 0, pending: 0 });
  });

  it('counts a message whose handler throws as taken, and nothing as produced; the error passes through', () => {
    const into = createActorMetrics();
    const handler = metrics(into)(() => {
      throw new ShopError('COMMIT_FAILED', 'x');
    });
    expect(() => handler(message('pizza-ordered', 0), 0)).toThrow('x');
    expect(into.received.get('pizza-ordered')).toBe(1);
    expect(into.produced.size).toBe(0);
  });

  it('outside the other middleware, it counts what they add (a dead letter is a produced message)', () => {
    const into = createActorMetrics();
    const addDeadLetter = (next: (m: DeliveredMessage, now: number) => Produced[]) => (m: DeliveredMessage, now: number) => [
      ...produced('dead-letters'),
      ...next(m, now),
    ];
    const handler = wrap(() => produced('pizza-baked'), metrics(into), addDeadLetter);
    handler(message('pizza-assembled', 0), 0);
    expect(into.produced).toEqual(
      new Map([
        ['dead-letters', 1],
        ['pizza-baked', 1],
      ]),
    );
  });
});
