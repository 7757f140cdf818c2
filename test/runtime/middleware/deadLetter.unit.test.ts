import { describe, expect, it } from 'vitest';
import { ShopError } from '../../../src/errors.ts';
import { createLogger, type LogLine } from '../../../src/log/logger.ts';
import type { Produced } from '../../../src/runtime/host/actorSpec.ts';
import { DEAD_LETTER_HEADERS, deadLetters } from '../../../src/runtime/middleware/deadLetter.ts';
import type { MessageHandler } from '../../../src/runtime/middleware/handler.ts';
import type { DeliveredMessage } from '../../../src/transport/transport.ts';

const message = (over: Partial<DeliveredMessage> = {}): DeliveredMessage => ({
  topic: 'pizza-assembled',
  partition: 3,
  offset: 17,
  key: '1a2b3c4d',
  value: new TextEncoder().encode('{"status": oops'),
  headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', origin: 'python' },
  timestamp: 1_000,
  ...over,
});

function setup(inner: MessageHandler) {
  const lines: LogLine[] = [];
  const seen: DeliveredMessage[] = [];
  const logger = createLogger({ actor: 'bake', format: 'silent', sinks: [(l) => lines.push(l)] });
  const handler = deadLetters({ topic: 'dead-letters', actor: 'bake', logger, onDeadLetter: (m) => seen.push(m) })(inner);
  return { handler, lines, seen };
}

describe('deadLetters middleware', () => {
  it('turns a MALFORMED_MESSAGE into one dead letter whose headers say exactly where it came from and why', () => {
    const { handler, lines, seen } = setup(() => {
      throw new ShopError('MALFORMED_MESSAGE', 'pizza-assembled: value is not JSON');
    });
    const input = message();
    const out = handler(input, 42_000);

    expect(out).toHaveLength(1);
    const [dead] = out as [Produced];
    expect(dead.topic).toBe('dead-letters');
    expect(dead.message.key).toBe('1a2b3c4d');
    // the original bytes, untouched
    expect(dead.message.value).toEqual(input.value);
    expect(dead.message.timestamp).toBe(42_000);
    expect(dead.message.headers).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      origin: 'python',
      [DEAD_LETTER_HEADERS.reason]: 'pizza-assembled: value is not JSON',
      [DEAD_LETTER_HEADERS.topic]: 'pizza-assembled',
      [DEAD_LETTER_HEADERS.partition]: '3',
      [DEAD_LETTER_HEADERS.offset]: '17',
      [DEAD_LETTER_HEADERS.actor]: 'bake',
      [DEAD_LETTER_HEADERS.at]: '42000',
    });
    // counted once and logged with the place and the order
    expect(seen).toEqual([input]);
    const warned = lines.filter((l) => l.level === 'warn');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ topic: 'pizza-assembled', partition: 3, offset: 17, orderId: '1a2b3c4d' });
    expect(warned[0]?.msg).toContain('dead-letters');
  });

  it('keeps offset 0 and partition 0 as they are (not a placeholder)', () => {
    const { handler } = setup(() => {
      throw new ShopError('MALFORMED_MESSAGE', 'bad');
    });
    const [dead] = handler(message({ partition: 0, offset: 0, key: null }), 1) as [Produced];
    expect(dead.message.headers?.[DEAD_LETTER_HEADERS.partition]).toBe('0');
    expect(dead.message.headers?.[DEAD_LETTER_HEADERS.offset]).toBe('0');
    expect(dead.message.key).toBeNull();
  });

  it('adds what the actor produced about the lost message after the dead letter, in the same result', () => {
    const noted: Produced = { topic: 'order-status', message: { key: '1a2b3c4d', value: '{"lost":"assembled"}' } };
    const { handler } = setup(() => {
      throw Object.assign(new ShopError('MALFORMED_MESSAGE', 'bad'), { produced: [noted] });
    });
    const out = handler(message(), 5);
    expect(out.map((p) => p.topic)).toEqual(['dead-letters', 'order-status']);
    expect(out[1]).toBe(noted);
  });

  it('passes every other error through, uncounted (a bug crashes the actor)', () => {
    for (const error of [new ShopError('COMMIT_FAILED', 'broker down'), new TypeError('x is undefined')]) {
      const { handler, seen, lines } = setup(() => {
        throw error;
      });
      expect(() => handler(message(), 1)).toThrow(error);
      expect(seen).toEqual([]);
      expect(lines).toEqual([]);
    }
  });

  it('passes a handled message’s output through unchanged', () => {
    const produced: Produced[] = [{ topic: 'pizza-baked', message: { key: '1a2b3c4d', value: '{}' } }];
    const { handler, seen } = setup(() => produced);
    expect(handler(message(), 1)).toBe(produced);
    expect(seen).toEqual([]);
  });
});
