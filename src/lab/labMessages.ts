import { malformed } from '../events/messages.ts';

/**
 * The lab's records (the workshop's transactions, inventory, windowed counts and promotions), with
 * their codecs: decode validates or throws MALFORMED_MESSAGE (the dead-letter middleware routes it).
 * Field names are the lab's (snake_case), so a reader of the topics sees the workshop's columns.
 */

/** One item of one order placed (topic `transactions`, keyed by product id). */
export interface Transaction {
  cust_id: string;
  prod_id: string;
  /** ms since epoch: when the order was placed (also the message timestamp: event time) */
  txn_ts: number;
}

/** One product's stock and prices (topic `inventory`, compacted, keyed by product id). */
export interface InventoryRow {
  product_id: string;
  name: string;
  list_price: number;
  /** percent off the list price while the product is promoted */
  discount: number;
  available: number;
  capacity: number;
  /** transactions per hour the shop expects for the product */
  txn_hour: number;
}

/** One hopping window of one product (topic `product_txn_per_hour`): a row of PRODUCT_TXN_PER_HOUR. */
export interface WindowResult {
  prod_id: string;
  window_start: number;
  window_end: number;
  txn_per_hour: number;
  /** null: the product is missing from INVENTORY (left join) */
  expected_txn_per_hour: number | null;
  stock_level: number | null;
  name: string | null;
}

/** A row of PROMOTIONS (topic `promotions`, keyed by product id). */
export interface Promotion extends WindowResult {
  expected_txn_per_hour: number;
  stock_level: number;
  /** the window's start, `yyyy-MM-dd HH:mm:ss` (UTC) */
  promotion_time: string;
  discount: number | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function object(value: Uint8Array | string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : utf8.decode(value));
  } catch (error) {
    throw malformed(`not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformed('value must be a JSON object');
  return parsed as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) throw malformed(`field '${key}' must be a non-empty string`);
  return v;
}

function num(o: Record<string, unknown>, key: string, min = 0): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw malformed(`field '${key}' must be a number >= ${min}`);
  return v;
}

function nullableNum(o: Record<string, unknown>, key: string): number | null {
  return o[key] === null ? null : num(o, key, Number.NEGATIVE_INFINITY);
}

export function parseTransaction(value: Uint8Array | string): Transaction {
  const o = object(value);
  return { cust_id: str(o, 'cust_id'), prod_id: str(o, 'prod_id'), txn_ts: num(o, 'txn_ts') };
}

export function parseInventoryRow(value: Uint8Array | string): InventoryRow {
  const o = object(value);
  const row: InventoryRow = {
    product_id: str(o, 'product_id'),
    name: str(o, 'name'),
    list_price: num(o, 'list_price'),
    discount: num(o, 'discount'),
    available: num(o, 'available'),
    capacity: num(o, 'capacity'),
    txn_hour: num(o, 'txn_hour'),
  };
  if (row.capacity <= 0) throw malformed("field 'capacity' must be > 0");
  return row;
}

export function parseWindowResult(value: Uint8Array | string): WindowResult {
  const o = object(value);
  const name = o.name;
  if (name !== null && typeof name !== 'string') throw malformed("field 'name' must be a string or null");
  return {
    prod_id: str(o, 'prod_id'),
    window_start: num(o, 'window_start'),
    window_end: num(o, 'window_end'),
    txn_per_hour: num(o, 'txn_per_hour'),
    expected_txn_per_hour: nullableNum(o, 'expected_txn_per_hour'),
    stock_level: nullableNum(o, 'stock_level'),
    name,
  };
}

export function parsePromotion(value: Uint8Array | string): Promotion {
  const w = parseWindowResult(value);
  const o = object(value);
  if (w.expected_txn_per_hour === null || w.stock_level === null) throw malformed('a promotion has an expected rate and a stock level');
  return {
    ...w,
    expected_txn_per_hour: w.expected_txn_per_hour,
    stock_level: w.stock_level,
    promotion_time: str(o, 'promotion_time'),
    discount: nullableNum(o, 'discount'),
  };
}

/** ksqlDB's `TIMESTAMPTOSTRING(ts, 'yyyy-MM-dd HH:mm:ss')` in UTC. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A menu view or an item click on the web (topic `clicks`, keyed by the customer id): the lab's
 * clicks stream, with its columns. A menu view has no product (`prod_id: null`) and `bytes` is
 * the size of the page served; an item click names the item and has `bytes: 0` (the beacon's
 * answer carries nothing). `referrer` and `agent` are `'-'` when the browser sent none, as in a
 * web server's access log, from which the lab's clickstream came.
 */
export interface Click {
  ip: string;
  /** the customer id of the session */
  userid: string;
  prod_id: string | null;
  bytes: number;
  referrer: string;
  agent: string;
  /** ms since epoch */
  click_ts: number;
}

export function parseClick(value: Uint8Array | string): Click {
  const o = object(value);
  const prod = o.prod_id;
  if (prod !== null && (typeof prod !== 'string' || prod.length === 0))
    throw malformed("field 'prod_id' must be a non-empty string or null");
  return {
    ip: str(o, 'ip'),
    userid: str(o, 'userid'),
    prod_id: prod,
    bytes: num(o, 'bytes'),
    referrer: str(o, 'referrer'),
    agent: str(o, 'agent'),
    click_ts: num(o, 'click_ts'),
  };
}

/** One item of an order as it was priced when the customer placed it. */
export interface PricedItem {
  prod_id: string;
  list_price: number;
  /** percent off the list price (0: not promoted at the time) */
  discount: number;
  /** what the customer pays for it: list price less the discount, in cents precision */
  price: number;
}

/**
 * The price an order was placed at (topic `pizza-priced`, keyed by the order id), produced by the
 * web just before the order's `pizza-ordered`. It is a topic of its own rather than a field of
 * pizza-ordered, whose wire format (JSON and Avro) is a contract with the original's services.
 */
export interface PizzaPriced {
  items: PricedItem[];
  total: number;
  /** true when some item cost its quoted price, lower than at placement (a promotion that ended since the menu showed it) */
  quoted: boolean;
  timestamp: number;
}

export function parsePizzaPriced(value: Uint8Array | string): PizzaPriced {
  const o = object(value);
  if (!Array.isArray(o.items) || o.items.length === 0) throw malformed("field 'items' must be a non-empty list");
  const items = o.items.map((item: unknown): PricedItem => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw malformed('each item must be an object');
    const i = item as Record<string, unknown>;
    return { prod_id: str(i, 'prod_id'), list_price: num(i, 'list_price'), discount: num(i, 'discount'), price: num(i, 'price') };
  });
  if (typeof o.quoted !== 'boolean') throw malformed("field 'quoted' must be true or false");
  return { items, total: num(o, 'total'), quoted: o.quoted, timestamp: num(o, 'timestamp') };
}
