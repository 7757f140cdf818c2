import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '../../src/events/messages.ts';
import type { Shop } from '../../src/app/startShop.ts';
import { randomOrderId, readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';

let shop: Shop | undefined;
afterEach(async () => {
  await shop?.stop();
  shop = undefined;
});

describe('a station working on several pizzas at once (DESIGN-NOTES 3)', () => {
  it('commits an input only after its output is produced, and never past a pizza still in the oven', async () => {
    const config = testConfig({ partitions: 1, capacity: { bake: 3 } });
    const v = await virtualShop({ config, actors: ['bake'] });
    shop = v.shop;
    const topic = config.topics.pizzaAssembled;
    const committed = async () => (await v.shop.transport.committedOffsets(config.groupIds.bake, topic)).get(0) ?? 0;
    const baked = async () => (await readTopic(v.shop.transport, config.topics.pizzaBaked)).map((m) => m.key);

    const [slow, fast, middle] = [randomOrderId(), randomOrderId(), randomOrderId()];
    const now = v.clock.now();
    await v.shop.producer.send(topic, [
      { key: slow, value: encode({ status: 200, baking_time: 30, timestamp: now }) },
      { key: fast, value: encode({ status: 200, baking_time: 10, timestamp: now }) },
      { key: middle, value: encode({ status: 200, baking_time: 20, timestamp: now }) },
    ]);
    await v.shop.settle();
    expect(v.shop.station('bake')?.load()).toMatchObject({ working: 3, queued: 0 });
    expect(await committed()).toBe(0);

    await v.advance(10_000);
    expect(await baked()).toEqual([fast]);
    expect(await committed(), 'offset 0 (the slow pizza) is still in the oven').toBe(0);

    await v.advance(10_000);
    expect(await baked()).toEqual([fast, middle]);
    expect(await committed()).toBe(0);

    await v.advance(10_000);
    expect(await baked()).toEqual([fast, middle, slow]);
    expect(await committed(), 'all three done: the group resumes after them').toBe(3);
  });
});
