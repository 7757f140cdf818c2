import { createHash, randomBytes } from 'node:crypto';

/** Span ids: random, from a pool refilled 4 KiB at a time (one `randomBytes` per output cost 5 % of a step). */
let pool = Buffer.alloc(0);
let at = 0;
function randomHex(bytes: number): string {
  if (at + bytes > pool.length) {
    pool = randomBytes(4096);
    at = 0;
  }
  const hex = pool.toString('hex', at, at + bytes);
  at += bytes;
  return hex;
}
import type { Middleware } from './handler.ts';

/** The W3C trace context header. */
export const TRACEPARENT = 'traceparent';

const PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A child of `parent` (same trace, new span), or the root of a new trace. */
export function childTraceparent(parent: string | undefined): string {
  const span = randomHex(8);
  const m = parent ? PATTERN.exec(parent) : null;
  if (m) return `00-${m[1]}-${span}-${m[3]}`;
  return `00-${randomHex(16)}-${span}-01`;
}

/**
 * Cause and effect, beside the W3C header: the span of the message that caused this one (its
 * parent span: W3C's traceparent names only the message's own span) and the actor that produced
 * it. With these the console links one order's messages into a tree (which actor read what and
 * emitted what) and an OTLP exporter could send real parent-child spans.
 */
export const SPAN_HEADERS = { parent: 'span.parent', actor: 'span.actor' } as const;

/** The parts of a valid traceparent, or undefined. */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string; flags: string } | undefined {
  const m = value ? PATTERN.exec(value) : null;
  return m ? { traceId: m[1] as string, spanId: m[2] as string, flags: m[3] as string } : undefined;
}

/**
 * The root of an order's trace, for the messages the web writes (ordered, cancelled): its trace id
 * is derived from the order id, so the order and its cancellation, written by any web instance,
 * are one trace without anyone looking the first one up.
 */
export function orderTraceparent(orderId: string): string {
  const traceId = createHash('sha256').update(`pizza-order\u0000${orderId}`).digest('hex').slice(0, 32);
  return `00-${traceId}-${randomHex(8)}-01`;
}

/** Headers of a message caused by one carrying `parent` (a traceparent), produced by `actor`. */
export function effectHeaders(parent: string, actor: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { [TRACEPARENT]: childTraceparent(parent) };
  const cause = parseTraceparent(parent);
  if (cause) headers[SPAN_HEADERS.parent] = cause.spanId;
  if (actor) headers[SPAN_HEADERS.actor] = actor;
  return headers;
}

/**
 * Trace context across actors and processes: every message produced while handling a message
 * carries a `traceparent` in the same trace as the input's (a new trace when it had none), so one
 * order's messages form one trace whatever transport they crossed, plus the input's span as
 * `span.parent` and the producing `actor` as `span.actor`. `remember` keeps the last trace per key
 * for outputs that a timer causes later (the pizza out of the oven).
 */
export function tracing(remember?: Map<string, string>, actor?: string): Middleware {
  return (next) => (message, now) => {
    const given = message.headers[TRACEPARENT];
    let parent = given && PATTERN.test(given) ? given : undefined;
    const out = next(message, now);
    for (const p of out) {
      if (p.message.headers?.[TRACEPARENT]) continue;
      // an input without a trace starts one, shared by everything it causes (not one per output)
      parent ??= childTraceparent(undefined);
      p.message.headers = { ...p.message.headers, ...effectHeaders(parent, actor) };
    }
    if (parent && remember && message.key) remember.set(message.key, parent);
    return out;
  };
}
