import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShopError } from '../../src/errors.ts';
import { brokerAnswers } from './brokerAnswers.ts';
import { requireJava17, resolveKafkaJars } from './kafkaJars.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Where one local broker lives: `<dataDir>/server.properties`, `<dataDir>/kraft/` (the log and
 * metadata), `<dataDir>/logs/server.log` (log4j) and `broker.out` (the JVM's own output),
 * `<dataDir>/kafka.pid`.
 */
export interface LocalBrokerOptions {
  /** default `data/kafka` under the current directory */
  dataDir?: string;
  /** client port on 127.0.0.1, default 9092 */
  port?: number;
  /** controller port, default port + 1 */
  controllerPort?: number;
  /** how long `start` waits for the broker to answer, and `stop` before SIGKILL; ms */
  timeoutMs?: number;
  say?: (line: string) => void;
}

interface Layout {
  dataDir: string;
  properties: string;
  kraftDir: string;
  logsDir: string;
  pidFile: string;
  outFile: string;
}

function layout(dataDir = 'data/kafka'): Layout {
  const dir = resolve(dataDir);
  return {
    dataDir: dir,
    properties: join(dir, 'server.properties'),
    kraftDir: join(dir, 'kraft'),
    logsDir: join(dir, 'logs'),
    pidFile: join(dir, 'kafka.pid'),
    outFile: join(dir, 'logs', 'broker.out'),
  };
}

/** The pid in the pid file if that process is alive and is our broker; otherwise undefined. */
function runningPid(paths: Layout): number | undefined {
  if (!existsSync(paths.pidFile)) return undefined;
  const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  // A pid can be reused after a reboot: on Linux, make sure it is the broker of this data folder.
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('kafka.Kafka') || !cmdline.includes(`-Dpizza.shop.kafka=${paths.dataDir}`)) return undefined;
  } catch {
    // no /proc (macOS): trust the pid file
  }
  return pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Port of the PLAINTEXT listener in a written server.properties, if any. */
function configuredPort(paths: Layout): number | undefined {
  if (!existsSync(paths.properties)) return undefined;
  const match = /^listeners=PLAINTEXT:\/\/[^:]+:(\d+)/m.exec(readFileSync(paths.properties, 'utf8'));
  return match ? Number(match[1]) : undefined;
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function renderProperties(port: number, controllerPort: number, kraftDir: string): string {
  const template = readFileSync(join(HERE, 'server.properties.template'), 'utf8');
  const values: Record<string, string> = { port: String(port), controllerPort: String(controllerPort), logDirs: kraftDir };
  return template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`server.properties.template: unknown placeholder \${${name}}`);
    return value;
  });
}

/** A KRaft cluster id as Kafka's `Uuid.randomUuid()` makes one: 16 random bytes, base64url, not starting with '-'. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export interface StartResult {
  status: 'started' | 'already-running';
  pid?: number;
  bootstrap: string;
  /** ms from the JVM spawn until the broker answered */
  readyMs?: number;
}

