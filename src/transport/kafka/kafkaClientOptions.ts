import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaClientConfig } from '../../config/loadKafkaConfig.ts';
import { configError } from '../../errors.ts';

/** What the `[kafka]` section says, in kafkajs terms. */
export interface KafkaClientOptions {
  /** for `new Kafka(...)`, without logging (the transport adds that) */
  client: Omit<KafkaConfig, 'logLevel' | 'logCreator'>;
  /** for every consumer */
  consumer: { sessionTimeout?: number; heartbeatInterval?: number; rebalanceTimeout?: number; maxWaitTimeInMs?: number };
  /** for every send: -1 = all in-sync replicas (the default), 1 = the leader only (transactions always use all) */
  acks: -1 | 1;
  /** `transaction.timeout.ms`: how long the broker keeps a transaction open (the transport has a default) */
  transactionTimeoutMs?: number;
}

/**
 * The librdkafka-style properties the Kafka transport understands (the names the original's
 * Python services used), so one INI serves both. Anything else is an error that names the file
 * and the property: a setting silently ignored is worse than one refused.
 */
export const SUPPORTED_KAFKA_PROPERTIES = [
  'bootstrap.servers',
  'client.id',
  'security.protocol',
  'sasl.mechanisms',
  'sasl.mechanism',
  'sasl.username',
  'sasl.password',
  'ssl.ca.location',
  'ssl.certificate.location',
  'ssl.key.location',
  'enable.ssl.certificate.verification',
  'session.timeout.ms',
  'heartbeat.interval.ms',
  'max.poll.interval.ms',
  'fetch.wait.max.ms',
  'socket.connection.setup.timeout.ms',
  'request.timeout.ms',
  'acks',
  'transaction.timeout.ms',
] as const;

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
const MECHANISMS = { PLAIN: 'plain', 'SCRAM-SHA-256': 'scram-sha-256', 'SCRAM-SHA-512': 'scram-sha-512' } as const;

/**
 * Maps a Kafka client INI (`loadKafkaConfig`) onto kafkajs options.
 *
 * @example
 * // [kafka] bootstrap.servers = broker:9092, security.protocol = SASL_SSL, sasl.mechanisms = PLAIN, ...
 * toKafkaClientOptions(loadKafkaConfig('config_sys/kafka/cloud.ini')).client.sasl; // { mechanism: 'plain', username, password }
 */
