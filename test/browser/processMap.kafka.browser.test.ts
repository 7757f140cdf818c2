import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runId, Scratch, startShopProcess, tail, untilStarted, writeKafkaIni, writeScaleoutConfig } from '../scaleout/fixtures/scaleout.ts';
import { browserTestsRun, launchChromium, signedInPage } from '../support/chromium.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';

// The live process map in a real Chromium while a real rebalance happens (issue 12): a shop
// process (web + bake) on Kafka, then a second `--actors bake` process started as a user would;
// the open page shows the bake partitions split between the two without a reload, and whole again
// once the second stops. Needs a broker and Chromium.

const SCREENSHOTS = 'test-output/screenshots';
const broker = await findKafkaBroker();
const scratch = new Scratch();
afterEach(() => scratch.cleanup());

describe.skipIf(!broker.available || !browserTestsRun())(`the process map page during a rebalance on Kafka at ${broker.bootstrap}`, () => {
  it('shows the bake partitions move to a second process and back, live', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const dir = scratch.dir('map-browser');
    const { file: systemIni, config } = writeScaleoutConfig(dir, runId());
    const kafkaIni = writeKafkaIni(dir, broker.bootstrap);
    const start = (name: string, actors: string[]) =>
      startShopProcess(scratch, { name, systemIni, kafkaIni, actors, dataDir: join(dir, name) });
    const front = start('front', ['web', 'bake']);
    await untilStarted(front, ['web', 'bake']);
    const url = front.url() as string;
    const chromium = await launchChromium();
    try {
      const { page, problems } = await signedInPage(chromium.browser, url, 'Linus');
      await page.goto(`${url}/console/processes`);

      const bakeRows = page.locator('#process-map section.process tr[data-actor="bake"]');
      const owned = async () =>
        (await bakeRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-partitions') ?? ''))).filter(Boolean);
      const all = [...Array(config.topicConfig.numPartitions).keys()].join(',');
      await expect.poll(owned, { timeout: 30_000 }).toEqual([all]);

      // no reload from here on: the page refreshes its map by itself
      const second = start('bake-2', ['bake']);
      await untilStarted(second, ['bake']);
      const explain = () => [front, second].map((p) => tail(p)).join('\n');
      await expect
        .poll(
          async () => {
            const parts = await owned();
            return (
              parts.length === 2 &&
              parts.every((p) => p.length > 0) &&
              parts.join(',').split(',').sort().join(',') === all.split(',').sort().join(',')
            );
          },
          { timeout: 60_000, message: explain() },
        )
        .toBe(true);
      expect(await page.locator('#process-map section.process').count()).toBe(2);
      expect(await page.locator('#process-map table.owners tr[data-actor="bake"] td.owner.p1').count()).toBeGreaterThan(0);
      await page.screenshot({ path: join(SCREENSHOTS, 'console-processes-rebalance.png'), fullPage: true });

      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      await expect.poll(owned, { timeout: 60_000, message: explain() }).toEqual([all]);
      expect(await page.locator('#process-map ol.changes').textContent()).toContain('left (stopped gracefully)');
      expect(problems).toEqual([]);
    } finally {
      await chromium.close();
    }
  }, 240_000);
});
