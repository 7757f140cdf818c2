import { evolveKitchen, type KitchenBoard } from './kitchenBoard.ts';
import { evolveOrder, type OrderView, type StatusIds } from './orderView.ts';
import type { ViewEvent } from './viewEvent.ts';
import type { WebViewStore } from './viewStore.ts';

/** What changed after an event: the order's new view; `kitchen` when the board moved too. */
export interface ViewChange {
  order: OrderView;
  event: ViewEvent;
  kitchen?: KitchenBoard;
}

export type ViewListener = (change: ViewChange) => void;

/**
 * The web's query side: applies ViewEvents to the projections (`evolveOrder`, `evolveKitchen`),
 * writes them to the web's own store, and tells live listeners (the SSE streams) what changed.
 * The command side calls `apply` too, with the event it just produced, which gives
 * read-your-writes; the same message arriving later from the log is recognised by its position
 * and changes nothing.
 *
 * @example
 * const view = createWebView(createMemoryViewStore(), config.status.ids);
 * const stop = view.subscribe((change) => console.log(change.order.status));
 * view.apply(event);
 */
export interface WebView {
  readonly store: WebViewStore;
  /** applies one event and tells the live listeners; returns the change, or undefined when the event changed nothing */
  apply(event: ViewEvent): ViewChange | undefined;
  /** applies one event without telling anyone yet (inside a larger transaction); `publish` the change once it is committed */
  evolve(event: ViewEvent): ViewChange | undefined;
  /** tells the live listeners what changed */
  publish(change: ViewChange): void;
  subscribe(listener: ViewListener): () => void;
  /** number of live listeners (for metrics and tests) */
  listeners(): number;
}

export function createWebView(store: WebViewStore, ids: StatusIds): WebView {
  const listeners = new Set<ViewListener>();
  const evolve = (event: ViewEvent) =>
    store.transaction((): ViewChange | undefined => {
      const before = store.getOrder(event.orderId);
      const after = evolveOrder(before, event);
      if (after === before) return undefined;
      store.putOrder(after);
      const board = store.getKitchen();
      const nextBoard = evolveKitchen(board, before, after, ids);
      if (nextBoard !== board) store.putKitchen(nextBoard);
      return nextBoard !== board ? { order: after, event, kitchen: nextBoard } : { order: after, event };
    });
  const publish = (change: ViewChange) => {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch {
        // one broken stream must not stop the view or the other streams
      }
    }
  };
  return {
    store,
    evolve,
    publish,
    apply(event) {
      const change = evolve(event);
      if (change) publish(change);
      return change;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    listeners: () => listeners.size,
  };
}
