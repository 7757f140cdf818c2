import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { DEAD_LETTER_HEADERS } from '../../src/runtime/middleware/deadLetter.ts';
import type { ActorHost, BatchingOptions } from '../../src/runtime/host/createActorHost.ts';
import { createEmbeddedLog, type EmbeddedConsumer } from '../../src/transport/embeddedLog.ts';
import type { DeliveredMessage, Transport } from '../../src/transport/transport.ts';
import { type Outage, outageTransport } from '../support/outageTransport.ts';
import { waitFor } from '../support/waitFor.ts';
import { changelogRows, counterHost, counterTopics, ensureCounterTopics, keyOn, outputsByKey, readAll } from './fixtures/counterActor.ts';

/**
 * The actor host's promises (createActorHost.ts, issue 8), pinned with a counter actor rather than
 * the kitchen: exactly-once (outputs, changelog rows and input offsets commit together), state that
 * follows its partition (deadlines included), fencing of a zombie, dead letters in the batch's
 * transaction, and batching. Each runs on the embedded log in memory and on a SQLite file; time is
 * a VirtualClock, except the linger, which is real time and only waited on with a bounded poll.
 */

const START = 1_700_000_000_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Kind = 'memory' | 'sqlite';

interface Input {
  key: string;
  id?: string;
  remindInMs?: number;
  also?: string;
  /** a raw value instead of `{id, remindInMs}` */
  raw?: string;
  partition?: number;
}

async function world(kind: Kind, partitions: number) {
  const clock = new VirtualClock(START);
  const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'pizza-host-')) : undefined;
  const path = dir ? join(dir, 'log.db') : undefined;
  /** errors nobody awaits, reported by the log (a handler that threw stops its member) */
  const errors: string[] = [];
  const open = () =>
    createEmbeddedLog({ clock, onError: (error, context) => errors.push(`${context}: ${error}`), ...(path ? { path } : {}) });
  const topics = counterTopics();
  const hosts: ActorHost[] = [];
  const w = {
    clock,
    topics,
    partitions,
    errors,
    log: open(),
    /** the consumers hosts made through `spy`, to make one a zombie */
    consumers: [] as EmbeddedConsumer[],
    /** the log, with every consumer it makes recorded in `consumers` */
    get spy(): Transport {
      const log = w.log;
      return { ...log, consumer: (o) => w.consumers[w.consumers.push(log.consumer(o)) - 1] as EmbeddedConsumer };
    },
    host(
      options: {
        transport?: Transport;
        batching?: Partial<BatchingOptions>;
        decodeBug?: (m: DeliveredMessage) => boolean;
        retentionMs?: number;
      } = {},
    ) {
      const h = counterHost({ transport: options.transport ?? w.log, clock, topics, partitions, ...options });
      hosts.push(h);
      return h;
    },
    async send(inputs: Input[]) {
      await w.log.producer().send(
        topics.input,
        inputs.map((i) => ({
          key: i.key,
          value: i.raw ?? JSON.stringify({ id: i.id, remindInMs: i.remindInMs, also: i.also }),
          ...(i.partition !== undefined ? { partition: i.partition } : {}),
        })),
      );
    },
    /** Lets deliveries, handlers and the hosts' commits finish (all in-process: no waiting on time). */
    async settle(...running: ActorHost[]) {
      for (let round = 0; round < 3; round++) {
        await w.log.capabilities.whenIdle();
        await Promise.all(running.map((h) => h.idle()));
      }
      await w.log.capabilities.whenIdle();
    },
    /** A process restart: the SQLite file is closed and opened again (in memory: the same log). */
    async restart() {
      if (!path) return;
      await w.log.close();
      w.log = open();
    },
  };
  cleanups.push(async () => {
    for (const h of hosts) await h.stop().catch(() => undefined);
    await w.log.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // a test that expects the log to report errors takes them out of `errors`
    expect(errors, 'errors the log reported').toEqual([]);
  });
  await ensureCounterTopics(w.log, topics, partitions);
  return w;
}

