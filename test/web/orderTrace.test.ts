import { afterEach, describe, expect, it } from 'vitest';
import type { Shop } from '../../src/app/startShop.ts';
import { effectHeaders, orderTraceparent, SPAN_HEADERS, TRACEPARENT } from '../../src/runtime/middleware/tracing.ts';
import { createEmbeddedLog } from '../../src/transport/embeddedLog.ts';
import { orderTrace } from '../../src/web/console/orderTrace.ts';
import type { WebActor } from '../../src/web/createWebActor.ts';
import { readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';

// Cause and effect for one order (issue 12, 2): the whole shop in virtual time, an order placed
// through the web API, then its trace read back from the log.

interface Ref {
  topic: string;
  partition: number;
  offset: number;
}
interface Step extends Ref {
  actor: string;
  trace_id: string | null;
  caused_by: Ref | null;
  read_by: { actor: string; emitted: Ref[] }[];
}

let shop: Shop | undefined;
afterEach(async () => {
  await shop?.stop();
  shop = undefined;
});

const call = async (s: Shop, method: string, path: string, cookie?: string, json?: unknown) => {
  // the shop's handle on its web actor is the web actor itself (src/web/createWebActor.ts)
  const web = s.web() as WebActor | undefined;
  if (!web) throw new Error('no web actor');
  const body = json === undefined ? undefined : JSON.stringify(json);
  const headers: Record<string, string> = { ...(cookie ? { cookie } : {}) };
  if (body) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  return web.app.handle(new Request(`http://localhost${path}`, { method, headers, ...(body ? { body } : {}) }));
};

describe('cause and effect for one order', () => {
  it('links every message of a delivered order into one trace: who wrote it, who read it, what each emitted', async () => {
    const config = testConfig({ partitions: 3 });
    const v = await virtualShop({ config, speed: 100, actors: ['web', 'assemble', 'bake', 'delivery', 'status'] });
    shop = v.shop;
    const login = await call(shop, 'POST', '/api/login', undefined, { username: 'ada' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const placed = await call(shop, 'POST', '/api/orders', cookie, {
      sauce: config.menu.sauce[0],
      cheese: config.menu.cheese[0],
      main_topping: config.menu.mainTopping[0],
    });
    expect(placed.status).toBe(201);
    const orderId = ((await placed.json()) as { order_id: string }).order_id;
    await v.advance(120_000);
    const delivered = (await readTopic(shop.transport, config.topics.pizzaDelivered)).filter((m) => m.key === orderId);
    expect(delivered).toHaveLength(1);

    const res = await call(shop, 'GET', `/api/orders/${orderId}/trace`, cookie);
    expect(res.status).toBe(200);
    const trace = (await res.json()) as { trace_ids: string[]; steps: Step[] };
    expect(trace.trace_ids).toHaveLength(1);
    const at = (topic: string) => trace.steps.filter((s) => s.topic === topic);
    const [ordered] = at(config.topics.pizzaOrdered);
    const [assembled] = at(config.topics.pizzaAssembled);
    const [baked] = at(config.topics.pizzaBaked);
    const [done] = at(config.topics.pizzaDelivered);
    if (!ordered || !assembled || !baked || !done) throw new Error(`missing stages in ${JSON.stringify(trace.steps.map((s) => s.topic))}`);
    expect(ordered.actor).toBe('web');
    expect(ordered.caused_by).toBeNull();
    const ref = (s: Step): Ref => ({ topic: s.topic, partition: s.partition, offset: s.offset });
    // the chain: ordered → assembled → baked → delivered, each caused by the one before
    expect(assembled).toMatchObject({ actor: 'assemble', caused_by: ref(ordered) });
    expect(baked).toMatchObject({ actor: 'bake', caused_by: ref(assembled) });
    expect(done.actor).toBe('delivery');
    expect([ref(baked), ref(ordered)]).toContainEqual(done.caused_by);
    // who read pizza-ordered, and what each emitted because of it
    const readers = Object.fromEntries(ordered.read_by.map((r) => [r.actor, r.emitted.map((e) => e.topic)]));
    expect(readers.assemble).toContain(config.topics.pizzaAssembled);
    expect(readers.status).toContain(config.topics.pizzaStatus);
    expect(Object.keys(readers)).toEqual(expect.arrayContaining(['assemble', 'delivery', 'status']));
    // every status change of the order is in the same trace, caused by a stage message
    const statuses = at(config.topics.pizzaStatus);
    expect(statuses.length).toBeGreaterThanOrEqual(4);
    for (const s of statuses) {
      expect(s.actor).toBe('status');
      expect(s.caused_by).not.toBeNull();
    }
    for (const s of trace.steps) expect(s.trace_id).toBe(trace.trace_ids[0]);
    // the order machine's status, before → after, step by step
    const changes = (statuses as (Step & { status_change?: { from: number | null; to: number } })[]).map((s) => s.status_change);
    expect(changes[0]).toEqual({ from: null, to: config.status.ids.order_placed });
    for (let i = 1; i < changes.length; i++) expect(changes[i]?.from).toBe(changes[i - 1]?.to);
    expect(changes.at(-1)?.to).toBe(config.status.ids.delivered);

    // the same links, as headers on the log
    const [raw] = (await readTopic(shop.transport, config.topics.pizzaBaked)).filter((m) => m.key === orderId);
    expect(raw?.headers[SPAN_HEADERS.actor]).toBe('bake');
    expect(raw?.headers[TRACEPARENT]).toContain(trace.trace_ids[0]);

    // the order page shows it
    const page = await (await call(shop, 'GET', `/orders/${orderId}`, cookie)).text();
    expect(page).toContain('Cause and effect');
    expect(page).toContain(`${config.topics.pizzaAssembled}[${assembled.partition}]@${assembled.offset}`);
    // another customer's order is not theirs to trace
    const eve = await call(shop, 'POST', '/api/login', undefined, { username: 'eve' });
    const eveCookie = (eve.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await call(shop, 'GET', `/api/orders/${orderId}/trace`, eveCookie)).status).toBe(404);
  }, 60_000);

  it('puts a cause before its effects when they share a millisecond (speed 0), whatever the topic names', async () => {
    const log = createEmbeddedLog();
    await log.ensureTopics([
      { topic: 'z-cause', partitions: 2 },
      { topic: 'a-effect', partitions: 2 },
    ]);
    const root = orderTraceparent('cafe0001');
    const effect = effectHeaders(root, 'assemble');
    await log.producer().send('a-effect', [{ key: 'cafe0001', value: '{}', headers: effect, timestamp: 5 }]);
    await log
      .producer()
      .send('z-cause', [{ key: 'cafe0001', value: '{}', headers: { [TRACEPARENT]: root, [SPAN_HEADERS.actor]: 'web' }, timestamp: 5 }]);
    const topology = [{ actor: 'assemble' as const, groupId: 'g', consumes: ['z-cause'], observes: [], produces: ['a-effect'], role: '' }];
    const trace = await orderTrace(log, topology, ['a-effect', 'z-cause'], 'cafe0001');
    expect(trace.steps.map((s) => s.topic)).toEqual(['z-cause', 'a-effect']);
    expect(trace.steps[0]?.readBy).toEqual([
      { actor: 'assemble', emitted: [{ topic: 'a-effect', partition: trace.steps[1]?.partition, offset: 0 }] },
    ]);
    expect(trace.steps[1]?.causedBy).toEqual({ topic: 'z-cause', partition: trace.steps[0]?.partition, offset: 0 });
    await log.close();
  });
});
