/**
 * `bun run load -- --orders N --concurrency C [--speed S] [--url U] [--timeout SEC]`
 * Places N orders (random valid menus, several customers), at most C unfinished at once, and
 * waits until every one is finished or the timeout passes. Without --url it runs an in-process
 * shop (embedded log in memory) at the given speed; with --url it talks to a running shop's API.
 * Against --url it rides out a web restart (refused connections retried with bounded backoff),
 * honours 429 + Retry-After, and sends an Idempotency-Key with each placement (src/load/httpTarget.ts);
 * the retries are counted in the report. Exits non-zero when any order was not placed or did not finish.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/loadConfig.ts';
import { httpTarget } from '../src/load/httpTarget.ts';
import { inProcessTarget, runLoad } from '../src/load/runLoad.ts';
import { startShop } from '../src/app/startShop.ts';

const USAGE = 'usage: bun run load -- --orders N --concurrency C [--speed S] [--url U] [--timeout SEC] [--config INI]';

function num(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name}: '${raw}' must be a number >= ${min}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

let values: Record<string, string | undefined>;
try {
  values = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    strict: true,
    options: {
      orders: { type: 'string' },
      concurrency: { type: 'string' },
      speed: { type: 'string' },
      url: { type: 'string' },
      timeout: { type: 'string' },
      config: { type: 'string' },
    },
  }).values as Record<string, string | undefined>;
} catch (e) {
  console.error(`${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}

const config = loadConfig(values.config ?? 'config_sys/default.ini');
const orders = num('orders', values.orders, 100, 1);
const concurrency = num('concurrency', values.concurrency, 10, 1);
const speed = num('speed', values.speed, 0, 0);
const timeoutMs = num('timeout', values.timeout, 120, 1) * 1000;

const shop = values.url
  ? undefined
  : await startShop({ config, actors: ['assemble', 'bake', 'delivery', 'status'], memory: true, speed, logFormat: 'silent' });
const target = shop ? inProcessTarget(shop) : httpTarget(values.url as string);
console.log(`placing ${orders} orders, ${concurrency} at a time, ${values.url ? `via ${values.url}` : `in-process at speed ${speed}`}`);
const result = await runLoad(target, config, { orders, concurrency, timeoutMs });
await shop?.stop();

const ms = (n: number) => (Number.isNaN(n) ? '-' : `${n.toFixed(1)} ms`);
console.log(`placed     ${result.placed}`);
console.log(`delivered  ${result.delivered}`);
console.log(`cancelled  ${result.cancelled}`);
console.log(`stuck      ${result.stuck} (went stuck at least once)`);
console.log(`unfinished ${result.unfinished}`);
if (result.failedPlacements > 0) console.log(`not placed ${result.failedPlacements} (first error: ${result.firstError})`);
const c = result.counters;
if (values.url) {
  console.log(`retried    ${c.connectionRetries} refused/dropped connections, ${c.unavailableRetries} × 503, ${c.reLogins} re-logins`);
  console.log(`limited    ${c.rateLimited} × 429 (waited as Retry-After said)`);
  if (c.ambiguousRetries > 0)
    console.log(`ambiguous  ${c.ambiguousRetries} placements retried after a dropped answer (Idempotency-Key sent)`);
}
console.log(`time       ${result.seconds.toFixed(2)} s, ${result.ordersPerSecond.toFixed(1)} orders/s`);
console.log(
  `latency    p50 ${ms(result.latencyMs.p50)}, p90 ${ms(result.latencyMs.p90)}, p99 ${ms(result.latencyMs.p99)}, max ${ms(result.latencyMs.max)}`,
);
process.exit(result.unfinished === 0 && result.placed === orders ? 0 : 1);
