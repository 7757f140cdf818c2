import { createHmac, timingSafeEqual } from 'node:crypto';
import { CUSTOMER_ID } from '../../events/messages.ts';

/** Who is logged in: the customer id made at login and the name they gave. */
export interface Session {
  customerId: string;
  username: string;
  /** ms since epoch, when the session started */
  since: number;
}

export const SESSION_COOKIE = 'pizza_session';

/**
 * Stateless signed sessions: the cookie carries the session itself, signed with HMAC-SHA256, so any
 * web instance that shares the secret accepts it and no session table is shared between them.
 * Logging out clears the cookie; a session expires after a day (a stateless cookie cannot be
 * revoked earlier: a copy taken before logout stays valid until then).
 *
 * @example
 * const codec = createSessionCodec('a long random secret');
 * const value = codec.encode({ customerId: 'ab…', username: 'ada', since: 0 });
 * codec.decode(value); // the same session; a tampered value gives undefined
 */
export interface SessionCodec {
  encode(session: Session): string;
  /** undefined for anything not signed by this secret or not a well-formed session */
  decode(value: string | undefined | null): Session | undefined;
  /** HMAC-SHA256 of `text` with the session secret (base64url): form tokens, idempotent order ids */
  mac(text: string): string;
}

/** An HMAC-SHA256 in base64url: exactly 43 characters of the url-safe alphabet, nothing after. */
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/** Sessions last this long (a day): a copied cookie does not stay valid for ever. */
export const SESSION_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export function createSessionCodec(secret: string, options: { maxAgeMs?: number; now?: () => number } = {}): SessionCodec {
  if (secret.length < 16) throw new Error('the session secret must be at least 16 characters');
  const maxAgeMs = options.maxAgeMs ?? SESSION_MAX_AGE_MS;
  const now = options.now ?? Date.now;
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
  return {
    encode(session) {
      const payload = Buffer.from(JSON.stringify({ c: session.customerId, u: session.username, s: session.since })).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    mac: (text) => sign(`mac\u0000${text}`),
    decode(value) {
      if (!value) return undefined;
      const dot = value.indexOf('.');
      if (dot <= 0 || value.length > 1024) return undefined;
      const payload = value.slice(0, dot);
      // Buffer's base64url decoder skips characters outside the alphabet: check the text itself
      if (!SIGNATURE.test(value.slice(dot + 1))) return undefined;
      const given = Buffer.from(value.slice(dot + 1), 'base64url');
      const expected = Buffer.from(sign(payload), 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { c?: unknown; u?: unknown; s?: unknown };
        if (typeof parsed.c !== 'string' || !CUSTOMER_ID.test(parsed.c)) return undefined;
        if (typeof parsed.u !== 'string' || typeof parsed.s !== 'number') return undefined;
        const age = now() - parsed.s;
        if (age > maxAgeMs || age < -maxAgeMs) return undefined;
        return { customerId: parsed.c, username: parsed.u, since: parsed.s };
      } catch {
        return undefined;
      }
    },
  };
}

/** Reads one cookie from a Cookie header (for code that has only the request: the error page). */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * How the session cookie is set (through Elysia's cookie jar): HttpOnly, whole site, a day.
 * SameSite=Lax, not Strict: with Strict, following a link to the shop from elsewhere would arrive
 * without the session, show the login page, and a login there makes a new customer who never sees
 * their orders again. Lax sends it on such top-level GETs only; every state change is a POST that
 * the CSRF checks guard (docs/web.md).
 */
export function sessionCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, maxAge: SESSION_MAX_AGE_MS / 1000, secure };
}
