import { parseArgs as parseNodeArgs } from 'node:util';
import { ACTOR_NAMES, type ActorName } from '../config/shopConfig.ts';
import { ShopError } from '../errors.ts';

export const USAGE = `Usage: bun run start [options]

Runs the pizza shop: the web front end and the kitchen actors, in one process or any subset.

Options:
  --config <ini>    system configuration (default config_sys/default.ini)
  --kafka <ini>     Kafka client configuration ([kafka] section); absent = the embedded log
  --actors <list>   comma-separated actors to run here: ${ACTOR_NAMES.join(',')} (default: all)
  --speed <n>       time factor: 1 = real timings, 10 = ten times faster, 0 = no waiting
  --port <n>        web port (0 = any free port; the URL is printed)
  --data <dir>      data directory for the embedded log and state stores (default ./data)
  --memory          keep everything in memory: nothing is written to disk
  --log <format>    console lines: pretty (coloured, for people; default on a terminal) or
                    json (one object per line; default otherwise)
  --registry-port <n>  also serve a Confluent-compatible Schema Registry on 127.0.0.1:<n>
                    (0 = any free port), kept in <data>/schema-registry.db
  --help            show this help

Examples:
  bun run start
  bun run start --speed 10 --port 0
  bun run start --kafka config_sys/kafka/local.ini --actors bake`;

export interface CliOptions {
  help: boolean;
  config: string;
  kafka?: string;
  actors: ActorName[];
  speed?: number;
  port?: number;
  data?: string;
  memory: boolean;
  registryPort?: number;
  log?: 'json' | 'pretty';
}

function usageError(message: string): ShopError {
  return new ShopError('USAGE', `${message}\n\n${USAGE}`, { exitCode: 2 });
}

/**
 * Parses the command line. Unknown options and bad values are ShopErrors (exit code 2) that
 * carry the usage text.
 *
 * @example
 * parseCliArgs(['--actors', 'bake,delivery', '--speed', '10']).actors; // ['bake', 'delivery']
 */
export function parseCliArgs(argv: string[]): CliOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw usageError((e as Error).message);
  }
  const v = parsed.values;
  const options: CliOptions = {
    help: v.help ?? false,
    config: v.config ?? 'config_sys/default.ini',
    actors: [...ACTOR_NAMES],
    memory: v.memory ?? false,
  };
  if (v.kafka !== undefined) options.kafka = v.kafka;
  if (v.data !== undefined) options.data = v.data;
  if (v.actors !== undefined) {
    const names = v.actors
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.length === 0) throw usageError('--actors needs at least one actor');
    for (const name of names) {
      if (!(ACTOR_NAMES as readonly string[]).includes(name)) {
        throw usageError(`--actors: unknown actor '${name}' (known: ${ACTOR_NAMES.join(', ')})`);
      }
    }
    options.actors = [...new Set(names)] as ActorName[];
  }
  if (v.speed !== undefined) {
    const speed = Number(v.speed);
    if (v.speed.trim() === '' || !Number.isFinite(speed) || speed < 0) throw usageError(`--speed: '${v.speed}' is not a number >= 0`);
    options.speed = speed;
  }
  if (v.port !== undefined) {
    const port = Number(v.port);
    if (!/^\d+$/.test(v.port) || port > 65535) throw usageError(`--port: '${v.port}' is not a port number (0-65535)`);
    options.port = port;
  }
  if (v['registry-port'] !== undefined) {
    const port = Number(v['registry-port']);
    if (!/^\d+$/.test(v['registry-port']) || port > 65535)
      throw usageError(`--registry-port: '${v['registry-port']}' is not a port number (0-65535)`);
    options.registryPort = port;
  }
  if (v.log !== undefined) {
    if (v.log !== 'json' && v.log !== 'pretty') throw usageError(`--log: '${v.log}' is not json or pretty`);
    options.log = v.log;
  }
  if (options.memory && options.data !== undefined) throw usageError('--memory and --data exclude each other');
  return options;
}

function parse(argv: string[]) {
  return parseNodeArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: 'string' },
      kafka: { type: 'string' },
      actors: { type: 'string' },
      speed: { type: 'string' },
      port: { type: 'string' },
      data: { type: 'string' },
      memory: { type: 'boolean' },
      'registry-port': { type: 'string' },
      log: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
