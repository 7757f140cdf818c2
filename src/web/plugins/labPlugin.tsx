import { Elysia, t } from 'elysia';
import { HttpError, htmlResponse } from '../httpErrors.ts';
import { AnalyticsPage } from '../pages/AnalyticsPage.tsx';
import { errorSchema } from '../schemas.ts';
import type { WebContext } from '../webContext.ts';
import type { WebLab } from '../webDeps.ts';
import { type PromotionView, promotionsAt } from '../view/labView.ts';
import { guardPlugin } from './guardPlugin.ts';

/** The products promoted now, as this web's view knows them from the lab's topics (the menu, `GET /api/promotions`). */
export function promotionsNow(ctx: WebContext, now: number = ctx.clock.now()): PromotionView[] {
  return promotionsAt(ctx.view.store.products(), now);
}

/** Clicks per product and menu views, counted from the clicks topic, most clicked first. */
export function clicksJson(ctx: WebContext) {
  const counts = ctx.view.store.getClicks();
  return {
    views: counts.views,
    last: counts.last,
    by_product: Object.entries(counts.byProduct)
      .map(([prod_id, clicks]) => ({ prod_id, clicks }))
      .sort((a, b) => b.clicks - a.clicks || a.prod_id.localeCompare(b.prod_id)),
  };
}

/** Why a part of the analytics page is empty in this process: the actor whose database it reads runs elsewhere. */
export const LAB_ELSEWHERE = {
  analytics:
    'windows and promotions come from the analytics database, which only the process running the analytics actor opens: run this web with it (--actors web,analytics,…) or use that process’s page',
  inventory:
    'stock comes from the inventory database, which only the process running the inventory actor opens: run this web with it (--actors web,inventory,…) or use that process’s page',
} as const;

/** Everything the analytics page shows, as JSON (the page polls it). */
export function analyticsJson(ctx: WebContext, lab: WebLab, now: number) {
  return {
    now,
    windows: lab.analytics?.latestWindows(3) ?? [],
    inventory: lab.inventory?.all() ?? [],
    promotions: lab.analytics?.promotionFeed(20) ?? [],
    current: promotionsNow(ctx, now),
    clicks: clicksJson(ctx),
    /** what this process cannot show, and what it would need */
    elsewhere: [...(lab.analytics ? [] : [LAB_ELSEWHERE.analytics]), ...(lab.inventory ? [] : [LAB_ELSEWHERE.inventory])],
  };
}

const promotionSchema = t.Object({
  item: t.String(),
  name: t.Union([t.String(), t.Null()]),
  discount: t.Number(),
  stock_level: t.Number(),
  orders_this_hour: t.Number(),
  expected_per_hour: t.Number(),
  why: t.String(),
  window_start: t.Number(),
  window_end: t.Number(),
});

/**
 * The stream-processing lab on the web (issue 11): `GET /api/promotions` (current promotions, from
 * this web's view of the lab's topics: no lab database needed),
 * `GET /analytics` and `GET /api/analytics` (windows against the expected rate, stock, the
 * promotions feed; the page polls the JSON), `POST /api/inventory/restock` (refill to capacity;
 * the inventory source publishes the change).
 */
export function labPlugin(ctx: WebContext, lab: WebLab | undefined) {
  const need = (): WebLab => {
    if (!lab) throw new HttpError('LAB_UNAVAILABLE', 'the stream-processing lab does not run with this web instance', 503);
    return lab;
  };
  return new Elysia({ name: 'web.lab', seed: ctx })
    .use(guardPlugin(ctx))
    .get('/api/promotions', () => ({ promotions: promotionsNow(ctx) }), {
      signedIn: 'api',
      response: { 200: t.Object({ promotions: t.Array(promotionSchema) }), 401: errorSchema },
      detail: { summary: 'Current promotions: items with high stock and fewer orders than expected this hour', tags: ['lab'] },
    })
    .get('/api/analytics', () => analyticsJson(ctx, need(), ctx.clock.now()), {
      signedIn: 'api',
      detail: { summary: 'Live windows per product, stock and the promotions feed', tags: ['lab'] },
    })
    .get(
      '/analytics',
      async ({ session }) => htmlResponse(await (<AnalyticsPage session={session} data={analyticsJson(ctx, need(), ctx.clock.now())} />)),
      {
        signedIn: 'page',
        detail: { hide: true },
      },
    )
    .post(
      '/api/inventory/restock',
      ({ body }) => {
        const inventory = need().inventory;
        if (!inventory) throw new HttpError('LAB_UNAVAILABLE', `restocking writes the inventory database: ${LAB_ELSEWHERE.inventory}`, 503);
        const known = new Set(inventory.all().map((r) => r.product_id));
        const unknown = (body.products ?? []).filter((p) => !known.has(p));
        if (unknown.length > 0) throw new HttpError('UNKNOWN_PRODUCT', `no such product in the inventory: ${unknown.join(', ')}`, 422);
        return { restocked: inventory.restock(body.products) };
      },
      {
        signedIn: 'api',
        body: t.Object({ products: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })) }),
        response: { 200: t.Object({ restocked: t.Number() }), 401: errorSchema, 422: errorSchema, 503: errorSchema },
        detail: { summary: 'Refill products (all when none are named) to capacity', tags: ['lab'] },
      },
    );
}
