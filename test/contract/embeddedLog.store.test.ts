import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import {
  createEmbeddedLog,
  type EmbeddedConsumer,
  type EmbeddedLog,
  type EmbeddedTransactionalProducer,
} from '../../src/transport/embeddedLog.ts';
import { transportContract } from './transport.contract.ts';

// The durable embedded log on a real SQLite file (bun:sqlite under Bun, better-sqlite3 under Node):
// the contract plus crashes and restarts (close, then reopen the same file).
const dir = mkdtempSync(join(tmpdir(), 'embedded-log-contract-'));
let files = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

transportContract('embedded log (SQLite file)', {
  create: async () => createEmbeddedLog({ path: join(dir, `log-${++files}.db`) }),
  features: {
    crash: async (consumer) => (consumer as EmbeddedConsumer).abandon(),
    crashProducer: (producer) => (producer as EmbeddedTransactionalProducer).abandon(),
    reopen: async (transport) => {
      const path = (transport as EmbeddedLog).path as string;
      await transport.close();
      return createEmbeddedLog({ path });
    },
  },
  timeoutMs: 5_000,
});
