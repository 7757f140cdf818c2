import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { browserTestsRun, launchChromium } from '../support/chromium.ts';

// The whole shop (web, stations, status) in this process on the in-memory embedded log, driven by
// a real headless Chromium. Runs under Bun (the web listens with Bun's server).

const SCREENSHOTS = 'test-output/screenshots';
const SPEED = 10;

describe.skipIf(!browserTestsRun())('the shop in a browser', () => {
  const config = loadConfig();
  let shop: Shop;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    shop = await startShop({ config, memory: true, speed: SPEED, port: 0, logFormat: 'silent' });
    url = shop.url ?? '';
    expect(url).toMatch(/^http:\/\//);
    const launched = await launchChromium();
    browser = launched.browser;
    closeBrowser = launched.close;
    page = browser.pages()[0] ?? (await browser.newPage());
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    await shop?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  it('logs in, builds a pizza, orders it and watches status and statechart reach delivered', async () => {
    await page.goto(`${url}/orders`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name="username"]', 'Ada');
    await shot('login');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${url}/`);

    await page.check('input[name="sauce"][value="Pesto"]');
    await page.check('input[name="cheese"][value="Mozzarella"]');
    await page.check('input[name="main_topping"][value="Mushrooms"]');
    await page.check('input[name="extra_toppings"][value="Olives"]');
    await page.check('input[name="extra_toppings"][value="Basil"]');
    await expect.poll(() => page.textContent('#pizza-summary')).toContain('Pesto, Mozzarella, Mushrooms + Olives, Basil');
    await shot('menu');
    await page.click('button.primary');
    await page.waitForURL(/\/orders\/[0-9a-f]{8}$/);
    const orderId = page.url().split('/').pop() ?? '';

    // the live stream is open and the statechart lights a state of the order machine
    await page.waitForSelector('body[data-live="open"]');
    await page.waitForSelector('figure[data-machine="order"] g.state.current');
    const seen = new Set<string>();
    const watch = async () => {
      const state = await page.getAttribute('figure[data-machine="order"] g.state.current', 'data-state');
      if (state) seen.add(state);
      return state;
    };
    await watch();
    await shot('order-in-progress');
    await expect.poll(watch, { timeout: 30_000, interval: 50 }).toBe('delivered');
    expect(await page.textContent('#status-label')).toBe('Your pizza was delivered');
    // it moved live through the lifecycle, not only at the end
    expect(seen.size).toBeGreaterThan(1);
    expect([...seen].some((s) => s.startsWith('inProgress.'))).toBe(true);
    // timeline and log lines from every actor
    const topics = await page.$$eval('#timeline-body tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
    const t = config.topics;
    expect(topics).toEqual(expect.arrayContaining([t.pizzaOrdered, t.pizzaAssembled, t.pizzaBaked, t.pizzaDelivered, t.pizzaStatus]));
    const actors = await page.$$eval('#logs-body .actor', (spans) => [...new Set(spans.map((s) => s.textContent))]);
    expect(actors).toEqual(expect.arrayContaining(['web', 'assemble', 'bake', 'delivery', 'status']));
    expect(await page.isHidden('#cancel-form')).toBe(true);
    await shot('order-delivered');

    await page.goto(`${url}/orders`);
    expect(await page.textContent(`tr[data-order-id="${orderId}"] .status-label`)).toBe('Your pizza was delivered');
  }, 60_000);

  it('cancels another order before it is baked', async () => {
    await page.goto(`${url}/`);
    await page.check('input[name="sauce"][value="BBQ"]');
    await page.check('input[name="cheese"][value="Cheddar"]');
    await page.check('input[name="main_topping"][value="Chicken"]');
    await page.click('button.primary');
    await page.waitForURL(/\/orders\/[0-9a-f]{8}$/);
    await page.click('#cancel-button');
    await page.waitForURL(/\/orders\/[0-9a-f]{8}$/);
    await expect.poll(() => page.textContent('#status-label'), { timeout: 30_000 }).toBe('Order has been cancelled');
    await expect.poll(() => page.getAttribute('figure[data-machine="order"] g.state.current', 'data-state')).toBe('cancelled');
    await shot('order-cancelled');
  }, 60_000);

  it('shows my orders, the kitchen board and the flow', async () => {
    // a few orders in flight so the kitchen has something to show
    for (const sauce of ['Tomato', 'White garlic', 'Pesto']) {
      await page.goto(`${url}/`);
      await page.check(`input[name="sauce"][value="${sauce}"]`);
      await page.check('input[name="cheese"][value="Goat cheese"]');
      await page.check('input[name="main_topping"][value="Ham"]');
      await page.click('button.primary');
      await page.waitForURL(/\/orders\/[0-9a-f]{8}$/);
    }
    await page.goto(`${url}/orders`);
    expect(await page.$$eval('#orders-body tr', (rows) => rows.length)).toBe(5);
    await shot('orders');
    await page.goto(`${url}/kitchen`);
    await page.waitForSelector('body[data-live="open"]');
    await expect.poll(() => page.$$eval('.station .pizzas li', (items) => items.length)).toBeGreaterThan(0);
    await shot('kitchen');
    await expect.poll(() => page.$$eval('.station .pizzas li', (items) => items.length), { timeout: 30_000 }).toBe(0);
    await page.goto(`${url}/flow`);
    expect(await page.textContent('table.topology')).toContain(config.topics.pizzaStatus);
    await shot('flow');
  }, 90_000);
});