export function toKafkaClientOptions(config: KafkaClientConfig): KafkaClientOptions {
  const { file, properties } = config;
  const fail = (key: string, problem: string) => configError(file, 'kafka', key, problem);
  const supported = new Set<string>(SUPPORTED_KAFKA_PROPERTIES);
  for (const key of Object.keys(properties)) {
    if (!supported.has(key)) {
      throw fail(key, `unsupported Kafka client property (the kafkajs transport understands: ${SUPPORTED_KAFKA_PROPERTIES.join(', ')})`);
    }
  }
  const get = (key: string): string | undefined => {
    const value = properties[key]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const millis = (key: string): number | undefined => {
    const raw = get(key);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw fail(key, `must be a positive whole number of milliseconds, got '${raw}'`);
    return n;
  };
  // Certificate paths are relative to the INI file, so a config folder can travel with its certificates.
  const pem = (key: string): string | undefined => {
    const path = get(key);
    if (path === undefined) return undefined;
    const full = resolve(dirname(file), path);
    try {
      return readFileSync(full, 'utf8');
    } catch (cause) {
      throw fail(key, `cannot read ${full} (${(cause as Error).message})`);
    }
  };

  const servers = get('bootstrap.servers');
  if (!servers) throw fail('bootstrap.servers', 'missing key');
  const brokers = servers
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const broker of brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(broker)) {
      throw fail('bootstrap.servers', `'${broker}' is not host:port`);
    }
  }
  if (brokers.length === 0) throw fail('bootstrap.servers', 'no broker listed');

  const protocolRaw = (get('security.protocol') ?? 'PLAINTEXT').toUpperCase();
  if (!(PROTOCOLS as readonly string[]).includes(protocolRaw)) {
    throw fail('security.protocol', `'${get('security.protocol')}' is not one of ${PROTOCOLS.join(', ')}`);
  }
  const protocol = protocolRaw as (typeof PROTOCOLS)[number];
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';

  const mechanismKey = properties['sasl.mechanisms'] !== undefined ? 'sasl.mechanisms' : 'sasl.mechanism';
  const mechanismRaw = get(mechanismKey);
  const username = get('sasl.username');
  const password = get('sasl.password');
  let sasl: SASLOptions | undefined;
  if (usesSasl) {
    if (!mechanismRaw)
      throw fail('sasl.mechanisms', `missing key (security.protocol = ${protocol} needs one of ${Object.keys(MECHANISMS).join(', ')})`);
    const mechanism = MECHANISMS[mechanismRaw.toUpperCase() as keyof typeof MECHANISMS];
    if (!mechanism) throw fail(mechanismKey, `'${mechanismRaw}' is not supported (use one of ${Object.keys(MECHANISMS).join(', ')})`);
    if (!username) throw fail('sasl.username', `missing key (security.protocol = ${protocol})`);
    if (!password) throw fail('sasl.password', `missing key (security.protocol = ${protocol})`);
    sasl = { mechanism, username, password };
  } else {
    for (const key of [mechanismKey, 'sasl.username', 'sasl.password']) {
      if (get(key) !== undefined)
        throw fail(key, `set, but security.protocol = ${protocol} does not use SASL (use SASL_SSL or SASL_PLAINTEXT)`);
    }
  }

  let ssl: ConnectionOptions | boolean | undefined;
  const tlsKeys = ['ssl.ca.location', 'ssl.certificate.location', 'ssl.key.location', 'enable.ssl.certificate.verification'];
  if (usesTls) {
    const verifyRaw = get('enable.ssl.certificate.verification');
    if (verifyRaw !== undefined && !/^(true|false)$/i.test(verifyRaw)) {
      throw fail('enable.ssl.certificate.verification', `must be true or false, got '${verifyRaw}'`);
    }
    const options: ConnectionOptions = {};
    const ca = pem('ssl.ca.location');
    const cert = pem('ssl.certificate.location');
    const key = pem('ssl.key.location');
    if (ca !== undefined) options.ca = [ca];
    if (cert !== undefined) options.cert = cert;
    if (key !== undefined) options.key = key;
    if (verifyRaw !== undefined && verifyRaw.toLowerCase() === 'false') options.rejectUnauthorized = false;
    ssl = Object.keys(options).length === 0 ? true : options;
  } else {
    for (const key of tlsKeys) {
      if (get(key) !== undefined) throw fail(key, `set, but security.protocol = ${protocol} does not use TLS (use SSL or SASL_SSL)`);
    }
  }

  const acksRaw = get('acks');
  let acks: -1 | 1 = -1;
  if (acksRaw !== undefined) {
    if (/^(all|-1)$/i.test(acksRaw)) acks = -1;
    else if (acksRaw === '1') acks = 1;
    else throw fail('acks', `must be all, -1 or 1, got '${acksRaw}' (0 would lose the guarantee that a resolved send is stored)`);
  }

  const client: KafkaClientOptions['client'] = { brokers, clientId: get('client.id') ?? 'pizza-shop' };
  if (ssl !== undefined) client.ssl = ssl;
  if (sasl !== undefined) client.sasl = sasl;
  const connectionTimeout = millis('socket.connection.setup.timeout.ms');
  if (connectionTimeout !== undefined) client.connectionTimeout = connectionTimeout;
  const requestTimeout = millis('request.timeout.ms');
  if (requestTimeout !== undefined) client.requestTimeout = requestTimeout;

  const consumer: KafkaClientOptions['consumer'] = {};
  const sessionTimeout = millis('session.timeout.ms');
  const heartbeatInterval = millis('heartbeat.interval.ms');
  const rebalanceTimeout = millis('max.poll.interval.ms');
  const maxWaitTimeInMs = millis('fetch.wait.max.ms');
  if (sessionTimeout !== undefined) consumer.sessionTimeout = sessionTimeout;
  if (heartbeatInterval !== undefined) consumer.heartbeatInterval = heartbeatInterval;
  if (rebalanceTimeout !== undefined) consumer.rebalanceTimeout = rebalanceTimeout;
  if (maxWaitTimeInMs !== undefined) consumer.maxWaitTimeInMs = maxWaitTimeInMs;
  if (sessionTimeout !== undefined && heartbeatInterval !== undefined && heartbeatInterval >= sessionTimeout) {
    throw fail('heartbeat.interval.ms', `must be below session.timeout.ms (${sessionTimeout})`);
  }
  const transactionTimeoutMs = millis('transaction.timeout.ms');
  return { client, consumer, acks, ...(transactionTimeoutMs !== undefined ? { transactionTimeoutMs } : {}) };
}
