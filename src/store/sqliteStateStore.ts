import { type Clock, systemClock } from '../clock.ts';
import { openSqlite, type SqliteDb, type Statement } from './sqlite.ts';
import {
  assertCollectionName,
  asyncTransactionError,
  type Collection,
  checkListOptions,
  checkPurgeCutoff,
  checkPutMeta,
  encodeDocument,
  type ListOptions,
  type PutMeta,
  type StateStore,
  type StateStoreOptions,
  type StoredEntry,
  storeClosedError,
} from './stateStore.ts';

interface EntryRow {
  id: string;
  doc: string;
  at: number;
  idx: string | null;
}

/**
 * The built-in state store (`db_module_class = sqlite`): one SQLite file (WAL mode), one table per
 * collection — `(id TEXT PRIMARY KEY, doc TEXT JSON, at INTEGER ms, idx TEXT)` with indexes on
 * `(idx, at)` and `(at)` — named after the collection, so `sqlite3 data/orders.db 'select * from orders'`
 * shows what the shop holds. Names are validated and always quoted; values are always bound.
 *
 * @example
 * const store = new SqliteStateStore({ path: 'data/orders.db', clock: systemClock });
 * store.collection<{ status: number }>('status').put('1a2b3c4d', { status: 100 });
 */
export class SqliteStateStore implements StateStore {
  readonly path: string;
  /** the underlying database, for diagnostics (e.g. `PRAGMA journal_mode`) */
  readonly db: SqliteDb;
  private readonly clock: Clock;
  private readonly collections = new Map<string, SqliteCollection<unknown>>();
  /** collections created inside each open transaction level: their tables vanish if it rolls back */
  private readonly createdInTransaction: string[][] = [];
  private closed = false;

  constructor(options: { path: string; clock?: Clock }) {
    this.path = options.path;
    this.clock = options.clock ?? systemClock;
    this.db = openSqlite(options.path);
  }

  collection<T>(name: string): Collection<T> {
    this.assertOpen();
    assertCollectionName(name);
    // SQLite table names are case-insensitive: 'Orders' and 'orders' are one table, so one collection.
    const key = name.toLowerCase();
    let found = this.collections.get(key);
    if (!found) {
      found = new SqliteCollection<unknown>(name, this.db, this.clock, () => this.assertOpen());
      this.collections.set(key, found);
      this.createdInTransaction.at(-1)?.push(key);
    }
    return found as SqliteCollection<T>;
  }

  transaction<R>(fn: () => R): R {
    this.assertOpen();
    this.createdInTransaction.push([]);
    let created: string[] = [];
    try {
      const result = this.db.transaction(() => {
        const value = fn();
        if (isPromiseLike(value)) throw asyncTransactionError();
        return value;
      });
      created = this.createdInTransaction.pop() ?? [];
      // committed (or released into the outer transaction, which may still roll it back)
      this.createdInTransaction.at(-1)?.push(...created);
      return result;
    } catch (error) {
      created = this.createdInTransaction.pop() ?? [];
      for (const key of created) this.collections.delete(key);
      throw error;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw storeClosedError(this.path);
  }
}

/**
 * The module contract, so `db_module_class = ./src/store/sqliteStateStore.ts` behaves exactly like
 * `db_module_class = sqlite`.
 */
export function createStateStore(options: StateStoreOptions): StateStore {
  return new SqliteStateStore(options);
}

class SqliteCollection<T> implements Collection<T> {
  private readonly getStmt: Statement;
  private readonly hasStmt: Statement;
  private readonly putStmt: Statement;
  private readonly deleteStmt: Statement;
  private readonly countStmt: Statement;
  private readonly countIndexStmt: Statement;
  private readonly purgeStmt: Statement;
  private readonly listStmts = new Map<string, Statement>();

