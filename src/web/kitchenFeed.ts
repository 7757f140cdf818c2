import type { kitchenJson } from './plugins/kitchenPlugin.tsx';
import type { WebView } from './view/webView.ts';

export type KitchenJson = ReturnType<typeof kitchenJson>;
type StationJson = KitchenJson['stations'][number];
type PizzaJson = StationJson['queued'][number];

/** A listed pizza as the live board keeps it. */
export interface LivePizza extends PizzaJson {
  working: boolean;
}

/**
 * What changed on one station since the previous board: the counters that moved, the listed
 * pizzas that came or changed (`pizzas`) and those that left (`gone`).
 */
export interface StationDiff {
  station: string;
  capacity?: number;
  in_progress_count?: number;
  queue_length?: number;
  done_last_minute?: number;
  done?: number;
  states?: string[];
  pizzas?: LivePizza[];
  gone?: string[];
}

/** The `kitchen-diff` event: only the stations that changed. */
export interface KitchenDiff {
  at: number;
  stations: StationDiff[];
}

const listed = (s: StationJson): Map<string, LivePizza> => {
  const out = new Map<string, LivePizza>();
  for (const p of s.in_progress) out.set(p.order_id, { ...p, working: true });
  for (const p of s.queued) out.set(p.order_id, { ...p, working: false });
  return out;
};

const samePizza = (a: LivePizza, b: LivePizza) =>
  a.working === b.working && a.since === b.since && a.started_at === b.started_at && a.inferred === b.inferred;

/** The difference between two boards (stations in the same order); empty `stations` when equal. */
export function diffKitchen(before: KitchenJson, after: KitchenJson): KitchenDiff {
  const stations: StationDiff[] = [];
  after.stations.forEach((next, i) => {
    const prev = before.stations[i];
    const d: StationDiff = { station: next.station };
    let changed = false;
    for (const key of ['capacity', 'in_progress_count', 'queue_length', 'done_last_minute', 'done'] as const) {
      if (prev?.[key] !== next[key]) {
        d[key] = next[key];
        changed = true;
      }
    }
    if (!prev || prev.states.join('\u0000') !== next.states.join('\u0000')) {
      d.states = next.states;
      changed = true;
    }
    const was = prev ? listed(prev) : new Map<string, LivePizza>();
    const now = listed(next);
    const pizzas = [...now.values()].filter((p) => {
      const old = was.get(p.order_id);
      return !old || !samePizza(old, p);
    });
    const gone = [...was.keys()].filter((id) => !now.has(id));
    if (pizzas.length) d.pizzas = pizzas;
    if (gone.length) d.gone = gone;
    if (changed || pizzas.length || gone.length) stations.push(d);
  });
  return { at: after.at, stations };
}

/**
 * One feed of kitchen changes for every live kitchen stream: the board is built once per batch
 * of view changes (not once per stream and change), diffed against the previous one, and the
 * small diff is what every stream sends. A stream starts from `current()` (a snapshot) and then
 * gets each diff; a stream that falls behind is dropped, and its client starts again from a
 * snapshot. Changes are gathered until the next turn of the event loop, so a burst of messages
 * makes one diff.
 *
 * @example
 * const feed = createKitchenFeed(view, () => kitchenJson(ctx, 50));
 * const stop = feed.subscribe((diff) => send('kitchen-diff', diff));
 */
export interface KitchenFeed {
  current(): KitchenJson;
  subscribe(listener: (diff: KitchenDiff) => void): () => void;
}

export function createKitchenFeed(view: Pick<WebView, 'subscribe'>, build: () => KitchenJson): KitchenFeed {
  const listeners = new Set<(diff: KitchenDiff) => void>();
  let last: KitchenJson | undefined;
  let scheduled = false;
  let unsubscribeView: (() => void) | undefined;
  const flush = () => {
    scheduled = false;
    if (!last || listeners.size === 0) return;
    const next = build();
    const diff = diffKitchen(last, next);
    last = next;
    if (diff.stations.length === 0) return;
    for (const listener of [...listeners]) listener(diff);
  };
  return {
    current() {
      // a stream starting now gets what the next diff is computed against (a pending change
      // comes to it as that diff)
      last ??= build();
      return last;
    },
    subscribe(listener) {
      listeners.add(listener);
      unsubscribeView ??= view.subscribe((change) => {
        if (!change.kitchen || scheduled) return;
        scheduled = true;
        setTimeout(flush, 0);
      });
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          unsubscribeView?.();
          unsubscribeView = undefined;
          last = undefined;
        }
      };
    },
  };
}
