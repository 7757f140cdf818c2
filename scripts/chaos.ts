/**
 * `bun run chaos [-- options]`: N orders through the web API while a random shop process is
 * SIGKILLed and restarted every few seconds, then an audit of every stage topic (read-committed,
 * from the beginning): accepted, delivered, lost, duplicated, final status per order, time to
 * drain, and orders/s against a calm run of the same size. Exits 1 on any loss, duplicate or
 * unfinished order, 2 on bad options, 3 when the run could not be carried out (no broker, a
 * process that never started, the overall timeout).
 *
 *   --transport kafka|embedded  kafka (default): web, status, assemble, bake, delivery in five
 *                               processes on a real broker; embedded: the one-process shop on its
 *                               data directory, killed and restarted
 *   --orders N                  default 200
 *   --concurrency C             orders unfinished at once, default 20
 *   --kill-every S              seconds between kills (each gap 0.5–1.5 × S), default 5
 *   --chaos-for S               kills stop after S seconds at the latest (else at the last
 *                               placement); default half the chaos run's share of --timeout
 *   --speed X                   kitchen speed of the shop processes, default 0 (no waiting)
 *   --seed N                    victims, gaps and menus; default random (printed)
 *   --timeout S                 bound of the whole command, default 600
 *   --no-compare                skip the calm run
 *   --bootstrap H:P             Kafka broker, default 127.0.0.1:9092
 *   --restart-broker            run a broker of its own on free ports instead and restart it once mid-run
 *   --kafka INI                 client INI for the shop processes, default config_sys/kafka/local.ini
 *   --session-timeout MS        session.timeout.ms for the shop processes (default: the INI's, else the Kafka transport's)
 */
import { parseArgs } from 'node:util';
import { formatReport } from './chaos/formatReport.ts';
import { killEverything, runChaos } from './chaos/runChaos.ts';

const USAGE = `usage: bun run chaos -- [--transport kafka|embedded] [--orders N] [--concurrency C] [--kill-every S] [--chaos-for S] [--speed X]
       [--seed N] [--timeout S] [--no-compare] [--bootstrap H:P] [--restart-broker] [--kafka INI] [--session-timeout MS]`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  values = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    strict: true,
    options: {
      transport: { type: 'string' },
      orders: { type: 'string' },
      concurrency: { type: 'string' },
      'kill-every': { type: 'string' },
      'chaos-for': { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      timeout: { type: 'string' },
      'no-compare': { type: 'boolean' },
      bootstrap: { type: 'string' },
      'restart-broker': { type: 'boolean' },
      kafka: { type: 'string' },
      'session-timeout': { type: 'string' },
      help: { type: 'boolean' },
    },
  }).values;
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function num(name: string, fallback: number, min: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n) || n < min) fail(`--${name}: '${raw}' must be a number >= ${min}`);
  return n;
}

const transport = (values.transport ?? 'kafka') as string;
if (transport !== 'kafka' && transport !== 'embedded') fail(`--transport: '${transport}' must be kafka or embedded`);
if (transport === 'embedded' && (values['restart-broker'] || values.bootstrap))
  fail('--restart-broker and --bootstrap are for --transport kafka');
const seed = num('seed', Math.floor(Math.random() * 2 ** 31), 0);
const timeoutMs = num('timeout', 600, 10) * 1000;
const options = {
  transport,
  orders: Math.floor(num('orders', 200, 1)),
  concurrency: Math.floor(num('concurrency', 20, 1)),
  killEveryMs: num('kill-every', 5, 0.1) * 1000,
  speed: num('speed', 0, 0),
  seed,
  timeoutMs,
  compare: !values['no-compare'],
  bootstrap: (values.bootstrap as string | undefined) ?? '127.0.0.1:9092',
  kafkaIni: (values.kafka as string | undefined) ?? 'config_sys/kafka/local.ini',
  restartBroker: Boolean(values['restart-broker']),
  ...(values['chaos-for'] === undefined ? {} : { chaosForMs: num('chaos-for', 0, 1) * 1000 }),
  ...(values['session-timeout'] === undefined ? {} : { sessionTimeoutMs: num('session-timeout', 0, 1) }),
} as const;
console.log(`chaos: --seed ${seed} (pass it again for the same victims, gaps and menus)`);

// The whole command is bounded: runChaos keeps to the budget; this is the backstop if something hangs.
const backstop = setTimeout(() => {
  console.error(
    `chaos: timed out after ${timeoutMs / 1000 + 60} s (--timeout ${timeoutMs / 1000} plus 60 s to stop): killing every process it started`,
  );
  killEverything().finally(() => process.exit(3));
}, timeoutMs + 60_000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`chaos: ${signal}: killing every process it started`);
    killEverything().finally(() => process.exit(130));
  });
}

try {
  const report = await runChaos(options);
  console.log(`\n${formatReport(report)}`);
  clearTimeout(backstop);
  process.exit(report.problems.length === 0 ? 0 : 1);
} catch (error) {
  console.error(`chaos: could not complete the run: ${(error as Error).message}`);
  await killEverything();
  process.exit(3);
}
