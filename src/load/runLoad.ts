import { randomBytes } from 'node:crypto';
import type { ShopConfig } from '../config/shopConfig.ts';
import { encode, parseStatusChanged } from '../events/messages.ts';
import type { Shop } from '../app/startShop.ts';
import { percentile } from './stats.ts';

/** One order as the load generator places it. */
export interface LoadOrder {
  sauce: string;
  cheese: string;
  main_topping: string;
  extra_toppings: string[];
}

export interface LoadResult {
  placed: number;
  delivered: number;
  cancelled: number;
  stuck: number;
  unfinished: number;
  seconds: number;
  ordersPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

/** A random valid menu choice. */
export function randomOrder(menu: ShopConfig['menu'], random: () => number = Math.random): LoadOrder {
  const pick = (list: string[]) => list[Math.floor(random() * list.length)] as string;
  return {
    sauce: pick(menu.sauce),
    cheese: pick(menu.cheese),
    main_topping: pick(menu.mainTopping),
    extra_toppings: menu.extraToppings.filter(() => random() < 0.3),
  };
}

/** How the load generator places orders and learns their status (in-process shop or web API). */
export interface LoadTarget {
  /** places one order; resolves with its id */
  place(order: LoadOrder, customer: number): Promise<string>;
  /** calls back with each status change of any order placed through `place` */
  watch(onStatus: (orderId: string, status: number) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * Places `orders` orders with at most `concurrency` unfinished at once and waits until every one
 * is finished (delivered or cancelled) or `timeoutMs` passes.
 */
export async function runLoad(
  target: LoadTarget,
  config: ShopConfig,
  options: { orders: number; concurrency: number; timeoutMs: number; customers?: number },
): Promise<LoadResult> {
  const ids = config.status.ids;
  const finished = new Set(config.ordersStore.completedWhen);
  const placedAt = new Map<string, number>();
  const latencies: number[] = [];
  const final = new Map<string, number>();
  const everStuck = new Set<string>();
  let inFlight = 0;
  let wake: (() => void) | undefined;

  // A status can arrive before `place` returns with the order id: keep it until then.
  const early = new Map<string, { status: number; at: number }[]>();
  const onStatus = (orderId: string, status: number, at = performance.now()) => {
    const start = placedAt.get(orderId);
    if (start === undefined) {
      early.set(orderId, [...(early.get(orderId) ?? []), { status, at }]);
      return;
    }
    if (final.has(orderId)) return;
    if (status === ids.stuck) everStuck.add(orderId);
    if (finished.has(status)) {
      final.set(orderId, status);
      latencies.push(at - start);
      inFlight -= 1;
      wake?.();
    }
  };
  await target.watch((orderId, status) => onStatus(orderId, status));

  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const customers = options.customers ?? Math.max(1, Math.min(50, Math.ceil(options.orders / 10)));
  for (let i = 0; i < options.orders; i++) {
    while (inFlight >= options.concurrency) {
      if (performance.now() > deadline) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 100);
      });
    }
    if (performance.now() > deadline) break;
    inFlight += 1;
    const t = performance.now();
    const id = await target.place(randomOrder(config.menu), i % customers);
    placedAt.set(id, t);
    for (const e of early.get(id) ?? []) onStatus(id, e.status, e.at);
    early.delete(id);
  }
  while (final.size < placedAt.size && performance.now() < deadline) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 100);
    });
  }
  const seconds = (performance.now() - started) / 1000;
  await target.close();
  latencies.sort((a, b) => a - b);
  const count = (code: number) => [...final.values()].filter((s) => s === code).length;
  return {
    placed: placedAt.size,
    delivered: count(ids.delivered),
    cancelled: count(ids.cancelled),
    stuck: everStuck.size,
    unfinished: placedAt.size - final.size,
    seconds,
    ordersPerSecond: final.size / seconds,
    latencyMs: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
    },
  };
}

/** Places orders straight onto the shop's log, as the web front end does, and reads pizza-status. */
export function inProcessTarget(shop: Shop): LoadTarget {
  const customers = new Map<number, string>();
  const consumer = shop.transport.consumer({ groupId: `load-${randomBytes(4).toString('hex')}`, topics: [shop.config.topics.pizzaStatus] });
  return {
    async place(order, customer) {
      let customerId = customers.get(customer);
      if (!customerId) {
        customerId = randomBytes(16).toString('hex');
        customers.set(customer, customerId);
      }
      const orderId = randomBytes(4).toString('hex');
      const timestamp = shop.clock.now();
      await shop.producer.send(shop.config.topics.pizzaOrdered, [
        {
          key: orderId,
          value: encode({
            status: shop.config.status.ids.order_placed,
            timestamp,
            order: { ...order, username: `load-${customer}`, customer_id: customerId },
          }),
          timestamp,
        },
      ]);
      return orderId;
    },
    async watch(onStatus) {
      await consumer.run(async ({ messages }) => {
        for (const m of messages) if (m.key) onStatus(m.key, parseStatusChanged(m.value).status);
      });
    },
    close: () => consumer.close(),
  };
}

/** Talks to a running shop through its JSON API. */
export function httpTarget(baseUrl: string, pollMs = 250): LoadTarget {
  const cookies = new Map<number, string>();
  const mine = new Map<string, number>();
  let polling: ReturnType<typeof setInterval> | undefined;
  const url = (path: string) => new URL(path, baseUrl).toString();

  const login = async (customer: number): Promise<string> => {
    const existing = cookies.get(customer);
    if (existing) return existing;
    const res = await fetch(url('/api/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `load-${customer}` }),
    });
    if (!res.ok) throw new Error(`POST /api/login: ${res.status} ${await res.text()}`);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    cookies.set(customer, cookie);
    return cookie;
  };

  return {
    async place(order, customer) {
      const cookie = await login(customer);
      const res = await fetch(url('/api/orders'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify(order),
      });
      if (res.status !== 201) throw new Error(`POST /api/orders: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { order_id: string };
      mine.set(body.order_id, customer);
      return body.order_id;
    },
    async watch(onStatus) {
      const poll = async () => {
        for (const cookie of cookies.values()) {
          const res = await fetch(url('/api/orders'), { headers: { cookie } });
          if (!res.ok) continue;
          const body = (await res.json()) as { orders?: { order_id: string; status: number }[] } | { order_id: string; status: number }[];
          const list = Array.isArray(body) ? body : (body.orders ?? []);
          for (const o of list) onStatus(o.order_id, o.status);
        }
      };
      polling = setInterval(() => {
        poll().catch(() => {});
      }, pollMs);
    },
    async close() {
      if (polling) clearInterval(polling);
    },
  };
}
