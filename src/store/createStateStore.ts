import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Clock, systemClock } from '../clock.ts';
import type { ShopConfig } from '../config/shopConfig.ts';
import { configError, ShopError } from '../errors.ts';
import { SqliteStateStore } from './sqliteStateStore.ts';
import type { StateStore, StateStoreModule } from './stateStore.ts';

/** The `db_module_class` value naming the built-in SQLite store. */
export const SQLITE_MODULE = 'sqlite';

export interface OpenStateStoreOptions {
  /**
   * `db_module_class`: `sqlite` (any case) for the built-in store; otherwise a module exporting
   * `createStateStore(options)` — a path (starting with `.` or `/`, resolved against `cwd`)
   * or a package name.
   */
  module: string;
  /** a file path, or ':memory:' */
  path: string;
  /** stamps `at` when `put` is given none (default: the system clock) */
  clock?: Clock;
  /** where `module` was read from, so errors name the file, section and key */
  configFile?: string;
  configSection?: string;
  /** base of relative module paths (default: the working directory) */
  cwd?: string;
}

/**
 * Opens the state store that the configuration names. The store itself is synchronous; opening is
 * async only because a custom module is loaded with `import()`. A module that cannot be loaded, does
 * not export `createStateStore`, throws, or returns something that is not a store fails with a
 * ShopError (CONFIG_INVALID, exit code 2) naming the file, the section and `db_module_class`.
 *
 * @example
 * const store = await openStateStore({ module: 'sqlite', path: 'data/orders.db' });
 * const memory = await openStateStore({ module: './test/fixtures/memoryStore.ts', path: ':memory:' });
 */
export async function openStateStore(options: OpenStateStoreOptions): Promise<StateStore> {
  const clock = options.clock ?? systemClock;
  const name = options.module.trim();
  if (name.toLowerCase() === SQLITE_MODULE) return new SqliteStateStore({ path: options.path, clock });

  const fail = (problem: string, cause?: unknown) =>
    new ShopError(
      'CONFIG_INVALID',
      configError(options.configFile ?? '(options)', options.configSection ?? 'state-store', 'db_module_class', problem).message,
      { exitCode: 2, cause },
    );
  const looksLikePath = name.startsWith('.') || isAbsolute(name);
  const specifier = looksLikePath ? pathToFileURL(resolve(options.cwd ?? process.cwd(), name)).href : name;

  let loaded: Partial<StateStoreModule>;
  try {
    loaded = (await import(specifier)) as Partial<StateStoreModule>;
  } catch (cause) {
    throw fail(`cannot load the state store module '${name}' (use '${SQLITE_MODULE}' or a module path): ${messageOf(cause)}`, cause);
  }
  if (typeof loaded.createStateStore !== 'function') {
    throw fail(`the state store module '${name}' does not export a function createStateStore(options)`);
  }
  let store: unknown;
  try {
    store = await loaded.createStateStore({ path: options.path, clock });
  } catch (cause) {
    throw fail(`the state store module '${name}' failed to open '${options.path}': ${messageOf(cause)}`, cause);
  }
  const missing = (['collection', 'transaction', 'close'] as const).filter(
    (method) => typeof (store as Record<string, unknown> | null)?.[method] !== 'function',
  );
  if (missing.length > 0) {
    throw fail(`the state store module '${name}' returned no state store (missing ${missing.join(', ')})`);
  }
  return store as StateStore;
}

/** The two stores the configuration describes: `[state-store-orders]` and `[state-store-delivery]`. */
export type ConfiguredStore = 'orders' | 'delivery';

/**
 * Opens `[state-store-<which>]` of the configuration: its `db_module_class`, at `<data dir>/<name>`
 * (or in memory).
 *
 * @example
 * const store = await openConfiguredStateStore(config, 'orders', { memory: options.memory });
 * const orders = store.collection(config.ordersStore.tableOrders);
 */
export function openConfiguredStateStore(
  config: ShopConfig,
  which: ConfiguredStore,
  options: { memory?: boolean; dataDir?: string; clock?: Clock; cwd?: string } = {},
): Promise<StateStore> {
  const section = which === 'orders' ? config.ordersStore : config.deliveryStore;
  return openStateStore({
    module: section.module,
    path: options.memory ? ':memory:' : join(options.dataDir ?? config.shop.dataDir, section.name),
    configFile: config.file,
    configSection: `state-store-${which}`,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
