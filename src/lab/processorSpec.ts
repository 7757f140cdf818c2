import { malformed } from '../events/messages.ts';
import type { ActorLogic, ActorSpec, Row } from '../runtime/host/actorSpec.ts';
import type { DeliveredMessage } from '../transport/transport.ts';
import type { HoppingWindow } from './hoppingWindow.ts';
import {
  formatTimestamp,
  type InventoryRow,
  type Promotion,
  parseInventoryRow,
  parseTransaction,
  type WindowResult,
} from './labMessages.ts';

/**
 * The lab's ksqlDB queries as one actor on the host, keyed and partitioned by product: the
 * transactions and inventory topics are co-partitioned (both keyed by product id), so a product's
 * INVENTORY row, its open windows and its stream time are one row of state, written to the
 * actor's changelog in the batch's transaction and restored with its partition. Two instances
 * share the products; a restart mid-window continues from exactly what was committed.
 *
 * The state machine vocabulary does not fit a windowed aggregate, so this is a plain processor;
 * each query below is a function named after its SQL, with the lab's SQL in its doc comment.
 *
 * Event time is the message timestamp. Stream time is kept per product (the largest timestamp seen
 * for it), so lateness is judged the same whichever partitions an instance happens to own.
 *
 * The host reads a task's two input partitions in timestamp order (`timestampOrdered`, Kafka
 * Streams' stream-time synchronisation): a transaction is joined after every inventory row
 * stamped at or before it that was on the log when the transaction was read, whichever the
 * fetches brought first. The results depend on the messages and their timestamps, not on the
 * order the transport happened to hand them over.
 */

/** The processor's events, keyed by product id (`orderId` is the host's key field). */
export type ProcessorEvent =
  | { type: 'TRANSACTION'; orderId: string; ts: number; custId: string }
  | { type: 'INVENTORY'; orderId: string; row: InventoryRow | null };

export type ProcessorEmitted =
  | ({ type: 'window.updated'; orderId: string } & WindowResult)
  | ({ type: 'promotion'; orderId: string } & Promotion)
  | { type: 'transaction.dropped'; orderId: string; ts: number; streamTime: number };

/** One window's aggregate: what `COUNT(*)`, `MAX(txn_hour)`, `MAX(available)`, `MAX(capacity)` hold. */
interface WindowAggregate {
  count: number;
  maxTxnHour: number | null;
  maxAvailable: number | null;
  maxCapacity: number | null;
  name: string | null;
  discount: number | null;
}

/** A product's row of state (JSON-safe: it is the changelog value). */
export interface ProductRow {
  /** INVENTORY's row for the product, or null while it is missing from the table */
  inventory: InventoryRow | null;
  /** open windows by start (ms) */
  windows: Record<string, WindowAggregate>;
  /** largest transaction timestamp seen for the product (null before the first) */
  streamTime: number | null;
  /** transactions older than stream time that still fell in an open window, counted */
  late: number;
  /** transactions whose windows had all closed, dropped */
  tooLate: number;
}

/**
 * ```sql
 * CREATE TABLE INVENTORY AS
 *   SELECT product_id, LATEST_BY_OFFSET(name) AS name, LATEST_BY_OFFSET(list_price) AS list_price,
 *          LATEST_BY_OFFSET(discount) AS discount, LATEST_BY_OFFSET(available) AS available,
 *          LATEST_BY_OFFSET(capacity) AS capacity, LATEST_BY_OFFSET(txn_hour) AS txn_hour
 *   FROM INVENTORY_STREAM GROUP BY product_id;
 * ```
 * A product's messages are in one partition, read in offset order: the latest applied is the
 * latest by offset. A tombstone removes the product from the table.
 */
export function inventoryTable(row: ProductRow, latest: InventoryRow | null): void {
  row.inventory = latest;
}

