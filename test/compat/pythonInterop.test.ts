import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KafkaClientConfig } from '../../src/config/loadKafkaConfig.ts';
import type { ShopConfig } from '../../src/config/shopConfig.ts';
import { avroSchemaFiles, SCHEMAS_DIR } from '../../src/events/avroSchemas.ts';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { type SchemaRegistryServer, serveSchemaRegistry } from '../../src/schemaRegistry/serveSchemaRegistry.ts';
import type { WebActor } from '../../src/web/createWebActor.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { findPython, runPython } from '../support/python.ts';
import { readTopic, testConfig } from '../support/shopHarness.ts';
import { waitFor } from '../support/waitFor.ts';

const broker = await findKafkaBroker();
const py = findPython();
const ready = broker.available && py.available;

/** The shop's configuration with topics and groups of this run only; the status topic named as the newer original names it. */
function runConfig(): ShopConfig {
  const base = testConfig();
  const sfx = randomBytes(4).toString('hex');
  const topics = Object.fromEntries(
    Object.entries(base.topics).map(([alias, topic]) => [alias, `${topic}-${sfx}`]),
  ) as unknown as ShopConfig['topics'];
  topics.pizzaStatus = `PIZZA_STATUS_${sfx}`;
  const groupIds = Object.fromEntries(
    Object.entries(base.groupIds).map(([actor, group]) => [actor, `${group}-${sfx}`]),
  ) as ShopConfig['groupIds'];
  return { ...base, topics, groupIds, topicConfig: { numPartitions: 6, replicationFactor: 1 } };
}

let shop: Shop | undefined;
let registry: SchemaRegistryServer | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await shop?.stop();
  await registry?.stop();
  shop = undefined;
  registry = undefined;
});

/** Starts the Python bake station; resolves with its printed lines (growing). */
function startPythonBake(config: ShopConfig, registryUrl?: string): { lines: string[]; exited: Promise<number | null> } {
  const args = [
    'test/compat/python/bake_station.py',
    '--bootstrap',
    broker.bootstrap,
    '--group',
    config.groupIds.bake,
    '--in',
    config.topics.pizzaAssembled,
    '--out',
    config.topics.pizzaBaked,
    '--status',
    String(config.status.ids.pizza_baked),
    ...(registryUrl ? ['--registry', registryUrl, '--schema', join(SCHEMAS_DIR, avroSchemaFiles.pizzaBaked)] : []),
  ];
  const child = spawn(py.python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  const collect = (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { lines, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

/** Logs in and orders through the web's JSON API, as a customer would. */
async function order(web: WebActor, username: string): Promise<string> {
  const login = await web.app.handle(
    new Request('http://shop/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username }),
    }),
  );
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const placed = await web.app.handle(
    new Request('http://shop/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: ['Olives'] }),
    }),
  );
  expect(placed.status).toBe(201);
  return ((await placed.json()) as { order_id: string }).order_id;
}

describe.skipIf(!ready).each([
  { format: 'JSON', avro: false },
  { format: 'Avro + Schema Registry', avro: true },
])('a Python bake station on confluent-kafka in place of ours, $format (issue 9)', ({ avro }) => {
  it('every order is delivered, on the partitions ours would use, and a Python reader of the status topic sees them delivered', async () => {
    const config = runConfig();
    if (avro) registry = await serveSchemaRegistry({ port: 0, dataDir: null });
    const kafka: KafkaClientConfig = { ...broker.config, ...(registry ? { schemaRegistry: { url: registry.url } } : {}) };
    shop = await startShop({
      config,
      kafka,
      actors: ['web', 'assemble', 'delivery', 'status'],
      speed: 0,
      memory: true,
      listen: false,
      logFormat: 'silent',
    });
    const bake = startPythonBake(config, registry?.url);
    await waitFor(() => bake.lines.some((l) => l.includes('"subscribed"')), {
      timeoutMs: 60_000,
      message: () => `the Python station did not start:\n${bake.lines.join('\n')}`,
    });

    // the shop hosts the web actor of src/web/createWebActor.ts
    const web = shop.web() as WebActor | undefined;
    if (!web) throw new Error('no web actor');
    const orders: string[] = [];
    for (let i = 0; i < 5; i++) orders.push(await order(web, `py${i}`));

    // the original's status service reads the status topic: `STATUS` in JSON, `status` in Avro
    const reader = await runPython(
      py.python,
      [
        'test/compat/python/status_reader.py',
        '--bootstrap',
        broker.bootstrap,
        '--topic',
        config.topics.pizzaStatus,
        '--expect',
        orders.join(','),
        '--timeout',
        '90',
        ...(registry ? ['--registry', registry.url] : []),
      ],
      120_000,
    );
    expect(reader.status, `status reader:\n${reader.stdout}\n${reader.stderr}\nbake:\n${bake.lines.join('\n')}`).toBe(0);
    const seen = reader.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { order_id?: string; status?: number });
    for (const id of orders) expect(seen.filter((s) => s.order_id === id).map((s) => s.status)).toContain(999);
    expect(seen.every((s) => s.status !== 410)).toBe(true);

    // the Python station baked them all, keyed as ours would have: same partition as the order
    await waitFor(() => web.view.store.getOrder(orders.at(-1) as string)?.status === 999, {
      timeoutMs: 30_000,
      message: "the shop's web view did not see the last order delivered",
    });
    const ordered = new Map((await readTopic(shop.transport, config.topics.pizzaOrdered)).map((m) => [m.key, m.partition]));
    const baked = await readTopic(shop.transport, config.topics.pizzaBaked);
    expect(baked.map((m) => m.key).sort()).toEqual([...orders].sort());
    for (const m of baked) expect(m.partition, `order ${m.key}`).toBe(ordered.get(m.key));
    if (avro) for (const m of baked) expect(m.value[0]).toBe(0);
    else
      for (const m of baked) expect(JSON.parse(new TextDecoder().decode(m.value))).toEqual({ status: 300, timestamp: expect.any(Number) });
  }, 180_000);
});
