import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createKafkaTransport, type KafkaTransport } from '../../src/transport/kafkaTransport.ts';
import type { Consumer, MessageBatch, TopicPartition, TransactionalProducer } from '../../src/transport/transport.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { waitFor } from '../support/waitFor.ts';

// DESIGN-NOTES 13: a member that stalls past its session loses its partitions; when it wakes up,
// its transaction must not land. Fencing comes from the transactional id (one per input partition,
// opened by whoever owns the partition), since kafkajs's sendOffsets carries no group generation.

const unique = (what: string) => `kafka-zombie-${what}-${randomBytes(4).toString('hex')}`;
const decoder = new TextDecoder();

const broker = await findKafkaBroker();

describe.skipIf(!broker.available)(`zombie fencing on Kafka at ${broker.bootstrap}`, () => {
  const open: KafkaTransport[] = [];
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((t) => t.close()));
  });

  /**
   * A member that copies each input batch to `output` exactly once: per batch, one transaction with
   * the copies and the input offsets, from the producer of that input partition's transactional id
   * (opened on assignment, which fences whoever had the partition before).
   */
  const copier = async (name: string, input: string, output: string, groupId: string, beforeCommit?: () => Promise<void>) => {
    const transport = createKafkaTransport({ kafka: broker.config, onError: () => {} });
    open.push(transport);
    const producers = new Map<number, TransactionalProducer>();
    const outcomes: string[] = [];
    const consumer: Consumer = transport.consumer({ groupId, topics: [input], clientId: unique(name) });
    await consumer.run(
      async (batch: MessageBatch) => {
        const producer = producers.get(batch.partition);
        if (!producer) throw new Error(`${name} has no producer for ${batch.topic}[${batch.partition}]`);
        const tx = await producer.transaction();
        await tx.send(
          output,
          batch.messages.map((m) => ({ key: m.key, value: `${name}:${decoder.decode(m.value)}` })),
        );
        await tx.sendOffsets(groupId, [
          { topic: batch.topic, partition: batch.partition, offset: (batch.messages.at(-1)?.offset ?? 0) + 1 },
        ]);
        await beforeCommit?.();
        try {
          await tx.commit();
          outcomes.push('committed');
        } catch (error) {
          outcomes.push((error as { code?: string }).code ?? String(error));
          throw error; // the zombie stops, as its host would
        }
      },
      {
        onAssigned: async (tps: TopicPartition[]) => {
          for (const tp of tps) {
            if (!producers.has(tp.partition))
              producers.set(tp.partition, await transport.transactionalProducer(`${groupId}-${tp.topic}-${tp.partition}`));
          }
        },
      },
    );
    return { consumer, outcomes };
  };

  it('a member stalled past its session cannot commit once the partition moved: nothing is written twice', async () => {
    const setup = createKafkaTransport({ kafka: broker.config });
    open.push(setup);
    const input = unique('in');
    const output = unique('out');
    const groupId = unique('g');
    await setup.ensureTopics([
      { topic: input, partitions: 1, replicationFactor: 1 },
      { topic: output, partitions: 1, replicationFactor: 1 },
    ]);

    let stalled = false;
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    // The first member stalls inside its first transaction (a GC pause, a lost network): no
    // heartbeats while its handler runs, so its session (6 s) expires.
    const zombie = await copier('zombie', input, output, groupId, async () => {
      stalled = true;
      await woken;
    });
    await waitFor(() => zombie.consumer.assignment().length === 1, { message: 'the first member never got the partition' });
    await setup.producer().send(
      input,
      Array.from({ length: 5 }, (_, i) => ({ key: 'k', value: `m${i}` })),
    );
    await waitFor(() => stalled, { message: 'the first member never reached its commit' });

    const successor = await copier('successor', input, output, groupId);
    await waitFor(() => successor.outcomes.includes('committed'), {
      timeoutMs: 60_000,
      message: () => `the second member never took over and committed: ${JSON.stringify(successor.outcomes)}`,
    });
    wake();
    await waitFor(() => zombie.outcomes.length === 1, { message: 'the stalled member never finished its commit' });
    expect(zombie.outcomes).toEqual(['PRODUCER_FENCED']);

    // A read_committed reader of the output sees every input once, all copied by the successor.
    const seen: string[] = [];
    const reader = setup.consumer({ groupId: unique('reader'), topics: [output] });
    await reader.run(async (batch) => {
      for (const m of batch.messages) seen.push(decoder.decode(m.value));
    });
    await setup.producer().send(output, [{ key: 'k', value: 'end' }]);
    await waitFor(() => seen.includes('end'), { message: () => `the reader never reached the end marker: ${seen}` });
    expect(seen).toEqual(['successor:m0', 'successor:m1', 'successor:m2', 'successor:m3', 'successor:m4', 'end']);
    expect(await setup.committedOffsets(groupId, input)).toEqual(new Map([[0, 5]]));
  }, 120_000);
});
