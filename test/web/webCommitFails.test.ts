import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { encode } from '../../src/events/messages.ts';
import { createLogger, type LogLine } from '../../src/log/logger.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { createWebActor } from '../../src/web/createWebActor.ts';
import { outageTransport } from '../support/outageTransport.ts';

// Regression found by test/scaleout/brokerRestart.test.ts: during a broker outage the web view's
// commit failed inside its handler, the consumer stopped, and the view never changed again.
describe('web view when commits fail', () => {
  it('goes on applying events after a failed commit (a warning), and does not crash', async () => {
    const config = loadConfig();
    const clock = new VirtualClock(1_700_000_000_000);
    const log = createEmbeddedLog({ clock });
    await log.ensureTopics(Object.values(config.topics).map((topic) => ({ topic, partitions: 1 })));
    const outage = { commits: true };
    const lines: LogLine[] = [];
    const logger = createLogger({ actor: 'web', clock, format: 'silent', sinks: [(l) => lines.push(l)] });
    const web = await createWebActor({
      config,
      transport: outageTransport(log, outage),
      clock,
      logger,
      instanceId: 'test',
      sessionSecret: 'a test secret, long enough',
    });
    let crashed: Error | undefined;
    web.crashed.then((e) => {
      crashed = e;
    });
    await web.start();
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        await log.capabilities.whenIdle();
        await web.idle();
      }
    };

    const id = '1a2b3c4d';
    const order = {
      sauce: 'Tomato',
      cheese: 'Mozzarella',
      main_topping: 'Ham',
      extra_toppings: [],
      username: 'ada',
      customer_id: 'c'.repeat(32),
    };
    const producer = log.producer();
    await producer.send(config.topics.pizzaOrdered, [{ key: id, value: encode({ status: 100, timestamp: clock.now(), order }) }]);
    await producer.send(config.topics.pizzaStatus, [{ key: id, value: encode({ status: 200, timestamp: clock.now() }) }]);
    await settle();
    expect(web.view.store.getOrder(id)?.status).toBe(200);
    expect(lines.some((l) => l.level === 'warn' && l.msg.startsWith('commit failed'))).toBe(true);

    outage.commits = false;
    await producer.send(config.topics.pizzaStatus, [{ key: id, value: encode({ status: 999, timestamp: clock.now() }) }]);
    await settle();
    expect(web.view.store.getOrder(id)?.status, 'the view still follows the log').toBe(999);
    expect(crashed).toBeUndefined();
    await web.stop();
    await log.close();
  });
});
