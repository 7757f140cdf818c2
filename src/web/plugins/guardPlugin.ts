import { Elysia } from 'elysia';
import { HttpError, unauthenticated } from '../httpErrors.ts';
import { CSRF_FIELD, crossSiteRefusal, LOGIN_CSRF_COOKIE, sessionFormToken, tokenMatches } from '../protect/csrf.ts';
import { createRateLimiter } from '../protect/rateLimiter.ts';
import { MAX_BODY_BYTES } from '../schemas.ts';
import { SESSION_COOKIE, type Session } from '../session/sessionCookie.ts';
import type { WebContext } from '../webContext.ts';

/** A signed-in customer as the routes and pages see them: the session and its form token. */
export interface SignedIn extends Session {
  csrfToken: string;
}

/** What is rate-limited: placing orders, logging in, opening live streams, click beacons, steering the shop clock, restocking, injecting faults. */
export type LimitKind = 'order' | 'login' | 'stream' | 'click' | 'clock' | 'restock' | 'fault';

/**
 * Headers on every response. The pages load scripts, styles and images only from this origin
 * (`public/`): no inline script or style, so the CSP needs no `unsafe-inline`. No page may be
 * framed. Everything but `/public` assets is private to a customer and never cached.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

/** A refused body is never read: close the connection rather than leave its bytes in it. */
const CLOSE = { connection: 'close' };

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * What guards the web, in one place:
 * - on every request (before anything is read): the security headers; a body over 4 KiB is 413
 *   and one of unknown length 411, both before it is read; `/api/*` takes JSON only (415); a
 *   state-changing request from another origin is 403 (`crossSiteRefusal`);
 * - `signedIn: 'api' | 'page'` on a route: the customer's session as `session`, or 401 (API) /
 *   a redirect to the login page (pages);
 * - `formToken: 'session' | 'login'`: the form's `csrf_token` must be the session's token (or, on
 *   the login form, the one in the login cookie), else 403;
 * - `limit: 'order' | 'login' | 'stream' | 'click' | 'clock' | 'restock' | 'fault'`: token-bucket rate limits per session and per client
 *   address from `[web-limits]`, 429 with `Retry-After`.
 */
export function guardPlugin(ctx: WebContext) {
  // one guard per app: every feature plugin uses it for its macros, and its limiter is shared
  let guard = guards.get(ctx);
  if (!guard) {
    guard = makeGuard(ctx);
    guards.set(ctx, guard);
  }
  return guard;
}

const guards = new WeakMap<WebContext, ReturnType<typeof makeGuard>>();

function makeGuard(ctx: WebContext) {
  const limits = ctx.config.webLimits;
  const limiter = createRateLimiter(ctx.wallClock);
  const signedIn = (value: unknown): SignedIn | undefined => {
    const session = ctx.sessions.decode(typeof value === 'string' ? value : undefined);
    return session ? { ...session, csrfToken: sessionFormToken(ctx.sessions, session) } : undefined;
  };
  const refuseIfLimited = (key: string, perMinute: number, what: string) => {
    const limited = limiter.take(key, perMinute);
    if (limited) {
      throw new HttpError('RATE_LIMITED', `too many ${what}: try again in ${limited.retryAfterSeconds} s`, 429, {
        headers: { 'retry-after': String(limited.retryAfterSeconds) },
      });
    }
  };
  return new Elysia({ name: 'web.guard', seed: ctx })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, SECURITY_HEADERS);
      const path = new URL(request.url).pathname;
      if (!path.startsWith('/public/')) set.headers['cache-control'] = 'no-store';
      const crossSite = crossSiteRefusal(request);
      if (crossSite) throw new HttpError('CROSS_SITE_REQUEST', `refused: ${crossSite}`, 403);
      if (METHODS_WITH_BODY.has(request.method)) {
        const length = request.headers.get('content-length');
        if (length === null && request.headers.has('transfer-encoding')) {
          throw new HttpError('LENGTH_REQUIRED', 'send the body with a Content-Length', 411, { headers: CLOSE });
        }
        if (Number(length ?? '0') > MAX_BODY_BYTES) {
          throw new HttpError('BODY_TOO_LARGE', `the request body is larger than ${MAX_BODY_BYTES} bytes`, 413, { headers: CLOSE });
        }
        const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (path.startsWith('/api/') && Number(length ?? '0') > 0 && type !== 'application/json') {
          throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `send the body as application/json${type ? `, not ${type}` : ''}`, 415);
        }
      }
    })
    .macro({
      signedIn(mode: 'api' | 'page') {
        return {
          resolve({ cookie, status, set }) {
            const session = signedIn(cookie[SESSION_COOKIE]?.value);
            if (session) return { session };
            if (mode === 'api') throw unauthenticated();
            set.headers.location = '/login';
            return status(303, '');
          },
        };
      },
      formToken(kind: 'session' | 'login') {
        return {
          beforeHandle({ body, cookie }) {
            const given = (body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
            const expected =
              kind === 'session' ? signedIn(cookie[SESSION_COOKIE]?.value)?.csrfToken : String(cookie[LOGIN_CSRF_COOKIE]?.value ?? '');
            if (!tokenMatches(given, expected)) {
              throw new HttpError('CSRF_TOKEN_INVALID', 'the form token is missing or stale: reload the page and send it again', 403);
            }
          },
        };
      },
      limit(kind: LimitKind) {
        return {
          beforeHandle({ request, server, cookie }) {
            const address = server?.requestIP(request)?.address ?? 'unknown';
            const customer = ctx.sessions.decode(String(cookie[SESSION_COOKIE]?.value ?? ''))?.customerId;
            if (kind === 'login') refuseIfLimited(`login:${address}`, limits.loginsPerMinutePerAddress, 'logins from your address');
            if (kind === 'order') {
              if (customer) refuseIfLimited(`order:session:${customer}`, limits.ordersPerMinutePerSession, 'orders in this session');
              refuseIfLimited(`order:address:${address}`, limits.ordersPerMinutePerAddress, 'orders from your address');
            }
            if (kind === 'click' && customer)
              refuseIfLimited(`click:session:${customer}`, limits.clicksPerMinutePerSession, 'clicks in this session');
            if (kind === 'clock' && customer)
              refuseIfLimited(`clock:session:${customer}`, limits.clockCommandsPerMinutePerSession, 'clock commands in this session');
            // a restock is a control command too: every process keeps every one (the topic is compacted by unique id)
            if (kind === 'restock' && customer)
              refuseIfLimited(`restock:session:${customer}`, limits.clockCommandsPerMinutePerSession, 'restocks in this session');
            if (kind === 'fault') {
              if (customer) refuseIfLimited(`fault:session:${customer}`, limits.faultsPerMinutePerSession, 'faults in this session');
              refuseIfLimited(`fault:address:${address}`, limits.faultsPerMinutePerAddress, 'faults from your address');
            }
            if (kind === 'stream')
              refuseIfLimited(`stream:${address}`, limits.streamsPerMinutePerAddress, 'live streams opened from your address');
          },
        };
      },
    });
}
