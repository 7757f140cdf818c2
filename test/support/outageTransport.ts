import { ShopError } from '../../src/errors.ts';
import type { Consumer, ConsumerOptions, Transport } from '../../src/transport/transport.ts';

/** What fails, and how, while a broker is (partly) unreachable. Change the fields at any time. */
export interface Outage {
  /** consumers' commits fail, as they do while a broker is down or a group rebalances */
  commits?: boolean;
  /** called before every send: a promise returned is awaited first (reject it to fail the send) */
  beforeSend?: (topic: string) => Promise<void> | undefined;
  /** called before a consumer is handed a batch: a promise returned holds the delivery back */
  beforeDeliver?: (topic: string) => Promise<void> | undefined;
}

/**
 * Wraps a transport so that commits and sends fail (or wait) as the `outage` says; everything
 * else is the wrapped transport's.
 *
 * @example
 * const outage: Outage = { commits: true };
 * const transport = outageTransport(createEmbeddedLog(), outage);
 */
export function outageTransport(inner: Transport, outage: Outage): Transport {
  const producer = inner.producer();
  return {
    ensureTopics: (specs) => inner.ensureTopics(specs),
    partitions: (topic) => inner.partitions(topic),
    producer: () => ({
      async send(topic, messages) {
        await outage.beforeSend?.(topic);
        return producer.send(topic, messages);
      },
    }),
    endOffsets: (topic) => inner.endOffsets(topic),
    committedOffsets: (group, topic) => inner.committedOffsets(group, topic),
    read: (topic, partition, from, max) => inner.read(topic, partition, from, max),
    close: () => inner.close(),
    capabilities: inner.capabilities,
    // sends inside transactions wait or fail like plain ones; a failed commit is a commit outage
    async transactionalProducer(id) {
      const p = await inner.transactionalProducer(id);
      return {
        transactionalId: p.transactionalId,
        close: () => p.close(),
        async transaction() {
          const tx = await p.transaction();
          return {
            async send(topic, messages) {
              await outage.beforeSend?.(topic);
              await tx.send(topic, messages);
            },
            sendOffsets: (group, offsets) => tx.sendOffsets(group, offsets),
            async commit() {
              if (outage.commits)
                throw new ShopError('COMMIT_FAILED', 'commit failed: Connection error: connect ECONNREFUSED', { retriable: true });
              await tx.commit();
            },
            abort: () => tx.abort(),
          };
        },
      };
    },
    consumer(options: ConsumerOptions): Consumer {
      const consumer = inner.consumer(options);
      return {
        run: (handler, listener) =>
          consumer.run(async (batch) => {
            await outage.beforeDeliver?.(batch.topic);
            await handler(batch);
          }, listener),
        commit: async (offsets) => {
          if (outage.commits)
            throw new ShopError('COMMIT_FAILED', 'commit failed: Connection error: connect ECONNREFUSED', { retriable: true });
          await consumer.commit(offsets);
        },
        pause: (tps) => consumer.pause(tps),
        resume: (tps) => consumer.resume(tps),
        assignment: () => consumer.assignment(),
        close: () => consumer.close(),
      };
    },
  };
}
