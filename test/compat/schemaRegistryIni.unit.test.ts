import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKafkaConfig } from '../../src/config/loadKafkaConfig.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { createWireFormat } from '../../src/events/wireFormat.ts';

const dir = mkdtempSync(join(tmpdir(), 'pizza-kafka-ini-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ini(name: string, registry: string): string {
  const file = join(dir, name);
  writeFileSync(file, `[kafka]\nbootstrap.servers = 127.0.0.1:9092\n\n[schema-registry]\n${registry}\n`);
  return file;
}

describe('[schema-registry] in the Kafka client INI (issue 9)', () => {
  it('switches the wire format to Avro; without it, JSON', () => {
    const topics = loadConfig('config_sys/default.ini').topics;
    const avro = loadKafkaConfig('config_sys/kafka/local-avro.ini');
    expect(avro.schemaRegistry).toEqual({ url: 'http://127.0.0.1:8081' });
    expect(createWireFormat(avro, topics).name).toBe('avro');
    expect(createWireFormat(avro, topics).encodes(topics.pizzaStatus)).toBe(true);
    expect(createWireFormat(avro, topics).encodes(topics.logs)).toBe(false);
    expect(createWireFormat(loadKafkaConfig('config_sys/kafka/local.ini'), topics).name).toBe('json');
    expect(createWireFormat(undefined, topics).name).toBe('json');
  });

  it('reads basic.auth.user.info for a managed registry', () => {
    const file = ini(
      'managed.ini',
      'url = https://sr.example\nbasic.auth.credentials.source = USER_INFO\nbasic.auth.user.info = KEY:SECRET',
    );
    expect(loadKafkaConfig(file).schemaRegistry).toEqual({ url: 'https://sr.example', basicAuthUserInfo: 'KEY:SECRET' });
  });

  it('names the file, section and key of what it refuses', () => {
    expect(() => loadKafkaConfig(ini('nourl.ini', 'basic.auth.user.info = a:b'))).toThrow(
      `${dir}/nourl.ini: [schema-registry] url: missing key`,
    );
    expect(() => loadKafkaConfig(ini('ftp.ini', 'url = ftp://x'))).toThrow("[schema-registry] url: 'ftp://x' is not an http(s) URL");
    expect(() => loadKafkaConfig(ini('auth.ini', 'url = http://x\nbasic.auth.user.info = nocolon'))).toThrow(
      '[schema-registry] basic.auth.user.info: must be <key>:<secret>',
    );
    expect(() => loadKafkaConfig(ini('typo.ini', 'url = http://x\nbasic.auth.user = a:b'))).toThrow(
      '[schema-registry] basic.auth.user: unknown key (known: url, basic.auth.user.info, basic.auth.credentials.source)',
    );
    expect(() => loadKafkaConfig(ini('sasl.ini', 'url = http://x\nbasic.auth.credentials.source = SASL_INHERIT'))).toThrow(
      "[schema-registry] basic.auth.credentials.source: only USER_INFO is supported (with basic.auth.user.info = <key>:<secret>), not 'SASL_INHERIT'",
    );
  });
});
