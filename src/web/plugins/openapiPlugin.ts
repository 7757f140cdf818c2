import { Elysia } from 'elysia';
import { jsonResponse } from '../httpErrors.ts';
import { openApiDocument } from '../openapi.ts';
import type { WebContext } from '../webContext.ts';

/** `GET /openapi.json`: the API description (hand-written, `src/web/openapi.ts`). */
export function openapiPlugin(ctx: WebContext) {
  const doc = openApiDocument(ctx.config);
  return new Elysia({ name: 'web.openapi', seed: ctx }).get('/openapi.json', () => jsonResponse(doc));
}
