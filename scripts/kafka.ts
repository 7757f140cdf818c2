/**
 * A real Apache Kafka broker on this machine, no Docker: `bun run kafka:start` / `kafka:stop` /
 * `kafka:status` (this file is `bun scripts/kafka.ts <command>`).
 *
 * start   download the Kafka 4.1.2 jars once (Maven Central, cached under ~/.cache/pizza-shop),
 *         format KRaft storage under data/kafka, run a single-node broker + controller on
 *         127.0.0.1:9092 in the background and wait until it answers
 * stop    SIGTERM, SIGKILL after --timeout; fine when nothing runs
 * status  running or not (exit 0 / 3)
 * reset   stop it and delete its data folder (every topic and committed offset): test runs leave
 *         many topics behind, and a broker leading thousands of partitions restarts slowly
 * jars    only make sure the jars are cached, print their folder
 *
 * Options: --port <n> (default 9092; the controller takes port + 1), --data <dir> (default
 * data/kafka), --timeout <seconds> (start: wait for the broker, default 90; stop: before SIGKILL,
 * default 30).
 */
import { parseArgs } from 'node:util';
import { isShopError } from '../src/errors.ts';
import { resolveKafkaJars } from './kafka/kafkaJars.ts';
import { localBrokerStatus, removeLocalBrokerData, startLocalBroker, stopLocalBroker } from './kafka/localBroker.ts';

const USAGE = `Usage: bun scripts/kafka.ts <start|stop|status|reset|jars> [--port 9092] [--data data/kafka] [--timeout <s>]
  (or: bun run kafka:start, bun run kafka:stop, bun run kafka:status)`;

const say = (line: string) => console.log(`kafka: ${line}`);

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  const command = positionals[0];
  const port = values.port === undefined ? undefined : Number(values.port);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if ((port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65535)) || (timeout !== undefined && !(timeout > 0))) {
    console.error(`--port must be a port number below 65535 and --timeout a positive number of seconds\n${USAGE}`);
    return 2;
  }
  const options = { dataDir: values.data, port, timeoutMs: timeout === undefined ? undefined : timeout * 1000, say };

  switch (command) {
    case 'start': {
      const started = performance.now();
      const result = await startLocalBroker(options);
      if (result.status === 'started') {
        const total = ((performance.now() - started) / 1000).toFixed(1);
        say(
          `broker ready at ${result.bootstrap} (answered ${((result.readyMs ?? 0) / 1000).toFixed(1)} s after launch, ${total} s in all)`,
        );
      }
      const ini =
        result.bootstrap === '127.0.0.1:9092'
          ? 'config_sys/kafka/local.ini'
          : `<an INI whose [kafka] bootstrap.servers = ${result.bootstrap}>`;
      console.log(
        `\nPoint the shop at it:\n  bun run start --kafka ${ini}\nStop it:\n  bun run kafka:stop${values.data ? ` --data ${values.data}` : ''}`,
      );
      return 0;
    }
    case 'stop': {
      const result = await stopLocalBroker(options);
      if (result.status !== 'not-running') say(`${result.status} (pid ${result.pid})`);
      return 0;
    }
    case 'status': {
      const status = await localBrokerStatus(options);
      if (!status.running) {
        say(`not running (data ${status.dataDir})`);
        return 3;
      }
      say(
        `running, pid ${status.pid}, ${status.bootstrap} ${status.answers ? 'answers' : 'does NOT answer yet'}; data ${status.dataDir}; log ${status.log}`,
      );
      return 0;
    }
    case 'reset': {
      const result = await stopLocalBroker(options);
      if (result.status !== 'not-running') say(`${result.status} (pid ${result.pid})`);
      const removed = removeLocalBrokerData(options);
      say(removed ? `deleted ${removed}` : 'no data to delete');
      return 0;
    }
    case 'jars': {
      console.log(await resolveKafkaJars(say));
      return 0;
    }
    default:
      console.error(command ? `unknown command: ${command}\n${USAGE}` : USAGE);
      return 2;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { port: { type: 'string' }, data: { type: 'string' }, timeout: { type: 'string' } },
  });
}

try {
  process.exit(await main(process.argv.slice(2)));
} catch (error) {
  if (isShopError(error)) {
    console.error(`kafka: ${error.message}`);
    process.exit(error.exitCode || 1);
  }
  throw error;
}
