import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { bunJsonLines } from '../support/jsonLinesProcess.ts';
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
  const p = bunJsonLines('test/shop/fixtures/kitchenProcess.ts', { DATA_DIR: dataDir, SPEED: '20', ...env });
  children.push(p.child);
  return p;
}

/** Every line the process wrote so far, counted: kills land after a random number of them. */
const progress = (lines: Record<string, unknown>[]) => lines.length;

describe('crash and restart (child process, durable embedded log)', () => {
  it('a shop SIGKILLed twice at random points of its work completes every order exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pizza-crash-'));
    dirs.push(dataDir);
    const orders = 6;

    // First kill: once baking began, after a random number of further lines (the kill can land
    // anywhere: mid-step, between a step and its commit, inside a commit).
    const first = kitchen(dataDir, { PLACE: String(orders) });
    await waitFor(() => first.lines.some((l) => l.actor === 'bake' && typeof l.msg === 'string' && l.msg.startsWith('started')), {
      timeoutMs: 60_000,
      message: () => `the first process never started baking; stderr:\n${first.stderr()}`,
    });
    const placed = first.lines.filter((l) => typeof l.placed === 'string').map((l) => l.placed as string);
    expect(placed).toHaveLength(orders);
    const firstKillAt = progress(first.lines) + Math.floor(Math.random() * 8);
    await waitFor(() => progress(first.lines) >= firstKillAt || first.lines.filter((l) => l.msg === 'pizza delivered').length > 0, {
      timeoutMs: 60_000,
      message: () => `the first process stopped writing lines; stderr:\n${first.stderr()}`,
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const deliveredAt = (lines: Record<string, unknown>[]) =>
      lines.filter((l) => String(l.msg).startsWith('pizza delivered')).map((l) => l.orderId);
    expect(new Set(deliveredAt(first.lines)).size, 'the kill came before every order was delivered').toBeLessThan(orders);

    // Second kill: after the restart restored its state, again at a random point.
    const second = kitchen(dataDir);
    await waitFor(() => second.lines.some((l) => String(l.msg).includes('ready') || String(l.msg).startsWith('started')), {
      timeoutMs: 60_000,
      message: () => `the second process did not start; stderr:\n${second.stderr()}`,
    });
    const secondKillAt = progress(second.lines) + Math.floor(Math.random() * 8);
    await waitFor(() => progress(second.lines) >= secondKillAt || second.child.exitCode !== null, {
      timeoutMs: 60_000,
      message: () => `the second process stopped writing lines; stderr:\n${second.stderr()}`,
    });
    second.child.kill('SIGKILL');
    await second.exited;

    const third = kitchen(dataDir);
    await waitFor(
      () => placed.every((id) => new Set([...deliveredAt(first.lines), ...deliveredAt(second.lines), ...deliveredAt(third.lines)]).has(id)),
      { timeoutMs: 90_000, message: () => `not every order was delivered after the restarts; stderr:\n${third.stderr()}` },
    );
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);

    // A 'pizza delivered' line is written once its transaction committed, so the union of the
    // three processes' lines is what the log holds. Read the log file the processes wrote
    // (committed messages only): each order assembled,
    // baked and delivered exactly once, and no status published twice in a row.
    const log = createEmbeddedLog({ path: join(dataDir, 'log.db') });
    try {
      for (const topic of [config.topics.pizzaAssembled, config.topics.pizzaBaked, config.topics.pizzaDelivered]) {
        const keys = (await readTopic(log, topic)).map((m) => m.key);
        for (const id of placed)
          expect(
            keys.filter((k) => k === id),
            `${topic} of ${id}`,
          ).toHaveLength(1);
      }
      const statuses = await readTopic(log, config.topics.pizzaStatus);
      for (const id of placed) {
        const codes = statuses.filter((m) => m.key === id).map((m) => JSON.parse(new TextDecoder().decode(m.value)).status as number);
        expect(codes.at(-1), `final status of ${id}`).toBe(config.status.ids.delivered);
        const repeated = codes.filter((c, i) => i > 0 && codes[i - 1] === c);
        expect(repeated, `statuses of ${id} (${codes.join(',')}): none published twice in a row`).toEqual([]);
      }
    } finally {
      await log.close();
    }
  });
});
