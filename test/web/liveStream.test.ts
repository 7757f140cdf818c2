import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { login, placeOrder, produceStage, produceStatus, request, startWeb, type WebHarness } from './webHarness.ts';

// Streaming responses only work under Bun (TOOLCHAIN.md): this file runs under Bun only.

interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads Server-Sent Events from a response body, one at a time, with a bounded wait. */
function sseReader(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const queue: SseEvent[] = [];
  const parse = () => {
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) queue.push({ event, data: JSON.parse(data.join('\n')) });
    }
  };
  return {
    async next(timeoutMs = 5_000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no server-sent event arrived in time');
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no server-sent event within ${timeoutMs} ms`)), left);
        });
        const chunk = await Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer));
        if (chunk.done) throw new Error('the stream ended');
        buffer += decoder.decode(chunk.value, { stream: true });
        parse();
      }
      return queue.shift() as SseEvent;
    },
    cancel: () => reader.cancel(),
  };
}

let h: WebHarness;
beforeEach(async () => {
  h = await startWeb();
});
afterEach(async () => {
  await h.close();
});

describe('live updates over Server-Sent Events', () => {
  it('GET /api/orders/:id/events sends a snapshot, then each status change with the statechart state', async () => {
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    await h.settle();
    const res = await request(h, 'GET', `/api/orders/${id}/events`, { cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const sse = sseReader(res);
    const snapshot = await sse.next();
    expect(snapshot.event).toBe('snapshot');
    expect(snapshot.data).toMatchObject({ order_id: id, status: 100, state: 'inProgress.placed', can_cancel: true });

    await produceStatus(h, id, 200);
    const assembled = await sse.next();
    expect(assembled.event).toBe('order');
    expect(assembled.data).toMatchObject({ status: 200, status_label: 'Your pizza is in the oven', state: 'inProgress.assembled' });

    await produceStage(h, h.config.topics.pizzaBaked, id, { status: 300 });
    const baked = (await sse.next()).data as { timeline: { topic: string }[]; can_cancel: boolean };
    expect(baked.timeline.map((t) => t.topic)).toContain(h.config.topics.pizzaBaked);
    expect(baked.can_cancel).toBe(false);

    await produceStatus(h, id, 300);
    await sse.next();
    await produceStatus(h, id, 999);
    const delivered = await sse.next();
    expect(delivered.data).toMatchObject({ status: 999, state: 'delivered', status_label: 'Your pizza was delivered' });
    await sse.cancel();
  });

  it('GET /api/events pushes changes to my orders only', async () => {
    const ada = await login(h, 'ada');
    const bea = await login(h, 'bea');
    const mine = await placeOrder(h, ada.cookie);
    const theirs = await placeOrder(h, bea.cookie);
    await h.settle();
    const sse = sseReader(await request(h, 'GET', '/api/events', { cookie: ada.cookie }));
    await produceStatus(h, theirs, 200);
    await produceStatus(h, mine, 200);
    const first = await sse.next();
    expect(first.event).toBe('order');
    expect(first.data).toMatchObject({ order_id: mine, status: 200 });
    // a new order placed elsewhere (another tab) appears too
    const another = await placeOrder(h, ada.cookie);
    expect((await sse.next()).data).toMatchObject({ order_id: another, status: 100 });
    await sse.cancel();
  });

  it('GET /api/kitchen/events sends the board now and whenever a pizza moves', async () => {
    const { cookie } = await login(h, 'ada');
    const sse = sseReader(await request(h, 'GET', '/api/kitchen/events', { cookie }));
    const first = (await sse.next()).data as { stations: { station: string; in_progress: unknown[] }[] };
    expect(first.stations.map((s) => s.in_progress.length)).toEqual([0, 0, 0]);
    const id = await placeOrder(h, cookie);
    // only what changed: the assemble station, its count, the new pizza and its lit state
    const moved = await sse.next();
    expect(moved.event).toBe('kitchen-diff');
    const diff = moved.data as { stations: { station: string }[] };
    expect(diff.stations).toEqual([
      { station: 'assemble', in_progress_count: 1, pizzas: [expect.objectContaining({ order_id: id, working: true })], states: ['full'] },
    ]);
    await sse.cancel();
  });

  it('stops listening when the client goes away', async () => {
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    const before = h.web.view.listeners();
    const sse = sseReader(await request(h, 'GET', `/api/orders/${id}/events`, { cookie }));
    await sse.next();
    expect(h.web.view.listeners()).toBe(before + 1);
    await sse.cancel();
    expect(h.web.view.listeners()).toBe(before);
  });

  it('keeps an idle stream open with comments on the clock', async () => {
    const { cookie } = await login(h, 'ada');
    const res = await request(h, 'GET', '/api/events', { cookie });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toContain('retry:');
    await h.clock.advance(15_000);
    expect(decoder.decode((await reader.read()).value)).toBe(': keep-alive\n\n');
    await reader.cancel();
  });

  it('ends open streams when the web stops, so a real server can shut down', async () => {
    const url = await h.web.listen(0);
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    const res = await fetch(`${url}/api/orders/${id}/events`, { headers: { cookie } });
    const sse = sseReader(res);
    expect((await sse.next()).event).toBe('snapshot');
    await h.web.stop();
    await expect(sse.next()).rejects.toThrow('the stream ended');
    expect(h.web.view.listeners()).toBe(0);
  });

  // issue 10 (1): a client that does not read made the server queue without bound
  it('drops a stream whose client stops reading once stream_buffer_kib waits for it, and stops listening', async () => {
    await h.close();
    h = await startWeb({ limits: { streamBufferKib: 2 } });
    const { cookie } = await login(h, 'ada');
    const id = await placeOrder(h, cookie);
    await h.settle();
    const before = h.web.view.listeners();
    const res = await request(h, 'GET', `/api/orders/${id}/events`, { cookie });
    expect(h.web.view.listeners()).toBe(before + 1);
    // nobody reads: each change queues an event of ~1 KiB; bounded: at most 50 changes
    let changes = 0;
    while (h.web.view.listeners() > before && changes < 50) {
      await produceStatus(h, id, changes % 2 ? 200 : 300);
      changes += 1;
    }
    expect(h.web.view.listeners(), `still listening after ${changes} unread changes`).toBe(before);
    expect(changes).toBeGreaterThan(1);
    // the queue was discarded: reading now ends in an error, not in megabytes of backlog
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return 'ended';
      })(),
    ).rejects.toThrow('does not read');
  });

  it('the kitchen stream lists at most 50 pizzas per station and kind, and a change sends a small diff', async () => {
    await h.close();
    h = await startWeb({ limits: { ordersPerMinutePerSession: 0, ordersPerMinutePerAddress: 0 } });
    const { cookie } = await login(h, 'ada');
    for (let i = 0; i < 120; i++) await placeOrder(h, cookie);
    await h.settle();
    const sse = sseReader(await request(h, 'GET', '/api/kitchen/events', { cookie }));
    const snapshot = await sse.next();
    expect(snapshot.event).toBe('kitchen');
    const assemble = (snapshot.data as { stations: { queued: unknown[]; queue_length: number; in_progress_count: number }[] }).stations[0];
    expect(assemble?.queued).toHaveLength(50);
    expect(assemble?.queue_length).toBe(119);
    expect(assemble?.in_progress_count).toBe(1);
    const full = JSON.stringify((await (await request(h, 'GET', '/api/kitchen', { cookie })).json()) as object).length;
    // the newest order queues last: past the listed 50, only the count changes
    await h.clock.advance(1);
    await placeOrder(h, cookie);
    const diff = await sse.next();
    expect(diff.event).toBe('kitchen-diff');
    expect(diff.data).toEqual({ at: expect.any(Number), stations: [{ station: 'assemble', queue_length: 120 }] });
    expect(JSON.stringify(diff.data).length).toBeLessThan(full / 50);
    await sse.cancel();
  });

  it('counts open streams in /metrics, kitchen streams included (they share one view listener)', async () => {
    const { cookie } = await login(h, 'ada');
    const streams = [
      sseReader(await request(h, 'GET', '/api/kitchen/events', { cookie })),
      sseReader(await request(h, 'GET', '/api/kitchen/events', { cookie })),
      sseReader(await request(h, 'GET', '/api/events', { cookie })),
    ];
    await streams[0]?.next();
    await streams[1]?.next();
    const metrics = await (await request(h, 'GET', '/metrics')).text();
    expect(metrics).toMatch(/^pizza_web_live_streams 3$/m);
    for (const s of streams) await s.cancel();
    expect(await (await request(h, 'GET', '/metrics')).text()).toMatch(/^pizza_web_live_streams 0$/m);
  });
});
