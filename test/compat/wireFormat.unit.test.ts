import { describe, expect, it } from 'vitest';
import { parsePizzaAssembled, parseStatusChanged } from '../../src/events/messages.ts';
import { createSchemaRegistryClient } from '../../src/events/schemaRegistryClient.ts';
import { statusValue } from '../../src/events/statusValue.ts';
import { jsonWireFormat, MAGIC_BYTE } from '../../src/events/wireFormat.ts';
import { ShopError } from '../../src/errors.ts';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function errorOf(fn: () => unknown): Promise<ShopError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof ShopError) return e;
    throw e;
  }
  throw new Error('expected a ShopError');
}

describe('the status value (issue 9)', () => {
  it("carries ksqlDB's upper-case STATUS/TIMESTAMP and the lower-case fields, with the same numbers", () => {
    const json = JSON.parse(text(jsonWireFormat().encode('pizza-status', statusValue(999, 1_700_000_000_000)) as Uint8Array));
    expect(json).toEqual({ status: 999, timestamp: 1_700_000_000_000, STATUS: 999, TIMESTAMP: 1_700_000_000_000 });
    // a reader of either generation gets the status: the first original's (`STATUS`, else 410) and ours
    expect(json.STATUS ?? 410).toBe(999);
    expect(parseStatusChanged(JSON.stringify(json))).toEqual({ status: 999, timestamp: 1_700_000_000_000 });
  });
});

describe('the JSON wire format', () => {
  it('writes UTF-8 JSON and reads it back', () => {
    const wire = jsonWireFormat();
    const bytes = wire.encode('pizza-baked', { status: 300, timestamp: 5 }) as Uint8Array;
    expect(text(bytes)).toBe('{"status":300,"timestamp":5}');
    expect(wire.decode('pizza-baked', bytes)).toEqual({ status: 300, timestamp: 5 });
    expect(wire.encodes('pizza-baked')).toBe(false);
  });

  it('refuses what is neither JSON nor readable Avro, as malformed', async () => {
    const wire = jsonWireFormat();
    expect((await errorOf(() => wire.decode('t', new Uint8Array([0xff, 0xfe])))).message).toBe('value is not UTF-8');
    expect(await errorOf(() => wire.decode('t', new TextEncoder().encode('{oops')))).toMatchObject({ code: 'MALFORMED_MESSAGE' });
    const avro = new Uint8Array([MAGIC_BYTE, 0, 0, 0, 7, 2]);
    const e = await errorOf(() => wire.decode('t', avro));
    expect(e.code).toBe('MALFORMED_MESSAGE');
    expect(e.message).toBe('value is Avro (schema id 7) but no [schema-registry] is configured to read it');
    expect((await errorOf(() => wire.decode('t', new Uint8Array([MAGIC_BYTE, 0, 1])))).message).toContain('shorter than its 5-byte header');
  });

  it('a registry that does not answer is a retriable error, not a malformed message', async () => {
    // nothing listens on port 1 of the loopback: connection refused
    const wire = jsonWireFormat(createSchemaRegistryClient({ url: 'http://127.0.0.1:1', retries: 0 }));
    const e = await errorOf(() => wire.decode('t', new Uint8Array([MAGIC_BYTE, 0, 0, 0, 7, 2])));
    expect(e.code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
    expect(e.retriable).toBe(true);
  });
});

describe('the parsers take what a wire format decoded', () => {
  it('checks a decoded object as they check JSON text', async () => {
    const wire = jsonWireFormat();
    const decoded = (await wire.decode(
      'pizza-assembled',
      new TextEncoder().encode('{"status":200,"baking_time":9,"timestamp":7}'),
    )) as Record<string, unknown>;
    expect(parsePizzaAssembled(decoded)).toEqual({ status: 200, baking_time: 9, timestamp: 7 });
    expect((await errorOf(() => parsePizzaAssembled({ status: 200, timestamp: 7 }))).message).toBe("field 'baking_time' must be a number");
    expect((await errorOf(() => parseStatusChanged([] as never))).message).toBe('value is not an object');
  });
});
