import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import type { ActorName } from '../../src/config/shopConfig.ts';
import { parseControlCommand } from '../../src/control/controlCommands.ts';
import { openInventoryDb } from '../../src/lab/inventory.ts';
import type { Click, InventoryRow, PizzaPriced, Promotion, WindowResult } from '../../src/lab/labMessages.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { CLICK_TEXT_MAX } from '../../src/web/clicks.ts';
import { readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';
import { login, placeOrder, request, type WebHarness } from '../web/webHarness.ts';

/**
 * The lab reaching customers (issue 11): the web records menu views and item clicks on the clicks
 * topic; a web process that runs none of the lab's actors (and so has an empty analytics database
 * of its own) shows promotions and prices from the lab's topics; an order records the price it was
 * placed at on pizza-priced, a quoted promotion honoured after it ended. The analytics page of that
 * web reads windows, stock and the promotions feed from the log too, and its restock goes over the
 * control channel to the process hosting the inventory actor.
 */

const START = Date.UTC(2026, 10, 30, 12, 0, 10);
const LAB: ActorName[] = ['transactions', 'inventory', 'processor', 'analytics'];
const PIZZA = { sauce: 'Pesto', cheese: 'Goat cheese', main_topping: 'Ham', extra_toppings: ['Olives'] };
const ITEMS = ['Pesto', 'Goat cheese', 'Ham', 'Olives'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** in cents, as prices are kept */
const cents = (n: number) => Math.round(n * 100) / 100;
const decode = <T>(value: Uint8Array): T => JSON.parse(new TextDecoder().decode(value)) as T;

/** Two processes of one shop on one log: the lab's actors in one, the web alone in the other. */
async function splitShop() {
  const clock = new VirtualClock(START);
  const log = createEmbeddedLog({ clock });
  cleanups.push(() => log.close());
  const config = testConfig();
  const start = async (actors: ActorName[]) => {
    const { shop } = await virtualShop({ config, clock, transport: log as Transport, actors, speed: 10 });
    cleanups.push(() => shop.stop());
    return shop;
  };
  const lab = await start(LAB);
  const front = await start(['web']);
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await lab.settle();
      await front.settle();
    }
  };
  await settle();
  const h = { web: front.web() } as unknown as WebHarness;
  return { config, clock, log, lab, front, h, settle, advance: (ms: number) => clock.advance(ms, settle) };
}

/** `GET /api/analytics` */
interface Analytics {
  now: number;
  windows: WindowResult[];
  inventory: InventoryRow[];
  promotions: Promotion[];
  current: { item: string }[];
}

const orderJson = async (h: WebHarness, cookie: string, id: string) =>
  (await (await request(h, 'GET', `/api/orders/${id}`, { cookie })).json()) as {
    price: (Omit<PizzaPriced, 'timestamp'> & { priced_at: number }) | null;
  };

