import type { BatchHandler, Consumer, ConsumerOptions, MessageBatch, Transport } from '../../src/transport/transport.ts';

/**
 * Decides when (and in what order) a consumer's batches reach its handler, to make a fetch order
 * happen on purpose: batches of held topics are kept back (the consumer goes on handing over
 * others) until `release`, which hands them over in a seeded random interleaving of the held
 * partitions, each batch cut into random pieces (per-partition order is kept, as the contract
 * says). Held batches of a revoked partition are dropped: its next owner reads them again.
 */
export interface DeliveryControl {
  /** topics whose batches are held back now */
  readonly hold: Set<string>;
  /** messages handed to the wrapped consumer so far, by topic (held or not) */
  readonly fetched: Map<string, number>;
  /** messages held back now */
  held(): number;
  /** hands over what is held (of `topics`, default all), shuffled by `seed`; stops holding those topics */
  release(options?: { topics?: string[]; seed?: number }): Promise<void>;
}

export function heldDelivery(inner: Transport, hold: Iterable<string> = []): { transport: Transport; control: DeliveryControl } {
  const control = {
    hold: new Set(hold),
    fetched: new Map<string, number>(),
    queues: new Map<string, MessageBatch[]>(),
    handlers: new Set<BatchHandler>(),
    held() {
      let n = 0;
      for (const q of control.queues.values()) for (const b of q) n += b.messages.length;
      return n;
    },
    async release(options: { topics?: string[]; seed?: number } = {}) {
      const topics = new Set(options.topics ?? [...control.hold]);
      for (const t of topics) control.hold.delete(t);
      let seed = options.seed ?? 1;
      const rand = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      // pieces per partition, in order; then a random interleaving of the partitions' pieces
      const pieces: MessageBatch[][] = [];
      for (const [key, batches] of control.queues) {
        if (!topics.has(key.split('\u0000')[0] as string)) continue;
        control.queues.delete(key);
        const list: MessageBatch[] = [];
        for (const b of batches) {
          for (let i = 0; i < b.messages.length; ) {
            const n = 1 + Math.floor(rand() * Math.min(5, b.messages.length - i));
            const last = i + n >= b.messages.length;
            list.push({
              topic: b.topic,
              partition: b.partition,
              messages: b.messages.slice(i, i + n),
              ...(last && b.next !== undefined ? { next: b.next } : {}),
            });
            i += n;
          }
        }
        pieces.push(list);
      }
      const [handler] = control.handlers;
      while (pieces.some((p) => p.length > 0)) {
        const open = pieces.filter((p) => p.length > 0);
        const piece = open[Math.floor(rand() * open.length)]?.shift() as MessageBatch;
        await handler?.(piece);
      }
    },
  };
  const transport: Transport = {
    ensureTopics: (specs) => inner.ensureTopics(specs),
    partitions: (topic) => inner.partitions(topic),
    producer: () => inner.producer(),
    transactionalProducer: (id) => inner.transactionalProducer(id),
    endOffsets: (topic) => inner.endOffsets(topic),
    committedOffsets: (group, topic) => inner.committedOffsets(group, topic),
    read: (topic, partition, from, max) => inner.read(topic, partition, from, max),
    close: () => inner.close(),
    capabilities: inner.capabilities,
    consumer(options: ConsumerOptions): Consumer {
      const consumer = inner.consumer(options);
      return {
        run(handler, listener) {
          control.handlers.add(handler);
          return consumer.run(
            async (batch) => {
              control.fetched.set(batch.topic, (control.fetched.get(batch.topic) ?? 0) + batch.messages.length);
              if (!control.hold.has(batch.topic)) return handler(batch);
              const key = `${batch.topic}\u0000${batch.partition}`;
              const queue = control.queues.get(key) ?? [];
              queue.push(batch);
              control.queues.set(key, queue);
            },
            {
              ...listener,
              onRevoked: (tps) => {
                for (const tp of tps) control.queues.delete(`${tp.topic}\u0000${tp.partition}`);
                return listener?.onRevoked?.(tps);
              },
            },
          );
        },
        commit: (offsets) => consumer.commit(offsets),
        pause: (tps) => consumer.pause(tps),
        resume: (tps) => consumer.resume(tps),
        assignment: () => consumer.assignment(),
        close: () => consumer.close(),
      };
    },
  };
  return { transport, control };
}
