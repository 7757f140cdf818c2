import { describe, expect, it } from 'vitest';
import { flushPromises, VirtualClock } from '../../src/clock.ts';
import { isShopError } from '../../src/errors.ts';
import { eachMessage } from '../../src/transport/eachMessage.ts';
import { MAX_BATCH } from '../../src/transport/embedded/groupMember.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { partitionForKey } from '../../src/transport/partitioner.ts';
import type { DeliveredMessage, TopicPartition } from '../../src/transport/transport.ts';

const decoder = new TextDecoder();
const text = (m: DeliveredMessage) => decoder.decode(m.value);

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (error) {
    return isShopError(error) ? error.code : `not a ShopError: ${String(error)}`;
  }
  return undefined;
}

describe('embedded log: delivery without timers (virtual time)', () => {
  it('delivers through a two-stage pipeline within flushPromises, stamping the virtual clock', async () => {
    const clock = new VirtualClock(1_000_000);
    const log = createEmbeddedLog({ clock });
    await log.ensureTopics([
      { topic: 'ordered', partitions: 3 },
      { topic: 'baked', partitions: 3 },
    ]);
    const producer = log.producer();
    const baked: DeliveredMessage[] = [];
    const oven = log.consumer({ groupId: 'bake', topics: ['ordered'] });
    await oven.run(
      eachMessage(async (m) => {
        // the bake takes 8 virtual seconds; then the pizza goes on
        clock.setTimeout(() => void producer.send('baked', [{ key: m.key, value: `baked ${text(m)}` }]), 8_000);
        await oven.commit([{ topic: m.topic, partition: m.partition, offset: m.offset + 1 }]);
      }),
    );
    const delivery = log.consumer({ groupId: 'delivery', topics: ['baked'] });
    await delivery.run(eachMessage(async (m) => void baked.push(m)));

    void producer.send('ordered', [
      { key: 'aaaa0001', value: 'margherita' },
      { key: 'aaaa0002', value: 'funghi' },
    ]);
    await flushPromises();
    expect(clock.pendingTimers()).toBe(2);
    expect(baked).toEqual([]);

    await clock.advance(8_000);
    expect(baked.map(text).sort()).toEqual(['baked funghi', 'baked margherita']);
    expect(baked.every((m) => m.timestamp === 1_008_000)).toBe(true);
    expect(await log.committedOffsets('bake', 'ordered')).toEqual(
      new Map([...(await log.endOffsets('ordered'))].filter(([, end]) => end > 0)),
    );
    await log.close();
  });

  it('whenIdle waits for running handlers and waiting messages, but not for paused partitions', async () => {
    const log = createEmbeddedLog();
    await log.ensureTopics([{ topic: 't', partitions: 1 }]);
    const order: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const c = log.consumer({ groupId: 'g', topics: ['t'] });
    await c.run(
      eachMessage(async (m) => {
        if (m.offset === 0) await slow;
        order.push(`handled ${m.offset}`);
      }),
    );
    await log.producer().send('t', [
      { key: 'k', value: '0' },
      { key: 'k', value: '1' },
    ]);
    const idle = log.capabilities.whenIdle().then(() => order.push('idle'));
    await flushPromises();
    expect(order).toEqual([]);
    release();
    await idle;
    expect(order).toEqual(['handled 0', 'handled 1', 'idle']);

    c.pause([{ topic: 't', partition: 0 }]);
    await log.producer().send('t', [{ key: 'k', value: '2' }]);
    await log.capabilities.whenIdle(); // resolves although offset 2 waits on the paused partition
    expect(order).toEqual(['handled 0', 'handled 1', 'idle']);
    c.resume([{ topic: 't', partition: 0 }]);
    await log.capabilities.whenIdle();
    expect(order.at(-1)).toBe('handled 2');
    await log.close();
  });

  it('starts delivery only after onAssigned, so a member can pause there first', async () => {
    const log = createEmbeddedLog();
    await log.ensureTopics([{ topic: 't', partitions: 2 }]);
    await log.producer().send('t', [
      { key: 'a', value: 'a' },
      { key: 'b', value: 'b' },
    ]);
    const seen: DeliveredMessage[] = [];
    const c = log.consumer({ groupId: 'g', topics: ['t'] });
    await c.run(
      eachMessage(async (m) => void seen.push(m)),
      {
        onAssigned: async (partitions: TopicPartition[]) => {
          await flushPromises();
          c.pause(partitions);
        },
      },
    );
    await log.capabilities.whenIdle();
    expect(seen).toEqual([]);
    c.resume(c.assignment());
    await log.capabilities.whenIdle();
    expect(seen).toHaveLength(2);
    await log.close();
  });
});

