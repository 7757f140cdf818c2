import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { httpTarget } from '../../src/load/httpTarget.ts';
import { type LoadResult, runLoad } from '../../src/load/runLoad.ts';
import { brokerAnswers } from '../kafka/brokerAnswers.ts';
import { startLocalBroker, stopLocalBroker } from '../kafka/localBroker.ts';
import { AUDITED_TOPICS, auditStages, type StageAudit } from './auditStages.ts';
import { readStagesEmbedded, readStagesKafka } from './readStages.ts';
import { writeRunConfig, writeRunKafkaIni } from './runConfig.ts';
import { ShopProcess } from './shopProcess.ts';

export interface ChaosOptions {
  /** 'kafka': one process per actor on a real broker; 'embedded': the one-process shop on its data directory */
  transport: 'kafka' | 'embedded';
  orders: number;
  /** orders unfinished at once */
  concurrency: number;
  /** a random process is SIGKILLed and restarted every killEveryMs × (0.5 … 1.5) */
  killEveryMs: number;
  /** kitchen speed factor of the shop processes (0 = no waiting) */
  speed: number;
  /** seeds the choice of victims, the gaps between kills and the menus */
  seed: number;
  /** the whole command's bound: both runs, stopping and the audit */
  timeoutMs: number;
  /** also run the same orders without kills first and compare orders/s */
  compare: boolean;
  /** Kafka: the broker to use when not running one of its own */
  bootstrap: string;
  /** Kafka: client INI the shop processes get (its bootstrap.servers replaced) */
  kafkaIni: string;
  /**
   * kills stop at the last placement or after this long, whichever comes first, so a shop that
   * cannot keep up under kills still shows how long it takes to drain; default half the time the
   * chaos run has
   */
  chaosForMs?: number;
  /** Kafka: run a broker of our own on free ports (not the shared one) and restart it once mid-run */
  restartBroker: boolean;
  /** Kafka: `session.timeout.ms` for the shop processes; default what the INI says */
  sessionTimeoutMs?: number;
  /** progress lines; default console.log */
  say?: (line: string) => void;
}

export interface RunReport {
  kind: 'calm' | 'chaos';
  load: LoadResult;
  audit: StageAudit;
  /** SIGKILLs per process */
  kills: Record<string, number>;
  /** processes that exited by themselves and were started again (e.g. a start while the broker was down) */
  unexpectedExits: number;
  /** seconds the own broker was down, and after how many placed orders it went down */
  brokerRestart?: { afterPlaced: number; downSeconds: number };
  /** seconds the kills went on (from the first placement) */
  chaosSeconds: number;
  /** seconds from the end of the kills (the last placement, or `chaosForMs`) until every order was finished; null if not all finished */
  drainSeconds: number | null;
  /** where the shop processes' output is */
  logDir: string;
}

export interface ChaosReport {
  calm?: RunReport;
  chaos: RunReport;
  /** every reason to exit non-zero, in words; empty when the shop kept its promise */
  problems: string[];
  /** the scratch folder (kept when there are problems, for the logs) */
  workDir: string;
}

/** Processes and the broker of runs in progress, for `killEverything` (a hard timeout, Ctrl-C). */
const live = new Set<ShopProcess>();
const brokers = new Set<string>();

/** Ends whatever a run left: SIGKILL to every shop process, stop of an own broker. */
export async function killEverything(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill(false)));
  await Promise.all([...brokers].map((dataDir) => stopLocalBroker({ dataDir, timeoutMs: 5_000 }).catch(() => undefined)));
}

/** A small seeded generator (mulberry32): the same seed gives the same victims and gaps. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A port p with p and p + 1 (a local broker's controller) both free on 127.0.0.1. */
async function freePortPair(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let port = 29_200 + 2 * Math.floor(Math.random() * 2_000); port < 39_000; port += 2) {
    if ((await free(port)) && (await free(port + 1))) return port;
  }
  throw new Error('no free port pair for a broker of our own');
}

