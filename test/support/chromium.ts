import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { isCi } from './ci.ts';

/** Where the browser tests find Chromium (Debian's package by default). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser tests run: when Chromium is there, and always under CI (where a missing
 * Chromium is a failure, raised by `launchChromium`). Locally without it they are skipped with
 * the reason printed.
 *
 * @example
 * describe.skipIf(!browserTestsRun())('in a browser', () => { ... });
 */
export function browserTestsRun(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (isCi()) return true;
  console.warn(
    `browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH); under CI (CI=true or CI=1) this fails`,
  );
  return false;
}

/** A headless Chromium with a fresh profile; `close` also removes the profile directory. */
export async function launchChromium(): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'pizza-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The browser's first page, signed in to the shop at `url` as `username` through the login form,
 * with every error it logs or throws collected in `problems` (a CSP violation is a console error).
 *
 * @example
 * const { page, problems } = await signedInPage(chromium.browser, shop.url, 'Ada');
 * expect(problems).toEqual([]);
 */
export async function signedInPage(browser: BrowserContext, url: string, username: string): Promise<{ page: Page; problems: string[] }> {
  const page = browser.pages()[0] ?? (await browser.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${url}/login`);
  await page.fill('input[name="username"]', username);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${url}/`);
  return { page, problems };
}
