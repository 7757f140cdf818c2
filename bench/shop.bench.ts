/**
 * The whole shop end to end at speed 0 (no waiting): orders per second placed -> delivered,
 * p50/p99 latency and peak RSS, on the embedded log in memory and on a SQLite file; and memory per
 * in-flight order (orders held in the stations' queues and the status actor, in virtual time).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../src/clock.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { encode } from '../src/events/messages.ts';
import { inProcessTarget, type LoadResult, runLoad } from '../src/load/runLoad.ts';
import { rssSampler } from '../src/load/stats.ts';
import { startShop } from '../src/app/startShop.ts';
import { type BulkResult, bulkOrders } from './bulkOrders.ts';

export interface ShopBenchRow {
  scenario: string;
  orders: number;
  concurrency: number;
  ordersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMiB: number;
  unfinished: number;
}

export interface ShopBulkRow extends BulkResult {
  scenario: string;
  peakRssMiB: number;
}

export interface ShopBenchResult {
  name: 'shop';
  rows: ShopBenchRow[];
  bulk: ShopBulkRow[];
  inFlight: { orders: number; heapBytesPerOrder: number; rssBytesPerOrder: number; rssMiB: number };
}

function gc(): void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) bun.gc(true);
  else (globalThis as { gc?: () => void }).gc?.();
}

async function endToEnd(scenario: string, memory: boolean, orders: number, concurrency: number): Promise<ShopBenchRow> {
  const config = loadConfig('config_sys/default.ini');
  const dataDir = memory ? undefined : mkdtempSync(join(tmpdir(), 'pizza-bench-'));
  const rss = rssSampler();
  const shop = await startShop({
    config,
    actors: ['assemble', 'bake', 'delivery', 'status'],
    memory,
    ...(dataDir ? { dataDir } : {}),
    speed: 0,
    logFormat: 'silent',
  });
  let result: LoadResult;
  try {
    result = await runLoad(inProcessTarget(shop), config, { orders, concurrency, timeoutMs: 300_000 });
  } finally {
    await shop.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  const peak = rss.stop();
  return {
    scenario,
    orders,
    concurrency,
    ordersPerSecond: result.ordersPerSecond,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    peakRssMiB: peak / 2 ** 20,
    unfinished: result.unfinished,
  };
}

/** The shop's own throughput: orders placed in bulk, timed to the last delivered (see bulkOrders). */
async function bulk(scenario: string, memory: boolean, orders: number): Promise<ShopBulkRow> {
  const config = loadConfig('config_sys/default.ini');
  const dataDir = memory ? undefined : mkdtempSync(join(tmpdir(), 'pizza-bench-'));
  const rss = rssSampler();
  const shop = await startShop({
    config,
    actors: ['assemble', 'bake', 'delivery', 'status'],
    memory,
    ...(dataDir ? { dataDir } : {}),
    speed: 0,
    logFormat: 'silent',
  });
  try {
    const result = await bulkOrders(shop, orders);
    return { scenario, ...result, peakRssMiB: rss.stop() / 2 ** 20 };
  } finally {
    await shop.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Orders placed while time stands still stay in flight (speed 1, a virtual clock that does not
 * move): each is an order machine in the status actor, a remembered customer at delivery, and a
 * pizza in assemble's queue or in the log behind it. What does the process weigh with them?
 */
async function inFlightMemory(orders: number): Promise<ShopBenchResult['inFlight']> {
  const config = loadConfig('config_sys/default.ini');
  const clock = new VirtualClock(Date.now());
  const shop = await startShop({
    config,
    actors: ['assemble', 'bake', 'delivery', 'status'],
    memory: true,
    clock,
    speed: 1,
    logFormat: 'silent',
  });
  await shop.settle();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  const now = clock.now();
  // distinct order ids (random ones collide: ~1 pair in 100,000), from a random start
  const first = randomBytes(4).readUInt32BE(0);
  for (let i = 0; i < orders; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(orders, i + 1000); j++) {
      const order = {
        sauce: config.menu.sauce[0] as string,
        cheese: config.menu.cheese[0] as string,
        main_topping: config.menu.mainTopping[0] as string,
        extra_toppings: [],
        username: 'bench',
        customer_id: randomBytes(16).toString('hex'),
      };
      batch.push({
        key: ((first + j) >>> 0).toString(16).padStart(8, '0'),
        value: encode({ status: config.status.ids.order_placed, timestamp: now, order }),
        timestamp: now,
      });
    }
    await shop.producer.send(config.topics.pizzaOrdered, batch);
    await shop.settle();
  }
  const held = () => (shop.actor('status')?.inspect() as { keys?: number } | undefined)?.keys ?? 0;
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  const rss1 = process.memoryUsage().rss;
  const active = held();
  const received = [...(shop.actor('status')?.metrics().received.values() ?? [])].reduce((a, b) => a + b, 0);
  const states = JSON.stringify(shop.supervisor.states());
  await shop.stop();
  if (active !== orders) {
    throw new Error(
      `expected ${orders} orders in flight, the status actor holds ${active} (it received ${received} messages; actors: ${states})`,
    );
  }
  return { orders, heapBytesPerOrder: (heap1 - heap0) / orders, rssBytesPerOrder: (rss1 - rss0) / orders, rssMiB: rss1 / 2 ** 20 };
}

type Scenario = 'memory' | 'file' | 'bulk-memory' | 'bulk-file' | 'in-flight';

async function runScenario(
  scenario: Scenario,
  orders: number,
  concurrency: number,
  inFlight: number,
  bulkOrdersCount: number,
): Promise<unknown> {
  if (scenario === 'memory') return endToEnd('embedded log, memory', true, orders, concurrency);
  if (scenario === 'file') return endToEnd('embedded log, SQLite file', false, orders, concurrency);
  if (scenario === 'bulk-memory') return bulk('embedded log, memory', true, bulkOrdersCount);
  if (scenario === 'bulk-file') return bulk('embedded log, SQLite file', false, bulkOrdersCount);
  return inFlightMemory(inFlight);
}

/**
 * Runs each scenario in a fresh Bun process, so that one's peak RSS is not another's.
 */
export async function benchShop(
  options: { orders?: number; concurrency?: number; inFlight?: number; bulk?: number } = {},
): Promise<ShopBenchResult> {
  const args = [
    String(options.orders ?? 3000),
    String(options.concurrency ?? 200),
    String(options.inFlight ?? 100_000),
    String(options.bulk ?? 10_000),
  ];
  const run = (scenario: Scenario) => {
    const proc = Bun.spawnSync(['bun', import.meta.path, '--scenario', scenario, ...args], { stderr: 'inherit' });
    if (proc.exitCode !== 0) throw new Error(`bench scenario ${scenario} failed (exit ${proc.exitCode})`);
    const last = proc.stdout.toString().trim().split('\n').at(-1) ?? '';
    return JSON.parse(last);
  };
  const bulkRows = [run('bulk-memory') as ShopBulkRow, run('bulk-file') as ShopBulkRow];
  const rows = [run('memory') as ShopBenchRow, run('file') as ShopBenchRow];
  const inFlight = run('in-flight') as ShopBenchResult['inFlight'];
  return { name: 'shop', rows, bulk: bulkRows, inFlight };
}

export function printShopBench(result: ShopBenchResult): void {
  console.log('\nwhole shop, speed 0, exactly-once: orders placed in bulk, timed to the last delivered');
  console.table(
    result.bulk.map((r) => ({
      scenario: r.scenario,
      orders: r.orders,
      'orders/s': r.ordersPerSecond.toFixed(0),
      'messages/s': r.messagesPerSecond.toFixed(0),
      'messages/order': r.messagesPerOrder.toFixed(1),
      'peak RSS MiB': r.peakRssMiB.toFixed(0),
    })),
  );
  console.log('\nwhole shop, speed 0, placed -> delivered, a closed loop of clients (latency at that many in flight)');
  console.table(
    result.rows.map((r) => ({
      scenario: r.scenario,
      orders: r.orders,
      concurrency: r.concurrency,
      'orders/s': r.ordersPerSecond.toFixed(1),
      'p50 ms': r.p50Ms.toFixed(1),
      'p99 ms': r.p99Ms.toFixed(1),
      'peak RSS MiB': r.peakRssMiB.toFixed(0),
      unfinished: r.unfinished,
    })),
  );
  console.log(
    `in flight: ${result.inFlight.orders} orders held, process RSS ${result.inFlight.rssMiB.toFixed(0)} MiB; ${(result.inFlight.heapBytesPerOrder / 1024).toFixed(1)} KiB heap and ${(result.inFlight.rssBytesPerOrder / 1024).toFixed(1)} KiB RSS per order`,
  );
}

if (import.meta.main) {
  const i = process.argv.indexOf('--scenario');
  if (i >= 0) {
    const [scenario, orders, concurrency, inFlight, bulkCount] = process.argv.slice(i + 1);
    console.log(
      JSON.stringify(await runScenario(scenario as Scenario, Number(orders), Number(concurrency), Number(inFlight), Number(bulkCount))),
    );
  } else {
    printShopBench(await benchShop());
  }
}
