import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface ShopProcessOptions {
  /** a name for reports and the log file (`<logDir>/<name>.log`) */
  name: string;
  /** `bun src/cli.ts` arguments after the script */
  args: string[];
  /** actors the process hosts: it counts as up once each logged `actor <name> started` */
  actors: string[];
  logDir: string;
  env?: Record<string, string>;
  say: (line: string) => void;
}

/**
 * One shop process started as a user starts it (`bun src/cli.ts ...`; `bun run start` runs the
 * same file), kept alive: SIGKILL it and it is started again at once on the same arguments (and
 * so the same `--data` directory); if it exits by itself (a start that failed while the broker
 * was down) it is started again after a second. Its output goes to `<logDir>/<name>.log`, every
 * life appended, so a failed run can be read afterwards.
 */
export class ShopProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private keepAlive = true;
  private started = new Set<string>();
  private readonly logFile: string;
  private respawnTimer: ReturnType<typeof setTimeout> | undefined;
  /** SIGKILLs sent by `kill` */
  kills = 0;
  /** exits nobody asked for (each followed by a restart) */
  unexpectedExits = 0;
  /** the web's URL once printed (`open <url>`) */
  url: string | undefined;

  constructor(private readonly options: ShopProcessOptions) {
    mkdirSync(options.logDir, { recursive: true });
    this.logFile = join(options.logDir, `${options.name}.log`);
  }

  get name(): string {
    return this.options.name;
  }

  get logPath(): string {
    return this.logFile;
  }

  /** Every actor of this life logged that it started (and the web printed its URL). */
  isUp(): boolean {
    return (
      this.child !== undefined &&
      this.options.actors.every((a) => this.started.has(a)) &&
      (!this.options.actors.includes('web') || this.url !== undefined)
    );
  }

  start(): void {
    this.keepAlive = true;
    this.spawn();
  }

  private spawn(): void {
    this.started = new Set();
    const fd = openSync(this.logFile, 'a');
    writeSync(fd, `\n=== ${new Date().toISOString()} bun src/cli.ts ${this.options.args.join(' ')}\n`);
    const child = spawn('bun', ['src/cli.ts', ...this.options.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'info', ...this.options.env },
    });
    this.child = child;
    let buffer = '';
    const onData = (chunk: Buffer) => {
      writeSync(fd, chunk);
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const started = /"msg":"actor (\w+) started"/.exec(line);
        if (started) this.started.add(started[1] as string);
        const open = /open (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (open) this.url = open[1];
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        closeSync(fd);
        if (this.child === child) this.child = undefined;
        resolve();
        // SIGKILL is ours; SIGINT/SIGTERM is a Ctrl-C or shutdown of the whole run
        if (signal === 'SIGKILL' || signal === 'SIGINT' || signal === 'SIGTERM' || !this.keepAlive) return;
        this.unexpectedExits += 1;
        this.options.say(`${this.name} exited by itself (${signal ?? `code ${code}`}): starting it again in 1 s (log ${this.logFile})`);
        this.respawnTimer = setTimeout(() => {
          if (this.keepAlive && this.child === undefined) this.spawn();
        }, 1_000);
      });
    });
  }

  /** SIGKILL, wait for the exit, start again (unless `restart` is false). */
  async kill(restart = true): Promise<void> {
    if (!restart) {
      this.keepAlive = false;
      clearTimeout(this.respawnTimer);
    }
    const child = this.child;
    if (!child) return;
    this.kills += 1;
    child.kill('SIGKILL');
    await this.exited;
    if (restart && this.keepAlive) this.spawn();
  }

  /** SIGTERM (graceful: commit and leave the group), SIGKILL after `timeoutMs`; not started again. */
  async stop(timeoutMs = 20_000): Promise<'stopped' | 'killed' | 'not-running'> {
    this.keepAlive = false;
    clearTimeout(this.respawnTimer);
    const child = this.child;
    if (!child) return 'not-running';
    child.kill('SIGTERM');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const inTime = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (inTime) return 'stopped';
    child.kill('SIGKILL');
    await this.exited;
    return 'killed';
  }
}
