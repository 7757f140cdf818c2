import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { browserTestsRun, launchChromium } from '../support/chromium.ts';

// Clock control (issue 12) in a real Chromium: the header's Pause, Step and Resume buttons (plain
// forms), the clock shown live in another tab (Server-Sent Events), under the shop's CSP. Runs
// under Bun.

const SCREENSHOTS = 'test-output/screenshots';

describe.skipIf(!browserTestsRun())('the shop clock in the header, in Chromium', () => {
  let shop: Shop;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let page: Page;
  let url: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    shop = await startShop({ config: loadConfig(), memory: true, speed: 1, port: 0, logFormat: 'silent' });
    url = shop.url ?? '';
    const launched = await launchChromium();
    browser = launched.browser;
    closeBrowser = launched.close;
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${page.url()}: ${m.text()}`);
    });
    await page.goto(`${url}/login`);
    await page.fill('input[name="username"]', 'Teacher');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${url}/`);
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    await shop?.stop();
  });

  const state = (p: Page) => p.locator('#shop-clock [data-field="clock-state"]').textContent();
  const shownTime = (p: Page) => p.locator('#shop-clock [data-field="clock-time"]').getAttribute('datetime');

  it('pauses, steps and resumes the shop from the header; another tab follows live', async () => {
    expect(await state(page)).toBe('running ×1');
    const kitchen = await browser.newPage();
    await kitchen.goto(`${url}/kitchen`);
    await kitchen.waitForSelector('#shop-clock[data-live="open"]');

    await page.click('#shop-clock button.clock-pause');
    await page.waitForURL(`${url}/`);
    expect(await state(page)).toBe('paused');
    expect(shop.clock.state().paused).toBe(true);
    const pausedAt = shop.clock.now();
    // the other tab heard it without a reload
    await kitchen.waitForFunction(() => document.querySelector('#shop-clock [data-field="clock-state"]')?.textContent === 'paused');
    expect(await kitchen.locator('#shop-clock button.clock-resume').isVisible()).toBe(true);

    // the header shows the paused shop time (its script ticks it from the state: paused, it stays)
    expect(new Date((await shownTime(page)) ?? '').getTime()).toBe(pausedAt);

    await page.click('#shop-clock button.clock-step');
    await page.waitForURL(`${url}/`);
    expect(shop.clock.now()).toBe(pausedAt + 1_000);
    expect(new Date((await shownTime(page)) ?? '').getTime()).toBe(pausedAt + 1_000);
    await page.locator('header.top').screenshot({ path: join(SCREENSHOTS, 'clock-paused.png') });

    await page.selectOption('#shop-clock select.clock-rate', '4');
    await page.click('#shop-clock button.clock-speed');
    await page.waitForURL(`${url}/`);
    await page.click('#shop-clock button.clock-resume');
    await page.waitForURL(`${url}/`);
    expect(await state(page)).toBe('running ×4');
    await kitchen.waitForFunction(() => document.querySelector('#shop-clock [data-field="clock-state"]')?.textContent === 'running ×4');
    expect(shop.clock.state()).toMatchObject({ paused: false, rate: 4 });
    await kitchen.close();
    expect(cspViolations).toEqual([]);
  }, 60_000);
});
