import { randomBytes } from 'node:crypto';
import type { StateStore } from '../../store/stateStore.ts';
import { type KitchenBoard, kitchenFromStore } from './kitchenBoard.ts';
import type { Promotion } from '../../lab/labMessages.ts';
import { type ClickCounts, noClicks, type ProductView } from './labView.ts';
import type { OrderView } from './orderView.ts';

/**
 * The web's own store for its query side (never shared with other actors): order documents and the
 * kitchen board written by the projections — a thin adapter over a StateStore (`collection`s
 * `web_orders`, indexed by customer id, and `web_meta`).
 *
 * `viewId` is made when the store is first used and kept in it: the web suffixes its consumer group
 * with it, so a new (empty, or in-memory) store always reads the log from the beginning, and a kept
 * store resumes where its group stopped.
 *
 * @example
 * const view = createViewStore(await openStateStore({ module: 'sqlite', path: 'data/web-1.db' }));
 * view.ordersOf(customerId); // newest first
 */
export interface WebViewStore {
  readonly viewId: string;
  /** false when the store lives in memory (':memory:') */
  readonly durable: boolean;
  getOrder(orderId: string): OrderView | undefined;
  putOrder(order: OrderView): void;
  /** the customer's orders, newest first */
  ordersOf(customerId: string): OrderView[];
  /** number of orders by status code (null: status not known yet) */
  countByStatus(): Map<number | null, number>;
  getKitchen(): KitchenBoard;
  /** the lab's products as the web knows them (inventory, recent windows) */
  getProduct(productId: string): ProductView | undefined;
  putProduct(product: ProductView): void;
  products(): ProductView[];
  getClicks(): ClickCounts;
  putClicks(counts: ClickCounts): void;
  /** the lab's recent promotions, newest first (bounded by the view: `evolveFeed`) */
  getPromotionFeed(): Promotion[];
  putPromotionFeed(feed: Promotion[]): void;
  putKitchen(board: KitchenBoard): void;
  /** the next offset the view applies of a partition (stored with the view: restarts resume exactly there) */
  position(topic: string, partition: number): number | undefined;
  setPosition(topic: string, partition: number, next: number): void;
  /** runs `fn` so that its writes land together (or not at all) */
  transaction<T>(fn: () => T): T;
  /** deletes orders placed before `cutoffMs` (retention); returns how many */
  purgeOlderThan(cutoffMs: number): number;
  close(): void;
}

interface Meta {
  viewId?: string;
}

/** topic:partition → next offset to apply */
type Positions = Record<string, number>;

export function createViewStore(store: StateStore): WebViewStore {
  const orders = store.collection<OrderView>('web_orders');
  const meta = store.collection<Meta | KitchenBoard | Positions | ClickCounts | { feed: Promotion[] }>('web_meta');
  const products = store.collection<ProductView>('web_products');
  const positions: Positions = { ...((meta.get('positions') as Positions | undefined) ?? {}) };
  let viewId = (meta.get('view') as Meta | undefined)?.viewId;
  if (!viewId) {
    viewId = randomBytes(4).toString('hex');
    meta.put('view', { viewId });
  }
  let kitchen = kitchenFromStore(meta.get('kitchen') as KitchenBoard | undefined);
  // counts by status, kept beside the store so /metrics does not scan every order
  const counts = new Map<number | null, number>();
  const bump = (status: number | null, by: number) => {
    const n = (counts.get(status) ?? 0) + by;
    if (n === 0) counts.delete(status);
    else counts.set(status, n);
  };
  for (const entry of orders.list()) bump(entry.doc.status, 1);

  return {
    viewId,
    durable: store.path !== ':memory:',
    getOrder: (id) => orders.get(id),
    putOrder(order) {
      const previous = orders.get(order.orderId);
      orders.put(order.orderId, order, { index: order.customerId, at: order.placedAt ?? order.updatedAt });
      if (previous) bump(previous.status, -1);
      bump(order.status, 1);
    },
    ordersOf: (customerId) =>
      orders
        .list({ index: customerId })
        .map((e) => e.doc)
        .sort((a, b) => (b.placedAt ?? 0) - (a.placedAt ?? 0) || b.orderId.localeCompare(a.orderId)),
    countByStatus: () => new Map(counts),
    getKitchen: () => kitchen,
    putKitchen(board) {
      meta.put('kitchen', board);
      kitchen = board;
    },
    getProduct: (id) => products.get(id),
    putProduct(product) {
      products.put(product.productId, product);
    },
    products: () =>
      products
        .list()
        .map((e) => e.doc)
        .sort((a, b) => a.productId.localeCompare(b.productId)),
    getClicks: () => (meta.get('clicks') as ClickCounts | undefined) ?? noClicks(),
    putClicks(counts) {
      meta.put('clicks', counts);
    },
    getPromotionFeed: () => (meta.get('promotions') as { feed: Promotion[] } | undefined)?.feed ?? [],
    putPromotionFeed(feed) {
      meta.put('promotions', { feed });
    },
    position: (topic, partition) => positions[`${topic}:${partition}`],
    setPosition(topic, partition, next) {
      positions[`${topic}:${partition}`] = next;
      meta.put('positions', positions);
    },
    transaction: (fn) => store.transaction(fn),
    purgeOlderThan(cutoffMs) {
      const old = orders.list().filter((e) => e.at < cutoffMs);
      store.transaction(() => {
        for (const e of old) {
          orders.delete(e.id);
          bump(e.doc.status, -1);
        }
      });
      return old.length;
    },
    close: () => store.close(),
  };
}
