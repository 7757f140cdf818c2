import type { Click, InventoryRow, Promotion, WindowResult } from '../../lab/labMessages.ts';

/**
 * What the web knows of the stream-processing lab, built from the log like the rest of its view
 * (so a web process without the lab's actors or databases knows it too): each product's inventory
 * row (prices, discount, stock) from the inventory topic, its recent hopping windows from
 * product_txn_per_hour and promotions, the recent promotions as they came (the feed), and the
 * clicks counted from the clicks topic. The menu (promotions, prices) and the analytics page
 * (`analyticsAt`) read nothing else: no lab database.
 *
 * Current promotions are the PROMOTIONS condition on each product's latest window at `now`: a
 * promotion row says a window qualified; a later update of the same window (more orders) may say
 * it no longer does, so both topics are read. A window's count only grows, so of two results for
 * one window the larger count is the later one whichever topic delivered it first.
 */

/** A lab message as a view event (keyed by product, not by order). */
export type LabViewEvent =
  | { type: 'InventoryChanged'; productId: string; row: InventoryRow | null }
  | { type: 'WindowCounted'; productId: string; window: WindowResult }
  /** a PROMOTIONS row: its window's count, and an entry of the feed */
  | { type: 'Promoted'; productId: string; promotion: Promotion }
  | { type: 'ClickRecorded'; click: Click };

export const isLabViewEvent = (e: { type: string }): e is LabViewEvent =>
  e.type === 'InventoryChanged' || e.type === 'WindowCounted' || e.type === 'Promoted' || e.type === 'ClickRecorded';

/** One product as the web knows it. */
export interface ProductView {
  productId: string;
  /** the inventory table's row; null while unknown (or deleted) */
  inventory: InventoryRow | null;
  /** its most recent windows, oldest first (at most MAX_WINDOWS) */
  windows: WindowResult[];
}

/** Menu views and item clicks, counted from the clicks topic. */
export interface ClickCounts {
  views: number;
  byProduct: Record<string, number>;
  last: number | null;
}

/** 1 h windows advancing by 5 min: 12 overlap any instant; twice that is plenty for `now` near the newest. */
export const MAX_WINDOWS = 24;

export const emptyProduct = (productId: string): ProductView => ({ productId, inventory: null, windows: [] });
export const noClicks = (): ClickCounts => ({ views: 0, byProduct: {}, last: null });

/** The product's view after one inventory or window event; the same object when nothing changed. */
export function evolveProduct(view: ProductView | undefined, event: Exclude<LabViewEvent, { type: 'ClickRecorded' }>): ProductView {
  const current = view ?? emptyProduct(event.productId);
  if (event.type === 'InventoryChanged') return { ...current, inventory: event.row };
  const w = event.type === 'Promoted' ? event.promotion : event.window;
  const known = current.windows.find((x) => x.window_start === w.window_start);
  if (known && known.txn_per_hour > w.txn_per_hour) return current;
  const windows = [...current.windows.filter((x) => x !== known), stripped(w)]
    .sort((a, b) => a.window_start - b.window_start)
    .slice(-MAX_WINDOWS);
  return { ...current, windows };
}

const stripped = (w: WindowResult): WindowResult => ({
  prod_id: w.prod_id,
  window_start: w.window_start,
  window_end: w.window_end,
  txn_per_hour: w.txn_per_hour,
  expected_txn_per_hour: w.expected_txn_per_hour,
  stock_level: w.stock_level,
  name: w.name,
});

/** The feed keeps this many promotions (the analytics page shows them all). */
export const FEED_SIZE = 20;

/** The promotions feed after one more PROMOTIONS row: newest first, as they came (the sink's `promotions` table, bounded). */
export function evolveFeed(feed: readonly Promotion[], promotion: Promotion): Promotion[] {
  const entry: Promotion = {
    ...stripped(promotion),
    expected_txn_per_hour: promotion.expected_txn_per_hour,
    stock_level: promotion.stock_level,
    promotion_time: promotion.promotion_time,
    discount: promotion.discount,
  };
  return [entry, ...feed].slice(0, FEED_SIZE);
}

