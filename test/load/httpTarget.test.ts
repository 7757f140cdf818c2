import { afterEach, describe, expect, it } from 'vitest';
import { httpTarget } from '../../src/load/httpTarget.ts';

// The load generator's client against a web that answers 429 and 503 first: the web here is a
// small Bun server scripted per test (the shop's web has no rate limit yet); what is tested is the
// client — what it sends and how it waits.
/** What the server saw of a request (Bun's Request is not readable after its response). */
interface Seen {
  path: string;
  idempotencyKey: string | null;
}
type Script = (req: Request, seen: Seen[]) => Response;
let server: ReturnType<typeof Bun.serve> | undefined;
afterEach(() => {
  server?.stop(true);
  server = undefined;
});

function serve(script: Script): { url: string; seen: Seen[] } {
  const seen: Seen[] = [];
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === '/api/login') return new Response('{}', { headers: { 'set-cookie': 'session=s1; Path=/' } });
      seen.push({ path, idempotencyKey: req.headers.get('idempotency-key') });
      return script(req, seen);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, seen };
}

const order = { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: [] };
const created = () => Response.json({ order_id: '0a1b2c3d', status: 100 }, { status: 201 });

describe('httpTarget (bun run load --url)', () => {
  it('sends an Idempotency-Key with each placement, the same one on every retry of it', async () => {
    const { url, seen } = serve((_req, all) => (all.length < 3 ? new Response('log down', { status: 503 }) : created()));
    const target = httpTarget(url, { say: () => {} });
    expect(await target.place(order, 0)).toBe('0a1b2c3d');
    const keys = seen.map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size, 'one key for the three attempts').toBe(1);
    expect(target.counters?.().unavailableRetries).toBe(2);

    await target.place(order, 0);
    expect(seen.at(-1)?.idempotencyKey, 'a new placement gets a new key').not.toBe(keys[0]);
  });

  it('waits as Retry-After says on 429, then places the order, and counts how often it was limited', async () => {
    const { url, seen } = serve((_req, all) =>
      all.length === 1 ? new Response('slow down', { status: 429, headers: { 'retry-after': '1' } }) : created(),
    );
    const target = httpTarget(url, { say: () => {} });
    const started = performance.now();
    expect(await target.place(order, 0)).toBe('0a1b2c3d');
    expect(performance.now() - started, 'waited the second Retry-After asked for').toBeGreaterThanOrEqual(950);
    expect(seen).toHaveLength(2);
    expect(target.counters?.().rateLimited).toBe(1);
  });
});