  constructor(
    readonly name: string,
    private readonly db: SqliteDb,
    private readonly clock: Clock,
    private readonly assertOpen: () => void,
  ) {
    const t = quoteIdent(name);
    db.exec(`CREATE TABLE IF NOT EXISTS ${t} (id TEXT NOT NULL PRIMARY KEY, doc TEXT NOT NULL, at INTEGER NOT NULL, idx TEXT)`);
    db.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdent(`${name}__idx_at`)} ON ${t} (idx, at)`);
    db.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdent(`${name}__at`)} ON ${t} (at)`);
    this.getStmt = db.prepare(`SELECT id, doc, at, idx FROM ${t} WHERE id = ?`);
    this.hasStmt = db.prepare(`SELECT 1 AS found FROM ${t} WHERE id = ?`);
    // On conflict the row keeps its rowid (insertion order for ties) and, when asked, its at / idx.
    this.putStmt = db.prepare(
      `INSERT INTO ${t} (id, doc, at, idx) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, ` +
        `at = CASE WHEN ? THEN at ELSE excluded.at END, idx = CASE WHEN ? THEN idx ELSE excluded.idx END`,
    );
    this.deleteStmt = db.prepare(`DELETE FROM ${t} WHERE id = ?`);
    this.countStmt = db.prepare(`SELECT COUNT(*) AS n FROM ${t}`);
    this.countIndexStmt = db.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE idx = ?`);
    this.purgeStmt = db.prepare(`DELETE FROM ${t} WHERE at < ?`);
  }

  get(id: string): T | undefined {
    return this.entry(id)?.doc;
  }

  entry(id: string): StoredEntry<T> | undefined {
    this.assertOpen();
    const row = this.getStmt.get<EntryRow>(id);
    return row ? toEntry<T>(row) : undefined;
  }

  put(id: string, doc: T, meta?: PutMeta): void {
    this.assertOpen();
    checkPutMeta(this.name, id, meta);
    const json = encodeDocument(this.name, id, doc);
    const keepAt = meta?.at === undefined;
    const keepIndex = meta?.index === undefined;
    this.putStmt.run(id, json, meta?.at ?? this.clock.now(), meta?.index ?? null, keepAt ? 1 : 0, keepIndex ? 1 : 0);
  }

  delete(id: string): boolean {
    this.assertOpen();
    return this.deleteStmt.run(id).changes > 0;
  }

  has(id: string): boolean {
    this.assertOpen();
    return this.hasStmt.get(id) !== undefined;
  }

  list(options: ListOptions = {}): StoredEntry<T>[] {
    this.assertOpen();
    checkListOptions(this.name, options);
    const byIndex = options.index !== undefined;
    const newestFirst = options.newestFirst === true;
    const key = `${byIndex}:${newestFirst}`;
    let stmt = this.listStmts.get(key);
    if (!stmt) {
      const dir = newestFirst ? 'DESC' : 'ASC';
      stmt = this.db.prepare(
        `SELECT id, doc, at, idx FROM ${quoteIdent(this.name)}${byIndex ? ' WHERE idx = ?' : ''} ORDER BY at ${dir}, rowid ${dir} LIMIT ?`,
      );
      this.listStmts.set(key, stmt);
    }
    const limit = options.limit ?? -1; // SQLite: a negative LIMIT means no limit
    const rows = byIndex ? stmt.all<EntryRow>(options.index as string, limit) : stmt.all<EntryRow>(limit);
    return rows.map((row) => toEntry<T>(row));
  }

  count(options: { index?: string } = {}): number {
    this.assertOpen();
    const row = options.index === undefined ? this.countStmt.get<{ n: number }>() : this.countIndexStmt.get<{ n: number }>(options.index);
    return row?.n ?? 0;
  }

  purgeOlderThan(cutoffMs: number): number {
    this.assertOpen();
    checkPurgeCutoff(this.name, cutoffMs);
    return this.purgeStmt.run(cutoffMs).changes;
  }
}

function toEntry<T>(row: EntryRow): StoredEntry<T> {
  return { id: row.id, doc: JSON.parse(row.doc) as T, at: Number(row.at), index: row.idx };
}

/** Quotes an identifier that `assertCollectionName` already accepted (belt and braces). */
function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