describe('the lab on the web', () => {
  it('a web without the lab actors shows promotions and prices from the topics, not from a database; orders record their price with and without a promotion', async () => {
    const { config, front, h, settle } = await splitShop();
    const list = config.lab.listPrice;
    const off = config.lab.discount;
    const { cookie } = await login(h, 'lab customer');

    // nothing ordered yet: no windows, so no promotion; every item at its list price
    const menu0 = (await (await request(h, 'GET', '/api/menu', { cookie })).json()) as {
      promotions: unknown[];
      prices: Record<string, { price: number }>;
    };
    expect(menu0.promotions).toEqual([]);
    expect(menu0.prices.Ham).toEqual({ list_price: list, discount: 0, price: list });
    const first = await placeOrder(h, cookie, PIZZA);
    await settle();
    expect((await orderJson(h, cookie, first)).price).toMatchObject({
      total: 4 * list,
      quoted: false,
      items: ITEMS.map((prod_id) => ({ prod_id, list_price: list, discount: 0, price: list })),
    });

    // one order of each item this hour, 6 expected, all in stock: promoted (from the topics)
    const menu = (await (await request(h, 'GET', '/api/menu', { cookie })).json()) as {
      promotions: {
        item: string;
        discount: number;
        why: string;
        stock_level: number;
        orders_this_hour: number;
        expected_per_hour: number;
      }[];
      prices: Record<string, { list_price: number; discount: number; price: number }>;
    };
    const ham = menu.promotions.find((p) => p.item === 'Ham');
    expect(ham).toMatchObject({ discount: off, stock_level: 100, orders_this_hour: 1, expected_per_hour: config.lab.txnHour });
    expect(ham?.why).toBe(`100 % in stock, 1 ordered this hour of ${config.lab.txnHour} expected`);
    expect(menu.prices.Ham).toEqual({ list_price: list, discount: off, price: cents(list * (1 - off / 100)) });
    // an item nobody ordered has no window: not promoted
    expect(menu.promotions.some((p) => p.item === 'Tomato')).toBe(false);
    expect(menu.prices.Tomato).toEqual({ list_price: list, discount: 0, price: list });
    const page = await (await request(h, 'GET', '/', { cookie })).text();
    expect(page).toContain(`Ham: ${off} % off`);
    expect(page).toContain('1 ordered this hour of 6 expected');
    // the promotions came from the log: this process opens no analytics database at all
    expect(front.lab.analytics).toBeUndefined();

    const second = await placeOrder(h, cookie, PIZZA);
    await settle();
    const promoted = (await orderJson(h, cookie, second)).price;
    expect(promoted?.items.every((i) => i.discount === off && i.price === cents(list * (1 - off / 100)))).toBe(true);
    expect(promoted?.total).toBe(cents(4 * cents(list * (1 - off / 100))));
    // on its own topic, keyed by the order; pizza-ordered stays the original's record
    const priced = await readTopic(front.transport, config.topics.pizzaPriced);
    expect(priced.map((m) => m.key).sort()).toEqual([first, second].sort());
    const ordered = await readTopic(front.transport, config.topics.pizzaOrdered);
    expect(ordered.every((m) => !('price' in decode<object>(m.value)) && !('prices' in decode<object>(m.value)))).toBe(true);
  });

  it('the price the menu quoted holds after the promotion ends; a forged or foreign quote is refused and nothing is produced', async () => {
    const { config, lab, front, h, settle, advance } = await splitShop();
    const list = config.lab.listPrice;
    const off = config.lab.discount;
    const { cookie } = await login(h, 'quoted customer');
    await placeOrder(h, cookie, PIZZA);
    await settle();
    const { quote, prices } = (await (await request(h, 'GET', '/api/menu', { cookie })).json()) as {
      quote: string;
      prices: Record<string, { price: number }>;
    };
    expect(prices.Ham?.price).toBe(cents(list * (1 - off / 100)));

    // the promotion ends: the inventory table (edited by hand) takes the discount away
    const inventory = lab.lab.inventory;
    if (!inventory) throw new Error('the lab process runs the inventory actor, so it has the inventory database');
    inventory.db.prepare('UPDATE inventory SET discount = 0').run();
    await advance(1_000);
    const now = (await (await request(h, 'GET', '/api/menu', { cookie })).json()) as {
      promotions: unknown[];
      prices: Record<string, { price: number }>;
    };
    expect(now.promotions).toEqual([]);
    expect(now.prices.Ham?.price).toBe(list);

    const withQuote = await request(h, 'POST', '/api/orders', { cookie, json: { ...PIZZA, quote } });
    expect(withQuote.status).toBe(201);
    const quoted = (await orderJson(h, cookie, ((await withQuote.json()) as { order_id: string }).order_id)).price;
    expect(quoted).toMatchObject({ quoted: true });
    expect(quoted?.items.map((i) => i.price)).toEqual(ITEMS.map(() => cents(list * (1 - off / 100))));
    const without = await placeOrder(h, cookie, PIZZA);
    expect((await orderJson(h, cookie, without)).price).toMatchObject({ quoted: false, total: 4 * list });

    // the menu form carries the quote too
    const form = await (await request(h, 'GET', '/', { cookie })).text();
    expect(form).toMatch(/<input type="hidden" name="quote" value="[^"]+"/);

    const count = async () => (await readTopic(front.transport, config.topics.pizzaOrdered)).length;
    const pricedCount = async () => (await readTopic(front.transport, config.topics.pizzaPriced)).length;
    const before = [await count(), await pricedCount()];
    const [body, mac] = quote.split('.');
    const cheaper = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body ?? '', 'base64url').toString()), p: { Ham: [list, 100, 0] } }),
    ).toString('base64url');
    const forged = await request(h, 'POST', '/api/orders', { cookie, json: { ...PIZZA, quote: `${cheaper}.${mac}` } });
    expect(forged.status).toBe(422);
    expect(await forged.text()).toContain('quote');
    const other = await login(h, 'someone else');
    const foreign = await request(h, 'POST', '/api/orders', { cookie: other.cookie, json: { ...PIZZA, quote } });
    expect(foreign.status).toBe(422);
    expect(await foreign.text()).toContain('another customer');
    await settle();
    expect([await count(), await pricedCount()]).toEqual(before);
  });

  it('a web without the lab actors shows the analytics from the log: windows against the expected rate, stock, the promotions feed', async () => {
    const { config, clock, front, h, settle } = await splitShop();
    const { cookie } = await login(h, 'analyst');
    await placeOrder(h, cookie, PIZZA);
    await settle();
    const api = (await (await request(h, 'GET', '/api/analytics', { cookie })).json()) as Analytics;

    // windows: each ordered item's latest 3 windows, counted independently here (speed 10: 6 min advancing by 30 s)
    const size = (config.lab.windowSizeMinutes * 60_000) / 10;
    const step = (config.lab.windowAdvanceMinutes * 60_000) / 10;
    const last = Math.floor(START / step) * step;
    const expected = [...ITEMS].sort().flatMap((prod_id) =>
      [last - 2 * step, last - step, last].map((window_start) => ({
        prod_id,
        window_start,
        window_end: window_start + size,
        txn_per_hour: 1,
        expected_txn_per_hour: config.lab.txnHour,
        stock_level: 100,
        name: prod_id,
      })),
    );
    expect(api.now).toBe(clock.now());
    expect(api.windows).toEqual(expected);
    // stock: every product of the menu, as the inventory topic says
    const menu = [...config.menu.sauce, ...config.menu.cheese, ...config.menu.mainTopping, ...config.menu.extraToppings];
    expect(api.inventory.map((r) => r.product_id)).toEqual([...menu].sort((a, b) => a.localeCompare(b)));
    expect(api.inventory.every((r) => r.available === config.lab.capacity && r.capacity === config.lab.capacity)).toBe(true);
    // the feed: the newest 20 of the 4 items × 12 windows promoted, each a row of the promotions topic, none twice
    const topic = (await readTopic(front.transport, config.topics.promotions)).map((m) => decode<Promotion>(m.value));
    expect(topic).toHaveLength(4 * 12);
    expect(api.promotions).toHaveLength(20);
    for (const p of api.promotions) expect(topic).toContainEqual(p);
    expect(new Set(api.promotions.map((p) => `${p.prod_id}@${p.window_start}`)).size).toBe(20);
    expect(api.current.map((p) => p.item).sort()).toEqual([...ITEMS].sort());
    expect(api).not.toHaveProperty('elsewhere');
    // no database was read for any of it: this process opens none
    expect(front.lab.analytics ?? front.lab.inventory).toBeUndefined();

    const page = await (await request(h, 'GET', '/analytics', { cookie })).text();
    expect(page).not.toContain('Not shown here');
    expect(page).toMatch(/<td>Ham<\/td><td>[\d:]+–[\d:]+<\/td><td>1<\/td><td>6<\/td><td>100<\/td>/);
    expect(page).toContain(`<td>Tomato</td><td>${config.lab.capacity}</td>`);
    const newest = api.promotions[0];
    expect(page).toContain(`${newest?.promotion_time} ${newest?.prod_id}: 1 of 6 expected, stock 100 %`);
  });

  it('a restock from the web-only process reaches the inventory where its actor runs, and the page shows the stock rising; bad bodies are 4xx and send nothing; with no inventory host it is 409', async () => {
    const { config, lab, front, h, settle, advance } = await splitShop();
    const { cookie } = await login(h, 'restocker');
    const ham = async () =>
      ((await (await request(h, 'GET', '/api/analytics', { cookie })).json()) as Analytics).inventory.find((r) => r.product_id === 'Ham')
        ?.available;
    /** steps virtual time (1 s at a time, at most 60) until `check` holds; fails saying what it waited for */
    const until = async (what: string, check: () => Promise<boolean>) => {
      for (let i = 0; i < 60; i++) {
        if (await check()) return;
        await advance(1_000);
      }
      throw new Error(`still waiting after 60 s of shop time for ${what}`);
    };
    const restocks = async () =>
      (await readTopic(front.transport, config.topics.control))
        .map((m) => parseControlCommand(m.value))
        .filter((c) => c.type === 'inventory.restock');

    // stock runs low in the lab's inventory table (anyone may edit it); the web's page sees it from the inventory topic
    const inventory = lab.lab.inventory;
    if (!inventory) throw new Error('the lab process runs the inventory actor, so it has the inventory database');
    inventory.db.prepare("UPDATE inventory SET available = 10 WHERE product_id IN ('Ham', 'Olives')").run();
    await until('Ham at 10 on the page', async () => (await ham()) === 10);

    const sent = await request(h, 'POST', '/api/inventory/restock', { cookie, json: { products: ['Ham'] } });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toMatchObject({ products: ['Ham'], processes: [lab.presence.processId] });
    expect(await restocks()).toMatchObject([{ type: 'inventory.restock', products: ['Ham'], issuer: 'restocker via the analytics page' }]);
    await until('Ham back at capacity on the page', async () => (await ham()) === config.lab.capacity);
    expect(inventory.row('Ham')?.available).toBe(config.lab.capacity);
    // only what was named: Olives stays low
    expect(inventory.row('Olives')?.available).toBe(10);

    const refused = [
      await request(h, 'POST', '/api/inventory/restock', { cookie, json: { products: ['Caviar'] } }),
      await request(h, 'POST', '/api/inventory/restock', { cookie, json: { products: [] } }),
      await request(h, 'POST', '/api/inventory/restock', { cookie, json: { products: 'Ham' } }),
      await request(h, 'POST', '/api/inventory/restock', { cookie, json: { products: [''] } }),
      await request(h, 'POST', '/api/inventory/restock', { cookie, json: { everything: true } }),
      await request(h, 'POST', '/api/inventory/restock', { cookie, body: '{"products":', headers: { 'content-type': 'application/json' } }),
      await request(h, 'POST', '/api/inventory/restock', { json: {} }),
    ];
    expect(refused.map((r) => r.status)).toEqual([422, 422, 422, 422, 422, 400, 401]);
    const messages = await Promise.all(refused.map(async (r) => ((await r.json()) as { error: { message: string } }).error.message));
    expect(messages[0]).toContain('Caviar');
    for (const m of messages) expect(m).toMatch(/\w/);
    await settle();
    expect(await restocks()).toHaveLength(1);
    expect(inventory.row('Olives')?.available).toBe(10);

    // the lab's process stops: no live process hosts the inventory actor, so nothing would restock
    await lab.stop();
    const orphan = await request(h, 'POST', '/api/inventory/restock', { cookie, json: {} });
    expect(orphan.status).toBe(409);
    expect(((await orphan.json()) as { error: { message: string } }).error.message).toContain('inventory actor');
    expect(await restocks()).toHaveLength(1);
  });

  it('a restock is applied as it happens, not again when a process hosting the inventory actor starts and replays the control topic', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pizza-restock-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const clock = new VirtualClock(START);
    const log = createEmbeddedLog({ clock });
    cleanups.push(() => log.close());
    const config = testConfig();
    const stock = async () => {
      const { shop } = await virtualShop({ config, clock, transport: log as Transport, actors: ['inventory'], speed: 10, dataDir: dir });
      const inventory = shop.lab.inventory;
      if (!inventory) throw new Error('a process running the inventory actor has the inventory database');
      return { shop, inventory };
    };
    const first = await stock();
    const { shop: front } = await virtualShop({ config, clock, transport: log as Transport, actors: ['web'], speed: 10 });
    cleanups.push(() => front.stop());
    const h = { web: front.web() } as unknown as WebHarness;
    const { cookie } = await login(h, 'restocker');
    first.inventory.db.prepare("UPDATE inventory SET available = 10 WHERE product_id = 'Ham'").run();
    await clock.advance(1_000, async () => {
      await first.shop.settle();
      await front.settle();
    });
    expect((await request(h, 'POST', '/api/inventory/restock', { cookie, json: { products: ['Ham'] } })).status).toBe(202);
    await first.shop.settle();
    expect(first.inventory.row('Ham')?.available).toBe(config.lab.capacity);

    // stock runs low again while the process is down; starting, it reads the restock from yesterday and leaves it
    await first.shop.stop();
    const file = openInventoryDb(join(dir, config.lab.inventoryDb));
    file.db.prepare("UPDATE inventory SET available = 10 WHERE product_id = 'Ham'").run();
    file.close();
    const second = await stock();
    cleanups.push(() => second.shop.stop());
    await second.shop.settle();
    expect(second.inventory.row('Ham')?.available).toBe(10);
  });

  it('restocks are rate-limited per session like clock commands: 429, nothing sent', async () => {
    const config = testConfig();
    const limited = { ...config, webLimits: { ...config.webLimits, clockCommandsPerMinutePerSession: 2 } };
    const { shop } = await virtualShop({ config: limited, actors: ['web', 'inventory'], start: START, speed: 10 });
    cleanups.push(() => shop.stop());
    const h = { web: shop.web() } as unknown as WebHarness;
    const { cookie } = await login(h, 'eager restocker');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(h, 'POST', '/api/inventory/restock', { cookie, json: {} })).status);
    expect(statuses).toEqual([202, 202, 429]);
    await shop.settle();
    const sent = (await readTopic(shop.transport, config.topics.control)).map((m) => parseControlCommand(m.value).type);
    expect(sent).toEqual(['inventory.restock', 'inventory.restock']);
  });

  it('a menu view and an item click are clicks on the clicks topic; a bad beacon is a 4xx and produces nothing', async () => {
    const { shop } = await virtualShop({ config: testConfig(), actors: ['web'], start: START });
    cleanups.push(() => shop.stop());
    const h = { web: shop.web() } as unknown as WebHarness;
    const { cookie, customerId } = await login(h, 'clicker');
    const clicks = async () =>
      (await readTopic(shop.transport, shop.config.topics.clicks)).map((m) => ({ key: m.key, ...decode<Click>(m.value) }));

    const agent = `Mozilla/5.0 ${'x'.repeat(500)}`;
    const page = await request(h, 'GET', '/', { cookie, headers: { 'user-agent': agent, referer: 'http://localhost/orders' } });
    const html = await page.text();
    expect(await clicks()).toEqual([
      {
        key: customerId,
        ip: 'unknown',
        userid: customerId,
        prod_id: null,
        bytes: Buffer.byteLength(html),
        referrer: 'http://localhost/orders',
        agent: agent.slice(0, CLICK_TEXT_MAX),
        click_ts: START,
      },
    ]);

    const click = await request(h, 'POST', '/api/clicks', { cookie, json: { prod_id: 'Ham' }, headers: { referer: 'http://localhost/' } });
    expect(click.status).toBe(202);
    expect(await click.json()).toEqual({ prod_id: 'Ham', recorded: true });
    expect((await clicks())[1]).toMatchObject({ userid: customerId, prod_id: 'Ham', bytes: 0, referrer: 'http://localhost/', agent: '-' });

    const refused = [
      await request(h, 'POST', '/api/clicks', { cookie, json: { prod_id: 'Caviar' } }),
      await request(h, 'POST', '/api/clicks', { cookie, json: { prod_id: 'Ham', extra: 1 } }),
      await request(h, 'POST', '/api/clicks', { cookie, json: {} }),
      await request(h, 'POST', '/api/clicks', { cookie, body: '{"prod_id":', headers: { 'content-type': 'application/json' } }),
      await request(h, 'POST', '/api/clicks', {
        cookie,
        body: 'prod_id=Ham',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      await request(h, 'POST', '/api/clicks', { json: { prod_id: 'Ham' } }),
    ];
    expect(refused.map((r) => r.status)).toEqual([422, 422, 422, 400, 415, 401]);
    for (const r of refused) expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/\w/);
    await shop.settle();
    expect(await clicks()).toHaveLength(2);

    // the web counts them from the topic (the analytics page's clicks table)
    const counts = h.web.view.store.getClicks();
    expect(counts).toMatchObject({ views: 1, byProduct: { Ham: 1 } });
  });

  it('click beacons are rate-limited per session: 429 with Retry-After, nothing produced', async () => {
    const config = testConfig();
    const limited = { ...config, webLimits: { ...config.webLimits, clicksPerMinutePerSession: 2 } };
    const { shop } = await virtualShop({ config: limited, actors: ['web'], start: START });
    cleanups.push(() => shop.stop());
    const h = { web: shop.web() } as unknown as WebHarness;
    const { cookie } = await login(h, 'fast clicker');
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(h, 'POST', '/api/clicks', { cookie, json: { prod_id: 'Ham' } })).status);
    expect(statuses).toEqual([202, 202, 429]);
    await shop.settle();
    expect(await readTopic(shop.transport, shop.config.topics.clicks)).toHaveLength(2);
  });

  it('menu views over the click budget of the session are served but not recorded: a reload loop does not flood the clicks topic', async () => {
    const config = testConfig();
    const limited = { ...config, webLimits: { ...config.webLimits, clicksPerMinutePerSession: 2 } };
    const { shop } = await virtualShop({ config: limited, actors: ['web'], start: START });
    cleanups.push(() => shop.stop());
    const h = { web: shop.web() } as unknown as WebHarness;
    const { cookie } = await login(h, 'reloader');
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(h, 'GET', '/', { cookie })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    await shop.settle();
    const views = (await readTopic(shop.transport, shop.config.topics.clicks)).map((m) => decode<Click>(m.value).prod_id);
    expect(views).toEqual([null, null]);
  });
});