/**
 * Waits until a fresh broker's group coordinator answers (its `__consumer_offsets` is created on the
 * first request): shop consumers that start before that stop with "Failed to find group
 * coordinator" and, on the current runtime, are not started again — the calm run would measure that.
 */
async function untilCoordinatorAnswers(bootstrap: string, timeoutMs: number): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], clientId: 'pizza-chaos-probe', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      try {
        await admin.describeGroups(['pizza-chaos-probe']);
        return;
      } catch (error) {
        if (performance.now() > deadline)
          throw new Error(`the group coordinator of ${bootstrap} did not answer within ${timeoutMs / 1000} s: ${(error as Error).message}`);
        await sleep(250);
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * `bun run chaos`: N orders through the web API while shop processes are SIGKILLed and restarted
 * at random, then an audit of every stage topic (read-committed, from the beginning). With
 * `compare`, the same orders run first without kills, for orders/s with and without chaos.
 * The run's problems (lost or duplicated orders, orders not finished in time, placements that
 * failed) are listed in the report; an infrastructure failure (a broker that never answers, a
 * process that never starts) throws.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.say ?? ((line: string) => console.log(line));
  const deadline = performance.now() + options.timeoutMs;
  const workDir = mkdtempSync(join(tmpdir(), 'pizza-chaos-'));
  const random = seededRandom(options.seed);
  let brokerDir: string | undefined;
  let brokerPort: number | undefined;
  let bootstrap = options.bootstrap;
  let problems: string[] = [];
  try {
    if (options.transport === 'kafka') {
      if (options.restartBroker) {
        brokerDir = join(workDir, 'broker');
        const port = await freePortPair();
        say(`starting a broker of our own on 127.0.0.1:${port} (data ${brokerDir})`);
        brokers.add(brokerDir);
        brokerPort = port;
        bootstrap = (await startLocalBroker({ dataDir: brokerDir, port, say: (l) => say(`kafka: ${l}`) })).bootstrap;
        await untilCoordinatorAnswers(bootstrap, 60_000);
      } else if (!(await brokerAnswers(bootstrap, 5_000))) {
        throw new Error(
          `no Kafka broker answers at ${bootstrap} (start one with \`bun run kafka:start\`, pass --bootstrap, or --restart-broker for one of its own)`,
        );
      }
    }
    const run = (kind: 'calm' | 'chaos', budgetMs: number) =>
      runOnce({
        ...options,
        kind,
        bootstrap,
        brokerDir,
        brokerPort,
        random,
        say,
        workDir,
        deadline: Math.min(deadline, performance.now() + budgetMs),
      });
    // The calm run gets at most a third of the time, the chaos run the rest.
    const calm = options.compare ? await run('calm', (deadline - performance.now()) / 3) : undefined;
    const chaos = await run('chaos', deadline - performance.now());
    problems = [...(calm ? problemsOf(calm, options.orders) : []), ...problemsOf(chaos, options.orders)];
    return { ...(calm ? { calm } : {}), chaos, problems, workDir };
  } catch (error) {
    problems.push((error as Error).message);
    throw error;
  } finally {
    await killEverything();
    if (brokerDir) {
      await stopLocalBroker({ dataDir: brokerDir }).catch(() => undefined);
      brokers.delete(brokerDir);
    }
    if (problems.length === 0) rmSync(workDir, { recursive: true, force: true });
  }
}

