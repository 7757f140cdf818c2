import type { BatchHandler, DeliveredMessage } from './transport.ts';

/**
 * A batch handler that hands a batch's messages to `handle` one by one, in offset order: for
 * consumers written before batches (the current actor host, the web's view, the load tool) that
 * commit message by message. If `handle` throws, the rest of the batch is not handled.
 *
 * @example
 * await consumer.run(eachMessage(async (m) => console.log(m.offset)));
 */
export function eachMessage(handle: (message: DeliveredMessage) => Promise<void>): BatchHandler {
  return async (batch) => {
    for (const message of batch.messages) await handle(message);
  };
}
