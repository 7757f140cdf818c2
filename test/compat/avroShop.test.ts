import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import type { ShopConfig } from '../../src/config/shopConfig.ts';
import { topicSchemas } from '../../src/events/avroSchemas.ts';
import { createSchemaRegistryClient } from '../../src/events/schemaRegistryClient.ts';
import { avroWireFormat, jsonWireFormat, MAGIC_BYTE } from '../../src/events/wireFormat.ts';
import { DEAD_LETTER_HEADERS } from '../../src/runtime/middleware/deadLetter.ts';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { type SchemaRegistryServer, serveSchemaRegistry } from '../../src/schemaRegistry/serveSchemaRegistry.ts';
import type { WebActor } from '../../src/web/createWebActor.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic, testConfig } from '../support/shopHarness.ts';

let shop: Shop | undefined;
let server: SchemaRegistryServer | undefined;
afterEach(async () => {
  await shop?.stop();
  await server?.stop();
  shop = undefined;
  server = undefined;
});

// The newer original's name for the status topic: topic names come from the configuration.
function avroConfig(): ShopConfig {
  const config = testConfig({ partitions: 2 });
  return { ...config, topics: { ...config.topics, pizzaStatus: 'PIZZA_STATUS' } };
}

const recipe = { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: ['Olives'] };

async function avroShop(config: ShopConfig) {
  server = await serveSchemaRegistry({ port: 0, dataDir: null });
  const wireFormat = avroWireFormat(createSchemaRegistryClient({ url: server.url }), topicSchemas(config.topics));
  const clock = new VirtualClock(1_700_000_000_000);
  shop = await startShop({
    config,
    wireFormat,
    clock,
    speed: 1,
    memory: true,
    logFormat: 'silent',
    listen: false,
    actors: ['web', 'assemble', 'bake', 'delivery', 'status'],
  });
  await shop.settle();
  return { shop, wireFormat, advance: (ms: number) => clock.advance(ms, (shop as Shop).settle) };
}

describe('the shop with Avro and a Schema Registry (issue 9)', () => {
  it('writes every shop topic as Confluent Avro, registers <topic>-value subjects, and delivers orders written in either format', async () => {
    const config = avroConfig();
    const s = await avroShop(config);
    const avroOrders = [randomOrderId(), randomOrderId(), randomOrderId()];
    for (const id of avroOrders) await placeOrder(s.shop, id, randomCustomerId(), recipe);
    // a service still on JSON (the first original) writes next to them: readers take both
    const jsonOrder = randomOrderId();
    const json = jsonWireFormat();
    await s.shop.transport.producer().send(config.topics.pizzaOrdered, [
      {
        key: jsonOrder,
        value: json.encode(config.topics.pizzaOrdered, {
          status: 100,
          timestamp: 1_700_000_000_000,
          order: { ...recipe, username: 'bob', customer_id: randomCustomerId() },
        }) as Uint8Array,
      },
    ]);
    await s.advance(10 * 60_000);

    const subjects = (await (await fetch(`${server?.url}/subjects`)).json()) as string[];
    expect(subjects.sort()).toEqual(
      ['pizza-assembled', 'pizza-baked', 'pizza-cancelled', 'pizza-delivered', 'pizza-ordered', 'pizza-pending', 'PIZZA_STATUS']
        .map((t) => `${t}-value`)
        .sort(),
    );
    for (const topic of [config.topics.pizzaAssembled, config.topics.pizzaBaked, config.topics.pizzaDelivered, config.topics.pizzaStatus]) {
      const messages = await readTopic(s.shop.transport, topic);
      expect(messages.length, topic).toBeGreaterThanOrEqual(4);
      for (const m of messages) expect(m.value[0], `${topic} ${m.key}`).toBe(MAGIC_BYTE);
    }
    const delivered = new Set((await readTopic(s.shop.transport, config.topics.pizzaDelivered)).map((m) => m.key));
    expect([...delivered].sort()).toEqual([...avroOrders, jsonOrder].sort());

    // the status value in Avro is the newer original's record: lower-case fields only
    const statuses = await readTopic(s.shop.transport, config.topics.pizzaStatus);
    const last = statuses.filter((m) => m.key === jsonOrder).at(-1);
    expect(await s.wireFormat.decode(config.topics.pizzaStatus, last?.value as Uint8Array)).toEqual({
      status: 999,
      timestamp: expect.any(Number),
    });
    // log lines stay JSON
    const logs = await readTopic(s.shop.transport, config.topics.logs);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((m) => m.value[0] === '{'.charCodeAt(0))).toBe(true);
    // the web's view read the Avro status topic too
    expect((s.shop.web() as WebActor | undefined)?.view.store.getOrder(jsonOrder)?.status).toBe(999);
  });

  it('dead-letters an Avro value it cannot read with its bytes unchanged and the reason, and carries on', async () => {
    const config = avroConfig();
    const s = await avroShop(config);
    const unknownId = new Uint8Array([MAGIC_BYTE, 0, 0, 0x30, 0x39, 2, 4]); // schema id 12345
    const truncated = await s.wireFormat.encode(config.topics.pizzaAssembled, { status: 200, baking_time: 9, timestamp: 1 });
    const broken = randomOrderId();
    await s.shop.transport.producer().send(config.topics.pizzaAssembled, [
      { key: broken, value: unknownId },
      { key: randomOrderId(), value: (truncated as Uint8Array).subarray(0, 6) },
    ]);
    const good = randomOrderId();
    await placeOrder(s.shop, good, randomCustomerId(), recipe);
    await s.advance(10 * 60_000);

    const dead = (await readTopic(s.shop.transport, config.topics.deadLetter)).filter(
      (m) => m.headers[DEAD_LETTER_HEADERS.actor] === 'bake',
    );
    expect(dead).toHaveLength(2);
    expect([...(dead.find((m) => m.key === broken)?.value ?? [])]).toEqual([...unknownId]);
    // two partitions: the dead letters come in either order
    expect(dead.map((m) => m.headers[DEAD_LETTER_HEADERS.reason])).toEqual(
      expect.arrayContaining([
        expect.stringContaining('schema id 12345 is not in the schema registry'),
        expect.stringContaining('is not valid Avro for schema id'),
      ]),
    );
    const delivered = (await readTopic(s.shop.transport, config.topics.pizzaDelivered)).map((m) => m.key);
    expect(delivered).toEqual([good]);
  });
});
