import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStatusChanged } from '../../src/events/messages.ts';
import type { Shop } from '../../src/app/startShop.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic, type Recipe, testConfig, virtualShop } from '../support/shopHarness.ts';

// Expected timings computed here from SPEC.md, independently of src/kitchen/timings.ts.
function assembleSeconds(r: Recipe): number {
  const s = Number.parseInt(
    createHash('md5')
      .update(`${r.sauce}@${r.cheese}@${r.extra_toppings.join(',')}@${r.main_topping}`)
      .digest('hex')
      .slice(-4),
    16,
  );
  return (s % 8) + 4;
}
function bakingSeconds(r: Recipe): number {
  const s = Number.parseInt(
    createHash('md5')
      .update(`${r.sauce}@${r.cheese}@${r.extra_toppings.join(',')}@${r.main_topping}`)
      .digest('hex')
      .slice(-4),
    16,
  );
  return (s % 8) + 8;
}
function deliverySeconds(customerId: string, factor = 1): number {
  return factor * (Number(BigInt(`0x${customerId}`) % 10n) + 5);
}

const config = testConfig({ partitions: 1 });
const menu = config.menu;
function recipe(i: number): Recipe {
  return {
    sauce: menu.sauce[i % menu.sauce.length] as string,
    cheese: menu.cheese[(i * 3) % menu.cheese.length] as string,
    main_topping: menu.mainTopping[(i * 7) % menu.mainTopping.length] as string,
    extra_toppings: menu.extraToppings.slice(0, i % 4),
  };
}

let shop: Shop | undefined;
afterEach(async () => {
  await shop?.stop();
  shop = undefined;
});

describe('the whole shop in virtual time (embedded log)', () => {
  it('delivers every order at the time the formulas and the station queues give', async () => {
    const v = await virtualShop({ config, speed: 1 });
    shop = v.shop;
    const t0 = v.clock.now();
    const orders = Array.from({ length: 12 }, (_, i) => ({
      id: randomOrderId(),
      customer: randomCustomerId(),
      recipe: recipe(i),
      placedAt: t0 + i * 3_000,
    }));

    for (const o of orders) {
      await v.advance(o.placedAt - v.clock.now());
      await placeOrder(v.shop, o.id, o.customer, o.recipe);
      await v.shop.settle();
    }
    await v.advance(30 * 60_000);

    // One station instance of each, capacity 1, FIFO queues (one partition keeps arrival order).
    const expected = new Map<string, number>();
    let assembleFree = 0;
    let bakeFree = 0;
    let deliveryFree = 0;
    for (const o of orders) {
      const assembled = Math.max(o.placedAt, assembleFree) + assembleSeconds(o.recipe) * 1000;
      assembleFree = assembled;
      const baked = Math.max(assembled, bakeFree) + bakingSeconds(o.recipe) * 1000;
      bakeFree = baked;
      const delivered = Math.max(baked, deliveryFree) + deliverySeconds(o.customer) * 1000;
      deliveryFree = delivered;
      expected.set(o.id, delivered);
    }

    const delivered = await readTopic(v.shop.transport, config.topics.pizzaDelivered);
    const actual = new Map(delivered.map((m) => [m.key as string, parseStatusChanged(m.value).timestamp]));
    expect(delivered).toHaveLength(orders.length);
    for (const o of orders) expect(actual.get(o.id), `order ${o.id}`).toBe(expected.get(o.id));

    // The status actor published every order's last status as delivered (999).
    const statuses = await readTopic(v.shop.transport, config.topics.pizzaStatus);
    const last = new Map<string, number>();
    for (const m of statuses) last.set(m.key as string, parseStatusChanged(m.value).status);
    for (const o of orders) expect(last.get(o.id)).toBe(999);
  });
});
