// The web view's retention (`[state-store-orders] retention_hours`, swept every few minutes): an
// order placed longer ago than the retention is gone from the API; a younger one stays.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { login, placeOrder, request, startWeb, type WebHarness } from './webHarness.ts';

const HOUR = 3_600_000;

let h: WebHarness;
beforeEach(async () => {
  h = await startWeb();
});
afterEach(async () => {
  await h.close();
});

describe('web view retention', () => {
  it('forgets an order older than retention_hours and keeps a younger one', async () => {
    const retention = h.config.ordersStore.retentionHours * HOUR;
    const { cookie } = await login(h, 'ada');
    const old = await placeOrder(h, cookie);
    await h.settle();
    await h.clock.advance(retention - HOUR, h.settle);
    const young = await placeOrder(h, cookie);
    await h.settle();
    await h.clock.advance(HOUR - 5 * 60_000, h.settle);
    expect((await request(h, 'GET', `/api/orders/${old}`, { cookie })).status, 'the old order before it is due').toBe(200);

    // past the retention and past a whole sweep period
    await h.clock.advance(20 * 60_000, h.settle);
    expect((await request(h, 'GET', `/api/orders/${old}`, { cookie })).status, 'an order older than the retention').toBe(404);
    expect((await request(h, 'GET', `/api/orders/${young}`, { cookie })).status, 'a younger order').toBe(200);
  });
});
