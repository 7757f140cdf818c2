import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { browserTestsRun, launchChromium, signedInPage } from '../support/chromium.ts';

// The teaching console in a real Chromium on the whole shop (in memory, this process): browse a
// topic, filter by key, tail it live, read the consumer groups, redrive a dead letter — with the
// page's CSP on (no inline script), so a violation would show as a console error. Runs under Bun.

const SCREENSHOTS = 'test-output/screenshots';

describe.skipIf(!browserTestsRun())('the console in a browser', () => {
  const config = loadConfig();
  let shop: Shop;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: BrowserContext;
  let page: Page;
  let url: string;
  let problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    shop = await startShop({ config, memory: true, speed: 0, port: 0, logFormat: 'silent' });
    url = shop.url ?? '';
    chromium = await launchChromium();
    browser = chromium.browser;
    ({ page, problems } = await signedInPage(browser, url, 'Ada'));
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await shop?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

  /** Places an order through the JSON API from the page (same origin, the session cookie). */
  const order = async (): Promise<string> => {
    const body = await page.evaluate(async () => {
      const res = await fetch('/api/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Pepperoni' }),
      });
      return (await res.json()) as { order_id: string };
    });
    return body.order_id;
  };

  it('browses pizza-ordered newest first, filters by key, and tails new orders live', async () => {
    const first = await order();
    const second = await order();
    await shop.settle();
    await page.goto(`${url}/console?topic=${config.topics.pizzaOrdered}`);
    const keys = await page.locator('#messages tbody tr td:nth-child(4)').allTextContents();
    expect(keys).toEqual([second, first]);
    await expect.poll(() => page.textContent('#messages tbody tr:first-child td:nth-child(6)')).toContain('"main_topping":"Pepperoni"');

    await page.fill('input[name="key"]', first);
    await page.click('form.browse button[type="submit"]');
    await page.waitForURL(/key=/);
    expect(await page.locator('#messages tbody tr td:nth-child(4)').allTextContents()).toEqual([first]);
    await shot('console-messages');

    await page.fill('input[name="key"]', '');
    await page.click('form.browse button[type="submit"]');
    await page.waitForURL((u) => !u.search.includes('key=') || u.searchParams.get('key') === '');
    await page.check('#live-tail');
    const third = await order();
    await expect.poll(() => page.textContent('#messages tbody tr:first-child td:nth-child(4)'), { timeout: 10_000 }).toBe(third);
    expect(await page.locator('#messages tbody tr.fresh').count()).toBe(1);
    await page.uncheck('#live-tail');
  }, 60_000);

  it('shows an order’s cause and effect on its page: one trace, who read each message and what it emitted', async () => {
    const id = await order();
    await shop.settle();
    await page.goto(`${url}/orders/${id}`);
    const section = page.locator('#cause-effect');
    expect(await section.textContent()).toContain('One trace:');
    const steps = section.locator('ol.trace-steps > li');
    expect(await steps.count()).toBeGreaterThanOrEqual(8);
    const first = await steps.first().textContent();
    expect(first).toContain(`web wrote ${config.topics.pizzaOrdered}[`);
    expect(first).toContain('read by assemble');
    expect(first).toContain(`${config.topics.pizzaAssembled}[`);
    await section.screenshot({ path: join(SCREENSHOTS, 'order-cause-effect.png') });

    // the replay: at the first step only the order exists; at the last the order is delivered
    const lit = () =>
      page.locator('figure[data-machine="order"] g.state.current').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-state')));
    const done = () => page.locator('#flow-steps li.done').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-stage')));
    const finalState = (await lit())[0];
    expect(finalState).toBeTruthy();
    await page.locator('#trace-scrubber').fill('0');
    expect(await lit()).toEqual([]);
    expect(await done()).toEqual(['ordered']);
    expect(await page.textContent('#trace-at')).toBe(`step 1 of ${await steps.count()}`);
    expect(await section.locator('ol.trace-steps > li.future').count()).toBe((await steps.count()) - 1);
    // one step that set a status: the statechart shows that status's state
    const firstStatus = section.locator('ol.trace-steps > li[data-state]:not([data-state=""])').first();
    const index = await firstStatus.evaluate((li) => Array.from(li.parentElement?.children ?? []).indexOf(li));
    await page.locator('#trace-scrubber').fill(String(index));
    expect(await lit()).toEqual([await firstStatus.getAttribute('data-state')]);
    await page.locator('#trace-scrubber').fill(String((await steps.count()) - 1));
    expect(await lit()).toEqual([finalState]);
    expect(await done()).toEqual(['ordered', 'assembled', 'baked', 'delivered']);
  }, 60_000);

  it('shows every consumer group with members, partitions, lag and a lag chart', async () => {
    await shop.settle();
    await page.goto(`${url}/console/groups`);
    const actors = await page.locator('section.group h2').allTextContents();
    expect(actors).toEqual(expect.arrayContaining(['web', 'assemble', 'bake', 'delivery', 'status']));
    const assemble = page.locator(`section.group[data-group="${config.groupIds.assemble}"]`);
    expect(await assemble.locator('table.members tbody tr').count()).toBe(1);
    expect(await assemble.locator('.group-lag').textContent()).toBe('0');
    expect(await assemble.locator('figure.lag-chart svg').count()).toBe(1);
    await shot('console-groups');
  }, 60_000);

  it('lists a dead letter with why and where from, and redrives it with one click', async () => {
    // a poison message: not JSON; the stations dead-letter it
    await shop.producer.send(config.topics.pizzaOrdered, [{ key: 'deadbeef', value: '{"order_id": "deadbeef", oops' }]);
    await shop.settle();
    await page.goto(`${url}/console?topic=${config.topics.deadLetter}`);
    const rows = page.locator('#messages tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    const first = rows.first();
    expect(await first.textContent()).toContain('dlq.reason');
    expect(await first.textContent()).toContain(`dlq.source.topic: ${config.topics.pizzaOrdered}`);
    await shot('console-dead-letters');
    const before = [...(await shop.transport.endOffsets(config.topics.pizzaOrdered)).values()].reduce((a, b) => a + b, 0);
    await first.locator('form.redrive button').click();
    await page.waitForURL(/redriven=/);
    expect(await page.textContent('.notice')).toContain(`→ ${config.topics.pizzaOrdered}[`);
    const after = [...(await shop.transport.endOffsets(config.topics.pizzaOrdered)).values()].reduce((a, b) => a + b, 0);
    expect(after).toBe(before + 1);
    await page.goto(`${url}/console?topic=${config.topics.pizzaOrdered}&key=deadbeef`);
    expect(await page.locator('#messages tbody tr').first().textContent()).toContain('redriven.from');
    expect(problems).toEqual([]);
  }, 60_000);
});
