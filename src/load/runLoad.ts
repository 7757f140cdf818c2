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
  /** ids of the orders placed, in placement order */
  orderIds: string[];
  /** placements that failed for good (the first error in `firstError`); the run goes on without them */
  failedPlacements: number;
  firstError?: string;
  /** seconds from the start until the last placement returned */
  lastPlacedSeconds: number;
  /** what the target had to ride out (all zero for a target that counts nothing) */
  counters: TargetCounters;
}

/** Faults a target rode out by retrying (see `httpTarget`). */
export interface TargetCounters {
  /** requests retried after a refused or dropped connection */
  connectionRetries: number;
  /** `429 Too Many Requests` answers waited out */
  rateLimited: number;
  /** `503` answers retried */
  unavailableRetries: number;
  /** sessions the web no longer knew (`401`), logged in again */
  reLogins: number;
  /** placements that succeeded after a retry the web may already have served (see `httpTarget`) */
  ambiguousRetries: number;
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
  /** the run's deadline (`performance.now()` time): a target that retries gives up there */
  setDeadline?(at: number): void;
  counters?(): TargetCounters;
}

/**
 * Places `orders` orders with at most `concurrency` unfinished at once and waits until every one
 * is finished (delivered or cancelled) or `timeoutMs` passes.
 */
export async function runLoad(
  target: LoadTarget,
  config: ShopConfig,
  options: {
    orders: number;
    concurrency: number;
    timeoutMs: number;
    customers?: number;
    /** menus are drawn with it; default Math.random */
    random?: () => number;
    /** called after each successful placement with the number placed so far */
    onPlaced?: (placed: number) => void;
  },
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
  target.setDeadline?.(deadline);
  let failedPlacements = 0;
  let firstError: string | undefined;
  let lastPlaced = started;
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
    let id: string;
    try {
      id = await target.place(randomOrder(config.menu, options.random), i % customers);
    } catch (error) {
      inFlight -= 1;
      failedPlacements += 1;
      firstError ??= (error as Error).message;
      continue;
    }
    placedAt.set(id, t);
    lastPlaced = performance.now();
    options.onPlaced?.(placedAt.size);
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
    orderIds: [...placedAt.keys()],
    failedPlacements,
    ...(firstError === undefined ? {} : { firstError }),
    lastPlacedSeconds: (lastPlaced - started) / 1000,
    counters: target.counters?.() ?? { connectionRetries: 0, rateLimited: 0, unavailableRetries: 0, reLogins: 0, ambiguousRetries: 0 },
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
