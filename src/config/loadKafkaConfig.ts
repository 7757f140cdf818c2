import { readFileSync } from 'node:fs';
import { configError, ShopError } from '../errors.ts';
import { parseIni } from './ini.ts';

/**
 * The `[kafka]` section of a Kafka client INI, as librdkafka-style properties
 * (`bootstrap.servers`, `security.protocol`, `sasl.mechanisms`, `sasl.username`, `sasl.password`,
 * `client.id`, …). The Kafka transport maps them onto kafkajs and rejects what it cannot honour.
 */
export interface KafkaClientConfig {
  file: string;
  properties: Record<string, string>;
}

export function loadKafkaConfig(file: string): KafkaClientConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShopError('CONFIG_UNREADABLE', `${file}: cannot read the Kafka configuration file (${(cause as Error).message})`, {
      exitCode: 2,
      cause,
    });
  }
  const sections = parseIni(text);
  const kafka = sections.kafka;
  if (!kafka) throw configError(file, 'kafka', null, 'missing section');
  if (!kafka['bootstrap.servers']) throw configError(file, 'kafka', 'bootstrap.servers', 'missing key');
  return { file, properties: { ...kafka } };
}
