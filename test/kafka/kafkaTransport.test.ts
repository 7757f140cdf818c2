import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ShopError } from '../../src/errors.ts';
import { createLogger, type LogLine } from '../../src/log/logger.ts';
import { eachMessage } from '../../src/transport/eachMessage.ts';
import { createKafkaTransport, type KafkaTransport, type KafkaTransportOptions } from '../../src/transport/kafkaTransport.ts';
import type { Consumer, DeliveredMessage } from '../../src/transport/transport.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { waitFor } from '../support/waitFor.ts';

// What the Kafka transport does beyond the shared contract (test/contract/kafka.contract.test.ts).

const unique = (what: string) => `kafka-${what}-${randomBytes(4).toString('hex')}`;

describe('Kafka transport configuration', () => {
  it('refuses an unsupported INI property up front, naming the file and the property', () => {
    expect(() =>
      createKafkaTransport({
        kafka: { file: 'config_sys/kafka/odd.ini', properties: { 'bootstrap.servers': '127.0.0.1:9092', 'linger.ms': '5' } },
      }),
    ).toThrow(/config_sys\/kafka\/odd\.ini: \[kafka\] linger\.ms: unsupported Kafka client property/);
  });
});

const broker = await findKafkaBroker();

describe.skipIf(!broker.available)(`Kafka transport at ${broker.bootstrap}`, () => {
  const open: KafkaTransport[] = [];
  const consumers: Consumer[] = [];
  const transport = (extra: Partial<KafkaTransportOptions> = {}) => {
    const t = createKafkaTransport({ kafka: broker.config, ...extra });
    open.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.allSettled(consumers.splice(0).map((c) => c.close()));
    await Promise.allSettled(open.splice(0).map((t) => t.close()));
  });

  it('a handler that throws stops its member without committing; the uncommitted messages go to the next member', async () => {
    const errors: string[] = [];
    const t = transport({ onError: (_error, context) => errors.push(context) });
    const topic = unique('throw');
    const groupId = unique('g');
    await t.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
    await t.producer().send(topic, [
      { key: 'k', value: 'fine' },
      { key: 'k', value: 'poison' },
      { key: 'k', value: 'after' },
    ]);

    const seenByA: string[] = [];
    const a = t.consumer({ groupId, topics: [topic] });
    consumers.push(a);
    await a.run(
      eachMessage(async (m) => {
        const text = new TextDecoder().decode(m.value);
        seenByA.push(text);
        if (text === 'poison') throw new Error('cannot handle poison');
        await a.commit([{ topic, partition: m.partition, offset: m.offset + 1 }]);
      }),
    );
    await waitFor(() => errors.length > 0, { message: () => `the throwing handler was not reported (seen ${seenByA})` });
    expect(seenByA).toEqual(['fine', 'poison']);
    // the batch fetched held all three; the one that threw and the one after it were not committed
    expect(errors[0]).toContain(`${topic}[0]@0..2; the member stops`);
    expect(a.assignment()).toEqual([]);
    await expect(a.commit([{ topic, partition: 0, offset: 2 }])).rejects.toMatchObject({ code: 'NOT_A_MEMBER' });
    expect(await t.committedOffsets(groupId, topic)).toEqual(new Map([[0, 1]]));

    const seenByB: DeliveredMessage[] = [];
    const b = t.consumer({ groupId, topics: [topic] });
    consumers.push(b);
    await b.run(
      eachMessage(async (m) => {
        seenByB.push(m);
      }),
    );
    await waitFor(() => seenByB.length === 2, { message: () => `expected poison and after again, saw ${seenByB.length}` });
    expect(seenByB.map((m) => [m.offset, new TextDecoder().decode(m.value)])).toEqual([
      [1, 'poison'],
      [2, 'after'],
    ]);
  }, 60_000);

  it('producing to or consuming a topic that does not exist is UNKNOWN_TOPIC, at once', async () => {
    const t = transport();
    const topic = unique('missing');
    await expect(t.producer().send(topic, [{ key: 'k', value: 'v' }])).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
    const c = t.consumer({ groupId: unique('g'), topics: [topic] });
    await expect(c.run(eachMessage(async () => {}))).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
    await expect(t.partitions(topic)).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
  }, 30_000);

  it('a replication factor above the broker count is refused with a hint for a single local broker', async () => {
    const t = transport();
    const error = await t.ensureTopics([{ topic: unique('rf'), partitions: 1, replicationFactor: 3 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopError);
    expect((error as ShopError).code).toBe('KAFKA_TOPIC_CREATE_FAILED');
    expect((error as ShopError).message).toContain('replication_factor = 1');
  }, 30_000);

  it('a bad message rejects the whole batch before anything is sent', async () => {
    const t = transport();
    const topic = unique('batch');
    await t.ensureTopics([{ topic, partitions: 2, replicationFactor: 1 }]);
    const bad = [
      { key: 'k', value: 'ok' },
      { key: 'k', value: 42 as unknown as string },
    ];
    await expect(t.producer().send(topic, bad)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect([...(await t.endOffsets(topic)).values()]).toEqual([0, 0]);
  }, 30_000);

  it("kafkajs's own logging is off by default, and goes to the shop logger when asked", async () => {
    const printed = vi.spyOn(console, 'log');
    const t = transport();
    const topic = unique('quiet');
    await t.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
    await t.producer().send(topic, [{ key: 'k', value: 'v' }]);
    expect(printed).not.toHaveBeenCalled();
    printed.mockRestore();

    const lines: LogLine[] = [];
    const logger = createLogger({ actor: 'test', format: 'silent', sinks: [(line) => lines.push(line)] });
    const loud = transport({ logger, logLevel: 'info' });
    const c = loud.consumer({ groupId: unique('g'), topics: [topic] });
    consumers.push(c);
    await c.run(eachMessage(async () => {}));
    // kafkajs reports the group join at INFO
    await waitFor(() => lines.some((l) => l.actor === 'kafka' && l.level === 'info' && l.msg.includes('joined the group')), {
      message: () => `no kafkajs line in the shop logger: ${JSON.stringify(lines.slice(0, 5))}`,
    });
  }, 30_000);
});
