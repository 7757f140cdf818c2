import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { browserTestsRun } from '../support/chromium.ts';
import { SCREENSHOTS, shopInChromium } from '../support/shopInChromium.ts';

// The teaching console in a real Chromium on the whole shop (in memory, this process): browse a
// topic, filter by key, tail it live, read the consumer groups, redrive a dead letter — with the
// page's CSP on (no inline script), so a violation would show as a console error. Runs under Bun.

describe.skipIf(!browserTestsRun())('the console in a browser', () => {
  const config = loadConfig();
  const s = shopInChromium(config, 'Ada');

  /** Places an order through the JSON API from the page (same origin, the session cookie). */
  const order = async (): Promise<string> => {
    const body = await s.page.evaluate(async () => {
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
    await s.shop.settle();
    await s.page.goto(`${s.url}/console?topic=${config.topics.pizzaOrdered}`);
    const keys = await s.page.locator('#messages tbody tr td:nth-child(4)').allTextContents();
    expect(keys).toEqual([second, first]);
    await expect.poll(() => s.page.textContent('#messages tbody tr:first-child td:nth-child(6)')).toContain('"main_topping":"Pepperoni"');

    await s.page.fill('input[name="key"]', first);
    await s.page.click('form.browse button[type="submit"]');
    await s.page.waitForURL(/key=/);
    expect(await s.page.locator('#messages tbody tr td:nth-child(4)').allTextContents()).toEqual([first]);
    await s.shot('console-messages');

    await s.page.fill('input[name="key"]', '');
    await s.page.click('form.browse button[type="submit"]');
    await s.page.waitForURL((u) => !u.search.includes('key=') || u.searchParams.get('key') === '');
    await s.page.check('#live-tail');
    const third = await order();
    await expect.poll(() => s.page.textContent('#messages tbody tr:first-child td:nth-child(4)'), { timeout: 10_000 }).toBe(third);
    expect(await s.page.locator('#messages tbody tr.fresh').count()).toBe(1);
    await s.page.uncheck('#live-tail');
  }, 60_000);

  it('shows an order’s cause and effect on its page: one trace, who read each message and what it emitted', async () => {
    const id = await order();
    await s.shop.settle();
    await s.page.goto(`${s.url}/orders/${id}`);
    const section = s.page.locator('#cause-effect');
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
      s.page.locator('figure[data-machine="order"] g.state.current').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-state')));
    const done = () => s.page.locator('#flow-steps li.done').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-stage')));
    const finalState = (await lit())[0];
    expect(finalState).toBeTruthy();
    await s.page.locator('#trace-scrubber').fill('0');
    expect(await lit()).toEqual([]);
    expect(await done()).toEqual(['ordered']);
    expect(await s.page.textContent('#trace-at')).toBe(`step 1 of ${await steps.count()}`);
    expect(await section.locator('ol.trace-steps > li.future').count()).toBe((await steps.count()) - 1);
    // one step that set a status: the statechart shows that status's state
    const firstStatus = section.locator('ol.trace-steps > li[data-state]:not([data-state=""])').first();
    const index = await firstStatus.evaluate((li) => Array.from(li.parentElement?.children ?? []).indexOf(li));
    await s.page.locator('#trace-scrubber').fill(String(index));
    expect(await lit()).toEqual([await firstStatus.getAttribute('data-state')]);
    await s.page.locator('#trace-scrubber').fill(String((await steps.count()) - 1));
    expect(await lit()).toEqual([finalState]);
    expect(await done()).toEqual(['ordered', 'assembled', 'baked', 'delivered']);
  }, 60_000);

  it('shows every consumer group with members, partitions, lag and a lag chart', async () => {
    await s.shop.settle();
    await s.page.goto(`${s.url}/console/groups`);
    const actors = await s.page.locator('section.group h2').allTextContents();
    expect(actors).toEqual(expect.arrayContaining(['web', 'assemble', 'bake', 'delivery', 'status']));
    const assemble = s.page.locator(`section.group[data-group="${config.groupIds.assemble}"]`);
    expect(await assemble.locator('table.members tbody tr').count()).toBe(1);
    expect(await assemble.locator('.group-lag').textContent()).toBe('0');
    expect(await assemble.locator('figure.lag-chart svg').count()).toBe(1);
    await s.shot('console-groups');
  }, 60_000);

  it('lists a dead letter with why and where from, and redrives it with one click', async () => {
    // a poison message: not JSON; the stations dead-letter it
    await s.shop.producer.send(config.topics.pizzaOrdered, [{ key: 'deadbeef', value: '{"order_id": "deadbeef", oops' }]);
    await s.shop.settle();
    await s.page.goto(`${s.url}/console?topic=${config.topics.deadLetter}`);
    const rows = s.page.locator('#messages tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    const first = rows.first();
    expect(await first.textContent()).toContain('dlq.reason');
    expect(await first.textContent()).toContain(`dlq.source.topic: ${config.topics.pizzaOrdered}`);
    await s.shot('console-dead-letters');
    const before = [...(await s.shop.transport.endOffsets(config.topics.pizzaOrdered)).values()].reduce((a, b) => a + b, 0);
    await first.locator('form.redrive button').click();
    await s.page.waitForURL(/redriven=/);
    expect(await s.page.textContent('.notice')).toContain(`→ ${config.topics.pizzaOrdered}[`);
    const after = [...(await s.shop.transport.endOffsets(config.topics.pizzaOrdered)).values()].reduce((a, b) => a + b, 0);
    expect(after).toBe(before + 1);
    await s.page.goto(`${s.url}/console?topic=${config.topics.pizzaOrdered}&key=deadbeef`);
    expect(await s.page.locator('#messages tbody tr').first().textContent()).toContain('redriven.from');
    expect(s.problems).toEqual([]);
  }, 60_000);
});
