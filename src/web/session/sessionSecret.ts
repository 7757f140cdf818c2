import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Environment variable that, when set, is the session secret of every web instance. */
export const SESSION_SECRET_ENV = 'PIZZA_SESSION_SECRET';
export const SESSION_SECRET_FILE = 'session-secret';

/**
 * Where the session-signing secret comes from, first match wins: the `PIZZA_SESSION_SECRET`
 * environment variable (share it between web instances behind one address); else a file
 * `session-secret` in the data directory, made with 32 random bytes on first use (mode 0600), so
 * sessions survive a restart; else (no data directory: `--memory`) a fresh random secret per
 * process. The secret never lives in the repository.
 *
 * @example
 * const secret = loadSessionSecret({ dataDir: './data' }); // reads or creates ./data/session-secret
 */
export function loadSessionSecret(options: { dataDir?: string | null; env?: Record<string, string | undefined> }): string {
  const fromEnv = (options.env ?? process.env)[SESSION_SECRET_ENV];
  if (fromEnv && fromEnv.length >= 16) return fromEnv;
  if (fromEnv) throw new Error(`${SESSION_SECRET_ENV} must be at least 16 characters`);
  if (!options.dataDir) return randomBytes(32).toString('hex');
  const file = join(options.dataDir, SESSION_SECRET_FILE);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 16) return secret;
  }
  mkdirSync(options.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
