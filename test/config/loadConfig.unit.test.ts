import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/loadConfig.ts';
import { loadKafkaConfig } from '../../src/config/loadKafkaConfig.ts';
import { statusLabel } from '../../src/config/shopConfig.ts';
import { ShopError } from '../../src/errors.ts';

const DEFAULT = 'config_sys/default.ini';
const text = readFileSync(DEFAULT, 'utf8');

/** Replaces one `key = value` line of a section in the default file. */
function withLine(section: string, key: string, replacement: string | null): string {
  const lines = text.split('\n');
  let current = '';
  return lines
    .flatMap((line) => {
      const header = /^\[(.+)\]$/.exec(line.trim());
      if (header) current = header[1] ?? '';
      if (current === section && new RegExp(`^${key.replace('.', '\\.')}\\s*=`).test(line))
        return replacement === null ? [] : [replacement];
      return [line];
    })
    .join('\n');
}

function errorOf(fn: () => unknown): ShopError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ShopError) return e;
    throw e;
  }
  throw new Error('expected a ShopError');
}

describe('loadConfig', () => {
  const config = loadConfig(DEFAULT);

  it("keeps the original's topics, status codes and labels", () => {
    expect(config.topics).toMatchObject({
      pizzaOrdered: 'pizza-ordered',
      pizzaAssembled: 'pizza-assembled',
      pizzaBaked: 'pizza-baked',
      pizzaDelivered: 'pizza-delivered',
      pizzaPending: 'pizza-pending',
      pizzaStatus: 'pizza-status',
    });
    expect(config.status.ids).toEqual({
      stuck: 50,
      order_placed: 100,
      pending: 150,
      pizza_assembled: 200,
      pizza_baked: 300,
      unknown: 410,
      something_wrong: 430,
      cancelled: 499,
      delivered: 999,
    });
    expect(statusLabel(config, 300)).toBe('Your pizza is out for delivery');
    expect(statusLabel(config, 12345)).toBe('Oops! Unknown status');
    expect(config.topicConfig).toEqual({ numPartitions: 6, replicationFactor: 3 });
  });

  it('reads indented multi-line lists and turns status names into codes', () => {
    expect(config.menu.sauce.length).toBeGreaterThan(1);
    expect(config.menu.extraToppings).toContain('Olives');
    expect(config.menu.mainTopping).toContain('Margherita (no topping)');
    expect(config.ordersStore.completedWhen).toEqual([999, 499]);
    expect(config.ordersStore.watchdogMinutes).toBe(0.25);
    expect(config.ordersStore.invalidTimeoutMinutes).toBe(0.75);
  });

  it("reads this project's additions", () => {
    expect(config.shop).toEqual({
      speed: 1,
      dataDir: './data',
      webPort: 8000,
      localPartitions: 6,
      batchMaxMessages: 500,
      batchLingerMs: 5,
      clockStepMs: 1000,
    });
    expect(config.capacity).toEqual({ assemble: 1, bake: 1, delivery: 1 });
    expect(config.groupIds.bake).toBe('pizza-baked');
  });

  it('names the file, section and key of a missing key', () => {
    const e = errorOf(() => parseConfig(withLine('kafka-topics', 'pizza_baked', null), 'broken.ini'));
    expect(e.message).toBe('broken.ini: [kafka-topics] pizza_baked: missing key');
    expect(e.exitCode).not.toBe(0);
  });

  it('names a missing section', () => {
    const e = errorOf(() => parseConfig(text.replace('[status-label]', '[status-labels]'), 'broken.ini'));
    expect(e.message).toBe('broken.ini: [status-label]: missing section');
  });

  it('rejects a non-number where a number belongs', () => {
    const e = errorOf(() => parseConfig(withLine('kafka-topic-config', 'num_partitions', 'num_partitions = six'), 'broken.ini'));
    expect(e.message).toBe("broken.ini: [kafka-topic-config] num_partitions: 'six' is not a number");
  });

  it('rejects an unknown status name in status_completed_when', () => {
    const e = errorOf(() =>
      parseConfig(withLine('state-store-orders', 'status_completed_when', 'status_completed_when = delivered, eaten'), 'broken.ini'),
    );
    expect(e.message).toContain("broken.ini: [state-store-orders] status_completed_when: unknown status name 'eaten'");
  });

  it('refuses a status_completed_when the order machine would not honour', () => {
    const e = errorOf(() =>
      parseConfig(withLine('state-store-orders', 'status_completed_when', 'status_completed_when = delivered'), 'broken.ini'),
    );
    expect(e.message).toContain('broken.ini: [state-store-orders] status_completed_when: must be "delivered, cancelled"');
  });

  it('rejects out-of-range numbers', () => {
    const e = errorOf(() => parseConfig(withLine('shop', 'web_port', 'web_port = 70000'), 'broken.ini'));
    expect(e.message).toBe('broken.ini: [shop] web_port: 70000 must be at most 65535');
    const f = errorOf(() => parseConfig(withLine('station-capacity', 'bake', 'bake = 1.5'), 'broken.ini'));
    expect(f.message).toBe('broken.ini: [station-capacity] bake: 1.5 is not a whole number');
  });

  it('says which file it could not read', () => {
    const e = errorOf(() => loadConfig('config_sys/nope.ini'));
    expect(e.message).toContain('config_sys/nope.ini: cannot read');
    expect(e.exitCode).toBe(2);
  });
});

describe('loadKafkaConfig', () => {
  it('reads the [kafka] client properties', () => {
    expect(loadKafkaConfig('config_sys/kafka/local.ini').properties['bootstrap.servers']).toBe('127.0.0.1:9092');
    const cloud = loadKafkaConfig('config_sys/kafka/cloud.example.ini').properties;
    expect(cloud['security.protocol']).toBe('SASL_SSL');
    expect(cloud['sasl.mechanisms']).toBe('PLAIN');
    expect(cloud['sasl.password']).toBe('<API_SECRET>');
  });

  it('names a missing bootstrap.servers', () => {
    const e = errorOf(() => loadKafkaConfig('config_sys/default.ini'));
    expect(e.message).toBe('config_sys/default.ini: [kafka]: missing section');
  });
});
