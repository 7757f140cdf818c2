import { afterEach, describe, expect, it } from 'vitest';
import { encode, parseStatusChanged } from '../../src/events/messages.ts';
import { DEAD_LETTER_HEADERS } from '../../src/runtime/middleware/deadLetter.ts';
import type { Shop } from '../../src/app/startShop.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';

const config = testConfig({ partitions: 3 });
const recipe = {
  sauce: config.menu.sauce[1] as string,
  cheese: config.menu.cheese[1] as string,
  main_topping: config.menu.mainTopping[1] as string,
  extra_toppings: ['Olives'],
};

let shop: Shop | undefined;
afterEach(async () => {
  await shop?.stop();
  shop = undefined;
});

async function statusesOf(s: Shop, orderId: string): Promise<number[]> {
  return (await readTopic(s.transport, config.topics.pizzaStatus))
    .filter((m) => m.key === orderId)
    .map((m) => parseStatusChanged(m.value).status);
}

describe('poison messages', () => {
  it('go to the dead-letter topic with the reason, are counted, and the stream carries on', async () => {
    const v = await virtualShop({ config });
    shop = v.shop;
    const poisoned = randomOrderId();
    await placeOrder(v.shop, poisoned, randomCustomerId(), recipe);
    await v.shop.settle();
    // An unparsable pizza-assembled for a placed order, and one with no order id at all.
    await v.shop.producer.send(config.topics.pizzaAssembled, [
      { key: poisoned, value: '{"status":200,"baking_time":"soon"' },
      { key: null, value: encode({ status: 200, baking_time: 9, timestamp: 1 }) },
      { key: poisoned, value: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) },
    ]);
    const good = randomOrderId();
    await placeOrder(v.shop, good, randomCustomerId(), recipe);
    await v.advance(10 * 60_000);

    const dead = await readTopic(v.shop.transport, config.topics.deadLetter);
    const fromBake = dead.filter((m) => m.headers[DEAD_LETTER_HEADERS.actor] === 'bake');
    expect(fromBake).toHaveLength(3);
    const reasons = fromBake.map((m) => m.headers[DEAD_LETTER_HEADERS.reason]);
    expect(reasons).toContain('value is not JSON');
    expect(reasons).toContain('value is not UTF-8');
    expect(reasons).toContain('key null is not an order id (8 lowercase hex)');
    // Each dead letter points at exactly the message it holds: same key and bytes at that position.
    const assembled = await readTopic(v.shop.transport, config.topics.pizzaAssembled);
    for (const m of fromBake) {
      expect(m.headers[DEAD_LETTER_HEADERS.topic]).toBe(config.topics.pizzaAssembled);
      const at = assembled.find(
        (a) => `${a.partition}` === m.headers[DEAD_LETTER_HEADERS.partition] && `${a.offset}` === m.headers[DEAD_LETTER_HEADERS.offset],
      );
      expect(
        at,
        `a pizza-assembled message at ${m.headers[DEAD_LETTER_HEADERS.partition]}@${m.headers[DEAD_LETTER_HEADERS.offset]}`,
      ).toBeDefined();
      expect(at?.key).toBe(m.key);
      expect(at?.value).toEqual(m.value);
    }
    expect(v.shop.actor('bake')?.metrics().deadLettered).toBe(3);
    expect(v.shop.actor('status')?.metrics().deadLettered).toBe(3);
    expect(
      v.shop.supervisor.states().every((a) => a.restarts === 0),
      'no actor crashed',
    ).toBe(true);
    // the original bytes are kept
    expect(new TextDecoder().decode(fromBake.find((m) => m.key === poisoned)?.value)).toBe('{"status":200,"baking_time":"soon"');

    // The status actor dead-letters the same messages and marks the order something-wrong.
    expect(dead.filter((m) => m.headers[DEAD_LETTER_HEADERS.actor] === 'status')).toHaveLength(3);
    expect(await statusesOf(v.shop, poisoned)).toContain(config.status.ids.something_wrong);

    // The stream carried on: the good order was delivered.
    expect(await statusesOf(v.shop, good)).toContain(config.status.ids.delivered);
  });
});

describe('cancel', () => {
  async function cancel(s: Shop, orderId: string) {
    const timestamp = s.clock.now();
    await s.producer.send(config.topics.pizzaCancelled, [
      { key: orderId, value: encode({ status: config.status.ids.cancelled, timestamp }), timestamp },
    ]);
  }

  for (const [stage, wait] of [
    ['before assembling ends', 1_000],
    ['while in the oven', 15_000],
  ] as const) {
    it(`${stage}: the order ends cancelled and nothing is delivered`, async () => {
      const v = await virtualShop({ config });
      shop = v.shop;
      const orderId = randomOrderId();
      await placeOrder(v.shop, orderId, randomCustomerId(), { ...recipe, extra_toppings: [] });
      await v.advance(wait);
      await cancel(v.shop, orderId);
      await v.advance(10 * 60_000);
      const statuses = await statusesOf(v.shop, orderId);
      expect(statuses.at(-1)).toBe(config.status.ids.cancelled);
      expect((await readTopic(v.shop.transport, config.topics.pizzaDelivered)).filter((m) => m.key === orderId)).toHaveLength(0);
      // every station is free again
      for (const name of ['assemble', 'bake', 'delivery'] as const)
        expect(v.shop.stationLoad(name)).toMatchObject({ working: 0, queued: 0 });
    });
  }

  it('after baking: the order is delivered anyway', async () => {
    const v = await virtualShop({ config });
    shop = v.shop;
    const orderId = randomOrderId();
    await placeOrder(v.shop, orderId, randomCustomerId(), recipe);
    for (let i = 0; i < 120; i++) {
      const baked = (await readTopic(v.shop.transport, config.topics.pizzaBaked)).some((m) => m.key === orderId);
      if (baked) break;
      await v.advance(500);
    }
    await cancel(v.shop, orderId);
    await v.advance(10 * 60_000);
    expect((await statusesOf(v.shop, orderId)).at(-1)).toBe(config.status.ids.delivered);
  });
});
