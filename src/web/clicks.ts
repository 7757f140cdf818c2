import { CATALOGUE } from '../events/catalogue.ts';
import type { Click } from '../lab/labMessages.ts';
import type { Session } from './session/sessionCookie.ts';
import type { WebContext } from './webContext.ts';

/** Longest User-Agent and Referer kept in a click: enough to tell browsers apart, no more. */
export const CLICK_TEXT_MAX = 200;

const text = (value: string | null): string => (value && value.length > 0 ? value.slice(0, CLICK_TEXT_MAX) : '-');

/**
 * Records a menu view (`prodId` null, `bytes` the page's size) or an item click on the clicks
 * topic, keyed by the customer id so one visitor's clicks stay in order. `ip` is the peer address
 * the server saw: the web has no trusted-proxy setting, so behind a proxy it is the proxy's.
 * A click that cannot be produced is logged and dropped: the clickstream is analytics, and a
 * customer's menu must not fail for it. Returns whether the click reached the log.
 */
export async function recordClick(
  ctx: WebContext,
  request: Request,
  ip: string | undefined,
  session: Session,
  prodId: string | null,
  bytes: number,
): Promise<boolean> {
  const click: Click = {
    ip: ip ?? 'unknown',
    userid: session.customerId,
    prod_id: prodId,
    bytes,
    referrer: text(request.headers.get('referer')),
    agent: text(request.headers.get('user-agent')),
    click_ts: ctx.clock.now(),
  };
  try {
    await ctx.producer.send(ctx.config.topics.clicks, [
      { key: session.customerId, value: CATALOGUE.clicks.codec.encode(click), timestamp: click.click_ts },
    ]);
    return true;
  } catch (error) {
    ctx.logger.warn(`click not recorded: ${(error as Error).message}`);
    return false;
  }
}
