import { randomBytes } from 'node:crypto';

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
 * Trace context across actors and processes: every message produced while handling a message
 * carries a `traceparent` in the same trace as the input's (a new trace when it had none), so one
 * order's messages form one trace whatever transport they crossed. `remember` keeps the last trace
 * per key for outputs that a timer causes later (the pizza out of the oven).
 */
export function tracing(remember?: Map<string, string>): Middleware {
  return (next) => (message, now) => {
    const given = message.headers[TRACEPARENT];
    let parent = given && PATTERN.test(given) ? given : undefined;
    const out = next(message, now);
    for (const p of out) {
      if (p.message.headers?.[TRACEPARENT]) continue;
      // an input without a trace starts one, shared by everything it causes (not one per output)
      parent ??= childTraceparent(undefined);
      p.message.headers = { ...p.message.headers, [TRACEPARENT]: childTraceparent(parent) };
    }
    if (parent && remember && message.key) remember.set(message.key, parent);
    return out;
  };
}
