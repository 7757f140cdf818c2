import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMAS_DIR } from '../../src/events/avroSchemas.ts';
import { createSchemaRegistryClient } from '../../src/events/schemaRegistryClient.ts';
import { avroWireFormat } from '../../src/events/wireFormat.ts';
import { type SchemaRegistryServer, serveSchemaRegistry } from '../../src/schemaRegistry/serveSchemaRegistry.ts';
import { findPython, runPython } from '../support/python.ts';

const servers: SchemaRegistryServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function registry(dataDir: string | null = null): Promise<SchemaRegistryServer> {
  const server = await serveSchemaRegistry({ port: 0, dataDir });
  servers.push(server);
  return server;
}

const schema = (file: string) => readFileSync(join(SCHEMAS_DIR, file), 'utf8');
const ordered = {
  status: 100,
  timestamp: 1_700_000_000_000,
  order: { extra_toppings: ['Egg'], sauce: 'Pesto', cheese: 'Gouda', main_topping: 'Pork', customer_id: 'a'.repeat(32), username: 'ada' },
};

async function call(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("the shop's Schema Registry, with a JavaScript client from npm (@kafkajs/confluent-schema-registry)", () => {
  it('registers under a subject, serves the schema by id, and the client encodes and decodes with it', async () => {
    const server = await registry();
    const client = new SchemaRegistry({ host: server.url });
    const { id } = await client.register(
      { type: SchemaType.AVRO, schema: schema('pizza-ordered.avsc') },
      { subject: 'pizza-ordered-value' },
    );
    expect(await client.getLatestSchemaId('pizza-ordered-value')).toBe(id);
    const bytes = await client.encode(id, ordered);
    expect([...bytes.subarray(0, 5)]).toEqual([0, 0, 0, 0, id]);
    expect(JSON.parse(JSON.stringify(await client.decode(bytes)))).toEqual(ordered);
    // the same schema again: the same id, no new version
    const again = await client.register(
      { type: SchemaType.AVRO, schema: schema('pizza-ordered.avsc') },
      { subject: 'pizza-ordered-value' },
    );
    expect(again.id).toBe(id);
    expect((await call(server.url, 'GET', '/subjects/pizza-ordered-value/versions')).json).toEqual([1]);
  });

  it('the shop writes Avro the npm client reads, and reads what the npm client writes', async () => {
    const server = await registry();
    const client = new SchemaRegistry({ host: server.url });
    const wire = avroWireFormat(
      createSchemaRegistryClient({ url: server.url }),
      new Map([['pizza-ordered', schema('pizza-ordered.avsc')]]),
    );
    const ours = await wire.encode('pizza-ordered', ordered);
    expect(JSON.parse(JSON.stringify(await client.decode(Buffer.from(ours))))).toEqual(ordered);
    const id = await client.getLatestSchemaId('pizza-ordered-value');
    expect(await wire.decode('pizza-ordered', await client.encode(id, { ...ordered, status: 101 }))).toEqual({ ...ordered, status: 101 });
  });

  it('checks BACKWARD compatibility by default, refuses an incompatible version with 409, and honours a subject level', async () => {
    const server = await registry();
    const client = new SchemaRegistry({ host: server.url });
    const base = JSON.parse(schema('pizza-baked.avsc')) as { fields: unknown[] };
    await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(base) }, { subject: 'baked-value' });
    const withDefault = { ...base, fields: [...base.fields, { name: 'oven', type: 'string', default: 'one' }] };
    const withoutDefault = { ...base, fields: [...base.fields, { name: 'oven', type: 'string' }] };
    expect((await call(server.url, 'GET', '/config')).json).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect(
      (await call(server.url, 'POST', '/compatibility/subjects/baked-value/versions/latest', { schema: JSON.stringify(withDefault) })).json,
    ).toEqual({ is_compatible: true });
    expect(
      (await call(server.url, 'POST', '/compatibility/subjects/baked-value/versions/latest', { schema: JSON.stringify(withoutDefault) }))
        .json,
    ).toEqual({ is_compatible: false });
    await expect(
      client.register({ type: SchemaType.AVRO, schema: JSON.stringify(withoutDefault) }, { subject: 'baked-value' }),
    ).rejects.toThrow(/incompatible/);
    const refused = await call(server.url, 'POST', '/subjects/baked-value/versions', { schema: JSON.stringify(withoutDefault) });
    expect(refused.status).toBe(409);
    expect(refused.json.error_code).toBe(409);
    // FORWARD: old readers must read the new data; a new required field is fine, a removed one is not
    expect((await call(server.url, 'PUT', '/config/baked-value', { compatibility: 'FORWARD' })).json).toEqual({ compatibility: 'FORWARD' });
    expect((await call(server.url, 'POST', '/subjects/baked-value/versions', { schema: JSON.stringify(withoutDefault) })).json).toEqual({
      id: 2,
    });
    const removed = { ...base, fields: [base.fields[0]] };
    expect(
      (await call(server.url, 'POST', '/compatibility/subjects/baked-value/versions', { schema: JSON.stringify(removed) })).json,
    ).toEqual({ is_compatible: false });
  });

  it("answers Confluent's error codes for what it does not have or cannot take", async () => {
    const server = await registry();
    expect(await call(server.url, 'GET', '/schemas/ids/77')).toEqual({
      status: 404,
      json: { error_code: 40403, message: 'Schema 77 not found' },
    });
    expect((await call(server.url, 'GET', '/subjects/nope/versions')).json.error_code).toBe(40401);
    expect((await call(server.url, 'POST', '/subjects/x-value/versions', { schema: '{"type":"record"}' })).json.error_code).toBe(42201);
    expect((await call(server.url, 'POST', '/subjects/x-value/versions', { schema: '{}', schemaType: 'PROTOBUF' })).status).toBe(422);
    expect((await call(server.url, 'PUT', '/config', { compatibility: 'SIDEWAYS' })).json.error_code).toBe(42203);
  });

  it('keeps subjects, versions and ids in the data directory across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pizza-registry-'));
    dirs.push(dir);
    const first = await registry(dir);
    const registered = await call(first.url, 'POST', '/subjects/pizza-baked-value/versions', { schema: schema('pizza-baked.avsc') });
    await call(first.url, 'PUT', '/config', { compatibility: 'FULL' });
    await first.stop();
    servers.splice(servers.indexOf(first), 1);
    const second = await registry(dir);
    expect((await call(second.url, 'GET', '/subjects')).json).toEqual(['pizza-baked-value']);
    expect((await call(second.url, 'GET', `/schemas/ids/${registered.json.id}`)).json).toEqual({ schema: schema('pizza-baked.avsc') });
    expect((await call(second.url, 'GET', '/config')).json).toEqual({ compatibilityLevel: 'FULL' });
  });
});

