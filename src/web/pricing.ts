import { timingSafeEqual } from 'node:crypto';
import type { PizzaPriced, PricedItem } from '../lab/labMessages.ts';
import { HttpError } from './httpErrors.ts';
import type { Session } from './session/sessionCookie.ts';
import { cents, type PromotionView, priceOf, promotionsAt } from './view/labView.ts';
import type { WebContext } from './webContext.ts';

/**
 * Prices as customers see them, and the price an order is placed at.
 *
 * The menu shows each item's price (list price less the discount of a current promotion, from the
 * inventory and promotions topics as this web's view holds them) and hands out a **quote**: those
 * prices with the time they were shown, signed with the session secret (so any web instance
 * sharing the secret can check it, and no table is needed). At placement each item costs the
 * lower of its quoted and its current price: a promotion that ended between showing the menu and
 * placing the order is honoured, one that started since is given too. A quote lasts QUOTE_TTL_MS
 * on the shop's clock; after that (or without one) the current prices apply. A quote that was
 * tampered with, or made for another customer, is refused (422) and nothing is produced.
 *
 * @example
 * const quote = makeQuote(ctx, session);            // { prices: { Ham: { list_price: 2, discount: 20, price: 1.6 } }, token: '…' }
 * priceOrder(ctx, session, ['Tomato', 'Mozzarella', 'Ham'], quote.token); // { items: […], total: 5.6, quoted: true, … }
 */

export const QUOTE_TTL_MS = 30 * 60_000;
/** The longest quote an order may carry (about 80 items); a menu too long for it gets no quote, never a refused order. */
export const QUOTE_MAX = 3000;

export type ItemPrice = Omit<PricedItem, 'prod_id'>;

export interface Quote {
  /** menu items with a known price, by item */
  prices: Record<string, ItemPrice>;
  /** the signed quote the form (or an API client) sends back with the order; '' when nothing is priced */
  token: string;
}

interface QuotePayload {
  /** customer id */
  c: string;
  /** when it was made (shop clock ms) */
  t: number;
  /** item → [list price, discount %, price] */
  p: Record<string, [number, number, number]>;
}

const menuItems = (ctx: WebContext): string[] => {
  const m = ctx.config.menu;
  return [...new Set([...m.sauce, ...m.cheese, ...m.mainTopping, ...m.extraToppings])];
};

/** The current price of each menu item this web knows the inventory of. */
export function pricesNow(ctx: WebContext, now: number = ctx.clock.now()): Record<string, ItemPrice> {
  const out: Record<string, ItemPrice> = {};
  for (const item of menuItems(ctx)) {
    const price = priceOf(ctx.view.store.getProduct(item), now);
    if (price) out[item] = price;
  }
  return out;
}

const sign = (ctx: WebContext, body: string) => ctx.sessions.mac(`quote\u0000${body}`);

export function makeQuote(ctx: WebContext, session: Session, now: number = ctx.clock.now()): Quote {
  const prices = pricesNow(ctx, now);
  if (Object.keys(prices).length === 0) return { prices, token: '' };
  const payload: QuotePayload = {
    c: session.customerId,
    t: now,
    p: Object.fromEntries(Object.entries(prices).map(([item, p]) => [item, [p.list_price, p.discount, p.price]])),
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const token = `${body}.${sign(ctx, body)}`;
  return { prices, token: token.length <= QUOTE_MAX ? token : '' };
}

const badQuote = (why: string) =>
  new HttpError('QUOTE_INVALID', `the price quote ${why}: reload the menu and order again`, 422, {
    problems: [{ field: 'quote', problem: why }],
  });

/** The prices a quote holds; undefined when it has expired. Throws 422 for a quote that is not ours. */
export function readQuote(ctx: WebContext, session: Session, token: string, now: number): Record<string, ItemPrice> | undefined {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) throw badQuote('is malformed');
  const expected = Buffer.from(sign(ctx, body));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badQuote('is not one this shop made');
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as QuotePayload;
  if (payload.c !== session.customerId) throw badQuote('was made for another customer');
  if (now - payload.t > QUOTE_TTL_MS || payload.t > now) return undefined;
  return Object.fromEntries(
    Object.entries(payload.p).map(([item, [list_price, discount, price]]) => [item, { list_price, discount, price }]),
  );
}

/**
 * The price of an order of `items` placed now: each item at the lower of its quoted and current
 * price. Undefined when this web knows no price for some item (the lab's inventory has not
 * reached its view): the order is placed unpriced rather than refused.
 */
export function priceOrder(
  ctx: WebContext,
  session: Session,
  items: readonly string[],
  quoteToken: string | undefined,
  now: number = ctx.clock.now(),
): PizzaPriced | undefined {
  const quoted = quoteToken ? readQuote(ctx, session, quoteToken, now) : undefined;
  const current = pricesNow(ctx, now);
  const priced: PricedItem[] = [];
  let fromQuote = false;
  for (const item of items) {
    const nowPrice = current[item];
    if (!nowPrice) return undefined;
    const q = quoted?.[item];
    if (q && q.price < nowPrice.price) fromQuote = true;
    const p = q && q.price < nowPrice.price ? q : nowPrice;
    priced.push({ prod_id: item, ...p });
  }
  return { items: priced, total: cents(priced.reduce((sum, p) => sum + p.price, 0)), quoted: fromQuote, timestamp: now };
}

/** What the menu shows of the lab (issue 11), from this web's view of the lab's topics: promotions, prices and their quote. */
export function menuOffers(
  ctx: WebContext,
  session: Session,
): { promotions: PromotionView[]; prices: Record<string, ItemPrice>; quote: string } {
  const now = ctx.clock.now();
  const quote = makeQuote(ctx, session, now);
  return { promotions: promotionsAt(ctx.view.store.products(), now), prices: quote.prices, quote: quote.token };
}
