import { describe } from 'vitest';
import { createLogger } from '../../src/log/logger.ts';
import {
  createKafkaTransport,
  type KafkaConsumer,
  type KafkaLogLevel,
  type KafkaTransactionalProducer,
} from '../../src/transport/kafkaTransport.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { transportContract } from './transport.contract.ts';

// The transport contract, unchanged, against a real Apache Kafka broker (`bun run kafka:start`).
// Every test makes its own random topics and groups, so reruns on one broker do not interfere.
const broker = await findKafkaBroker();

describe.skipIf(!broker.available)(`Kafka at ${broker.bootstrap}`, () => {
  // KAFKAJS_LOG_LEVEL=info (or debug, warn) shows kafkajs's own log lines, for diagnosing a failure.
  const logLevel = process.env.KAFKAJS_LOG_LEVEL as KafkaLogLevel | undefined;
  const logger = logLevel ? createLogger({ actor: 'contract', format: 'json', level: 'debug' }) : undefined;
  const create = async () => createKafkaTransport({ kafka: broker.config, ...(logLevel && logger ? { logLevel, logger } : {}) });
  transportContract('kafka (kafkajs 2.2.4)', {
    create,
    features: {
      // A new transport (new connections, new clients) on the same broker: what a restarted process sees.
      reopen: async (transport) => {
        await transport.close();
        return create();
      },
      // Leaves the group without waiting, revoking or committing (a killed process, minus the session timeout).
      crash: (consumer) => (consumer as KafkaConsumer).abandon(),
      // Drops its connections with the transaction open (a killed process).
      crashProducer: (producer) => (producer as KafkaTransactionalProducer).abandon(),
    },
    timeoutMs: 30_000,
  });
});