describe("the shop's Schema Registry, with Confluent's Python SchemaRegistryClient, AvroSerializer and AvroDeserializer", () => {
  const py = findPython();
  it.skipIf(!py.available)('serialises, deserialises (also what the shop wrote) and checks compatibility', async () => {
    const server = await registry();
    const wire = avroWireFormat(createSchemaRegistryClient({ url: server.url }), new Map([['pizza-baked', schema('pizza-baked.avsc')]]));
    const shopValue = await wire.encode('pizza-baked', { status: 300, timestamp: 1_700_000_000_123 });
    const run = await runPython(py.python, [
      'test/compat/python/registry_clients.py',
      server.url,
      SCHEMAS_DIR,
      Buffer.from(shopValue).toString('hex'),
    ]);
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(seen.subjects).toEqual(['pizza-baked-value', 'py-assembled-value']);
    expect(seen.read_back).toEqual({ status: 200, baking_time: 13, timestamp: 1_700_000_000_000 });
    expect(seen.read_shop).toEqual({ status: 300, timestamp: 1_700_000_000_123 });
    expect(seen.compatible_with_default).toBe(true);
    expect(seen.compatible_without_default).toBe(false);
    expect(seen.incompatible_register).toBe(409);
    expect(seen.level).toBe('BACKWARD');
    // and the shop reads what Confluent's AvroSerializer wrote
    const written = Buffer.from(String(seen.written_hex), 'hex');
    expect(await wire.decode('py-assembled', written)).toEqual({ status: 200, baking_time: 13, timestamp: 1_700_000_000_000 });
  });
});
