import { randomBytes } from 'node:crypto';
import type { Shop } from '../src/app/startShop.ts';
import { encode, parseStatusChanged } from '../src/events/messages.ts';
import type { OutgoingMessage } from '../src/transport/transport.ts';

export interface BulkResult {
  orders: number;
  ordersPerSecond: number;
  /** every message the shop wrote (stage topics, statuses, station work, changelogs, log lines) per second */
  messagesPerSecond: number;
  messagesPerOrder: number;
  seconds: number;
}

/**
 * The shop's throughput, not a client's: `orders` placed on pizza-ordered in batches of 500 (as
 * issue 8 measured the original's stations), timed from the first placement to the last
 * `delivered` status. Messages are everything the shop wrote meanwhile.
 */
export async function bulkOrders(shop: Shop, orders: number, timeoutMs = 600_000): Promise<BulkResult> {
  const { config } = shop;
  const delivered = new Set<string>();
  let finish!: () => void;
  const all = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const watcher = shop.transport.consumer({ groupId: `bench-${randomBytes(4).toString('hex')}`, topics: [config.topics.pizzaStatus] });
  await watcher.run(async ({ messages }) => {
    for (const m of messages) {
      if (m.key && parseStatusChanged(m.value).status === config.status.ids.delivered) delivered.add(m.key);
    }
    if (delivered.size >= orders) finish();
  });
  const now = shop.clock.now();
  // distinct order ids (random ones collide: ~1 pair in 100,000), from a random start
  const first = randomBytes(4).readUInt32BE(0);
  const orderId = (i: number) => ((first + i) >>> 0).toString(16).padStart(8, '0');
  const batch: OutgoingMessage[] = [];
  for (let i = 0; i < orders; i++) {
    const order = {
      sauce: config.menu.sauce[i % config.menu.sauce.length] as string,
      cheese: config.menu.cheese[i % config.menu.cheese.length] as string,
      main_topping: config.menu.mainTopping[i % config.menu.mainTopping.length] as string,
      extra_toppings: [],
      username: 'bench',
      customer_id: randomBytes(16).toString('hex'),
    };
    batch.push({
      key: randomBytes(4).toString('hex'),
      value: encode({ status: config.status.ids.order_placed, timestamp: now, order }),
      timestamp: now,
    });
  }
  const written0 = shop.messagesWritten();
  const t0 = performance.now();
  for (let i = 0; i < orders; i += 500) await shop.producer.send(config.topics.pizzaOrdered, batch.slice(i, i + 500));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bulk: ${delivered.size} of ${orders} delivered after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
    await watcher.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const messages = shop.messagesWritten() - written0;
  return { orders, ordersPerSecond: orders / seconds, messagesPerSecond: messages / seconds, messagesPerOrder: messages / orders, seconds };
}
