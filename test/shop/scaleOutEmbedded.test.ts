import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { parseStatusChanged } from '../../src/events/messages.ts';
import { startShop } from '../../src/app/startShop.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic, testConfig } from '../support/shopHarness.ts';

// Two "processes" on one log: each has its own state stores, as separate processes would.
describe('a second instance joins mid-order (rebalance moves partitions and their orders)', () => {
  for (const joiner of ['status', 'delivery'] as const) {
    it(`a second ${joiner} instance: every order is still delivered and known`, async () => {
      const config = testConfig({ partitions: 4, capacity: { assemble: 4, bake: 4, delivery: 4 } });
      const clock = new VirtualClock(1_700_000_000_000);
      const log = createEmbeddedLog({ clock });
      const common = { config, transport: log, clock, speed: 1, memory: true, logFormat: 'silent' as const };
      const first = await startShop({ ...common, actors: ['assemble', 'bake', 'delivery', 'status'] });
      const orders = Array.from({ length: 12 }, () => randomOrderId());
      const recipe = {
        sauce: config.menu.sauce[0] as string,
        cheese: config.menu.cheese[0] as string,
        main_topping: config.menu.mainTopping[0] as string,
        extra_toppings: [],
      };
      for (const id of orders) await placeOrder(first, id, randomCustomerId(), recipe);
      await clock.advance(5_000, first.settle);

      const second = await startShop({ ...common, actors: [joiner] });
      const settle = async () => {
        await first.settle();
        await second.settle();
      };
      await clock.advance(30 * 60_000, settle);

      const last = new Map<string, number>();
      for (const m of await readTopic(log, config.topics.pizzaStatus)) last.set(m.key as string, parseStatusChanged(m.value).status);
      for (const id of orders) expect(last.get(id), `order ${id}`).toBe(config.status.ids.delivered);
      const delivered = (await readTopic(log, config.topics.pizzaDelivered)).map((m) => m.key);
      for (const id of orders)
        expect(
          delivered.filter((k) => k === id),
          `pizza-delivered of ${id}`,
        ).toHaveLength(1);
      await second.stop();
      await first.stop();
      await log.close();
    });
  }
});
