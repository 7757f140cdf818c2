// README: "sessions are signed cookies that expire after a day". The web actor as the shop builds
// it (no max age passed in: the production default), in virtual time, through app.handle.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request, startWeb, type WebHarness } from './webHarness.ts';

const DAY = 24 * 60 * 60 * 1000;

let h: WebHarness;
beforeEach(async () => {
  h = await startWeb();
});
afterEach(async () => {
  await h.close();
});

describe('session lifetime (production default)', () => {
  it('the cookie says a day, and the session is refused once it is more than a day old', async () => {
    const res = await request(h, 'POST', '/api/login', { json: { username: 'ada' } });
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/; Max-Age=86400(;|$)/);
    const cookie = setCookie.split(';')[0] ?? '';

    await h.clock.advance(DAY - 60_000, h.settle);
    expect((await request(h, 'GET', '/api/session', { cookie })).status, 'a minute before a day: still logged in').toBe(200);

    await h.clock.advance(2 * 60_000, h.settle);
    const expired = await request(h, 'GET', '/api/session', { cookie });
    expect(expired.status, 'a minute past a day: the session is over').toBe(401);
    expect((await request(h, 'GET', '/api/menu', { cookie })).status).toBe(401);
    const page = await request(h, 'GET', '/', { cookie });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
  });
});