/**
 * ```sql
 * CREATE TABLE PRODUCT_TXN_PER_HOUR AS
 *   SELECT t.prod_id, i.name, COUNT(*) AS txn_per_hour, MAX(i.txn_hour) AS expected_txn_per_hour,
 *          MAX(i.available) / MAX(i.capacity) * 100 AS stock_level
 *   FROM TRANSACTIONS t LEFT JOIN INVENTORY i ON t.prod_id = i.product_id
 *   WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 5 MINUTES)
 *   GROUP BY t.prod_id, i.name EMIT CHANGES;
 * ```
 * The join takes the product's INVENTORY row as it is when the transaction is processed (a
 * stream–table join); a product missing from the table joins nulls. Every window the transaction
 * falls in is updated and emitted (EMIT CHANGES); closed windows are left alone.
 */
export function productTxnPerHour(windows: HoppingWindow, row: ProductRow, productId: string, ts: number): ProcessorEmitted[] {
  const streamTime = Math.max(row.streamTime ?? ts, ts);
  const i = row.inventory; // LEFT JOIN INVENTORY
  const out: ProcessorEmitted[] = [];
  for (const start of windows.windowsOf(ts)) {
    if (windows.closed(start, streamTime)) continue;
    const key = String(start);
    const agg = row.windows[key] ?? { count: 0, maxTxnHour: null, maxAvailable: null, maxCapacity: null, name: null, discount: null };
    agg.count += 1; // COUNT(*)
    agg.maxTxnHour = max(agg.maxTxnHour, i?.txn_hour); // MAX(txn_hour)
    agg.maxAvailable = max(agg.maxAvailable, i?.available);
    agg.maxCapacity = max(agg.maxCapacity, i?.capacity);
    if (i) agg.name = i.name;
    if (i) agg.discount = i.discount;
    row.windows[key] = agg;
    out.push({ type: 'window.updated', orderId: productId, ...select(productId, start, windows.sizeMs, agg) });
  }
  if (out.length === 0) {
    row.tooLate += 1;
    out.push({ type: 'transaction.dropped', orderId: productId, ts, streamTime });
  } else if (row.streamTime !== null && ts < row.streamTime) row.late += 1;
  row.streamTime = streamTime;
  // closed windows take nothing more: forget them (their last result is on the topic)
  for (const key of Object.keys(row.windows)) if (windows.closed(Number(key), streamTime)) delete row.windows[key];
  return out;
}

function max(a: number | null, b: number | null | undefined): number | null {
  if (b === null || b === undefined) return a;
  return a === null ? b : Math.max(a, b);
}

function select(productId: string, start: number, sizeMs: number, agg: WindowAggregate): WindowResult {
  return {
    prod_id: productId,
    window_start: start,
    window_end: start + sizeMs,
    txn_per_hour: agg.count,
    expected_txn_per_hour: agg.maxTxnHour,
    // MAX(available) / MAX(capacity) * 100, as a real number
    stock_level: agg.maxAvailable === null || agg.maxCapacity === null ? null : (agg.maxAvailable / agg.maxCapacity) * 100,
    name: agg.name,
  };
}

/**
 * ```sql
 * CREATE STREAM PROMOTIONS AS
 *   SELECT prod_id, name, txn_per_hour, expected_txn_per_hour, stock_level,
 *          TIMESTAMPTOSTRING(WINDOWSTART, 'yyyy-MM-dd HH:mm:ss') AS promotion_time
 *   FROM PRODUCT_TXN_PER_HOUR_STREAM
 *   WHERE txn_per_hour < expected_txn_per_hour AND stock_level > 80;
 * ```
 * A comparison with null (a product missing from INVENTORY) is not true: no promotion.
 */
export function promotions(result: WindowResult, discount: number | null): Promotion | null {
  const { expected_txn_per_hour: expected, stock_level: stock } = result;
  if (expected === null || stock === null) return null;
  if (!(result.txn_per_hour < expected && stock > 80)) return null;
  return { ...result, expected_txn_per_hour: expected, stock_level: stock, promotion_time: formatTimestamp(result.window_start), discount };
}

const emptyRow = (): ProductRow => ({ inventory: null, windows: {}, streamTime: null, late: 0, tooLate: 0 });

