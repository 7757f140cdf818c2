import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadLetterOf, DEAD_LETTER_HEADERS } from '../../src/runtime/middleware/deadLetter.ts';
import type { DeliveredMessage } from '../../src/transport/transport.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createWebApp } from '../../src/web/createWebApp.tsx';
import { createSessionCodec } from '../../src/web/session/sessionCookie.ts';
import { BASE, formToken, login, readTopic, request, startWeb, TEST_SESSION_SECRET, type WebHarness } from './webHarness.ts';

// The teaching console's message browser, consumer groups and dead-letter redrive, through
// `app.handle` on an in-memory embedded log in virtual time (the Kafka side: console.kafka.test.ts).

interface Browsed {
  partition: number;
  offset: number;
  key: string | null;
  timestamp: number;
  headers: Record<string, string>;
  encoding: string;
  value: unknown;
}
interface BrowsePage {
  topic: string;
  partitions: { partition: number; end: number }[];
  messages: Browsed[];
  scanned: number;
  truncated: boolean;
  cursor: Record<string, number>;
}

let h: WebHarness;
let cookie: string;
beforeEach(async () => {
  h = await startWeb();
  ({ cookie } = await login(h, 'ada'));
});
afterEach(async () => {
  await h.close();
});

const browse = async (query: string): Promise<BrowsePage> => {
  const res = await request(h, 'GET', `/api/console/messages?${query}`, { cookie });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as BrowsePage;
};

/** Sends `n` messages to pizza-ordered, one clock millisecond apart, keyed `k0`, `k1`, `k0`… */
const fill = async (n: number, keys = 2) => {
  const topic = h.config.topics.pizzaOrdered;
  for (let i = 0; i < n; i++) {
    await h.producer.send(topic, [
      { key: `k${i % keys}`, value: JSON.stringify({ n: i, note: i === 3 ? 'Extra Basil please' : 'plain' }), headers: { seq: String(i) } },
    ]);
    await h.clock.advance(1);
  }
  await h.settle();
  return topic;
};

