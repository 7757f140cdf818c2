import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { browserTestsRun, launchChromium } from '../support/chromium.ts';

// Live updates (public/live.js, pushed over SSE) must render what they carry as text, in a real
// browser: a log line is produced after the order page is open, so it can only arrive live, not
// in the server-rendered page. Web actor only, in memory; runs under Bun.

const MARK = `mark-${Math.random().toString(16).slice(2, 10)}`;
const EVIL_MSG = `${MARK} <b class="xss">bold</b><img src="x" class="xss" onerror="window.__xss = 'msg'">`;
const EVIL_ACTOR = `<i class="xss">act</i><img src="x" class="xss" onerror="window.__xss = 'actor'">`;
const EVIL_FIELD = '<u class="xss">field</u>';

describe.skipIf(!browserTestsRun())('live updates in a browser', () => {
  let shop: Shop;
  let browser: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let page: Page;

  beforeAll(async () => {
    shop = await startShop({ config: loadConfig(), actors: ['web'], memory: true, speed: 0, port: 0, logFormat: 'silent' });
    ({ browser, close: closeBrowser } = await launchChromium());
    page = browser.pages()[0] ?? (await browser.newPage());
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    await shop?.stop();
  });

  it('a log line pushed to an open order page shows markup as text: no element, no script', async () => {
    const url = shop.url ?? '';
    await page.goto(`${url}/login`);
    await page.fill('input[name="username"]', 'Ada');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${url}/`);
    await page.check('input[name="sauce"][value="Tomato"]');
    await page.check('input[name="cheese"][value="Mozzarella"]');
    await page.check('input[name="main_topping"][value="Ham"]');
    await page.click('button.primary');
    await page.waitForURL(/\/orders\/[0-9a-f]{8}$/);
    const orderId = page.url().split('/').pop() ?? '';
    await page.waitForSelector('body[data-live="open"]');
    expect(await page.textContent('#logs-body'), 'the line is not in the page before it is produced').not.toContain(MARK);

    await shop.producer.send(shop.config.topics.logs, [
      {
        key: orderId,
        value: JSON.stringify({ at: shop.clock.now(), level: 'info', actor: EVIL_ACTOR, msg: EVIL_MSG, orderId, customer: EVIL_FIELD }),
      },
    ]);
    await expect.poll(() => page.textContent('#logs-body'), { timeout: 20_000, message: 'the log line arrives live' }).toContain(MARK);

    const line = page.locator('#logs-body li', { hasText: MARK });
    expect(await line.locator('.msg').textContent()).toBe(EVIL_MSG);
    expect(await line.locator('.actor').textContent()).toBe(EVIL_ACTOR);
    expect(await line.locator('.fields').textContent()).toBe(JSON.stringify({ customer: EVIL_FIELD }));
    expect(await page.locator('#logs-body .xss').count(), 'elements made from the line').toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss), 'a script from the line ran').toBeUndefined();
  }, 60_000);
});
