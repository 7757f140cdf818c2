import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSessionCodec, readCookie, SESSION_COOKIE, sessionCookieOptions } from '../../src/web/session/sessionCookie.ts';
import { loadSessionSecret, SESSION_SECRET_ENV } from '../../src/web/session/sessionSecret.ts';

const session = { customerId: 'ab'.repeat(16), username: '<script>alert(1)</script>', since: 1_700_000_000_000 };

describe('session cookie', () => {
  const codec = createSessionCodec('a secret of enough length', { now: () => session.since });

  it('round-trips a session', () => {
    expect(codec.decode(codec.encode(session))).toEqual(session);
  });

  it('refuses a tampered payload, a foreign signature and garbage', () => {
    const value = codec.encode(session);
    const [payload, signature] = value.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ c: 'cd'.repeat(16), u: 'eve', s: 0 })).toString('base64url');
    expect(codec.decode(`${forged}.${signature}`)).toBeUndefined();
    expect(createSessionCodec('another secret of length', { now: () => session.since }).decode(value)).toBeUndefined();
    expect(codec.decode(`${payload}.`)).toBeUndefined();
    expect(codec.decode('not-a-session')).toBeUndefined();
    expect(codec.decode(undefined)).toBeUndefined();
  });

  it('refuses a signed session whose customer id is not 32 hex', () => {
    expect(codec.decode(codec.encode({ ...session, customerId: 'ABC' }))).toBeUndefined();
  });

  it('refuses a valid signature with anything after it (issue 10: trailing non-base64 characters were ignored)', () => {
    const value = codec.encode(session);
    expect(codec.decode(value)).toEqual(session);
    for (const tail of ['!', '%', '$$', ' ', '=', 'A']) expect(codec.decode(`${value}${tail}`), JSON.stringify(tail)).toBeUndefined();
  });

  it('sets an HttpOnly SameSite=Lax cookie for the whole site, Secure when asked', () => {
    expect(sessionCookieOptions(false)).toEqual({ path: '/', httpOnly: true, sameSite: 'lax', maxAge: 86_400, secure: false });
    expect(sessionCookieOptions(true).secure).toBe(true);
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie(`a=1; ${SESSION_COOKIE}=x.y; b=2`, SESSION_COOKIE)).toBe('x.y');
    expect(readCookie('a=1', SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(null, SESSION_COOKIE)).toBeUndefined();
  });
});

describe('loadSessionSecret', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('takes the environment variable first', () => {
    expect(loadSessionSecret({ dataDir: null, env: { [SESSION_SECRET_ENV]: 'x'.repeat(20) } })).toBe('x'.repeat(20));
    expect(() => loadSessionSecret({ dataDir: null, env: { [SESSION_SECRET_ENV]: 'short' } })).toThrow(/at least 16/);
  });

  it('makes a private secret file in the data directory once, then reuses it', () => {
    dir = mkdtempSync(join(tmpdir(), 'pizza-secret-'));
    const first = loadSessionSecret({ dataDir: dir, env: {} });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(loadSessionSecret({ dataDir: dir, env: {} })).toBe(first);
    expect(readFileSync(join(dir, 'session-secret'), 'utf8').trim()).toBe(first);
    expect(statSync(join(dir, 'session-secret')).mode & 0o777).toBe(0o600);
  });

  it('makes a fresh secret per process without a data directory', () => {
    expect(loadSessionSecret({ dataDir: null, env: {} })).not.toBe(loadSessionSecret({ dataDir: null, env: {} }));
  });
});

describe('session expiry', () => {
  it('a session older than its maximum age is not accepted', () => {
    let now = 1_700_000_000_000;
    const codec = createSessionCodec('a secret of enough length', { maxAgeMs: 60_000, now: () => now });
    const value = codec.encode({ customerId: 'ab'.repeat(16), username: 'ada', since: now });
    expect(codec.decode(value)?.username).toBe('ada');
    now += 60_000;
    expect(codec.decode(value)?.username).toBe('ada');
    now += 1;
    expect(codec.decode(value)).toBeUndefined();
  });
});
