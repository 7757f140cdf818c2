import { describe, expect, it } from 'vitest';
import type { Produced } from '../../../src/runtime/host/actorSpec.ts';
import {
  childTraceparent,
  effectHeaders,
  orderTraceparent,
  parseTraceparent,
  SPAN_HEADERS,
  TRACEPARENT,
  tracing,
} from '../../../src/runtime/middleware/tracing.ts';
import type { DeliveredMessage } from '../../../src/transport/transport.ts';

const PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const W3C = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const message = (headers: Record<string, string>, key: string | null = '1a2b3c4d'): DeliveredMessage => ({
  topic: 'pizza-assembled',
  partition: 0,
  offset: 0,
  key,
  value: new Uint8Array(),
  headers,
  timestamp: 0,
});
const outputs = (n: number) => (): Produced[] =>
  Array.from({ length: n }, (_, i) => ({ topic: `out-${i}`, message: { key: '1a2b3c4d', value: '{}', headers: { keep: 'me' } } }));
const parts = (traceparent: string | undefined) => {
  const m = W3C.exec(traceparent ?? '');
  if (!m) throw new Error(`not a W3C traceparent: ${traceparent}`);
  return { trace: m[1], span: m[2], flags: m[3] };
};

describe('tracing middleware', () => {
  it('gives every output the input’s trace id and flags with a new span of its own', () => {
    const out = tracing()(outputs(2))(message({ [TRACEPARENT]: PARENT }), 0);
    const spans = out.map((p) => parts(p.message.headers?.[TRACEPARENT]));
    for (const s of spans) {
      expect(s.trace).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(s.flags).toBe('01');
      expect(s.span).not.toBe('b7ad6b7169203331');
    }
    expect(spans[0]?.span).not.toBe(spans[1]?.span);
    // other headers stay
    for (const p of out) expect(p.message.headers?.keep).toBe('me');
  });

  it('starts one new trace for an input that has none (or a malformed one): its outputs share it', () => {
    for (const headers of [{}, { [TRACEPARENT]: 'not-a-traceparent' }] as Record<string, string>[]) {
      const out = tracing()(outputs(3))(message(headers), 0);
      const spans = out.map((p) => parts(p.message.headers?.[TRACEPARENT]));
      expect(new Set(spans.map((s) => s.trace)).size).toBe(1);
      expect(spans[0]?.trace).not.toBe('0af7651916cd43dd8448eb211c80319c');
      expect(spans[0]?.trace).not.toMatch(/^0+$/);
      expect(new Set(spans.map((s) => s.span)).size).toBe(3);
      for (const s of spans) expect(s.flags).toBe('01');
    }
  });

  it('leaves an output that already carries a traceparent alone', () => {
    const own = '00-11111111111111111111111111111111-2222222222222222-00';
    const out = tracing()(() => [{ topic: 'x', message: { key: 'k', value: '{}', headers: { [TRACEPARENT]: own } } }])(
      message({ [TRACEPARENT]: PARENT }),
      0,
    );
    expect(out[0]?.message.headers?.[TRACEPARENT]).toBe(own);
  });

  it('remembers the trace per key, so outputs a timer causes later join the same trace', () => {
    const remember = new Map<string, string>();
    tracing(remember)(outputs(1))(message({ [TRACEPARENT]: PARENT }, 'aaaa0001'), 0);
    expect(remember.get('aaaa0001')).toBe(PARENT);
    // a traceless input's new trace is remembered too
    const [out] = tracing(remember)(outputs(1))(message({}, 'aaaa0002'), 0);
    expect(parts(remember.get('aaaa0002')).trace).toBe(parts(out?.message.headers?.[TRACEPARENT]).trace);
  });

  it('childTraceparent keeps trace and flags, and makes a fresh root without a valid parent', () => {
    const child = parts(childTraceparent(PARENT));
    expect(child).toMatchObject({ trace: '0af7651916cd43dd8448eb211c80319c', flags: '01' });
    expect(child.span).not.toBe('b7ad6b7169203331');
    const a = parts(childTraceparent(undefined));
    const b = parts(childTraceparent(undefined));
    expect(a.trace).not.toBe(b.trace);
  });
});

describe('cause and effect headers', () => {
  it('name the input’s span as span.parent and the producing actor as span.actor', () => {
    const out = tracing(undefined, 'bake')(outputs(2))(message({ [TRACEPARENT]: PARENT }), 0);
    for (const p of out) {
      expect(p.message.headers?.[SPAN_HEADERS.parent]).toBe('b7ad6b7169203331');
      expect(p.message.headers?.[SPAN_HEADERS.actor]).toBe('bake');
    }
  });

  it('an order’s root trace id follows from its order id, so the web’s messages of one order share it', () => {
    const a = parseTraceparent(orderTraceparent('1a2b3c4d'));
    const b = parseTraceparent(orderTraceparent('1a2b3c4d'));
    const other = parseTraceparent(orderTraceparent('1a2b3c4e'));
    expect(a?.traceId).toBe(b?.traceId);
    expect(a?.spanId).not.toBe(b?.spanId);
    expect(other?.traceId).not.toBe(a?.traceId);
    expect(effectHeaders(orderTraceparent('1a2b3c4d'), undefined)[SPAN_HEADERS.actor]).toBeUndefined();
  });
});
