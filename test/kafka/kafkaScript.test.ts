import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerAnswers } from '../../scripts/kafka/brokerAnswers.ts';
import { findKafkaBroker } from '../support/kafkaBroker.ts';

// `bun run kafka:start|stop|status` (scripts/kafka.ts), run as a user would: a child process.

interface Run {
  code: number;
  out: string;
}

async function kafkaScript(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const proc = Bun.spawn([process.execPath, 'scripts/kafka.ts', ...args], {
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out: `${stdout}${stderr}` };
}

const tempDir = (what: string) => mkdtempSync(join(tmpdir(), `pizza-kafka-${what}-`));

/** A PATH holding only the named commands (symlinks), so the script cannot find anything else. */
function pathWith(commands: Record<string, string>): string {
  const dir = tempDir('path');
  for (const [name, target] of Object.entries(commands)) symlinkSync(target, join(dir, name));
  return dir;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port p with p and p + 1 (the controller) both free. */
async function freePortPair(): Promise<number> {
  for (let port = 29_092 + Math.floor(Math.random() * 2_000); port < 40_000; port += 2) {
    if ((await portIsFree(port)) && (await portIsFree(port + 1))) return port;
  }
  throw new Error('no free port pair found');
}

describe('kafka script without a broker to start', () => {
  it('a missing java is a clear error saying what to install, exit 1', async () => {
    const run = await kafkaScript(['start', '--data', tempDir('data'), '--port', String(await freePortPair())], {
      PATH: pathWith({ bun: process.execPath }),
    });
    expect(run.code).toBe(1);
    expect(run.out).toContain('java not found on PATH');
    expect(run.out).toContain('Java 17 or newer is needed');
    expect(run.out).toContain('apt-get install openjdk-17-jdk-headless');
  });

  it('stop is idempotent: nothing running is fine, exit 0', async () => {
    const data = tempDir('data');
    const first = await kafkaScript(['stop', '--data', data]);
    const second = await kafkaScript(['stop', '--data', data]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.out).toContain('not running');
  });

  it('status says not running (exit 3), also over a stale pid file', async () => {
    const data = tempDir('data');
    expect(await kafkaScript(['status', '--data', data])).toMatchObject({ code: 3 });
    // a pid that exists but is not a broker of this folder (this very test process)
    writeFileSync(join(data, 'kafka.pid'), `${process.pid}\n`);
    const run = await kafkaScript(['status', '--data', data]);
    expect(run.code).toBe(3);
    expect(run.out).toContain('not running');
  });

  it('reset refuses a folder that is not a broker data folder', async () => {
    const data = tempDir('not-kafka');
    writeFileSync(join(data, 'precious.txt'), 'keep me');
    const run = await kafkaScript(['reset', '--data', data]);
    expect(run.code).toBe(1);
    expect(run.out).toContain('does not look like a broker');
    expect(existsSync(join(data, 'precious.txt'))).toBe(true);
  });

  it('bad usage exits 2 with the usage line', async () => {
    for (const args of [[], ['launch'], ['start', '--port', 'ninety'], ['start', '--colour', 'red']]) {
      const run = await kafkaScript(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.out, args.join(' ')).toContain('Usage: bun scripts/kafka.ts');
    }
  });
});

const broker = await findKafkaBroker();

// These need what the broker needs (java; the jar cache or mvn), so they run with the Kafka tests.
describe.skipIf(!broker.available)('kafka script with java at hand', () => {
  const data = tempDir('lifecycle');
  afterAll(async () => {
    await kafkaScript(['stop', '--data', data, '--timeout', '10']);
  }, 30_000);

  it('a missing mvn, when the jars are not cached yet, is a clear error saying what to install', async () => {
    const java = Bun.which('java');
    expect(java, 'java on PATH (a machine that runs the Kafka tests has it)').toBeTruthy();
    const run = await kafkaScript(['start', '--data', tempDir('data'), '--port', String(await freePortPair())], {
      PATH: pathWith({ bun: process.execPath, java: java as string }),
      XDG_CACHE_HOME: tempDir('empty-cache'),
    });
    expect(run.code).toBe(1);
    expect(run.out).toContain('mvn not found on PATH');
    expect(run.out).toContain('Maven is needed');
    expect(run.out).toContain('apt-get install maven');
  });

  it('start waits until it answers and prints how to use it; again is "already running"; stop twice is fine', async () => {
    const port = await freePortPair();
    const bootstrap = `127.0.0.1:${port}`;

    const started = await kafkaScript(['start', '--data', data, '--port', String(port)]);
    expect(started.code, started.out).toBe(0);
    expect(started.out).toContain(`broker ready at ${bootstrap}`);
    expect(started.out).toContain('bun run start --kafka');
    expect(await brokerAnswers(bootstrap)).toBe(true);

    const status = await kafkaScript(['status', '--data', data]);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`${bootstrap} answers`);

    const again = await kafkaScript(['start', '--data', data, '--port', String(port)]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('already running');

    const stopped = await kafkaScript(['stop', '--data', data]);
    expect(stopped.code).toBe(0);
    expect(stopped.out).toMatch(/stopped \(pid \d+\)/);
    expect(await brokerAnswers(bootstrap, 1_000)).toBe(false);

    const stoppedAgain = await kafkaScript(['stop', '--data', data]);
    expect(stoppedAgain.code).toBe(0);
    expect(stoppedAgain.out).toContain('not running');

    const reset = await kafkaScript(['reset', '--data', data]);
    expect(reset.code).toBe(0);
    expect(reset.out).toContain(`deleted ${data}`);
    expect(existsSync(data)).toBe(false);
  }, 180_000);
});
