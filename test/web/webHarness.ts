import { readTopic as readWholeTopic } from '../support/shopHarness.ts';
import { VirtualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config/loadConfig.ts';
import type { ShopConfig, WebLimits } from '../../src/config/shopConfig.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createEmbeddedLog, type EmbeddedLog } from '../../src/transport/embeddedLog.ts';
import type { DeliveredMessage, Producer } from '../../src/transport/transport.ts';
import { createWebActor, type WebActor } from '../../src/web/createWebActor.ts';

export const BASE = 'http://localhost';
export const START = 1_700_000_000_000;

export interface WebHarness {
  config: ShopConfig;
  clock: VirtualClock;
  log: EmbeddedLog;
  web: WebActor;
  producer: Producer;
  /** lets every message in flight reach the view */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export const TEST_SESSION_SECRET = 'a test secret, long enough';

/** A web actor on an in-memory embedded log, in virtual time, with its consumer running. */
export async function startWeb(options: { limits?: Partial<WebLimits> } = {}): Promise<WebHarness> {
  const loaded = loadConfig();
  const config: ShopConfig = { ...loaded, webLimits: { ...loaded.webLimits, ...options.limits } };
  const clock = new VirtualClock(START);
  const log = createEmbeddedLog({ clock });
  await log.ensureTopics(Object.values(config.topics).map((topic) => ({ topic, partitions: 3 })));
  const logger = createLogger({ actor: 'web', clock, format: 'silent' });
  const web = await createWebActor({
    config,
    transport: log,
    clock,
    logger,
    instanceId: 'test',
    sessionSecret: TEST_SESSION_SECRET,
  });
  await web.start();
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await log.capabilities.whenIdle?.();
      await web.idle();
    }
  };
  await settle();
  return {
    config,
    clock,
    log,
    web,
    producer: log.producer(),
    settle,
    async close() {
      await web.stop();
      await log.close();
    },
  };
}

export interface RequestOptions {
  cookie?: string;
  json?: unknown;
  form?: Record<string, string | string[]>;
  body?: string;
  headers?: Record<string, string>;
}

/** Sends a request through `app.handle` (no network). */
export function request(h: WebHarness, method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookie) headers.cookie = options.cookie;
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  if (options.form) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(options.form)) for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
    body = form.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  // as every HTTP/1.1 client does: the web refuses oversized bodies by their declared length
  if (body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(body));
  return h.web.app.handle(new Request(`${BASE}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }));
}

/** The login page as a browser gets it: its form token and the cookie that token is checked against. */
export async function loginForm(h: WebHarness): Promise<{ loginCookie: string; token: string }> {
  const page = await request(h, 'GET', '/login');
  const token = /name="csrf_token" value="([^"]+)"/.exec(await page.text())?.[1];
  const loginCookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (!token || !loginCookie.startsWith('pizza_login=')) throw new Error('the login page set no form token');
  return { loginCookie, token };
}

/** The `pizza_session=…` pair from a response's Set-Cookie headers. */
export function sessionCookieOf(res: Response): string {
  const pair = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('pizza_session='));
  if (!pair) throw new Error(`no session cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
  return pair;
}

/** The CSRF token a signed-in customer's forms carry, read from the menu page like a browser would. */
export async function formToken(h: WebHarness, cookie: string): Promise<string> {
  const html = await (await request(h, 'GET', '/', { cookie })).text();
  const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no csrf_token on the menu page');
  return token;
}

/** Logs in through the API; returns the Cookie header value and the customer id. */
export async function login(h: WebHarness, username: string): Promise<{ cookie: string; customerId: string }> {
  const res = await request(h, 'POST', '/api/login', { json: { username } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { customer_id: string };
  return { cookie: setCookie.split(';')[0] ?? '', customerId: body.customer_id };
}

export const PIZZA = { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Pepperoni', extra_toppings: ['Olives', 'Basil'] };

export async function placeOrder(h: WebHarness, cookie: string, pizza: object = PIZZA): Promise<string> {
  const res = await request(h, 'POST', '/api/orders', { cookie, json: pizza });
  if (res.status !== 201) throw new Error(`order failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { order_id: string }).order_id;
}

/** Produces a status change the way the status actor does (pizza-status, keyed by the order id). */
export async function produceStatus(h: WebHarness, orderId: string, status: number): Promise<void> {
  await h.producer.send(h.config.topics.pizzaStatus, [{ key: orderId, value: JSON.stringify({ status, timestamp: h.clock.now() }) }]);
  await h.settle();
}

/** Produces a stage message (e.g. pizza-baked) the way a station does. */
export async function produceStage(h: WebHarness, topic: string, orderId: string, value: object): Promise<void> {
  await h.producer.send(topic, [{ key: orderId, value: JSON.stringify({ timestamp: h.clock.now(), ...value }) }]);
  await h.settle();
}

/** Every message on a topic, in time order. */
export async function readTopic(h: WebHarness, topic: string): Promise<DeliveredMessage[]> {
  const seen = await readWholeTopic(h.log, topic);
  return seen.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
}

export async function messageCount(h: WebHarness, topic: string): Promise<number> {
  return [...(await h.log.endOffsets(topic)).values()].reduce((a, b) => a + b, 0);
}

/** The markup with every quoted attribute value emptied: what remains is tags and text. */
export function withoutAttributeValues(html: string): string {
  return html.replace(/="[^"]*"/g, '=""');
}
