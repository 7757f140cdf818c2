import { Elysia, t } from 'elysia';
import type { ControlCommandBody } from '../../control/controlCommands.ts';
import { MAX_RATE, MAX_STEP_MS, MIN_RATE, shopTimeAt } from '../../runtime/shopClock.ts';
import { formBody } from '../formBody.ts';
import { HttpError, redirectTo } from '../httpErrors.ts';
import { CLOCK_SLOT } from '../pages/Layout.tsx';
import { CSRF_FIELD } from '../protect/csrf.ts';
import { errorSchema } from '../schemas.ts';
import { sseResponse } from '../sse.ts';
import type { WebContext } from '../webContext.ts';
import type { WebControl } from '../webDeps.ts';
import { guardPlugin, type SignedIn } from './guardPlugin.ts';

/** The speeds the header offers (the API takes any rate from MIN_RATE to MAX_RATE). */
export const HEADER_RATES = [0.25, 0.5, 1, 2, 4, 8] as const;

export type ClockAction = 'pause' | 'resume' | 'step' | 'speed';

const clockSchema = t.Object({
  paused: t.Boolean(),
  rate: t.Number({ description: 'the speed multiplier, on top of the configured speed' }),
  speed: t.Number({ description: 'the configured speed (`[shop] speed`, `--speed`)' }),
  shop_time: t.Number({ description: 'shop time now, ms since the epoch' }),
  wall_time: t.Number({ description: "the server's wall time when shop_time was read" }),
  step_ms: t.Number({ description: 'shop time one step moves by default' }),
  last_command: t.Nullable(t.Object({ type: t.String(), issuer: t.String(), at: t.Number() })),
});

const clockBody = t.Object(
  {
    action: t.Union([t.Literal('pause'), t.Literal('resume'), t.Literal('step'), t.Literal('speed')], {
      error: 'action must be pause, resume, step or speed',
    }),
    rate: t.Optional(t.Number({ minimum: MIN_RATE, maximum: MAX_RATE, error: `rate must be a number from ${MIN_RATE} to ${MAX_RATE}` })),
    ms: t.Optional(t.Integer({ minimum: 1, maximum: MAX_STEP_MS, error: `ms must be a whole number from 1 to ${MAX_STEP_MS}` })),
  },
  { additionalProperties: false },
);

