import { randomUUID } from 'node:crypto';
import type { LoadTarget, TargetCounters } from './runLoad.ts';

export interface HttpTargetOptions {
  /** how often the customers' order lists are polled for status; default 250 ms */
  pollMs?: number;
  /** one request's bound (a web whose log is down can hang); default 30 s */
  requestTimeoutMs?: number;
  /** first wait after a refused connection or a 503, doubled per retry up to `maxBackoffMs`; default 50 ms */
  backoffMs?: number;
  /** default 2 s */
  maxBackoffMs?: number;
  /** a `Retry-After` longer than this is cut to it (a misconfigured limit must not stall a run); default 30 s */
  maxRetryAfterMs?: number;
  /** prints a line when the web becomes unreachable and when it answers again; default console.log */
  say?: (line: string) => void;
}

/** Thrown when a request keeps failing until the caller's deadline: retrying cannot help any more. */
export class GaveUpError extends Error {}

/**
 * Milliseconds a `Retry-After` header asks to wait: delay-seconds or an HTTP date (RFC 9110 10.2.3);
 * `fallbackMs` when absent or unreadable.
 *
 * @example
 * retryAfterMs('2', Date.now(), 1000); // 2000
 */
export function retryAfterMs(header: string | null, now: number, fallbackMs: number): number {
  if (header === null || header.trim() === '') return fallbackMs;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // an HTTP date names its day and month; anything else ('-3', '1.5') is not one
  const at = /^[A-Za-z]{3}, /.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - now);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Talks to a running shop through its JSON API, as a customer would, and rides out the faults a
 * customer's client meets: a refused or dropped connection (the web restarting) and `503` (its log
 * unavailable) are retried with bounded exponential backoff, `429` waits as `Retry-After` says, and
 * a `401` (a session the web no longer knows) logs in again. Each order placement carries an
 * `Idempotency-Key`, the same on every retry of that placement, so a web that honours it returns
 * the first order instead of placing a second; a web that ignores the header still works (a
 * placement retried after a dropped response may then place the order twice, which is counted in
 * `ambiguousRetries`). Every retry is counted (`counters()`).
 *
 * @example
 * const target = httpTarget('http://127.0.0.1:8000');
 * const result = await runLoad(target, config, { orders: 50, concurrency: 10, timeoutMs: 120_000 });
 * result.counters.connectionRetries; // refused connections retried
 */
export function httpTarget(baseUrl: string, options: HttpTargetOptions = {}): LoadTarget {
  const pollMs = options.pollMs ?? 250;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const backoffMs = options.backoffMs ?? 50;
  const maxBackoffMs = options.maxBackoffMs ?? 2_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const say = options.say ?? ((line: string) => console.log(line));
  const cookies = new Map<number, string>();
  const counters: TargetCounters = { connectionRetries: 0, rateLimited: 0, unavailableRetries: 0, reLogins: 0, ambiguousRetries: 0 };
  let polling: ReturnType<typeof setInterval> | undefined;
  let pollRunning = false;
  let unreachableSince: number | undefined;
  let deadline = Number.POSITIVE_INFINITY;
  const url = (path: string) => new URL(path, baseUrl).toString();

  /**
   * One request, retried until it gets an answer that retrying cannot change (anything but a
   * connection failure, 429 or 503). A connection that failed after the request was sent may have
   * been served: `sent` tells the caller (for counting double placements).
   */
  const request = async (path: string, init: RequestInit, onResent?: () => void): Promise<Response> => {
    let wait = backoffMs;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && performance.now() >= deadline)
        throw new GaveUpError(`${init.method ?? 'GET'} ${path}: still failing at the deadline`);
      let res: Response;
      try {
        res = await fetch(url(path), { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
      } catch (error) {
        const why = (error as { code?: string }).code ?? (error as Error).name;
        if (unreachableSince === undefined) {
          unreachableSince = performance.now();
          say(`load: ${baseUrl} unreachable (${why}): retrying with backoff up to ${maxBackoffMs} ms`);
        }
        counters.connectionRetries += 1;
        // refused: nothing reached the web; anything else (reset, timeout) may have been served
        if (!/refused/i.test(why)) onResent?.();
        await sleep(Math.min(wait, Math.max(0, deadline - performance.now())));
        wait = Math.min(maxBackoffMs, wait * 2);
        continue;
      }
      if (unreachableSince !== undefined) {
        say(`load: ${baseUrl} answers again after ${((performance.now() - unreachableSince) / 1000).toFixed(1)} s`);
        unreachableSince = undefined;
      }
      if (res.status === 429) {
        counters.rateLimited += 1;
        await res.body?.cancel();
        await sleep(Math.min(maxRetryAfterMs, retryAfterMs(res.headers.get('retry-after'), Date.now(), 1_000)));
        continue;
      }
      if (res.status === 503) {
        counters.unavailableRetries += 1;
        await res.body?.cancel();
        await sleep(Math.min(wait, Math.max(0, deadline - performance.now())));
        wait = Math.min(maxBackoffMs, wait * 2);
        continue;
      }
      return res;
    }
  };

  const login = async (customer: number, fresh = false): Promise<string> => {
    const existing = cookies.get(customer);
    if (existing && !fresh) return existing;
    const res = await request('/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `load-${customer}` }),
    });
    if (!res.ok) throw new Error(`POST /api/login: ${res.status} ${await res.text()}`);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    cookies.set(customer, cookie);
    return cookie;
  };

  /** A request as `customer`, logged in again once if the web forgot the session (a restart with a new secret). */
  const asCustomer = async (customer: number, path: string, init: RequestInit, onResent?: () => void): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      const cookie = await login(customer, attempt > 0);
      const res = await request(path, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } }, onResent);
      if (res.status !== 401 || attempt > 0) return res;
      counters.reLogins += 1;
      await res.body?.cancel();
    }
  };

  return {
    setDeadline(at) {
      deadline = at;
    },
    async place(order, customer) {
      const key = randomUUID();
      let resent = false;
      const res = await asCustomer(
        customer,
        '/api/orders',
        { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(order) },
        () => {
          resent = true;
        },
      );
      if (res.status !== 201 && res.status !== 200) throw new Error(`POST /api/orders: ${res.status} ${await res.text()}`);
      if (resent) counters.ambiguousRetries += 1;
      return ((await res.json()) as { order_id: string }).order_id;
    },
    async watch(onStatus) {
      const poll = async () => {
        for (const [customer, cookie] of cookies) {
          // one attempt per poll: an unreachable web is retried by the next poll, not here
          const res = await fetch(url('/api/orders'), { headers: { cookie }, signal: AbortSignal.timeout(requestTimeoutMs) });
          if (res.status === 401) {
            await res.body?.cancel();
            counters.reLogins += 1;
            await login(customer, true);
            continue;
          }
          if (!res.ok) {
            await res.body?.cancel();
            continue;
          }
          const body = (await res.json()) as { orders?: { order_id: string; status: number }[] } | { order_id: string; status: number }[];
          const list = Array.isArray(body) ? body : (body.orders ?? []);
          for (const o of list) onStatus(o.order_id, o.status);
        }
      };
      polling = setInterval(() => {
        if (pollRunning) return;
        pollRunning = true;
        poll()
          .catch(() => {})
          .finally(() => {
            pollRunning = false;
          });
      }, pollMs);
    },
    counters: () => ({ ...counters }),
    async close() {
      if (polling) clearInterval(polling);
    },
  };
}
