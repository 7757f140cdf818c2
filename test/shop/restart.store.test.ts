// Runs under Bun and Node: the durable embedded log and the SQLite stores on real files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { parseStatusChanged } from '../../src/events/messages.ts';
import { bakeMs } from '../../src/kitchen/timings.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';
import { parsePizzaAssembled } from '../support/shopHarness.ts';

const config = testConfig({ partitions: 2 });
const recipe = {
  sauce: config.menu.sauce[0] as string,
  cheese: config.menu.cheese[0] as string,
  main_topping: config.menu.mainTopping[0] as string,
  extra_toppings: [],
};
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function untilInOven(v: Awaited<ReturnType<typeof virtualShop>>, orderId: string) {
  for (let i = 0; i < 600; i++) {
    const assembled = await readTopic(v.shop.transport, config.topics.pizzaAssembled);
    const mine = assembled.find((m) => m.key === orderId);
    if (mine) return parsePizzaAssembled(mine.value);
    await v.advance(1_000);
  }
  throw new Error(`order ${orderId} never reached the oven`);
}

describe('restart on the same data directory (durable embedded log, virtual time)', () => {
  it('a pizza in the oven at a graceful stop comes out at its original deadline after restart, once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pizza-restart-'));
    dirs.push(dataDir);
    const clock = new VirtualClock(1_700_000_000_000);
    const orderId = randomOrderId();

    const first = await virtualShop({ config, clock, dataDir });
    await placeOrder(first.shop, orderId, randomCustomerId(), recipe);
    await first.shop.settle();
    const assembled = await untilInOven(first, orderId);
    const deadline = assembled.timestamp + bakeMs(assembled.baking_time, 1);
    await first.advance(2_000); // mid-bake
    expect(clock.now()).toBeLessThan(deadline);
    await first.shop.stop();

    // Down for one second, well before the deadline.
    await clock.advance(1_000);
    const second = await virtualShop({ config, clock, dataDir });
    await second.advance(10 * 60_000);

    const baked = (await readTopic(second.shop.transport, config.topics.pizzaBaked)).filter((m) => m.key === orderId);
    expect(baked).toHaveLength(1);
    expect(parseStatusChanged(baked[0]!.value).timestamp).toBe(deadline);
    const delivered = (await readTopic(second.shop.transport, config.topics.pizzaDelivered)).filter((m) => m.key === orderId);
    expect(delivered).toHaveLength(1);
    await second.shop.stop();
  });

  it('a pizza whose deadline passed while the shop was down comes out at once on restart, once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pizza-restart-'));
    dirs.push(dataDir);
    const clock = new VirtualClock(1_700_000_000_000);
    const orderId = randomOrderId();

    const first = await virtualShop({ config, clock, dataDir });
    await placeOrder(first.shop, orderId, randomCustomerId(), recipe);
    await first.shop.settle();
    await untilInOven(first, orderId);
    await first.advance(1_000);
    await first.shop.stop();

    await clock.advance(60 * 60_000); // down for an hour
    const restartedAt = clock.now();
    const second = await virtualShop({ config, clock, dataDir });
    await second.advance(10 * 60_000);

    const baked = (await readTopic(second.shop.transport, config.topics.pizzaBaked)).filter((m) => m.key === orderId);
    expect(baked).toHaveLength(1);
    expect(parseStatusChanged(baked[0]!.value).timestamp).toBe(restartedAt);
    const statuses = (await readTopic(second.shop.transport, config.topics.pizzaStatus)).filter((m) => m.key === orderId);
    expect(statuses.map((m) => parseStatusChanged(m.value).status)).toContain(999);
    await second.shop.stop();
  });

  it('a stuck timer survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pizza-restart-'));
    dirs.push(dataDir);
    const clock = new VirtualClock(1_700_000_000_000);
    const orderId = randomOrderId();
    // Only the status actor runs: nobody assembles, so the order makes no progress.
    const first = await virtualShop({ config, clock, dataDir, actors: ['status'] });
    await placeOrder(first.shop, orderId, randomCustomerId(), recipe);
    await first.shop.settle();
    const placedAt = clock.now();
    await first.advance(10_000);
    await first.shop.stop();

    await clock.advance(5_000);
    const second = await virtualShop({ config, clock, dataDir, actors: ['status'] });
    await second.advance(60_000);
    const statuses = (await readTopic(second.shop.transport, config.topics.pizzaStatus)).filter((m) => m.key === orderId);
    const stuck = statuses.map((m) => parseStatusChanged(m.value)).find((s) => s.status === config.status.ids.stuck);
    expect(stuck, 'the order went stuck after the restart').toBeDefined();
    // status_invalid_timeout_minutes = 0.75: stuck 45 s after the last progress, restart or not.
    const stuckMsg = statuses.find((m) => parseStatusChanged(m.value).status === config.status.ids.stuck);
    expect(stuckMsg?.timestamp).toBe(placedAt + 45_000);
    await second.shop.stop();
  });
});
