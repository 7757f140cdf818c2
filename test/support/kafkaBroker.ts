import { brokerAnswers } from '../../scripts/kafka/brokerAnswers.ts';
import { type KafkaClientConfig, loadKafkaConfig } from '../../src/config/loadKafkaConfig.ts';
import { isCi } from './ci.ts';

/** The broker the Kafka tests run against, or why there is none. */
export interface KafkaBroker {
  available: boolean;
  /** host:port tried */
  bootstrap: string;
  /** client configuration for createKafkaTransport */
  config: KafkaClientConfig;
  /** why the Kafka tests are skipped (when not available) */
  reason?: string;
}

let found: Promise<KafkaBroker> | undefined;

/**
 * How Kafka tests find their broker: `KAFKA_CONFIG` (a `[kafka]` INI, default
 * config_sys/kafka/local.ini), with `KAFKA_BOOTSTRAP` overriding its bootstrap.servers
 * (default 127.0.0.1:9092, where `bun run kafka:start` puts one). When nothing answers there:
 * under CI (`isCi()`: CI=true or CI=1) this throws, so the run fails loudly; otherwise the Kafka tests are skipped with
 * the reason printed — the one accepted skip.
 *
 * @example
 * const broker = await findKafkaBroker();
 * describe.skipIf(!broker.available)('against Kafka', () => { ... });
 */
export function findKafkaBroker(): Promise<KafkaBroker> {
  found ??= probe();
  return found;
}

async function probe(): Promise<KafkaBroker> {
  const file = process.env.KAFKA_CONFIG ?? 'config_sys/kafka/local.ini';
  const loaded = loadKafkaConfig(file);
  const bootstrap = process.env.KAFKA_BOOTSTRAP ?? loaded.properties['bootstrap.servers'] ?? '127.0.0.1:9092';
  const config: KafkaClientConfig = { file: loaded.file, properties: { ...loaded.properties, 'bootstrap.servers': bootstrap } };
  // Plain connections only for the probe; a SASL/TLS cluster is trusted to answer if configured.
  const plain = (config.properties['security.protocol'] ?? 'PLAINTEXT').toUpperCase() === 'PLAINTEXT';
  const answers = plain ? await brokerAnswers(bootstrap, 5_000) : true;
  if (answers) return { available: true, bootstrap, config };
  const reason = `no Kafka broker answers at ${bootstrap} (start one with \`bun run kafka:start\`, or set KAFKA_BOOTSTRAP)`;
  if (isCi()) throw new Error(`CI is set (${process.env.CI}) and ${reason}: the Kafka tests must run in CI`);
  console.warn(`Kafka tests skipped: ${reason}`);
  return { available: false, bootstrap, config, reason };
}
