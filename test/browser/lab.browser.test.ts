import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import type { Click } from '../../src/lab/labMessages.ts';
import { browserTestsRun, launchChromium } from '../support/chromium.ts';
import { readTopic } from '../support/shopHarness.ts';

// Issue 11 in a real Chromium: the whole shop with the lab in this process (in-memory embedded
// log, speed 10). Picking an item on the menu sends the click beacon (public/menu.js, under the
// shop's CSP); an order placed from the form makes its items promoted, and the menu then shows the
// promotion and the discounted price; the order page shows the price it was placed at.

const SCREENSHOTS = 'test-output/screenshots';

describe.skipIf(!browserTestsRun())('the lab on the menu, in Chromium', () => {
  const config = loadConfig();
  let shop: Shop;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    shop = await startShop({ config, memory: true, speed: 10, port: 0, logFormat: 'silent' });
    url = shop.url ?? '';
    const launched = await launchChromium();
    browser = launched.browser;
    closeBrowser = launched.close;
    page = browser.pages()[0] ?? (await browser.newPage());
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    await shop?.stop();
  });

  const clicks = async () =>
    (await readTopic(shop.transport, config.topics.clicks)).map((m) => JSON.parse(new TextDecoder().decode(m.value)) as Click);

  it('clicking an item records a click; an order makes its items promoted on the menu, at their discounted price', async () => {
    await page.goto(`${url}/login`);
    await page.fill('input[name="username"]', 'Grace');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${url}/`);
    // the menu view itself is a click without a product
    await expect.poll(async () => (await clicks()).filter((c) => c.prod_id === null).length, { timeout: 10_000 }).toBeGreaterThan(0);
    // prices show once the inventory topic has reached the web's view
    await expect
      .poll(
        async () => {
          await page.goto(`${url}/`);
          return page.$$eval('.price', (prices) => prices.length);
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBeGreaterThan(0);

    await page.check('input[name="sauce"][value="Pesto"]');
    await page.check('input[name="cheese"][value="Goat cheese"]');
    await page.check('input[name="main_topping"][value="Ham"]');
    await expect
      .poll(async () => (await clicks()).filter((c) => c.prod_id !== null).map((c) => c.prod_id), { timeout: 10_000 })
      .toEqual(['Pesto', 'Goat cheese', 'Ham']);
    const ham = (await clicks()).find((c) => c.prod_id === 'Ham');
    expect(ham?.agent).toContain('Chrome');
    expect(ham?.referrer).toBe(`${url}/`);

    await page.click('button.primary');
    await page.waitForURL(/\/orders\/[0-9a-f]{8}$/);
    const list = config.lab.listPrice;
    // nothing was promoted when it was placed: three items at the list price
    expect(await page.textContent('#order-price')).toContain(`${(3 * list).toFixed(2)} (Pesto ${list.toFixed(2)}`);

    // the processor promotes the items ordered once this hour (of 6 expected); the menu shows it
    const discounted = (list * (1 - config.lab.discount / 100)).toFixed(2);
    await expect
      .poll(
        async () => {
          await page.goto(`${url}/`);
          return (await page.textContent('#promotions').catch(() => null)) ?? '';
        },
        { timeout: 20_000, interval: 200 },
      )
      .toContain(`Ham: ${config.lab.discount} % off, ${discounted} instead of ${list.toFixed(2)}`);
    expect(await page.textContent('#promotions')).toContain('1 ordered this hour of 6 expected');
    expect(await page.textContent('label.option:has(input[value="Ham"]) .price strong')).toBe(discounted);
    await page.screenshot({ path: join(SCREENSHOTS, 'menu-promotions.png'), fullPage: true });
  }, 60_000);
});
