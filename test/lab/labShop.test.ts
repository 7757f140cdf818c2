import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
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

/** The lab's databases of a shop that runs every actor in this process (both are open there). */
function analyticsOf(shop: Shop) {
  if (!shop.lab.analytics) throw new Error('the analytics database is not open in this shop');
  return shop.lab.analytics;
}
function inventoryOf(shop: Shop) {
  if (!shop.lab.inventory) throw new Error('the inventory database is not open in this shop');
  return shop.lab.inventory;
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
    const promoted = analyticsOf(shop).promotionFeed(100);
    expect(
      promoted
        .filter((p) => p.prod_id === 'Ham')
        .map((p) => p.txn_per_hour)
        .sort(),
    ).toEqual([...Array(12).fill(1), ...Array(12).fill(2)]);
    const row = analyticsOf(shop)
      .db.prepare("SELECT COUNT(*) AS n, MAX(txn_per_hour) AS top FROM product_txn_per_hour WHERE prod_id = 'Ham'")
      .get<{ n: number; top: number }>();
    expect(row).toEqual({ n: 12, top: 2 });
    // the sink's offsets are in the same database as its rows
    const positions = analyticsOf(shop)
      .db.prepare('SELECT SUM(next) AS n FROM sink_offsets WHERE topic = ?')
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
    expect(
      inventoryOf(shop)
        .all()
        .find((r) => r.product_id === 'Ham')?.available,
    ).toBe(shop.config.lab.capacity - 2);
    expect(
      inventoryOf(shop)
        .all()
        .find((r) => r.product_id === 'Olives')?.available,
    ).toBe(shop.config.lab.capacity - 2);
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
    expect(restock.status).toBe(202);
    expect(await restock.json()).toMatchObject({ products: ['Ham'], processes: [shop.presence.processId] });
    await advance(1_000);
    expect(await latestHam()).toBe(shop.config.lab.capacity);
    const refused = await request(h, 'POST', '/api/inventory/restock', { cookie, json: { products: ['Caviar'] } });
    expect(refused.status).toBe(422);
    expect(orders).toHaveLength(2);
  });

  it('the analytics page escapes what anyone may write into the inventory table', async () => {
    const { shop, h, advance } = await labShop();
    inventoryOf(shop).db.prepare("INSERT INTO inventory VALUES ('<script>alert(1)</script>', 'x', 1, 10, 5, 10, 3)").run();
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
    inventoryOf(shop).db.prepare("UPDATE inventory SET txn_hour = 40 WHERE product_id = 'BBQ'").run();
    await advance(1_000);
    expect(await count()).toBe(seeded + 1);
    await shop.supervisor.stop();
    inventoryOf(shop).db.prepare("UPDATE inventory SET list_price = 3 WHERE product_id IN ('BBQ', 'Pesto')").run();
    await shop.supervisor.start();
    await advance(1_000);
    const all = await readTopic(shop.transport, shop.config.topics.inventory);
    expect(all).toHaveLength(seeded + 3);
    expect(all.filter((m) => m.key === 'BBQ')).toHaveLength(3);
  });

  it('the lab databases are opened only where their actors run: a bake process creates neither; a web without them reads the log, and refuses a restock no process would apply', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pizza-lab-dbs-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const config = testConfig();
    const start = async (actors: Parameters<typeof startShop>[0]['actors'], sub: string) => {
      const shop = await startShop({
        config,
        actors,
        clock: new VirtualClock(START),
        speed: 10,
        dataDir: join(dir, sub),
        logFormat: 'silent',
        listen: false,
        instanceId: sub,
      });
      cleanups.push(() => shop.stop());
      return shop;
    };
    const bake = await start(['bake'], 'bake');
    expect(bake.lab.inventory).toBeUndefined();
    expect(bake.lab.analytics).toBeUndefined();
    expect(readdirSync(join(dir, 'bake')).filter((f) => f.startsWith('inventory') || f.startsWith('analytics'))).toEqual([]);
    const processor = await start(['processor', 'transactions'], 'processor');
    expect(processor.lab.inventory ?? processor.lab.analytics).toBeUndefined();
    expect(existsSync(join(dir, 'processor', config.lab.inventoryDb))).toBe(false);
    expect(existsSync(join(dir, 'processor', config.lab.analyticsDb))).toBe(false);
    const sink = await start(['analytics'], 'sink');
    expect(sink.lab.analytics).toBeDefined();
    expect(existsSync(join(dir, 'sink', config.lab.analyticsDb))).toBe(true);
    expect(existsSync(join(dir, 'sink', config.lab.inventoryDb))).toBe(false);
    const stock = await start(['inventory'], 'stock');
    expect(stock.lab.inventory?.all().length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'stock', config.lab.inventoryDb))).toBe(true);
    expect(existsSync(join(dir, 'stock', config.lab.analyticsDb))).toBe(false);

    const web = await start(['web'], 'web');
    expect(readdirSync(join(dir, 'web')).filter((f) => f.startsWith('inventory') || f.startsWith('analytics'))).toEqual([]);
    const h = { web: web.web() } as unknown as WebHarness;
    const { cookie } = await login(h, 'lab elsewhere');
    // its own log (its own data directory) has no lab messages: an empty read side, no notice, no database
    const api = (await (await request(h, 'GET', '/api/analytics', { cookie })).json()) as Record<string, unknown>;
    expect(api).toMatchObject({ windows: [], inventory: [], promotions: [], current: [] });
    expect(api).not.toHaveProperty('elsewhere');
    const page = await (await request(h, 'GET', '/analytics', { cookie })).text();
    expect(page).not.toContain('Not shown here');
    // nobody on its log hosts the inventory actor: 409 naming it, nothing sent
    const restock = await request(h, 'POST', '/api/inventory/restock', { cookie, json: {} });
    expect(restock.status).toBe(409);
    expect(((await restock.json()) as { error: { message: string } }).error.message).toContain('inventory actor');
    expect(await readTopic(web.transport, config.topics.control)).toEqual([]);
  });
});
