import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changelogTopic } from '../../src/runtime/host/createActorHost.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { bunJsonLines } from '../support/jsonLinesProcess.ts';
import { waitFor } from '../support/waitFor.ts';
import { changelogRows, counterTopics, json, readAll } from './fixtures/counterActor.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts the counter host process and collects its JSON lines. */
function counterProcess(dataDir: string, total: number) {
  const p = bunJsonLines('test/runtime/fixtures/counterHostProcess.ts', { DATA_DIR: dataDir, TOTAL: String(total) });
  children.push(p.child);
  return p;
}

/** What a reader of the log file sees (the process is gone, so the file can be opened). */
async function inspect(dataDir: string) {
  const topics = counterTopics();
  const log = createEmbeddedLog({ path: join(dataDir, 'log.db') });
  try {
    const inputs = await readAll(log, topics.input);
    const outputs = (await readAll(log, topics.output)).map((m) => ({
      key: m.key as string,
      ...(json(m) as { id: string; count: number }),
    }));
    const rows = await changelogRows(log, topics.groupId);
    const changelog = (await log.endOffsets(changelogTopic(topics.groupId))).size;
    return { inputs, outputs, rows, changelog };
  } finally {
    await log.close();
  }
}

describe('actor host killed with SIGKILL (child process, embedded log on a SQLite file)', () => {
  it('after kills at random points of a stream and restarts, every input has exactly one output and every count is exact', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pizza-host-kill-'));
    dirs.push(dataDir);
    const total = 3_000;
    const kills = 6;
    const seenAtKill: { inputs: number; outputs: number }[] = [];

    for (let k = 0; k < kills; k++) {
      const run = counterProcess(dataDir, total);
      await waitFor(() => run.lines.some((l) => l.ready), {
        timeoutMs: 20_000,
        message: () => `run ${k} never got ready; stderr:\n${run.stderr()}`,
      });
      // kill at a random point of the stream (inputs arriving, batches handled, commits in flight)
      const from = Number(run.lines.find((l) => l.ready)?.written ?? 0);
      const target = Math.min(total - 1, from + 100 + Math.floor(Math.random() * 500));
      await waitFor(() => run.lines.some((l) => Number(l.written) >= target), {
        timeoutMs: 20_000,
        message: () => `run ${k} never wrote input ${target}; stderr:\n${run.stderr()}`,
      });
      run.child.kill('SIGKILL');
      await run.exited;
      expect(
        run.lines.some((l) => l.crashed),
        `run ${k} crashed by itself: ${JSON.stringify(run.lines)}`,
      ).toBe(false);

      // what a reader sees after each kill: no output twice, counts a gap-free prefix per key
      const seen = await inspect(dataDir);
      seenAtKill.push({ inputs: seen.inputs.length, outputs: seen.outputs.length });
      const outIds = seen.outputs.map((o) => o.id);
      expect(new Set(outIds).size, `duplicate outputs after kill ${k}`).toBe(outIds.length);
    }
    // every kill came while inputs still arrived, and some came with handled work not yet committed
    for (const s of seenAtKill) expect(s.inputs).toBeLessThan(total);
    console.log(`inputs/outputs seen after each kill: ${JSON.stringify(seenAtKill)}`);

    const last = counterProcess(dataDir, total);
    await waitFor(() => last.lines.some((l) => l.drained), {
      timeoutMs: 40_000,
      message: () => `the last run never drained; lines ${JSON.stringify(last.lines.slice(-3))}; stderr:\n${last.stderr()}`,
    });
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    const { inputs, outputs, rows } = await inspect(dataDir);
    // the stream itself: each input written once
    const inputIds = inputs.map((m) => (json(m) as { id: string }).id);
    expect(inputIds).toHaveLength(total);
    expect(new Set(inputIds).size).toBe(total);
    // exactly one output per input
    const outIds = outputs.map((o) => o.id);
    expect(outIds.length, `outputs at each kill: ${JSON.stringify(seenAtKill)}`).toBe(total);
    expect(new Set(outIds)).toEqual(new Set(inputIds));
    // state was neither lost nor applied twice across the kills: each key counted 1..n in order
    const byKey = new Map<string, number[]>();
    for (const o of outputs) byKey.set(o.key, [...(byKey.get(o.key) ?? []), o.count]);
    for (const [key, counts] of byKey) {
      expect(counts, `counts of ${key}`).toEqual(Array.from({ length: counts.length }, (_, i) => i + 1));
      expect(rows.get(key)).toEqual({ count: counts.length });
    }
  }, 60_000);
});
