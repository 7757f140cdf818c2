import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isCi } from './ci.ts';

/** The Python the interop tests run their peers with, or why there is none. */
export interface PythonPeers {
  available: boolean;
  /** the venv's python */
  python: string;
  reason?: string;
}

/**
 * Where `.ci/run` creates the venv with confluent-kafka[avro,schemaregistry]: `PIZZA_PYTHON_VENV`,
 * else `$XDG_CACHE_HOME/pizza-shop/python-venv` (default `~/.cache`), never inside the repository.
 */
export function pythonVenvDir(): string {
  return process.env.PIZZA_PYTHON_VENV ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pizza-shop', 'python-venv');
}

let found: PythonPeers | undefined;

/**
 * The venv's python when it imports confluent_kafka with its Schema Registry and Avro parts. When
 * it does not: with `CI=true` this throws, so the run fails loudly; otherwise the Python interop
 * tests are skipped with the reason printed (create the venv as `.ci/run` does).
 */
export function findPython(): PythonPeers {
  if (found) return found;
  const dir = pythonVenvDir();
  const python = join(dir, 'bin', 'python');
  let reason: string | undefined;
  if (!existsSync(python)) {
    reason = `no Python venv at ${dir}`;
  } else {
    const probe = spawnSync(python, ['-c', 'import confluent_kafka, confluent_kafka.schema_registry.avro, fastavro'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (probe.status !== 0)
      reason = `the venv at ${dir} cannot import confluent_kafka[avro,schemaregistry]: ${probe.stderr.trim().split('\n').pop()}`;
  }
  if (reason === undefined) {
    found = { available: true, python };
    return found;
  }
  const how = `create it as .ci/run does: python3 -m venv ${dir} && ${dir}/bin/pip install 'confluent-kafka[avro,schemaregistry]==2.16.1'`;
  if (isCi()) throw new Error(`CI=true and ${reason}: the Python interop tests must run in CI (${how})`);
  console.warn(`Python interop tests skipped: ${reason} (${how})`);
  found = { available: false, python, reason };
  return found;
}

/**
 * Runs a Python script without blocking the event loop (the peers talk to servers in this
 * process: a registry, the web); killed after `timeoutMs`.
 */
export function runPython(
  python: string,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