describe('message browser API', () => {
  it('lists any topic newest first with key, partition, offset, timestamp, headers and the decoded value', async () => {
    const topic = await fill(6);
    const page = await browse(`topic=${topic}`);
    expect(page.messages.map((m) => (m.value as { n: number }).n)).toEqual([5, 4, 3, 2, 1, 0]);
    const first = page.messages[0] as Browsed;
    expect(first).toMatchObject({ key: 'k1', encoding: 'json', headers: { seq: '5' } });
    expect(first.timestamp).toBe(h.clock.now() - 1);
    expect(page.partitions.reduce((n, p) => n + p.end, 0)).toBe(6);
    const oldest = await browse(`topic=${topic}&order=oldest&limit=2`);
    expect(oldest.messages.map((m) => (m.value as { n: number }).n)).toEqual([0, 1]);
  });

  it('filters by key, by text (case-insensitive, value or headers), by partition and offset range', async () => {
    const topic = await fill(8);
    const byKey = await browse(`topic=${topic}&key=k0`);
    expect(byKey.messages.map((m) => (m.value as { n: number }).n)).toEqual([6, 4, 2, 0]);
    const byText = await browse(`topic=${topic}&text=extra%20BASIL`);
    expect(byText.messages.map((m) => (m.value as { n: number }).n)).toEqual([3]);
    const byHeader = await browse(`topic=${topic}&text=7&order=oldest`);
    expect(byHeader.messages.map((m) => m.headers.seq)).toContain('7');
    const p = (byKey.messages[0] as Browsed).partition;
    const range = await browse(`topic=${topic}&partition=${p}&from=1&to=3&order=oldest`);
    expect(range.messages.every((m) => m.partition === p && m.offset >= 1 && m.offset < 3)).toBe(true);
    expect(range.messages.map((m) => m.offset)).toEqual([1, 2]);
  });

  it('live tail: after a cursor only what arrived since comes back, and a cut-off tail goes on where it stopped', async () => {
    const topic = await fill(3);
    const first = await browse(`topic=${topic}`);
    const cursor = Object.entries(first.cursor)
      .map(([p, o]) => `${p}:${o}`)
      .join(',');
    expect((await browse(`topic=${topic}&since=${cursor}`)).messages).toEqual([]);
    await fill(5, 1); // all on k0's partition
    const tail = await browse(`topic=${topic}&since=${cursor}&limit=3`);
    expect(tail.messages.map((m) => m.headers.seq)).toEqual(['0', '1', '2']);
    const next = Object.entries(tail.cursor)
      .map(([p, o]) => `${p}:${o}`)
      .join(',');
    const rest = await browse(`topic=${topic}&since=${next}`);
    expect(rest.messages.map((m) => m.headers.seq)).toEqual(['3', '4']);
  });

  it('refuses what it cannot answer, naming the field', async () => {
    const bad = async (query: string, status: number, code: string) => {
      const res = await request(h, 'GET', `/api/console/messages?${query}`, { cookie });
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    };
    await bad('topic=no-such-topic', 422, 'INVALID_REQUEST');
    await bad(`topic=${h.config.topics.pizzaOrdered}&order=sideways`, 422, 'INVALID_REQUEST');
    await bad(`topic=${h.config.topics.pizzaOrdered}&from=-1`, 422, 'INVALID_REQUEST');
    await bad(`topic=${h.config.topics.pizzaOrdered}&since=nonsense`, 422, 'INVALID_REQUEST');
    await bad(`topic=${h.config.topics.pizzaOrdered}&partition=99`, 404, 'PARTITION_NOT_FOUND');
    expect((await request(h, 'GET', `/api/console/messages?topic=${h.config.topics.pizzaOrdered}`)).status).toBe(401);
  });

  it('shows non-JSON values as text and never renders message content as markup', async () => {
    const topic = h.config.topics.pizzaOrdered;
    await h.producer.send(topic, [{ key: '<b>k</b>', value: '<script>alert(1)</script>', headers: { '<i>h</i>': '<img src=x>' } }]);
    await h.settle();
    const page = await browse(`topic=${topic}`);
    expect(page.messages[0]).toMatchObject({ encoding: 'text', value: '<script>alert(1)</script>' });
    const html = await (await request(h, 'GET', `/console?topic=${topic}`, { cookie })).text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<b>k</b>');
    expect(html).not.toContain('<img src=x>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('consumer groups API', () => {
  it("reports each shop group's members, assignment, committed and end offsets and lag per partition", async () => {
    await fill(4);
    const res = await request(h, 'GET', '/api/console/groups', { cookie });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      groups: {
        group_id: string;
        actor: string;
        state: string;
        lag: number;
        members: { member_id: string; host: string; assignment: { topic: string; partition: number }[] }[];
        partitions: { topic: string; partition: number; committed: number | null; end: number; lag: number; member_id: string | null }[];
      }[];
    };
    const web = body.groups.find((g) => g.actor === 'web');
    expect(web?.group_id).toBe(h.web.groupId);
    expect(web?.state).toBe('Stable');
    expect(web?.members).toHaveLength(1);
    expect(web?.members[0]?.host).toContain(`pid ${process.pid}`);
    const ordered = web?.partitions.filter((p) => p.topic === h.config.topics.pizzaOrdered) ?? [];
    expect(ordered.reduce((n, p) => n + p.end, 0)).toBe(4);
    // what the web read it committed (a partition that never had a message has nothing committed)
    expect(
      ordered.every((p) => p.lag === 0 && p.committed === (p.end > 0 ? p.end : null) && p.member_id === web?.members[0]?.member_id),
    ).toBe(true);
    expect(web?.members[0]?.assignment).toContainEqual({ topic: h.config.topics.pizzaOrdered, partition: 0 });
    // no assemble actor runs in this test: nothing committed, everything is lag, nobody owns a partition
    const assemble = body.groups.find((g) => g.actor === 'assemble');
    expect(assemble?.members).toEqual([]);
    const assembleOrdered = assemble?.partitions.filter((p) => p.topic === h.config.topics.pizzaOrdered) ?? [];
    expect(assembleOrdered.every((p) => p.committed === null && p.lag === p.end && p.member_id === null)).toBe(true);
    expect(assemble?.lag).toBe(4);
  });

  it('samples each group’s lag on the clock and keeps the last minutes for the chart', async () => {
    await h.clock.advance(5_000, h.settle);
    await fill(3);
    await h.clock.advance(5_000, h.settle);
    const body = (await (await request(h, 'GET', '/api/console/groups', { cookie })).json()) as {
      window_ms: number;
      groups: { actor: string; lag_history: { at: number; lag: number }[] }[];
    };
    const assemble = body.groups.find((g) => g.actor === 'assemble');
    const lags = assemble?.lag_history.map((s) => s.lag) ?? [];
    expect(lags.length).toBeGreaterThanOrEqual(3);
    expect(lags[0]).toBe(0);
    expect(lags.at(-1)).toBe(3);
    await h.clock.advance(body.window_ms + 5_000, h.settle);
    const later = (await (await request(h, 'GET', '/api/console/groups', { cookie })).json()) as typeof body;
    const since = later.groups.find((g) => g.actor === 'assemble')?.lag_history ?? [];
    expect(since.length).toBeGreaterThan(100); // still sampling every 5 s
    expect(since.every((s) => s.at >= h.clock.now() - later.window_ms)).toBe(true);
    const html = await (await request(h, 'GET', '/console/groups', { cookie })).text();
    expect(html).toContain('class="lag-line"');
  });
});

describe('dead letters and redrive', () => {
  /** A dead letter as the host writes it: the original message plus the dlq.* headers. */
  const deadLetter = async (value: string) => {
    const original: DeliveredMessage = {
      topic: h.config.topics.pizzaOrdered,
      partition: 1,
      offset: 7,
      key: 'abcd1234',
      value: new TextEncoder().encode(value),
      headers: { traceparent: '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01' },
      timestamp: h.clock.now(),
    };
    const letter = deadLetterOf(h.config.topics.deadLetter, original, 'not JSON', 'assemble', h.clock.now());
    const [at] = await h.producer.send(letter.topic, [letter.message]);
    await h.settle();
    if (!at) throw new Error('no position');
    return at;
  };

  it('POST /api/console/redrive republishes a dead letter to its source topic, marked, without the dlq headers', async () => {
    const at = await deadLetter('{"order_id": "abcd1234"');
    const res = await request(h, 'POST', '/api/console/redrive', { cookie, json: { partition: at.partition, offset: at.offset } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { from: string; to: { topic: string; partition: number; offset: number } };
    expect(body.from).toBe(`${h.config.topics.deadLetter}/${at.partition}/${at.offset}`);
    expect(body.to.topic).toBe(h.config.topics.pizzaOrdered);
    const [again] = await readTopic(h, h.config.topics.pizzaOrdered);
    expect(again?.key).toBe('abcd1234');
    expect(new TextDecoder().decode(again?.value)).toBe('{"order_id": "abcd1234"');
    expect(again?.headers['redriven.from']).toBe(body.from);
    expect(again?.headers.traceparent).toBe('00-0123456789abcdef0123456789abcdef-0123456789abcdef-01');
    expect(Object.keys(again?.headers ?? {}).filter((k) => k.startsWith('dlq.'))).toEqual([]);
  });

  it('refuses a message that is no dead letter, one that names a foreign topic, and an offset with nothing', async () => {
    const [plain] = await h.producer.send(h.config.topics.deadLetter, [{ key: null, value: 'x' }]);
    const refused = await request(h, 'POST', '/api/console/redrive', {
      cookie,
      json: { partition: plain?.partition, offset: plain?.offset },
    });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('NOT_A_DEAD_LETTER');
    const [foreign] = await h.producer.send(h.config.topics.deadLetter, [
      { key: null, value: 'x', headers: { [DEAD_LETTER_HEADERS.topic]: '__consumer_offsets' } },
    ]);
    const res = await request(h, 'POST', '/api/console/redrive', {
      cookie,
      json: { partition: foreign?.partition, offset: foreign?.offset },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('REDRIVE_REFUSED');
    expect((await request(h, 'POST', '/api/console/redrive', { cookie, json: { partition: 0, offset: 999 } })).status).toBe(404);
    expect((await request(h, 'POST', '/api/console/redrive', { cookie, json: { partition: 0 } })).status).toBe(422);
    expect((await request(h, 'POST', '/api/console/redrive', { json: { partition: 0, offset: 0 } })).status).toBe(401);
  });

  it('the dead-letter page has a redrive button per dead letter; its form needs the session token and a same-origin request', async () => {
    const at = await deadLetter('not json at all');
    const page = await (await request(h, 'GET', `/console?topic=${h.config.topics.deadLetter}`, { cookie })).text();
    expect(page).toContain('Dead letters');
    expect(page).toContain('action="/console/redrive"');
    const form = { partition: String(at.partition), offset: String(at.offset) };
    expect((await request(h, 'POST', '/console/redrive', { cookie, form })).status).toBe(422);
    expect((await request(h, 'POST', '/console/redrive', { cookie, form: { ...form, csrf_token: 'forged' } })).status).toBe(403);
    const csrf_token = await formToken(h, cookie);
    const crossSite = await request(h, 'POST', '/console/redrive', {
      cookie,
      form: { ...form, csrf_token },
      headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect(await readTopic(h, h.config.topics.pizzaOrdered)).toEqual([]);
    const ok = await request(h, 'POST', '/console/redrive', { cookie, form: { ...form, csrf_token } });
    expect(ok.status).toBe(303);
    const location = ok.headers.get('location') ?? '';
    expect(location).toContain(`/console?topic=${h.config.topics.deadLetter}`);
    expect(await readTopic(h, h.config.topics.pizzaOrdered)).toHaveLength(1);
    const after = await (await request(h, 'GET', location, { cookie })).text();
    expect(after).toContain(`Redriven: ${h.config.topics.deadLetter}/${at.partition}/${at.offset} → ${h.config.topics.pizzaOrdered}`);
  });

  it('answers 503 and redrives nothing when the log cannot take the message', async () => {
    const at = await deadLetter('{"order_id": "abcd1234"}');
    const failing = createWebApp({
      config: h.config,
      producer: { send: () => Promise.reject(new Error('broker down')) },
      transport: h.log,
      view: h.web.view,
      clock: h.clock,
      logger: createLogger({ actor: 'web', format: 'silent' }),
      sessions: createSessionCodec(TEST_SESSION_SECRET, { now: () => h.clock.now() }),
      groupId: 'g',
    });
    const body = JSON.stringify({ partition: at.partition, offset: at.offset });
    const res = await failing.handle(
      new Request(`${BASE}/api/console/redrive`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      }),
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('LOG_UNAVAILABLE');
    expect(await readTopic(h, h.config.topics.pizzaOrdered)).toEqual([]);
  });
});