/** Why a run fails the command, in words. */
function problemsOf(run: RunReport, orders: number): string[] {
  const out: string[] = [];
  const { audit, load } = run;
  if (audit.lost.length > 0)
    out.push(
      `${run.kind}: ${audit.lost.length} orders lost (accepted, never delivered, not cancelled), e.g. ${audit.lost.slice(0, 5).join(', ')}`,
    );
  for (const d of audit.duplicates)
    out.push(`${run.kind}: ${d.orders} orders duplicated on ${d.topic} (${d.extra} extra messages), e.g. ${d.examples.join(', ')}`);
  if (audit.notOnLog.length > 0) out.push(`${run.kind}: ${audit.notOnLog.length} orders answered 201 but never on pizza-ordered`);
  if (load.placed < orders)
    out.push(`${run.kind}: only ${load.placed} of ${orders} orders placed${load.firstError ? ` (first error: ${load.firstError})` : ''}`);
  if (load.unfinished > 0) out.push(`${run.kind}: ${load.unfinished} orders not finished when the time was up`);
  if (run.kind === 'chaos' && Object.values(run.kills).every((n) => n === 0)) {
    out.push(
      `chaos: no process was killed, the orders were done before the first kill: more --orders, a higher --speed factor or a shorter --kill-every`,
    );
  }
  return out;
}

interface RunContext extends ChaosOptions {
  kind: 'calm' | 'chaos';
  bootstrap: string;
  brokerDir: string | undefined;
  brokerPort: number | undefined;
  random: () => number;
  say: (line: string) => void;
  workDir: string;
  /** performance.now() time by which this run is audited */
  deadline: number;
}

const KAFKA_PROCESSES = ['web', 'status', 'assemble', 'bake', 'delivery'] as const;

