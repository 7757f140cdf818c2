import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log/logger.ts';
import { createPresence } from '../../src/runtime/presence.ts';
import type { Producer } from '../../src/transport/transport.ts';

// The presence heartbeat runs on the wall clock's timers (a paused shop clock must not make a live
// process look dead), so these tests fake the timers instead of sleeping.

afterEach(() => {
  vi.useRealTimers();
});

/** A producer whose sends wait until released, recording each value. */
function heldProducer() {
  const values: string[] = [];
  const pending: (() => void)[] = [];
  const producer = {
    send: (_topic: string, messages: { value: string | Uint8Array | null }[]) =>
      new Promise((resolve) => {
        values.push(String(messages[0]?.value ?? ''));
        pending.push(() => resolve([{ partition: 0, offset: values.length - 1 }]));
      }),
  } as unknown as Producer;
  const releaseAll = async () => {
    while (pending.length > 0) {
      pending.shift()?.();
      await vi.advanceTimersByTimeAsync(0);
    }
  };
  return { producer, values, releaseAll };
}

describe('presence', () => {
  it('stop during a heartbeat in flight leaves no timer armed, and the tombstone is the last value', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { producer, values, releaseAll } = heldProducer();
    const logger = createLogger({ actor: 'presence', format: 'silent' });
    const presence = createPresence({ producer, topic: 'pizza-processes', transport: 'embedded', logger, heartbeatMs: 1_000 });
    await vi.advanceTimersByTimeAsync(1_000); // the beat: its send is in flight
    expect(values).toHaveLength(1);
    const stopping = presence.stop();
    await releaseAll();
    await stopping;
    expect(values.at(-1)).toBe('');
    expect(vi.getTimerCount()).toBe(0);
    const sent = values.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(values).toHaveLength(sent);
  });
});
