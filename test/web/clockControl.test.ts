import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Shop, startShop } from '../../src/app/startShop.ts';
import { VirtualClock } from '../../src/clock.ts';
import { parseControlCommand } from '../../src/control/controlCommands.ts';
import { testConfig } from '../support/shopHarness.ts';
import { readTopic } from '../support/shopHarness.ts';
import type { WebActor } from '../../src/web/createWebActor.ts';

const BASE = 'http://localhost';
const START = 1_700_000_000_000;
const config = testConfig({ partitions: 1 });

let shop: Shop;
let clock: VirtualClock;
beforeEach(async () => {
  clock = new VirtualClock(START);
  shop = await startShop({ config, actors: ['web', 'status'], clock, speed: 1, memory: true, logFormat: 'silent', listen: false });
  await shop.settle();
});
afterEach(async () => {
  await shop.stop();
});

interface Options {
  cookie?: string;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

function request(method: string, path: string, options: Options = {}): Promise<Response> {
  // the shop's own view of its web hides Elysia (kitchen processes never load it); this one is the web actor
  const web = shop.web() as WebActor | undefined;
  if (!web) throw new Error('no web in this shop');
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  if (options.form) {
    body = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return web.app.handle(new Request(`${BASE}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }));
}

async function login(username = 'ada'): Promise<string> {
  const res = await request('POST', '/api/login', { json: { username } });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

const commands = async () => (await readTopic(shop.transport, config.topics.control)).map((m) => parseControlCommand(m.value));

describe('clock control on the web (GET/POST /api/clock, the header)', () => {
  it('pauses, steps, sets the speed and resumes through the JSON API; each command reaches the control topic once', async () => {
    let res = await request('GET', '/api/clock');
    expect(await res.json()).toMatchObject({ paused: false, rate: 1, shop_time: START, step_ms: 1000, last_command: null });
    const cookie = await login('ada');

    await clock.advance(2_000);
    res = await request('POST', '/api/clock', { cookie, json: { action: 'pause' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ paused: true, shop_time: START + 2_000, last_command: { type: 'clock.pause' } });
    await clock.advance(10_000);
    res = await request('POST', '/api/clock', { cookie, json: { action: 'step' } });
    expect(await res.json()).toMatchObject({ paused: true, shop_time: START + 3_000 });
    res = await request('POST', '/api/clock', { cookie, json: { action: 'step', ms: 500 } });
    expect(await res.json()).toMatchObject({ shop_time: START + 3_500 });
    res = await request('POST', '/api/clock', { cookie, json: { action: 'speed', rate: 2 } });
    expect(await res.json()).toMatchObject({ paused: true, rate: 2 });
    res = await request('POST', '/api/clock', { cookie, json: { action: 'resume' } });
    expect(await res.json()).toMatchObject({ paused: false, rate: 2, shop_time: START + 3_500 });
    await clock.advance(1_000);
    expect(shop.clock.now()).toBe(START + 5_500);

    const sent = await commands();
    expect(sent.map((c) => c.type)).toEqual(['clock.pause', 'clock.step', 'clock.step', 'clock.speed', 'clock.resume']);
    expect(sent[0]?.issuer).toMatch(/^ada via /);
  });

  it('refuses bad and senseless commands with a 4xx and produces nothing', async () => {
    const cookie = await login();
    const refused: [unknown, number][] = [
      [{ action: 'fly' }, 422],
      [{ action: 'speed' }, 422],
      [{ action: 'speed', rate: 0 }, 422],
      [{ action: 'speed', rate: 9 }, 422],
      [{ action: 'speed', rate: '2' }, 422],
      [{ action: 'step', ms: 0 }, 422],
      [{ action: 'step', ms: 1.5 }, 422],
      [{ action: 'pause', rate: 2 }, 422],
      [{ action: 'pause', extra: 1 }, 422],
      [{ action: 'step' }, 409], // running: nothing to step
      [{ action: 'resume' }, 409], // running already
    ];
    for (const [json, status] of refused) {
      const res = await request('POST', '/api/clock', { cookie, json });
      expect(res.status, JSON.stringify(json)).toBe(status);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBeTruthy();
    }
    expect((await request('POST', '/api/clock', { json: { action: 'pause' } })).status).toBe(401);
    const crossSite = await request('POST', '/api/clock', {
      cookie,
      json: { action: 'pause' },
      headers: { origin: 'http://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const malformed = await request('POST', '/api/clock', {
      cookie,
      headers: { 'content-type': 'application/json', 'content-length': '5' },
    });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBeLessThan(500);
    expect(await commands()).toEqual([]);
    expect(shop.clock.state().paused).toBe(false);
    // and a pause of a paused clock is a conflict too
    expect((await request('POST', '/api/clock', { cookie, json: { action: 'pause' } })).status).toBe(200);
    expect((await request('POST', '/api/clock', { cookie, json: { action: 'pause' } })).status).toBe(409);
    expect(await commands()).toHaveLength(1);
  });

  it('shows the clock in the header of every page, with controls (a form with the CSRF token) when signed in', async () => {
    const loginPage = await (await request('GET', '/login')).text();
    expect(loginPage).toContain('id="shop-clock"');
    expect(loginPage).toContain('running ×1');
    expect(loginPage).not.toContain('action="/clock"');

    const cookie = await login();
    const menu = await (await request('GET', '/', { cookie })).text();
    expect(menu).toMatch(/<form method="post" action="\/clock" class="clock-controls">/);
    const token = /name="csrf_token" value="([^"]+)"/.exec(menu)?.[1];
    expect(token).toBeTruthy();
    expect(menu).toContain('<script src="/public/clock.js" defer></script>');

    // the form, without JS: a missing token is refused, a good one pauses and goes back to the page
    expect((await request('POST', '/clock', { cookie, form: { csrf_token: 'forged', action: 'pause', back: '/kitchen' } })).status).toBe(
      403,
    );
    expect((await request('POST', '/clock', { cookie, form: { action: 'pause', back: '/kitchen' } })).status).toBe(422);
    expect(await commands()).toEqual([]);
    const res = await request('POST', '/clock', {
      cookie,
      form: { csrf_token: token ?? '', action: 'pause', rate: '1', back: '/kitchen' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/kitchen');
    const kitchen = await (await request('GET', '/kitchen', { cookie })).text();
    expect(kitchen).toContain('>paused<');
    expect(kitchen).toMatch(/<button type="submit" name="action" value="resume" class="clock-resume">/);

    // speed from the form, and a way back to another site is not followed
    const speed = await request('POST', '/clock', {
      cookie,
      form: { csrf_token: token ?? '', action: 'speed', rate: '4', back: '//evil.example/x' },
    });
    expect(speed.headers.get('location')).toBe('/');
    expect(shop.clock.state().rate).toBe(4);
    const bad = await request('POST', '/clock', { cookie, form: { csrf_token: token ?? '', action: 'speed', rate: 'fast' } });
    expect(bad.status).toBe(422);
    expect(await commands()).toHaveLength(2);
  });

  it('caps the open clock streams of a session, and of an address without one', async () => {
    await shop.stop();
    const limited = { ...config, webLimits: { ...config.webLimits, streamsPerSession: 2, streamsPerMinutePerAddress: 0 } };
    shop = await startShop({
      config: limited,
      actors: ['web', 'status'],
      clock,
      speed: 1,
      memory: true,
      logFormat: 'silent',
      listen: false,
    });
    const aborts: AbortController[] = [];
    const open = async (cookie?: string) => {
      const abort = new AbortController();
      aborts.push(abort);
      const web = shop.web() as WebActor;
      const res = await web.app.handle(
        new Request(`${BASE}/api/clock/events`, { headers: cookie ? { cookie } : {}, signal: abort.signal }),
      );
      return res.status;
    };
    expect([await open(), await open(), await open()]).toEqual([200, 200, 429]);
    const cookie = await login('ada');
    expect([await open(cookie), await open(cookie), await open(cookie)]).toEqual([200, 200, 429]);
    // a stream closed gives its slot back
    aborts[0]?.abort();
    await clock.advance(1);
    expect(await open()).toBe(200);
    for (const a of aborts) a.abort();
  });

  it('escapes the page address it writes into the header form', async () => {
    const cookie = await login();
    const html = await (await request('GET', '/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E', { cookie })).text();
    expect(html).not.toContain('"><script>alert(1)');
    expect(html).not.toContain('<script>alert(1)</script>');
    // the clock's JSON rides in an attribute: its quotes are escaped, so it cannot end the attribute
    expect(html).toContain('data-clock="{&#34;paused&#34;:false');
    // and an entity in the page address stays text: the browser reads back the address it was given
    const entity = await (await request('GET', '/?a=1&quot=2', { cookie })).text();
    expect(entity).toContain('name="back" value="/?a=1&amp;quot=2"');
    // `$&` and `` $` `` in the address (a URL's query keeps them raw) are text too, not replacement
    // patterns: `` $` `` copied the page's markup before the header into the attribute, quotes and all
    for (const address of ['/?x=$`', '/kitchen?x=$`', '/?x=$&']) {
      const page = await (await request('GET', address, { cookie })).text();
      expect(page).toContain(`name="back" value="${address.replace('&', '&amp;')}"`);
      expect(page.match(/<form method="post" action="\/clock"/g)).toHaveLength(1);
      expect(page.match(/<html/g)).toHaveLength(1);
    }
  });

  it('sessions run on real time: a login after a pause longer than a session is not born expired', async () => {
    const first = await login('ada');
    expect((await request('POST', '/api/clock', { cookie: first, json: { action: 'pause' } })).status).toBe(200);
    await clock.advance(86_400_000 + 60_000); // a day and a minute of real time, none of shop time
    const cookie = await login('bob');
    expect((await request('GET', '/api/session', { cookie })).status).toBe(200);
  });

  it('streams the clock live (Server-Sent Events): the state at once, then every change', async () => {
    const cookie = await login();
    const res = await request('GET', '/api/clock/events');
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      for (let i = 0; i < 20 && !text.includes(needle); i++) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      expect(text).toContain(needle);
    };
    await readUntil('"paused":false');
    await request('POST', '/api/clock', { cookie, json: { action: 'pause' } });
    await readUntil('"paused":true');
    await reader.cancel();
  });
});
