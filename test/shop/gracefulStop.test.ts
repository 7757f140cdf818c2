import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { startShop } from '../../src/app/startShop.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { outageTransport } from '../support/outageTransport.ts';
import { placeOrder, randomCustomerId, randomOrderId, testConfig } from '../support/shopHarness.ts';

describe('graceful stop', () => {
  it('commits the message in flight once its output is produced, so the next owner does not redo it', async () => {
    const config = testConfig({ partitions: 1 });
    const clock = new VirtualClock(1_700_000_000_000);
    const log = createEmbeddedLog({ clock });
    // Holds back the assemble station's output until the test lets it go.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let outputWaiting = false;
    const transport = outageTransport(log, {
      beforeSend: (topic) => {
        if (topic !== config.topics.pizzaAssembled) return undefined;
        outputWaiting = true;
        return gate;
      },
    });
    const shop = await startShop({
      config,
      actors: ['assemble'],
      transport,
      clock,
      speed: 0,
      memory: true,
      logFormat: 'silent',
      batching: { lingerMs: 0 },
    });
    await placeOrder(shop, randomOrderId(), randomCustomerId(), {
      sauce: config.menu.sauce[0] as string,
      cheese: config.menu.cheese[0] as string,
      main_topping: config.menu.mainTopping[0] as string,
      extra_toppings: [],
    });
    for (let i = 0; i < 100 && !outputWaiting; i++) await new Promise<void>((r) => setImmediate(r));
    expect(outputWaiting, 'the station is producing its output').toBe(true);

    const stopped = shop.stop();
    release();
    await stopped;

    expect((await log.endOffsets(config.topics.pizzaAssembled)).get(0)).toBe(1);
    expect((await log.committedOffsets(config.groupIds.assemble, config.topics.pizzaOrdered)).get(0)).toBe(1);
    await log.close();
  });
});
