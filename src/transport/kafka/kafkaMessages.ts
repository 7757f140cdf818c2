import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { Clock } from '../../clock.ts';
import { ShopError } from '../../errors.ts';
import type { DeliveredMessage, Headers, OutgoingMessage } from '../transport.ts';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** A ShopError unless `topic` is a legal Kafka topic name. */
export function assertTopicName(topic: string): void {
  if (typeof topic !== 'string' || !TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new ShopError(
      'INVALID_TOPIC',
      `kafka: '${String(topic)}' is not a valid topic name (letters, digits, '.', '_', '-'; at most 249)`,
    );
  }
}

function invalidMessage(topic: string, index: number, problem: string): ShopError {
  return new ShopError('INVALID_MESSAGE', `kafka: send to '${topic}', message ${index}: ${problem}; nothing was sent`, { httpStatus: 400 });
}

/**
 * How far ahead of this process's wall clock a record timestamp may be. Kafka 4 refuses a record
 * stamped more than `log.message.timestamp.after.max.ms` (default 1 h) ahead of the broker's
 * clock, and actors stamp records with shop time, which a sped-up or stepped shop clock
 * (clock control) can run ahead of real time: such a record is stamped at the limit instead
 * (its value keeps the shop time).
 */
export const MAX_TIMESTAMP_LEAD_MS = 55 * 60_000;

/**
 * Checks one outgoing message and turns it into a kafkajs message (a fresh object per call, so
 * the partitioner can remember it). Throws INVALID_MESSAGE for a bad key, value, header or
 * timestamp; the caller checks the whole batch before sending any of it.
 */
export function toKafkaMessage(topic: string, index: number, m: OutgoingMessage, clock: Clock): Message {
  if (m === null || typeof m !== 'object') throw invalidMessage(topic, index, 'not an object');
  const { key, value, headers = {}, timestamp } = m;
  if (key !== null && typeof key !== 'string') throw invalidMessage(topic, index, `key must be a string or null, got ${typeof key}`);
  let bytes: Buffer;
  if (typeof value === 'string') bytes = Buffer.from(value, 'utf8');
  else if (value instanceof Uint8Array) bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  else throw invalidMessage(topic, index, `value must be a string or a Uint8Array, got ${value === null ? 'null' : typeof value}`);
  if (headers === null || typeof headers !== 'object') throw invalidMessage(topic, index, 'headers must be an object of strings');
  const kafkaHeaders: IHeaders = {};
  for (const [name, v] of Object.entries(headers)) {
    if (typeof v !== 'string') throw invalidMessage(topic, index, `header '${name}' must be a string, got ${typeof v}`);
    kafkaHeaders[name] = v;
  }
  if (timestamp !== undefined && !Number.isFinite(timestamp))
    throw invalidMessage(topic, index, `timestamp must be a number, got ${timestamp}`);
  // An empty value marked as a tombstone is Kafka's null value: compaction then drops the key.
  const tombstone = bytes.length === 0 && headers.tombstone === '1';
  return {
    key,
    value: tombstone ? null : bytes,
    headers: kafkaHeaders,
    timestamp: String(Math.trunc(timestamp === undefined ? clock.now() : Math.min(timestamp, clock.now() + MAX_TIMESTAMP_LEAD_MS))),
    ...(m.partition !== undefined ? { partition: m.partition } : {}),
  };
}

function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  // Kafka allows a header name twice; the contract has one value per name: the first one wins.
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/** A message fetched by kafkajs, as the contract hands it to a handler (its own copy of the bytes). */
export function fromKafkaMessage(topic: string, partition: number, message: KafkaMessage): DeliveredMessage {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined) headers[name] = text;
  }
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value === null ? new Uint8Array(0) : new Uint8Array(message.value),
    headers,
    timestamp: Number(message.timestamp),
  };
}
