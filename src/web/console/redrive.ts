import { DEAD_LETTER_HEADERS } from '../../runtime/middleware/deadLetter.ts';
import type { Headers, Producer, RecordMetadata, Transport } from '../../transport/transport.ts';
import { HttpError } from '../httpErrors.ts';

/** Headers a redriven message carries: which dead letter it came from, and when. */
export const REDRIVE_HEADERS = { from: 'redriven.from', at: 'redriven.at' } as const;

export interface Redriven {
  /** the dead letter, as `<topic>/<partition>/<offset>` */
  from: string;
  to: RecordMetadata;
}

/**
 * Republishes one dead letter to the topic it came from (its `dlq.source.topic` header): the same
 * key, value and headers, without the `dlq.*` headers and with `redriven.from`/`redriven.at`, so
 * readers (and the browser) can tell it was redriven. Only the shop's own topics are targets: a
 * dead letter cannot send a message anywhere else. Its readers' dedupe keeps a second redrive of
 * a message that had been handled harmless.
 */
export async function redrive(
  deps: { transport: Pick<Transport, 'read'>; producer: Producer; now: number; deadLetterTopic: string; topics: readonly string[] },
  partition: number,
  offset: number,
): Promise<Redriven> {
  const [letter] = await deps.transport.read(deps.deadLetterTopic, partition, offset, 1);
  if (!letter || letter.offset !== offset) {
    throw new HttpError('MESSAGE_NOT_FOUND', `no message at ${deps.deadLetterTopic}[${partition}]@${offset}`, 404);
  }
  const source = letter.headers[DEAD_LETTER_HEADERS.topic];
  if (!source) {
    throw new HttpError(
      'NOT_A_DEAD_LETTER',
      `${deps.deadLetterTopic}[${partition}]@${offset} has no ${DEAD_LETTER_HEADERS.topic} header`,
      422,
    );
  }
  if (!deps.topics.includes(source) || source === deps.deadLetterTopic) {
    throw new HttpError('REDRIVE_REFUSED', `the dead letter names '${source}', which is not a topic of the shop`, 422);
  }
  const headers: Headers = {};
  for (const [name, value] of Object.entries(letter.headers)) if (!name.startsWith('dlq.')) headers[name] = value;
  const from = `${deps.deadLetterTopic}/${partition}/${offset}`;
  headers[REDRIVE_HEADERS.from] = from;
  headers[REDRIVE_HEADERS.at] = String(deps.now);
  let to: RecordMetadata | undefined;
  try {
    [to] = await deps.producer.send(source, [{ key: letter.key, value: letter.value, headers, timestamp: deps.now }]);
  } catch (error) {
    // a producer that re-encodes values (Avro) cannot take a value that is not JSON
    if (error instanceof SyntaxError) {
      throw new HttpError(
        'REDRIVE_REFUSED',
        `the dead letter's value cannot be written to ${source} in its wire format: ${error.message}`,
        422,
      );
    }
    throw new HttpError('LOG_UNAVAILABLE', `the log is not available right now (${source}); nothing was redriven, try again`, 503);
  }
  if (!to) throw new Error(`redrive: the producer returned no position for ${source}`);
  return { from, to };
}
