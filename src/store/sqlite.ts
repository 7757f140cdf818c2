import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * One SQLite adapter over two drivers: `bun:sqlite` under Bun (the production runtime) and
 * `better-sqlite3` under Node (where the Node-side tests run). Only positional `?` parameters;
 * `get` returns `undefined` for no row under both.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, SqlValue>;

export interface Statement {
  run(...params: SqlValue[]): { changes: number; lastInsertRowid: number | bigint };
  get<T = Row>(...params: SqlValue[]): T | undefined;
  all<T = Row>(...params: SqlValue[]): T[];
}

export interface SqliteDb {
  /** ':memory:' or the file path */
  readonly path: string;
  exec(sql: string): void;
  prepare(sql: string): Statement;
  /** Runs `fn` in one transaction (BEGIN IMMEDIATE … COMMIT, rolled back when it throws). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

const require = createRequire(import.meta.url);
export const runtime: 'bun' | 'node' = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined' ? 'bun' : 'node';

/**
 * Opens (creating if needed) a SQLite database in WAL mode. `path` ':memory:' keeps it in memory.
 *
 * @example
 * const db = openSqlite('data/orders.db');
 * db.prepare('SELECT 1 AS one').get(); // { one: 1 }
 */
export function openSqlite(path: string): SqliteDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = runtime === 'bun' ? openBun(path) : openNode(path);
  if (path !== ':memory:') {
    db.exec('PRAGMA journal_mode = WAL');
    // WAL + NORMAL: a committed transaction survives a crash of the process (not of the OS).
    db.exec('PRAGMA synchronous = NORMAL');
  }
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec('PRAGMA foreign_keys = ON');
  return db;
}

function openBun(path: string): SqliteDb {
  const { Database } = require('bun:sqlite') as typeof import('bun:sqlite');
  const raw = new Database(path, { create: true });
  return {
    path,
    exec: (sql) => {
      raw.exec(sql);
    },
    prepare: (sql) => {
      const stmt = raw.prepare(sql);
      return {
        run: (...params) => {
          const r = stmt.run(...(params as never[]));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        get: <T>(...params: SqlValue[]) => (stmt.get(...(params as never[])) ?? undefined) as T | undefined,
        all: <T>(...params: SqlValue[]) => stmt.all(...(params as never[])) as T[],
      };
    },
    transaction: <T>(fn: () => T) => raw.transaction(fn).immediate() as T,
    close: () => raw.close(),
  };
}

function openNode(path: string): SqliteDb {
  let Database: typeof import('better-sqlite3');
  try {
    Database = require('better-sqlite3');
  } catch (cause) {
    throw new Error(
      'better-sqlite3 is not built: under Node the SQLite stores need it. Run `npm_config_nodedir=/usr bun install` (see README).',
      { cause },
    );
  }
  const raw = new Database(path);
  raw.defaultSafeIntegers(false);
  return {
    path,
    exec: (sql) => {
      raw.exec(sql);
    },
    prepare: (sql) => {
      const stmt = raw.prepare(sql);
      const returnsRows = stmt.reader;
      return {
        run: (...params) => {
          const r = stmt.run(...params);
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        get: <T>(...params: SqlValue[]) => (returnsRows ? (stmt.get(...params) as T | undefined) : undefined),
        all: <T>(...params: SqlValue[]) => (returnsRows ? (stmt.all(...params) as T[]) : []),
      };
    },
    transaction: <T>(fn: () => T) => raw.transaction(fn).immediate() as T,
    close: () => raw.close(),
  };
}
