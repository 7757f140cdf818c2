import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaTransport } from '../../src/transport/kafkaTransport.ts';
import { MAX_TIMESTAMP_LEAD_MS } from '../../src/transport/kafka/kafkaMessages.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';

// A sped-up or stepped shop clock (clock control) can run ahead of real time, and actors stamp
// records with shop time. Kafka 4 refuses a record stamped more than
// log.message.timestamp.after.max.ms (default 1 h) ahead of the broker's clock: the transport
// holds record timestamps at most MAX_TIMESTAMP_LEAD_MS ahead of its wall clock.

const broker = await findKafkaBroker();

describe.skipIf(!broker.available)('record timestamps ahead of real time, on Kafka', () => {
  const transport = broker.available ? createKafkaTransport({ kafka: broker.config }) : undefined;
  afterAll(() => transport?.close());

  it('a record stamped two hours ahead is stored (stamped at the limit); one in the past keeps its time', async () => {
    if (!transport) throw new Error('unreachable');
    const topic = `pizza-test-timestamps-${randomBytes(4).toString('hex')}`;
    await transport.ensureTopics([{ topic, partitions: 1, replicationFactor: 1 }]);
    const before = Date.now();
    const ahead = before + 2 * 3_600_000;
    const past = before - 3_600_000;
    await transport.producer().send(topic, [
      { key: 'a', value: '{}', timestamp: ahead },
      { key: 'b', value: '{}', timestamp: past },
    ]);
    const after = Date.now();
    const [a, b] = await transport.read(topic, 0, 0);
    expect(a?.timestamp).toBeGreaterThanOrEqual(before + MAX_TIMESTAMP_LEAD_MS);
    expect(a?.timestamp).toBeLessThanOrEqual(after + MAX_TIMESTAMP_LEAD_MS);
    expect(b?.timestamp).toBe(past);
  }, 60_000);
});
