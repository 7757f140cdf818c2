import type { Kafka, Producer as KafkaJsProducer, Transaction as KafkaJsTransaction } from 'kafkajs';
import type { Clock } from '../../clock.ts';
import { ShopError } from '../../errors.ts';
import type { OffsetCommit, OutgoingMessage, Transaction, TransactionalProducer } from '../transport.ts';
import { createJavaPartitioner } from './javaPartitioner.ts';
import { assertTopicName, toKafkaMessage } from './kafkaMessages.ts';

/** A Kafka transactional producer: the contract plus a simulated crash, for tests. */
export interface KafkaTransactionalProducer extends TransactionalProducer {
  /**
   * Simulates a crash (a killed process): drops the connections without ending the open
   * transaction. What it sent stays invisible to read_committed readers; the broker aborts it
   * when a producer with the same id is opened, or after `transaction.timeout.ms`.
   */
  abandon(): Promise<void>;
}

export interface KafkaTransactionalProducerOptions {
  kafka: Kafka;
  transactionalId: string;
  /** how long the broker lets a transaction stay open before aborting it (a crashed producer's) */
  transactionTimeoutMs: number;
  clock: Clock;
  /** fails with UNKNOWN_TOPIC when a topic is missing */
  checkTopics: (topics: string[]) => Promise<void>;
  /** called once closed or abandoned, so the transport stops tracking it */
  forget: (producer: KafkaTransactionalProducer) => void;
}

/**
 * kafkajs's retries of a transactional producer. Back to back, the next transaction's
 * AddPartitionsToTxn meets CONCURRENT_TRANSACTIONS while the broker still completes the previous
 * EndTxn (writing its markers): a few milliseconds. kafkajs's default first retry after 300 ms
 * capped one producer at ~5 transactions/s; 5 ms reaches ~80/s (TOOLCHAIN.md). Ten retries doubling
 * up to 500 ms wait about 2 s in all before giving up.
 */
const TRANSACTIONAL_RETRY = { initialRetryTime: 5, maxRetryTime: 500, retries: 10 };

/**
 * Error types meaning "a newer producer with this transactional id exists" (or the broker no
 * longer knows this producer's id): the producer is a zombie and can never commit again.
 * PRODUCER_FENCED (code 90) is newer than kafkajs 2.2.4's error table; it arrives by code.
 */
const FENCING_TYPES = new Set([
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'TRANSACTION_COORDINATOR_FENCED',
  'INVALID_PRODUCER_ID_MAPPING',
]);
const PRODUCER_FENCED_CODE = 90;

/** True when `error` (or what kafkajs wrapped in it: retries exceeded, a request failure) is a fencing error. */
export function isFencingError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let e = error as { type?: string; code?: number; cause?: unknown; originalError?: unknown } | undefined;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if ((e.type !== undefined && FENCING_TYPES.has(e.type)) || e.code === PRODUCER_FENCED_CODE) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * Opens a transactional producer: idempotent, one request in flight, the Java partitioner, and
 * an InitProducerId right away — that is what fences every earlier producer with the same id
 * (the broker bumps the epoch and aborts the transaction an earlier one left open).
 *
 * `send` and `sendOffsets` go to the broker at once (AddPartitionsToTxn + Produce,
 * AddOffsetsToTxn + TxnOffsetCommit); read_committed readers see none of it until `commit`
 * (EndTxn) and nothing of it after `abort`. A fencing error on any call becomes PRODUCER_FENCED,
 * and the producer stays fenced. Any other failure of `commit` leaves the outcome unknown (the
 * EndTxn may have landed): the producer refuses further transactions; open a new one with the
 * same id (which completes or aborts whatever is pending) and continue from the committed offsets.
 */
