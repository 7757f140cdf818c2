import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import type { Transaction } from '../../src/lab/labMessages.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic } from '../support/shopHarness.ts';
import { waitFor } from '../support/waitFor.ts';
import { type WebHarness, login, request } from '../web/webHarness.ts';
import { runId, Scratch, writeScaleoutConfig } from '../scaleout/fixtures/scaleout.ts';

/**
 * The lab's whole path on a real Kafka broker (topics and groups suffixed per run): orders placed
 * → transactions keyed by product → the processor (with the inventory the source published) →
 * promotions in the analytics database and on the menu. Real time at speed 10, waited on with
 * bounded polls. Skipped locally without a broker (with the reason printed), fails under CI.
 */

const broker = await findKafkaBroker();
const scratch = new Scratch();
let shop: Shop | undefined;
let webOnly: Shop | undefined;
afterAll(async () => {
  await webOnly?.stop();
  await shop?.stop();
  await scratch.cleanup();
});

describe.skipIf(!broker.available)('the stream-processing lab on Kafka', () => {
  it('orders placed → transactions → windows and promotions in the analytics database and the menu JSON', {
    timeout: 120_000,
  }, async () => {
    const dir = scratch.dir('lab-kafka');
    const { config: loaded } = writeScaleoutConfig(dir, runId());
    const config = { ...loaded, topicConfig: { ...loaded.topicConfig, numPartitions: 2 } };
    shop = await startShop({
      config,
      kafka: broker.config,
      speed: 10,
      memory: true,
      logFormat: 'silent',
      listen: false,
      instanceId: 'labkafka',
    });
    const s = shop;
    const analytics = s.lab.analytics;
    if (!analytics) throw new Error('the analytics database is not open in a shop running every actor');
    const products = [...config.menu.sauce, ...config.menu.cheese, ...config.menu.mainTopping, ...config.menu.extraToppings];
    await waitFor(async () => new Set((await readTopic(s.transport, config.topics.inventory)).map((m) => m.key)).size === products.length, {
      timeoutMs: 60_000,
      message: 'the inventory source did not publish every product',
    });
    // no need to wait for the processor to read the inventory: rows stamped before the orders are
    // joined by them whatever the fetches bring first (the processor reads in timestamp order)
    const recipe = { sauce: 'BBQ', cheese: 'Cheddar', main_topping: 'Chicken', extra_toppings: [] };
    const customer = randomCustomerId();
    for (let i = 0; i < 3; i++) await placeOrder(s, randomOrderId(), customer, recipe);
    await waitFor(() => analytics.promotionFeed(200).filter((p) => p.prod_id === 'Chicken').length === 36, {
      timeoutMs: 60_000,
      message: () =>
        `promotions of Chicken in the analytics database: ${analytics.promotionFeed(200).filter((p) => p.prod_id === 'Chicken').length} of 36 (3 orders × 12 windows)`,
    });
    const txns = (await readTopic(s.transport, config.topics.transactions)).map(
      (m) => JSON.parse(new TextDecoder().decode(m.value)) as Transaction,
    );
    expect(txns.filter((t) => t.cust_id === customer)).toHaveLength(9);
    const windows = analytics.db
      .prepare("SELECT MAX(txn_per_hour) AS top, COUNT(*) AS n FROM product_txn_per_hour WHERE prod_id = 'Chicken'")
      .get();
    expect(windows).toEqual({ top: 3, n: 12 });
    const web = { web: s.web() } as unknown as WebHarness;
    const { cookie } = await login(web, 'kafka lab');
    // the menu knows promotions from the web's own view of the topics: it may be a moment behind the sink
    let why = '';
    const menuShows = async () => {
      const menu = (await (await request(web, 'GET', '/api/menu', { cookie })).json()) as { promotions: { item: string; why: string }[] };
      why = menu.promotions.find((p) => p.item === 'Chicken')?.why ?? '(none)';
      return /3 ordered this hour of 6 expected/.test(why);
    };
    await waitFor(menuShows, { timeoutMs: 30_000, message: () => `the menu's promotion of Chicken: ${why}` });

    // a web in a process of its own, with none of the lab's actors and an empty analytics database,
    // shows the same promotion: it reads the lab's topics from the broker
    webOnly = await startShop({
      config,
      kafka: broker.config,
      speed: 10,
      memory: true,
      logFormat: 'silent',
      listen: false,
      instanceId: 'labkafka-web',
      actors: ['web'],
    });
    const front = { web: webOnly.web() } as unknown as WebHarness;
    const other = await login(front, 'other web');
    let seen = '';
    await waitFor(
      async () => {
        const menu = (await (await request(front, 'GET', '/api/menu', { cookie: other.cookie })).json()) as {
          promotions: { item: string; why: string }[];
        };
        seen = menu.promotions.find((p) => p.item === 'Chicken')?.why ?? '(none)';
        return /3 ordered this hour of 6 expected/.test(seen);
      },
      { timeoutMs: 30_000, message: () => `the web-only process's promotion of Chicken: ${seen}` },
    );
    // the promotion came from the broker: this process has no analytics database at all
    expect(webOnly.lab.analytics).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});
