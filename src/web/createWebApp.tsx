import { html } from '@elysiajs/html';
import { Elysia } from 'elysia';
import { ShopError } from '../errors.ts';
import { prepareDiagrams } from './diagram/shopDiagrams.ts';
import { errorBody, HttpError, htmlResponse, jsonResponse, toShopError, wantsJson } from './httpErrors.ts';
import { ErrorPage } from './pages/ErrorPage.tsx';
import { assetsPlugin } from './plugins/assetsPlugin.ts';
import { clockPlugin } from './plugins/clockPlugin.tsx';
import { consolePlugin } from './plugins/consolePlugin.tsx';
import { faultsPlugin } from './plugins/faultsPlugin.tsx';
import { flowPlugin } from './plugins/flowPlugin.tsx';
import { guardPlugin } from './plugins/guardPlugin.ts';
import { healthPlugin } from './plugins/healthPlugin.ts';
import { kitchenPlugin } from './plugins/kitchenPlugin.tsx';
import { labPlugin } from './plugins/labPlugin.tsx';
import { livePlugin } from './plugins/livePlugin.ts';
import { menuPlugin } from './plugins/menuPlugin.tsx';
import { metricsPlugin } from './plugins/metricsPlugin.ts';
import { openapiPlugin } from './plugins/openapiPlugin.tsx';
import { ordersCommandPlugin } from './plugins/ordersCommandPlugin.tsx';
import { ordersQueryPlugin } from './plugins/ordersQueryPlugin.tsx';
import { sessionPlugin } from './plugins/sessionPlugin.tsx';
import { problemsOf } from './schemas.ts';
import { webContext } from './webContext.ts';
import type { WebDeps } from './webDeps.ts';

/** The error code of a schema refusal, by route: the documented codes of the order and login APIs. */
function invalidCode(request: Request): string {
  const path = new URL(request.url).pathname;
  if (path === '/api/orders' || path === '/') return 'INVALID_ORDER';
  if (path === '/api/login' || path === '/login') return 'INVALID_LOGIN';
  return 'INVALID_REQUEST';
}

/** Pages whose form is shown again with the problems when refused (the route's `error` hook). */
const FORM_PAGES = new Set(['/', '/login']);

/**
 * The web front end as an Elysia app, built from one plugin per feature. It does not listen:
 * the web actor calls `.listen(port)`, tests call `app.handle(request)`.
 *
 * Errors are mapped in one place: a ShopError becomes its HTTP status with a JSON body
 * (`{error: {code, message, problems?}}`) on `/api/*`, `/metrics` and `/openapi.json`, and an
 * HTML page elsewhere; a schema refusal is 422 with one problem per field; anything unexpected is
 * a logged 500 that shows no internals.
 *
 * @example
 * const app = createWebApp(deps);
 * const res = await app.handle(new Request('http://localhost/health-check'));
 * await res.text(); // 'Ok'
 */
export function createWebApp(deps: WebDeps) {
  const ctx = webContext(deps);
  prepareDiagrams(ctx.machines, ctx.topology);
  // normalize off: an unknown field is a refusal the client hears about, not silently dropped
  return new Elysia({ name: 'web', normalize: false })
    .use(html())
    .onError(async ({ error, code, request }) => {
      // these forms show themselves again with the problems: their routes' own error hooks answer
      const refusal = code === 'VALIDATION' || (error instanceof HttpError && error.httpStatus === 422);
      if (refusal && request.method === 'POST' && FORM_PAGES.has(new URL(request.url).pathname)) return;
      let e: ShopError;
      if (code === 'NOT_FOUND') e = new ShopError('NOT_FOUND', `nothing at ${new URL(request.url).pathname}`, { httpStatus: 404 });
      else if (code === 'PARSE') e = new ShopError('MALFORMED_JSON', 'the request body is not valid JSON', { httpStatus: 400 });
      else if (code === 'VALIDATION') {
        const problems = problemsOf(error);
        e = new HttpError(
          invalidCode(request),
          `the request is not valid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`,
          422,
          {
            problems,
          },
        );
      } else e = toShopError(error);
      if (e.httpStatus >= 500 && e.httpStatus !== 503) {
        const cause = e.cause instanceof Error ? e.cause : error instanceof Error ? error : undefined;
        deps.logger.error(
          `${request.method} ${new URL(request.url).pathname} failed: ${e.message}${cause && cause !== e ? ` (${cause.message})` : ''}`,
        );
      }
      const headers = e instanceof HttpError ? e.headers : {};
      if (wantsJson(request)) return jsonResponse(errorBody(e), e.httpStatus, headers);
      return htmlResponse(
        await (<ErrorPage status={e.httpStatus} message={e.message} session={ctx.sessionOf(request)} />),
        e.httpStatus,
        headers,
      );
    })
    .use(guardPlugin(ctx))
    .use(clockPlugin(ctx))
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
    .use(labPlugin(ctx))
    .use(consolePlugin(ctx))
    .use(faultsPlugin(ctx))
    .use(metricsPlugin(ctx));
}

export type WebApp = ReturnType<typeof createWebApp>;
