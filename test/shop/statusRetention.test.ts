// The orders store's retention (README: `[state-store-orders] retention_hours`): the status
// actor forgets an order once it is older than the retention, and keeps younger ones. Whole shop
// in virtual time on a data directory; the store (the status actor's local copy of its state) is
// read back from its file, as configured, and the order's state is gone from the actor too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { openConfiguredStateStore } from '../../src/store/createStateStore.ts';
import { placeOrder, randomCustomerId, randomOrderId, testConfig, virtualShop } from '../support/shopHarness.ts';

const config = testConfig({ partitions: 2 });
const recipe = {
  sauce: config.menu.sauce[0] as string,
  cheese: config.menu.cheese[0] as string,
  main_topping: config.menu.mainTopping[0] as string,
  extra_toppings: [],
};
const HOUR = 3_600_000;
const RETENTION = config.ordersStore.retentionHours * HOUR;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('orders store retention', () => {
  it('an order older than retention_hours is removed from the orders store; a younger one stays', async () => {
    expect(config.ordersStore.retentionHours, 'the default retention').toBe(4);
    const dataDir = mkdtempSync(join(tmpdir(), 'pizza-retention-'));
    dirs.push(dataDir);
    const start = 1_700_000_000_000;
    const clock = new VirtualClock(start);
    const v = await virtualShop({ config, clock, dataDir });
    // The store as the configuration names it, opened beside the shop's own connection.
    const store = await openConfiguredStateStore(config, 'orders', { dataDir, clock });
    const status = store.collection(config.ordersStore.tableStatus);
    try {
      const old = randomOrderId();
      await placeOrder(v.shop, old, randomCustomerId(), recipe);
      await v.advance(RETENTION - HOUR);
      const young = randomOrderId();
      await placeOrder(v.shop, young, randomCustomerId(), recipe);
      // Just before the old order reaches the retention, both are stored (delivered and kept).
      await v.advance(HOUR - 5 * 60_000);
      expect(status.has(old), 'the old order is stored before it is due').toBe(true);
      expect(status.has(young), 'the young order is stored').toBe(true);

      // Past the retention (and past any sweep period up to 10 minutes): the old one is gone.
      await v.advance(15 * 60_000);
      expect(clock.now() - start).toBeGreaterThan(RETENTION);
      expect(status.has(old), 'an order older than the retention is purged').toBe(false);
      expect(status.has(young), 'an order younger than the retention stays').toBe(true);
      expect(v.shop.order(old), 'the status actor forgot the old order').toBeUndefined();
      expect(v.shop.order(young)?.orderId, 'the status actor still knows the young order').toBe(young);
    } finally {
      await v.shop.stop();
      store.close();
    }
  });
});
