import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.ts';
import { createWebActor } from '../../src/web/createWebActor.ts';
import { outageTransport } from '../support/outageTransport.ts';
import {
  formToken,
  login,
  loginForm,
  messageCount,
  PIZZA,
  placeOrder,
  request,
  sessionCookieOf,
  startWeb,
  TEST_SESSION_SECRET,
  type WebHarness,
} from './webHarness.ts';

// Issue 10: the web as a hostile client sees it. Each test names the defect it guards.

let h: WebHarness;
afterEach(async () => {
  await h?.close();
});

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string; problems?: { field: string }[] } }).error;
const orders = async (cookie: string) =>
  ((await (await request(h, 'GET', '/api/orders', { cookie })).json()) as { orders: { order_id: string }[] }).orders;

describe('security headers on every response (issue 10, 5)', () => {
  it('CSP without unsafe-inline, nosniff, no framing, a referrer policy, private pages not cached', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    for (const [path, cookieFor] of [
      ['/', cookie],
      ['/login', undefined],
      ['/api/orders', cookie],
      ['/api/orders', undefined],
      ['/nope', undefined],
      ['/health-check', undefined],
    ] as const) {
      const res = await request(h, 'GET', path, cookieFor ? { cookie: cookieFor } : {});
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    // static assets may be cached
    expect((await request(h, 'GET', '/public/style.css')).headers.get('cache-control')).toContain('max-age');
  });

  it('pages carry no inline script or style (the CSP would block them)', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    for (const path of ['/', '/orders', `/orders/${id}`, '/kitchen', '/flow', '/api-reference']) {
      const html = await (await request(h, 'GET', path, { cookie })).text();
      expect(html, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html, path).not.toMatch(/<style[\s>]/);
      expect(html, path).not.toMatch(/\sstyle="/);
      expect(html, path).not.toMatch(/\son[a-z]+="/);
    }
  });
});

describe('CSRF: state changes from another origin are refused (issue 10, 2 and 3)', () => {
  const otherPort = { origin: 'http://localhost:9999', 'sec-fetch-site': 'same-site' };

  it.each([
    ['Origin of another port', { origin: 'http://localhost:9999' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['an opaque Origin', { origin: 'null' }],
  ])('refuses an order, a cancel, a login and a logout with %s (403), changing nothing', async (_name, headers) => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    const csrf_token = await formToken(h, cookie);
    const attempts = [
      request(h, 'POST', '/api/orders', { cookie, json: PIZZA, headers }),
      request(h, 'POST', '/api/orders', { cookie, form: { ...PIZZA }, headers }),
      request(h, 'POST', '/', { cookie, form: { ...PIZZA, csrf_token }, headers }),
      request(h, 'POST', `/api/orders/${id}/cancel`, { cookie, headers }),
      request(h, 'POST', `/orders/${id}/cancel`, { cookie, form: { csrf_token }, headers }),
      request(h, 'POST', '/logout', { cookie, form: { csrf_token }, headers }),
      request(h, 'POST', '/api/logout', { cookie, headers }),
      request(h, 'POST', '/api/login', { json: { username: 'eve' }, headers }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    await h.settle();
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(1);
    expect(await messageCount(h, h.config.topics.pizzaCancelled)).toBe(0);
    expect(await orders(cookie)).toHaveLength(1);
  });

  it('accepts the same requests from this origin (Origin = Host, Sec-Fetch-Site: same-origin) and from clients that send neither', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const own = { origin: 'http://localhost', 'sec-fetch-site': 'same-origin' };
    expect((await request(h, 'POST', '/api/orders', { cookie, json: PIZZA, headers: own })).status).toBe(201);
    expect((await request(h, 'POST', '/api/orders', { cookie, json: PIZZA })).status).toBe(201);
    const csrf_token = await formToken(h, cookie);
    expect((await request(h, 'POST', '/', { cookie, form: { ...PIZZA, csrf_token }, headers: own })).status).toBe(303);
    expect(otherPort.origin).not.toBe(own.origin);
  });

  it('refuses a form without the session’s token, or with another session’s', async () => {
    h = await startWeb();
    const ada = await login(h, 'ada');
    const eve = await login(h, 'eve');
    const id = await placeOrder(h, ada.cookie);
    const evesToken = await formToken(h, eve.cookie);
    // no token: a schema refusal (the menu again, 422); a wrong one: 403
    expect((await request(h, 'POST', '/', { cookie: ada.cookie, form: { ...PIZZA } })).status).toBe(422);
    for (const csrf_token of [evesToken, 'x'.repeat(43)]) {
      expect((await request(h, 'POST', '/', { cookie: ada.cookie, form: { ...PIZZA, csrf_token } })).status).toBe(403);
    }
    expect((await request(h, 'POST', `/orders/${id}/cancel`, { cookie: ada.cookie, form: { csrf_token: evesToken } })).status).toBe(403);
    expect((await request(h, 'POST', '/logout', { cookie: ada.cookie, form: { csrf_token: evesToken } })).status).toBe(403);
    await h.settle();
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(1);
    expect(await messageCount(h, h.config.topics.pizzaCancelled)).toBe(0);
  });

  it('logout is a POST: a link (GET /logout) ends no session', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'GET', '/logout', { cookie });
    expect(res.status).toBe(404);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await request(h, 'GET', '/api/session', { cookie })).status).toBe(200);
  });

  it('the login form needs the token of its own cookie: a login posted from elsewhere replaces no session', async () => {
    h = await startWeb();
    const { loginCookie, token } = await loginForm(h);
    expect(loginCookie).toMatch(/^pizza_login=/);
    // no token, or a token without its cookie: refused, no session cookie
    for (const [cookie, form] of [
      [undefined, { username: 'eve' }],
      [undefined, { username: 'eve', csrf_token: token }],
      [loginCookie, { username: 'eve', csrf_token: 'forged' }],
    ] as const) {
      const res = await request(h, 'POST', '/login', { ...(cookie ? { cookie } : {}), form });
      expect([403, 422]).toContain(res.status);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('pizza_session='))).toBe(false);
    }
    const ok = await request(h, 'POST', '/login', { cookie: loginCookie, form: { username: 'ada', csrf_token: token } });
    expect(ok.status).toBe(303);
    expect(sessionCookieOf(ok)).toMatch(/^pizza_session=/);
  });
});

