import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushPromises } from '../../src/clock.ts';
import { partitionForKey } from '../../src/transport/partitioner.ts';
import type {
  BatchHandler,
  Consumer,
  DeliveredMessage,
  MessageBatch,
  OffsetCommit,
  OutgoingMessage,
  RebalanceListener,
  TopicPartition,
  TransactionalProducer,
  Transport,
} from '../../src/transport/transport.ts';
import { waitFor } from '../support/waitFor.ts';

/**
 * What a transport implementation hands the contract suite. `create` must give a transport on which
 * the suite can make its own topics and groups (every test uses fresh random names, so a shared
 * Kafka broker works). Optional features, Watermill-style, say where implementations honestly differ.
 */
export interface TransportContractFactory {
  create(): Promise<Transport>;
  features?: {
    /** durability: close `transport` and open a new one over the same storage (file, broker) */
    reopen?(transport: Transport): Promise<Transport>;
    /** crash a member: it vanishes without waiting for its handler, without onRevoked, without committing */
    crash?(consumer: Consumer): Promise<void>;
    /** crash a transactional producer mid-transaction: it vanishes without committing or aborting */
    crashProducer?(producer: TransactionalProducer): Promise<void>;
  };
  /** bound of every wait on the transport; default 30 s (Kafka rebalances take seconds) */
  timeoutMs?: number;
}

const decoder = new TextDecoder();
const text = (m: DeliveredMessage) => decoder.decode(m.value);
const tpKeyOf = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;
const sortTps = (tps: TopicPartition[]) =>
  [...tps].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
const allPartitions = (topic: string, n: number): TopicPartition[] => Array.from({ length: n }, (_, partition) => ({ topic, partition }));

