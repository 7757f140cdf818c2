import { html } from '@elysiajs/html';
import { Elysia } from 'elysia';
import { ShopError } from '../errors.ts';
import { errorBody, htmlResponse, jsonResponse, toShopError, wantsJson } from './httpErrors.ts';
import { ErrorPage } from './pages/ErrorPage.tsx';
import { assetsPlugin } from './plugins/assetsPlugin.ts';
import { flowPlugin } from './plugins/flowPlugin.tsx';
import { healthPlugin } from './plugins/healthPlugin.ts';
import { kitchenPlugin } from './plugins/kitchenPlugin.tsx';
import { livePlugin } from './plugins/livePlugin.ts';
import { menuPlugin } from './plugins/menuPlugin.tsx';
import { metricsPlugin } from './plugins/metricsPlugin.ts';
import { openapiPlugin } from './plugins/openapiPlugin.ts';
import { ordersCommandPlugin } from './plugins/ordersCommandPlugin.tsx';
import { ordersQueryPlugin } from './plugins/ordersQueryPlugin.tsx';
import { sessionPlugin } from './plugins/sessionPlugin.tsx';
import { webContext } from './webContext.ts';
import type { WebDeps } from './webDeps.ts';

/**
 * The web front end as an Elysia app, built from one plugin per feature. It does not listen:
 * the web actor calls `.listen(port)`, tests call `app.handle(request)`.
 *
 * Errors are mapped in one place: a ShopError becomes its HTTP status with a JSON body
 * (`{error: {code, message, problems?}}`) on `/api/*`, `/metrics` and `/openapi.json`, and an
 * HTML page elsewhere; anything unexpected is a logged 500 that shows no internals.
 *
 * @example
 * const app = createWebApp(deps);
 * const res = await app.handle(new Request('http://localhost/health-check'));
 * await res.text(); // 'Ok'
 */
export function createWebApp(deps: WebDeps) {
  const ctx = webContext(deps);
  return new Elysia({ name: 'web' })
    .use(html())
    .onError(async ({ error, code, request }) => {
      let e: ShopError;
      if (code === 'NOT_FOUND') e = new ShopError('NOT_FOUND', `nothing at ${new URL(request.url).pathname}`, { httpStatus: 404 });
      else if (code === 'PARSE') e = new ShopError('MALFORMED_BODY', 'the request body could not be read', { httpStatus: 400 });
      else if (code === 'VALIDATION') e = new ShopError('INVALID_REQUEST', 'the request is not valid', { httpStatus: 422 });
      else e = toShopError(error);
      if (e.httpStatus >= 500) {
        const cause = e.cause instanceof Error ? e.cause : error instanceof Error ? error : undefined;
        deps.logger.error(
          `${request.method} ${new URL(request.url).pathname} failed: ${e.message}${cause && cause !== e ? ` (${cause.message})` : ''}`,
        );
      }
      if (wantsJson(request)) return jsonResponse(errorBody(e), e.httpStatus);
      return htmlResponse(await (<ErrorPage status={e.httpStatus} message={e.message} session={ctx.sessionOf(request)} />), e.httpStatus);
    })
    .use(assetsPlugin())
    .use(healthPlugin(ctx))
    .use(openapiPlugin(ctx))
    .use(sessionPlugin(ctx))
    .use(menuPlugin(ctx))
    .use(ordersCommandPlugin(ctx))
    .use(ordersQueryPlugin(ctx))
    .use(livePlugin(ctx))
    .use(kitchenPlugin(ctx))
    .use(flowPlugin(ctx))
    .use(metricsPlugin(ctx));
}

export type WebApp = ReturnType<typeof createWebApp>;
