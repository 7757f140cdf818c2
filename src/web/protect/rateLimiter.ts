import type { Clock } from '../../clock.ts';

/** A refusal: how long until the next request of this kind would be taken. */
export interface RateLimited {
  retryAfterSeconds: number;
}

/**
 * Token buckets, one per key (`order:session:<id>`, `login:address:<ip>` …): a bucket holds up to
 * `perMinute` tokens and refills at `perMinute` a minute, so a client may burst that many and then
 * goes at the steady rate. Time comes from the injected clock. Full buckets are forgotten on a sweep,
 * so the map holds only clients seen within the last minute or so.
 *
 * @example
 * const limiter = createRateLimiter(clock);
 * limiter.take('login:address:127.0.0.1', 30); // undefined: taken
 * // … the 31st within a minute: { retryAfterSeconds: 2 }
 */
export interface RateLimiter {
  /** takes one token; undefined when taken, else how long to wait. `perMinute` 0 = no limit. */
  take(key: string, perMinute: number): RateLimited | undefined;
}

const SWEEP_EVERY = 1024;

export function createRateLimiter(clock: Clock): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number; perMinute: number }>();
  let takes = 0;
  const refill = (b: { tokens: number; at: number; perMinute: number }, now: number) => {
    b.tokens = Math.min(b.perMinute, b.tokens + ((now - b.at) * b.perMinute) / 60_000);
    b.at = now;
  };
  const sweep = (now: number) => {
    for (const [key, b] of buckets) {
      refill(b, now);
      if (b.tokens >= b.perMinute) buckets.delete(key);
    }
  };
  return {
    take(key, perMinute) {
      if (perMinute <= 0) return undefined;
      const now = clock.now();
      if (++takes % SWEEP_EVERY === 0) sweep(now);
      let b = buckets.get(key);
      if (!b) {
        b = { tokens: perMinute, at: now, perMinute };
        buckets.set(key, b);
      }
      b.perMinute = perMinute;
      refill(b, now);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return undefined;
      }
      return { retryAfterSeconds: Math.max(1, Math.ceil(((1 - b.tokens) * 60_000) / perMinute / 1000)) };
    },
  };
}
