import { timingSafeEqual } from 'node:crypto';
import type { Session, SessionCodec } from '../session/sessionCookie.ts';

/** The hidden form field that carries the CSRF token. */
export const CSRF_FIELD = 'csrf_token';
/** The cookie that carries the login form's token (there is no session yet to bind it to). */
export const LOGIN_CSRF_COOKIE = 'pizza_login';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Why a state-changing request must be refused as cross-site, or undefined. Browsers say where a
 * request comes from: `Sec-Fetch-Site` (`same-origin`, or `none` when the user typed it) and
 * `Origin`. A page on another port of the same host is `same-site`, not `same-origin`, and its
 * Origin names the other port: both refused (SameSite cookies do not stop it). A client that sends
 * neither header (curl, the load generator) is no browser carrying someone's cookies and passes;
 * forms also carry a token (`formTokenOk`).
 *
 * @example
 * crossSiteRefusal(new Request('http://127.0.0.1:8000/', { method: 'POST', headers: { origin: 'http://127.0.0.1:9000' } }));
 * // 'the request comes from http://127.0.0.1:9000, not this site'
 */
export function crossSiteRefusal(request: Request): string | undefined {
  if (!UNSAFE.has(request.method)) return undefined;
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') return `the request comes from another site (Sec-Fetch-Site: ${site})`;
  const origin = request.headers.get('origin');
  if (origin === null) return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `the request comes from an opaque origin (${origin})`;
  }
  // the host the client asked for (Host header); the scheme is left out so a TLS proxy in front works
  const own = request.headers.get('host') ?? new URL(request.url).host;
  return host === own ? undefined : `the request comes from ${origin}, not this site`;
}

/** The token a signed-in customer's forms carry: a MAC of the session, so it needs no storage. */
export function sessionFormToken(codec: SessionCodec, session: Session): string {
  return codec.mac(`csrf\u0000${session.customerId}\u0000${session.since}`);
}

/** Constant-time comparison of a token a form sent with the one expected. */
export function tokenMatches(given: unknown, expected: string | undefined): boolean {
  if (typeof given !== 'string' || !expected || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
