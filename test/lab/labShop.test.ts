import { afterEach, describe, expect, it } from 'vitest';
import { startShop } from '../../src/app/startShop.ts';
import { VirtualClock } from '../../src/clock.ts';
import type { Transaction } from '../../src/lab/labMessages.ts';
import { readTopic, testConfig } from '../support/shopHarness.ts';
import { login, placeOrder, request, type WebHarness } from '../web/webHarness.ts';

/**
 * The lab's whole path on the embedded log, in virtual time: orders placed through the web API
 * become transactions keyed by product, the inventory source publishes the inventory table, the
 * processor computes windows and promotions, the sink writes them with its offsets into the
 * analytics database, and the menu shows the promotions; assembling pizzas takes their items
 * from stock and a restock (API) refills it, which reaches the processor through the source.
 */

const START = Date.UTC(2026, 10, 30, 12, 0, 10);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function labShop() {
  const clock = new VirtualClock(START);
  const shop = await startShop({
    config: testConfig(),
    clock,
    speed: 10,
    memory: true,
    logFormat: 'silent',
    listen: false,
    instanceId: 'lab',
  });
  cleanups.push(() => shop.stop());
  await shop.settle();
  const web = shop.web() as unknown as WebHarness['web'];
  const h = { web } as WebHarness;
  return { shop, clock, h, advance: (ms: number) => clock.advance(ms, shop.settle) };
}

const PIZZA = { sauce: 'Pesto', cheese: 'Goat cheese', main_topping: 'Ham', extra_toppings: ['Olives'] };

describe('the stream-processing lab in the shop (embedded log)', () => {
  it('orders placed → transactions per item → windows and promotions in the analytics database and on the menu; assembling uses stock; a restock refills it', async () => {
    const { shop, h, advance } = await labShop();
    // the source published the seeded inventory table
    const inventory = await readTopic(shop.transport, shop.config.topics.inventory);
    const products = [
      ...shop.config.menu.sauce,
      ...shop.config.menu.cheese,
      ...shop.config.menu.mainTopping,
      ...shop.config.menu.extraToppings,
    ];
    expect(new Set(inventory.map((m) => m.key))).toEqual(new Set(products));

    const { cookie, customerId } = await login(h, 'lab tester');
    const orders = [await placeOrder(h, cookie, PIZZA), await placeOrder(h, cookie, PIZZA)];
    await shop.settle();
    const txns = (await readTopic(shop.transport, shop.config.topics.transactions)).map((m) => ({
      key: m.key,
      value: JSON.parse(new TextDecoder().decode(m.value)) as Transaction,
    }));
    expect(txns).toHaveLength(2 * 4);
    expect(txns.every((t) => t.key === t.value.prod_id && t.value.cust_id === customerId)).toBe(true);
    expect(txns.filter((t) => t.key === 'Ham')).toHaveLength(2);

    // 2 orders of Ham this hour, 6 expected, 100 % in stock: promoted, in each of its 12 windows
    const promoted = shop.lab.analytics.promotionFeed(100);
    expect(
      promoted
        .filter((p) => p.prod_id === 'Ham')
        .map((p) => p.txn_per_hour)
        .sort(),
    ).toEqual([...Array(12).fill(1), ...Array(12).fill(2)]);
    const row = shop.lab.analytics.db
      .prepare("SELECT COUNT(*) AS n, MAX(txn_per_hour) AS top FROM product_txn_per_hour WHERE prod_id = 'Ham'")
      .get<{ n: number; top: number }>();
    expect(row).toEqual({ n: 12, top: 2 });
    // the sink's offsets are in the same database as its rows
    const positions = shop.lab.analytics.db
      .prepare('SELECT SUM(next) AS n FROM sink_offsets WHERE topic = ?')
      .get<{ n: number }>(shop.config.topics.promotions);
    expect(positions?.n).toBe(promoted.length);

    const menu = await request(h, 'GET', '/api/menu', { cookie });
    const body = (await menu.json()) as { promotions: { item: string; discount: number; why: string }[] };
    const ham = body.promotions.find((p) => p.item === 'Ham');
    expect(ham).toMatchObject({ discount: shop.config.lab.discount });
    expect(ham?.why).toMatch(/2 ordered this hour of 6 expected/);
    const page = await request(h, 'GET', '/analytics', { cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Goat cheese');

    // the kitchen assembles both pizzas (speed 10: well within a minute): each uses its items
    await advance(60_000);
    expect(shop.lab.inventory.all().find((r) => r.product_id === 'Ham')?.available).toBe(shop.config.lab.capacity - 2);
    expect(shop.lab.inventory.all().find((r) => r.product_id === 'Olives')?.available).toBe(shop.config.lab.capacity - 2);
    const latestHam = async () => {
      const all = await readTopic(shop.transport, shop.config.topics.inventory);
      const last = all
        .filter((m) => m.key === 'Ham')
        .sort((a, b) => a.offset - b.offset)
        .at(-1);
      return last ? (JSON.parse(new TextDecoder().decode(last.value)) as { available: number }).available : undefined;
    };
    expect(await latestHam()).toBe(shop.config.lab.capacity - 2);

    const restock = await request(h, 'POST', '/api/inventory/restock', { cookie, json: { products: ['Ham'] } });
    expect(await restock.json()).toEqual({ restocked: 1 });
    await advance(1_000);
    expect(await latestHam()).toBe(shop.config.lab.capacity);
    const refused = await request(h, 'POST', '/api/inventory/restock', { cookie, json: { products: ['Caviar'] } });
    expect(refused.status).toBe(422);
    expect(orders).toHaveLength(2);
  });

  it('the analytics page escapes what anyone may write into the inventory table', async () => {
    const { shop, h, advance } = await labShop();
    shop.lab.inventory.db.prepare("INSERT INTO inventory VALUES ('<script>alert(1)</script>', 'x', 1, 10, 5, 10, 3)").run();
    await advance(1_000);
    const { cookie } = await login(h, 'lab tester');
    const html = await (await request(h, 'GET', '/analytics', { cookie })).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script');
    const inventory = await readTopic(shop.transport, shop.config.topics.inventory);
    expect(inventory.some((m) => m.key === '<script>alert(1)</script>')).toBe(true);
  });

  it('the inventory source publishes each change once across a restart: edits made while it was down are sent after, none again', async () => {
    const { shop, advance } = await labShop();
    const count = async () => (await readTopic(shop.transport, shop.config.topics.inventory)).length;
    const seeded = await count();
    shop.lab.inventory.db.prepare("UPDATE inventory SET txn_hour = 40 WHERE product_id = 'BBQ'").run();
    await advance(1_000);
    expect(await count()).toBe(seeded + 1);
    await shop.supervisor.stop();
    shop.lab.inventory.db.prepare("UPDATE inventory SET list_price = 3 WHERE product_id IN ('BBQ', 'Pesto')").run();
    await shop.supervisor.start();
    await advance(1_000);
    const all = await readTopic(shop.transport, shop.config.topics.inventory);
    expect(all).toHaveLength(seeded + 3);
    expect(all.filter((m) => m.key === 'BBQ')).toHaveLength(3);
  });
});