describe('rate limits (issue 10, 4)', () => {
  it('limits orders per session with 429 and Retry-After, and lets them through again after the wait', async () => {
    h = await startWeb({ limits: { ordersPerMinutePerSession: 3, ordersPerMinutePerAddress: 0 } });
    const { cookie } = await login(h, 'ada');
    for (let i = 0; i < 3; i++) expect((await request(h, 'POST', '/api/orders', { cookie, json: PIZZA })).status).toBe(201);
    const limited = await request(h, 'POST', '/api/orders', { cookie, json: PIZZA });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect((await errorOf(limited)).code).toBe('RATE_LIMITED');
    // another customer is not limited by ada's session
    expect((await request(h, 'POST', '/api/orders', { cookie: (await login(h, 'bea')).cookie, json: PIZZA })).status).toBe(201);
    await h.clock.advance(retryAfter * 1000);
    expect((await request(h, 'POST', '/api/orders', { cookie, json: PIZZA })).status).toBe(201);
    await h.settle();
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(5);
  });

  it('limits orders per client address across sessions, and the menu form too', async () => {
    h = await startWeb({ limits: { ordersPerMinutePerSession: 0, ordersPerMinutePerAddress: 2 } });
    const a = await login(h, 'ada');
    const b = await login(h, 'bea');
    expect((await request(h, 'POST', '/api/orders', { cookie: a.cookie, json: PIZZA })).status).toBe(201);
    expect((await request(h, 'POST', '/api/orders', { cookie: b.cookie, json: PIZZA })).status).toBe(201);
    expect((await request(h, 'POST', '/api/orders', { cookie: a.cookie, json: PIZZA })).status).toBe(429);
    const form = await request(h, 'POST', '/', { cookie: b.cookie, form: { ...PIZZA, csrf_token: await formToken(h, b.cookie) } });
    expect(form.status).toBe(429);
    expect(form.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(form.headers.get('content-type')).toContain('text/html');
  });

  it('limits faults from the console per session and per address (a kill loop is refused, nothing produced past the limit)', async () => {
    h = await startWeb({ limits: { faultsPerMinutePerSession: 2, faultsPerMinutePerAddress: 3 } });
    const a = await login(h, 'ada');
    const topic = h.config.topics.pizzaOrdered;
    const poison = (cookie: string) => request(h, 'POST', '/api/console/faults/poison', { cookie, json: { topic, kind: 'not-json' } });
    expect((await poison(a.cookie)).status).toBe(201);
    expect((await poison(a.cookie)).status).toBe(201);
    const limited = await poison(a.cookie);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await errorOf(limited)).code).toBe('RATE_LIMITED');
    // a new login is a new session: the address still bounds it, on the page's form too
    const b = await login(h, 'bea');
    expect((await poison(b.cookie)).status).toBe(201);
    const form = await request(h, 'POST', '/console/faults', {
      cookie: b.cookie,
      form: { csrf_token: await formToken(h, b.cookie), fault: 'poison', topic, kind: 'not-json' },
    });
    expect(form.status).toBe(429);
    await h.settle();
    expect(await messageCount(h, topic)).toBe(3);
  });

  it('limits logins per client address (API and form)', async () => {
    h = await startWeb({ limits: { loginsPerMinutePerAddress: 2 } });
    expect((await request(h, 'POST', '/api/login', { json: { username: 'a' } })).status).toBe(200);
    expect((await request(h, 'POST', '/api/login', { json: { username: 'b' } })).status).toBe(200);
    const limited = await request(h, 'POST', '/api/login', { json: { username: 'c' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited.headers.get('set-cookie')).toBeNull();
  });

  it('limits opening live streams per address, and caps them per session and in total', async () => {
    h = await startWeb({ limits: { streamsPerMinutePerAddress: 0, streamsPerSession: 2, streamsTotal: 3 } });
    const a = await login(h, 'ada');
    const b = await login(h, 'bea');
    const open: Response[] = [];
    for (let i = 0; i < 2; i++) open.push(await request(h, 'GET', '/api/events', { cookie: a.cookie }));
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const perSession = await request(h, 'GET', '/api/events', { cookie: a.cookie });
    expect(perSession.status).toBe(429);
    expect(perSession.headers.get('retry-after')).toMatch(/^\d+$/);
    open.push(await request(h, 'GET', '/api/kitchen/events', { cookie: b.cookie }));
    expect(open[2]?.status).toBe(200);
    const total = await request(h, 'GET', '/api/events', { cookie: b.cookie });
    expect(total.status).toBe(503);
    expect((await errorOf(total)).code).toBe('TOO_MANY_STREAMS');
    // a closed stream frees its place
    await open[0]?.body?.cancel();
    expect((await request(h, 'GET', '/api/events', { cookie: b.cookie })).status).toBe(200);

    await h.close();
    h = await startWeb({ limits: { streamsPerMinutePerAddress: 2 } });
    const c = await login(h, 'cat');
    for (let i = 0; i < 2; i++) await (await request(h, 'GET', '/api/events', { cookie: c.cookie })).body?.cancel();
    expect((await request(h, 'GET', '/api/events', { cookie: c.cookie })).status).toBe(429);
  });
});

describe('idempotent order placement (issue 10, 7)', () => {
  it('a retry with the same Idempotency-Key returns the first order (200, same body), not a second one', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const headers = { 'idempotency-key': 'retry-me-1' };
    const first = await request(h, 'POST', '/api/orders', { cookie, json: PIZZA, headers });
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const again = await request(h, 'POST', '/api/orders', { cookie, json: PIZZA, headers });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(firstBody);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    // concurrent retries too
    const burst = await Promise.all(
      [1, 2, 3].map(() => request(h, 'POST', '/api/orders', { cookie, json: PIZZA, headers: { 'idempotency-key': 'k2' } })),
    );
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 201]);
    await h.settle();
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(2);
    expect(await orders(cookie)).toHaveLength(2);
  });

  it('the same key from another customer is another order; the same key with another pizza is refused (422)', async () => {
    h = await startWeb();
    const ada = await login(h, 'ada');
    const bea = await login(h, 'bea');
    const headers = { 'idempotency-key': 'same-key' };
    const a = (await (await request(h, 'POST', '/api/orders', { cookie: ada.cookie, json: PIZZA, headers })).json()) as {
      order_id: string;
    };
    const b = await request(h, 'POST', '/api/orders', { cookie: bea.cookie, json: PIZZA, headers });
    expect(b.status).toBe(201);
    expect(((await b.json()) as { order_id: string }).order_id).not.toBe(a.order_id);
    const other = await request(h, 'POST', '/api/orders', { cookie: ada.cookie, json: { ...PIZZA, sauce: 'Pesto' }, headers });
    expect(other.status).toBe(422);
    expect((await errorOf(other)).code).toBe('IDEMPOTENCY_KEY_REUSED');
    await h.settle();
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(2);
  });

  it('survives a restart: the order was logged but the answer lost, the retry at a new web process gets it back', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const headers = { 'idempotency-key': 'lost-answer' };
    const first = (await (await request(h, 'POST', '/api/orders', { cookie, json: PIZZA, headers })).json()) as { order_id: string };
    await h.settle();
    // a new web actor (fresh view, rebuilt from the log), as after the process was killed
    const web2 = await createWebActor({
      config: h.config,
      transport: h.log,
      clock: h.clock,
      logger: createLogger({ actor: 'web', clock: h.clock, format: 'silent' }),
      instanceId: 'restarted',
      sessionSecret: TEST_SESSION_SECRET,
    });
    await web2.start();
    try {
      await h.log.capabilities.whenIdle?.();
      await web2.idle();
      const retry = await web2.app.handle(
        new Request('http://localhost/api/orders', {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json', ...headers, 'content-length': String(JSON.stringify(PIZZA).length) },
          body: JSON.stringify(PIZZA),
        }),
      );
      expect(retry.status).toBe(200);
      expect(((await retry.json()) as { order_id: string }).order_id).toBe(first.order_id);
      expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(1);
    } finally {
      await web2.stop();
    }
  });

  it('a retry at a restarted web whose view has not applied the first placement yet waits for it, then returns it', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const headers = { 'idempotency-key': 'lost-answer-2' };
    const first = (await (await request(h, 'POST', '/api/orders', { cookie, json: PIZZA, headers })).json()) as { order_id: string };
    await h.settle();
    // the new web's view gets nothing from the log until the test lets it
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const web2 = await createWebActor({
      config: h.config,
      transport: outageTransport(h.log, { beforeDeliver: () => held }),
      clock: h.clock,
      logger: createLogger({ actor: 'web', clock: h.clock, format: 'silent' }),
      instanceId: 'restarted-behind',
      sessionSecret: TEST_SESSION_SECRET,
    });
    await web2.start();
    try {
      let answered = false;
      const retry = web2.app
        .handle(
          new Request('http://localhost/api/orders', {
            method: 'POST',
            headers: { cookie, 'content-type': 'application/json', ...headers, 'content-length': String(JSON.stringify(PIZZA).length) },
            body: JSON.stringify(PIZZA),
          }),
        )
        .finally(() => {
          answered = true;
        });
      // while its view is behind, the retry neither answers nor places the order again
      for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      expect(answered, 'the retry waits for the view').toBe(false);
      expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(1);
      release();
      const answer = await retry;
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { order_id: string }).order_id).toBe(first.order_id);
      expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(1);
    } finally {
      release();
      await web2.stop();
    }
  });

  it('the menu form carries a hidden idempotency key: resending the same form places one order', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const html = await (await request(h, 'GET', '/', { cookie })).text();
    const key = /name="idempotency_key" value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(key.length).toBeGreaterThan(10);
    const form = { ...PIZZA, csrf_token: await formToken(h, cookie), idempotency_key: key };
    const one = await request(h, 'POST', '/', { cookie, form });
    const two = await request(h, 'POST', '/', { cookie, form });
    expect(one.status).toBe(303);
    expect(two.headers.get('location')).toBe(one.headers.get('location'));
    await h.settle();
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(1);
  });
});

