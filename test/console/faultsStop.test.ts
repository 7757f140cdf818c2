import { expect, it } from 'vitest';
import { login, messageCount, request, startWeb } from '../web/webHarness.ts';

// A delay fault holds a copy on a timer: a web that stops first must not send it later (the log
// may be closed by then, and the timer kept a stopped process waiting up to an hour of shop time).

it('a copy held by a delay fault is not sent once the web has stopped', async () => {
  const h = await startWeb();
  try {
    const { cookie } = await login(h, 'ada');
    const topic = h.config.topics.pizzaOrdered;
    await h.producer.send(topic, [{ key: 'abcdef01', value: JSON.stringify({ status: 100 }) }]);
    const res = await request(h, 'POST', '/api/console/faults/delay', { cookie, json: { topic, order_id: 'abcdef01', seconds: 60 } });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await h.web.stop();
    await h.clock.advance(120_000);
    expect(await messageCount(h, topic)).toBe(1);
    expect(h.clock.nextTimerAt()).toBeUndefined();
    // what the fault says about it (read straight from the app: it needs no consumer)
    const fault = (await (await request(h, 'GET', `/api/console/faults/${id}`, { cookie })).json()) as { summary: string };
    expect(fault.summary).toContain('not sent: the web stopped first');
  } finally {
    await h.close();
  }
});
