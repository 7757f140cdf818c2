import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import type { ShopConfig } from '../../src/config/shopConfig.ts';
import { ShopError } from '../../src/errors.ts';
import { openConfiguredStateStore, openStateStore } from '../../src/store/createStateStore.ts';
import { runtime } from '../../src/store/sqlite.ts';
import { SqliteStateStore } from '../../src/store/sqliteStateStore.ts';
import { describeStateStoreContract } from './stateStoreContract.ts';

const MEMORY_MODULE = './test/fixtures/memoryStore.ts';
const dir = mkdtempSync(join(tmpdir(), 'pizza-store-factory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a throwaway store module into the temp dir and returns its path relative to it. */
function writeModule(name: string, source: string): string {
  writeFileSync(join(dir, name), source);
  return `./${name}`;
}

async function openError(promise: Promise<unknown>): Promise<ShopError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ShopError);
  return error as ShopError;
}

// The custom module path, through the factory, owes the same behaviour as the built-in store.
describeStateStoreContract(`custom module ${MEMORY_MODULE} via openStateStore (${runtime})`, (clock) =>
  openStateStore({ module: MEMORY_MODULE, path: ':memory:', clock }),
);

describe(`openStateStore (${runtime})`, () => {
  it("opens the built-in SQLite store for 'sqlite', creating the file", async () => {
    const path = join(dir, 'sub', 'orders.db');
    const store = await openStateStore({ module: 'sqlite', path });
    expect(store).toBeInstanceOf(SqliteStateStore);
    store.collection<number>('orders').put('1a2b3c4d', 100);
    expect(existsSync(path)).toBe(true);
    store.close();
    const spelledDifferently = await openStateStore({ module: ' SQLite ', path: ':memory:' });
    expect(spelledDifferently).toBeInstanceOf(SqliteStateStore);
    spelledDifferently.close();
  });

  it('loads a module by path, relative to the working directory, and hands it the path and clock', async () => {
    const clock = new VirtualClock(123_456);
    const store = await openStateStore({ module: MEMORY_MODULE, path: ':memory:', clock });
    expect(store).not.toBeInstanceOf(SqliteStateStore);
    expect(store.path).toBe(':memory:');
    const orders = store.collection<string>('orders');
    orders.put('1a2b3c4d', 'placed');
    expect(orders.entry('1a2b3c4d')).toEqual({ id: '1a2b3c4d', doc: 'placed', at: 123_456, index: null });
    store.close();
  });

  it('resolves a relative module path against the given working directory, and accepts an async createStateStore', async () => {
    const module = writeModule(
      'asyncStore.mjs',
      `export async function createStateStore(options) {
         const { createStateStore } = await import(${JSON.stringify(join(process.cwd(), 'test/fixtures/memoryStore.ts'))});
         const store = createStateStore(options);
         store.collection('marker').put('opened-by', 'asyncStore');
         return store;
       }`,
    );
    const store = await openStateStore({ module, path: 'somewhere', cwd: dir });
    expect(store.collection<string>('marker').get('opened-by')).toBe('asyncStore');
    store.close();
  });

  it('treats the built-in store module path like sqlite', async () => {
    const path = join(dir, 'by-path.db');
    const store = await openStateStore({ module: './src/store/sqliteStateStore.ts', path });
    store.collection<number>('docs').put('one', 1);
    store.close();
    const reopened = await openStateStore({ module: 'sqlite', path });
    expect(reopened.collection<number>('docs').get('one')).toBe(1);
    reopened.close();
  });

  it('fails clearly, naming the file, section and key, for a module that does not exist', async () => {
    for (const module of ['./test/fixtures/noSuchStore.ts', 'no-such-state-store-package', 'mysql']) {
      const error = await openError(
        openStateStore({ module, path: ':memory:', configFile: 'config_sys/default.ini', configSection: 'state-store-orders' }),
      );
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain('config_sys/default.ini: [state-store-orders] db_module_class: cannot load the state store module');
      expect(error.message).toContain(`'${module}'`);
    }
  });

  it('fails clearly for a module without createStateStore, one that throws, and one that returns no store', async () => {
    const cases = [
      {
        module: writeModule('noExport.mjs', 'export const somethingElse = 1;'),
        says: 'does not export a function createStateStore(options)',
      },
      {
        module: writeModule('throws.mjs', "export function createStateStore() { throw new Error('database server unreachable'); }"),
        says: "failed to open ':memory:': database server unreachable",
      },
      {
        module: writeModule('returnsJunk.mjs', 'export function createStateStore() { return { close() {} }; }'),
        says: 'returned no state store (missing collection, transaction)',
      },
      { module: writeModule('syntaxError.mjs', 'export function createStateStore( {'), says: 'cannot load the state store module' },
    ];
    for (const { module, says } of cases) {
      const error = await openError(
        openStateStore({ module, path: ':memory:', cwd: dir, configFile: 'my.ini', configSection: 'state-store-delivery' }),
      );
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('my.ini: [state-store-delivery] db_module_class:');
      expect(error.message).toContain(says);
    }
  });
});

describe(`openConfiguredStateStore (${runtime})`, () => {
  const withModule = (config: ShopConfig, module: string): ShopConfig => ({
    ...config,
    ordersStore: { ...config.ordersStore, module },
    deliveryStore: { ...config.deliveryStore, module },
  });

  it('opens <data dir>/<name> for the configured section, or memory when asked', async () => {
    const config = loadConfig('config_sys/default.ini');
    const orders = await openConfiguredStateStore(config, 'orders', { dataDir: join(dir, 'data') });
    expect(orders.path).toBe(join(dir, 'data', config.ordersStore.name));
    orders.collection(config.ordersStore.tableOrders).put('1a2b3c4d', { status: 100 });
    expect(existsSync(join(dir, 'data', config.ordersStore.name))).toBe(true);
    orders.close();

    const delivery = await openConfiguredStateStore(config, 'delivery', { memory: true });
    expect(delivery.path).toBe(':memory:');
    expect(delivery).toBeInstanceOf(SqliteStateStore);
    delivery.close();

    const custom = await openConfiguredStateStore(withModule(config, MEMORY_MODULE), 'delivery', { memory: true });
    expect(custom).not.toBeInstanceOf(SqliteStateStore);
    custom.close();
  });

  it("names the configuration file and the store's section when its module is unknown", async () => {
    const config = withModule(loadConfig('config_sys/default.ini'), './stores/redisStore.ts');
    const error = await openError(openConfiguredStateStore(config, 'delivery', { memory: true }));
    expect(error.message).toContain(
      "config_sys/default.ini: [state-store-delivery] db_module_class: cannot load the state store module './stores/redisStore.ts'",
    );
  });
});
