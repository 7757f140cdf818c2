import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { changelogTopic } from '../../src/runtime/host/createActorHost.ts';
import { shopTopology } from '../../src/topology.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../../src/transport/embeddedLog.ts';
import type { Transport } from '../../src/transport/transport.ts';
import { createFaults, DUPLICATE_WINDOW, EFFECT_WINDOW, type FaultControls } from '../../src/web/console/faults.ts';
import { createProcessMap } from '../../src/web/console/processMap.ts';

// What explaining a fault costs: the faults page explains every fault it remembers once a second,
// so the work of one explanation must not grow with what the shop wrote since the fault.

const config = loadConfig();
let log: EmbeddedLog;
let clock: VirtualClock;
beforeEach(async () => {
  clock = new VirtualClock(1_700_000_000_000);
  log = createEmbeddedLog({ clock });
  await log.ensureTopics(
    [...Object.values(config.topics), changelogTopic(config.groupIds.status)].map((topic) => ({ topic, partitions: 3 })),
  );
});
afterEach(async () => {
  await log.close();
});

let read = 0;
const counting = (): Pick<Transport, 'read' | 'endOffsets' | 'committedOffsets'> => ({
  read: async (...args) => {
    const batch = await log.read(...args);
    read += batch.length;
    return batch;
  },
  endOffsets: (topic) => log.endOffsets(topic),
  committedOffsets: (group, topic) => log.committedOffsets(group, topic),
});
const controls: FaultControls = { send: async (body, issuer) => ({ ...body, id: 'c1', issuer, at: 0 }) };
const faultsOn = () =>
  createFaults({
    config,
    transport: counting(),
    producer: log.producer(),
    clock,
    speed: 1,
    topology: shopTopology(config),
    processMap: createProcessMap({ transport: log, topic: config.topics.processes }),
    controls,
  });

describe('explaining a fault', () => {
  it('reads a bounded window past the fault, however much was written since', async () => {
    const faults = faultsOn();
    const producer = log.producer();
    const orderId = 'abcdef01';
    await producer.send(config.topics.pizzaOrdered, [{ key: orderId, value: JSON.stringify({ status: 100 }) }]);
    // the status actor's changelog before the fault (never compacted on the embedded log)
    for (let i = 0; i < 3 * EFFECT_WINDOW; i += 1000) {
      await producer.send(
        changelogTopic(config.groupIds.status),
        Array.from({ length: 1000 }, () => ({ key: orderId, value: JSON.stringify({ context: { history: [] } }) })),
      );
    }
    const fault = await faults.duplicate({ topic: config.topics.pizzaOrdered, orderId });

    // a busy shop after the fault: many log lines of that order (one partition: its key)
    const lines = 3 * EFFECT_WINDOW;
    for (let i = 0; i < lines; i += 1000) {
      await producer.send(
        config.topics.logs,
        Array.from({ length: 1000 }, (_, j) => ({ key: orderId, value: JSON.stringify({ actor: 'bake', msg: `line ${i + j}` }) })),
      );
    }
    read = 0;
    const explanation = await faults.explain(fault);
    expect(explanation.lines.length).toBeGreaterThan(0);
    expect(read).toBeLessThanOrEqual(EFFECT_WINDOW + 100);
  });

  it("a kill's duplicate check reads a bounded window around the kill, however much was baked since", async () => {
    const now = Date.now();
    const actor = { actor: 'bake', group: config.groupIds.bake, partitions: [0, 1, 2], state: 'running', restarts: 0 };
    const entry = {
      process: 'p1',
      pid: 1,
      host: 'h',
      transport: 'embedded',
      started_at: now,
      heartbeat_at: now,
      heartbeat_ms: 60_000,
      web_url: null,
      actors: [{ ...actor, instance_started_at: now, last_crash_at: null, last_crash: null, restored_rows: 0, paused: false }],
    };
    const producer = log.producer();
    await producer.send(config.topics.processes, [{ key: 'p1', value: JSON.stringify(entry) }]);
    const faults = faultsOn();
    const fault = await faults.kill('bake', 'test');
    // three times the window on each of the 3 partitions
    for (let i = 0; i < 9 * DUPLICATE_WINDOW; i += 1000) {
      await producer.send(
        config.topics.pizzaBaked,
        Array.from({ length: 1000 }, (_, j) => ({ key: (i + j).toString(16).padStart(8, '0'), value: '{}' })),
      );
    }
    read = 0;
    const explanation = await faults.explain(fault);
    expect(explanation.lines.join(' ')).toMatch(/orders on its output topics/);
    expect(read).toBeLessThanOrEqual(3 * DUPLICATE_WINDOW);
  });
});
