import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.ts';
import { createWebApp } from '../../src/web/createWebApp.tsx';
import { createSessionCodec } from '../../src/web/session/sessionCookie.ts';
import {
  BASE,
  formToken,
  login,
  loginForm,
  messageCount,
  PIZZA,
  placeOrder,
  produceStage,
  produceStatus,
  readTopic,
  request,
  sessionCookieOf,
  startWeb,
  type WebHarness,
  withoutAttributeValues,
} from './webHarness.ts';

let h: WebHarness;
beforeEach(async () => {
  h = await startWeb();
});
afterEach(async () => {
  await h.close();
});

const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('health, OpenAPI, assets, unknown routes', () => {
  it('GET /health-check → Ok', async () => {
    const res = await request(h, 'GET', '/health-check');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Ok');
  });

  it('GET /openapi.json describes every API route', async () => {
    const res = await request(h, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/login',
      '/api/logout',
      '/api/menu',
      '/api/orders',
      '/api/orders/{id}',
      '/api/orders/{id}/cancel',
      '/api/orders/{id}/events',
      '/metrics',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
  });

  it('serves the local assets and nothing else under /public', async () => {
    const css = await request(h, 'GET', '/public/style.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect((await request(h, 'GET', '/public/live.js')).headers.get('content-type')).toContain('javascript');
    expect((await request(h, 'GET', '/public/..%2Fpackage.json')).status).toBe(404);
    expect((await request(h, 'GET', '/public/nope.css')).status).toBe(404);
  });

  it('answers unknown API routes with JSON and unknown pages with HTML, both 404', async () => {
    const api = await request(h, 'GET', '/api/nope');
    expect(api.status).toBe(404);
    expect(await errorCode(api)).toBe('NOT_FOUND');
    const page = await request(h, 'GET', '/nope');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});

describe('login and logout', () => {
  it('POST /api/login trims the name, makes a 32-hex customer id and sets a signed HttpOnly cookie', async () => {
    const res = await request(h, 'POST', '/api/login', { json: { username: '  ada  ' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { customer_id: string; username: string };
    expect(body.username).toBe('ada');
    expect(body.customer_id).toMatch(/^[0-9a-f]{32}$/);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^pizza_session=[^;]+\.[^;]+;/);
    for (const attribute of ['Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=86400']) expect(cookie).toContain(attribute);
    const session = await request(h, 'GET', '/api/session', { cookie: cookie.split(';')[0] ?? '' });
    expect(await session.json()).toMatchObject({ customer_id: body.customer_id, username: 'ada' });
  });

  it('gives every login a new customer id', async () => {
    const a = await login(h, 'ada');
    const b = await login(h, 'ada');
    expect(a.customerId).not.toBe(b.customerId);
  });

  it.each([
    ['an empty name', { json: { username: '' } }, 422],
    ['a blank name', { json: { username: '    ' } }, 422],
    ['17 characters', { json: { username: 'x'.repeat(17) } }, 422],
    ['no name', { json: {} }, 422],
    ['a number', { json: { username: 42 } }, 422],
    ['an extra field', { json: { username: 'ada', customer_id: 'ab'.repeat(16) } }, 422],
    ['malformed JSON', { body: '{"username":', headers: { 'content-type': 'application/json' } }, 400],
    ['text/plain', { body: 'ada', headers: { 'content-type': 'text/plain' } }, 415],
    ['an oversized body', { json: { username: 'x'.repeat(5000) } }, 413],
  ])('refuses %s with a clear 4xx and no cookie', async (_name, options, status) => {
    const res = await request(h, 'POST', '/api/login', options);
    expect(res.status).toBe(status);
    expect(res.headers.get('set-cookie')).toBeNull();
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message.length).toBeGreaterThan(5);
  });

  it('logs in and out through the pages', async () => {
    const { loginCookie, token } = await loginForm(h);
    const res = await request(h, 'POST', '/login', { cookie: loginCookie, form: { username: 'bea', csrf_token: token } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = sessionCookieOf(res);
    expect((await request(h, 'GET', '/', { cookie })).status).toBe(200);
    const out = await request(h, 'POST', '/logout', { cookie, form: { csrf_token: await formToken(h, cookie) } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
  });

  it('shows the login page again with the problem for a bad name', async () => {
    const { loginCookie, token } = await loginForm(h);
    const res = await request(h, 'POST', '/login', { cookie: loginCookie, form: { username: 'x'.repeat(17), csrf_token: token } });
    expect(res.status).toBe(422);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('at most 16 characters');
  });

  it('POST /api/logout clears the cookie', async () => {
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'POST', '/api/logout', { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
  });
});

describe('a session is needed', () => {
  it.each(['/', '/orders', '/orders/1a2b3c4d', '/kitchen', '/flow'])('GET %s without a session redirects to /login', async (path) => {
    const res = await request(h, 'GET', path);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
  });

  it.each([
    ['GET', '/api/menu'],
    ['GET', '/api/orders'],
    ['POST', '/api/orders'],
    ['GET', '/api/orders/1a2b3c4d'],
    ['POST', '/api/orders/1a2b3c4d/cancel'],
    ['GET', '/api/orders/1a2b3c4d/events'],
    ['GET', '/api/events'],
    ['GET', '/api/kitchen'],
    ['GET', '/api/flow'],
    ['GET', '/api/session'],
  ])('%s %s without a session → 401 JSON', async (method, path) => {
    const res = await request(h, method, path, method === 'POST' ? { json: PIZZA } : {});
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(0);
  });

  it('refuses a forged cookie', async () => {
    // a fresh session (not one refused for its age), signed with another secret
    const forged = createSessionCodec('somebody else’s secret!!').encode({
      customerId: 'ab'.repeat(16),
      username: 'eve',
      since: h.clock.now(),
    });
    expect((await request(h, 'GET', '/api/orders', { cookie: `pizza_session=${forged}` })).status).toBe(401);
  });
});

describe('menu', () => {
  it('GET /api/menu is the configured menu', async () => {
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'GET', '/api/menu', { cookie });
    expect(await res.json()).toEqual({
      sauce: h.config.menu.sauce,
      cheese: h.config.menu.cheese,
      main_topping: h.config.menu.mainTopping,
      extra_toppings: h.config.menu.extraToppings,
      // nothing on the lab's topics yet: no promotions, no prices, no quote (test/lab/labWeb.test.ts has them)
      promotions: [],
      prices: {},
      quote: '',
    });
  });

  it('GET / shows every choice as a form', async () => {
    const { cookie } = await login(h, 'ada');
    const html = await (await request(h, 'GET', '/', { cookie })).text();
    for (const choice of [...h.config.menu.sauce, ...h.config.menu.extraToppings]) expect(html).toContain(`value="${choice}"`);
    expect(html).toContain('name="extra_toppings"');
  });
});

describe('placing orders (command side)', () => {
  it('POST /api/orders → 201, produces pizza-ordered in the original wire format keyed by the order id', async () => {
    const { cookie, customerId } = await login(h, 'ada');
    const res = await request(h, 'POST', '/api/orders', { cookie, json: PIZZA });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { order_id: string; status: number; status_label: string };
    expect(body).toEqual({
      order_id: expect.stringMatching(/^[0-9a-f]{8}$/),
      status: 100,
      status_label: 'Order received and being prepared',
    });
    const [message, ...more] = await readTopic(h, h.config.topics.pizzaOrdered);
    expect(more).toHaveLength(0);
    expect(message?.key).toBe(body.order_id);
    const text = new TextDecoder().decode(message?.value);
    expect(JSON.parse(text)).toEqual({
      status: 100,
      timestamp: h.clock.now(),
      order: {
        extra_toppings: ['Olives', 'Basil'],
        username: 'ada',
        customer_id: customerId,
        sauce: 'Tomato',
        cheese: 'Mozzarella',
        main_topping: 'Pepperoni',
      },
    });
    // the original's field order
    expect(Object.keys(JSON.parse(text).order)).toEqual(['extra_toppings', 'username', 'customer_id', 'sauce', 'cheese', 'main_topping']);
  });

  it('shows the new order at once (read-your-writes), before the log delivers anything back', async () => {
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'POST', '/api/orders', { cookie, json: PIZZA });
    const { order_id } = (await res.json()) as { order_id: string };
    // no settle(): the consumer has not seen the message yet
    const list = (await (await request(h, 'GET', '/api/orders', { cookie })).json()) as { orders: { order_id: string; status: number }[] };
    expect(list.orders.map((o) => o.order_id)).toEqual([order_id]);
    const one = (await (await request(h, 'GET', `/api/orders/${order_id}`, { cookie })).json()) as {
      status: number;
      status_history: unknown[];
    };
    expect(one.status).toBe(100);
    await h.settle();
    const again = (await (await request(h, 'GET', `/api/orders/${order_id}`, { cookie })).json()) as { status_history: unknown[] };
    // the same message coming back from the log is not counted twice
    expect(again.status_history).toHaveLength(1);
  });

  it('places an order from the menu form and redirects to its page', async () => {
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'POST', '/', {
      cookie,
      form: { sauce: 'Pesto', cheese: 'Cheddar', main_topping: 'Ham', extra_toppings: ['Onions'], csrf_token: await formToken(h, cookie) },
    });
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/orders\/[0-9a-f]{8}$/);
    const page = await request(h, 'GET', location, { cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Pesto');
    expect(html).toContain('Onions');
  });

  const bad: [string, unknown, number][] = [
    ['an unknown sauce', { ...PIZZA, sauce: 'Ketchup' }, 422],
    ['a missing cheese', { sauce: 'Tomato', main_topping: 'Ham', extra_toppings: [] }, 422],
    ['a missing main topping', { sauce: 'Tomato', cheese: 'Cheddar' }, 422],
    ['two sauces', { ...PIZZA, sauce: ['Tomato', 'Pesto'] }, 422],
    ['a duplicate extra', { ...PIZZA, extra_toppings: ['Olives', 'Olives'] }, 422],
    ['an unknown extra', { ...PIZZA, extra_toppings: ['Gold leaf'] }, 422],
    ['extras as a string', { ...PIZZA, extra_toppings: 'Olives' }, 422],
    ['a number for a sauce', { ...PIZZA, sauce: 1 }, 422],
    ['an unknown field', { ...PIZZA, customer_id: 'ab'.repeat(16) }, 422],
    ['a list body', [PIZZA], 422],
    ['null', null, 422],
  ];
  it.each(bad)('refuses %s: clear 4xx, nothing stored or produced', async (_name, body, status) => {
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'POST', '/api/orders', { cookie, json: body });
    expect(res.status).toBe(status);
    const error = (await res.json()) as { error: { code: string; message: string; problems: unknown[] } };
    expect(error.error.code).toBe('INVALID_ORDER');
    expect(error.error.problems.length).toBeGreaterThan(0);
    await h.settle();
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(0);
    expect(((await (await request(h, 'GET', '/api/orders', { cookie })).json()) as { orders: unknown[] }).orders).toEqual([]);
  });

  it.each([
    ['malformed JSON', { body: '{"sauce":"Tomato",', headers: { 'content-type': 'application/json' } }, 400],
    ['a form sent to the API with a wrong type', { body: 'sauce=Tomato', headers: { 'content-type': 'text/plain' } }, 415],
    ['an oversized body', { json: { ...PIZZA, extra_toppings: Array.from({ length: 600 }, () => 'Olives') } }, 413],
  ])('refuses %s and produces nothing', async (_name, options, status) => {
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'POST', '/api/orders', { cookie, ...options });
    expect(res.status).toBe(status);
    expect((await res.json()) as object).toHaveProperty('error');
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(0);
  });

  it('shows the menu again with the problems for a bad form, producing nothing', async () => {
    const { cookie } = await login(h, 'ada');
    const csrf_token = await formToken(h, cookie);
    const res = await request(h, 'POST', '/', { cookie, form: { sauce: 'Tomato', extra_toppings: ['Olives', 'Olives'], csrf_token } });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('choose one cheese');
    expect(html).toContain('a list of different extra toppings');
    expect(await messageCount(h, h.config.topics.pizzaOrdered)).toBe(0);
  });

  it('answers 503 and records nothing when the log cannot take the order', async () => {
    const failing = createWebApp({
      config: h.config,
      producer: {
        send: () => Promise.reject(new Error('broker down')),
      },
      transport: h.log,
      view: h.web.view,
      clock: h.clock,
      logger: createLogger({ actor: 'web', format: 'silent' }),
      sessions: createSessionCodec('a test secret, long enough', { now: () => h.clock.now() }),
      groupId: 'g',
    });
    const { cookie } = await login(h, 'ada');
    const res = await failing.handle(
      new Request(`${BASE}/api/orders`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify(PIZZA),
      }),
    );
    expect(res.status).toBe(503);
    expect(await errorCode(res)).toBe('LOG_UNAVAILABLE');
    expect(((await (await request(h, 'GET', '/api/orders', { cookie })).json()) as { orders: unknown[] }).orders).toEqual([]);
  });
});

describe('the query side', () => {
  it('lists only my orders, newest first', async () => {
    const ada = await login(h, 'ada');
    const bea = await login(h, 'bea');
    const first = await placeOrder(h, ada.cookie);
    h.clock.advance(1000);
    await placeOrder(h, bea.cookie);
    await h.clock.advance(1000);
    const second = await placeOrder(h, ada.cookie);
    await h.settle();
    const list = (await (await request(h, 'GET', '/api/orders', { cookie: ada.cookie })).json()) as {
      orders: { order_id: string; status_label: string }[];
    };
    expect(list.orders.map((o) => o.order_id)).toEqual([second, first]);
    expect(list.orders[0]?.status_label).toBe('Order received and being prepared');
    const page = await (await request(h, 'GET', '/orders', { cookie: ada.cookie })).text();
    expect(page.indexOf(second)).toBeLessThan(page.indexOf(first));
  });

  it("answers 404 for another customer's order, everywhere", async () => {
    const ada = await login(h, 'ada');
    const bea = await login(h, 'bea');
    const id = await placeOrder(h, ada.cookie);
    await h.settle();
    expect((await request(h, 'GET', `/api/orders/${id}`, { cookie: bea.cookie })).status).toBe(404);
    expect((await request(h, 'GET', `/api/orders/${id}/timeline`, { cookie: bea.cookie })).status).toBe(404);
    expect((await request(h, 'GET', `/api/orders/${id}/events`, { cookie: bea.cookie })).status).toBe(404);
    expect((await request(h, 'GET', `/orders/${id}`, { cookie: bea.cookie })).status).toBe(404);
    expect((await request(h, 'POST', `/api/orders/${id}/cancel`, { cookie: bea.cookie })).status).toBe(404);
    const beaToken = await formToken(h, bea.cookie);
    expect((await request(h, 'POST', `/orders/${id}/cancel`, { cookie: bea.cookie, form: { csrf_token: beaToken } })).status).toBe(404);
    expect(await messageCount(h, h.config.topics.pizzaCancelled)).toBe(0);
    expect((await request(h, 'GET', '/api/orders/ffffffff', { cookie: ada.cookie })).status).toBe(404);
    expect((await request(h, 'GET', '/api/orders/not-an-id', { cookie: ada.cookie })).status).toBe(404);
  });

  it('follows pizza-status events from the log: status, label, history', async () => {
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    await h.settle();
    await produceStatus(h, id, 200);
    let one = (await (await request(h, 'GET', `/api/orders/${id}`, { cookie })).json()) as {
      status: number;
      status_label: string;
      status_history: { status: number }[];
    };
    expect(one.status).toBe(200);
    expect(one.status_label).toBe('Your pizza is in the oven');
    await produceStatus(h, id, 300);
    await produceStatus(h, id, 999);
    one = (await (await request(h, 'GET', `/api/orders/${id}`, { cookie })).json()) as typeof one;
    expect(one.status_label).toBe('Your pizza was delivered');
    expect(one.status_history.map((s) => s.status)).toEqual([100, 200, 300, 999]);
    const page = await (await request(h, 'GET', `/orders/${id}`, { cookie })).text();
    expect(page).toContain('Your pizza was delivered');
    // the statechart lights the delivered state
    expect(page).toMatch(/class="state type-\w+ current" data-state="delivered"/);
  });

  it('shows an unknown status code with the configured "else" label', async () => {
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    await produceStatus(h, id, 777);
    const one = (await (await request(h, 'GET', `/api/orders/${id}`, { cookie })).json()) as { status_label: string };
    expect(one.status_label).toBe('Oops! Unknown status');
  });

  it('skips a malformed pizza-status message and carries on', async () => {
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    await h.producer.send(h.config.topics.pizzaStatus, [{ key: id, value: 'not json' }]);
    await produceStatus(h, id, 200);
    expect(((await (await request(h, 'GET', `/api/orders/${id}`, { cookie })).json()) as { status: number }).status).toBe(200);
    expect(h.web.stats().malformed).toBe(1);
  });

  it('builds the order timeline from every topic and gathers the log lines that mention the order', async () => {
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    await produceStage(h, h.config.topics.pizzaAssembled, id, { status: 200, baking_time: 9 });
    await produceStatus(h, id, 200);
    await h.producer.send(h.config.topics.logs, [
      {
        key: id,
        value: JSON.stringify({
          at: h.clock.now(),
          level: 'info',
          actor: 'bake',
          msg: 'pizza in the oven <hot>',
          orderId: id,
          bakingTime: 9,
        }),
      },
      { key: null, value: JSON.stringify({ at: h.clock.now(), level: 'warn', actor: 'bake', msg: 'about nothing' }) },
    ]);
    await h.settle();
    const res = (await (await request(h, 'GET', `/api/orders/${id}/timeline`, { cookie })).json()) as {
      timeline: { topic: string; actor: string; partition: number; offset: number }[];
      logs: { actor: string; msg: string; fields: object }[];
    };
    expect(res.timeline.map((t) => [t.topic, t.actor])).toEqual([
      [h.config.topics.pizzaOrdered, 'web'],
      [h.config.topics.pizzaAssembled, 'assemble'],
      [h.config.topics.pizzaStatus, 'status'],
    ]);
    expect(res.logs.map((l) => [l.actor, l.msg])).toContainEqual(['bake', 'pizza in the oven <hot>']);
    expect(res.logs.find((l) => l.actor === 'bake')?.fields).toEqual({ bakingTime: 9 });
    const page = await (await request(h, 'GET', `/orders/${id}`, { cookie })).text();
    expect(page).toContain(h.config.topics.pizzaAssembled);
    expect(page).not.toContain('<hot>');
  });
});

describe('cancelling', () => {
  it('produces pizza-cancelled {status: 499, timestamp} keyed by the order id, once', async () => {
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    const res = await request(h, 'POST', `/api/orders/${id}/cancel`, { cookie });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ order_id: id, cancel_requested_at: h.clock.now() });
    const again = await request(h, 'POST', `/api/orders/${id}/cancel`, { cookie });
    expect(again.status).toBe(202);
    const messages = await readTopic(h, h.config.topics.pizzaCancelled);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.key).toBe(id);
    expect(JSON.parse(new TextDecoder().decode(messages[0]?.value))).toEqual({ status: 499, timestamp: h.clock.now() });
    await produceStatus(h, id, 499);
    const after = await request(h, 'POST', `/api/orders/${id}/cancel`, { cookie });
    expect(after.status).toBe(409);
    expect(((await (await request(h, 'GET', `/api/orders/${id}`, { cookie })).json()) as { status_label: string }).status_label).toBe(
      'Order has been cancelled',
    );
  });

  it('refuses 409 once the pizza is baked or delivered, producing nothing', async () => {
    const { cookie } = await login(h, 'ada');
    const baked = await placeOrder(h, cookie);
    await produceStatus(h, baked, 300);
    const res = await request(h, 'POST', `/api/orders/${baked}/cancel`, { cookie });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe('CANNOT_CANCEL');
    const delivered = await placeOrder(h, cookie);
    await produceStatus(h, delivered, 999);
    expect((await request(h, 'POST', `/api/orders/${delivered}/cancel`, { cookie })).status).toBe(409);
    // baked on the log before the status actor said so
    const early = await placeOrder(h, cookie);
    await produceStage(h, h.config.topics.pizzaBaked, early, { status: 300 });
    expect((await request(h, 'POST', `/api/orders/${early}/cancel`, { cookie })).status).toBe(409);
    expect(await messageCount(h, h.config.topics.pizzaCancelled)).toBe(0);
  });

  it('cancels from the order page form', async () => {
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    const form = { csrf_token: await formToken(h, cookie) };
    const res = await request(h, 'POST', `/orders/${id}/cancel`, { cookie, form });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/orders/${id}`);
    expect(await messageCount(h, h.config.topics.pizzaCancelled)).toBe(1);
    await produceStatus(h, id, 300);
    const refused = await request(h, 'POST', `/orders/${id}/cancel`, { cookie, form });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('text/html');
  });
});

describe('escaping', () => {
  it('never lets a username or log line become markup', async () => {
    const evil = '<script>alert(1)</script>';
    const { cookie } = await login(h, evil.slice(0, 16));
    const id = await placeOrder(h, cookie);
    await h.producer.send(h.config.topics.logs, [
      { key: id, value: JSON.stringify({ at: 1, level: 'info', actor: '<img src=x onerror=alert(2)>', msg: evil, orderId: id }) },
    ]);
    await h.settle();
    for (const path of ['/', '/orders', `/orders/${id}`, '/kitchen', '/flow']) {
      const html = await (await request(h, 'GET', path, { cookie })).text();
      const markup = withoutAttributeValues(html);
      expect(markup, path).not.toContain('<script>alert');
      expect(markup, path).not.toContain('<img src=x');
      if (path !== '/flow') expect(html, path).toMatch(/&lt;script(&gt;|>)/);
    }
    // The name is kept verbatim (escaped on output, not mangled on input) and shown as text.
    const session = (await (await request(h, 'GET', '/api/session', { cookie })).json()) as { username: string };
    expect(session.username).toBe('<script>alert(1)');
    expect(await (await request(h, 'GET', '/', { cookie })).text()).toMatch(/&lt;script(&gt;|>)alert\(1\)/);
  });
});

describe('kitchen, flow, metrics', () => {
  it('shows pizzas at their station from the log', async () => {
    const { cookie } = await login(h, 'ada');
    const a = await placeOrder(h, cookie);
    const b = await placeOrder(h, cookie);
    await produceStage(h, h.config.topics.pizzaAssembled, a, { status: 200, baking_time: 9 });
    const k = (await (await request(h, 'GET', '/api/kitchen', { cookie })).json()) as {
      stations: {
        station: string;
        in_progress: { order_id: string }[];
        queue_length: number;
        capacity: number;
        done: number;
        states: string[];
      }[];
    };
    const by = Object.fromEntries(k.stations.map((s) => [s.station, s]));
    expect(by.assemble?.in_progress.map((p) => p.order_id)).toEqual([b]);
    expect(by.assemble?.done).toBe(1);
    expect(by.bake?.in_progress.map((p) => p.order_id)).toEqual([a]);
    expect(by.bake?.capacity).toBe(h.config.capacity.bake);
    expect(by.assemble?.states).toEqual(['full']);
    const page = await (await request(h, 'GET', '/kitchen', { cookie })).text();
    expect(page).toContain('data-station="bake"');
    expect(page).toContain(a);
  });

  it('shows the flow of actors and topics with message counts', async () => {
    const { cookie } = await login(h, 'ada');
    await placeOrder(h, cookie);
    const flow = (await (await request(h, 'GET', '/api/flow', { cookie })).json()) as {
      actors: { actor: string }[];
      messages: Record<string, number>;
    };
    expect(flow.actors.map((a) => a.actor)).toEqual([
      'web',
      'assemble',
      'bake',
      'delivery',
      'status',
      'transactions',
      'inventory',
      'processor',
      'analytics',
    ]);
    expect(flow.messages[h.config.topics.pizzaOrdered]).toBe(1);
    const page = await (await request(h, 'GET', '/flow', { cookie })).text();
    expect(page).toContain('pizza-ordered · 1');
  });

  it('GET /metrics: messages per topic, orders per status, station queues, consumer lag', async () => {
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    await placeOrder(h, cookie);
    await produceStatus(h, id, 200);
    const res = await request(h, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('pizza_topic_messages{topic="pizza-ordered"} 2');
    expect(text).toContain('pizza_orders{status="100",name="order_placed"} 1');
    expect(text).toContain('pizza_orders{status="200",name="pizza_assembled"} 1');
    expect(text).toContain('pizza_station_queue_length{station="assemble"} 1');
    expect(text).toContain('pizza_station_in_progress{station="assemble"} 1');
    // nobody runs the assemble station here: everything ordered is lag for its group
    expect(text).toContain('pizza_consumer_lag{group="pizza-assembled",actor="assemble",topic="pizza-ordered"} 2');
    // the web itself has read everything
    expect(text).toContain(`pizza_consumer_lag{group="${h.web.groupId}",actor="web",topic="pizza-ordered"} 0`);
    expect(text).toMatch(/# TYPE pizza_consumer_lag gauge/);
  });
});
