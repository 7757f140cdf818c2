import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './support/waitFor.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cli(args: string[]) {
  return spawnSync('bun', ['src/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('bun run start (command line)', () => {
  it('--help prints the usage and exits 0', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: bun run start [options]');
    expect(r.stdout).toContain('--actors <list>');
  });

  it('an unknown option is an error with the usage, exit 2', () => {
    const r = cli(['--ovens', '3']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--ovens'");
    expect(r.stderr).toContain('Usage: bun run start');
  });

  it('a broken configuration names the file, section and key, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pizza-cli-'));
    dirs.push(dir);
    const file = join(dir, 'broken.ini');
    writeFileSync(file, readFileSync('config_sys/default.ini', 'utf8').replace('num_partitions = 6', 'num_partitions = many'));
    const r = cli(['--config', file, '--memory']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}: [kafka-topic-config] num_partitions: 'many' is not a number`);
  });

  it('a Kafka file without [kafka] is refused before anything starts', () => {
    const r = cli(['--kafka', 'config_sys/default.ini']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('config_sys/default.ini: [kafka]: missing section');
  });

  it('runs the chosen actors and shuts down gracefully on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pizza-cli-'));
    dirs.push(dir);
    const child = spawn('bun', ['src/cli.ts', '--actors', 'assemble,bake', '--data', dir, '--speed', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => out.includes('pizza shop running'), { timeoutMs: 30_000, message: () => `the shop did not start:\n${out}` });
    expect(out).toContain('actors assemble, bake on the embedded log');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('shutting down gracefully');
    expect(out).toContain('actor bake stopped');
    expect(out).toContain('actor assemble stopped');
  });

  /** Starts the whole shop in memory with `args`, waits for its summary, stops it; returns stdout. */
  async function startAndStop(args: string[], env: Record<string, string> = {}): Promise<string> {
    const child = spawn('bun', ['src/cli.ts', '--memory', '--port', '0', '--speed', '0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => /open http:\/\/127\.0\.0\.1:\d+/.test(out), {
      timeoutMs: 30_000,
      message: () => `the shop did not start:\n${out}`,
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    return out;
  }

  it('--log pretty prints a one-screen summary of what runs where, then coloured lines', async () => {
    const out = await startAndStop(['--log', 'pretty'], { FORCE_COLOR: '1' });
    const plain = out.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    expect(out).toContain(`${String.fromCharCode(27)}[`);
    expect(plain).toMatch(/^actor\s+consumer group\s+partitions here\s+reads\s+writes$/m);
    // every actor runs here, so each owns all 6 local partitions of its group
    expect(plain).toMatch(/^bake\s+pizza-baked\s+0-5\s+/m);
    expect(plain).toMatch(/^web\s+pizza-webapp-<instance>\s+all \(own group\)/m);
    expect(plain).toMatch(/^console {2}http:\/\/127\.0\.0\.1:\d+\/console/m);
    expect(plain).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}shop\s+SIGTERM: shutting down gracefully/m);
  });

  it('writes JSON lines when stdout is not a terminal, the summary as one object', async () => {
    const out = await startAndStop([]);
    const lines = out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; actors?: { actor: string; partitions: number[] | null }[]; url?: string });
    const summary = lines.find((l) => l.msg.startsWith('pizza shop running'));
    expect(summary?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(summary?.actors?.find((a) => a.actor === 'bake')?.partitions).toEqual([0, 1, 2, 3, 4, 5]);
    expect(lines.some((l) => l.msg === 'stopped')).toBe(true);
  });
});