/** A key that partitionForKey puts on `partition` (of `partitions`). */
function keyFor(partition: number, partitions: number, prefix: string): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}-${i}`;
    if (partitionForKey(key, partitions) === partition) return key;
  }
}

/** Keys that put message i on partition i % partitions: every partition gets its share. */
const spread = (partitions: number) => (i: number) => keyFor(i % partitions, partitions, `spread${partitions}`);

/** Records what a member is handed; optionally commits each message after handling it. */
class Recorder {
  readonly seen: DeliveredMessage[] = [];
  readonly batches: MessageBatch[] = [];
  readonly assigned: TopicPartition[][] = [];
  readonly revoked: TopicPartition[][] = [];
  consumer!: Consumer;

  constructor(
    private readonly options: {
      commitEach?: boolean;
      onBatch?: (batch: MessageBatch) => Promise<void>;
      onMessage?: (m: DeliveredMessage) => Promise<void>;
      onRevoked?: (tps: TopicPartition[]) => Promise<void>;
    } = {},
  ) {}

  readonly handler: BatchHandler = async (batch) => {
    this.batches.push(batch);
    await this.options.onBatch?.(batch);
    for (const m of batch.messages) {
      this.seen.push(m);
      await this.options.onMessage?.(m);
      if (this.options.commitEach) await this.consumer.commit([{ topic: m.topic, partition: m.partition, offset: m.offset + 1 }]);
    }
  };

  readonly listener: RebalanceListener = {
    onAssigned: (tps) => void this.assigned.push(tps),
    onRevoked: async (tps) => {
      this.revoked.push(tps);
      await this.options.onRevoked?.(tps);
    },
  };

  offsetsOf(partition: number): number[] {
    return this.seen.filter((m) => m.partition === partition).map((m) => m.offset);
  }

  texts(): string[] {
    return this.seen.map(text);
  }
}

/**
 * The one contract suite of `Transport` (src/transport/transport.ts): every guarantee written on
 * the interface, run unchanged against each implementation.
 *
 * @example
 * transportContract('embedded log (memory)', { create: async () => createEmbeddedLog() });
 */
export function transportContract(name: string, factory: TransportContractFactory): void {
  const timeoutMs = factory.timeoutMs ?? 30_000;
  const testTimeout = timeoutMs * 4;
  const features = factory.features ?? {};

  describe(`transport contract: ${name}`, () => {
    let transport: Transport;
    let consumers: Consumer[] = [];
    let gates: (() => void)[] = [];
    const runId = randomBytes(3).toString('hex');
    let seq = 0;

    const unique = (what: string) => `contract-${what}-${runId}-${++seq}-${randomBytes(2).toString('hex')}`;

    const topicWith = async (partitions: number) => {
      const topic = unique('t');
      await transport.ensureTopics([{ topic, partitions, replicationFactor: 1 }]);
      return topic;
    };

    const member = async (groupId: string, topics: string[], recorder: Recorder): Promise<Consumer> => {
      const consumer = transport.consumer({ groupId, topics, clientId: unique('client') });
      recorder.consumer = consumer;
      consumers.push(consumer);
      await consumer.run(recorder.handler, recorder.listener);
      return consumer;
    };

    const wait = (predicate: () => boolean | Promise<boolean>, message: string | (() => string)) =>
      waitFor(predicate, { timeoutMs, message });

    const owns = (consumer: Consumer, expected: TopicPartition[]) =>
      JSON.stringify(sortTps(consumer.assignment())) === JSON.stringify(sortTps(expected));

    const describeAssignment = (...members: Consumer[]) =>
      members.map((c, i) => `member ${i}: [${sortTps(c.assignment()).map(tpKeyOf).join(', ')}]`).join('; ');

    /** The members' assignments are disjoint, each non-empty, and together cover `expected`. */
    const sharedDisjointly = (members: Consumer[], expected: TopicPartition[]) => {
      const all = members.flatMap((c) => c.assignment().map(tpKeyOf));
      return (
        members.every((c) => c.assignment().length > 0) &&
        new Set(all).size === all.length &&
        JSON.stringify([...all].sort()) === JSON.stringify(expected.map(tpKeyOf).sort())
      );
    };

    const gate = () => {
      let open!: () => void;
      const closed = new Promise<void>((resolve) => {
        open = resolve;
      });
      gates.push(open);
      return { wait: closed, open };
    };

    const produce = async (topic: string, messages: OutgoingMessage[]) => transport.producer().send(topic, messages);
    const numbered = (prefix: string, n: number, key: (i: number) => string | null = (i) => `key-${i}`): OutgoingMessage[] =>
      Array.from({ length: n }, (_, i) => ({ key: key(i), value: `${prefix}-${i}` }));

    beforeEach(async () => {
      transport = await factory.create();
      consumers = [];
      gates = [];
    });

    afterEach(async () => {
      for (const open of gates) open();
      await Promise.allSettled(consumers.map((c) => c.close()));
      await transport.close();
    });

    describe('producing', () => {
      it(
        'send resolves with each message partition and offset, in the order given, offsets from 0 per partition',
        async () => {
          const topic = await topicWith(3);
          const first = await produce(topic, numbered('a', 12));
          const second = await produce(topic, numbered('b', 12));
          const all = [...first, ...second];
          expect(all).toHaveLength(24);
          for (const meta of all) expect(meta.topic).toBe(topic);
          for (let p = 0; p < 3; p++) {
            const offsets = all.filter((m) => m.partition === p).map((m) => m.offset);
            expect(offsets).toEqual(offsets.map((_, i) => i));
          }
          const ends = await transport.endOffsets(topic);
          expect([...ends.entries()].sort((a, b) => a[0] - b[0])).toEqual(
            [0, 1, 2].map((p) => [p, all.filter((m) => m.partition === p).length]),
          );
        },
        testTimeout,
      );

      it(
        "puts a keyed message on partitionForKey's partition (Java murmur2), also for non-ASCII keys",
        async () => {
          const topic = await topicWith(6);
          const keys = ['a', 'b', 'abc', 'order-1', '', '1a2b3c4d', 'héllo', '日本', 'ça-va-😀'];
          const metas = await produce(
            topic,
            keys.map((key) => ({ key, value: key })),
          );
          expect(metas.map((m) => m.partition)).toEqual(keys.map((k) => partitionForKey(k, 6)));
          expect(metas.slice(0, 4).map((m) => m.partition)).toEqual([4, 2, 3, 4]);

          const r = new Recorder();
          await member(unique('g'), [topic], r);
          await wait(
            () => r.seen.length === keys.length,
            () => `expected ${keys.length} messages, saw ${r.seen.length}`,
          );
          for (const m of r.seen) expect(m.partition).toBe(partitionForKey(m.key as string, 6));
        },
        testTimeout,
      );

      it(
        'spreads messages without a key over the partitions',
        async () => {
          const topic = await topicWith(3);
          const metas = await produce(
            topic,
            numbered('n', 12, () => null),
          );
          expect(new Set(metas.map((m) => m.partition))).toEqual(new Set([0, 1, 2]));
        },
        testTimeout,
      );

      it(
        'ensureTopics is idempotent and leaves an existing topic as it is',
        async () => {
          const topic = unique('t');
          await transport.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
          await transport.ensureTopics([{ topic, partitions: 3, replicationFactor: 1 }]);
          await produce(topic, [{ key: 'k', value: 'kept' }]);
          const other = unique('t');
          await transport.ensureTopics([
            { topic, partitions: 5, replicationFactor: 1 },
            { topic: other, partitions: 2, replicationFactor: 1 },
          ]);
          expect(await transport.partitions(topic)).toBe(3);
          expect(await transport.partitions(other)).toBe(2);
          const ends = await transport.endOffsets(topic);
          expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(1);
        },
        testTimeout,
      );
    });

    describe('consuming', () => {
      it(
        'round-trips key, value bytes, headers and timestamp',
        async () => {
          const topic = await topicWith(2);
          const binary = new Uint8Array([0, 255, 1, 128, 10, 13]);
          const before = Date.now();
          await produce(topic, [
            { key: 'order-1', value: binary, headers: { 'trace-id': 'abc', 'x-ünïcode': 'Zoë 日本' }, timestamp: 1_700_000_000_123 },
            { key: null, value: '{"status":100,"name":"Zoë"}' },
          ]);
          const after = Date.now();
          const r = new Recorder();
          await member(unique('g'), [topic], r);
          await wait(
            () => r.seen.length === 2,
            () => `expected 2 messages, saw ${r.seen.length}`,
          );
          const keyed = r.seen.find((m) => m.key === 'order-1') as DeliveredMessage;
          const unkeyed = r.seen.find((m) => m.key === null) as DeliveredMessage;
          expect(keyed.topic).toBe(topic);
          expect(keyed.partition).toBe(partitionForKey('order-1', 2));
          expect(keyed.offset).toBe(0);
          expect([...keyed.value]).toEqual([...binary]);
          expect(keyed.headers).toEqual({ 'trace-id': 'abc', 'x-ünïcode': 'Zoë 日本' });
          expect(keyed.timestamp).toBe(1_700_000_000_123);
          expect(text(unkeyed)).toBe('{"status":100,"name":"Zoë"}');
          expect(unkeyed.headers).toEqual({});
          expect(unkeyed.timestamp).toBeGreaterThanOrEqual(before);
          expect(unkeyed.timestamp).toBeLessThanOrEqual(after);
        },
        testTimeout,
      );

      it(
        'hands over batches of one partition each, in offset order, one handler call at a time',
        async () => {
          const topic = await topicWith(3);
          const keys = ['k-x', 'k-y', 'k-z'];
          let active = 0;
          let overlap = 0;
          const r = new Recorder({
            onBatch: async () => {
              active += 1;
              if (active > 1) overlap += 1;
              await flushPromises(); // hold the handler over a few event-loop turns while more messages arrive
              active -= 1;
            },
          });
          const c = await member(unique('g'), [topic], r);
          await wait(
            () => owns(c, allPartitions(topic, 3)),
            () => `expected all 3 partitions: ${describeAssignment(c)}`,
          );
          for (let round = 0; round < 4; round++) {
            await produce(
              topic,
              keys.flatMap((key) => Array.from({ length: 5 }, (_, i) => ({ key, value: `${key}:${round * 5 + i}` }))),
            );
          }
          await wait(
            () => r.seen.length === 60,
            () => `expected 60 messages, saw ${r.seen.length}`,
          );
          expect(overlap).toBe(0);
          for (const batch of r.batches) {
            expect(batch.messages.length).toBeGreaterThan(0);
            for (const [i, m] of batch.messages.entries()) {
              expect({ topic: m.topic, partition: m.partition }).toEqual({ topic: batch.topic, partition: batch.partition });
              if (i > 0) expect(m.offset).toBe((batch.messages[i - 1] as DeliveredMessage).offset + 1);
            }
          }
          for (const key of keys) {
            const values = r.seen.filter((m) => m.key === key).map(text);
            expect(values).toEqual(Array.from({ length: 20 }, (_, i) => `${key}:${i}`));
          }
          for (let p = 0; p < 3; p++) {
            const offsets = r.offsetsOf(p);
            expect(offsets).toEqual(offsets.map((_, i) => i));
          }
        },
        testTimeout,
      );

      it(
        'a batch holds more than one message when more are waiting',
        async () => {
          const topic = await topicWith(1);
          await produce(
            topic,
            numbered('waiting', 50, () => 'one-key'),
          );
          const r = new Recorder();
          await member(unique('g'), [topic], r);
          await wait(
            () => r.seen.length === 50,
            () => `expected 50 messages, saw ${r.seen.length}`,
          );
          expect(r.batches.length).toBeLessThan(50);
          expect(Math.max(...r.batches.map((b) => b.messages.length))).toBeGreaterThan(1);
        },
        testTimeout,
      );

      it(
        'a new group starts from the earliest offset',
        async () => {
          const topic = await topicWith(3);
          await produce(topic, numbered('early', 15));
          const r = new Recorder();
          await member(unique('g'), [topic], r);
          await wait(
            () => r.seen.length === 15,
            () => `expected 15 messages, saw ${r.seen.length}`,
          );
          expect(r.texts().sort()).toEqual(
            numbered('early', 15)
              .map((m) => m.value as string)
              .sort(),
          );
          for (let p = 0; p < 3; p++) expect(r.offsetsOf(p)[0] ?? 0).toBe(0);
        },
        testTimeout,
      );

      it(
        'different groups each see every message',
        async () => {
          const topic = await topicWith(3);
          await produce(topic, numbered('both', 20));
          const r1 = new Recorder();
          const r2 = new Recorder();
          await member(unique('g1'), [topic], r1);
          await member(unique('g2'), [topic], r2);
          await produce(topic, numbered('later', 10));
          await wait(
            () => r1.seen.length === 30 && r2.seen.length === 30,
            () => `expected 30 + 30, saw ${r1.seen.length} + ${r2.seen.length}`,
          );
          const expected = [...numbered('both', 20), ...numbered('later', 10)].map((m) => m.value as string).sort();
          expect(r1.texts().sort()).toEqual(expected);
          expect(r2.texts().sort()).toEqual(expected);
        },
        testTimeout,
      );

      it(
        'a first member is assigned every partition and told so',
        async () => {
          const topic = await topicWith(3);
          const r = new Recorder();
          const c = await member(unique('g'), [topic], r);
          await wait(
            () => owns(c, allPartitions(topic, 3)),
            () => `expected all 3 partitions, ${describeAssignment(c)}`,
          );
          await wait(
            () => r.assigned.some((tps) => tps.length === 3),
            () => `onAssigned never reported the 3 partitions: ${JSON.stringify(r.assigned)}`,
          );
          expect(sortTps(r.assigned.at(-1) as TopicPartition[])).toEqual(allPartitions(topic, 3));
        },
        testTimeout,
      );
    });

    describe('consumer groups', () => {
      it(
        'two members of one group share the partitions disjointly and together see every message once',
        async () => {
          const topic = await topicWith(4);
          const groupId = unique('g');
          const ra = new Recorder({ commitEach: true });
          const rb = new Recorder({ commitEach: true });
          const a = await member(groupId, [topic], ra);
          const b = await member(groupId, [topic], rb);
          await wait(
            () => sharedDisjointly([a, b], allPartitions(topic, 4)),
            () => `no disjoint split: ${describeAssignment(a, b)}`,
          );
          const metas = await produce(topic, numbered('shared', 40));
          await wait(
            () => ra.seen.length + rb.seen.length === 40,
            () => `expected 40 in all, saw ${ra.seen.length} + ${rb.seen.length}`,
          );
          const seen = [...ra.seen, ...rb.seen].map((m) => `${m.partition}@${m.offset}`);
          expect(new Set(seen).size).toBe(40);
          expect(new Set(seen)).toEqual(new Set(metas.map((m) => `${m.partition}@${m.offset}`)));
          const ownedByA = new Set(a.assignment().map((tp) => tp.partition));
          for (const m of ra.seen) expect(ownedByA.has(m.partition)).toBe(true);
          for (const m of rb.seen) expect(ownedByA.has(m.partition)).toBe(false);
        },
        testTimeout,
      );

      it(
        'co-partitions: three members over two topics with the same partition count own partition p of both together',
        async () => {
          // 4 over 3 members: dealing topic-partitions out one by one would put A/3 and B/3 apart
          const partitions = 4;
          const topicA = await topicWith(partitions);
          const topicB = await topicWith(partitions);
          const groupId = unique('g');
          const recorders = [new Recorder(), new Recorder(), new Recorder()];
          const members: Consumer[] = [];
          for (const r of recorders) members.push(await member(groupId, [topicA, topicB], r));
          await wait(
            () => sharedDisjointly(members, [...allPartitions(topicA, partitions), ...allPartitions(topicB, partitions)]),
            () => `no disjoint split over three members: ${describeAssignment(...members)}`,
          );
          // For each partition number a member owns of topic A, it owns the same number of topic B.
          for (const c of members) {
            const numbersOf = (topic: string) =>
              c
                .assignment()
                .filter((tp) => tp.topic === topic)
                .map((tp) => tp.partition)
                .sort((x, y) => x - y);
            expect(numbersOf(topicB)).toEqual(numbersOf(topicA));
          }
          // One key on both topics lands at one member, whichever partition it hashes to.
          const keys = Array.from({ length: partitions }, (_, p) => keyFor(p, partitions, 'co'));
          await produce(
            topicA,
            keys.map((key) => ({ key, value: `a:${key}` })),
          );
          await produce(
            topicB,
            keys.map((key) => ({ key, value: `b:${key}` })),
          );
          const total = () => recorders.reduce((n, r) => n + r.seen.length, 0);
          await wait(
            () => total() === 2 * partitions,
            () => `expected ${2 * partitions} messages in all, saw ${total()}`,
          );
          for (const key of keys) {
            const at = recorders.map((r) =>
              r.seen
                .filter((m) => m.key === key)
                .map((m) => m.topic)
                .sort(),
            );
            expect(at.filter((topics) => topics.length > 0)).toEqual([[topicA, topicB].sort()]);
          }
        },
        testTimeout,
      );

      it(
        'rebalances when a member joins: partitions move to it and committed messages are not delivered again',
        async () => {
          const topic = await topicWith(4);
          const groupId = unique('g');
          const ra = new Recorder({ commitEach: true });
          const a = await member(groupId, [topic], ra);
          await wait(
            () => owns(a, allPartitions(topic, 4)),
            () => `first member should own all: ${describeAssignment(a)}`,
          );
          await produce(topic, numbered('before', 20));
          await wait(async () => {
            const [ends, committed] = await Promise.all([transport.endOffsets(topic), transport.committedOffsets(groupId, topic)]);
            return [...ends].every(([p, end]) => committed.get(p) === end);
          }, 'the first member did not commit everything it was handed');

          const rb = new Recorder({ commitEach: true });
          const b = await member(groupId, [topic], rb);
          await wait(
            () => sharedDisjointly([a, b], allPartitions(topic, 4)),
            () => `no disjoint split after the join: ${describeAssignment(a, b)}`,
          );
          const revokedFromA = new Set(ra.revoked.flat().map(tpKeyOf));
          for (const tp of b.assignment()) expect(revokedFromA.has(tpKeyOf(tp))).toBe(true);
          expect(rb.seen).toEqual([]);

          await produce(topic, numbered('after', 20));
          const countAfter = () => [...ra.seen, ...rb.seen].filter((m) => text(m).startsWith('after-')).length;
          await wait(
            () => countAfter() === 20,
            () => `expected the 20 later messages, saw ${countAfter()}`,
          );
          expect(rb.seen.every((m) => text(m).startsWith('after-'))).toBe(true);
          expect(rb.seen.length).toBeGreaterThan(0);
          const ownedByB = new Set(b.assignment().map((tp) => tp.partition));
          for (const m of rb.seen) expect(ownedByB.has(m.partition)).toBe(true);
          expect(ra.seen.filter((m) => text(m).startsWith('before-'))).toHaveLength(20);
        },
        testTimeout,
      );

      it(
        'a partition moves only after its old owner finished the message in progress and could commit in onRevoked',
        async () => {
          const topic = await topicWith(2);
          const groupId = unique('g');
          const slow = gate();
          const finished: DeliveredMessage[] = [];
          const ra: Recorder = new Recorder({
            onMessage: async (m) => {
              await slow.wait;
              finished.push(m);
            },
            onRevoked: async (tps) => {
              const lost = new Set(tps.map(tpKeyOf));
              const done = finished.filter((m) => lost.has(tpKeyOf(m)));
              if (done.length > 0)
                await ra.consumer.commit(done.map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1 })));
            },
          });
          const a = await member(groupId, [topic], ra);
          await wait(
            () => owns(a, allPartitions(topic, 2)),
            () => `first member should own both: ${describeAssignment(a)}`,
          );
          // Round-robin or not, the joining member takes one of the two partitions; put work on both.
          await produce(topic, [
            { key: keyFor(0, 2, 'move'), value: 'first-0' },
            { key: keyFor(1, 2, 'move'), value: 'first-1' },
          ]);
          // One batch at a time: the first of the two is in progress, the other waits its turn.
          await wait(
            () => ra.seen.length === 1,
            () => `one first message should be in progress, saw ${ra.seen.length}`,
          );
          const inProgress = ra.seen[0] as DeliveredMessage;

          const rb = new Recorder({ commitEach: true });
          const b = await member(groupId, [topic], rb);
          await flushPromises();
          slow.open();
          await wait(
            () => sharedDisjointly([a, b], allPartitions(topic, 2)),
            () => `no split after the join: ${describeAssignment(a, b)}`,
          );
          // the message in progress was finished by its old owner, wherever its partition went
          expect(finished.map(text)).toContain(text(inProgress));
          await produce(topic, [
            { key: keyFor(0, 2, 'move'), value: 'second-0' },
            { key: keyFor(1, 2, 'move'), value: 'second-1' },
          ]);
          const moved = (b.assignment()[0] as TopicPartition).partition;
          await wait(
            () => rb.texts().includes(`second-${moved}`),
            () => `the new owner never got second-${moved}: ${rb.texts()}`,
          );
          // what the old owner finished there was committed in onRevoked: the new owner does not get it again
          const finishedThere = finished.some((m) => m.partition === moved);
          expect(rb.texts()).toEqual(finishedThere ? [`second-${moved}`] : [`first-${moved}`, `second-${moved}`]);
        },
        testTimeout,
      );

      it(
        'rebalances when a member leaves: the remaining member takes over its partitions',
        async () => {
          const topic = await topicWith(4);
          const groupId = unique('g');
          const ra = new Recorder({ commitEach: true });
          const rb = new Recorder({ commitEach: true });
          const a = await member(groupId, [topic], ra);
          const b = await member(groupId, [topic], rb);
          await wait(
            () => sharedDisjointly([a, b], allPartitions(topic, 4)),
            () => `no disjoint split: ${describeAssignment(a, b)}`,
          );
          const leaving = b.assignment();
          await b.close();
          await wait(
            () => owns(a, allPartitions(topic, 4)),
            () => `the remaining member should own all 4: ${describeAssignment(a)}`,
          );
          expect(b.assignment()).toEqual([]);
          await wait(
            () => ra.assigned.some((tps) => tps.length === 4),
            () => `onAssigned never reported 4 partitions: ${JSON.stringify(ra.assigned)}`,
          );
          await wait(
            () => rb.revoked.flat().length >= leaving.length,
            () => `the leaving member was not told what it lost: ${JSON.stringify(rb.revoked)}`,
          );
          await produce(topic, numbered('after-leave', 20));
          await wait(
            () => ra.seen.length === 20,
            () => `expected 20 messages at the remaining member, saw ${ra.seen.length}`,
          );
          expect(rb.seen).toEqual([]);
        },
        testTimeout,
      );

      it(
        "a stopped member's uncommitted messages go to the next owner; committed ones do not",
        async () => {
          const topic = await topicWith(3);
          const groupId = unique('g');
          const metas = await produce(topic, numbered('work', 30, spread(3)));
          const ra = new Recorder();
          const a = await member(groupId, [topic], ra);
          await wait(
            () => ra.seen.length === 30,
            () => `expected 30 messages, saw ${ra.seen.length}`,
          );
          // Finished: offsets 0..2 of every partition; the rest was handed over but never committed.
          await a.commit([0, 1, 2].map((partition) => ({ topic, partition, offset: 3 })));
          expect(await transport.committedOffsets(groupId, topic)).toEqual(new Map([0, 1, 2].map((p) => [p, 3])));
          await a.close();

          const rb = new Recorder();
          await member(groupId, [topic], rb);
          const expected = metas.filter((m) => m.offset >= 3).map((m) => `${m.partition}@${m.offset}`);
          await wait(
            () => rb.seen.length === expected.length,
            () => `expected ${expected.length} redelivered, saw ${rb.seen.length}`,
          );
          expect(rb.seen.map((m) => `${m.partition}@${m.offset}`).sort()).toEqual(expected.sort());
          for (let p = 0; p < 3; p++) expect(rb.offsetsOf(p)[0]).toBe(3);
        },
        testTimeout,
      );

      it(
        'commit records the next offset to read: a new owner starts exactly there',
        async () => {
          const topic = await topicWith(1);
          const groupId = unique('g');
          await produce(
            topic,
            numbered('x', 10, () => 'same-key'),
          );
          const ra = new Recorder();
          const a = await member(groupId, [topic], ra);
          await wait(
            () => ra.seen.length === 10,
            () => `expected 10 messages, saw ${ra.seen.length}`,
          );
          expect(await transport.committedOffsets(groupId, topic)).toEqual(new Map());
          // processed offsets 0..3: the position to commit is 4
          await a.commit([{ topic, partition: 0, offset: 4 }]);
          expect(await transport.committedOffsets(groupId, topic)).toEqual(new Map([[0, 4]]));
          await a.close();
          const rb = new Recorder();
          await member(groupId, [topic], rb);
          await wait(
            () => rb.seen.length === 6,
            () => `expected 6 messages from offset 4, saw ${rb.seen.length}`,
          );
          expect(rb.seen.map((m) => m.offset)).toEqual([4, 5, 6, 7, 8, 9]);
          expect(rb.texts()).toEqual(['x-4', 'x-5', 'x-6', 'x-7', 'x-8', 'x-9']);
        },
        testTimeout,
      );

      it(
        'accepts commits only for partitions the member owns',
        async () => {
          const topic = await topicWith(2);
          const groupId = unique('g');
          const a = await member(groupId, [topic], new Recorder());
          const b = await member(groupId, [topic], new Recorder());
          await wait(
            () => sharedDisjointly([a, b], allPartitions(topic, 2)),
            () => `no disjoint split: ${describeAssignment(a, b)}`,
          );
          await produce(topic, [
            { key: keyFor(0, 2, 'own'), value: 'p0' },
            { key: keyFor(1, 2, 'own'), value: 'p1' },
          ]);
          const notMine = b.assignment()[0] as TopicPartition;
          await expect(a.commit([{ ...notMine, offset: 1 }])).rejects.toThrow();
          expect(await transport.committedOffsets(groupId, topic)).toEqual(new Map());
          const mine = a.assignment()[0] as TopicPartition;
          await a.commit([{ ...mine, offset: 1 }]);
          expect(await transport.committedOffsets(groupId, topic)).toEqual(new Map([[mine.partition, 1]]));
        },
        testTimeout,
      );

      it(
        'close waits for the handler in progress and then delivers nothing more',
        async () => {
          const topic = await topicWith(1);
          await produce(
            topic,
            numbered('c', 5, () => 'k'),
          );
          const events: string[] = [];
          const g = gate();
          const r = new Recorder({
            onBatch: async () => {
              await g.wait;
              events.push('handler finished');
            },
          });
          const c = await member(unique('g'), [topic], r);
          await wait(() => r.batches.length === 1, 'the first batch never arrived');
          const closing = c.close().then(() => events.push('closed'));
          await flushPromises();
          expect(events).toEqual([]);
          await produce(
            topic,
            numbered('c-more', 3, () => 'k'),
          );
          g.open();
          await closing;
          expect(events).toEqual(['handler finished', 'closed']);
          expect(r.batches).toHaveLength(1);
          expect(r.seen).toEqual((r.batches[0] as MessageBatch).messages);
          expect(r.texts().every((t) => !t.startsWith('c-more'))).toBe(true);
          expect(c.assignment()).toEqual([]);
        },
        testTimeout,
      );

      it(
        'pause stops delivery from a partition, resume continues it',
        async () => {
          const topic = await topicWith(2);
          const r = new Recorder();
          const c = await member(unique('g'), [topic], r);
          await wait(
            () => owns(c, allPartitions(topic, 2)),
            () => `expected both partitions: ${describeAssignment(c)}`,
          );
          c.pause([{ topic, partition: 0 }]);
          await produce(topic, [
            { key: keyFor(0, 2, 'p'), value: 'on-paused' },
            { key: keyFor(1, 2, 'p'), value: 'on-running' },
          ]);
          await wait(() => r.texts().includes('on-running'), 'the unpaused partition delivered nothing');
          expect(r.texts()).toEqual(['on-running']);
          expect(owns(c, allPartitions(topic, 2))).toBe(true);
          c.resume([{ topic, partition: 0 }]);
          await wait(() => r.texts().includes('on-paused'), 'the resumed partition delivered nothing');
          expect(r.texts()).toEqual(['on-running', 'on-paused']);
        },
        testTimeout,
      );

      it(
        'endOffsets and committedOffsets report the end of each partition and the group position',
        async () => {
          const topic = await topicWith(3);
          const groupId = unique('g');
          expect(await transport.endOffsets(topic)).toEqual(new Map([0, 1, 2].map((p) => [p, 0])));
          expect(await transport.committedOffsets(groupId, topic)).toEqual(new Map());
          const metas = await produce(topic, numbered('e', 9));
          const ends = new Map([0, 1, 2].map((p) => [p, metas.filter((m) => m.partition === p).length]));
          expect(await transport.endOffsets(topic)).toEqual(ends);
          const r = new Recorder({ commitEach: true });
          await member(groupId, [topic], r);
          await wait(
            () => r.seen.length === 9,
            () => `expected 9 messages, saw ${r.seen.length}`,
          );
          await wait(
            async () =>
              JSON.stringify([...(await transport.committedOffsets(groupId, topic))].sort()) ===
              JSON.stringify([...ends].filter(([, e]) => e > 0).sort()),
            'committed offsets never reached the end offsets',
          );
        },
        testTimeout,
      );
    });

    describe('transactions', () => {
      /** Input topic with `n` messages on each of its 2 partitions, so a group has positions to commit. */
      const inputWith = async (n: number) => {
        const topic = await topicWith(2);
        await produce(topic, numbered('in', 2 * n, spread(2)));
        return topic;
      };
      const positions = (topic: string, p0: number, p1: number): OffsetCommit[] => [
        { topic, partition: 0, offset: p0 },
        { topic, partition: 1, offset: p1 },
      ];
      const committedOf = async (groupId: string, topic: string) => [...(await transport.committedOffsets(groupId, topic))].sort();
      /** A reader of `topics` in a group of its own, plus a witness topic: once it saw a witness, it has fetched past it. */
      const reader = async (topics: string[]) => {
        const witnessTopic = await topicWith(1);
        const r = new Recorder();
        await member(unique('reader'), [...topics, witnessTopic], r);
        let witnesses = 0;
        return {
          r,
          /** produces a witness and waits until the reader saw it (read_committed readers have fetched meanwhile) */
          async witness() {
            const value = `witness-${++witnesses}`;
            await produce(witnessTopic, [{ key: 'w', value }]);
            await wait(
              () => r.texts().includes(value),
              () => `the reader never saw ${value}: ${r.texts()}`,
            );
          },
        };
      };

      it(
        "a consumer handed a transaction's messages is at the end offset: a batch's `next` (else its last offset + 1) is past the commit marker",
        async () => {
          const topic = await topicWith(1);
          const producer = await transport.transactionalProducer(unique('tx'));
          const tx = await producer.transaction();
          await tx.send(
            topic,
            numbered('m', 3, () => 'k'),
          );
          await tx.commit();
          const r = new Recorder();
          await member(unique('g'), [topic], r);
          await wait(
            () => r.seen.length === 3,
            () => `saw ${r.texts()}`,
          );
          const last = r.batches.at(-1) as MessageBatch;
          const next = last.next ?? (last.messages.at(-1) as DeliveredMessage).offset + 1;
          expect(next).toBe((await transport.endOffsets(topic)).get(0));
        },
        testTimeout,
      );

      it(
        "a commit makes the transaction's messages and offsets visible together, none of it before",
        async () => {
          const input = await inputWith(3);
          const output = await topicWith(2);
          const groupId = unique('g');
          const { r, witness } = await reader([output]);
          const producer = await transport.transactionalProducer(unique('tx'));
          const tx = await producer.transaction();
          await tx.send(output, numbered('tx', 6, spread(2)));
          await tx.sendOffsets(groupId, positions(input, 3, 2));

          await witness();
          expect(r.texts().filter((t) => t.startsWith('tx-'))).toEqual([]);
          expect(await committedOf(groupId, input)).toEqual([]);

          await tx.commit();
          await wait(
            async () => r.texts().filter((t) => t.startsWith('tx-')).length === 6 && (await committedOf(groupId, input)).length === 2,
            () => `after commit: saw ${r.texts()}; the offsets never showed in full`,
          );
          expect(
            r
              .texts()
              .filter((t) => t.startsWith('tx-'))
              .sort(),
          ).toEqual(numbered('tx', 6).map((m) => m.value as string));
          expect(await committedOf(groupId, input)).toEqual([
            [0, 3],
            [1, 2],
          ]);
          // keys are placed as by a plain send
          for (const m of r.seen.filter((m) => m.topic === output)) expect(m.partition).toBe(partitionForKey(m.key as string, 2));
        },
        testTimeout,
      );

      it(
        'abort drops messages and offsets; the producer goes on with a new transaction',
        async () => {
          const input = await inputWith(3);
          const output = await topicWith(2);
          const groupId = unique('g');
          const { r } = await reader([output]);
          const producer = await transport.transactionalProducer(unique('tx'));
          const first = await producer.transaction();
          await first.send(output, [{ key: keyFor(0, 2, 'ab'), value: 'kept-1' }]);
          await first.sendOffsets(groupId, positions(input, 1, 1));
          await first.commit();

          const aborted = await producer.transaction();
          await aborted.send(output, numbered('aborted', 4, spread(2)));
          await aborted.sendOffsets(groupId, positions(input, 3, 3));
          await aborted.abort();

          await produce(output, numbered('after-abort', 2, spread(2)));
          const again = await producer.transaction();
          await again.send(output, [{ key: keyFor(1, 2, 'ab'), value: 'kept-2' }]);
          await again.commit();
          await wait(
            () => ['kept-1', 'kept-2', 'after-abort-0', 'after-abort-1'].every((v) => r.texts().includes(v)),
            () => `expected both kept messages and the later plain ones, saw ${r.texts()}`,
          );
          expect(r.texts().filter((t) => t.startsWith('aborted-'))).toEqual([]);
          expect(await committedOf(groupId, input)).toEqual([
            [0, 1],
            [1, 1],
          ]);
          await expect(aborted.commit()).rejects.toThrow();
        },
        testTimeout,
      );

      it(
        'opening a producer with the same id fences the earlier one: its commit throws PRODUCER_FENCED and nothing of it is visible',
        async () => {
          const input = await inputWith(3);
          const output = await topicWith(2);
          const groupId = unique('g');
          const { r, witness } = await reader([output]);
          const id = unique('tx');
          const zombie = await transport.transactionalProducer(id);
          const zombieTx = await zombie.transaction();
          await zombieTx.send(output, numbered('zombie', 4, spread(2)));
          await zombieTx.sendOffsets(groupId, positions(input, 3, 3));

          const successor = await transport.transactionalProducer(id);
          await expect(zombieTx.commit()).rejects.toMatchObject({ code: 'PRODUCER_FENCED' });
          await expect(zombie.transaction()).rejects.toMatchObject({ code: 'PRODUCER_FENCED' });

          const tx = await successor.transaction();
          await tx.send(output, numbered('successor', 2, spread(2)));
          await tx.sendOffsets(groupId, positions(input, 1, 2));
          await tx.commit();
          await wait(
            () => r.texts().filter((t) => t.startsWith('successor-')).length === 2,
            () => `the successor's messages never arrived: ${r.texts()}`,
          );
          await witness();
          expect(r.texts().filter((t) => t.startsWith('zombie-'))).toEqual([]);
          await wait(async () => (await committedOf(groupId, input)).length === 2, "the successor's offsets never showed");
          expect(await committedOf(groupId, input)).toEqual([
            [0, 1],
            [1, 2],
          ]);
        },
        testTimeout,
      );

      if (features.crashProducer) {
        const crashProducer = features.crashProducer;
        it(
          'a producer that crashes mid-transaction leaves nothing visible; a successor with its id goes on',
          async () => {
            const input = await inputWith(3);
            const output = await topicWith(2);
            const groupId = unique('g');
            const { r, witness } = await reader([output]);
            const id = unique('tx');
            const crashed = await transport.transactionalProducer(id);
            const tx = await crashed.transaction();
            await tx.send(output, numbered('lost', 4, spread(2)));
            await tx.sendOffsets(groupId, positions(input, 3, 3));
            await crashProducer(crashed);

            await witness();
            expect(r.texts().filter((t) => t.startsWith('lost-'))).toEqual([]);
            expect(await committedOf(groupId, input)).toEqual([]);

            // The restarted owner opens the same id (on Kafka this aborts what the crashed one left open).
            const successor = await transport.transactionalProducer(id);
            const next = await successor.transaction();
            await next.send(output, numbered('recovered', 2, spread(2)));
            await next.sendOffsets(groupId, positions(input, 2, 2));
            await next.commit();
            await wait(
              () => r.texts().filter((t) => t.startsWith('recovered-')).length === 2,
              () => `the successor's messages never arrived: ${r.texts()}`,
            );
            expect(r.texts().filter((t) => t.startsWith('lost-'))).toEqual([]);
            await wait(async () => (await committedOf(groupId, input)).length === 2, "the successor's offsets never showed");
            expect(await committedOf(groupId, input)).toEqual([
              [0, 2],
              [1, 2],
            ]);
          },
          testTimeout,
        );
      }

      if (features.reopen) {
        const reopen = features.reopen;
        it(
          "a committed transaction's messages and offsets survive a restart",
          async () => {
            const input = await inputWith(2);
            const output = await topicWith(2);
            const groupId = unique('g');
            const producer = await transport.transactionalProducer(unique('tx'));
            const tx = await producer.transaction();
            await tx.send(output, numbered('durable-tx', 4, spread(2)));
            await tx.sendOffsets(groupId, positions(input, 2, 1));
            await tx.commit();

            transport = await reopen(transport);
            consumers = [];
            const r = new Recorder();
            await member(unique('reader'), [output], r);
            await wait(
              () => r.seen.length === 4,
              () => `expected the 4 committed messages after the restart, saw ${r.texts()}`,
            );
            expect(r.texts().sort()).toEqual(numbered('durable-tx', 4).map((m) => m.value as string));
            expect(await committedOf(groupId, input)).toEqual([
              [0, 2],
              [1, 1],
            ]);
          },
          testTimeout,
        );

        it(
          'a transaction open when the transport closes is gone after a restart',
          async () => {
            const input = await inputWith(2);
            const output = await topicWith(2);
            const groupId = unique('g');
            const producer = await transport.transactionalProducer(unique('tx'));
            const tx = await producer.transaction();
            await tx.send(output, numbered('unfinished', 4, spread(2)));
            await tx.sendOffsets(groupId, positions(input, 2, 2));

            transport = await reopen(transport);
            consumers = [];
            await expect(tx.commit()).rejects.toThrow();
            const { r, witness } = await reader([output]);
            await produce(output, numbered('after-restart', 2, spread(2)));
            await wait(
              () => r.texts().filter((t) => t.startsWith('after-restart-')).length === 2,
              () => `the plain messages after the restart never arrived: ${r.texts()}`,
            );
            await witness();
            expect(r.texts().filter((t) => t.startsWith('unfinished-'))).toEqual([]);
            expect(await committedOf(groupId, input)).toEqual([]);
          },
          testTimeout,
        );
      }
    });

    if (features.crash) {
      const crash = features.crash;
      it(
        "a crashed member's uncommitted messages, including the one it was handling, go to the next owner",
        async () => {
          const topic = await topicWith(1);
          const groupId = unique('g');
          await produce(
            topic,
            numbered('crash', 10, () => 'k'),
          );
          const stuck = gate();
          const ra = new Recorder({
            onMessage: async (m) => {
              if (m.offset < 3) await ra.consumer.commit([{ topic, partition: 0, offset: m.offset + 1 }]);
              if (m.offset === 6) await stuck.wait; // the process dies while this one is in progress
            },
          });
          const a = await member(groupId, [topic], ra);
          await wait(
            () => ra.seen.length === 7,
            () => `expected to reach offset 6, saw ${ra.seen.length}`,
          );
          expect(await transport.committedOffsets(groupId, topic)).toEqual(new Map([[0, 3]]));
          await crash(a);
          expect(ra.revoked).toEqual([]);

          const rb = new Recorder();
          await member(groupId, [topic], rb);
          await wait(
            () => rb.seen.length === 7,
            () => `expected offsets 3..9 again, saw ${rb.seen.map((m) => m.offset)}`,
          );
          expect(rb.seen.map((m) => m.offset)).toEqual([3, 4, 5, 6, 7, 8, 9]);
          expect(await transport.committedOffsets(groupId, topic)).toEqual(new Map([[0, 3]]));
        },
        testTimeout,
      );
    }

    if (features.reopen) {
      const reopen = features.reopen;
      it(
        'a restart keeps every message and the committed offsets, and offsets continue',
        async () => {
          const topic = await topicWith(3);
          const groupId = unique('g');
          const metas = await produce(topic, [
            { key: 'order-1', value: new Uint8Array([1, 2, 3]), headers: { h: 'v' }, timestamp: 1_700_000_000_000 },
            ...numbered('durable', 20, spread(3)),
          ]);
          const ra = new Recorder();
          const a = await member(groupId, [topic], ra);
          await wait(
            () => ra.seen.length === 21,
            () => `expected 21 messages, saw ${ra.seen.length}`,
          );
          await a.commit([0, 1, 2].map((partition) => ({ topic, partition, offset: 2 })));
          await a.close();
          const endsBefore = await transport.endOffsets(topic);

          transport = await reopen(transport);
          consumers = [];
          expect(await transport.partitions(topic)).toBe(3);
          expect(await transport.endOffsets(topic)).toEqual(endsBefore);
          expect(await transport.committedOffsets(groupId, topic)).toEqual(new Map([0, 1, 2].map((p) => [p, 2])));

          const [next] = await produce(topic, [{ key: 'order-1', value: 'after restart' }]);
          const p1 = partitionForKey('order-1', 3);
          expect(next).toEqual({ topic, partition: p1, offset: endsBefore.get(p1) });

          const rb = new Recorder();
          await member(groupId, [topic], rb);
          const expected = [...metas, next].filter((m) => m && m.offset >= 2).length;
          await wait(
            () => rb.seen.length === expected,
            () => `expected ${expected} messages past the committed offsets, saw ${rb.seen.length}`,
          );
          for (let p = 0; p < 3; p++) expect(rb.offsetsOf(p)[0]).toBe(2);

          const rc = new Recorder();
          await member(unique('g'), [topic], rc);
          await wait(
            () => rc.seen.length === 22,
            () => `a new group should see all 22 messages, saw ${rc.seen.length}`,
          );
          const first = rc.seen.find((m) => m.key === 'order-1' && m.offset === 0) as DeliveredMessage;
          expect([...first.value]).toEqual([1, 2, 3]);
          expect(first.headers).toEqual({ h: 'v' });
          expect(first.timestamp).toBe(1_700_000_000_000);
          expect(rc.texts()).toContain('after restart');
        },
        testTimeout,
      );
    }
  });
}
