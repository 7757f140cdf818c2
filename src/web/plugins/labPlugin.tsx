import { Elysia, t } from 'elysia';
import { MAX_RESTOCK_PRODUCTS } from '../../control/controlCommands.ts';
import { HttpError, htmlResponse } from '../httpErrors.ts';
import { AnalyticsPage } from '../pages/AnalyticsPage.tsx';
import { errorSchema } from '../schemas.ts';
import type { WebContext } from '../webContext.ts';
import { analyticsAt, type PromotionView, promotionsAt } from '../view/labView.ts';
import { guardPlugin, type SignedIn } from './guardPlugin.ts';

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

/**
 * Everything the analytics page shows, as JSON (the page polls it): the lab's read side, from this
 * web's view of the log alone (the inventory, product_txn_per_hour, promotions and clicks topics),
 * so every web process shows it whichever process runs the lab's actors.
 */
export function analyticsJson(ctx: WebContext, now: number) {
  const store = ctx.view.store;
  return { ...analyticsAt(store.products(), store.getPromotionFeed(), now), clicks: clicksJson(ctx) };
}

/** The live processes hosting the inventory actor (the process map, read up to now); 409 naming it when none. */
async function inventoryHosts(ctx: WebContext): Promise<string[]> {
  await ctx.processMap.refresh();
  const hosts = ctx.processMap
    .snapshot()
    .processes.filter((p) => !p.stale && p.actors.some((a) => a.actor === 'inventory' && a.state !== 'stopped'))
    .map((p) => p.process);
  if (hosts.length === 0) {
    throw new HttpError(
      'ACTOR_NOT_RUNNING',
      'no live process hosts the inventory actor now, so nothing would restock: start one (--actors inventory,…) and try again (see the process map)',
      409,
    );
  }
  return hosts;
}

/**
 * Restocking from any web: the command goes on the control channel to the processes hosting the
 * inventory actor (src/app/startShop.ts applies it to their inventory database, whose source
 * publishes the change); the page sees the stock rise once the inventory topic brings it.
 * Checked here first, so a bad request produces nothing: the products must be ones this web knows
 * from the inventory topic, and some live process must host the inventory actor.
 */
async function restock(ctx: WebContext, session: SignedIn, products: string[] | undefined) {
  const channel = ctx.control?.channel;
  if (!channel) throw new HttpError('NO_CONTROL', 'this web cannot reach the other processes (no control channel)', 503);
  if (products) {
    const known = new Set(ctx.view.store.products().flatMap((p) => (p.inventory ? [p.productId] : [])));
    const unknown = [...new Set(products)].filter((p) => !known.has(p));
    if (unknown.length > 0) throw new HttpError('UNKNOWN_PRODUCT', `no such product in the inventory: ${unknown.join(', ')}`, 422);
  }
  const processes = await inventoryHosts(ctx);
  const command = await channel.send(
    { type: 'inventory.restock', ...(products ? { products: [...new Set(products)] } : {}) },
    `${session.username} via the analytics page`,
  );
  return { command: command.id, products: products ? [...new Set(products)] : ('all' as const), processes };
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
 * The stream-processing lab on the web (issue 11), all from this web's view of the lab's topics (no
 * lab database): `GET /api/promotions` (current promotions), `GET /analytics` and
 * `GET /api/analytics` (windows against the expected rate, stock, the promotions feed, clicks; the
 * page polls the JSON), `POST /api/inventory/restock` (refill to capacity where the inventory actor
 * runs: 202 once sent).
 */
export function labPlugin(ctx: WebContext) {
  return new Elysia({ name: 'web.lab', seed: ctx })
    .use(guardPlugin(ctx))
    .get('/api/promotions', () => ({ promotions: promotionsNow(ctx) }), {
      signedIn: 'api',
      response: { 200: t.Object({ promotions: t.Array(promotionSchema) }), 401: errorSchema },
      detail: { summary: 'Current promotions: items with high stock and fewer orders than expected this hour', tags: ['lab'] },
    })
    .get('/api/analytics', () => analyticsJson(ctx, ctx.clock.now()), {
      signedIn: 'api',
      detail: { summary: 'Live windows per product, stock, the promotions feed and clicks (from the log)', tags: ['lab'] },
    })
    .get(
      '/analytics',
      async ({ session }) => htmlResponse(await (<AnalyticsPage session={session} data={analyticsJson(ctx, ctx.clock.now())} />)),
      {
        signedIn: 'page',
        detail: { hide: true },
      },
    )
    .post('/api/inventory/restock', async ({ body, session, status }) => status(202, await restock(ctx, session, body.products)), {
      parse: 'json',
      signedIn: 'api',
      limit: 'restock',
      body: t.Object(
        {
          products: t.Optional(
            t.Array(t.String({ minLength: 1, maxLength: 100 }), {
              minItems: 1,
              maxItems: MAX_RESTOCK_PRODUCTS,
              error: `products must be a list of 1 to ${MAX_RESTOCK_PRODUCTS} product ids (leave it out to restock every product)`,
            }),
          ),
        },
        { additionalProperties: false },
      ),
      response: {
        202: t.Object({ command: t.String(), products: t.Union([t.Array(t.String()), t.Literal('all')]), processes: t.Array(t.String()) }),
        401: errorSchema,
        409: errorSchema,
        422: errorSchema,
        429: errorSchema,
        503: errorSchema,
      },
      detail: {
        summary:
          'Refill products (all when none are named) to capacity, where the inventory actor runs; the stock rises once the inventory topic brings it',
        tags: ['lab'],
      },
    });
}
