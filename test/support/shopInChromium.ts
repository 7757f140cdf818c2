import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import type { ShopConfig } from '../../src/config/shopConfig.ts';
import { launchChromium, signedInPage } from './chromium.ts';

/** Where the browser tests put their screenshots (docs/screenshots takes copies of some). */
export const SCREENSHOTS = 'test-output/screenshots';

/** The whole shop in this process and a Chromium signed in to it; filled in by `beforeAll`. */
export interface ShopInChromium {
  shop: Shop;
  url: string;
  browser: BrowserContext;
  page: Page;
  /** every error the page logged or threw (a CSP violation is a console error) */
  problems: string[];
  /** a full-page screenshot under SCREENSHOTS */
  shot(name: string): Promise<unknown>;
}

/**
 * Registers the `beforeAll`/`afterAll` of a browser suite on the whole shop (in memory, speed 0, a
 * free port, silent): the shop started, Chromium launched, its page signed in as `username`. Read
 * the fields inside tests (they are set once `beforeAll` ran).
 *
 * @example
 * const s = shopInChromium(loadConfig(), 'Ada');
 * it('shows the console', async () => { await s.page.goto(`${s.url}/console`); });
 */
export function shopInChromium(config: ShopConfig, username: string): ShopInChromium {
  const s = {} as ShopInChromium;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    s.shop = await startShop({ config, memory: true, speed: 0, port: 0, logFormat: 'silent' });
    s.url = s.shop.url ?? '';
    const chromium = await launchChromium();
    close = chromium.close;
    s.browser = chromium.browser;
    Object.assign(s, await signedInPage(s.browser, s.url, username));
    s.shot = (name) => s.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }, 60_000);
  afterAll(async () => {
    await close?.();
    await s.shop?.stop();
  });
  return s;
}
