import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ShopError } from '../../errors.ts';

export interface FileLock {
  release(): void;
}

/**
 * One process per embedded log file: the log hands out offsets in memory, so a second process
 * writing the same file would clash. Takes `<path>.lock` (holding our pid); a lock left by a
 * process that no longer runs (killed, crashed) is taken over. Two processes starting in the very
 * same instant over a stale lock could both win; that race is accepted.
 *
 * @example
 * const lock = lockFile('data/log.db'); // throws LOG_IN_USE while another live process holds it
 * lock.release();
 */
export function lockFile(path: string): FileLock {
  const lockPath = `${path}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(lockPath, 'utf8') === String(process.pid)) unlinkSync(lockPath);
          } catch {
            // already gone: nothing to release
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const holder = Number.parseInt(readHolder(lockPath), 10);
    // Our own pid in a lock file can only come from an earlier life of this pid (a container restarted).
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
      throw new ShopError('LOG_IN_USE', `${path}: the embedded log file is in use by process ${holder} (${lockPath})`, { exitCode: 2 });
    }
    try {
      unlinkSync(lockPath); // stale: its process is gone
    } catch {
      // someone else removed it first; the next attempt decides
    }
  }
}

function readHolder(lockPath: string): string {
  try {
    return readFileSync(lockPath, 'utf8').trim();
  } catch {
    return '';
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
