import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eachMessage } from '../../src/transport/eachMessage.ts';
import { createKafkaTransport, type KafkaTransport } from '../../src/transport/kafkaTransport.ts';
import { murmur2, partitionForKey } from '../../src/transport/partitioner.ts';
import type { DeliveredMessage } from '../../src/transport/transport.ts';
import { compilePartitionCheck, javaPartitions } from '../../tools/java/javaPartitionCheck.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { waitFor } from '../support/waitFor.ts';

// Wire compatibility with Kafka's own Java client (same Maven download as the broker): a key must
// land on the partition the Java producer would pick, or a Java/Python service and ours would
// split one order's events over two partitions.

/** Order ids as the shop makes them (8 lowercase hex), from a fixed seed so failures reproduce. */
const orderIds = Array.from({ length: 40 }, (_, i) => createHash('md5').update(`order-${i}`).digest('hex').slice(0, 8));

const KEYS = [
  'a',
  'b',
  'abc',
  '21',
  'order-1',
  '',
  'héllo',
  'Zoë',
  'ça-va',
  '日本',
  '日本語のキー',
  '😀',
  'pizza-🍕-margherita',
  'a'.repeat(257),
  '0123456789abcdef0123456789abcdef',
  ...orderIds,
];

const broker = await findKafkaBroker();

describe.skipIf(!broker.available)("partitions agree with Kafka's Java client", () => {
  beforeAll(async () => {
    await compilePartitionCheck(); // javac once per source version; cached next to the jars
  }, 180_000);

  it('Java murmur2 and partition equal ours for ASCII, non-ASCII, emoji and order-id keys', async () => {
    const counts = [1, 3, 6, 12, 50];
    const java = await javaPartitions(KEYS, counts);
    const ours = KEYS.map((key) => counts.map((partitions) => ({ murmur2: murmur2(key), partition: partitionForKey(key, partitions) })));
    expect(ours).toEqual(java);
  }, 60_000);

  it("Kafka's published vectors hold on the Java side too", async () => {
    const [v21, vAbc] = await javaPartitions(['21', 'abc'], [6]);
    expect(v21?.[0]?.murmur2).toBe(-973932308);
    expect(vAbc?.[0]?.murmur2).toBe(479470107);
  }, 60_000);

  describe('end to end through the broker', () => {
    let transport: KafkaTransport;
    beforeAll(() => {
      transport = createKafkaTransport({ kafka: broker.config });
    });
    afterAll(async () => {
      await transport.close();
    });

    it("every message we produce lands on the Java client's partition for its key", async () => {
      const topic = `java-partition-${randomBytes(4).toString('hex')}`;
      await transport.ensureTopics([{ topic, partitions: 6, replicationFactor: 1 }]);
      const java = (await javaPartitions(KEYS, [6])).map(([six]) => six as { partition: number });
      const metas = await transport.producer().send(
        topic,
        KEYS.map((key, i) => ({ key, value: String(i) })),
      );
      expect(metas.map((m) => m.partition)).toEqual(java.map((j) => j.partition));

      // What the broker itself says: per-partition end offsets, and the partition each fetched record came from.
      const ends = await transport.endOffsets(topic);
      for (let p = 0; p < 6; p++) expect(ends.get(p), `end offset of partition ${p}`).toBe(java.filter((j) => j.partition === p).length);
      const seen: DeliveredMessage[] = [];
      const consumer = transport.consumer({ groupId: `java-partition-check-${randomBytes(4).toString('hex')}`, topics: [topic] });
      await consumer.run(
        eachMessage(async (m) => {
          seen.push(m);
        }),
      );
      await waitFor(() => seen.length === KEYS.length, { message: () => `expected ${KEYS.length} messages back, got ${seen.length}` });
      for (const m of seen) {
        const index = Number(new TextDecoder().decode(m.value));
        expect(m.key).toBe(KEYS[index]);
        expect(m.partition, `key ${JSON.stringify(m.key)}`).toBe(java[index]?.partition);
      }
      await consumer.close();
    }, 60_000);
  });
});
