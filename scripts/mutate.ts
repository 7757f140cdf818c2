/**
 * `bun run test:mutate [id …]`: the mutation check. Copies the repository to a scratch directory
 * (node_modules symlinked, not copied), confirms that the tests named in scripts/mutations.ts pass
 * there unmutated, then for each mutation plants its one-line bug, runs just its tests under Bun
 * and restores the file. Prints `caught` or `NOT caught` per mutation and exits 1 if any survives,
 * if any mutation's original text is not (exactly once) in its file, or if the baseline fails.
 *
 * Why our own and not StrykerJS: Stryker 10 needs Node 22 (CI has Node 20), runs vitest under
 * Node while this suite runs under Bun (bun:sqlite, Bun's HTTP server for SSE), has no Bun runner
 * (stryker-js#4439), and mutates operators at random where we want the bugs that matter here —
 * including in public/live.js (tested in Chromium) and src/cli.ts (tested as a child process),
 * which coverage-guided mutants do not reach. A fixed list of ~a dozen runs in about a minute.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { MUTATIONS, type Mutation } from './mutations.ts';

const ROOT = resolve(import.meta.dir, '..');
/** top-level entries not copied: dependencies (symlinked), history, run data, reports */
const NOT_COPIED = new Set(['node_modules', '.git', 'data', 'test-output']);
/** bound on one vitest run; a run killed at the bound did not pass: caught, marked "(timed out)" */
const RUN_TIMEOUT_MS = 180_000;

interface RunResult {
  exitCode: number | null;
  passed: number;
  failed: number;
  skipped: number;
  failedFiles: number;
  timedOut: boolean;
  output: string;
  ms: number;
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { status: string }[];
}

function occurrences(text: string, part: string): number {
  let n = 0;
  for (let at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) n += 1;
  return n;
}

function runTests(dir: string, files: string[]): RunResult {
  const report = join(dir, 'test-output', `mutate-${Date.now()}.json`);
  const started = Date.now();
  const proc = Bun.spawnSync(
    ['bun', '--bun', 'vitest', 'run', ...files, '--reporter=dot', '--reporter=json', `--outputFile.json=${report}`],
    {
      cwd: dir,
      env: process.env,
      stdout: 'pipe',
      stderr: 'pipe',
      timeout: RUN_TIMEOUT_MS,
    },
  );
  const ms = Date.now() - started;
  const output = `${proc.stdout.toString()}${proc.stderr.toString()}`;
  let json: VitestJson | undefined;
  try {
    json = JSON.parse(readFileSync(report, 'utf8')) as VitestJson;
  } catch {
    // no report: vitest crashed or was killed; the exit code says it failed
  }
  return {
    exitCode: proc.exitCode,
    passed: json?.numPassedTests ?? 0,
    failed: json?.numFailedTests ?? 0,
    skipped: (json?.numPendingTests ?? 0) + (json?.numTodoTests ?? 0),
    failedFiles: json?.testResults.filter((r) => r.status === 'failed').length ?? 0,
    timedOut: ms >= RUN_TIMEOUT_MS,
    output,
    ms,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tail = (text: string, lines = 30) => text.trimEnd().split('\n').slice(-lines).join('\n');

const wanted = process.argv.slice(2);
const unknown = wanted.filter((id) => !MUTATIONS.some((m) => m.id === id));
if (unknown.length > 0) {
  console.error(`unknown mutation id(s): ${unknown.join(', ')}; known: ${MUTATIONS.map((m) => m.id).join(', ')}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? MUTATIONS.filter((m) => wanted.includes(m.id)) : MUTATIONS;

// 1. Every original text is where the list says, exactly once (checked on the real checkout).
const stale: string[] = [];
const runnable: Mutation[] = [];
for (const m of selected) {
  let text: string;
  try {
    text = readFileSync(join(ROOT, m.file), 'utf8');
  } catch {
    stale.push(`${m.id}: ${m.file} does not exist`);
    continue;
  }
  const n = occurrences(text, m.original);
  if (n !== 1)
    stale.push(`${m.id}: the original text occurs ${n} times in ${m.file} (must be exactly once): ${JSON.stringify(m.original)}`);
  else runnable.push(m);
}

// 2. A scratch copy, so the checkout is never left mutated (not even by a killed run).
const scratch = mkdtempSync(join(tmpdir(), 'pizza-mutate-'));
let caughtCount = 0;
let survived = 0;
let baselineFailed = false;
try {
  cpSync(ROOT, scratch, { recursive: true, filter: (src) => !NOT_COPIED.has(relative(ROOT, src).split(/[\\/]/)[0] ?? '') });
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  console.log(`mutation check: ${runnable.length} mutation(s) in ${scratch}`);

  // 3. Baseline: the tests pass unmutated and run (none skipped), or "caught" would mean nothing.
  const allTests = [...new Set(runnable.flatMap((m) => m.tests))].sort();
  // (no file arguments would make vitest run the whole suite)
  const base = allTests.length > 0 ? runTests(scratch, allTests) : undefined;
  if (!base) {
    console.log('nothing to run');
  } else if (base.exitCode !== 0 || base.failed > 0 || base.failedFiles > 0 || base.skipped > 0 || base.passed === 0) {
    console.error(
      `baseline: the tests do not all pass and run unmutated (${base.passed} passed, ${base.failed} failed, ${base.skipped} skipped, exit ${base.exitCode}):\n${tail(base.output)}`,
    );
    baselineFailed = true;
  } else {
    console.log(`baseline: ${base.passed} tests in ${allTests.length} files pass unmutated (${seconds(base.ms)})\n`);
    // 4. One mutation at a time.
    for (const m of runnable) {
      const path = join(scratch, m.file);
      const original = readFileSync(path, 'utf8');
      writeFileSync(path, original.replace(m.original, m.replacement));
      let r: RunResult;
      try {
        r = runTests(scratch, m.tests);
      } finally {
        writeFileSync(path, original);
      }
      const caught = r.exitCode !== 0 || r.failed > 0 || r.failedFiles > 0;
      if (caught) {
        caughtCount += 1;
        console.log(`caught      ${m.id.padEnd(28)} ${r.failed} failed${r.timedOut ? ' (timed out)' : ''}, ${seconds(r.ms)}  ${m.file}`);
      } else {
        survived += 1;
        console.log(`NOT caught  ${m.id.padEnd(28)} ${r.passed} passed${r.skipped ? `, ${r.skipped} skipped` : ''}  ${m.file}`);
        console.log(`            breaks: ${m.why}\n            tests: ${m.tests.join(', ')}`);
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

for (const s of stale) console.log(`STALE       ${s}`);
console.log(
  `\nmutations: ${caughtCount} caught, ${survived} not caught, ${stale.length} stale${baselineFailed ? ', baseline failed (none run)' : ''}`,
);
process.exit(survived === 0 && stale.length === 0 && !baselineFailed ? 0 : 1);
