import type { ShopConfig } from '../../config/shopConfig.ts';
import type { ActorSpec } from '../../runtime/host/actorSpec.ts';
import { readsOf, shopTopology } from '../../topology.ts';
import { viewEventDecoder } from './decodeViewEvent.ts';
import { evolveClicks, evolveFeed, evolveProduct, isLabViewEvent, type LabViewEvent } from './labView.ts';
import type { ViewEvent } from './viewEvent.ts';
import type { WebViewStore } from './viewStore.ts';
import type { ViewChange, WebView } from './webView.ts';

/** A change of the view, keyed by its order for the host. */
export type KeyedViewChange = ViewChange & { type: 'view.changed'; orderId: string };

/**
 * The web's query side as a spec for the actor host: every web instance reads the whole stream
 * in a consumer group of its own (DESIGN-NOTES 1) and keeps its view in its own store, each
 * batch applied together with the positions it reached (local state: exactly once, whatever the
 * group's offsets say). Live streams hear of a change once it is committed.
 *
 * | reads | view event | projection |
 * |---|---|---|
 * | pizza-status | `StatusChanged` | the order's status |
 * | stage topics | `OrderPlaced`, `StageReached` | timeline, kitchen board |
 * | station-work | `WorkReported` | who works on which pizza |
 * | logs | `LineLogged` | the order page's log lines |
 * | pizza-priced | `OrderPriced` | the price the order was placed at |
 * | inventory, product_txn_per_hour | `InventoryChanged`, `WindowCounted` | stock, prices, windows, current promotions (the menu, the analytics page) |
 * | promotions | `Promoted` | its window as above; the promotions feed (the analytics page) |
 * | clicks | `ClickRecorded` | clicks per product (the analytics page) |
 */
export function webViewSpec(deps: {
  config: ShopConfig;
  view: WebView;
  groupId: string;
}): ActorSpec<ViewEvent | LabViewEvent, KeyedViewChange> {
  const { config, view } = deps;
  const topology = shopTopology(config);
  const web = topology.find((a) => a.actor === 'web');
  const decode = viewEventDecoder(config, topology);
  const store = view.store;
  return {
    name: 'web',
    groupId: deps.groupId,
    clientId: config.clientIds.web,
    reads: web ? readsOf(web) : [config.topics.pizzaStatus],
    decode: (message) => decode(message),
    logic: () => ({
      apply(event) {
        if (isLabViewEvent(event)) {
          applyLab(store, event);
          return [];
        }
        const change = view.evolve(event);
        return change ? [{ ...change, type: 'view.changed', orderId: event.orderId }] : [];
      },
      tick: () => [],
      nextDeadline: () => undefined,
      rows: () => new Map(),
      load() {},
      unload() {},
    }),
    produce: () => [],
    committed(changes) {
      for (const change of changes) view.publish(change);
    },
    local: {
      transaction: (fn) => store.transaction(fn),
      position: (topic, partition) => store.position(topic, partition),
      setPosition: (topic, partition, next) => store.setPosition(topic, partition, next),
    },
  };
}

/** The lab's events change the products, the promotions feed and click counts; nobody listens live (the analytics page polls). */
function applyLab(store: WebViewStore, event: LabViewEvent): void {
  if (event.type === 'ClickRecorded') {
    store.putClicks(evolveClicks(store.getClicks(), event.click));
    return;
  }
  if (event.type === 'Promoted') store.putPromotionFeed(evolveFeed(store.getPromotionFeed(), event.promotion));
  const before = store.getProduct(event.productId);
  const after = evolveProduct(before, event);
  if (after !== before) store.putProduct(after);
}
