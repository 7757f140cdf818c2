import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { browserTestsRun, launchChromium } from '../support/chromium.ts';

// Issue 10 (2, 3, 5) in a real Chromium: a page served from another port of the same host (same
// site, another origin; SameSite=Lax cookies still go along) tries to order, cancel, log the
// customer out and log them in as someone else, and frames the shop. Also: the shop's own pages
// run under its CSP without a single violation (no inline script or style left), live updates and
// the API reference page included. Runs under Bun.

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The attacker's pages: forms that submit themselves to the shop, a no-cors fetch, a frame. */
function attackerPage(shop: string, path: string): string {
  const form = (action: string, fields: Record<string, string>) =>
    `<form id="f" method="post" action="${escapeHtml(shop + action)}">${Object.entries(fields)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('')}</form><script>document.getElementById('f').submit()</script>`;
  const pizza = { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham' };
  if (path === '/order') return form('/', pizza);
  if (path === '/api-order') {
    return `<script>fetch(${JSON.stringify(`${shop}/api/orders`)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'sauce=Tomato&cheese=Mozzarella&main_topping=Ham' })
      .then(() => { document.title = 'sent'; }, () => { document.title = 'sent'; });</script>`;
  }
  if (path.startsWith('/cancel/')) return form(`/orders/${path.slice(8)}/cancel`, {});
  if (path.startsWith('/api-cancel/')) {
    return `<script>fetch(${JSON.stringify(`${shop}/api/orders/${path.slice(12)}/cancel`)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })
      .then(() => { document.title = 'sent'; }, () => { document.title = 'sent'; });</script>`;
  }
  if (path === '/logout') return form('/logout', {});
  if (path === '/login') return form('/login', { username: 'eve' });
  if (path === '/frame') return `<iframe id="shop" src="${escapeHtml(`${shop}/`)}" width="800" height="600"></iframe>`;
  return 'nothing here';
}

describe.skipIf(!browserTestsRun())('cross-origin attacks from another port, in Chromium', () => {
  let shop: Shop;
  let attacker: ReturnType<typeof Bun.serve>;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;
  let page: Page;
  let url: string;
  let evil: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    shop = await startShop({ config: loadConfig(), memory: true, speed: 1, port: 0, logFormat: 'silent' });
    url = shop.url ?? '';
    attacker = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch: (req) =>
        new Response(
          `<!doctype html><html><head><title>evil</title></head><body>${attackerPage(url, new URL(req.url).pathname)}</body></html>`,
          {
            headers: { 'content-type': 'text/html; charset=utf-8' },
          },
        ),
    });
    evil = `http://127.0.0.1:${attacker.port}`;
    const launched = await launchChromium();
    browser = launched.browser;
    closeBrowser = launched.close;
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${page.url()}: ${m.text()}`);
    });
    // the victim logs in on the shop
    await page.goto(`${url}/login`);
    await page.fill('input[name="username"]', 'Ada');
    await page.click('button[type="submit"]');
    await page.waitForURL(`${url}/`);
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    attacker?.stop(true);
    await shop?.stop();
  });

  const sessionCookie = async () => (await browser.cookies(url)).find((c) => c.name === 'pizza_session')?.value ?? '';
  const api = async (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { cookie: `pizza_session=${await sessionCookie()}`, ...(init.headers ?? {}) } });
  const myOrders = async () => ((await (await api('/api/orders')).json()) as { orders: { order_id: string }[] }).orders;

  it('refuses orders placed from the other port: a self-submitting form and a no-cors form-encoded fetch', async () => {
    const before = (await myOrders()).length;
    await page.goto(`${evil}/order`);
    await page.waitForURL(`${url}/`);
    expect(await page.textContent('body')).toContain('refused');
    await page.goto(`${evil}/api-order`);
    await expect.poll(() => page.title()).toBe('sent');
    expect(await myOrders()).toHaveLength(before);
  }, 30_000);

  it('refuses cancels from the other port (form and fetch)', async () => {
    const placed = await api('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham' }),
    });
    expect(placed.status).toBe(201);
    const { order_id } = (await placed.json()) as { order_id: string };
    await page.goto(`${evil}/cancel/${order_id}`);
    await page.waitForURL(`${url}/orders/${order_id}/cancel`);
    await page.goto(`${evil}/api-cancel/${order_id}`);
    await expect.poll(() => page.title()).toBe('sent');
    const order = (await (await api(`/api/orders/${order_id}`)).json()) as { cancel_requested_at: number | null };
    expect(order.cancel_requested_at).toBeNull();
  }, 30_000);

  it('neither logs the customer out nor logs them in as someone else', async () => {
    const before = await sessionCookie();
    expect(before).not.toBe('');
    await page.goto(`${evil}/logout`);
    await page.waitForURL(`${url}/logout`);
    await page.goto(`${evil}/login`);
    await page.waitForURL(`${url}/login`);
    expect(await sessionCookie()).toBe(before);
    await page.goto(`${url}/orders`);
    expect(new URL(page.url()).pathname).toBe('/orders');
    expect(await page.textContent('header .who')).toContain('Ada');
  }, 30_000);

  it('cannot be framed', async () => {
    // 'load' waits for the frame too
    await page.goto(`${evil}/frame`, { waitUntil: 'load' });
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    // Chromium refuses to render it (frame-ancestors 'none', X-Frame-Options DENY): no menu inside
    expect(await frame?.$('#menu-form')).toBeNull();
  }, 30_000);

  it("runs the shop's own pages under the CSP without a violation, live updates and the API reference included", async () => {
    cspViolations.length = 0;
    await page.goto(`${url}/`);
    await page.check('input[name="sauce"][value="Pesto"]');
    await page.check('input[name="cheese"][value="Mozzarella"]');
    await page.check('input[name="main_topping"][value="Ham"]');
    await expect.poll(() => page.textContent('#pizza-summary')).toContain('Pesto');
    await page.click('button.primary');
    await page.waitForURL(/\/orders\/[0-9a-f]{8}$/);
    await page.waitForSelector('body[data-live="open"]');
    await page.goto(`${url}/kitchen`);
    await page.waitForSelector('body[data-live="open"]');
    await page.goto(`${url}/flow`);
    await page.goto(`${url}/api-reference`);
    await expect.poll(() => page.$$eval('#api-operations article', (a) => a.length)).toBeGreaterThan(8);
    expect(await page.textContent('#api-operations')).toContain('/api/orders');
    // logging out is a form with the token now
    await page.goto(`${url}/orders`);
    await page.click('header form.logout button');
    await page.waitForURL(`${url}/login`);
    expect(await sessionCookie()).toBe('');
    expect(cspViolations).toEqual([]);
  }, 60_000);
});
