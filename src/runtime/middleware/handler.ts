import type { DeliveredMessage } from '../../transport/transport.ts';
import type { Produced } from '../host/actorSpec.ts';

/**
 * One message in, the messages it caused out — synchronously, inside the batch's transaction.
 * Cross-cutting concerns wrap it (`Middleware`, Watermill's model): dead letters, metrics,
 * tracing. The innermost handler decodes the message and steps the actor's logic.
 */
export type MessageHandler = (message: DeliveredMessage, now: number) => Produced[];

export type Middleware = (next: MessageHandler) => MessageHandler;

/** `wrap(h, a, b)` = a(b(h)): the first middleware sees the message first. */
export function wrap(handler: MessageHandler, ...middleware: Middleware[]): MessageHandler {
  return middleware.reduceRight((next, m) => m(next), handler);
}
