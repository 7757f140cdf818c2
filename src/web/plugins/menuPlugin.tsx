import { Elysia, t } from 'elysia';
import { recordClick } from '../clicks.ts';
import { createRateLimiter } from '../protect/rateLimiter.ts';
import { htmlResponse } from '../httpErrors.ts';
import { MenuPage } from '../pages/MenuPage.tsx';
import { menuOffers } from '../pricing.ts';
import { clickSchema, errorSchema } from '../schemas.ts';
import type { WebContext } from '../webContext.ts';
import { withClockHeader } from './clockPlugin.tsx';
import { guardPlugin } from './guardPlugin.ts';
import { newIdempotencyKey } from './ordersCommandPlugin.tsx';

const priceSchema = t.Object({ list_price: t.Number(), discount: t.Number(), price: t.Number() });

/**
 * The menu from the configuration: the page `GET /` (each view recorded on the clicks topic) and
 * `GET /api/menu`, with current promotions, prices and a signed quote of them; `POST /api/clicks`
 * is the page's beacon when a customer picks an item (an item click on the clicks topic).
 */
export function menuPlugin(ctx: WebContext) {
  const menu = ctx.config.menu;
  // views count against the session's click budget too, but a view over it is still served: only
  // its click is not recorded (a reload loop must not flood the clicks topic)
  const views = createRateLimiter(ctx.wallClock);
  return new Elysia({ name: 'web.menu', seed: ctx })
    .use(guardPlugin(ctx))
    .get(
      '/',
      async ({ session, request, server }) => {
        const page = await (<MenuPage session={session} menu={menu} idempotencyKey={newIdempotencyKey()} {...menuOffers(ctx, session)} />);
        const html = await withClockHeader(ctx, request, page);
        // a menu view is the lab's click without a product; its bytes are the page's size
        if (!views.take(`view:session:${session.customerId}`, ctx.config.webLimits.clicksPerMinutePerSession))
          await recordClick(ctx, request, server?.requestIP(request)?.address, session, null, Buffer.byteLength(html));
        return htmlResponse(html);
      },
      {
        signedIn: 'page',
        detail: { hide: true },
      },
    )
    .get(
      '/api/menu',
      ({ session }) => {
        const offers = menuOffers(ctx, session);
        return {
          sauce: menu.sauce,
          cheese: menu.cheese,
          main_topping: menu.mainTopping,
          extra_toppings: menu.extraToppings,
          promotions: offers.promotions,
          prices: offers.prices,
          quote: offers.quote,
        };
      },
      {
        signedIn: 'api',
        response: {
          200: t.Object({
            sauce: t.Array(t.String()),
            cheese: t.Array(t.String()),
            main_topping: t.Array(t.String()),
            extra_toppings: t.Array(t.String()),
            promotions: t.Array(t.Object({ item: t.String(), discount: t.Number(), why: t.String() }, { additionalProperties: true })),
            prices: t.Record(t.String(), priceSchema),
            quote: t.String(),
          }),
          401: errorSchema,
        },
        detail: {
          summary: 'The menu, with current promotions, prices and a quote of them',
          description:
            'Send `quote` back with `POST /api/orders` within 30 minutes to be charged the prices shown (or lower ones, if prices fell since).',
          tags: ['orders'],
        },
      },
    )
    .post(
      '/api/clicks',
      async ({ body, session, request, server, status }) => {
        const recorded = await recordClick(ctx, request, server?.requestIP(request)?.address, session, body.prod_id, 0);
        return status(202, { prod_id: body.prod_id, recorded });
      },
      {
        parse: 'json',
        body: clickSchema(menu),
        signedIn: 'api',
        limit: 'click',
        response: { 202: t.Object({ prod_id: t.String(), recorded: t.Boolean() }), 401: errorSchema, 422: errorSchema, 429: errorSchema },
        detail: { summary: 'Record an item click (the menu page sends it when a customer picks an item)', tags: ['lab'] },
      },
    );
}
