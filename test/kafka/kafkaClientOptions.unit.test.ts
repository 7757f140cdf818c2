import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKafkaConfig } from '../../src/config/loadKafkaConfig.ts';
import { ShopError } from '../../src/errors.ts';
import { toKafkaClientOptions } from '../../src/transport/kafka/kafkaClientOptions.ts';

const FILE = 'config_sys/kafka/test.ini';
const map = (properties: Record<string, string>) => toKafkaClientOptions({ file: FILE, properties });

/** The ShopError a mapping throws, for asserting its code and message. */
function refusal(properties: Record<string, string>): ShopError {
  try {
    map(properties);
  } catch (error) {
    if (error instanceof ShopError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(properties)} to be refused`);
}

describe('Kafka client INI -> kafkajs options', () => {
  it('maps the shipped local.ini: brokers and client id, plain connection', () => {
    const options = toKafkaClientOptions(loadKafkaConfig('config_sys/kafka/local.ini'));
    expect(options.client).toEqual({ brokers: ['127.0.0.1:9092'], clientId: 'pizza-shop' });
    expect(options.acks).toBe(-1);
    expect(options.consumer).toEqual({});
  });

  it('maps the shipped cloud example: SASL_SSL with PLAIN', () => {
    const options = toKafkaClientOptions(loadKafkaConfig('config_sys/kafka/cloud.example.ini'));
    expect(options.client.ssl).toBe(true);
    expect(options.client.sasl).toEqual({ mechanism: 'plain', username: '<API_KEY>', password: '<API_SECRET>' });
  });

  it('splits a comma-separated bootstrap list and defaults the client id', () => {
    const options = map({ 'bootstrap.servers': 'k1.example:9092, k2.example:9093,[::1]:9094' });
    expect(options.client.brokers).toEqual(['k1.example:9092', 'k2.example:9093', '[::1]:9094']);
    expect(options.client.clientId).toBe('pizza-shop');
  });

  it.each([
    ['PLAINTEXT', undefined, undefined],
    ['SSL', true, undefined],
    ['SASL_PLAINTEXT', undefined, 'scram-sha-256'],
    ['SASL_SSL', true, 'scram-sha-512'],
  ] as const)('security.protocol = %s', (protocol, ssl, mechanism) => {
    const sasl: Record<string, string> = protocol.startsWith('SASL')
      ? { 'sasl.mechanisms': mechanism === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512', 'sasl.username': 'u', 'sasl.password': 'p' }
      : {};
    const options = map({ 'bootstrap.servers': 'b:9092', 'security.protocol': protocol, ...sasl });
    expect(options.client.ssl).toBe(ssl);
    expect(options.client.sasl).toEqual(mechanism ? { mechanism, username: 'u', password: 'p' } : undefined);
  });

  it('accepts the protocol and mechanism in any case, and librdkafka’s singular sasl.mechanism', () => {
    const options = map({
      'bootstrap.servers': 'b:9092',
      'security.protocol': 'sasl_ssl',
      'sasl.mechanism': 'plain',
      'sasl.username': 'u',
      'sasl.password': 'p',
    });
    expect(options.client.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
  });

  it('maps the consumer timings and acks', () => {
    const options = map({
      'bootstrap.servers': 'b:9092',
      'session.timeout.ms': '45000',
      'heartbeat.interval.ms': '3000',
      'max.poll.interval.ms': '300000',
      'fetch.wait.max.ms': '100',
      'request.timeout.ms': '20000',
      'socket.connection.setup.timeout.ms': '5000',
      acks: 'all',
    });
    expect(options.consumer).toEqual({ sessionTimeout: 45_000, heartbeatInterval: 3_000, rebalanceTimeout: 300_000, maxWaitTimeInMs: 100 });
    expect(options.client.requestTimeout).toBe(20_000);
    expect(options.client.connectionTimeout).toBe(5_000);
    expect(options.acks).toBe(-1);
    expect(map({ 'bootstrap.servers': 'b:9092', acks: '1' }).acks).toBe(1);
  });

  it('maps transaction.timeout.ms; without it the transport keeps its own default', () => {
    expect(map({ 'bootstrap.servers': 'b:9092', 'transaction.timeout.ms': '15000' }).transactionTimeoutMs).toBe(15_000);
    expect(map({ 'bootstrap.servers': 'b:9092' }).transactionTimeoutMs).toBeUndefined();
    expect(refusal({ 'bootstrap.servers': 'b:9092', 'transaction.timeout.ms': 'soon' }).message).toContain(
      '[kafka] transaction.timeout.ms',
    );
  });

  it('reads TLS certificates relative to the INI file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-ini-'));
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    const options = toKafkaClientOptions({
      file: join(dir, 'cluster.ini'),
      properties: {
        'bootstrap.servers': 'b:9093',
        'security.protocol': 'SSL',
        'ssl.ca.location': 'ca.pem',
        'enable.ssl.certificate.verification': 'false',
      },
    });
    expect(options.client.ssl).toEqual({ ca: ['CA PEM'], rejectUnauthorized: false });
  });

  describe('refuses, naming the file and the property', () => {
    it.each([
      [{ 'bootstrap.servers': 'b:9092', 'auto.offset.reset': 'latest' }, 'auto.offset.reset', 'unsupported Kafka client property'],
      [{ 'bootstrap.servers': 'b:9092', 'group.id': 'x' }, 'group.id', 'unsupported Kafka client property'],
      [{ 'bootstrap.servers': 'b9092' }, 'bootstrap.servers', 'is not host:port'],
      [{ 'bootstrap.servers': ' , ' }, 'bootstrap.servers', 'no broker listed'],
      [
        { 'bootstrap.servers': 'b:9092', 'security.protocol': 'TLS' },
        'security.protocol',
        'is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
      ],
      [
        { 'bootstrap.servers': 'b:9092', 'security.protocol': 'SASL_SSL', 'sasl.username': 'u', 'sasl.password': 'p' },
        'sasl.mechanisms',
        'missing key',
      ],
      [
        {
          'bootstrap.servers': 'b:9092',
          'security.protocol': 'SASL_SSL',
          'sasl.mechanisms': 'GSSAPI',
          'sasl.username': 'u',
          'sasl.password': 'p',
        },
        'sasl.mechanisms',
        "'GSSAPI' is not supported",
      ],
      [
        { 'bootstrap.servers': 'b:9092', 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'PLAIN', 'sasl.password': 'p' },
        'sasl.username',
        'missing key',
      ],
      [
        { 'bootstrap.servers': 'b:9092', 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'u' },
        'sasl.password',
        'missing key',
      ],
      [{ 'bootstrap.servers': 'b:9092', 'sasl.username': 'u' }, 'sasl.username', 'does not use SASL'],
      [{ 'bootstrap.servers': 'b:9092', 'ssl.ca.location': 'ca.pem' }, 'ssl.ca.location', 'does not use TLS'],
      [{ 'bootstrap.servers': 'b:9092', 'session.timeout.ms': 'soon' }, 'session.timeout.ms', 'positive whole number'],
      [
        { 'bootstrap.servers': 'b:9092', 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '6000' },
        'heartbeat.interval.ms',
        'below session.timeout.ms',
      ],
      [{ 'bootstrap.servers': 'b:9092', acks: '0' }, 'acks', 'must be all, -1 or 1'],
      [
        { 'bootstrap.servers': 'b:9092', 'security.protocol': 'SSL', 'ssl.ca.location': 'missing-ca.pem' },
        'ssl.ca.location',
        'cannot read',
      ],
    ])('%j -> %s', (properties, key, problem) => {
      const error = refusal(properties);
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain(`${FILE}: [kafka] ${key}: `);
      expect(error.message).toContain(problem);
    });
  });
});
