import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { browserTestsRun } from '../support/chromium.ts';
import { shopInChromium } from '../support/shopInChromium.ts';

// The console's process map and fault injection in a real Chromium on the whole shop (in memory,
// this process): the map shows what this process hosts; a poison message and a kill are injected
// from the page's forms and their panels turn "handled" by themselves (the page refreshes its
// fragments every second), with the page's CSP on. Runs under Bun.

describe.skipIf(!browserTestsRun())('faults and the process map in a browser', () => {
  const config = loadConfig();
  const s = shopInChromium(config, 'Grace');
  const partitions = [...Array(config.shop.localPartitions).keys()].join(',');
  const panel = (kind: string) => s.page.locator(`#fault-list article.fault[data-kind="${kind}"]`).first();

  it('the process map shows this process with every actor and its partitions', async () => {
    await s.page.goto(`${s.url}/console/processes`);
    const me = s.page.locator('#process-map section.process');
    expect(await me.count()).toBe(1);
    for (const actor of ['web', 'assemble', 'bake', 'delivery', 'status']) {
      expect(await me.locator(`tr[data-actor="${actor}"]`).getAttribute('data-partitions'), actor).toBe(partitions);
    }
    expect(await me.locator('h2 .count').textContent()).toBe('live');
  }, 60_000);

  it('injects a poison message from the page: the panel shows the dead letters and that the readers carried on', async () => {
    await s.page.goto(`${s.url}/console/faults`);
    const form = s.page.locator('#fault-poison');
    await form.locator('select[name="topic"]').selectOption(config.topics.pizzaOrdered);
    await form.locator('select[name="kind"]').selectOption('not-json');
    await form.locator('button[type="submit"]').click();
    await s.page.waitForURL(/done=/);
    await expect
      .poll(async () => `${await panel('poison').getAttribute('data-state')}: ${await panel('poison').textContent()}`, { timeout: 15_000 })
      .toMatch(/^handled: /);
    const text = (await panel('poison').textContent()) ?? '';
    expect(text).toContain(`sent it to ${config.topics.deadLetter}[`);
    expect(text).toContain('assemble carried on');
  }, 60_000);

  it('kills bake from the page: the panel says it restarted, the map shows the restart', async () => {
    await s.page.goto(`${s.url}/console/faults`);
    const form = s.page.locator('#fault-kill');
    await form.locator('select[name="actor"]').selectOption('bake');
    await form.locator('button[value="kill"]').click();
    await s.page.waitForURL(/done=/);
    await expect
      .poll(async () => `${await panel('kill').getAttribute('data-state')}: ${await panel('kill').textContent()}`, { timeout: 15_000 })
      .toMatch(/^handled: /);
    expect(await panel('kill').textContent()).toMatch(/bake crashed \(restarts 0 → 1\) and was running again after \d+ ms/);
    await s.shot('console-faults');
    await s.page.goto(`${s.url}/console/processes`);
    const bake = s.page.locator('#process-map section.process tr[data-actor="bake"]');
    expect(await bake.getAttribute('data-state')).toBe('running');
    expect(await bake.getAttribute('data-partitions')).toBe(partitions);
    expect(await bake.locator('td.num').first().textContent()).toContain('1');
    expect(await s.page.locator('#process-map ol.changes').textContent()).toContain(
      'crashed: killed from the console by Grace via the console',
    );
    await s.shot('console-processes');
    expect(s.problems).toEqual([]);
  }, 60_000);

  // last: it signs the page out
  it('a page whose session ends goes to the login page instead of drawing it inside its fragment', async () => {
    await s.page.goto(`${s.url}/console/processes`);
    await s.browser.clearCookies();
    await s.page.waitForURL(`${s.url}/login`, { timeout: 10_000 });
    expect(await s.page.locator('#process-map').count()).toBe(0);
  }, 60_000);
});
