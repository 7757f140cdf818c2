import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseStatusChanged } from '../../src/events/messages.ts';
import type { DeliveredMessage } from '../../src/transport/transport.ts';
import type { WebActor } from '../../src/web/createWebActor.ts';
import { placeOrder, randomCustomerId, randomOrderId, readTopic, virtualShop } from '../support/shopHarness.ts';

// Fault injection and the process map (issue 12) on the whole shop — kitchen, status and web in
// one process on the in-memory embedded log, in virtual time — driven through the web's JSON API
// and forms (`app.handle`), asserting what the shop did about each fault.

type V = Awaited<ReturnType<typeof virtualShop>>;
let v: V;
let cookie: string;

const recipe = { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Pepperoni', extra_toppings: ['Olives'] };

const call = async (method: string, path: string, options: { json?: unknown; form?: Record<string, string> } = {}) => {
  const headers: Record<string, string> = { cookie };
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
  const web = v.shop.web() as WebActor | undefined;
  if (!web) throw new Error('no web in this shop');
  return web.app.handle(new Request(`http://localhost${path}`, { method, headers, ...(body !== undefined ? { body } : {}) }));
};

interface FaultJson {
  id: string;
  kind: string;
  state: string;
  mechanism: string;
  explanation: string[];
  sent?: { topic: string; partition: number; offset: number };
}
interface MapJson {
  processes: {
    process: string;
    stale: boolean;
    actors: { actor: string; partitions: number[]; state: string; restarts: number; restored_rows: number; paused: boolean }[];
  }[];
  changes: { actor: string | null; what: string }[];
}

const fault = async (id: string) => (await (await call('GET', `/api/console/faults/${id}`)).json()) as FaultJson;
const processMap = async () => (await (await call('GET', '/api/console/processes')).json()) as MapJson;
const ofOrder = async (topic: string, orderId: string): Promise<DeliveredMessage[]> =>
  (await readTopic(v.shop.transport, topic)).filter((m) => m.key === orderId);
const statuses = async (orderId: string) =>
  (await ofOrder(v.shop.config.topics.pizzaStatus, orderId)).map((m) => parseStatusChanged(m.value).status);
const ends = async (topic: string) => [...(await v.shop.transport.endOffsets(topic)).values()].reduce((a, b) => a + b, 0);

beforeEach(async () => {
  v = await virtualShop({ actors: ['web', 'assemble', 'bake', 'delivery', 'status'], speed: 1 });
  const res = await call('POST', '/api/login', { json: { username: 'teacher' } });
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
});
afterEach(async () => {
  await v.shop.stop();
});

const DELIVERED = 999;

describe('the process map', () => {
  it('shows this process hosting every actor with all partitions, and a killed actor restarted', async () => {
    const map = await processMap();
    expect(map.processes).toHaveLength(1);
    const me = map.processes[0] as MapJson['processes'][number];
    expect(me.stale).toBe(false);
    const partitions = [...Array(v.shop.config.shop.localPartitions).keys()];
    for (const actor of ['assemble', 'bake', 'delivery', 'status', 'web']) {
      expect(
        me.actors.find((a) => a.actor === actor),
        actor,
      ).toMatchObject({ state: 'running', partitions, restarts: 0 });
    }
    expect(v.shop.controls.kill('bake', 'test kill')).toBe(true);
    await v.advance(1);
    const crashed = (await processMap()).processes[0]?.actors.find((a) => a.actor === 'bake');
    expect(crashed).toMatchObject({ state: 'restarting', restarts: 1, partitions: [] });
    await v.advance(2_000); // past the supervisor's first backoff (500 ms)
    const back = await processMap();
    expect(back.processes[0]?.actors.find((a) => a.actor === 'bake')).toMatchObject({ state: 'running', restarts: 1, partitions });
    expect(back.changes.some((c) => c.actor === 'bake' && c.what.startsWith('crashed: test kill'))).toBe(true);
    const page = await (await call('GET', '/console/processes')).text();
    expect(page).toContain(`data-actor="bake" data-partitions="${partitions.join(',')}" data-state="running"`);
  });
});

describe('the process map: stale and gone', () => {
  it('an entry whose heartbeat is older than three beats shows as stale; a tombstone takes it off', async () => {
    const topic = v.shop.config.topics.processes;
    const old = Date.now() - 60_000;
    const ghost = {
      process: 'ghost-1',
      pid: 1,
      host: 'elsewhere',
      transport: 'kafka',
      started_at: old,
      heartbeat_at: old,
      heartbeat_ms: 2000,
      web_url: null,
      actors: [],
    };
    await v.shop.transport.producer().send(topic, [{ key: 'ghost-1', value: JSON.stringify(ghost) }]);
    await v.advance(1);
    const stale = (await processMap()).processes.find((p) => p.process === 'ghost-1');
    expect(stale?.stale).toBe(true);
    expect((await processMap()).processes.find((p) => p.process !== 'ghost-1')?.stale).toBe(false);
    await v.shop.transport.producer().send(topic, [{ key: 'ghost-1', value: '' }]);
    await v.advance(1);
    const after = await processMap();
    expect(after.processes.map((p) => p.process)).not.toContain('ghost-1');
    expect(after.changes[0]).toMatchObject({ what: 'left (stopped gracefully)' });
  });

  it('a process silent for more than 10 minutes is forgotten (a SIGKILLed process writes no tombstone)', async () => {
    const topic = v.shop.config.topics.processes;
    const at = (ms: number) => ({
      pid: 1,
      host: 'elsewhere',
      transport: 'kafka',
      started_at: ms,
      heartbeat_at: ms,
      heartbeat_ms: 2000,
      web_url: null,
      actors: [],
    });
    const gone = { process: 'gone-1', ...at(Date.now() - 11 * 60_000) };
    const recent = { process: 'recent-1', ...at(Date.now() - 9 * 60_000) };
    await v.shop.transport.producer().send(
      topic,
      [gone, recent].map((e) => ({ key: e.process, value: JSON.stringify(e) })),
    );
    await v.advance(1);
    const map = await processMap();
    expect(map.processes.map((p) => p.process)).not.toContain('gone-1');
    expect(map.processes.find((p) => p.process === 'recent-1')?.stale).toBe(true);
    expect(map.changes.some((c) => c.what.startsWith('forgotten'))).toBe(true);
  });

  it('an entry of another shape on the presence topic is skipped: the map and its page still answer', async () => {
    const topic = v.shop.config.topics.processes;
    const now = Date.now();
    // an actor without its partitions, and an entry without started_at: each used to throw in the
    // map (partitions.join, toISOString of undefined) on every refresh, for as long as the entry lived
    const odd = [
      {
        process: 'odd-1',
        pid: 1,
        host: 'h',
        transport: 'kafka',
        started_at: now,
        heartbeat_at: now,
        heartbeat_ms: 2000,
        web_url: null,
        actors: [{ actor: 'bake' }],
      },
      { process: 'odd-2', pid: 2, host: 'h', transport: 'kafka', heartbeat_at: now, heartbeat_ms: 2000, web_url: null, actors: [] },
      // a time no Date can hold
      {
        process: 'odd-3',
        pid: 3,
        host: 'h',
        transport: 'kafka',
        started_at: 1e20,
        heartbeat_at: now,
        heartbeat_ms: 2000,
        web_url: null,
        actors: [],
      },
    ];
    await v.shop.transport.producer().send(
      topic,
      odd.map((o) => ({ key: o.process, value: JSON.stringify(o) })),
    );
    await v.advance(1);
    const res = await call('GET', '/api/console/processes');
    expect(res.status, await res.clone().text()).toBe(200);
    const names = ((await res.json()) as MapJson).processes.map((p) => p.process);
    expect(names).not.toContain('odd-1');
    expect(names).not.toContain('odd-2');
    expect(names).not.toContain('odd-3');
    expect(names).toHaveLength(1);
    expect((await call('GET', '/console/processes')).status).toBe(200);
    expect((await call('GET', '/console/faults')).status).toBe(200);
  });
});

describe('faults from the console', () => {
  it('poison: every reader dead-letters it and commits past it; later orders still flow', async () => {
    const dlqBefore = await ends(v.shop.config.topics.deadLetter);
    const res = await call('POST', '/api/console/faults/poison', { json: { topic: v.shop.config.topics.pizzaOrdered, kind: 'not-json' } });
    expect(res.status, await res.clone().text()).toBe(201);
    const injected = (await res.json()) as FaultJson;
    await v.advance(100);
    const after = await fault(injected.id);
    expect(after.state, after.explanation.join('\n')).toBe('handled');
    expect(after.mechanism).toBe('dead letter');
    // assemble, delivery and status read pizza-ordered here: one dead letter each
    expect(await ends(v.shop.config.topics.deadLetter)).toBe(dlqBefore + 3);
    expect(after.explanation.filter((l) => l.includes('carried on'))).toHaveLength(3);
    expect(after.explanation).toContain(
      `${v.shop.config.topics.deadLetter} holds ${dlqBefore + 3} message(s): 3 more than when the poison was written.`,
    );
    const orderId = randomOrderId();
    await placeOrder(v.shop, orderId, randomCustomerId(), recipe);
    await v.advance(60_000);
    expect((await statuses(orderId)).at(-1)).toBe(DELIVERED);
  });

  it('duplicate: the copy causes nothing, the order changes status once per stage', async () => {
    const orderId = randomOrderId();
    await placeOrder(v.shop, orderId, randomCustomerId(), recipe);
    await v.advance(60_000);
    expect((await statuses(orderId)).at(-1)).toBe(DELIVERED);
    const res = await call('POST', '/api/console/faults/duplicate', {
      json: { topic: v.shop.config.topics.pizzaAssembled, order_id: orderId },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const injected = (await res.json()) as FaultJson;
    await v.advance(60_000);
    const after = await fault(injected.id);
    expect(after.state, after.explanation.join('\n')).toBe('handled');
    expect(after.explanation).toContain('The copy caused no stage message and no status change: its readers deduped it.');
    expect(await ofOrder(v.shop.config.topics.pizzaAssembled, orderId)).toHaveLength(2); // the original and the copy
    expect(await ofOrder(v.shop.config.topics.pizzaBaked, orderId)).toHaveLength(1);
    const s = await statuses(orderId);
    expect(s.filter((x) => x === 200)).toHaveLength(1);
    expect(new Set(s).size).toBe(s.length);
  });

  it('delay: the copy goes out N kitchen seconds later and is recorded as late, nothing moves back', async () => {
    const orderId = randomOrderId();
    await placeOrder(v.shop, orderId, randomCustomerId(), recipe);
    await v.advance(5);
    const res = await call('POST', '/api/console/faults/delay', {
      json: { topic: v.shop.config.topics.pizzaOrdered, order_id: orderId, seconds: 90 },
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const injected = (await res.json()) as FaultJson;
    expect(injected.state).toBe('waiting');
    await v.advance(60_000);
    expect(await ofOrder(v.shop.config.topics.pizzaOrdered, orderId)).toHaveLength(1); // still held
    expect((await statuses(orderId)).at(-1)).toBe(DELIVERED);
    await v.advance(40_000);
    expect(await ofOrder(v.shop.config.topics.pizzaOrdered, orderId)).toHaveLength(2);
    const after = await fault(injected.id);
    expect(after.state, after.explanation.join('\n')).toBe('handled');
    expect(after.explanation.some((l) => l.startsWith('The order machine recorded it without moving back'))).toBe(true);
    expect((await statuses(orderId)).at(-1)).toBe(DELIVERED);
    expect(await ofOrder(v.shop.config.topics.pizzaAssembled, orderId)).toHaveLength(1);
  });

  it('kill: the actor restarts, restores its rows, and the order completes exactly once', async () => {
    const orderId = randomOrderId();
    await placeOrder(v.shop, orderId, randomCustomerId(), recipe);
    // into the oven: assembled (≤ 11 s), not baked yet (≥ 8 s more)
    await v.advance(12_000);
    expect(await statuses(orderId)).toContain(200);
    const res = await call('POST', '/api/console/faults/kill', { json: { actor: 'bake' } });
    expect(res.status, await res.clone().text()).toBe(202);
    const injected = (await res.json()) as FaultJson;
    await v.advance(60_000);
    const after = await fault(injected.id);
    expect(after.state, after.explanation.join('\n')).toBe('handled');
    expect(after.mechanism).toBe('restart + restore');
    expect(after.explanation.some((l) => /restarts 0 → 1\) and was running again after \d+ ms, restored [1-9]\d* state rows/.test(l))).toBe(
      true,
    );
    expect(after.explanation.some((l) => /^None of the 1 orders on its output topics around the kill has two messages there/.test(l))).toBe(
      true,
    );
    expect(await ofOrder(v.shop.config.topics.pizzaBaked, orderId)).toHaveLength(1);
    expect(await ofOrder(v.shop.config.topics.pizzaDelivered, orderId)).toHaveLength(1);
    expect((await statuses(orderId)).at(-1)).toBe(DELIVERED);
  });

  it('pause station: no progress past it until resumed, its lag grows; then the order completes', async () => {
    const res = await call('POST', '/api/console/faults/pause', { json: { station: 'bake' } });
    expect(res.status, await res.clone().text()).toBe(202);
    const orderId = randomOrderId();
    await placeOrder(v.shop, orderId, randomCustomerId(), recipe);
    await v.advance(120_000);
    expect(await statuses(orderId)).toContain(200);
    expect(await ofOrder(v.shop.config.topics.pizzaBaked, orderId)).toHaveLength(0);
    const paused = (await (await call('GET', '/api/console/faults')).json()) as { faults: FaultJson[] };
    expect(paused.faults[0]?.explanation[0]).toMatch(/^bake takes no new work: 1 message\(s\) wait/);
    expect((await processMap()).processes[0]?.actors.find((a) => a.actor === 'bake')?.paused).toBe(true);
    const resumed = await call('POST', '/api/console/faults/resume', { json: { station: 'bake' } });
    expect(resumed.status).toBe(202);
    await v.advance(60_000);
    expect((await statuses(orderId)).at(-1)).toBe(DELIVERED);
  });

  it('pause is folded from the control topic: a bake started later, in another process, starts paused too', async () => {
    expect((await call('POST', '/api/console/faults/pause', { json: { station: 'bake' } })).status).toBe(202);
    const other = await virtualShop({ actors: ['bake'], transport: v.shop.transport, clock: v.clock });
    try {
      expect(other.shop.controls.paused()).toEqual(['bake']);
      expect(other.shop.actor('bake')?.held()).toBe(true);
      expect((await call('POST', '/api/console/faults/resume', { json: { station: 'bake' } })).status).toBe(202);
      await v.advance(1);
      expect(other.shop.actor('bake')?.held()).toBe(false);
    } finally {
      await other.shop.stop();
    }
  });

  it('the page lists the forms and, after a form post with its token, the fault and its explanation', async () => {
    const page = await (await call('GET', '/console/faults')).text();
    const token = /name="csrf_token" value="([^"]+)"/.exec(page)?.[1] as string;
    expect(token).toBeTruthy();
    for (const id of ['fault-poison', 'fault-duplicate', 'fault-delay', 'fault-kill', 'fault-pause']) expect(page).toContain(`id="${id}"`);
    const posted = await call('POST', '/console/faults', {
      form: { csrf_token: token, fault: 'poison', topic: v.shop.config.topics.pizzaBaked, kind: 'wrong-schema', key: '' },
    });
    expect(posted.status).toBe(303);
    await v.advance(100);
    const list = await (await call('GET', '/console/faults/fragment')).text();
    expect(list).toContain('data-state="handled"');
    expect(list).toContain('sent it to');
  });

  it('bad input is refused with a message and produces nothing', async () => {
    // presence beats and log lines come and go on their own
    const topics = Object.values(v.shop.config.topics).filter(
      (t) => t !== v.shop.config.topics.processes && t !== v.shop.config.topics.logs,
    );
    const before = await Promise.all(topics.map(ends));
    const refused = [
      await call('POST', '/api/console/faults/poison', { json: { topic: 'nope', kind: 'not-json' } }),
      await call('POST', '/api/console/faults/poison', { json: { topic: v.shop.config.topics.pizzaOrdered, kind: 'bad' } }),
      await call('POST', '/api/console/faults/duplicate', { json: { topic: v.shop.config.topics.pizzaOrdered } }),
      await call('POST', '/api/console/faults/duplicate', { json: { topic: v.shop.config.topics.pizzaOrdered, order_id: 'abcdef01' } }),
      await call('POST', '/api/console/faults/delay', {
        json: { topic: v.shop.config.topics.pizzaOrdered, order_id: 'abcdef01', seconds: 0 },
      }),
      await call('POST', '/api/console/faults/kill', { json: { actor: 'oven' } }),
      await call('POST', '/api/console/faults/pause', { json: { station: 'status' } }),
      // a partition the topic does not have (the log's own error was a 500)
      await call('POST', '/api/console/faults/duplicate', { json: { topic: v.shop.config.topics.pizzaOrdered, partition: 99, offset: 0 } }),
      await call('POST', '/console/faults', { form: { csrf_token: 'stale', fault: 'kill', actor: 'bake' } }),
    ];
    expect(refused.map((r) => r.status)).toEqual([422, 422, 422, 404, 422, 422, 422, 422, 403]);
    for (const r of refused.slice(0, 8)) expect(((await r.json()) as { error: { message: string } }).error.message).toBeTruthy();
    await v.advance(100);
    expect(await Promise.all(topics.map(ends))).toEqual(before);
    expect(v.shop.supervisor.states().every((s) => s.restarts === 0)).toBe(true);
  });
});
