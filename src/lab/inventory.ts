import type { Clock, TimerHandle } from '../clock.ts';
import type { Menu, ShopConfig } from '../config/shopConfig.ts';
import { CATALOGUE } from '../events/catalogue.ts';
import { parseOrderId } from '../events/messages.ts';
import type { Logger } from '../log/logger.ts';
import { crashSignal } from '../runtime/crashSignal.ts';
import type { ActorSpec } from '../runtime/host/actorSpec.ts';
import type { RunningActor } from '../runtime/supervisor.ts';
import { openSqlite, type SqliteDb } from '../store/sqlite.ts';
import type { Transport } from '../transport/transport.ts';
import type { InventoryRow } from './labMessages.ts';
import { itemsOf } from './transactionsSpec.ts';

/**
 * The inventory database: the `inventory` table is the truth about stock and prices, and anyone
 * may edit it (the shop, a restock, `sqlite3 data/inventory.db "UPDATE inventory SET …"`). Triggers
 * record every change in `inventory_changes` with a growing sequence number: that is the change
 * tracking the source reads (the lab's JDBC source connector polled an incrementing column).
 */
export interface InventoryDb {
  readonly db: SqliteDb;
  /** adds the menu's items that are missing, with the configured stock and prices */
  seed(menu: Menu, defaults: ShopConfig['lab']): void;
  all(): InventoryRow[];
  row(productId: string): InventoryRow | undefined;
  /** one of each item used: available goes down by one (not below zero) */
  use(items: readonly string[]): void;
  /** refills products (all when none given) to their capacity; returns how many rows changed */
  restock(productIds?: readonly string[]): number;
  /** changes after sequence `after`: the last sequence of each changed product, oldest first */
  changesSince(after: number, max: number): { seq: number; productId: string }[];
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS inventory (
  product_id TEXT PRIMARY KEY, name TEXT NOT NULL, list_price REAL NOT NULL, discount REAL NOT NULL,
  available INTEGER NOT NULL CHECK (available >= 0), capacity INTEGER NOT NULL CHECK (capacity > 0), txn_hour REAL NOT NULL);
CREATE TABLE IF NOT EXISTS inventory_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, product_id TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS inventory_inserted AFTER INSERT ON inventory BEGIN INSERT INTO inventory_changes (product_id) VALUES (NEW.product_id); END;
CREATE TRIGGER IF NOT EXISTS inventory_updated AFTER UPDATE ON inventory BEGIN INSERT INTO inventory_changes (product_id) VALUES (NEW.product_id); END;
CREATE TRIGGER IF NOT EXISTS inventory_deleted AFTER DELETE ON inventory BEGIN INSERT INTO inventory_changes (product_id) VALUES (OLD.product_id); END;
CREATE TABLE IF NOT EXISTS stock_orders (order_id TEXT PRIMARY KEY, items TEXT, assembled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS stock_offsets (topic TEXT NOT NULL, partition INTEGER NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (topic, partition));
`;

export function openInventoryDb(path: string): InventoryDb {
  const db = openSqlite(path);
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT OR IGNORE INTO inventory VALUES (?, ?, ?, ?, ?, ?, ?)');
  const one = db.prepare('SELECT * FROM inventory WHERE product_id = ?');
  const use = db.prepare('UPDATE inventory SET available = available - 1 WHERE product_id = ? AND available > 0');
  const changes = db.prepare(
    'SELECT MAX(seq) AS seq, product_id AS productId FROM inventory_changes WHERE seq > ? GROUP BY product_id ORDER BY seq LIMIT ?',
  );
  return {
    db,
    seed(menu, d) {
      db.transaction(() => {
        for (const item of [...menu.sauce, ...menu.cheese, ...menu.mainTopping, ...menu.extraToppings]) {
          insert.run(item, item, d.listPrice, d.discount, d.capacity, d.capacity, d.txnHour);
        }
      });
    },
    all: () => db.prepare('SELECT * FROM inventory ORDER BY product_id').all<InventoryRow>(),
    row: (id) => one.get<InventoryRow>(id),
    use(items) {
      for (const item of items) use.run(item);
    },
    restock(ids) {
      if (!ids) return db.prepare('UPDATE inventory SET available = capacity WHERE available < capacity').run().changes;
      const refill = db.prepare('UPDATE inventory SET available = capacity WHERE product_id = ? AND available < capacity');
      return db.transaction(() => ids.reduce((n, id) => n + refill.run(id).changes, 0));
    },
    changesSince: (after, max) => changes.all<{ seq: number; productId: string }>(after, max),
    close: () => db.close(),
  };
}

/** The source's position, as stored with what it published. */
export const sourceOffsetsTopic = (groupId: string): string => `${groupId}-offsets`;

/**
 * The lab's database source connector: polls `inventory_changes` every `pollMs` (host clock) and
 * publishes the current row of each changed product to the compacted inventory topic (a deleted
 * product: a tombstone). The records and the position they reach are written in one transaction
 * (the position to `<group>-offsets`, as Kafka Connect keeps source offsets), so after a restart
 * it resumes exactly after what it published: nothing missed, nothing sent twice. Starting a
 * transactional producer fences a previous instance that still runs.
 */
export async function startInventorySource(deps: {
  transport: Transport;
  clock: Clock;
  logger: Logger;
  inventory: InventoryDb;
  topic: string;
  groupId: string;
  pollMs: number;
}): Promise<RunningActor & { poll(): Promise<number>; position(): number }> {
  const { transport, clock, inventory } = deps;
  const offsets = sourceOffsetsTopic(deps.groupId);
  const { crashed, crash } = crashSignal();
  const producer = await transport.transactionalProducer(`${deps.groupId}-source`);
  let position = 0;
  for (let from = 0; ; ) {
    const messages = await transport.read(offsets, 0, from, 10_000);
    if (messages.length === 0) break;
    for (const m of messages) position = (JSON.parse(new TextDecoder().decode(m.value)) as { seq: number }).seq;
    from = (messages.at(-1)?.offset ?? from) + 1;
  }
  let timer: TimerHandle | undefined;
  let stopped = false;
  let polling: Promise<number> | undefined;

  const pollOnce = async (): Promise<number> => {
    const changed = inventory.changesSince(position, 1000);
    if (changed.length === 0) return 0;
    const records = changed.map(({ productId }) => {
      const row = inventory.row(productId);
      return { key: productId, value: row ? CATALOGUE.inventory.codec.encode(row) : new Uint8Array(0) };
    });
    const next = changed.at(-1)?.seq ?? position;
    const tx = await producer.transaction();
    try {
      await tx.send(deps.topic, records);
      await tx.send(offsets, [{ key: 'inventory', partition: 0, value: JSON.stringify({ seq: next }) }]);
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    }
    position = next;
    return records.length;
  };
  const poll = () => {
    const run = (polling ?? Promise.resolve(0)).catch(() => 0).then(pollOnce);
    polling = run;
    return run;
  };
  const schedule = () => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      poll()
        .then(schedule)
        .catch((error: unknown) => {
          deps.logger.error(`inventory source failed: ${(error as Error).message}`);
          crash(error);
        });
    }, deps.pollMs);
  };
  await poll();
  schedule();
  return {
    crashed,
    poll,
    position: () => position,
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      await polling?.catch(() => undefined);
      await producer.close().catch(() => undefined);
    },
  };
}

export type StockEvent =
  | { type: 'ORDER.PLACED'; orderId: string; items: string[] }
  | { type: 'PIZZA.ASSEMBLED'; orderId: string }
  | { type: 'ORDER.CANCELLED'; orderId: string };
export type StockUsed = { type: 'stock.used'; orderId: string; items: string[] };

/**
 * Assembling a pizza uses its items: this spec (local state in the inventory database) remembers
 * each order's items from pizza-ordered and takes one of each from `inventory` when pizza-assembled
 * comes (in either order: the topics are read independently). A cancelled order that was not
 * assembled uses nothing. Each batch's changes and positions commit in one SQLite transaction.
 */
export function stockSpec(deps: { config: ShopConfig; inventory: InventoryDb }): ActorSpec<StockEvent, StockUsed> {
  const { config, inventory } = deps;
  const t = config.topics;
  const { db } = inventory;
  const get = db.prepare('SELECT items, assembled FROM stock_orders WHERE order_id = ?');
  const put = db.prepare('INSERT OR REPLACE INTO stock_orders VALUES (?, ?, ?)');
  const positions = db.prepare('SELECT next FROM stock_offsets WHERE topic = ? AND partition = ?');
  const setPosition = db.prepare(
    'INSERT INTO stock_offsets VALUES (?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET next = excluded.next',
  );
  const used = (orderId: string, items: string[]): StockUsed[] => {
    inventory.use(items);
    put.run(orderId, null, 2); // 2: used; a repeated message changes nothing
    return [{ type: 'stock.used', orderId, items }];
  };
  return {
    name: 'inventory',
    groupId: config.groupIds.inventory,
    clientId: config.clientIds.inventory,
    reads: [t.pizzaOrdered, t.pizzaAssembled, t.pizzaCancelled],
    decode(message) {
      const orderId = parseOrderId(message.key);
      if (message.topic === t.pizzaOrdered)
        return { type: 'ORDER.PLACED', orderId, items: itemsOf(CATALOGUE.pizzaOrdered.codec.decode(message.value).order) };
      if (message.topic === t.pizzaAssembled) return { type: 'PIZZA.ASSEMBLED', orderId };
      return { type: 'ORDER.CANCELLED', orderId };
    },
    logic: () => ({
      apply(e) {
        const known = get.get<{ items: string | null; assembled: number }>(e.orderId);
        if (known?.assembled === 2) return [];
        if (e.type === 'ORDER.PLACED') {
          if (known?.assembled === 1) return used(e.orderId, e.items);
          put.run(e.orderId, JSON.stringify(e.items), 0);
          return [];
        }
        if (e.type === 'PIZZA.ASSEMBLED') {
          if (known?.items) return used(e.orderId, JSON.parse(known.items) as string[]);
          put.run(e.orderId, null, 1);
          return [];
        }
        if (known && known.assembled === 0) put.run(e.orderId, null, 2);
        return [];
      },
      tick: () => [],
      nextDeadline: () => undefined,
      rows: () => new Map(),
      load() {},
      unload() {},
    }),
    produce: () => [],
    local: {
      transaction: (fn) => db.transaction(fn),
      position: (topic, partition) => positions.get<{ next: number }>(topic, partition)?.next,
      setPosition: (topic, partition, next) => {
        setPosition.run(topic, partition, next);
      },
    },
  };
}

/** Refills every product to capacity every `everyMs` (host clock), until stopped. */
export function restockSchedule(clock: Clock, inventory: InventoryDb, everyMs: number, logger: Logger): () => void {
  let timer: TimerHandle | undefined;
  const arm = () => {
    timer = clock.setTimeout(() => {
      const n = inventory.restock();
      if (n > 0) logger.info(`restocked ${n} products`);
      arm();
    }, everyMs);
  };
  if (everyMs > 0) arm();
  return () => {
    if (timer !== undefined) clock.clearTimeout(timer);
  };
}
