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
}

/** Sessions last this long (a day): a copied cookie does not stay valid for ever. */
export const SESSION_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export function createSessionCodec(
  secret: string,
  options: { maxAgeMs?: number; now?: () => number } = {},
): SessionCodec {
  if (secret.length < 16) throw new Error('the session secret must be at least 16 characters');
  const maxAgeMs = options.maxAgeMs ?? SESSION_MAX_AGE_MS;
  const now = options.now ?? Date.now;
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
  return {
    encode(session) {
      const payload = Buffer.from(JSON.stringify({ c: session.customerId, u: session.username, s: session.since })).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    decode(value) {
      if (!value) return undefined;
      const dot = value.indexOf('.');
      if (dot <= 0 || value.length > 1024) return undefined;
      const payload = value.slice(0, dot);
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

/** Reads one cookie from a Cookie header. */
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

/** The Set-Cookie header value that starts a session (HttpOnly, SameSite=Lax, whole site). */
export function sessionSetCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_MAX_AGE_MS / 1000}${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie header value that ends a session. */
export function sessionClearCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`;
}
