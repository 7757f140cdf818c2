import { Elysia } from 'elysia';
import type { WebContext } from '../webContext.ts';

/** `GET /health-check` → `Ok`, as the original. */
export function healthPlugin(ctx: WebContext) {
  return new Elysia({ name: 'web.health', seed: ctx }).get(
    '/health-check',
    () => new Response('Ok', { headers: { 'content-type': 'text/plain; charset=utf-8' } }),
    { detail: { summary: 'Ok (text), as the original', tags: ['operations'] } },
  );
}