export async function openKafkaTransactionalProducer(options: KafkaTransactionalProducerOptions): Promise<KafkaTransactionalProducer> {
  const { transactionalId, clock } = options;
  const kafkaProducer: KafkaJsProducer = options.kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: options.transactionTimeoutMs,
    allowAutoTopicCreation: false,
    createPartitioner: createJavaPartitioner(),
    retry: TRANSACTIONAL_RETRY,
  });
  let state: 'open' | 'fenced' | 'broken' | 'closed' = 'open';
  let current: KafkaJsTransaction | null = null;
  let brokenBy = '';

  const fenced = (what: string, cause?: unknown) => {
    state = 'fenced';
    return new ShopError(
      'PRODUCER_FENCED',
      `kafka: transactional producer '${transactionalId}' was fenced by a newer one with the same id: ${what} refused, nothing of its open transaction is visible`,
      { cause },
    );
  };
  const failed = (what: string, error: unknown): ShopError => {
    if (isFencingError(error)) return fenced(what, error);
    return new ShopError(
      'TRANSACTION_FAILED',
      `kafka: transactional producer '${transactionalId}': ${what} failed: ${(error as Error).message}`,
      {
        cause: error,
        retriable: true,
      },
    );
  };
  const assertUsable = (what: string) => {
    if (state === 'closed')
      throw new ShopError('PRODUCER_CLOSED', `kafka: transactional producer '${transactionalId}' is closed: ${what} refused`);
    if (state === 'fenced') throw fenced(what);
    if (state === 'broken') {
      throw new ShopError(
        'TRANSACTION_FAILED',
        `kafka: transactional producer '${transactionalId}' is unusable after a failed commit (${brokenBy}): open a new one with the same id`,
      );
    }
  };

  try {
    await kafkaProducer.connect();
    // kafkajs initialises the transactional producer id lazily, on the first transaction: begin
    // and end an empty one now (no EndTxn is sent for it), so opening fences at once.
    const first = await kafkaProducer.transaction();
    await first.abort();
  } catch (error) {
    await kafkaProducer.disconnect().catch(() => {});
    throw new ShopError(
      'KAFKA_UNAVAILABLE',
      `kafka: opening transactional producer '${transactionalId}' failed: ${(error as Error).message}`,
      { cause: error, retriable: true },
    );
  }

  const disconnect = async () => {
    state = 'closed';
    current = null;
    options.forget(self);
    await kafkaProducer.disconnect().catch(() => {});
  };

  const self: KafkaTransactionalProducer = {
    transactionalId,

    async transaction(): Promise<Transaction> {
      assertUsable('a new transaction');
      if (current) {
        throw new ShopError(
          'TRANSACTION_STATE',
          `kafka: transactional producer '${transactionalId}' has a transaction open (commit or abort it first)`,
        );
      }
      let tx: KafkaJsTransaction;
      try {
        tx = await kafkaProducer.transaction();
      } catch (error) {
        throw failed('beginning a transaction', error);
      }
      current = tx;
      let ended = false;
      const assertActive = (what: string) => {
        if (ended) throw new ShopError('TRANSACTION_STATE', `kafka: ${what} on a transaction already committed or aborted`);
        assertUsable(what);
      };
      const end = () => {
        ended = true;
        if (current === tx) current = null;
      };
      return {
        async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
          assertActive('send');
          assertTopicName(topic);
          if (!Array.isArray(messages)) {
            throw new ShopError('INVALID_MESSAGE', `kafka: send to '${topic}': messages must be an array; nothing was sent`);
          }
          const prepared = messages.map((m, i) => toKafkaMessage(topic, i, m, clock));
          if (prepared.length === 0) return;
          await options.checkTopics([topic]);
          try {
            // acks=all: a transactional producer is idempotent, which needs it (whatever the INI's acks says)
            await tx.send({ topic, messages: prepared, acks: -1 });
          } catch (error) {
            throw failed(`send to '${topic}'`, error);
          }
        },

        async sendOffsets(groupId: string, offsets: OffsetCommit[]): Promise<void> {
          assertActive('sendOffsets');
          if (typeof groupId !== 'string' || groupId.length === 0) {
            throw new ShopError('INVALID_ARGUMENT', 'kafka: sendOffsets needs a non-empty groupId');
          }
          const byTopic = new Map<string, { partition: number; offset: string }[]>();
          for (const c of offsets) {
            if (!Number.isInteger(c.offset) || c.offset < 0) {
              throw new ShopError(
                'INVALID_OFFSET',
                `sendOffsets of ${c.topic}[${c.partition}]: offset ${c.offset} is not a non-negative integer`,
              );
            }
            const list = byTopic.get(c.topic) ?? [];
            list.push({ partition: c.partition, offset: String(c.offset) });
            byTopic.set(c.topic, list);
          }
          if (byTopic.size === 0) return;
          try {
            await tx.sendOffsets({ consumerGroupId: groupId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
          } catch (error) {
            throw failed(`sendOffsets for group '${groupId}'`, error);
          }
        },

        async commit(): Promise<void> {
          assertActive('commit');
          end();
          try {
            await tx.commit();
          } catch (error) {
            const e = failed('commit', error);
            if (e.code !== 'PRODUCER_FENCED') {
              state = 'broken';
              brokenBy = (error as Error).message;
            }
            throw e;
          }
        },

        async abort(): Promise<void> {
          if (ended) throw new ShopError('TRANSACTION_STATE', 'kafka: abort on a transaction already committed or aborted');
          end();
          // A fenced producer's transaction was aborted by the broker when the newer one opened.
          if (state === 'fenced' || state === 'closed') return;
          try {
            await tx.abort();
          } catch (error) {
            const e = failed('abort', error);
            if (e.code === 'PRODUCER_FENCED') return;
            state = 'broken';
            brokenBy = (error as Error).message;
            throw e;
          }
        },
      };
    },

    async close(): Promise<void> {
      if (state === 'closed') return;
      // Graceful: end what is open, so readers are not held at it until the transaction times out.
      const open = current;
      if (open && state === 'open') await open.abort().catch(() => {});
      await disconnect();
    },

    abandon: disconnect,
  };
  return self;
}
