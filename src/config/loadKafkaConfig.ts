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
  /**
   * The `[schema-registry]` section, as the newer original's Kafka INI has it: values are then Avro
   * in Confluent's wire format (src/events/wireFormat.ts). Absent: JSON.
   */
  schemaRegistry?: SchemaRegistryConfig;
}

export interface SchemaRegistryConfig {
  url: string;
  /** `<key>:<secret>` of a managed registry */
  basicAuthUserInfo?: string;
}

const SCHEMA_REGISTRY_KEYS = ['url', 'basic.auth.user.info', 'basic.auth.credentials.source'];

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
  const sr = sections['schema-registry'];
  if (!sr) return { file, properties: { ...kafka } };
  for (const key of Object.keys(sr)) {
    if (!SCHEMA_REGISTRY_KEYS.includes(key)) {
      throw configError(file, 'schema-registry', key, `unknown key (known: ${SCHEMA_REGISTRY_KEYS.join(', ')})`);
    }
  }
  const url = sr.url?.trim();
  if (!url) throw configError(file, 'schema-registry', 'url', 'missing key');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw configError(file, 'schema-registry', 'url', `'${url}' is not an http(s) URL`);
  const source = sr['basic.auth.credentials.source']?.trim();
  if (source !== undefined && source.toUpperCase() !== 'USER_INFO') {
    throw configError(
      file,
      'schema-registry',
      'basic.auth.credentials.source',
      `only USER_INFO is supported (with basic.auth.user.info = <key>:<secret>), not '${source}'`,
    );
  }
  const userInfo = sr['basic.auth.user.info']?.trim();
  if (userInfo !== undefined && !/^[^:]+:.+$/.test(userInfo)) {
    throw configError(file, 'schema-registry', 'basic.auth.user.info', 'must be <key>:<secret>');
  }
  return { file, properties: { ...kafka }, schemaRegistry: { url, ...(userInfo ? { basicAuthUserInfo: userInfo } : {}) } };
}
