import { describe, expect, it } from 'vitest';
import { startStatusActor } from '../../src/actors/statusActor.ts';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { ShopError } from '../../src/errors.ts';
import { encode } from '../../src/events/messages.ts';
import { createLogger, type LogLine } from '../../src/log/logger.ts';
import { openStateStore } from '../../src/store/createStateStore.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { waitFor } from '../support/waitFor.ts';

// Regression found by test/scaleout/brokerRestart.test.ts: a status actor whose start failed (the
// broker down) had already re-armed the watchdogs of the orders it restored; the half-started
// actor went on marking them stuck while the supervisor started another one.
describe('status actor whose start fails', () => {
  it('leaves no timers behind (restored orders are not watched by a half-started actor)', async () => {
    const config = loadConfig('config_sys/default.ini');
    const clock = new VirtualClock(1_700_000_000_000);
    const store = await openStateStore({ module: 'sqlite', path: ':memory:', clock });
    const log = createEmbeddedLog({ clock });
    const lines: LogLine[] = [];
    const logger = createLogger({ actor: 'status', clock, format: 'silent', sinks: [(l) => lines.push(l)] });
    await log.ensureTopics(Object.values(config.topics).map((topic) => ({ topic, partitions: 1 })));

    // One order in progress, remembered in the store.
    const first = await startStatusActor({ config, transport: log, producer: log.producer(), store, clock, logger, speed: 1 });
    const order = { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: [], username: 'u', customer_id: 'a'.repeat(32) };
    await log.producer().send(config.topics.pizzaOrdered, [{ key: '1a2b3c4d', value: encode({ status: 100, timestamp: clock.now(), order }) }]);
    await waitFor(() => first.activeOrders() === 1, { timeoutMs: 5_000, message: 'the order reached the status actor' });
    await first.stop();
    expect(clock.pendingTimers()).toBe(0);

    // The broker is down: joining the group fails.
    const down: Transport = {
      ...log,
      consumer: () => ({
        run: async () => {
          throw new ShopError('KAFKA_CONSUMER_FAILED', 'could not subscribe: connect ECONNREFUSED', { retriable: true });
        },
        commit: async () => {},
        pause: () => {},
        resume: () => {},
        assignment: () => [],
        close: async () => {},
      }),
    };
    await expect(startStatusActor({ config, transport: down, producer: log.producer(), store, clock, logger, speed: 1 })).rejects.toThrow('ECONNREFUSED');
    expect(clock.pendingTimers(), 'timers left by the failed start').toBe(0);
    const before = lines.length;
    await clock.advance(10 * 60_000);
    expect(lines.slice(before).filter((l) => l.msg.includes('stuck'))).toEqual([]);
    await log.close();
    store.close();
  });
});
