import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import type { ActorHost } from '../../src/runtime/host/createActorHost.ts';
import { createKafkaTransport, type KafkaTransport } from '../../src/transport/kafkaTransport.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { type Outage, outageTransport } from '../support/outageTransport.ts';
import { waitFor } from '../support/waitFor.ts';
import {
  changelogRows,
  counterHost,
  counterTopics,
  ensureCounterTopics,
  json,
  keyOn,
  outputsByKey,
  readAll,
} from './fixtures/counterActor.ts';

/**
 * The actor host's exactly-once promises on a real Kafka broker (transactions with sendOffsets,
 * read_committed readers, fencing by transactional id), with the counter actor of
 * actorHost.test.ts. Each "process" is its own Kafka transport (its own clients). Waits on the
 * broker are bounded polls on the group's committed offsets; the hosts' time is a VirtualClock.
 */

const broker = await findKafkaBroker();

const ids = (list: { id: string; count: number }[] | undefined) => (list ?? []).map((o) => `${o.id}=${o.count}`);

describe.skipIf(!broker.available)(`actor host on Kafka at ${broker.bootstrap}`, () => {
  const transports: KafkaTransport[] = [];
  const hosts: ActorHost[] = [];
  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.stop().catch(() => undefined);
    await Promise.allSettled(transports.splice(0).map((t) => t.close()));
  });

  /** One "process": its own clients to the broker. */
  const transport = () => {
    const t = createKafkaTransport({ kafka: broker.config, onError: () => undefined });
    transports.push(t);
    return t;
  };

  async function setup(partitions = 1) {
    const topics = counterTopics(`-${randomBytes(4).toString('hex')}`);
    const clock = new VirtualClock(Date.now());
    const admin = transport();
    await ensureCounterTopics(admin, topics, partitions);
    const host = (t: Transport) => {
      const h = counterHost({ transport: t, clock, topics, partitions });
      hosts.push(h);
      return h;
    };
    const send = (inputs: { key: string; id: string; remindInMs?: number }[]) =>
      admin.producer().send(
        topics.input,
        inputs.map((i) => ({ key: i.key, value: JSON.stringify({ id: i.id, remindInMs: i.remindInMs }) })),
      );
    /** the group's committed offsets of the input, summed over partitions */
    const committed = async () => [...(await admin.committedOffsets(topics.groupId, topics.input)).values()].reduce((a, b) => a + b, 0);
    const waitCommitted = (n: number, what: string) =>
      waitFor(async () => (await committed()) >= n, { timeoutMs: 40_000, message: () => `${what}: the group never committed offset ${n}` });
    return { topics, clock, admin, host, send, committed, waitCommitted };
  }

  const crashOf = async (host: ActorHost) => {
    let error: (Error & { code?: string }) | undefined;
    void host.crashed.then((e) => {
      error = e;
    });
    await waitFor(() => error !== undefined, { timeoutMs: 30_000, message: 'the host did not crash' });
    return error as Error & { code?: string };
  };

  const assigned = (h: ActorHost, what: string, n = 1) =>
    waitFor(() => h.tasks().length === n, { timeoutMs: 40_000, message: () => `${what} never owned ${n} partitions (owns ${h.tasks()})` });

  it('a failed commit crashes the host and shows nothing of its batch; a fresh process restores the committed count and produces each output once', async () => {
    const w = await setup();
    const outage: Outage = {};
    const a = w.host(outageTransport(transport(), outage));
    await a.start();
    await assigned(a, 'A');
    await w.send([
      { key: 'k', id: 'a1' },
      { key: 'k', id: 'a2' },
    ]);
    await w.waitCommitted(2, 'A');

    outage.commits = true;
    await w.send([
      { key: 'k', id: 'a3' },
      { key: 'k', id: 'a4' },
    ]);
    expect((await crashOf(a)).code).toBe('COMMIT_FAILED');
    await a.stop();
    expect(await w.committed()).toBe(2);
    expect(ids((await outputsByKey(w.admin, w.topics.output)).get('k'))).toEqual(['a1=1', 'a2=2']);
    expect(await changelogRows(w.admin, w.topics.groupId)).toEqual(new Map([['k', { count: 2 }]]));

    const b = w.host(transport());
    await b.start();
    await w.waitCommitted(4, 'B');
    await b.idle();
    expect(ids((await outputsByKey(w.admin, w.topics.output)).get('k'))).toEqual(['a1=1', 'a2=2', 'a3=3', 'a4=4']);
    expect(await changelogRows(w.admin, w.topics.groupId)).toEqual(new Map([['k', { count: 4 }]]));
  }, 120_000);

  it('state and a deadline follow the partition to another process: the count continues and the deadline fires once at its original time', async () => {
    const w = await setup();
    const t0 = w.clock.now();
    const a = w.host(transport());
    await a.start();
    await assigned(a, 'A');
    await w.send([
      { key: 'oven', id: 'p1' },
      { key: 'oven', id: 'p2', remindInMs: 10_000 },
    ]);
    await w.waitCommitted(2, 'A');
    await a.stop();

    await w.clock.advance(4_000);
    const b = w.host(transport());
    await b.start();
    await assigned(b, 'B');
    await waitFor(() => b.rows(['oven']).get('oven') !== null, { timeoutMs: 30_000, message: 'B never restored the row of oven' });
    expect(b.rows(['oven']).get('oven')).toEqual({ count: 2, remindAt: t0 + 10_000 });

    await w.clock.advance(10_000);
    await waitFor(() => (b.metrics().produced.get(w.topics.reminders) ?? 0) > 0, { timeoutMs: 10_000, message: 'no reminder from B' });
    await b.idle();
    await w.send([{ key: 'oven', id: 'p3' }]);
    await w.waitCommitted(3, 'B');
    await b.idle();
    expect((await readAll(w.admin, w.topics.reminders)).map(json)).toEqual([{ due: t0 + 10_000, at: t0 + 10_000 }]);
    expect(ids((await outputsByKey(w.admin, w.topics.output)).get('oven'))).toEqual(['p1=1', 'p2=2', 'p3=3']);
  }, 120_000);

  it('a member joining takes a partition with its rows and deadlines (eager rebalance): counts continue, each deadline fires once at its original time', async () => {
    const w = await setup(2);
    const t0 = w.clock.now();
    const k0 = keyOn(0, 2);
    const k1 = keyOn(1, 2);
    const dueOf = (key: string) => t0 + (key === k0 ? 10_000 : 12_000);
    const a = w.host(transport());
    await a.start();
    await assigned(a, 'A', 2);
    await w.send([
      { key: k0, id: 'x1' },
      { key: k0, id: 'x2', remindInMs: 10_000 },
      { key: k1, id: 'y1' },
      { key: k1, id: 'y2', remindInMs: 12_000 },
    ]);
    await w.waitCommitted(4, 'A');

    const b = w.host(transport());
    await b.start();
    await waitFor(() => a.tasks().length === 1 && b.tasks().length === 1, {
      timeoutMs: 40_000,
      message: () => `the partitions were not split: A owns ${a.tasks()}, B owns ${b.tasks()}`,
    });
    const moved = b.tasks()[0] === 0 ? k0 : k1;
    const stayed = moved === k0 ? k1 : k0;
    await waitFor(() => b.rows([moved]).get(moved) !== null, { timeoutMs: 30_000, message: `B never restored ${moved}` });
    expect(b.rows([moved]).get(moved)).toEqual({ count: 2, remindAt: dueOf(moved) });
    expect(a.rows([moved]).get(moved)).toBeNull();

    await w.send([
      { key: moved, id: 'm3' },
      { key: stayed, id: 's3' },
    ]);
    await w.waitCommitted(6, 'A and B');
    await w.clock.advance(20_000);
    const reminded = () => (a.metrics().produced.get(w.topics.reminders) ?? 0) + (b.metrics().produced.get(w.topics.reminders) ?? 0);
    await waitFor(() => reminded() >= 2, { timeoutMs: 10_000, message: () => `${reminded()} reminders produced` });
    await Promise.all([a.idle(), b.idle()]);
    const reminders = (await readAll(w.admin, w.topics.reminders)).map((m) => [m.key, json(m)]);
    expect(reminders.sort()).toEqual(
      [
        [k0, { due: dueOf(k0), at: dueOf(k0) }],
        [k1, { due: dueOf(k1), at: dueOf(k1) }],
      ].sort(),
    );
    const out = await outputsByKey(w.admin, w.topics.output);
    expect(ids(out.get(moved)).map((s) => s.split('=')[1])).toEqual(['1', '2', '3']);
    expect(ids(out.get(stayed)).map((s) => s.split('=')[1])).toEqual(['1', '2', '3']);
  }, 120_000);

  it('fencing: a producer opened with the same transactional id in another process makes the older host’s commit fail with PRODUCER_FENCED, writing nothing', async () => {
    const w = await setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const a = w.host(outageTransport(transport(), { beforeSend: () => gate }));
    await a.start();
    await assigned(a, 'A');
    await w.send([{ key: 'k', id: 'z1' }]);
    await waitFor(() => a.metrics().pending === 1, { timeoutMs: 30_000, message: 'A never took z1' });

    // what the next owner's host does on assignment: open the task's producer
    const other = transport();
    const fencer = await other.transactionalProducer(`${w.topics.groupId}-0`);
    release();
    expect((await crashOf(a)).code).toBe('PRODUCER_FENCED');
    await a.stop();
    await fencer.close();
    expect(await w.committed()).toBe(0);
    expect(await readAll(w.admin, w.topics.output)).toEqual([]);

    const b = w.host(other);
    await b.start();
    await w.waitCommitted(1, 'B');
    await b.idle();
    expect(ids((await outputsByKey(w.admin, w.topics.output)).get('k'))).toEqual(['z1=1']);
  }, 120_000);
});
