import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '../../src/events/messages.ts';
import type { Shop } from '../../src/runtime/startShop.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { type Outage, outageTransport } from '../support/outageTransport.ts';
import { parseStatusChanged, randomCustomerId, randomOrderId, readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';
import { waitFor } from '../support/waitFor.ts';

// Regression found by test/scaleout/brokerRestart.test.ts: when the status actor could not publish
// a status (the broker down), it went on with the events queued behind it — persisting an order
// past the lost status, and committing inputs it had not applied — so the status was never
// published after the restart.
let shop: Shop | undefined;
let log: EmbeddedLog | undefined;
afterEach(async () => {
  await shop?.stop();
  await log?.close();
  shop = undefined;
  log = undefined;
});

describe('the status actor when a status cannot be published', () => {
  it('stops at once; after the restart every status of the order is published', async () => {
    const config = testConfig({ partitions: 1 });
    log = createEmbeddedLog();
    const outage: Outage = {};
    const v = await virtualShop({ config, actors: ['status'], transport: outageTransport(log, outage) });
    shop = v.shop;
    const id = randomOrderId();
    const order = { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: [], username: 'ada', customer_id: randomCustomerId() };
    const now = v.clock.now();
    await log.producer().send(config.topics.pizzaOrdered, [{ key: id, value: encode({ status: 100, timestamp: now, order }) }]);
    await v.shop.settle();

    // The broker goes away as the order is assembled: publishing 200 hangs ...
    let fail!: (e: Error) => void;
    outage.beforeSend = (topic) =>
      topic === config.topics.pizzaStatus
        ? new Promise<void>((_, reject) => {
            fail = reject;
          })
        : undefined;
    const status = v.shop.status();
    await log.producer().send(config.topics.pizzaAssembled, [{ key: id, value: encode({ status: 200, baking_time: 9, timestamp: now + 1 }) }]);
    // ... while the pizza-baked event waits behind it (a consumer hands over one batch at a time, so
    // it waits in the log); then the broker comes back, and the send fails.
    await log.producer().send(config.topics.pizzaBaked, [{ key: id, value: encode({ status: 300, timestamp: now + 2 }) }]);
    await waitFor(() => (status?.stats().received ?? 0) === 2, { timeoutMs: 5_000, message: 'the assembled event reached the status actor' });
    outage.beforeSend = undefined;
    fail(new Error('kafka: send failed: connect ECONNREFUSED'));
    await waitFor(() => v.shop.supervisor.states()[0]?.state === 'restarting', { timeoutMs: 5_000, message: 'the status actor crashed' });

    await v.advance(1_000); // the restart; the inputs come again
    const published = (await readTopic(v.shop.transport, config.topics.pizzaStatus)).map((m) => parseStatusChanged(m.value).status);
    expect(published).toEqual([100, 200, 300]);
  });
});