const clockForm = t.Object(
  {
    [CSRF_FIELD]: t.String({ error: 'the form is missing its token: reload the page' }),
    action: t.Union([t.Literal('pause'), t.Literal('resume'), t.Literal('step'), t.Literal('speed')], {
      error: 'action must be pause, resume, step or speed',
    }),
    rate: t.Optional(t.String({ maxLength: 10 })),
    back: t.Optional(t.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

/** The clock as the API and the header show it. */
export function clockJson(ctx: WebContext, control: WebControl) {
  const state = control.clock.state();
  const wall = control.clock.wall.now();
  const last = control.channel.last();
  return {
    paused: state.paused,
    rate: state.rate,
    speed: ctx.speed ?? ctx.config.shop.speed,
    shop_time: Math.floor(shopTimeAt(state, wall)),
    wall_time: wall,
    step_ms: ctx.config.shop.clockStepMs,
    last_command: last ? { type: last.type, issuer: last.issuer, at: last.at } : null,
  };
}

/** A local path to go back to after a form (never another site: `//evil` and `/\evil` are refused). */
const localPath = (back: string | undefined) => (back && /^\/(?![/\\])[^\s\\]*$/.test(back) ? back : '/');

const rateLabel = (rate: number) => `×${rate}`;
const timeOfDay = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

/** The clock in the header: its state, shop time, and (signed in) the controls, as a form that works without JS. */
export function ClockHeader(props: { clock: ReturnType<typeof clockJson>; session: SignedIn | undefined; back: string }): JSX.Element {
  const c = props.clock;
  return (
    // the attribute JSON carries numbers and booleans only (every attribute's `&` is escaped by src/web/safeJsx.ts)
    <div
      class="shop-clock"
      id="shop-clock"
      data-clock={JSON.stringify({ paused: c.paused, rate: c.rate, shop_time: c.shop_time, step_ms: c.step_ms })}
      data-paused={String(c.paused)}
    >
      <span class="clock-label">Shop clock</span>{' '}
      <span class="clock-state" data-field="clock-state" safe>
        {c.paused ? 'paused' : `running ${rateLabel(c.rate)}`}
      </span>{' '}
      <time class="clock-time" data-field="clock-time" datetime={new Date(c.shop_time).toISOString()} safe>
        {timeOfDay(c.shop_time)}
      </time>
      {props.session ? (
        <form method="post" action="/clock" class="clock-controls">
          <input type="hidden" name={CSRF_FIELD} value={props.session.csrfToken} />
          <input type="hidden" name="back" value={props.back} />
          <button type="submit" name="action" value="pause" class="clock-pause" hidden={c.paused}>
            Pause
          </button>
          <button type="submit" name="action" value="resume" class="clock-resume" hidden={!c.paused}>
            Resume
          </button>
          <button type="submit" name="action" value="step" class="clock-step" disabled={!c.paused} title="only while paused">
            {`Step +${c.step_ms / 1000} s`}
          </button>
          <select name="rate" aria-label="speed multiplier" class="clock-rate">
            {HEADER_RATES.map((r) => (
              <option value={String(r)} selected={r === c.rate} safe>
                {rateLabel(r)}
              </option>
            ))}
          </select>
          <button type="submit" name="action" value="speed" class="clock-speed">
            Set speed
          </button>
        </form>
      ) : (
        ''
      )}
      <script src="/public/clock.js" defer></script>
    </div>
  );
}

/**
 * Clock control (issue 12): pause, resume, step and speed up the whole shop.
 *
 * - `GET /api/clock` — the clock (public: shop time is no secret);
 * - `POST /api/clock` `{"action":"pause"|"resume"|"step"|"speed", "rate"?, "ms"?}` — a command to
 *   every process (the control topic); answers once this process applied it, with the clock.
 *   409 when it makes no sense now (pause a paused clock, resume or step a running one), 422 for
 *   a bad body; nothing is produced either way;
 * - `POST /clock` — the header's form (CSRF token), then back to the page;
 * - `GET /api/clock/events` — the clock, live (Server-Sent Events: `clock` at once and on every change);
 * - every HTML page gets the clock in its header (the layout's `CLOCK_SLOT`).
 */
/**
 * Fills a page's clock slot (see Layout) with the header's clock. Every HTML response passes through
 * it (the plugin's global response mapper); a route that must know the exact bytes it serves (the
 * menu, whose views are clicks with their size) fills the slot itself first.
 */
export async function withClockHeader(ctx: WebContext, request: Request, html: string): Promise<string> {
  if (!ctx.control || !html.includes(CLOCK_SLOT)) return html;
  const url = new URL(request.url);
  const header = await (
    <ClockHeader clock={clockJson(ctx, ctx.control)} session={ctx.sessionOf(request)} back={localPath(`${url.pathname}${url.search}`)} />
  );
  // a function, not the string: `$'`, `$&` or `` $` `` in the page address (inside `header`) would
  // otherwise pull raw page markup into the form's attribute
  return html.replace(CLOCK_SLOT, () => header);
}

export function clockPlugin(ctx: WebContext) {
  const control = ctx.control;
  const need = (): WebControl => {
    if (!control) throw new HttpError('CLOCK_CONTROL_OFF', 'this web runs without clock control', 404);
    return control;
  };
  const limits = ctx.config.webLimits;
  let streams = 0;
  /**
   * Open clock streams per session, or per client address for a page without one (the header is
   * live on the login page too): without a cap, one client could hold every slot of the total.
   */
  const streamsOf = new Map<string, number>();

  const command = async (session: SignedIn, action: ClockAction, options: { rate?: number | undefined; ms?: number | undefined }) => {
    const c = need();
    const state = c.clock.state();
    if (options.rate !== undefined && action !== 'speed')
      throw new HttpError('INVALID_REQUEST', 'rate goes with the speed action only', 422);
    if (options.ms !== undefined && action !== 'step') throw new HttpError('INVALID_REQUEST', 'ms goes with the step action only', 422);
    let body: ControlCommandBody;
    switch (action) {
      case 'pause':
        if (state.paused) throw new HttpError('CLOCK_PAUSED', 'the shop clock is paused already', 409);
        body = { type: 'clock.pause' };
        break;
      case 'resume':
        if (!state.paused) throw new HttpError('CLOCK_RUNNING', 'the shop clock is running already', 409);
        body = { type: 'clock.resume' };
        break;
      case 'step':
        if (!state.paused) throw new HttpError('CLOCK_RUNNING', 'pause the shop clock before stepping it', 409);
        body = { type: 'clock.step', ms: options.ms ?? ctx.config.shop.clockStepMs };
        break;
      case 'speed':
        if (options.rate === undefined) throw new HttpError('INVALID_REQUEST', 'the speed action needs a rate', 422);
        body = { type: 'clock.speed', rate: options.rate };
        break;
    }
    await c.channel.send(body, `${session.username} via ${ctx.groupId}`);
    return clockJson(ctx, c);
  };

  return new Elysia({ name: 'web.clock', seed: ctx })
    .use(guardPlugin(ctx))
    .mapResponse({ as: 'global' }, async ({ responseValue, request }) => {
      if (!(responseValue instanceof Response) || !control) return;
      if (!(responseValue.headers.get('content-type') ?? '').startsWith('text/html')) return;
      const text = await responseValue.text();
      return new Response(await withClockHeader(ctx, request, text), {
        status: responseValue.status,
        statusText: responseValue.statusText,
        headers: responseValue.headers,
      });
    })
    .get('/api/clock', () => clockJson(ctx, need()), {
      response: { 200: clockSchema, 404: errorSchema },
      detail: { summary: 'The shop clock: paused or running, its speed multiplier and shop time', tags: ['clock'] },
    })
    .post('/api/clock', async ({ body, session }) => command(session, body.action, { rate: body.rate, ms: body.ms }), {
      parse: 'json',
      body: clockBody,
      signedIn: 'api',
      limit: 'clock',
      response: {
        200: clockSchema,
        401: errorSchema,
        404: errorSchema,
        409: errorSchema,
        422: errorSchema,
        429: errorSchema,
        503: errorSchema,
      },
      detail: {
        summary: 'Pause, resume, step or speed up the shop clock, in every process of the shop',
        description:
          '`{"action":"pause"}`, `{"action":"resume"}`, `{"action":"step","ms":1000}` (only while paused; ms defaults to `[shop] clock_step_ms`), `{"action":"speed","rate":2}` (0.25 to 8, on top of the configured speed). Answers with the clock once this process applied the command.',
        tags: ['clock'],
      },
    })
    .post(
      '/clock',
      async ({ body, session }) => {
        const rate = body.action === 'speed' ? Number(body.rate) : undefined;
        if (rate !== undefined && !(Number.isFinite(rate) && rate >= MIN_RATE && rate <= MAX_RATE)) {
          throw new HttpError('INVALID_REQUEST', `rate must be a number from ${MIN_RATE} to ${MAX_RATE}`, 422);
        }
        await command(session, body.action, { rate });
        return redirectTo(localPath(body.back));
      },
      {
        parse: ({ request }) => formBody(request),
        body: clockForm,
        signedIn: 'page',
        formToken: 'session',
        limit: 'clock',
        detail: { hide: true },
      },
    )
    .get(
      '/api/clock/events',
      ({ request, server }) => {
        const c = need();
        if (limits.streamsTotal > 0 && streams >= limits.streamsTotal) {
          throw new HttpError('TOO_MANY_STREAMS', 'the shop serves as many live streams as it can: try again shortly', 503, {
            headers: { 'retry-after': '5' },
          });
        }
        const session = ctx.sessionOf(request);
        const who = session ? `session:${session.customerId}` : `address:${server?.requestIP(request)?.address ?? 'unknown'}`;
        const mine = streamsOf.get(who) ?? 0;
        if (limits.streamsPerSession > 0 && mine >= limits.streamsPerSession) {
          throw new HttpError('TOO_MANY_STREAMS', `at most ${limits.streamsPerSession} live streams per session: close a tab`, 429, {
            headers: { 'retry-after': '5' },
          });
        }
        streams += 1;
        streamsOf.set(who, mine + 1);
        return sseResponse({
          clock: ctx.wallClock,
          signal: request.signal,
          ...(ctx.heartbeatMs !== undefined ? { heartbeatMs: ctx.heartbeatMs } : {}),
          ...(ctx.liveStreams ? { registry: ctx.liveStreams } : {}),
          maxBufferedBytes: limits.streamBufferKib * 1024,
          onEnd: () => {
            streams -= 1;
            const left = (streamsOf.get(who) ?? 1) - 1;
            if (left > 0) streamsOf.set(who, left);
            else streamsOf.delete(who);
          },
          start: (send) => {
            send('clock', clockJson(ctx, c));
            return c.clock.onChange(() => send('clock', clockJson(ctx, c)));
          },
        });
      },
      {
        limit: 'stream',
        response: { 404: errorSchema, 429: errorSchema, 503: errorSchema },
        detail: { summary: 'The shop clock, live (Server-Sent Events: clock, at once and on every change)', tags: ['clock', 'live'] },
      },
    );
}
