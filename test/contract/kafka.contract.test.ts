import { describe } from 'vitest';
import { createKafkaTransport, type KafkaConsumer } from '../../src/transport/kafkaTransport.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { transportContract } from './transport.contract.ts';

// The transport contract, unchanged, against a real Apache Kafka broker (`bun run kafka:start`).
// Every test makes its own random topics and groups, so reruns on one broker do not interfere.
const broker = await findKafkaBroker();

describe.skipIf(!broker.available)(`Kafka at ${broker.bootstrap}`, () => {
  const create = async () => createKafkaTransport({ kafka: broker.config });
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
    },
    timeoutMs: 30_000,
  });
});
