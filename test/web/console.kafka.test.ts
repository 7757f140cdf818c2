import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaTransport, type KafkaTransport } from '../../src/transport/kafkaTransport.ts';
import { partitionForKey } from '../../src/transport/partitioner.ts';
import type { Consumer } from '../../src/transport/transport.ts';
import { browseMessages } from '../../src/web/console/browseMessages.ts';
import { groupReport } from '../../src/web/console/consumerGroups.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { waitFor } from '../support/waitFor.ts';

// The console's message browser and group report on a real Kafka broker: what the embedded log
// shows in test/web/console.test.ts, Kafka must show too (members through describeGroups, reads
// across transaction markers).

const broker = await findKafkaBroker();
const unique = (what: string) => `console-${what}-${randomBytes(4).toString('hex')}`;
/** A key that lands on `partition` of 2: the test needs messages on both. */
const keyOn = (partition: number) => {
  for (let i = 0; ; i++) if (partitionForKey(`k${i}`, 2) === partition) return `k${i}`;
};
const K0 = keyOn(0);
const K1 = keyOn(1);

describe.skipIf(!broker.available)(`console on Kafka at ${broker.bootstrap}`, () => {
  let t: KafkaTransport;
  let consumer: Consumer | undefined;
  const topic = unique('t');
  const groupId = unique('g');
  beforeAll(async () => {
    t = createKafkaTransport({ kafka: broker.config });
    await t.ensureTopics([{ topic, partitions: 2, replicationFactor: 1 }]);
    // plain sends, then a committed transaction (its marker takes an offset), then an aborted one
    await t.producer().send(
      topic,
      [0, 1, 2, 3].map((n) => ({ key: n % 2 === 0 ? K0 : K1, value: JSON.stringify({ n }), headers: { seq: String(n) } })),
    );
    const p = await t.transactionalProducer(unique('tx'));
    const committed = await p.transaction();
    await committed.send(topic, [{ key: K0, value: JSON.stringify({ n: 4 }), headers: { seq: '4' } }]);
    await committed.commit();
    const aborted = await p.transaction();
    await aborted.send(topic, [{ key: K0, value: JSON.stringify({ n: 99 }), headers: { seq: '99' } }]);
    await aborted.abort();
    await p.close();
    await t.producer().send(topic, [{ key: K0, value: 'plain text', headers: { seq: '5' } }]);
  }, 60_000);
  afterAll(async () => {
    await consumer?.close();
    await t?.close();
  });

  it('browses newest first and oldest first across transaction markers, never showing aborted messages', async () => {
    const newest = await browseMessages(t, { topic, newestFirst: true, limit: 50 });
    const seqs = newest.messages.map((m) => m.headers.seq);
    expect([...(seqs as string[])].sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(newest.messages[0]).toMatchObject({ encoding: 'text', value: 'plain text', key: K0 });
    const byKey = await browseMessages(t, { topic, key: K0, newestFirst: false, limit: 50 });
    expect(byKey.messages.map((m) => m.headers.seq)).toEqual(['0', '2', '4', '5']);
    const text = await browseMessages(t, { topic, text: '"n":3', newestFirst: true, limit: 50 });
    expect(text.messages.map((m) => m.headers.seq)).toEqual(['3']);
    const two = await browseMessages(t, { topic, key: K0, newestFirst: true, limit: 2 });
    expect(two.messages.map((m) => m.headers.seq)).toEqual(['5', '4']);
  }, 60_000);

  it('tails from a cursor: only what arrived after it', async () => {
    const first = await browseMessages(t, { topic, newestFirst: true, limit: 1 });
    await t.producer().send(topic, [{ key: K1, value: '{"n":6}', headers: { seq: '6' } }]);
    const since = new Map(Object.entries(first.cursor).map(([p, o]) => [Number(p), o]));
    const tail = await browseMessages(t, { topic, newestFirst: true, limit: 50, since });
    expect(tail.messages.map((m) => m.headers.seq)).toEqual(['6']);
  }, 60_000);

  it('reports the group: its member and assignment from describeGroups, committed and end offsets, lag', async () => {
    // plain messages only: a transaction's marker at the end of a partition would count as lag
    const plain = unique('plain');
    await t.ensureTopics([{ topic: plain, partitions: 2, replicationFactor: 1 }]);
    await t.producer().send(
      plain,
      [K0, K0, K0, K1, K1].map((key, n) => ({ key, value: JSON.stringify({ n }) })),
    );
    const c = t.consumer({ groupId, clientId: 'console-test', topics: [plain] });
    consumer = c;
    const seen: number[] = [];
    // commit only partition 0's messages: partition 1 keeps its lag
    await c.run(async (batch) => {
      seen.push(...batch.messages.map((m) => m.offset));
      if (batch.partition === 0) {
        const last = batch.messages.at(-1);
        if (last) await c.commit([{ topic: plain, partition: 0, offset: last.offset + 1 }]);
      }
    });
    await waitFor(async () => (await t.committedOffsets(groupId, plain)).get(0) === 3, {
      message: () => `the consumer to commit partition 0 (seen ${JSON.stringify(seen)}, assignment ${JSON.stringify(c.assignment())})`,
    });
    const report = await groupReport(t, { groupId, actor: 'test', topics: [plain] });
    expect(report.state).toBe('Stable');
    expect(report.members).toHaveLength(1);
    expect(report.members[0]?.clientId).toBe('console-test');
    // the process it runs in (from its JoinGroup metadata) and the address the broker sees
    expect(report.members[0]?.host).toMatch(new RegExp(`^\\S+ pid ${process.pid} \\(/?127\\.0\\.0\\.1\\)$`));
    expect(report.members[0]?.assignment.map((tp) => tp.partition).sort()).toEqual([0, 1]);
    const [p0, p1] = report.partitions;
    expect(p0).toMatchObject({ partition: 0, committed: 3, end: 3, lag: 0, memberId: report.members[0]?.memberId });
    expect(p1).toMatchObject({ partition: 1, committed: null, end: 2, lag: 2 });
    expect(report.lag).toBe(2);
    expect(await t.capabilities.describeGroup(unique('never'))).toBeUndefined();
  }, 60_000);
});
