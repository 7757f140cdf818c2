import { describe, expect, it } from 'vitest';
import { controlCommandProblem } from '../../src/control/controlCommands.ts';
import { formatTimestamp, type InventoryRow, type Promotion, type WindowResult } from '../../src/lab/labMessages.ts';
import {
  analyticsAt,
  evolveClicks,
  evolveFeed,
  evolveProduct,
  FEED_SIZE,
  MAX_WINDOWS,
  noClicks,
  priceOf,
  type ProductView,
  promotionOf,
  WINDOWS_SHOWN,
} from '../../src/web/view/labView.ts';

/** The web's view of the lab (src/web/view/labView.ts): current promotions and prices from window results; the analytics page's windows, stock and feed. */

const HOUR = 3_600_000;
const STEP = 300_000;
const T = Date.UTC(2026, 10, 30, 12, 0, 0);
const row: InventoryRow = { product_id: 'Ham', name: 'Ham', list_price: 1.5, discount: 20, available: 100, capacity: 100, txn_hour: 6 };
const window = (start: number, count: number, stock = 100): WindowResult => ({
  prod_id: 'Ham',
  window_start: start,
  window_end: start + HOUR,
  txn_per_hour: count,
  expected_txn_per_hour: 6,
  stock_level: stock,
  name: 'Ham',
});
const product = (...windows: WindowResult[]): ProductView =>
  windows.reduce<ProductView>(
    (p, w) => evolveProduct(p, { type: 'WindowCounted', productId: 'Ham', window: w }),
    evolveProduct(undefined, { type: 'InventoryChanged', productId: 'Ham', row }),
  );

describe('promotions in the web view', () => {
  it('a product is promoted while its latest window that has started meets the PROMOTIONS condition, up to (not at) its end', () => {
    const p = product(window(T, 1));
    expect(promotionOf(p, T - 1)).toBeUndefined();
    expect(promotionOf(p, T)).toMatchObject({ item: 'Ham', discount: 20, orders_this_hour: 1, expected_per_hour: 6, stock_level: 100 });
    expect(promotionOf(p, T + HOUR - 1)).toBeDefined();
    expect(promotionOf(p, T + HOUR)).toBeUndefined();
  });

  it('the latest window decides: a later window with as many orders as expected ends the promotion', () => {
    const p = product(window(T, 1), window(T + STEP, 6));
    expect(promotionOf(p, T + STEP - 1)).toBeDefined();
    expect(promotionOf(p, T + STEP)).toBeUndefined();
    // stock at or below 80 %: no promotion
    expect(promotionOf(product(window(T, 1, 80)), T)).toBeUndefined();
  });

  it('of two results of one window the larger count holds, whichever topic delivered it first', () => {
    // product_txn_per_hour says 6 (no longer promoted), then a promotion row of the same window with 5 arrives late
    const p = product(window(T, 6), window(T, 5));
    expect(p.windows).toHaveLength(1);
    expect(p.windows[0]?.txn_per_hour).toBe(6);
    expect(promotionOf(p, T)).toBeUndefined();
  });

  it('without a discount in the inventory there is no offer; a deleted product has no price', () => {
    const noDiscount = evolveProduct(product(window(T, 1)), { type: 'InventoryChanged', productId: 'Ham', row: { ...row, discount: 0 } });
    expect(promotionOf(noDiscount, T)).toBeUndefined();
    expect(priceOf(noDiscount, T)).toEqual({ list_price: 1.5, discount: 0, price: 1.5 });
    const deleted = evolveProduct(product(window(T, 1)), { type: 'InventoryChanged', productId: 'Ham', row: null });
    expect(priceOf(deleted, T)).toBeUndefined();
  });

  it('prices: list price, less the discount while promoted, in cents', () => {
    const p = product(window(T, 1));
    expect(priceOf(p, T)).toEqual({ list_price: 1.5, discount: 20, price: 1.2 });
    expect(priceOf(p, T + HOUR)).toEqual({ list_price: 1.5, discount: 0, price: 1.5 });
  });

  it('keeps the most recent windows only', () => {
    const windows = Array.from({ length: MAX_WINDOWS + 10 }, (_, i) => window(T + i * STEP, 1));
    const p = product(...windows.reverse());
    expect(p.windows).toHaveLength(MAX_WINDOWS);
    expect(p.windows[0]?.window_start).toBe(T + 10 * STEP);
  });

  it('counts menu views and clicks per product', () => {
    const click = { ip: '127.0.0.1', userid: 'c', bytes: 0, referrer: '-', agent: '-', click_ts: T };
    let counts = evolveClicks(noClicks(), { ...click, prod_id: null, bytes: 900 });
    counts = evolveClicks(counts, { ...click, prod_id: 'Ham' });
    counts = evolveClicks(counts, { ...click, prod_id: 'Ham', click_ts: T + 5 });
    expect(counts).toEqual({ views: 1, byProduct: { Ham: 2 }, last: T + 5 });
  });
});

