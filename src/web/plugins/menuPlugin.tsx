import { Elysia } from 'elysia';
import { htmlResponse, jsonResponse, redirectTo, unauthenticated } from '../httpErrors.ts';
import { MenuPage } from '../pages/MenuPage.tsx';
import type { WebContext } from '../webContext.ts';

/** The menu from the configuration: the page `GET /` and `GET /api/menu`. */
export function menuPlugin(ctx: WebContext) {
  const menu = ctx.config.menu;
  return new Elysia({ name: 'web.menu', seed: ctx })
    .get('/', async ({ request }) => {
      const session = ctx.sessionOf(request);
      if (!session) return redirectTo('/login');
      return htmlResponse(await (<MenuPage session={session} menu={menu} />));
    })
    .get('/api/menu', ({ request }) => {
      if (!ctx.sessionOf(request)) throw unauthenticated();
      return jsonResponse({ sauce: menu.sauce, cheese: menu.cheese, main_topping: menu.mainTopping, extra_toppings: menu.extraToppings });
    });
}
