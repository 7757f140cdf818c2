// The command line as a child process: what README promises about the running shop's process.
// Real sockets and signals; every wait is a bounded poll on the child's output or exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './support/waitFor.ts';

interface RunningCli {
  child: ChildProcess;
  output(): string;
  /** exit code (or the signal's name) once the child has exited */
  exit(): number | string | undefined;
  url: string;
}

const children: ChildProcess[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `bun src/cli.ts` (web only, in memory, any free port) and waits for the URL it prints. */
async function startCli(): Promise<RunningCli> {
  const child = spawn('bun', ['src/cli.ts', '--actors', 'web', '--memory', '--port', '0', '--speed', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let exit: number | string | undefined;
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.on('exit', (code, signal) => {
    exit = code ?? signal ?? undefined;
  });
  await waitFor(() => /open (http:\/\/[^\s"]+)/.test(out) || exit !== undefined, {
    timeoutMs: 30_000,
    message: () => `the shop printed no URL:\n${out}`,
  });
  const url = /open (http:\/\/[^\s"]+)/.exec(out)?.[1];
  if (!url) throw new Error(`the shop exited (${exit}) before printing its URL:\n${out}`);
  return { child, output: () => out, exit: () => exit, url };
}

/** Whether a TCP connection to host:port is accepted (a local connect is answered at once). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(5_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

describe('bun run start (the running process)', () => {
  it('listens on 127.0.0.1 only: other loopback and interface addresses are refused', async () => {
    const cli = await startCli();
    const url = new URL(cli.url);
    expect(url.hostname).toBe('127.0.0.1');
    const port = Number(url.port);
    const health = await fetch(`http://127.0.0.1:${port}/health-check`);
    expect(await health.text()).toBe('Ok');

    // Linux routes all of 127.0.0.0/8 to loopback: a socket bound to 0.0.0.0 (or ::) takes
    // 127.0.0.2 too, one bound to 127.0.0.1 does not. Plus every address of this machine's
    // own interfaces, where there are any.
    const others = ['127.0.0.2'];
    for (const addresses of Object.values(networkInterfaces())) {
      for (const a of addresses ?? []) if (!a.internal && a.family === 'IPv4') others.push(a.address);
    }
    for (const host of others) expect(await accepts(host, port), `a connection to ${host}:${port}`).toBe(false);
    expect(await accepts('127.0.0.1', port)).toBe(true);
  });

  it('a second SIGINT exits at once while the graceful shutdown waits for a request in flight', async () => {
    const cli = await startCli();
    const { port } = new URL(cli.url);
    // Hold the graceful shutdown open: the web lets requests in flight finish before it stops, and
    // a request whose body has not all arrived is in flight. "100 Continue" says the server has
    // taken the request (and that the CLI's synchronous start-up, signal handlers included, ran).
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    sockets.push(socket);
    let received = '';
    socket.on('data', (c: Buffer) => {
      received += c.toString();
    });
    socket.on('error', () => {});
    socket.write(
      'POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n',
    );
    await waitFor(() => received.includes('100 Continue'), {
      timeoutMs: 10_000,
      message: () => `the server did not take the request: ${JSON.stringify(received)}`,
    });
    socket.write('{"username":');

    cli.child.kill('SIGINT');
    await waitFor(() => cli.output().includes('SIGINT: shutting down gracefully') || cli.exit() !== undefined, {
      timeoutMs: 10_000,
      message: () => `no graceful shutdown began:\n${cli.output()}`,
    });
    expect(cli.exit(), `the graceful shutdown finished despite the request in flight:\n${cli.output()}`).toBeUndefined();

    cli.child.kill('SIGINT');
    await waitFor(() => cli.exit() !== undefined, {
      timeoutMs: 5_000,
      message: () => `the second SIGINT did not end the process:\n${cli.output()}`,
    });
    expect(cli.exit()).toBe(130);
    expect(cli.output()).toContain('SIGINT again: exiting now');
    expect(cli.output()).not.toMatch(/^stopped$|"msg":"stopped"/m);
  });
});