/**
 * Starts a single-node KRaft broker + controller in the background (idempotent): resolves the
 * jars (cached), formats storage on first use, spawns `java kafka.Kafka` detached with its output
 * in `<dataDir>/logs`, and waits until it answers a metadata request.
 *
 * @example
 * await startLocalBroker({ dataDir: 'data/kafka', port: 9092 }); // { status: 'started', bootstrap: '127.0.0.1:9092' }
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<StartResult> {
  const say = options.say ?? (() => {});
  const paths = layout(options.dataDir);
  const port = options.port ?? 9092;
  const controllerPort = options.controllerPort ?? port + 1;
  const bootstrap = `127.0.0.1:${port}`;
  const timeoutMs = options.timeoutMs ?? 90_000;

  const existing = runningPid(paths);
  if (existing !== undefined) {
    const at = `127.0.0.1:${configuredPort(paths) ?? port}`;
    say(`already running (pid ${existing}) at ${at}, data in ${paths.dataDir}`);
    return { status: 'already-running', pid: existing, bootstrap: at };
  }
  rmSync(paths.pidFile, { force: true });
  if (await brokerAnswers(bootstrap, 1_500)) {
    say(`a Kafka broker not started from ${paths.dataDir} already answers at ${bootstrap}; leaving it alone`);
    return { status: 'already-running', bootstrap };
  }

  const java = requireJava17();
  const libs = await resolveKafkaJars(say);
  const classpath = `${libs}/*`;

  mkdirSync(paths.logsDir, { recursive: true });
  writeFileSync(paths.properties, renderProperties(port, controllerPort, paths.kraftDir));

  if (!existsSync(join(paths.kraftDir, 'meta.properties'))) {
    const id = clusterId();
    say(`formatting KRaft storage in ${paths.kraftDir} (cluster ${id})`);
    const format = Bun.spawnSync(
      [java, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', paths.properties, '--ignore-formatted'],
      {
        stdout: 'pipe',
        stderr: 'pipe',
        env: { ...process.env, KAFKA_LOG4J_OPTS: '' },
      },
    );
    if (format.exitCode !== 0) {
      throw new ShopError(
        'KAFKA_START_FAILED',
        `formatting ${paths.kraftDir} failed (exit ${format.exitCode}):\n${format.stdout}${format.stderr}`.trim(),
      );
    }
  }

  const out = openSync(paths.outFile, 'a');
  const started = performance.now();
  const child = spawn(
    java,
    [
      '-Xms256m',
      '-Xmx1g',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${paths.logsDir}`,
      `-Dlog4j2.configurationFile=${join(HERE, 'log4j2.properties')}`,
      // marks the process as this folder's broker, so stop never signals a reused pid
      `-Dpizza.shop.kafka=${paths.dataDir}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      paths.properties,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new ShopError('KAFKA_START_FAILED', `could not spawn ${java}`);
  let exitCode: number | null = null;
  child.on('exit', (code) => {
    exitCode = code ?? -1;
  });
  child.unref();
  writeFileSync(paths.pidFile, `${pid}\n`);
  say(`starting broker (pid ${pid}) on ${bootstrap}, controller on 127.0.0.1:${controllerPort}; log ${join(paths.logsDir, 'server.log')}`);

  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exitCode !== null || !isAlive(pid)) {
      rmSync(paths.pidFile, { force: true });
      throw new ShopError(
        'KAFKA_START_FAILED',
        `the broker exited (code ${exitCode}) before answering. Last lines of its output:\n${tail(paths.outFile)}\n${tail(join(paths.logsDir, 'server.log'))}`,
      );
    }
    if (await brokerAnswers(bootstrap, 1_000)) {
      const readyMs = Math.round(performance.now() - started);
      return { status: 'started', pid, bootstrap, readyMs };
    }
    await sleep(250);
  }
  throw new ShopError(
    'KAFKA_START_FAILED',
    `the broker (pid ${pid}) did not answer at ${bootstrap} within ${timeoutMs / 1000} s; it is left running, stop it with \`bun run kafka:stop\`. Last log lines:\n${tail(join(paths.logsDir, 'server.log'))}`,
  );
}

export interface StopResult {
  status: 'stopped' | 'killed' | 'not-running';
  pid?: number;
}

/**
 * Stops the broker of a data folder (idempotent): SIGTERM for a controlled shutdown, SIGKILL if
 * it is still alive after `timeoutMs`.
 */
export async function stopLocalBroker(options: LocalBrokerOptions = {}): Promise<StopResult> {
  const say = options.say ?? (() => {});
  const paths = layout(options.dataDir);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pid = runningPid(paths);
  if (pid === undefined) {
    rmSync(paths.pidFile, { force: true });
    say(`not running (no live broker for ${paths.dataDir})`);
    return { status: 'not-running' };
  }
  say(`stopping broker (pid ${pid}) ...`);
  process.kill(pid, 'SIGTERM');
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!isAlive(pid)) {
      rmSync(paths.pidFile, { force: true });
      return { status: 'stopped', pid };
    }
    await sleep(200);
  }
  say(`still alive after ${timeoutMs / 1000} s: SIGKILL`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // it exited between the check and the kill
  }
  while (isAlive(pid)) await sleep(100);
  rmSync(paths.pidFile, { force: true });
  return { status: 'killed', pid };
}

export interface StatusResult {
  running: boolean;
  pid?: number;
  bootstrap?: string;
  answers?: boolean;
  dataDir: string;
  log: string;
}

/** Whether this data folder's broker is running and answering. */
export async function localBrokerStatus(options: LocalBrokerOptions = {}): Promise<StatusResult> {
  const paths = layout(options.dataDir);
  const log = join(paths.logsDir, 'server.log');
  const pid = runningPid(paths);
  if (pid === undefined) return { running: false, dataDir: paths.dataDir, log };
  const bootstrap = `127.0.0.1:${configuredPort(paths) ?? options.port ?? 9092}`;
  return { running: true, pid, bootstrap, answers: await brokerAnswers(bootstrap), dataDir: paths.dataDir, log };
}

/**
 * Deletes a stopped broker's data folder (its server.properties, KRaft storage and logs), after
 * checking it is one: returns the folder deleted, or undefined when there was none.
 */
export function removeLocalBrokerData(options: LocalBrokerOptions = {}): string | undefined {
  const paths = layout(options.dataDir);
  if (!existsSync(paths.dataDir)) return undefined;
  if (runningPid(paths) !== undefined)
    throw new ShopError('KAFKA_RUNNING', `the broker of ${paths.dataDir} is still running: stop it first`);
  if (!existsSync(paths.properties) && !existsSync(paths.kraftDir)) {
    throw new ShopError(
      'NOT_A_BROKER_FOLDER',
      `${paths.dataDir} does not look like a broker's data folder (no server.properties, no kraft/): not deleting it`,
    );
  }
  rmSync(paths.dataDir, { recursive: true, force: true });
  return paths.dataDir;
}
