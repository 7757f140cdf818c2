import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { readTopic } from '../support/shopHarness.ts';
import { waitFor } from '../support/waitFor.ts';

const config = loadConfig('config_sys/default.ini');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts the kitchen in a child process and collects its JSON log lines. */
function kitchen(dataDir: string, env: Record<string, string> = {}) {
  const child = spawn('bun', ['test/shop/fixtures/kitchenProcess.ts'], {
    env: { ...process.env, DATA_DIR: dataDir, SPEED: '20', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p));
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr };
}

describe('crash and restart (child process, durable embedded log)', () => {
  it('a shop killed mid-bake (SIGKILL) completes every order exactly once after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pizza-crash-'));
    dirs.push(dataDir);
    const orders = 4;

    const first = kitchen(dataDir, { PLACE: String(orders) });
    await waitFor(() => first.lines.some((l) => l.actor === 'bake' && typeof l.msg === 'string' && l.msg.startsWith('started')), {
      timeoutMs: 60_000,
      message: () => `the first process never started baking; stderr:\n${first.stderr()}`,
    });
    const placed = first.lines.filter((l) => typeof l.placed === 'string').map((l) => l.placed as string);
    expect(placed).toHaveLength(orders);
    first.child.kill('SIGKILL');
    await first.exited;
    const deliveredBefore = new Set(first.lines.filter((l) => l.msg === 'pizza delivered').map((l) => l.orderId));
    expect(deliveredBefore.size, 'the kill came before every order was delivered').toBeLessThan(orders);

    const second = kitchen(dataDir);
    await waitFor(
      () => {
        const delivered = new Set([...deliveredBefore, ...second.lines.filter((l) => String(l.msg).startsWith('pizza delivered')).map((l) => l.orderId)]);
        return placed.every((id) => delivered.has(id));
      },
      { timeoutMs: 90_000, message: () => `not every order was delivered after the restart; stderr:\n${second.stderr()}` },
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // Read the log file the two processes wrote: each order baked once and delivered once.
    const log = createEmbeddedLog({ path: join(dataDir, 'log.db') });
    try {
      for (const topic of [config.topics.pizzaAssembled, config.topics.pizzaBaked, config.topics.pizzaDelivered]) {
        const keys = (await readTopic(log, topic)).map((m) => m.key);
        for (const id of placed) expect(keys.filter((k) => k === id), `${topic} of ${id}`).toHaveLength(1);
      }
    } finally {
      await log.close();
    }
  });
});
