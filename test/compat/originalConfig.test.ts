import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/loadConfig.ts';
import { ShopError } from '../../src/errors.ts';
import { waitFor } from '../support/waitFor.ts';

// The original's own config_sys/default.ini (its newer version, as SPEC.md describes it), unchanged;
// webapp.ini beside it is the Avro version's copy (the same but for pizza_status = PIZZA_STATUS).
const ORIGINAL = 'test/fixtures/original/default.ini';
const original = readFileSync(ORIGINAL, 'utf8');

function refusal(text: string): string {
  try {
    parseConfig(text, 'original.ini');
  } catch (e) {
    if (e instanceof ShopError) return e.message;
    throw e;
  }
  throw new Error('expected the configuration to be refused');
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the original's system INI (issue 9)", () => {
  it("reads the original's key names, takes utils.db.sqlite as our SQLite store and defaults what we added", () => {
    const config = loadConfig(ORIGINAL);
    const ours = loadConfig('config_sys/default.ini');
    expect(config.ordersStore).toMatchObject({
      module: 'sqlite',
      name: 'orders.db',
      tableOrders: 'orders',
      tableStatus: 'status',
      retentionHours: 4,
    });
    expect(config.deliveryStore).toEqual({ module: 'sqlite', name: 'delivery.db', table: 'customers', retentionHours: 4 });
    expect(config.groupIds).toMatchObject({
      assemble: 'pizza_assemble',
      bake: 'pizza_bake',
      delivery: 'pizza_delivery',
      status: 'pizza_status',
    });
    expect(config.menu.sauce).toContain('Organic tomato');
    // what the original has not: this project's additions, with default.ini's values
    expect(config.topics).toMatchObject({ pizzaCancelled: 'pizza-cancelled', deadLetter: 'pizza-dead-letter', logs: 'pizza-logs' });
    expect(config.shop).toEqual(ours.shop);
    expect(config.capacity).toEqual(ours.capacity);
    expect(config.timings).toEqual(ours.timings);
  });

  it("reads the newer original's app/config/webapp.ini, whose status topic is PIZZA_STATUS", () => {
    expect(loadConfig('test/fixtures/original/webapp.ini').topics.pizzaStatus).toBe('PIZZA_STATUS');
  });

  it('refuses another of the original Python store modules, saying what to write instead', () => {
    const message = refusal(original.replace('db_module_class = utils.db.sqlite', 'db_module_class = utils.db.postgres'));
    expect(message).toBe(
      "original.ini: [state-store-orders] db_module_class: 'utils.db.postgres' is a Python module of the original: use sqlite, or the path of a JavaScript/TypeScript module exporting createStateStore",
    );
  });

  it("names the first original's section and status names and what they are called now", () => {
    const first = original.replace('[state-store-orders]', '[sqlite-orders]');
    expect(refusal(first)).toBe(
      'original.ini: [state-store-orders]: missing section (rename [sqlite-orders] to [state-store-orders] and add db_module_class = sqlite, name = <its db>, retention_hours)',
    );
    const renamed = original.replace('order_placed = 100', 'order_received = 100');
    expect(refusal(renamed)).toBe(
      "original.ini: [status-id] order_placed: missing key: the first original's 'order_received' is called 'order_placed' here (rename it in [status-id] and [status-label])",
    );
  });

  it('`bun run start --config <the original INI>` starts the shop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pizza-original-ini-'));
    dirs.push(dir);
    const child = spawn('bun', ['src/cli.ts', '--config', ORIGINAL, '--data', dir, '--port', '0', '--speed', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => /open http:\/\/127\.0\.0\.1:\d+/.test(out), {
        timeoutMs: 30_000,
        message: () => `the shop did not start:\n${out}`,
      });
      const url = /open (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const login = await fetch(`${url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"username":"ada"}',
      });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      // the original's menu, served by our shop
      const menu = (await (await fetch(`${url}/api/menu`, { headers: { cookie } })).json()) as { sauce: string[] };
      expect(menu.sauce).toEqual(['Tomato', 'Organic tomato', 'Pesto', 'Marinara', 'Buffalo', 'Hummus']);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('pizza shop running');
  });
});
