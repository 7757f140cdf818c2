import { afterEach, describe, expect, it } from 'vitest';
import { encode } from '../../src/events/messages.ts';
import type { Shop } from '../../src/app/startShop.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { type Outage, outageTransport } from '../support/outageTransport.ts';
import { randomOrderId, readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';
import { waitFor } from '../support/waitFor.ts';

// Regression found by test/scaleout/brokerRestart.test.ts: when a station's output could not be
// produced (the broker down), the station went on with steps already queued, and their checkpoint
// persisted a machine that had moved past the lost output: after the restart the pizza counted
// as done and its output was never produced.
let shop: Shop | undefined;
let log: EmbeddedLog | undefined;
afterEach(async () => {
  await shop?.stop();
  await log?.close();
  shop = undefined;
  log = undefined;
});

describe('a station whose output cannot be produced', () => {
  it('persists nothing more: after the supervisor restarts it, the lost output is produced, every pizza once', async () => {
    const config = testConfig({ partitions: 1 });
    log = createEmbeddedLog();
    const outage: Outage = {};
    const v = await virtualShop({ config, actors: ['bake'], transport: outageTransport(log, outage) });
    shop = v.shop;
    const input = config.topics.pizzaAssembled;
    const [first, second] = [randomOrderId(), randomOrderId()];
    await log.producer().send(input, [{ key: first, value: encode({ status: 200, baking_time: 10, timestamp: v.clock.now() }) }]);
    await v.shop.settle();
    expect(v.shop.station('bake')?.load()).toMatchObject({ working: 1 });

    // The broker goes away while the first pizza comes out: its pizza-baked send hangs ...
    let fail!: (e: Error) => void;
    outage.beforeSend = (topic) =>
      topic === config.topics.pizzaBaked
        ? new Promise<void>((_, reject) => {
            fail = reject;
          })
        : undefined;
    const station = v.shop.station('bake');
    await v.clock.advance(10_000);
    // ... while the second pizza's input is handed over and waits behind it ...
    await log.producer().send(input, [{ key: second, value: encode({ status: 200, baking_time: 10, timestamp: v.clock.now() }) }]);
    await waitFor(() => (station?.stats().received ?? 0) === 2, { timeoutMs: 5_000, message: 'the second input reached the station' });
    // ... and then fails.
    fail(new Error('kafka: send failed: connect ECONNREFUSED'));
    await waitFor(() => v.shop.supervisor.states()[0]?.state === 'restarting', { timeoutMs: 5_000, message: 'the station crashed' });

    outage.beforeSend = undefined;
    await v.advance(60_000); // the restart, then both pizzas bake
    const baked = (await readTopic(v.shop.transport, config.topics.pizzaBaked)).map((m) => m.key);
    expect(baked.sort()).toEqual([first, second].sort());
    expect(v.shop.supervisor.states()[0]).toMatchObject({ state: 'running', restarts: 1 });
  });
});
