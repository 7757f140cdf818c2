import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Shop } from '../../src/app/startShop.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { createLogger, type LogLine } from '../../src/log/logger.ts';
import { parseTraceparent, TRACEPARENT } from '../../src/runtime/middleware/tracing.ts';
import { createOtlpExporter } from '../../src/runtime/otlpExporter.ts';
import type { WebActor } from '../../src/web/createWebActor.ts';
import { readTopic, testConfig, virtualShop } from '../support/shopHarness.ts';

// OTLP export of the order's trace (issue 12, 2): a tiny OTLP/HTTP receiver written here (Bun's
// server) collects what the shop sends when [tracing] otlp_endpoint names it. Runs under Bun.

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue?: string } }[];
}

/** An OTLP/HTTP JSON receiver on a free port: every span of every request, or the given status. */
function receiver(status = 200) {
  const spans: OtlpSpan[] = [];
  const requests: { path: string; type: string | null }[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      requests.push({ path: new URL(request.url).pathname, type: request.headers.get('content-type') });
      const body = (await request.json()) as { resourceSpans: { resource: unknown; scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      return new Response(status === 200 ? '{}' : 'no', { status, headers: { 'content-type': 'application/json' } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/v1/traces`, spans, requests, stop: () => server.stop(true) };
}

let shop: Shop | undefined;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  await shop?.stop();
  shop = undefined;
  for (const c of cleanups.splice(0)) await c();
});

describe('OTLP export', () => {
  it('sends one span per message of an order, in one trace, each child of the span that caused it', async () => {
    const otlp = receiver();
    cleanups.push(otlp.stop);
    const config = { ...testConfig({ partitions: 2 }), tracing: { otlpEndpoint: otlp.url } };
    const v = await virtualShop({ config, speed: 100, actors: ['web', 'assemble', 'bake', 'delivery', 'status'] });
    shop = v.shop;
    const web = shop.web() as WebActor | undefined;
    if (!web) throw new Error('no web');
    const call = (path: string, json: unknown, cookie = '') => {
      const body = JSON.stringify(json);
      return web.app.handle(
        new Request(`http://localhost${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...(cookie ? { cookie } : {}) },
          body,
        }),
      );
    };
    const cookie = ((await call('/api/login', { username: 'ada' })).headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const placed = await call(
      '/api/orders',
      { sauce: config.menu.sauce[0], cheese: config.menu.cheese[0], main_topping: config.menu.mainTopping[0] },
      cookie,
    );
    const orderId = ((await placed.json()) as { order_id: string }).order_id;
    await v.advance(120_000);
    const baked = (await readTopic(shop.transport, config.topics.pizzaBaked)).find((m) => m.key === orderId);
    await shop.stop(); // flushes the exporter
    shop = undefined;

    expect(otlp.requests.every((r) => r.path === '/v1/traces' && r.type === 'application/json')).toBe(true);
    const mine = otlp.spans.filter((s) =>
      s.attributes.some((a) => a.key === 'messaging.kafka.message.key' && a.value.stringValue === orderId),
    );
    const byName = (name: string) => mine.filter((s) => s.name === name);
    const [root] = byName(`web → ${config.topics.pizzaOrdered}`);
    const [assembled] = byName(`assemble → ${config.topics.pizzaAssembled}`);
    const [bakedSpan] = byName(`bake → ${config.topics.pizzaBaked}`);
    const [delivered] = byName(`delivery → ${config.topics.pizzaDelivered}`);
    if (!root || !assembled || !bakedSpan || !delivered) throw new Error(`spans missing: ${mine.map((s) => s.name).join(', ')}`);
    expect(new Set(mine.map((s) => s.traceId)).size).toBe(1);
    expect(root.parentSpanId).toBeUndefined();
    expect(assembled.parentSpanId).toBe(root.spanId);
    expect(bakedSpan.parentSpanId).toBe(assembled.spanId);
    expect([bakedSpan.spanId, root.spanId]).toContain(delivered.parentSpanId);
    // the span is the message's own: its traceparent on the log names it
    expect(parseTraceparent(baked?.headers[TRACEPARENT])).toMatchObject({ traceId: bakedSpan.traceId, spanId: bakedSpan.spanId });
    expect(byName(`status → ${config.topics.pizzaStatus}`).length).toBeGreaterThanOrEqual(4);
    for (const s of mine) {
      expect(s.kind).toBe(4);
      expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);
    }
  }, 60_000);

  it('a collector that fails loses its batch with one warning; the caller never waits or throws', async () => {
    const otlp = receiver(500);
    cleanups.push(otlp.stop);
    const lines: LogLine[] = [];
    const exporter = createOtlpExporter({
      endpoint: otlp.url,
      serviceName: 'test',
      logger: createLogger({ actor: 'tracing', format: 'silent', sinks: [(l) => lines.push(l)] }),
    });
    const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'x', startMs: 1, endMs: 2, attributes: {} };
    exporter.export(span);
    exporter.export({ ...span, spanId: 'c'.repeat(16) });
    await exporter.flush();
    exporter.export({ ...span, spanId: 'd'.repeat(16) });
    await exporter.close();
    expect(otlp.spans).toHaveLength(3);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(lines[0]?.msg).toContain('HTTP 500');
  });

  it('[tracing] otlp_endpoint must be an http(s) URL; the error names file, section and key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pizza-otlp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bad.ini');
    writeFileSync(file, readFileSync('config_sys/default.ini', 'utf8').replace('otlp_endpoint =', 'otlp_endpoint = ftp://x'));
    expect(() => loadConfig(file)).toThrow(`${file}: [tracing] otlp_endpoint: 'ftp://x' is not an http(s) URL`);
    expect(loadConfig('config_sys/default.ini').tracing).toEqual({});
  });
});