describe('embedded log: batches', () => {
  it('hands over at most MAX_BATCH messages at once, and a busy partition waits behind the others', async () => {
    const log = createEmbeddedLog();
    await log.ensureTopics([{ topic: 't', partitions: 2 }]);
    const keyOn = (p: number) => ['a', 'b', 'c', 'd', 'e', 'f'].find((k) => partitionForKey(k, 2) === p) as string;
    await log
      .producer()
      .send('t', [
        ...Array.from({ length: MAX_BATCH * 2 + 100 }, (_, i) => ({ key: keyOn(0), value: `p0-${i}` })),
        { key: keyOn(1), value: 'p1-0' },
      ]);
    const batches: string[] = [];
    const c = log.consumer({ groupId: 'g', topics: ['t'] });
    await c.run(async (batch) => void batches.push(`${batch.partition}:${batch.messages.length}`));
    await log.capabilities.whenIdle();
    expect(batches).toEqual([`0:${MAX_BATCH}`, '1:1', `0:${MAX_BATCH}`, '0:100']);
    await log.close();
  });
});

describe('embedded log: failures', () => {
  it('a handler that throws stops its member; the uncommitted messages go to the next member', async () => {
    const errors: string[] = [];
    const log = createEmbeddedLog({ onError: (_error, context) => errors.push(context) });
    await log.ensureTopics([{ topic: 't', partitions: 1 }]);
    await log.producer().send('t', [
      { key: 'k', value: 'ok' },
      { key: 'k', value: 'boom' },
      { key: 'k', value: 'after' },
    ]);
    const first = log.consumer({ groupId: 'g', topics: ['t'] });
    await first.run(
      eachMessage(async (m) => {
        if (text(m) === 'boom') throw new Error('bug');
        await first.commit([{ topic: m.topic, partition: m.partition, offset: m.offset + 1 }]);
      }),
    );
    await log.capabilities.whenIdle();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/t\[0\]@0\.\.2; the member stops/);
    expect(first.assignment()).toEqual([]);
    expect(await codeOf(first.commit([{ topic: 't', partition: 0, offset: 2 }]))).toBe('NOT_A_MEMBER');

    const seen: string[] = [];
    const second = log.consumer({ groupId: 'g', topics: ['t'] });
    await second.run(eachMessage(async (m) => void seen.push(`${m.offset}:${text(m)}`)));
    await log.capabilities.whenIdle();
    expect(seen).toEqual(['1:boom', '2:after']);
    await log.close();
  });

  it('an abandoned member gives its partitions away at once; its late handler cannot commit', async () => {
    const log = createEmbeddedLog();
    await log.ensureTopics([{ topic: 't', partitions: 1 }]);
    await log.producer().send('t', [{ key: 'k', value: 'slow' }]);
    let release!: () => void;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    let lateCommit: string | undefined = 'not tried';
    const a = log.consumer({ groupId: 'g', topics: ['t'] });
    await a.run(
      eachMessage(async (m) => {
        await slow;
        lateCommit = await codeOf(a.commit([{ topic: m.topic, partition: m.partition, offset: m.offset + 1 }]));
      }),
    );
    const seenByB: number[] = [];
    const b = log.consumer({ groupId: 'g', topics: ['t'] });
    await b.run(eachMessage(async (m) => void seenByB.push(m.offset)));
    await flushPromises();
    expect(a.assignment()).toEqual([{ topic: 't', partition: 0 }]);

    a.abandon();
    await flushPromises();
    expect(b.assignment()).toEqual([{ topic: 't', partition: 0 }]);
    expect(seenByB).toEqual([0]);
    release();
    await flushPromises();
    expect(lateCommit).toBe('NOT_A_MEMBER');
    expect(await log.committedOffsets('g', 't')).toEqual(new Map());
    await log.close();
  });

  it('rejects bad input with a clear error and sends nothing of a bad batch', async () => {
    const log = createEmbeddedLog();
    await log.ensureTopics([{ topic: 't', partitions: 2 }]);
    const producer = log.producer();
    expect(await codeOf(producer.send('missing', [{ key: 'k', value: 'v' }]))).toBe('UNKNOWN_TOPIC');
    expect(await codeOf(producer.send('bad topic!', [{ key: 'k', value: 'v' }]))).toBe('INVALID_TOPIC');
    const badBatch = [{ key: 'k', value: 'fine' }, { key: 42, value: 'v' } as never];
    await expect(producer.send('t', badBatch)).rejects.toThrow(/message 1: key must be a string or null, got number; nothing was sent/);
    expect(await codeOf(producer.send('t', [{ key: 'k', value: { not: 'bytes' } as never }]))).toBe('INVALID_MESSAGE');
    expect(await codeOf(producer.send('t', [{ key: 'k', value: 'v', headers: { n: 1 as never } }]))).toBe('INVALID_MESSAGE');
    expect(await codeOf(producer.send('t', [{ key: 'k', value: 'v', timestamp: Number.NaN }]))).toBe('INVALID_MESSAGE');
    expect(await log.endOffsets('t')).toEqual(
      new Map([
        [0, 0],
        [1, 0],
      ]),
    );
    expect(await codeOf(log.ensureTopics([{ topic: 'x', partitions: 0 }]))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => log.consumer({ groupId: '', topics: ['t'] }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => log.consumer({ groupId: 'g', topics: [] }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(log.consumer({ groupId: 'g', topics: ['missing'] }).run(eachMessage(async () => {})))).toBe('UNKNOWN_TOPIC');

    const c = log.consumer({ groupId: 'g', topics: ['t'] });
    await c.run(eachMessage(async () => {}));
    expect(await codeOf(c.run(eachMessage(async () => {})))).toBe('CONSUMER_STATE');
    await log.capabilities.whenIdle();
    expect(await codeOf(c.commit([{ topic: 't', partition: 0, offset: 5 }]))).toBe('INVALID_OFFSET');
    expect(await codeOf(c.commit([{ topic: 't', partition: 0, offset: -1 }]))).toBe('INVALID_OFFSET');
    await log.close();
    expect(await codeOf(producer.send('t', [{ key: 'k', value: 'v' }]))).toBe('TRANSPORT_CLOSED');
  });
});

describe('embedded log: other behaviour', () => {
  it('creates missing topics with defaultPartitions when configured', async () => {
    const log = createEmbeddedLog({ defaultPartitions: 4 });
    const [meta] = await log.producer().send('auto', [{ key: 'order-1', value: 'v' }]);
    expect(await log.partitions('auto')).toBe(4);
    expect(meta?.partition).toBe(partitionForKey('order-1', 4));
    await log.close();
  });

  it('gives each delivery its own copy of the value', async () => {
    const log = createEmbeddedLog();
    await log.ensureTopics([{ topic: 't', partitions: 1 }]);
    const original = new Uint8Array([1, 2, 3]);
    await log.producer().send('t', [{ key: null, value: original }]);
    original[0] = 99;
    const seen: number[][] = [];
    for (const groupId of ['g1', 'g2']) {
      const c = log.consumer({ groupId, topics: ['t'] });
      await c.run(
        eachMessage(async (m) => {
          seen.push([...m.value]);
          m.value[1] = 77;
        }),
      );
      await log.capabilities.whenIdle();
    }
    expect(seen).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    await log.close();
  });

  it('close of the transport lets running handlers finish, members leave, and later sends fail', async () => {
    const log = createEmbeddedLog();
    await log.ensureTopics([{ topic: 't', partitions: 1 }]);
    await log.producer().send('t', [{ key: 'k', value: 'v' }]);
    const events: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const c = log.consumer({ groupId: 'g', topics: ['t'] });
    await c.run(
      eachMessage(async () => {
        await slow;
        events.push('handler finished');
      }),
      { onRevoked: () => void events.push('revoked') },
    );
    await flushPromises();
    const closing = log.close().then(() => events.push('closed'));
    await flushPromises();
    expect(events).toEqual([]);
    release();
    await closing;
    expect(events).toEqual(['handler finished', 'revoked', 'closed']);
    expect(c.assignment()).toEqual([]);
  });
});