/** The three queries over a map of product rows, as the host steps them. */
export function processorLogic(windows: HoppingWindow): ActorLogic<ProcessorEvent, ProcessorEmitted> {
  const rows = new Map<string, ProductRow>();
  const rowOf = (key: string) => {
    const known = rows.get(key);
    if (known) return known;
    const row = emptyRow();
    rows.set(key, row);
    return row;
  };
  return {
    apply(event) {
      const row = rowOf(event.orderId);
      if (event.type === 'INVENTORY') {
        inventoryTable(row, event.row);
        return [];
      }
      const out: ProcessorEmitted[] = [];
      for (const e of productTxnPerHour(windows, row, event.orderId, event.ts)) {
        out.push(e);
        if (e.type !== 'window.updated') continue;
        const { type: _type, orderId: _key, ...result } = e;
        const promotion = promotions(result, row.windows[String(e.window_start)]?.discount ?? null);
        if (promotion) out.push({ ...promotion, type: 'promotion', orderId: event.orderId });
      }
      return out;
    },
    tick: () => [],
    nextDeadline: () => undefined,
    rows(keys) {
      const out = new Map<string, Row | null>();
      for (const key of keys) out.set(key, rows.get(key) ?? null);
      return out;
    },
    load(restored) {
      for (const [key, row] of restored) rows.set(key, row as ProductRow);
    },
    unload(drop) {
      for (const key of [...rows.keys()]) if (drop(key)) rows.delete(key);
    },
    inspect: () => Object.fromEntries(rows),
  };
}

/**
 * How long a task holds transactions back for an inventory partition whose end was not reached
 * (and the other way round): a fetch's worth on Kafka. Real time, not scaled by speed: it waits
 * for the transport, whose latency does not change with the shop's speed.
 */
export const DEFAULT_MAX_IDLE_MS = 2_000;

export interface ProcessorTopics {
  transactions: string;
  inventory: string;
  productTxnPerHour: string;
  promotions: string;
}

/**
 * The processor as a spec for the actor host.
 *
 * | reads | event | emits → writes |
 * |---|---|---|
 * | transactions | `TRANSACTION` (event time: the message timestamp) | `window.updated` → product_txn_per_hour, `promotion` → promotions |
 * | inventory | `INVENTORY` (a tombstone: the product leaves the table) | |
 */
export function processorSpec(deps: {
  groupId: string;
  clientId?: string;
  topics: ProcessorTopics;
  windows: HoppingWindow;
  /** how long a task waits for an input partition that may have more to bring (real ms; default 2 s) */
  maxIdleMs?: number;
}): ActorSpec<ProcessorEvent, ProcessorEmitted> {
  const { topics, windows } = deps;
  const productOf = (message: DeliveredMessage): string => {
    if (message.key === null || message.key.length === 0) throw malformed('a product message needs its product id as key');
    return message.key;
  };
  return {
    name: 'processor',
    groupId: deps.groupId,
    clientId: deps.clientId ?? 'processor',
    // the table first: on equal timestamps an inventory row is applied before the transaction
    reads: [topics.inventory, topics.transactions],
    timestampOrdered: { maxIdleMs: deps.maxIdleMs ?? DEFAULT_MAX_IDLE_MS },
    decode(message) {
      if (message.topic === topics.inventory) {
        const orderId = productOf(message);
        return { type: 'INVENTORY', orderId, row: message.value.length === 0 ? null : parseInventoryRow(message.value) };
      }
      const txn = parseTransaction(message.value);
      return { type: 'TRANSACTION', orderId: productOf(message), ts: message.timestamp, custId: txn.cust_id };
    },
    logic: () => processorLogic(windows),
    produce(e) {
      if (e.type === 'transaction.dropped') return [];
      const { type: _type, orderId, ...value } = e;
      const topic = e.type === 'promotion' ? topics.promotions : topics.productTxnPerHour;
      return [{ topic, message: { key: orderId, value: JSON.stringify(value) } }];
    },
  };
}
