import { isShopError } from '../../errors.ts';
import type { Logger } from '../../log/logger.ts';
import type { DeliveredMessage } from '../../transport/transport.ts';
import type { Produced } from '../host/actorSpec.ts';
import type { Middleware } from './handler.ts';

/** Header names of a dead letter; the value keeps the original bytes untouched. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq.reason',
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
  actor: 'dlq.actor',
  at: 'dlq.at',
} as const;

/** The dead letter of a message: its key, value and headers, plus why and where it came from. */
export function deadLetterOf(topic: string, message: DeliveredMessage, reason: string, actor: string, now: number): Produced {
  return {
    topic,
    message: {
      key: message.key,
      value: message.value,
      headers: {
        ...message.headers,
        [DEAD_LETTER_HEADERS.reason]: reason,
        [DEAD_LETTER_HEADERS.topic]: message.topic,
        [DEAD_LETTER_HEADERS.partition]: String(message.partition),
        [DEAD_LETTER_HEADERS.offset]: String(message.offset),
        [DEAD_LETTER_HEADERS.actor]: actor,
        [DEAD_LETTER_HEADERS.at]: String(now),
      },
      timestamp: now,
    },
  };
}

/**
 * Poison messages (DESIGN-NOTES 8): a handler that throws MALFORMED_MESSAGE gets its message sent
 * to the dead-letter topic instead — in the same transaction as the batch, so the dead letter and
 * the input's commit go together — counted and logged; the partition carries on. Any other error
 * passes through (a bug: the actor crashes and its supervisor restarts it).
 */
export function deadLetters(options: {
  topic: string;
  actor: string;
  logger: Logger;
  onDeadLetter?: (message: DeliveredMessage) => void;
  /** false: only count and log (a reader that observes a topic another actor's job reads) */
  route?: boolean;
}): Middleware {
  return (next) => (message, now) => {
    try {
      return next(message, now);
    } catch (error) {
      if (!(isShopError(error) && error.code === 'MALFORMED_MESSAGE')) throw error;
      options.onDeadLetter?.(message);
      if (options.route === false) {
        options.logger.warn(`skipped a malformed message on ${message.topic}[${message.partition}]@${message.offset}: ${error.message}`);
        return [];
      }
      options.logger.warn(
        `malformed message on ${message.topic}[${message.partition}]@${message.offset} sent to ${options.topic}: ${error.message}`,
        {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          ...(message.key && /^[0-9a-f]{8}$/.test(message.key) ? { orderId: message.key } : {}),
        },
      );
      // what the actor did about it (the order machine notes the lost message), in the same transaction
      const alsoProduced = (error as { produced?: Produced[] }).produced ?? [];
      return [deadLetterOf(options.topic, message, error.message, options.actor, now), ...alsoProduced];
    }
  };
}
