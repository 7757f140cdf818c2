import type { Clock } from '../clock.ts';
import { ShopError } from '../errors.ts';

/**
 * The state store: what the actors keep between messages and across restarts (the role of the
 * original's `BaseStateStore`). One store holds named collections of JSON documents; every document
 * has an id, a timestamp `at` (ms since epoch: ordering and retention) and an optional secondary
 * `index` key (e.g. the customer id of an order).
 *
 * Everything is synchronous on purpose: SQLite is synchronous under both drivers, so an actor can
 * read, decide and write inside one `transaction` with no interleaving, and a throw rolls it all back.
 *
 * Uses in the shop: the web's orders view (index = customer id, listed newest first), order-machine
 * snapshots, delivery's customers (order id -> customer id), station work in progress (snapshots and
 * input offsets), "finished" markers for dedupe (id = order id + stage), and retention clean-up
 * (`purgeOlderThan(now - retention)`).
 *
 * A store is chosen by `db_module_class` in the configuration (see `openStateStore`): `sqlite` is the
 * built-in one; anything else is a module exporting `createStateStore(options: StateStoreOptions)`.
 *
 * @example
 * const orders = store.collection<Order>('orders');
 * orders.put('1a2b3c4d', order, { index: order.customerId, at: order.timestamp });
 * orders.list({ index: order.customerId, newestFirst: true }); // [{ id, doc, at, index }, …]
 * store.transaction(() => { orders.delete('1a2b3c4d'); finished.put('1a2b3c4d:bake', true); });
 */
export interface StateStore {
  /** where the store lives (a file path, ':memory:', or whatever a custom module was given) */
  readonly path: string;
  /**
   * The collection `name`, created if missing. Names are identifiers (`[A-Za-z_][A-Za-z0-9_]*`,
   * at most 64 characters, not starting with `sqlite_`): they may become table names.
   * Calling it again with the same name returns the same collection.
   */
  collection<T>(name: string): Collection<T>;
  /**
   * Runs `fn` atomically: every write inside it is kept, or (when `fn` throws) none is and the error
   * is rethrown. Transactions nest (an inner one that throws rolls back only its own writes, if the
   * outer one catches). `fn` must be synchronous: returning a promise is an error and rolls back.
   */
  transaction<R>(fn: () => R): R;
  /** Releases the store; any later call fails with STORE_CLOSED. Closing twice is harmless. */
  close(): void;
}

/** One named set of documents in a store. Documents go in and come out as JSON (a fresh copy each time). */
export interface Collection<T> {
  readonly name: string;
  /** the document, or undefined */
  get(id: string): T | undefined;
  /** the document with its timestamp and index, or undefined */
  entry(id: string): StoredEntry<T> | undefined;
  /**
   * Inserts or replaces the document. `meta.at` defaults to the row's current `at` when it exists,
   * else to the store clock's now, so updating a document keeps its place in time (an order keeps its
   * order time when its status changes). `meta.index` likewise keeps the current index when omitted;
   * `null` clears it.
   */
  put(id: string, doc: T, meta?: PutMeta): void;
  /** true when a document was removed */
  delete(id: string): boolean;
  has(id: string): boolean;
  /** Oldest first by default; ties keep insertion order (reversed when newestFirst). */
  list(options?: ListOptions): StoredEntry<T>[];
  /** how many documents (with that index, when given) */
  count(options?: { index?: string }): number;
  /** Deletes every document whose `at` is earlier than `cutoffMs`; returns how many. */
  purgeOlderThan(cutoffMs: number): number;
}

export interface StoredEntry<T> {
  id: string;
  doc: T;
  /** ms since epoch */
  at: number;
  index: string | null;
}

export interface PutMeta {
  /** secondary key (e.g. customer id); null clears it; omitted keeps the current one */
  index?: string | null;
  /** timestamp in ms; omitted keeps the current one (or now, for a new document) */
  at?: number;
}

export interface ListOptions {
  /** only documents with this index */
  index?: string;
  newestFirst?: boolean;
  /** at most this many (a positive whole number) */
  limit?: number;
}

/** What `openStateStore` hands to a store module's `createStateStore`. */
export interface StateStoreOptions {
  /** a file path, or ':memory:' for a store that lives only as long as the process */
  path: string;
  /** the clock that stamps `at` when `put` is given none */
  clock: Clock;
}

/**
 * The contract of a pluggable store module (`db_module_class = ./path/to/module.ts`).
 *
 * @example
 * // my-store.ts
 * export function createStateStore(options: StateStoreOptions): StateStore { … }
 */
export interface StateStoreModule {
  createStateStore(options: StateStoreOptions): StateStore | Promise<StateStore>;
}

export const MAX_COLLECTION_NAME_LENGTH = 64;
const COLLECTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Throws STORE_INVALID_NAME unless `name` is a safe collection name. Every store implementation
 * calls it, so a name that works with one store works with all.
 */
export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name) || name.length > MAX_COLLECTION_NAME_LENGTH || /^sqlite_/i.test(name)) {
    throw new ShopError(
      'STORE_INVALID_NAME',
      `invalid collection name ${JSON.stringify(name)}: use letters, digits and '_' (not first a digit), at most ${MAX_COLLECTION_NAME_LENGTH} characters, not starting with 'sqlite_'`,
    );
  }
}

/** Serialises a document, refusing what JSON cannot hold (undefined, functions, bigint, cycles). */
export function encodeDocument(collection: string, id: string, doc: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(doc);
  } catch (cause) {
    throw new ShopError('STORE_INVALID_DOCUMENT', `${collection}/${id}: the document is not JSON (${(cause as Error).message})`, { cause });
  }
  if (json === undefined) throw new ShopError('STORE_INVALID_DOCUMENT', `${collection}/${id}: the document is not JSON (${typeof doc})`);
  return json;
}

/** Checks `put` metadata and `list` options the same way in every store. */
export function checkPutMeta(collection: string, id: string, meta: PutMeta | undefined): void {
  if (typeof id !== 'string') throw new ShopError('STORE_INVALID_ID', `${collection}: document ids are strings, got ${typeof id}`);
  if (meta?.at !== undefined && (typeof meta.at !== 'number' || !Number.isFinite(meta.at))) {
    throw new ShopError('STORE_INVALID_DOCUMENT', `${collection}/${id}: 'at' must be a finite number of ms, got ${String(meta.at)}`);
  }
  if (meta?.index !== undefined && meta.index !== null && typeof meta.index !== 'string') {
    throw new ShopError('STORE_INVALID_DOCUMENT', `${collection}/${id}: 'index' must be a string or null, got ${typeof meta.index}`);
  }
}

export function checkListOptions(collection: string, options: ListOptions | undefined): void {
  const limit = options?.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new ShopError('STORE_INVALID_QUERY', `${collection}: list limit must be a positive whole number, got ${String(limit)}`);
  }
}

export function checkPurgeCutoff(collection: string, cutoffMs: number): void {
  if (typeof cutoffMs !== 'number' || !Number.isFinite(cutoffMs)) {
    throw new ShopError('STORE_INVALID_QUERY', `${collection}: purge cutoff must be a finite number of ms, got ${String(cutoffMs)}`);
  }
}

export function storeClosedError(path: string): ShopError {
  return new ShopError('STORE_CLOSED', `state store ${path} is closed`);
}

export function asyncTransactionError(): ShopError {
  return new ShopError(
    'STORE_ASYNC_TRANSACTION',
    'a state store transaction must be synchronous: the function returned a promise (rolled back)',
  );
}