export function evolveClicks(counts: ClickCounts, click: Click): ClickCounts {
  const last = Math.max(counts.last ?? click.click_ts, click.click_ts);
  if (click.prod_id === null) return { ...counts, views: counts.views + 1, last };
  return { ...counts, byProduct: { ...counts.byProduct, [click.prod_id]: (counts.byProduct[click.prod_id] ?? 0) + 1 }, last };
}

/** A promotion as customers see it: the item, its discount, and why. */
export interface PromotionView {
  item: string;
  name: string | null;
  /** percent off, from the inventory table */
  discount: number;
  stock_level: number;
  orders_this_hour: number;
  expected_per_hour: number;
  why: string;
  window_start: number;
  window_end: number;
}

/**
 * The product's promotion at `now`, if any: its latest window that has started and not ended
 * meets `txn_per_hour < expected_txn_per_hour AND stock_level > 80` (PROMOTIONS), and the inventory
 * gives it a discount (a promotion of 0 % off is the lab's row, not an offer: the analytics page
 * lists it, the menu does not).
 */
export function promotionOf(product: ProductView, now: number): PromotionView | undefined {
  const latest = product.windows.filter((w) => w.window_start <= now).at(-1);
  if (!latest || latest.window_end <= now) return undefined;
  const { expected_txn_per_hour: expected, stock_level: stock } = latest;
  if (expected === null || stock === null || !(latest.txn_per_hour < expected && stock > 80)) return undefined;
  const discount = product.inventory?.discount ?? 0;
  if (discount <= 0) return undefined;
  return {
    item: product.productId,
    name: latest.name,
    discount,
    stock_level: Math.round(stock),
    orders_this_hour: latest.txn_per_hour,
    expected_per_hour: expected,
    why: `${Math.round(stock)} % in stock, ${latest.txn_per_hour} ordered this hour of ${expected} expected`,
    window_start: latest.window_start,
    window_end: latest.window_end,
  };
}

export function promotionsAt(products: readonly ProductView[], now: number): PromotionView[] {
  return products
    .map((p) => promotionOf(p, now))
    .filter((p): p is PromotionView => p !== undefined)
    .sort((a, b) => a.item.localeCompare(b.item));
}

/** Money in cents precision (prices are REAL in the inventory table). */
export const cents = (amount: number): number => Math.round(amount * 100) / 100;

/** An item's price at `now`: its list price, less the discount while it is promoted; undefined when the inventory is not known. */
export function priceOf(
  product: ProductView | undefined,
  now: number,
): { list_price: number; discount: number; price: number } | undefined {
  if (!product?.inventory) return undefined;
  const list = product.inventory.list_price;
  const discount = promotionOf(product, now)?.discount ?? 0;
  return { list_price: list, discount, price: cents(list * (1 - discount / 100)) };
}

/** The analytics page shows this many of each product's latest windows. */
export const WINDOWS_SHOWN = 3;

/** What the analytics page shows of the lab at `now`, all of it from the web's view of the log. */
export interface LabAnalytics {
  now: number;
  /** each product's latest windows that have started by `now` (at most WINDOWS_SHOWN), by product then start */
  windows: WindowResult[];
  /** the inventory table as the inventory topic last said, by product (deleted products left out) */
  inventory: InventoryRow[];
  /** the promotions feed, newest first */
  promotions: Promotion[];
  /** what the menu offers now */
  current: PromotionView[];
}

export function analyticsAt(products: readonly ProductView[], feed: readonly Promotion[], now: number): LabAnalytics {
  const sorted = [...products].sort((a, b) => a.productId.localeCompare(b.productId));
  return {
    now,
    windows: sorted.flatMap((p) => p.windows.filter((w) => w.window_start <= now).slice(-WINDOWS_SHOWN)),
    inventory: sorted.flatMap((p) => (p.inventory ? [p.inventory] : [])),
    promotions: [...feed],
    current: promotionsAt(sorted, now),
  };
}
