import { Elysia, t } from 'elysia';
import { htmlResponse } from '../httpErrors.ts';
import { MenuPage } from '../pages/MenuPage.tsx';
import { errorSchema } from '../schemas.ts';
import type { WebContext } from '../webContext.ts';
import { guardPlugin } from './guardPlugin.ts';
import { promotionsNow } from './labPlugin.tsx';
import { newIdempotencyKey } from './ordersCommandPlugin.tsx';

/** The menu from the configuration: the page `GET /` and `GET /api/menu`. */
export function menuPlugin(ctx: WebContext) {
  const menu = ctx.config.menu;
  // the lab's current promotions (issue 11), when the lab's databases are reachable from here
  const promotions = () => (ctx.lab ? promotionsNow(ctx.lab, ctx.clock.now()) : []);
  return new Elysia({ name: 'web.menu', seed: ctx })
    .use(guardPlugin(ctx))
    .get(
      '/',
      async ({ session }) =>
        htmlResponse(await (<MenuPage session={session} menu={menu} idempotencyKey={newIdempotencyKey()} promotions={promotions()} />)),
      {
        signedIn: 'page',
        detail: { hide: true },
      },
    )
    .get(
      '/api/menu',
      () => ({
        sauce: menu.sauce,
        cheese: menu.cheese,
        main_topping: menu.mainTopping,
        extra_toppings: menu.extraToppings,
        promotions: promotions(),
      }),
      {
        signedIn: 'api',
        response: {
          200: t.Object({
            sauce: t.Array(t.String()),
            cheese: t.Array(t.String()),
            main_topping: t.Array(t.String()),
            extra_toppings: t.Array(t.String()),
            promotions: t.Array(
              t.Object({ item: t.String(), discount: t.Union([t.Number(), t.Null()]), why: t.String() }, { additionalProperties: true }),
            ),
          }),
          401: errorSchema,
        },
        detail: { summary: 'The menu', tags: ['orders'] },
      },
    );
}
