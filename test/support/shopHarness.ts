import { randomBytes } from 'node:crypto';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import type { ActorName, ShopConfig } from '../../src/config/shopConfig.ts';
import { encode, parsePizzaAssembled, parseStatusChanged } from '../../src/events/messages.ts';
import type { DeliveredMessage, Transport } from '../../src/transport/transport.ts';

export interface Recipe {
  sauce: string;
  cheese: string;
  main_topping: string;
  extra_toppings: string[];
}

/** A config for tests: the default one with overrides. */
export function testConfig(overrides: { partitions?: number; capacity?: Partial<ShopConfig['capacity']> } = {}): ShopConfig {
  const config = loadConfig('config_sys/default.ini');
  return {
    ...config,
    shop: { ...config.shop, localPartitions: overrides.partitions ?? config.shop.localPartitions },
    capacity: { ...config.capacity, ...overrides.capacity },
  };
}

export function randomOrderId(): string {
  return randomBytes(4).toString('hex');
}

export function randomCustomerId(): string {
  return randomBytes(16).toString('hex');
}

/** Produces pizza-ordered exactly as the web front end (or the original's Flask app) does. */
export async function placeOrder(shop: Shop, orderId: string, customerId: string, recipe: Recipe): Promise<void> {
  const timestamp = shop.clock.now();
  await shop.producer.send(shop.config.topics.pizzaOrdered, [
    {
      key: orderId,
      value: encode({
        status: shop.config.status.ids.order_placed,
        timestamp,
        order: { ...recipe, username: 'tester', customer_id: customerId },
      }),
      timestamp,
    },
  ]);
}

/** Reads every committed message of a topic from the start, partition by partition. */
export async function readTopic(transport: Transport, topic: string): Promise<DeliveredMessage[]> {
  const out: DeliveredMessage[] = [];
  for (const partition of (await transport.endOffsets(topic)).keys()) {
    for (let from = 0; ; ) {
      const messages = await transport.read(topic, partition, from, 100_000);
      if (messages.length === 0) break;
      out.push(...messages);
      from = (messages.at(-1)?.offset ?? from) + 1;
    }
  }
  return out;
}

/** A whole shop (kitchen and status actors) on the in-memory embedded log, in virtual time. */
export async function virtualShop(
  options: {
    config?: ShopConfig;
    speed?: number;
    actors?: ActorName[];
    start?: number;
    dataDir?: string;
    transport?: Transport;
    clock?: VirtualClock;
  } = {},
) {
  const clock = options.clock ?? new VirtualClock(options.start ?? 1_700_000_000_000);
  const shop = await startShop({
    config: options.config ?? testConfig(),
    actors: options.actors ?? ['assemble', 'bake', 'delivery', 'status'],
    clock,
    speed: options.speed ?? 1,
    memory: options.dataDir === undefined,
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.transport ? { transport: options.transport } : {}),
    logFormat: 'silent',
    listen: false,
  });
  await shop.settle();
  return {
    shop,
    clock,
    /** moves virtual time forward, letting the shop settle after every timer */
    advance: (ms: number) => clock.advance(ms, shop.settle),
  };
}

export { parsePizzaAssembled, parseStatusChanged };
