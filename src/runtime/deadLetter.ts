import type { DeliveredMessage, Producer } from '../transport/transport.ts';

/** Header names of a dead letter; the value keeps the original bytes untouched. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dlq.reason',
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
  actor: 'dlq.actor',
  at: 'dlq.at',
} as const;

/**
 * Sends a message that could not be processed to the dead-letter topic, keeping its key, value and
 * headers, with the reason and the source topic/partition/offset in headers (DESIGN-NOTES 8).
 */
export async function sendToDeadLetter(
  producer: Producer,
  deadLetterTopic: string,
  message: DeliveredMessage,
  reason: string,
  actor: string,
  now: number,
): Promise<void> {
  await producer.send(deadLetterTopic, [
    {
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
    },
  ]);
}
