import { afterEach, describe, expect, it } from 'vitest';
import { encode, parseStatusChanged } from '../../src/events/messages.ts';
import type { Shop } from '../../src/app/startShop.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';

let shop: Shop | undefined;
afterEach(async () => {
  await shop?.stop();
  shop = undefined;
});

describe("the original's stations ignore pizza-cancelled (README: Running with the original's services)", () => {
  it('a cancelled order whose pizza their stations still make stays cancelled in our status', async () => {
    const config = testConfig({ partitions: 1 });
    // only our status actor: the kitchen is the original's, which never reads pizza-cancelled
    const v = await virtualShop({ config, actors: ['status'] });
    shop = v.shop;
    const id = randomOrderId();
    await placeOrder(v.shop, id, randomCustomerId(), { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: [] });
    await v.advance(1_000);
    const t = config.topics;
    const send = async (topic: string, value: object) => {
      await v.shop.producer.send(topic, [{ key: id, value: encode(value as never) }]);
      await v.advance(1_000);
    };
    await send(t.pizzaCancelled, { status: 499, timestamp: v.clock.now() });
    await send(t.pizzaAssembled, { status: 200, baking_time: 9, timestamp: v.clock.now() });
    await send(t.pizzaBaked, { status: 300, timestamp: v.clock.now() });
    await send(t.pizzaDelivered, { status: 999, timestamp: v.clock.now() });
    await v.advance(10 * 60_000);
    const statuses = (await readTopic(v.shop.transport, t.pizzaStatus))
      .filter((m) => m.key === id)
      .map((m) => parseStatusChanged(m.value).status);
    expect(statuses).toEqual([100, 499]);
  });
});
