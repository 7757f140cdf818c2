import { Elysia } from 'elysia';
import { isShopError } from '../../errors.ts';
import { htmlResponse, jsonResponse, redirectTo } from '../httpErrors.ts';
import { LoginPage } from '../pages/LoginPage.tsx';
import { readBody } from '../readBody.ts';
import { sessionClearCookie, sessionSetCookie } from '../session/sessionCookie.ts';
import { validateLogin } from '../validateLogin.ts';
import type { WebContext } from '../webContext.ts';

const MAX_LOGIN_BYTES = 1024;

/**
 * Login and logout, for pages (`/login`, `/logout`) and the API (`/api/login`, `/api/logout`,
 * `/api/session`). Logging in makes a new 32-hex customer id and puts it in a signed HttpOnly
 * session cookie.
 */
export function sessionPlugin(ctx: WebContext) {
  const secure = ctx.secureCookies ?? false;
  const start = (username: string) => {
    const session = { customerId: ctx.newCustomerId(), username, since: ctx.clock.now() };
    ctx.logger.info('customer logged in', { customerId: session.customerId });
    return { session, cookie: sessionSetCookie(ctx.sessions.encode(session), secure) };
  };
  const logout = () => ({ 'set-cookie': sessionClearCookie(secure) });
  return new Elysia({ name: 'web.session', seed: ctx })
    .get('/login', async () => htmlResponse(await (<LoginPage />)))
    .post(
      '/login',
      async ({ request }) => {
        let body: unknown;
        try {
          body = await readBody(request, { maxBytes: MAX_LOGIN_BYTES });
          const { cookie } = start(validateLogin(body));
          return redirectTo('/', { 'set-cookie': cookie });
        } catch (error) {
          if (!isShopError(error) || error.httpStatus >= 500) throw error;
          const problems = (error as { problems?: { field: string; problem: string }[] }).problems ?? [
            { field: 'username', problem: error.message },
          ];
          const given = (body as { username?: unknown } | undefined)?.username;
          return htmlResponse(
            await (<LoginPage username={typeof given === 'string' ? given : ''} problems={problems} />),
            error.httpStatus,
          );
        }
      },
      { parse: 'none' },
    )
    .get('/logout', () => redirectTo('/login', logout()))
    .post('/logout', () => redirectTo('/login', logout()), { parse: 'none' })
    .post(
      '/api/login',
      async ({ request }) => {
        const { session, cookie } = start(validateLogin(await readBody(request, { maxBytes: MAX_LOGIN_BYTES })));
        return jsonResponse({ customer_id: session.customerId, username: session.username }, 200, { 'set-cookie': cookie });
      },
      { parse: 'none' },
    )
    .post('/api/logout', () => jsonResponse({ logged_out: true }, 200, logout()), { parse: 'none' })
    .get('/api/session', ({ request }) => {
      const session = ctx.sessionOf(request);
      if (!session) return jsonResponse({ error: { code: 'UNAUTHENTICATED', message: 'not logged in' } }, 401);
      return jsonResponse({ customer_id: session.customerId, username: session.username, since: session.since });
    });
}
