import type { BatchHandler, DeliveredMessage, MessageBatch } from '../transport/transport.ts';

/**
 * A batch handler (the transport contract) that hands each message of the batch to `handle`, in
 * offset order. It also takes a lone message, as transports handed them before the contract moved
 * to batches, so the load generator and the chaos audit read both while the transports are
 * rewritten; drop that branch once every transport hands batches.
 *
 * @example
 * await consumer.run(forEachMessage((m) => seen.push(m)));
 */
export function forEachMessage(handle: (message: DeliveredMessage) => unknown): BatchHandler {
  return async (batch: MessageBatch | DeliveredMessage) => {
    const messages = 'messages' in batch ? batch.messages : [batch];
    for (const m of messages) await handle(m);
  };
}
