import type { ShopConfig } from '../config/shopConfig.ts';
import { CATALOGUE } from '../events/catalogue.ts';
import { malformed } from '../events/messages.ts';
import type { ActorSpec } from '../runtime/host/actorSpec.ts';
import { openSqlite, type SqliteDb } from '../store/sqlite.ts';
import type { Promotion, WindowResult } from './labMessages.ts';

/**
 * The analytics database: what the lab's sink connector wrote, as plain SQLite any tool can query.
 *
 * - `product_txn_per_hour`: the latest result of each product's window (PRODUCT_TXN_PER_HOUR as a table)
 * - `promotions`: every PROMOTIONS row, in the order it came (the feed)
 * - `sink_offsets`: the next offset to read per input partition, written in the same transaction as
 *   the rows (the exactly-once sink: a restart resumes from here, whatever the group's offsets say)
 *
 * @example
 * sqlite3 data/analytics.db "SELECT prod_id, txn_per_hour, expected_txn_per_hour, stock_level FROM promotions ORDER BY id DESC LIMIT 5"
 */
export interface AnalyticsDb {
  readonly db: SqliteDb;
  writeWindow(w: WindowResult, at: number): void;
  /** false when the row at this position was written already */
  writePromotion(p: Promotion, source: { partition: number; offset: number }, at: number): boolean;
  /** the latest windows of each product (a query for people and tests: the web reads the topics) */
  latestWindows(limitPerProduct: number): WindowResult[];
  promotionFeed(limit: number): (Promotion & { id: number })[];
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS product_txn_per_hour (
  prod_id TEXT NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
  txn_per_hour INTEGER NOT NULL, expected_txn_per_hour REAL, stock_level REAL, name TEXT,
  updated_at INTEGER NOT NULL, PRIMARY KEY (prod_id, window_start));
CREATE TABLE IF NOT EXISTS promotions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, prod_id TEXT NOT NULL, name TEXT, txn_per_hour INTEGER NOT NULL,
  expected_txn_per_hour REAL NOT NULL, stock_level REAL NOT NULL, promotion_time TEXT NOT NULL,
  window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, discount REAL,
  source_partition INTEGER NOT NULL, source_offset INTEGER NOT NULL, written_at INTEGER NOT NULL,
  UNIQUE (source_partition, source_offset));
CREATE TABLE IF NOT EXISTS sink_offsets (topic TEXT NOT NULL, partition INTEGER NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (topic, partition));
`;

export function openAnalyticsDb(path: string): AnalyticsDb {
  const db = openSqlite(path);
  db.exec(SCHEMA);
  const upsertWindow = db.prepare(`INSERT INTO product_txn_per_hour VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (prod_id, window_start) DO UPDATE SET txn_per_hour = excluded.txn_per_hour,
      expected_txn_per_hour = excluded.expected_txn_per_hour, stock_level = excluded.stock_level, name = excluded.name, updated_at = excluded.updated_at`);
  const insertPromotion = db.prepare(`INSERT OR IGNORE INTO promotions (prod_id, name, txn_per_hour, expected_txn_per_hour, stock_level,
    promotion_time, window_start, window_end, discount, source_partition, source_offset, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const latest = db.prepare(`SELECT prod_id, window_start, window_end, txn_per_hour, expected_txn_per_hour, stock_level, name FROM (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY prod_id ORDER BY window_start DESC) AS n FROM product_txn_per_hour) WHERE n <= ? ORDER BY prod_id, window_start`);
  const feed =
    db.prepare(`SELECT id, prod_id, name, txn_per_hour, expected_txn_per_hour, stock_level, promotion_time, window_start, window_end, discount
    FROM promotions ORDER BY id DESC LIMIT ?`);
  return {
    db,
    writeWindow(w, at) {
      upsertWindow.run(w.prod_id, w.window_start, w.window_end, w.txn_per_hour, w.expected_txn_per_hour, w.stock_level, w.name, at);
    },
    writePromotion(p, source, at) {
      const r = insertPromotion.run(
        p.prod_id,
        p.name,
        p.txn_per_hour,
        p.expected_txn_per_hour,
        p.stock_level,
        p.promotion_time,
        p.window_start,
        p.window_end,
        p.discount,
        source.partition,
        source.offset,
        at,
      );
      return r.changes > 0;
    },
    latestWindows: (n) => latest.all<WindowResult>(n),
    promotionFeed: (n) => feed.all<Promotion & { id: number }>(n),
    close: () => db.close(),
  };
}

export type SinkEvent =
  | { type: 'WINDOW'; orderId: string; value: WindowResult; partition: number; offset: number }
  | { type: 'PROMOTION'; orderId: string; value: Promotion; partition: number; offset: number };
export type SinkWritten = { type: 'analytics.written'; orderId: string; what: 'window' | 'promotion'; value: WindowResult };

/**
 * The lab's sink connector as a spec with local state: each batch's rows and the offsets it
 * reached land in the analytics database in one SQLite transaction (exactly once, whatever the
 * group's committed offsets say). `onWritten` hears of rows once committed.
 *
 * | reads | event | writes |
 * |---|---|---|
 * | product_txn_per_hour | `WINDOW` | upsert into `product_txn_per_hour` |
 * | promotions | `PROMOTION` | insert into `promotions` |
 */
export function analyticsSinkSpec(deps: {
  config: ShopConfig;
  analytics: AnalyticsDb;
  now: () => number;
  onWritten?: (written: readonly SinkWritten[]) => void;
}): ActorSpec<SinkEvent, SinkWritten> {
  const { config, analytics } = deps;
  const t = config.topics;
  const positions = analytics.db.prepare('SELECT next FROM sink_offsets WHERE topic = ? AND partition = ?');
  const setPosition = analytics.db.prepare(
    'INSERT INTO sink_offsets VALUES (?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET next = excluded.next',
  );
  return {
    name: 'analytics',
    groupId: config.groupIds.analytics,
    clientId: config.clientIds.analytics,
    reads: [t.productTxnPerHour, t.promotions],
    decode(message) {
      if (message.key === null) throw malformed('a product message needs its product id as key');
      const at = { partition: message.partition, offset: message.offset };
      if (message.topic === t.promotions)
        return { type: 'PROMOTION', orderId: message.key, value: CATALOGUE.promotions.codec.decode(message.value), ...at };
      return { type: 'WINDOW', orderId: message.key, value: CATALOGUE.productTxnPerHour.codec.decode(message.value), ...at };
    },
    logic: () => ({
      apply(e) {
        const at = deps.now();
        if (e.type === 'WINDOW') {
          analytics.writeWindow(e.value, at);
          return [{ type: 'analytics.written', orderId: e.orderId, what: 'window', value: e.value }];
        }
        analytics.writePromotion(e.value, e, at);
        return [{ type: 'analytics.written', orderId: e.orderId, what: 'promotion', value: e.value }];
      },
      tick: () => [],
      nextDeadline: () => undefined,
      rows: () => new Map(),
      load() {},
      unload() {},
    }),
    produce: () => [],
    committed(written) {
      deps.onWritten?.(written);
    },
    local: {
      transaction: (fn) => analytics.db.transaction(fn),
      position: (topic, partition) => positions.get<{ next: number }>(topic, partition)?.next,
      setPosition: (topic, partition, next) => {
        setPosition.run(topic, partition, next);
      },
    },
  };
}
