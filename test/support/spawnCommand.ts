import { type ChildProcess, spawn } from 'node:child_process';

/** A command run as a user would run it, its output collected. */
export interface RunningCommand {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived */
  output(): string;
  /** resolves with the exit code (null when killed by a signal) */
  exited: Promise<number | null>;
  /** SIGKILL if still running, then waits for the exit */
  kill(): Promise<void>;
}

/**
 * Spawns `command args` in the project folder and collects what it prints.
 *
 * @example
 * const load = spawnCommand('bun', ['scripts/load.ts', '--orders', '3']);
 * expect(await load.exited).toBe(0);
 */
export function spawnCommand(command: string, args: string[], env: Record<string, string> = {}): RunningCommand {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
