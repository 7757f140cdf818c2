import { ShopError } from '../../src/errors.ts';
import type { Consumer, ConsumerOptions, Transport } from '../../src/transport/transport.ts';

/**
 * A transport whose consumers' commits fail while `outage.commits` is set, as they do while a
 * broker is down or a group rebalances; everything else is the wrapped transport's.
 *
 * @example
 * const outage = { commits: true };
 * const transport = failingCommits(createEmbeddedLog(), outage);
 */
export function failingCommits(inner: Transport, outage: { commits: boolean }): Transport {
  return {
    ensureTopics: (specs) => inner.ensureTopics(specs),
    partitions: (topic) => inner.partitions(topic),
    producer: () => inner.producer(),
    endOffsets: (topic) => inner.endOffsets(topic),
    committedOffsets: (group, topic) => inner.committedOffsets(group, topic),
    close: () => inner.close(),
    consumer(options: ConsumerOptions): Consumer {
      const consumer = inner.consumer(options);
      return {
        run: (handler, listener) => consumer.run(handler, listener),
        commit: async (offsets) => {
          if (outage.commits) throw new ShopError('COMMIT_FAILED', 'commit failed: Connection error: connect ECONNREFUSED', { retriable: true });
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
