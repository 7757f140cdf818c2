import { describe, expect, it } from 'vitest';
import type { InventoryRow, WindowResult } from '../../src/lab/labMessages.ts';
import { evolveClicks, evolveProduct, MAX_WINDOWS, noClicks, priceOf, type ProductView, promotionOf } from '../../src/web/view/labView.ts';

/** The web's view of the lab (src/web/view/labView.ts): current promotions and prices from window results, as the analytics database answers them. */

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
