import { type ChildProcess, spawn } from 'node:child_process';

/** A child process whose JSON stdout lines are collected as they come. */
export interface JsonLinesProcess {
  child: ChildProcess;
  /** every stdout line that parsed as JSON, in order (growing) */
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  stderr(): string;
}

/**
 * Starts `bun <script>` with extra environment and collects its JSON lines (for the SIGKILL tests,
 * which kill it at a point its own lines say). Add `child` to the test's list of children so
 * `afterEach` can kill what is left.
 *
 * @example
 * const p = bunJsonLines('test/shop/fixtures/kitchenProcess.ts', { DATA_DIR: dir });
 * await waitFor(() => p.lines.some((l) => l.msg === 'pizza delivered'), { message: p.stderr });
 */
export function bunJsonLines(script: string, env: Record<string, string>): JsonLinesProcess {
  const child = spawn('bun', [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
        // not a JSON line
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr };
}
