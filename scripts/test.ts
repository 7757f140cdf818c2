/**
 * `bun run test`: the whole suite under Bun (the production runtime), then the runtime-neutral
 * part (pure modules, SQLite stores) under Node so the better-sqlite3 path stays honest.
 * Extra arguments go to both vitest runs (e.g. a file filter).
 *
 * Closes with one line, `tests: N passed, N failed`, and exits non-zero on any failure. "failed"
 * counts failed tests plus every failed file none of whose tests failed: a file that does not load
 * (a Kafka file under CI with no broker) or whose `beforeAll` throws reports its tests as skipped,
 * not failed, and must not leave "0 failed" behind. The line before it names the failed files.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';

interface VitestFileResult {
  name: string;
  status: string;
  message?: string;
  assertionResults: { status: string }[];
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
  testResults: VitestFileResult[];
}

const extra = process.argv.slice(2);
mkdirSync('test-output', { recursive: true });

const runs = [
  { name: 'bun', cmd: ['bun', '--bun', 'vitest', 'run'], report: 'test-output/vitest-bun.json' },
  { name: 'node', cmd: ['bunx', 'vitest', 'run', '--config', 'vitest.node.config.ts'], report: 'test-output/vitest-node.json' },
];

let passed = 0;
let failedTests = 0;
let skipped = 0;
/** failed files, described; and how many of them had no failed test of their own */
const failedFiles: string[] = [];
let failedFilesWithoutFailedTest = 0;
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
    failedFiles.push(`(vitest under ${run.name}: no report)`);
    failedFilesWithoutFailedTest += 1;
    continue;
  }
  passed += result.numPassedTests;
  failedTests += result.numFailedTests;
  skipped += result.numPendingTests + result.numTodoTests;
  for (const file of result.testResults) {
    if (file.status !== 'failed') continue;
    const own = file.assertionResults.filter((a) => a.status === 'failed').length;
    const why = own > 0 ? `${own} failed` : file.assertionResults.length === 0 ? 'did not load' : 'failed outside its tests (a hook)';
    failedFiles.push(`${relative(process.cwd(), file.name)} under ${run.name}: ${why}`);
    if (own === 0) failedFilesWithoutFailedTest += 1;
  }
  if (proc.exitCode !== 0 || !result.success) ok = false;
}

const failed = failedTests + failedFilesWithoutFailedTest;
if (failed > 0) ok = false;
if (passed === 0) ok = false;
console.log('');
if (failedFiles.length > 0) console.log(`files failed: ${failedFiles.length}\n  ${failedFiles.join('\n  ')}`);
if (skipped > 0) console.log(`skipped: ${skipped}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