type World = Awaited<ReturnType<typeof world>>;

/** The error `crashed` settles with, waited for with a bound. */
async function crashOf(host: ActorHost, w: World): Promise<Error & { code?: string }> {
  let error: Error | undefined;
  void host.crashed.then((e) => {
    error = e;
  });
  await w.log.capabilities.whenIdle();
  await waitFor(() => error !== undefined, { timeoutMs: 5_000, message: 'the host did not crash' });
  return error as Error & { code?: string };
}

const crashSeen = new WeakMap<ActorHost, () => Error | undefined>();
/** What `crashed` settled with so far (undefined while the host runs well). */
function crashes(host: ActorHost): () => Error | undefined {
  let seen = crashSeen.get(host);
  if (!seen) {
    let error: Error | undefined;
    void host.crashed.then((e) => {
      error = e;
    });
    seen = () => error;
    crashSeen.set(host, seen);
  }
  return seen;
}

const ids = (list: { id: string; count: number }[] | undefined) => (list ?? []).map((o) => `${o.id}=${o.count}`);

describe.each<Kind>(['memory', 'sqlite'])('actor host on the embedded log (%s)', (kind) => {
  describe('exactly-once: outputs, changelog rows and input offsets commit together', () => {
    it('a failed commit crashes the host and shows nothing of its batch; a fresh host restores the committed state and produces each output once', async () => {
      const w = await world(kind, 1);
      const outage: Outage = {};
      const a = w.host({ transport: outageTransport(w.log, outage) });
      await a.start();
      await w.settle(a);
      expect(a.tasks()).toEqual([0]);

      await w.send([
        { key: 'k', id: 'a1' },
        { key: 'k', id: 'a2' },
        { key: 'k', id: 'a3' },
      ]);
      await w.settle(a);
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('k'))).toEqual(['a1=1', 'a2=2', 'a3=3']);
      expect(await changelogRows(w.log, w.topics.groupId)).toEqual(new Map([['k', { count: 3 }]]));
      expect((await w.log.committedOffsets(w.topics.groupId, w.topics.input)).get(0)).toBe(3);

      outage.commits = true;
      await w.send([
        { key: 'k', id: 'a4' },
        { key: 'k', id: 'a5' },
      ]);
      const error = await crashOf(a, w);
      expect(error.code).toBe('COMMIT_FAILED');
      // nothing of the failed batch: no output, no changelog row, no offset
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('k'))).toEqual(['a1=1', 'a2=2', 'a3=3']);
      expect(await changelogRows(w.log, w.topics.groupId)).toEqual(new Map([['k', { count: 3 }]]));
      expect((await w.log.committedOffsets(w.topics.groupId, w.topics.input)).get(0)).toBe(3);
      await a.stop();

      await w.restart();
      const b = w.host();
      await b.start();
      await w.settle(b);
      // continues from the committed count (3), and a4, a5 appear once each
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('k'))).toEqual(['a1=1', 'a2=2', 'a3=3', 'a4=4', 'a5=5']);
      expect(await changelogRows(w.log, w.topics.groupId)).toEqual(new Map([['k', { count: 5 }]]));
      expect((await w.log.committedOffsets(w.topics.groupId, w.topics.input)).get(0)).toBe(5);
      expect(b.rows(['k']).get('k')).toEqual({ count: 5 });
    });

    it('an error other than a malformed message (a bug) crashes the host; nothing of the batch commits, and the next owner takes it again', async () => {
      const w = await world(kind, 1);
      const a = w.host({ decodeBug: (m) => m.offset === 1 });
      await a.start();
      await w.settle(a);
      await w.send([
        { key: 'k', id: 'b0' },
        { key: 'k', id: 'b1' },
        { key: 'k', id: 'b2' },
      ]);
      const error = await crashOf(a, w);
      expect(error.message).toContain('a bug in decode at offset 1');
      // the throwing handler stopped the member (and said so)
      expect(w.errors.splice(0)).toEqual([expect.stringContaining('the member stops: Error: a bug in decode at offset 1')]);
      expect(await readAll(w.log, w.topics.output)).toEqual([]);
      expect(await readAll(w.log, w.topics.deadLetters)).toEqual([]);
      expect((await w.log.committedOffsets(w.topics.groupId, w.topics.input)).get(0)).toBeUndefined();
      await a.stop();

      const b = w.host();
      await b.start();
      await w.settle(b);
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('k'))).toEqual(['b0=1', 'b1=2', 'b2=3']);
    });
    it('idle() while batches keep coming and commits are slow never opens a second transaction on a task (regression)', async () => {
      const w = await world(kind, 1);
      // every send inside a transaction takes a turn of the event loop: commits lag behind deliveries
      const a = w.host({ transport: outageTransport(w.log, { beforeSend: () => new Promise<void>((resolve) => setImmediate(resolve)) }) });
      const crash = crashes(a);
      await a.start();
      await w.settle(a);
      let stop = false;
      const idler = (async () => {
        while (!stop) {
          await a.idle();
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      })();
      const producer = w.log.producer();
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < 600; i++) {
        sends.push(producer.send(w.topics.input, [{ key: 'k', value: JSON.stringify({ id: `c${i}` }) }]));
        if (i % 3 === 0) await Promise.resolve();
        if (i % 7 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      await Promise.all(sends);
      await w.settle(a);
      stop = true;
      await idler;
      expect(crash()?.message).toBeUndefined();
      const out = (await outputsByKey(w.log, w.topics.output)).get('k') ?? [];
      expect(out).toHaveLength(600);
      expect(out.map((o) => o.count)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    });
  });

  describe('state follows its partition', () => {
    it('a member joining takes a partition with its rows and deadlines: counts continue, each deadline fires once, in the new owner, at its original time', async () => {
      const w = await world(kind, 2);
      const k0 = keyOn(0, 2);
      const k1 = keyOn(1, 2);
      const a = w.host();
      await a.start();
      await w.settle(a);
      expect(a.tasks()).toEqual([0, 1]);

      await w.send([
        { key: k0, id: 'x1' },
        { key: k0, id: 'x2', remindInMs: 10_000 },
        { key: k1, id: 'y1' },
        { key: k1, id: 'y2', remindInMs: 12_000 },
      ]);
      await w.settle(a);
      await w.clock.advance(4_000, () => w.settle(a));
      expect(await readAll(w.log, w.topics.reminders)).toEqual([]);

      const b = w.host();
      await b.start();
      await w.settle(a, b);
      expect([...a.tasks(), ...b.tasks()].sort()).toEqual([0, 1]);
      expect(b.tasks()).toHaveLength(1);
      const moved = b.tasks()[0] === 0 ? k0 : k1;
      const stayed = moved === k0 ? k1 : k0;
      const dueOf = (key: string) => START + (key === k0 ? 10_000 : 12_000);
      // the moved key's row left A and arrived in B exactly as committed, deadline included
      expect(a.rows([moved]).get(moved)).toBeNull();
      expect(b.rows([moved]).get(moved)).toEqual({ count: 2, remindAt: dueOf(moved) });
      expect(a.rows([stayed]).get(stayed)).toEqual({ count: 2, remindAt: dueOf(stayed) });

      await w.send([
        { key: moved, id: 'm3' },
        { key: stayed, id: 's3' },
      ]);
      await w.settle(a, b);
      const out = await outputsByKey(w.log, w.topics.output);
      expect(ids(out.get(moved)).map((s) => s.split('=')[1])).toEqual(['1', '2', '3']);
      expect(ids(out.get(stayed)).map((s) => s.split('=')[1])).toEqual(['1', '2', '3']);

      await w.clock.advance(20_000, () => w.settle(a, b));
      const reminders = await readAll(w.log, w.topics.reminders);
      expect(reminders.map((m) => [m.key, JSON.parse(new TextDecoder().decode(m.value))]).sort()).toEqual(
        [
          [k0, { due: dueOf(k0), at: dueOf(k0) }],
          [k1, { due: dueOf(k1), at: dueOf(k1) }],
        ].sort(),
      );
      expect(b.metrics().produced.get(w.topics.reminders)).toBe(1);
      expect(a.metrics().produced.get(w.topics.reminders)).toBe(1);
    });

    it('a partition restored after a restart carries its committed deadline: it fires once at its original time', async () => {
      const w = await world(kind, 1);
      const a = w.host();
      await a.start();
      await w.settle(a);
      await w.send([{ key: 'oven', id: 'p1', remindInMs: 8_000 }]);
      await w.settle(a);
      await w.clock.advance(3_000, () => w.settle(a));
      await a.stop();

      await w.restart();
      await w.clock.advance(1_000);
      const b = w.host();
      await b.start();
      await w.settle(b);
      expect(b.rows(['oven']).get('oven')).toEqual({ count: 1, remindAt: START + 8_000 });
      await w.clock.advance(3_999, () => w.settle(b));
      expect(await readAll(w.log, w.topics.reminders)).toEqual([]);
      await w.clock.advance(10_000, () => w.settle(b));
      const reminders = await readAll(w.log, w.topics.reminders);
      expect(reminders.map((m) => JSON.parse(new TextDecoder().decode(m.value)))).toEqual([{ due: START + 8_000, at: START + 8_000 }]);
      expect(await changelogRows(w.log, w.topics.groupId)).toEqual(new Map([['oven', { count: 1 }]]));
    });
    it('what a batch causes for a key of another partition is committed too, without waiting for idle() (lingerMs 0)', async () => {
      const w = await world(kind, 2);
      const k0 = keyOn(0, 2);
      const k1 = keyOn(1, 2);
      const a = w.host({ batching: { maxMessages: 500, lingerMs: 0 } });
      await a.start();
      await w.settle(a);
      await w.send([{ key: k1, id: 'q1' }]);
      await w.settle(a);
      // an input on partition 0 also changes k1, whose state lives in partition 1
      await w.send([{ key: k0, id: 'q2', also: k1 }]);
      await w.log.capabilities.whenIdle();
      await waitFor(() => a.metrics().pending === 0, {
        timeoutMs: 5_000,
        message: () => `work left uncommitted: ${JSON.stringify(a.metrics())}`,
      });
      const out = await outputsByKey(w.log, w.topics.output);
      expect(ids(out.get(k0))).toEqual(['q2=1']);
      expect(ids(out.get(k1))).toEqual(['q1=1', `q2@${k1}=2`]);
      expect(await changelogRows(w.log, w.topics.groupId)).toEqual(
        new Map([
          [k1, { count: 2 }],
          [k0, { count: 1 }],
        ]),
      );
    });
    it('restores a changelog longer than one read (paging), and only the latest row of each key', async () => {
      const w = await world(kind, 1);
      const a = w.host();
      await a.start();
      await w.settle(a);
      const keys = 6_000;
      for (let from = 0; from < keys; from += 1_000) {
        await w.send(Array.from({ length: 1_000 }, (_, i) => ({ key: `n${from + i}`, id: `n${from + i}` })));
      }
      await w.send([{ key: 'n0', id: 'again' }]);
      await w.settle(a);
      await a.stop();

      await w.restart();
      const b = w.host();
      await b.start();
      await w.settle(b);
      const restored = b.rows(Array.from({ length: keys }, (_, i) => `n${i}`));
      expect([...restored.values()].filter((r) => r === null)).toEqual([]);
      expect(restored.get('n0')).toEqual({ count: 2 });
      expect(restored.get(`n${keys - 1}`)).toEqual({ count: 1 });
      expect((b.inspect() as { keys: number }).keys).toBe(keys);
    });

    it('retention forgets old keys as tombstones on the changelog: a new owner restores none of them', async () => {
      const w = await world(kind, 2);
      const a = w.host({ retentionMs: 60_000 });
      await a.start();
      await w.settle(a);
      await w.send([
        { key: 'old-a', id: 'o1' },
        { key: 'old-b', id: 'o2' },
      ]);
      await w.settle(a);
      await w.clock.advance(40_000, () => w.settle(a));
      await w.send([{ key: 'young', id: 'y1' }]);
      await w.settle(a);
      await w.clock.advance(30_000, () => w.settle(a));
      // old-* began 70 s ago, young 30 s ago
      expect(a.rows(['old-a', 'old-b', 'young'])).toEqual(
        new Map<string, unknown>([
          ['old-a', null],
          ['old-b', null],
          ['young', { count: 1, since: START + 40_000 }],
        ]),
      );
      const tombstones = (await readAll(w.log, `${w.topics.groupId}-changelog`)).filter((m) => m.value.length === 0).map((m) => m.key);
      expect(tombstones.sort()).toEqual(['old-a', 'old-b']);
      await a.stop();

      await w.restart();
      const b = w.host({ retentionMs: 60_000 });
      await b.start();
      await w.settle(b);
      expect(b.rows(['old-a', 'old-b', 'young'])).toEqual(
        new Map<string, unknown>([
          ['old-a', null],
          ['old-b', null],
          ['young', { count: 1, since: START + 40_000 }],
        ]),
      );
      // a forgotten key starts over
      await w.send([{ key: 'old-a', id: 'o3' }]);
      await w.settle(b);
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('old-a'))).toEqual(['o1=1', 'o3=1']);
    });
  });

  describe('fencing', () => {
    it('a zombie (lost its membership, still committing) is fenced by the new owner’s producer: its commit fails with PRODUCER_FENCED and writes nothing', async () => {
      const w = await world(kind, 1);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      // A's transaction stalls in its first send, as on a broker that answers slowly
      const a = w.host({ transport: outageTransport(w.spy, { beforeSend: () => gate }) });
      await a.start();
      await w.settle(a);
      await w.send([{ key: 'k', id: 'z1' }]);
      await w.log.capabilities.whenIdle();
      await waitFor(() => a.metrics().pending === 1, {
        timeoutMs: 5_000,
        message: () => `A never took z1: ${JSON.stringify(a.metrics())}`,
      });

      // A loses its membership without knowing (a long pause); B joins and gets the partition
      w.consumers[0]?.abandon();
      const b = w.host();
      await b.start();
      await w.settle(b);
      expect(b.tasks()).toEqual([0]);
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('k'))).toEqual(['z1=1']);

      release();
      const error = await crashOf(a, w);
      expect(error.code).toBe('PRODUCER_FENCED');
      await w.settle(b);
      expect(a.metrics().transactions).toBe(0);
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('k'))).toEqual(['z1=1']);
      expect(await changelogRows(w.log, w.topics.groupId)).toEqual(new Map([['k', { count: 1 }]]));
      expect((await w.log.committedOffsets(w.topics.groupId, w.topics.input)).get(0)).toBe(1);
    });

    it('a zombie’s timer output is fenced too: a deadline fires once, from the new owner, at its original time', async () => {
      const w = await world(kind, 1);
      const a = w.host({ transport: w.spy });
      await a.start();
      await w.settle(a);
      await w.send([{ key: 'k', id: 'r1', remindInMs: 10_000 }]);
      await w.settle(a);

      w.consumers[0]?.abandon();
      const b = w.host();
      await b.start();
      await w.settle(b);
      expect(b.rows(['k']).get('k')).toEqual({ count: 1, remindAt: START + 10_000 });

      // both hold the deadline; only the owner's reminder can commit
      await w.clock.advance(15_000, () => w.settle(a, b));
      expect((await crashOf(a, w)).code).toBe('PRODUCER_FENCED');
      const reminders = await readAll(w.log, w.topics.reminders);
      expect(reminders.map((m) => JSON.parse(new TextDecoder().decode(m.value)))).toEqual([{ due: START + 10_000, at: START + 10_000 }]);
      expect(b.metrics().produced.get(w.topics.reminders)).toBe(1);
    });
  });

  describe('dead letters', () => {
    it('a malformed message goes to the dead-letter topic in the batch’s transaction, counted, with its exact source; the partition carries on', async () => {
      const w = await world(kind, 2);
      const key = keyOn(1, 2);
      const outage: Outage = { commits: true };
      const a = w.host({ transport: outageTransport(w.log, outage) });
      await a.start();
      await w.settle(a);
      // offsets 0..3 of partition 1: the malformed one is at offset 2
      await w.send([
        { key, id: 'd0', partition: 1 },
        { key, id: 'd1', partition: 1 },
        { key, raw: '{"id": oops', partition: 1 },
        { key, id: 'd3', partition: 1 },
      ]);
      // the batch's commit fails: its dead letter is not visible either (same transaction)
      await crashOf(a, w);
      expect(a.metrics().deadLettered).toBe(1);
      expect(await readAll(w.log, w.topics.deadLetters)).toEqual([]);
      expect(await readAll(w.log, w.topics.output)).toEqual([]);
      await a.stop();

      outage.commits = false;
      const b = w.host();
      crashes(b);
      await b.start();
      await w.settle(b);
      const dead = await readAll(w.log, w.topics.deadLetters);
      expect(dead).toHaveLength(1);
      expect(dead[0]?.key).toBe(key);
      expect(new TextDecoder().decode(dead[0]?.value)).toBe('{"id": oops');
      expect(dead[0]?.headers).toEqual({
        [DEAD_LETTER_HEADERS.reason]: 'value is not JSON',
        [DEAD_LETTER_HEADERS.topic]: w.topics.input,
        [DEAD_LETTER_HEADERS.partition]: '1',
        [DEAD_LETTER_HEADERS.offset]: '2',
        [DEAD_LETTER_HEADERS.actor]: 'counter',
        [DEAD_LETTER_HEADERS.at]: String(START),
      });
      expect(b.metrics().deadLettered).toBe(1);
      expect(b.metrics().produced.get(w.topics.deadLetters)).toBe(1);
      expect(b.metrics().received.get(w.topics.input)).toBe(4);

      await w.send([{ key, id: 'd4', partition: 1 }]);
      await w.settle(b);
      expect(ids((await outputsByKey(w.log, w.topics.output)).get(key))).toEqual(['d0=1', 'd1=2', 'd3=3', 'd4=4']);
      expect((await w.log.committedOffsets(w.topics.groupId, w.topics.input)).get(1)).toBe(5);
      expect(crashes(b)(), 'the partition carries on: B never crashed').toBeUndefined();
    });
  });

  describe('tracing', () => {
    it('an output keeps its input’s trace with a new span, and so does what a timer produces later', async () => {
      const w = await world(kind, 1);
      const a = w.host();
      await a.start();
      await w.settle(a);
      const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      await w.log
        .producer()
        .send(w.topics.input, [{ key: 'k', value: JSON.stringify({ id: 't1', remindInMs: 1_000 }), headers: { traceparent: parent } }]);
      await w.settle(a);
      await w.clock.advance(1_000, () => w.settle(a));
      const [output] = await readAll(w.log, w.topics.output);
      const [reminder] = await readAll(w.log, w.topics.reminders);
      for (const m of [output, reminder]) {
        const tp = m?.headers.traceparent ?? '';
        expect(tp).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
        expect(tp).not.toBe(parent);
      }
      expect(output?.headers.traceparent).not.toBe(reminder?.headers.traceparent);
    });
  });

  describe('batching', () => {
    it('with maxMessages N and a long linger, N one-message batches make one transaction; what is left commits on idle()', async () => {
      const w = await world(kind, 1);
      const a = w.host({ batching: { maxMessages: 10, lingerMs: 60_000 } });
      await a.start();
      await w.settle(a);
      for (let i = 0; i < 105; i++) {
        await w.send([{ key: `k${i % 7}`, id: `i${i}` }]);
        await w.log.capabilities.whenIdle();
      }
      expect(a.metrics().received.get(w.topics.input)).toBe(105);
      expect(a.metrics().transactions).toBe(10);
      expect(a.metrics().pending).toBe(5);
      // the last 5 are not committed: not visible, offset not moved
      expect(await readAll(w.log, w.topics.output)).toHaveLength(100);
      expect((await w.log.committedOffsets(w.topics.groupId, w.topics.input)).get(0)).toBe(100);

      await a.idle();
      expect(a.metrics().transactions).toBe(11);
      expect(a.metrics().pending).toBe(0);
      const out = await readAll(w.log, w.topics.output);
      expect(new Set(out.map((m) => JSON.parse(new TextDecoder().decode(m.value)).id)).size).toBe(105);
      expect((await w.log.committedOffsets(w.topics.groupId, w.topics.input)).get(0)).toBe(105);
    });

    it('stop() commits what lingers before leaving; the next owner takes over without repeating it', async () => {
      const w = await world(kind, 1);
      const a = w.host({ batching: { maxMessages: 1_000, lingerMs: 60_000 } });
      await a.start();
      await w.settle(a);
      await w.send([
        { key: 'k', id: 'g1' },
        { key: 'k', id: 'g2' },
      ]);
      await w.log.capabilities.whenIdle();
      expect(a.metrics().pending).toBe(2);
      await a.stop();
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('k'))).toEqual(['g1=1', 'g2=2']);

      const b = w.host();
      await b.start();
      await w.send([{ key: 'k', id: 'g3' }]);
      await w.settle(b);
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('k'))).toEqual(['g1=1', 'g2=2', 'g3=3']);
    });

    it('with no linger every batch commits; a burst fetched at once is one transaction', async () => {
      const w = await world(kind, 1);
      const a = w.host({ batching: { maxMessages: 10, lingerMs: 0 } });
      await a.start();
      await w.settle(a);
      for (let i = 0; i < 5; i++) {
        await w.send([{ key: 'k', id: `s${i}` }]);
        await w.settle(a);
      }
      expect(a.metrics().transactions).toBe(5);
      await w.send(Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 13}`, id: `b${i}` })));
      await w.settle(a);
      expect(a.metrics().transactions).toBe(6);
      expect(await readAll(w.log, w.topics.output)).toHaveLength(205);
    });

    it('a linger groups batches arriving within it into one transaction, committed by the linger itself', async () => {
      const w = await world(kind, 1);
      const lingerMs = 1_500;
      const a = w.host({ batching: { maxMessages: 1_000, lingerMs } });
      await a.start();
      await w.settle(a);
      const firstAt = Date.now();
      for (let i = 0; i < 5; i++) {
        await w.send([{ key: 'k', id: `l${i}` }]);
        await w.log.capabilities.whenIdle();
      }
      expect(a.metrics().received.get(w.topics.input)).toBe(5);
      expect(a.metrics().transactions).toBe(0);
      expect(await readAll(w.log, w.topics.output)).toEqual([]);

      // no idle(): the linger timer (real time) commits
      await waitFor(() => a.metrics().transactions > 0, {
        timeoutMs: 10_000,
        message: () => `no commit after the linger: ${JSON.stringify(a.metrics())}`,
      });
      const committedAfter = Date.now() - firstAt;
      expect(committedAfter).toBeGreaterThanOrEqual(lingerMs - 50);
      await w.log.capabilities.whenIdle();
      expect(a.metrics().transactions).toBe(1);
      expect(ids((await outputsByKey(w.log, w.topics.output)).get('k'))).toEqual(['l0=1', 'l1=2', 'l2=3', 'l3=4', 'l4=5']);
    });
  });
});
