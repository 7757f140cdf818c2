import { randomBytes } from 'node:crypto';
import { Elysia, t } from 'elysia';
import { formBody } from '../formBody.ts';
import { HttpError, htmlResponse, redirectTo } from '../httpErrors.ts';
import { LoginPage } from '../pages/LoginPage.tsx';
import { LOGIN_CSRF_COOKIE } from '../protect/csrf.ts';
import { errorSchema, loginBody, loginForm, problemsOf, sessionInfoSchema, sessionSchema, tokenForm, usernameProblem } from '../schemas.ts';
import { SESSION_COOKIE, sessionCookieOptions } from '../session/sessionCookie.ts';
import type { WebContext } from '../webContext.ts';
import { guardPlugin } from './guardPlugin.ts';

/** The login form's own token lives in a cookie of its own, sent only to `/login`, only from this site. */
const loginCookie = (secure: boolean) => ({ path: '/login', httpOnly: true, sameSite: 'strict' as const, maxAge: 3600, secure });

/**
 * Login and logout, for pages (`/login`, `POST /logout`) and the API (`/api/login`, `/api/logout`,
 * `/api/session`). Logging in makes a new 32-hex customer id and puts it in a signed HttpOnly
 * session cookie (through Elysia's cookie jar). Logging out is a POST: a link from another site
 * cannot end a session.
 */
export function sessionPlugin(ctx: WebContext) {
  const secure = ctx.secureCookies ?? false;
  const checkedName = (raw: string) => {
    const name = raw.trim();
    const problem = usernameProblem(name);
    if (problem) throw new HttpError('INVALID_USERNAME', `username ${problem}`, 422, { problems: [{ field: 'username', problem }] });
    return name;
  };
  const start = (username: string) => {
    const session = { customerId: ctx.newCustomerId(), username, since: ctx.wallClock.now() };
    ctx.logger.info('customer logged in', { customerId: session.customerId });
    return { session, value: ctx.sessions.encode(session) };
  };
  const loginPage = async (props: { token: string; username?: string; problems?: { field: string; problem: string }[] }, status = 200) =>
    htmlResponse(await (<LoginPage {...props} />), status);
  return new Elysia({ name: 'web.session', seed: ctx })
    .use(guardPlugin(ctx))
    .get(
      '/login',
      ({ cookie }) => {
        const token = randomBytes(16).toString('hex');
        cookie[LOGIN_CSRF_COOKIE]?.set({ value: token, ...loginCookie(secure) });
        return loginPage({ token });
      },
      { detail: { hide: true } },
    )
    .post(
      '/login',
      ({ body, cookie }) => {
        const { value } = start(checkedName(body.username));
        cookie[SESSION_COOKIE]?.set({ value, ...sessionCookieOptions(secure) });
        cookie[LOGIN_CSRF_COOKIE]?.remove();
        return redirectTo('/');
      },
      {
        parse: ({ request }) => formBody(request),
        body: loginForm,
        formToken: 'login',
        limit: 'login',
        detail: { hide: true },
        error({ code, error, body, cookie }) {
          // a refused name shows the form again with the problems, the token unchanged
          const problems =
            code === 'VALIDATION' ? problemsOf(error) : error instanceof HttpError && error.httpStatus === 422 ? error.problems : undefined;
          if (!problems) return;
          const given = (body as { username?: unknown } | undefined)?.username;
          return loginPage(
            { token: String(cookie[LOGIN_CSRF_COOKIE]?.value ?? ''), username: typeof given === 'string' ? given : '', problems },
            422,
          );
        },
      },
    )
    .post(
      '/logout',
      ({ cookie }) => {
        cookie[SESSION_COOKIE]?.remove();
        return redirectTo('/login');
      },
      { parse: ({ request }) => formBody(request), body: tokenForm, signedIn: 'page', formToken: 'session', detail: { hide: true } },
    )
    .post(
      '/api/login',
      ({ body, cookie }) => {
        const { session, value } = start(checkedName(body.username));
        cookie[SESSION_COOKIE]?.set({ value, ...sessionCookieOptions(secure) });
        return { customer_id: session.customerId, username: session.username };
      },
      {
        parse: 'json',
        body: loginBody,
        limit: 'login',
        response: { 200: sessionSchema, 422: errorSchema, 429: errorSchema },
        detail: { summary: 'Log in: a new customer id in a signed session cookie', tags: ['session'] },
      },
    )
    .post(
      '/api/logout',
      ({ cookie }) => {
        cookie[SESSION_COOKIE]?.remove();
        return { logged_out: true };
      },
      {
        response: { 200: t.Object({ logged_out: t.Boolean() }) },
        detail: { summary: 'Log out (clears the session cookie)', tags: ['session'] },
      },
    )
    .get('/api/session', ({ session }) => ({ customer_id: session.customerId, username: session.username, since: session.since }), {
      signedIn: 'api',
      response: { 200: sessionInfoSchema, 401: errorSchema },
      detail: { summary: 'Who is logged in', tags: ['session'] },
    });
}