describe('the analytics page from the web view', () => {
  const promotion = (start: number, count: number, prod_id = 'Ham'): Promotion => ({
    ...window(start, count),
    prod_id,
    name: prod_id,
    expected_txn_per_hour: 6,
    stock_level: 100,
    promotion_time: formatTimestamp(start),
    discount: 20,
  });

  it('a promotion row counts as its window and is an entry of the feed, newest first, at most FEED_SIZE', () => {
    const promoted = evolveProduct(undefined, { type: 'Promoted', productId: 'Ham', promotion: promotion(T, 2) });
    expect(promoted.windows).toEqual([window(T, 2)]);
    let feed: Promotion[] = [];
    for (let i = 0; i < FEED_SIZE + 5; i++) feed = evolveFeed(feed, promotion(T + i * STEP, 1));
    expect(feed).toHaveLength(FEED_SIZE);
    expect(feed[0]).toEqual(promotion(T + (FEED_SIZE + 4) * STEP, 1));
    expect(feed.at(-1)?.window_start).toBe(T + 5 * STEP);
    // fields the topic may carry beyond the lab's columns are not kept
    expect(evolveFeed([], { ...promotion(T, 1), extra: 'x' } as Promotion)[0]).toEqual(promotion(T, 1));
  });

  it("shows each product's latest windows that have started, its stock (deleted products left out), the feed and the current promotions", () => {
    const ham = product(...Array.from({ length: 6 }, (_, i) => window(T + i * STEP, i + 1)));
    const olives: ProductView = {
      productId: 'Olives',
      inventory: { ...row, product_id: 'Olives', name: 'Olives', available: 30 },
      windows: [],
    };
    const gone: ProductView = { productId: 'Basil', inventory: null, windows: [{ ...window(T, 1), prod_id: 'Basil' }] };
    const feed = [promotion(T, 1)];
    const now = T + 4 * STEP;
    const view = analyticsAt([olives, ham, gone], feed, now);
    // windows starting after `now` are not shown yet
    expect(view.windows).toEqual([{ ...window(T, 1), prod_id: 'Basil' }, ...[2, 3, 4].map((i) => window(T + i * STEP, i + 1))]);
    expect(WINDOWS_SHOWN).toBe(3);
    expect(view.inventory.map((r) => [r.product_id, r.available])).toEqual([
      ['Ham', 100],
      ['Olives', 30],
    ]);
    expect(view.promotions).toEqual(feed);
    expect(view.current.map((p) => [p.item, p.orders_this_hour])).toEqual([['Ham', 5]]);
    expect(view.now).toBe(now);
  });

  it('a restock command names 1 to 100 products, or none for all', () => {
    const envelope = { id: 'c1', issuer: 'ada via web', at: T };
    expect(controlCommandProblem({ ...envelope, type: 'inventory.restock' })).toBeUndefined();
    expect(controlCommandProblem({ ...envelope, type: 'inventory.restock', products: ['Ham'] })).toBeUndefined();
    expect(controlCommandProblem({ ...envelope, type: 'inventory.restock', products: [] })).toMatch(/products/);
    expect(controlCommandProblem({ ...envelope, type: 'inventory.restock', products: 'Ham' })).toMatch(/products/);
    expect(controlCommandProblem({ ...envelope, type: 'inventory.restock', products: [''] })).toMatch(/product/);
    expect(controlCommandProblem({ ...envelope, type: 'inventory.restock', products: Array(101).fill('Ham') })).toMatch(/products/);
  });
});
