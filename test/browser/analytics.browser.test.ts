import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { ACTOR_NAMES } from '../../src/config/shopConfig.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { browserTestsRun, launchChromium } from '../support/chromium.ts';

// Issue 11's analytics page in a real Chromium, served by a web that runs alone in its process: the
// lab's actors (and the kitchen) run in another process on the same embedded log. The page, open
// before anything is ordered, fills itself from /api/analytics (the web's view of the log): the
// ordered items' windows, the promotions feed, the stock falling as the kitchen assembles; its
// restock button goes over the control channel to the inventory actor's process, and the stock
// table shows the refill once the inventory topic brings it.

const SCREENSHOTS = 'test-output/screenshots';

describe.skipIf(!browserTestsRun())('the analytics page from the log, in Chromium', () => {
  const config = loadConfig();
  let log: EmbeddedLog;
  let lab: Shop;
  let front: Shop;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let url: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    log = createEmbeddedLog({});
    const common = { config, transport: log, memory: true, speed: 10, logFormat: 'silent' as const };
    lab = await startShop({ ...common, actors: ACTOR_NAMES.filter((a) => a !== 'web'), listen: false });
    front = await startShop({ ...common, actors: ['web'], port: 0 });
    url = front.url ?? '';
    const launched = await launchChromium();
    browser = launched.browser;
    closeBrowser = launched.close;
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    await front?.stop();
    await lab?.stop();
    await log?.close();
  });

  /** the page's stock table: product → available */
  const stock = async (page: Page) =>
    Object.fromEntries(
      await page.$$eval('#stock tbody tr', (rows) =>
        rows.map((r) => [r.children[0]?.textContent ?? '', Number(r.children[1]?.textContent)]),
      ),
    ) as Record<string, number>;

  it('fills live from the log in a web without the lab; the restock button refills the stock the kitchen used', async () => {
    const analytics = browser.pages()[0] ?? (await browser.newPage());
    await analytics.goto(`${url}/login`);
    await analytics.fill('input[name="username"]', 'Ada');
    await analytics.click('button[type="submit"]');
    await analytics.waitForURL(`${url}/`);
    await analytics.goto(`${url}/analytics`);
    expect(await analytics.$$eval('#windows tbody tr', (rows) => rows.length)).toBe(0);
    expect(await analytics.textContent('main')).not.toContain('Not shown here');
    const capacity = config.lab.capacity;
    await expect.poll(async () => (await stock(analytics)).Ham, { timeout: 15_000 }).toBe(capacity);

    // an order from another tab; the analytics tab is not reloaded
    const menu = await browser.newPage();
    await menu.goto(`${url}/`);
    await menu.check('input[name="sauce"][value="Pesto"]');
    await menu.check('input[name="cheese"][value="Goat cheese"]');
    await menu.check('input[name="main_topping"][value="Ham"]');
    await menu.click('button.primary');
    await menu.waitForURL(/\/orders\/[0-9a-f]{8}$/);

    await expect
      .poll(async () => analytics.$$eval('#windows tbody tr', (rows) => rows.map((r) => r.children[0]?.textContent)), { timeout: 20_000 })
      .toEqual(['Goat cheese', 'Goat cheese', 'Goat cheese', 'Ham', 'Ham', 'Ham', 'Pesto', 'Pesto', 'Pesto']);
    expect(await analytics.textContent('#windows')).toContain('Ham');
    await expect.poll(async () => analytics.$$eval('#promotion-feed li', (items) => items.length), { timeout: 20_000 }).toBe(20);
    expect(await analytics.textContent('#promotion-feed')).toMatch(
      /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (Ham|Pesto|Goat cheese): 1 of 6 expected/,
    );
    // the kitchen (the other process) assembles the pizza: its items leave the stock
    await expect.poll(async () => (await stock(analytics)).Ham, { timeout: 30_000 }).toBe(capacity - 1);

    await analytics.click('#restock-all');
    await expect
      .poll(async () => analytics.textContent('#restock-status'), { timeout: 10_000 })
      .toContain(`restock sent to ${lab.presence.processId}`);
    await expect.poll(async () => (await stock(analytics)).Ham, { timeout: 15_000 }).toBe(capacity);
    expect((await stock(analytics)).Pesto).toBe(capacity);
    await analytics.screenshot({ path: join(SCREENSHOTS, 'analytics.png'), fullPage: true });
  }, 90_000);
});
