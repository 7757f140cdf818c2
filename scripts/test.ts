/**
 * `bun run test`: the whole suite under Bun (the production runtime), then the runtime-neutral
 * part (pure modules, SQLite stores) under Node so the better-sqlite3 path stays honest.
 * Prints one closing line, `tests: N passed, N failed`, and exits non-zero on any failure.
 * Extra arguments go to both vitest runs (e.g. a file filter).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

const extra = process.argv.slice(2);
mkdirSync('test-output', { recursive: true });

const runs = [
  { name: 'bun', cmd: ['bun', '--bun', 'vitest', 'run'], report: 'test-output/vitest-bun.json' },
  { name: 'node', cmd: ['bunx', 'vitest', 'run', '--config', 'vitest.node.config.ts'], report: 'test-output/vitest-node.json' },
];

let passed = 0;
let failed = 0;
let skipped = 0;
let ok = true;
for (const run of runs) {
  rmSync(run.report, { force: true });
  console.log(`\n== vitest under ${run.name} ==`);
  const proc = Bun.spawnSync([...run.cmd, '--reporter=default', '--reporter=json', `--outputFile.json=${run.report}`, ...extra], {
    stdio: ['inherit', 'inherit', 'inherit'],
    env: process.env,
  });
  let result: VitestJson | undefined;
  try {
    result = JSON.parse(readFileSync(run.report, 'utf8')) as VitestJson;
  } catch {
    console.error(`vitest under ${run.name} wrote no report (exit ${proc.exitCode})`);
  }
  if (!result) {
    ok = false;
    failed += 1;
    continue;
  }
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + result.numTodoTests;
  if (proc.exitCode !== 0 || !result.success) ok = false;
}

if (passed === 0) ok = false;
console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(ok ? 0 : 1);