describe('input quirks (issue 10, 6) and the original form (issue 9)', () => {
  it('the JSON API refuses a form-encoded body with 415', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'POST', '/api/orders', { cookie, form: { ...PIZZA } });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await request(h, 'POST', '/api/login', { form: { username: 'ada' } })).status).toBe(415);
  });

  it('refuses "extra_toppings": null with a problem on that field', async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'POST', '/api/orders', { cookie, json: { ...PIZZA, extra_toppings: null } });
    expect(res.status).toBe(422);
    const error = await errorOf(res);
    expect(error.code).toBe('INVALID_ORDER');
    expect(error.problems?.map((p) => p.field)).toEqual(['extra_toppings']);
  });

  it('refuses usernames of only zero-width characters or with bidi overrides', async () => {
    h = await startWeb();
    for (const username of ['\u200b\u200b', 'ada\u202e', '\u2066x\u2069']) {
      const res = await request(h, 'POST', '/api/login', { json: { username } });
      expect(res.status, JSON.stringify(username)).toBe(422);
      expect((await errorOf(res)).problems?.[0]?.field).toBe('username');
    }
  });

  it('answers a body over 64 KiB with the documented JSON 413, through the real server', async () => {
    h = await startWeb();
    const url = await h.web.listen(0);
    const { cookie } = await login(h, 'ada');
    for (const size of [5_000, 70 * 1024, 2 * 1024 * 1024]) {
      const res = await fetch(`${url}/api/orders`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ ...PIZZA, pad: 'x'.repeat(size) }),
      });
      expect(res.status, `${size} bytes`).toBe(413);
      expect((await errorOf(res)).code, `${size} bytes`).toBe('BODY_TOO_LARGE');
    }
  });

  it('answers a body of unknown length (chunked) with 411 before reading it, through the real server', async () => {
    h = await startWeb();
    const url = new URL(await h.web.listen(0));
    const { cookie } = await login(h, 'ada');
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST /api/orders HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"a":\r\n`,
        );
      });
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 411 Length Required');
    expect(answer).toContain('"LENGTH_REQUIRED"');
  });

  it("accepts the original's menu form field extra_topping (one per checked box) as well as ours", async () => {
    h = await startWeb();
    const { cookie } = await login(h, 'ada');
    const csrf_token = await formToken(h, cookie);
    const res = await request(h, 'POST', '/', {
      cookie,
      form: { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_topping: ['Olives', 'Basil'], csrf_token },
    });
    expect(res.status).toBe(303);
    await h.settle();
    const [ordered] = await Promise.all([request(h, 'GET', '/api/orders', { cookie }).then((r) => r.json())]);
    const id = (ordered as { orders: { order_id: string }[] }).orders[0]?.order_id ?? '';
    const order = (await (await request(h, 'GET', `/api/orders/${id}`, { cookie })).json()) as { order: { extra_toppings: string[] } };
    expect(order.order.extra_toppings).toEqual(['Olives', 'Basil']);
  });
});
