import { createEmbeddedLog, type EmbeddedConsumer, type EmbeddedTransactionalProducer } from '../../src/transport/embeddedLog.ts';
import { transportContract } from './transport.contract.ts';

// The embedded log in memory: the contract plus crashes (an in-process member can vanish at once).
transportContract('embedded log (memory)', {
  create: async () => createEmbeddedLog(),
  features: {
    crash: async (consumer) => (consumer as EmbeddedConsumer).abandon(),
    crashProducer: (producer) => (producer as EmbeddedTransactionalProducer).abandon(),
  },
  timeoutMs: 5_000,
});