async function runOnce(ctx: RunContext): Promise<RunReport> {
  const { say } = ctx;
  const runDir = join(ctx.workDir, ctx.kind);
  const logDir = join(runDir, 'logs');
  mkdirSync(runDir, { recursive: true });
  const { file: systemIni, config } = writeRunConfig(runDir, randomBytes(4).toString('hex'));
  const webPort = await freePort();
  const common = ['--config', systemIni, '--speed', String(ctx.speed)];
  let processes: ShopProcess[];
  let kafkaIni: string | undefined;
  if (ctx.transport === 'kafka') {
    kafkaIni = writeRunKafkaIni(
      runDir,
      ctx.kafkaIni,
      ctx.bootstrap,
      ctx.sessionTimeoutMs ? { 'session.timeout.ms': String(ctx.sessionTimeoutMs) } : {},
    );
    const ini = kafkaIni;
    processes = KAFKA_PROCESSES.map(
      (actor) =>
        new ShopProcess({
          name: actor,
          args: [
            ...common,
            '--kafka',
            ini,
            '--actors',
            actor,
            '--data',
            join(runDir, actor),
            ...(actor === 'web' ? ['--port', String(webPort)] : []),
          ],
          actors: [actor],
          logDir,
          say,
        }),
    );
  } else {
    processes = [
      new ShopProcess({
        name: 'shop',
        args: [...common, '--data', join(runDir, 'shop'), '--port', String(webPort)],
        actors: ['web', 'assemble', 'bake', 'delivery', 'status'],
        logDir,
        say,
      }),
    ];
  }
  say(
    `${ctx.kind} run: ${ctx.orders} orders, ${ctx.concurrency} at a time, ${processes.length} process(es) on ${ctx.transport === 'kafka' ? `Kafka at ${ctx.bootstrap}` : 'the embedded log'}, speed ${ctx.speed}${ctx.kind === 'chaos' ? `, a SIGKILL every ~${ctx.killEveryMs / 1000} s` : ''}; logs in ${logDir}`,
  );
  for (const p of processes) {
    live.add(p);
    p.start();
  }
  const upBy = Math.min(ctx.deadline, performance.now() + 90_000);
  while (!processes.every((p) => p.isUp())) {
    if (performance.now() > upBy) {
      const down = processes.filter((p) => !p.isUp());
      throw new Error(
        `${ctx.kind} run: ${down.map((p) => p.name).join(', ')} did not start in time; see ${down.map((p) => p.logPath).join(', ')}`,
      );
    }
    await sleep(50);
  }

  // The chaos: kills until the last order is placed; the broker restart a third of the way in.
  let killing = ctx.kind === 'chaos';
  let wakeKiller: (() => void) | undefined;
  let killsStoppedAt: number | undefined;
  let brokerRestart: Promise<{ afterPlaced: number; downSeconds: number } | Error> | undefined;
  const stopKilling = () => {
    if (!killing) return;
    killing = false;
    killsStoppedAt = performance.now();
    wakeKiller?.();
  };
  const chaosFor = setTimeout(stopKilling, ctx.chaosForMs ?? (ctx.deadline - performance.now()) / 2);
  const killer = (async () => {
    while (killing) {
      await new Promise<void>((resolve) => {
        wakeKiller = resolve;
        setTimeout(resolve, ctx.killEveryMs * (0.5 + ctx.random()));
      });
      if (!killing) break;
      const victim = processes[Math.floor(ctx.random() * processes.length)] as ShopProcess;
      say(`kill -9 ${victim.name}, restart`);
      await victim.kill(true);
    }
  })();
  const restartBrokerOnce = async (afterPlaced: number) => {
    const dataDir = ctx.brokerDir as string;
    say(`restarting the broker (after ${afterPlaced} orders placed)`);
    const down = performance.now();
    await stopLocalBroker({ dataDir });
    const started = await startLocalBroker({ dataDir, port: ctx.brokerPort, say: (l) => say(`kafka: ${l}`) });
    if (started.status !== 'started')
      throw new Error(`the broker of ${dataDir} did not start again (${started.status} at ${started.bootstrap})`);
    const downSeconds = (performance.now() - down) / 1000;
    say(`broker back after ${downSeconds.toFixed(1)} s`);
    return { afterPlaced, downSeconds };
  };

  const loadStart = performance.now();
  // What is left of the budget goes to the orders, minus a reserve for stopping and the audit.
  const reserve = Math.min(60_000, (ctx.deadline - loadStart) / 4);
  const target = httpTarget(`http://127.0.0.1:${webPort}`, { say: (l) => say(l) });
  let load: LoadResult;
  try {
    load = await runLoad(target, config, {
      orders: ctx.orders,
      concurrency: ctx.concurrency,
      timeoutMs: Math.max(1_000, ctx.deadline - loadStart - reserve),
      random: ctx.random,
      onPlaced: (placed) => {
        if (ctx.kind === 'chaos' && ctx.restartBroker && !brokerRestart && placed >= Math.ceil(ctx.orders / 3))
          brokerRestart = restartBrokerOnce(placed).catch((e: unknown) => e as Error);
        if (placed === ctx.orders) stopKilling();
      },
    });
  } finally {
    clearTimeout(chaosFor);
    stopKilling();
    await killer;
  }
  const brokerReport = brokerRestart ? await brokerRestart : undefined;
  if (brokerReport instanceof Error) throw brokerReport;
  const loadEnd = loadStart + load.seconds * 1000;
  const drainSeconds =
    load.unfinished === 0 && load.placed === ctx.orders && killsStoppedAt !== undefined
      ? Math.max(0, loadEnd - killsStoppedAt) / 1000
      : null;
  say(
    `${ctx.kind} run: ${load.placed} placed, ${load.placed - load.unfinished} finished in ${load.seconds.toFixed(1)} s; stopping the shop and reading the stage topics`,
  );

  await Promise.all(processes.map((p) => p.stop()));
  for (const p of processes) live.delete(p);
  const topics = AUDITED_TOPICS.map((alias) => config.topics[alias]);
  const auditBound = Math.max(15_000, ctx.deadline - performance.now());
  const messages = kafkaIni
    ? await readStagesKafka(kafkaIni, topics, auditBound)
    : await readStagesEmbedded(join(runDir, 'shop'), topics, auditBound);
  return {
    kind: ctx.kind,
    load,
    audit: auditStages(config, messages, load.orderIds),
    kills: Object.fromEntries(processes.map((p) => [p.name, p.kills])),
    unexpectedExits: processes.reduce((sum, p) => sum + p.unexpectedExits, 0),
    ...(brokerReport ? { brokerRestart: brokerReport } : {}),
    chaosSeconds: killsStoppedAt === undefined ? 0 : (killsStoppedAt - loadStart) / 1000,
    drainSeconds,
    logDir,
  };
}
