import { and, assign, enqueueActions, setup } from 'xstate';
import type { EventIgnoredEmitted, OrderEmitted, OrderEvent, Stage, StatusIds, StatusName } from './events.ts';

/**
 * The order lifecycle, one actor per order, run by the status actor (it does what ksqlDB's merge
 * did in the original). Statuses only move forward along
 *
 *   placed (1) → assembled (2) → baked (3) → pending (4) → delivered (5)
 *
 * (pending ranks after baked: delivery only says "pending" once it holds a baked pizza whose order
 * it has not seen). Events cross five topics, so they come out of order, twice, or before the
 * order itself; every one is recorded in `history`, and only one that moves the order forward
 * changes its status.
 *
 * - **Before the order.** An actor is created on first sight of its order id, in `notSeen.awaitingOrder`
 *   with the deadline `now + unknownAfterMs`. Stage events and a cancel are held there (the
 *   highest stage is remembered); nothing is published. When pizza-ordered arrives the order jumps
 *   straight to the highest stage seen (or to cancelled, if a cancel came first and it was not baked).
 *   At the deadline it becomes unknown (410); pizza-ordered still rescues it later.
 * - **Stuck.** While in progress the deadline is `lastProgressAt + stuckAfterMs`; reaching it → stuck (50).
 *   The next event that moves the order forward un-sticks it (to that stage's status).
 * - **Malformed.** A message keyed by this order that could not be parsed → something_wrong (430)
 *   only if it is for a stage the order has not reached yet (that stage's message is lost, so the
 *   order cannot finish); a garbled copy of a stage already passed is just recorded. A later stage
 *   event still moves the order forward. Before the order is seen, only a malformed pizza-ordered
 *   counts (the order exists but cannot be read).
 * - **Cancel** is accepted while the order has not reached baked; after cancelled, stage events
 *   are recorded and the order stays cancelled. Delivered and cancelled are finished (tag `finished`):
 *   no timers, every event only recorded. Stuck, unknown and something_wrong run no timer either.
 *
 * Every status change emits `status.changed` (publish it to pizza-status); duplicates emit only
 * `event.ignored`. Deadlines are data: see `orderNextDeadline`.
 *
 * @example
 * const actor = createActor(orderMachine, { input: { orderId: '0a1b2c3d', now: 0, statusIds, stuckAfterMs: 45_000, unknownAfterMs: 45_000 } });
 * actor.on('status.changed', (e) => publish(e.orderId, { status: e.status, timestamp: e.timestamp }));
 * actor.start();
 * actor.send({ type: 'ORDER.PLACED', orderId: '0a1b2c3d', now: 0 });
 */

export interface OrderMachineInput {
  orderId: string;
  /** host clock at first sight */
  now: number;
  /** `ShopConfig.status.ids` */
  statusIds: StatusIds;
  /** `status_invalid_timeout_minutes` in ms, scaled by speed; null = never stuck */
  stuckAfterMs: number | null;
  /** how long to wait for pizza-ordered after first sight of the order id; null = forever */
  unknownAfterMs: number | null;
  /** newest history entries kept (default 50) */
  historyLimit?: number;
}

/** One event as the order saw it. */
export interface HistoryEntry {
  event: OrderEvent['type'];
  /** the status the event stands for (430 for a malformed message; 50/410 for timeouts) */
  status: number | null;
  /** host clock */
  at: number;
  /** topic of the message, or the event type, or 'clock' */
  source: string;
  /** the message's own timestamp */
  timestamp?: number;
  /** did it change the status */
  applied: boolean;
  /** why not, when it did not */
  reason?: EventIgnoredEmitted['reason'];
  /** a malformed message: what the parser said */
  problem?: string;
}

export interface OrderContext {
  orderId: string;
  statusIds: StatusIds;
  stuckAfterMs: number | null;
  unknownAfterMs: number | null;
  historyLimit: number;
  /** last status published (null until the first) */
  status: number | null;
  /** highest stage rank seen: 0 none, 1 placed, 2 assembled, 3 baked, 4 pending, 5 delivered */
  progress: number;
  /** pizza-ordered has been seen */
  orderSeen: boolean;
  /** a cancel came before pizza-ordered */
  cancelRequested: boolean;
  firstSeenAt: number;
  lastProgressAt: number | null;
  /** the one pending deadline (unknown while awaiting, stuck while in progress), null = none */
  deadline: number | null;
  history: HistoryEntry[];
}

/** Statuses that finish an order; `[state-store-orders] status_completed_when` must name these. */
export const ORDER_FINISHED_STATUSES: readonly StatusName[] = ['delivered', 'cancelled'];

const STAGE_EVENTS = ['ORDER.PLACED', 'PIZZA.ASSEMBLED', 'PIZZA.BAKED', 'PIZZA.PENDING', 'PIZZA.DELIVERED'] as const;
type StageEventType = (typeof STAGE_EVENTS)[number];

const RANK: Record<StageEventType, number> = {
  'ORDER.PLACED': 1,
  'PIZZA.ASSEMBLED': 2,
  'PIZZA.BAKED': 3,
  'PIZZA.PENDING': 4,
  'PIZZA.DELIVERED': 5,
};
const BAKED = RANK['PIZZA.BAKED'];

const STAGE_RANK: Record<Stage, number | null> = {
  ordered: 1,
  assembled: 2,
  baked: 3,
  delivered: 5,
  // neither blocks the order: pending is informational, a lost cancel leaves the order running
  pending: null,
  cancelled: null,
};

const EVENT_STATUS: Record<Exclude<OrderEvent['type'], 'CLOCK.TICK'>, StatusName> = {
  'ORDER.PLACED': 'order_placed',
  'PIZZA.ASSEMBLED': 'pizza_assembled',
  'PIZZA.BAKED': 'pizza_baked',
  'PIZZA.PENDING': 'pending',
  'PIZZA.DELIVERED': 'delivered',
  'ORDER.CANCELLED': 'cancelled',
  'MESSAGE.MALFORMED': 'something_wrong',
};

function rankOf(event: OrderEvent): number {
  return (RANK as Record<string, number | undefined>)[event.type] ?? 0;
}

function sourceOf(event: OrderEvent): string {
  if (event.type === 'CLOCK.TICK') return 'clock';
  return event.source?.topic ?? event.type;
}

/** The order's one pending deadline (ms, host clock), or undefined when no timer should run. */
export function orderNextDeadline(context: OrderContext): number | undefined {
  return context.deadline ?? undefined;
}

/** True once the order is delivered or cancelled. */
export function isOrderFinished(context: OrderContext): boolean {
  return ORDER_FINISHED_STATUSES.some((name) => context.statusIds[name] === context.status);
}

type RecordParams = { applied: true; status?: StatusName } | { applied: false; reason: EventIgnoredEmitted['reason'] | 'stale' };

export const orderMachine = setup({
  types: {
    context: {} as OrderContext,
    events: {} as OrderEvent,
    input: {} as OrderMachineInput,
    emitted: {} as OrderEmitted,
  },
  guards: {
    orderNotSeen: ({ context }) => !context.orderSeen,
    /** the event is a stage beyond the furthest one seen */
    advances: ({ context, event }) => rankOf(event) > context.progress,
    cancellable: ({ context }) => context.progress < BAKED,
    cancelledBeforeBaked: ({ context }) => context.cancelRequested && context.progress < BAKED,
    progressAtLeast: ({ context }, params: { rank: number }) => context.progress >= params.rank,
    blocksProgress: ({ context, event }) => {
      if (event.type !== 'MESSAGE.MALFORMED') return false;
      if (!context.orderSeen) return event.stage === 'ordered';
      const rank = STAGE_RANK[event.stage];
      return rank !== null && rank > context.progress;
    },
    deadlinePassed: ({ context, event }) => context.deadline !== null && event.now >= context.deadline,
  },
  actions: {
    /** Appends the event to history; an event that changed nothing is also emitted for the logs. */
    record: enqueueActions(({ context, event, enqueue }, params: RecordParams) => {
      let reason: EventIgnoredEmitted['reason'] | undefined;
      if (!params.applied) {
        // 'stale': a stage already passed; a duplicate if this very event was seen before
        const seenBefore = context.history.some((h) => h.event === event.type);
        reason = params.reason !== 'stale' ? params.reason : seenBefore ? 'duplicate' : 'late';
      }
      const statusName =
        params.applied && params.status ? params.status : event.type === 'CLOCK.TICK' ? undefined : EVENT_STATUS[event.type];
      const entry: HistoryEntry = {
        event: event.type,
        status: statusName === undefined ? null : context.statusIds[statusName],
        at: event.now,
        source: sourceOf(event),
        applied: params.applied,
      };
      if (event.type !== 'CLOCK.TICK' && event.timestamp !== undefined) entry.timestamp = event.timestamp;
      if (reason) entry.reason = reason;
      if (event.type === 'MESSAGE.MALFORMED') entry.problem = event.reason;
      const history = [...context.history, entry];
      if (history.length > context.historyLimit) history.splice(0, history.length - context.historyLimit);
      enqueue.assign({ history });
      if (reason) {
        enqueue.emit({ type: 'event.ignored', orderId: context.orderId, event: event.type, reason, at: event.now, source: entry.source });
      }
    }),
    /** Before the order is seen: remember how far its pizza got. */
    hold: assign({ progress: ({ context, event }) => Math.max(context.progress, rankOf(event)) }),
    noteCancelRequest: assign({ cancelRequested: true }),
    seeOrder: assign({ orderSeen: true, progress: ({ context }) => Math.max(context.progress, 1) }),
    advance: assign({ progress: ({ event }) => rankOf(event) }),
    /** Publishes a status change; entering a state with the status already set emits nothing. */
    enterStatus: enqueueActions(({ context, event, enqueue }, params: { name: StatusName }) => {
      const code = context.statusIds[params.name];
      if (code === context.status) return;
      enqueue.assign({ status: code });
      const timestamp = event.type !== 'CLOCK.TICK' && event.timestamp !== undefined ? event.timestamp : event.now;
      enqueue.emit({
        type: 'status.changed',
        orderId: context.orderId,
        status: code,
        name: params.name,
        previous: context.status,
        timestamp,
        at: event.now,
        source: sourceOf(event),
      });
    }),
    /** Progress was made: the stuck deadline starts again. */
    watch: assign(({ context, event }) => ({
      lastProgressAt: event.now,
      deadline: context.stuckAfterMs === null ? null : event.now + context.stuckAfterMs,
    })),
    unwatch: assign({ deadline: null }),
  },
}).createMachine({
  id: 'order',
  context: ({ input }) => ({
    orderId: input.orderId,
    statusIds: input.statusIds,
    stuckAfterMs: input.stuckAfterMs,
    unknownAfterMs: input.unknownAfterMs,
    historyLimit: input.historyLimit ?? 50,
    status: null,
    progress: 0,
    orderSeen: false,
    cancelRequested: false,
    firstSeenAt: input.now,
    lastProgressAt: null,
    deadline: input.unknownAfterMs === null ? null : input.now + input.unknownAfterMs,
    history: [],
  }),
  initial: 'notSeen',
  on: {
    'ORDER.PLACED': [
      // The order arrives: go straight to the furthest stage already seen.
      {
        guard: and(['orderNotSeen', 'cancelledBeforeBaked']),
        target: '.cancelled',
        actions: ['seeOrder', { type: 'record', params: { applied: true } }],
      },
      {
        guard: and(['orderNotSeen', { type: 'progressAtLeast', params: { rank: 5 } }]),
        target: '.delivered',
        actions: ['seeOrder', { type: 'record', params: { applied: true } }],
      },
      {
        guard: and(['orderNotSeen', { type: 'progressAtLeast', params: { rank: 4 } }]),
        target: '.inProgress.pending',
        actions: ['seeOrder', { type: 'record', params: { applied: true } }],
      },
      {
        guard: and(['orderNotSeen', { type: 'progressAtLeast', params: { rank: 3 } }]),
        target: '.inProgress.baked',
        actions: ['seeOrder', { type: 'record', params: { applied: true } }],
      },
      {
        guard: and(['orderNotSeen', { type: 'progressAtLeast', params: { rank: 2 } }]),
        target: '.inProgress.assembled',
        actions: ['seeOrder', { type: 'record', params: { applied: true } }],
      },
      { guard: 'orderNotSeen', target: '.inProgress.placed', actions: ['seeOrder', { type: 'record', params: { applied: true } }] },
      { actions: { type: 'record', params: { applied: false, reason: 'stale' } } },
    ],
    'PIZZA.ASSEMBLED': [
      { guard: 'orderNotSeen', actions: ['hold', { type: 'record', params: { applied: false, reason: 'awaiting-order' } }] },
      { guard: 'advances', target: '.inProgress.assembled', actions: ['advance', { type: 'record', params: { applied: true } }] },
      { actions: { type: 'record', params: { applied: false, reason: 'stale' } } },
    ],
    'PIZZA.BAKED': [
      { guard: 'orderNotSeen', actions: ['hold', { type: 'record', params: { applied: false, reason: 'awaiting-order' } }] },
      { guard: 'advances', target: '.inProgress.baked', actions: ['advance', { type: 'record', params: { applied: true } }] },
      { actions: { type: 'record', params: { applied: false, reason: 'stale' } } },
    ],
    'PIZZA.PENDING': [
      { guard: 'orderNotSeen', actions: ['hold', { type: 'record', params: { applied: false, reason: 'awaiting-order' } }] },
      { guard: 'advances', target: '.inProgress.pending', actions: ['advance', { type: 'record', params: { applied: true } }] },
      { actions: { type: 'record', params: { applied: false, reason: 'stale' } } },
    ],
    'PIZZA.DELIVERED': [
      { guard: 'orderNotSeen', actions: ['hold', { type: 'record', params: { applied: false, reason: 'awaiting-order' } }] },
      { guard: 'advances', target: '.delivered', actions: ['advance', { type: 'record', params: { applied: true } }] },
      { actions: { type: 'record', params: { applied: false, reason: 'stale' } } },
    ],
    'ORDER.CANCELLED': [
      { guard: 'orderNotSeen', actions: ['noteCancelRequest', { type: 'record', params: { applied: false, reason: 'awaiting-order' } }] },
      { guard: 'cancellable', target: '.cancelled', actions: { type: 'record', params: { applied: true } } },
      { actions: { type: 'record', params: { applied: false, reason: 'cancel-refused' } } },
    ],
    'MESSAGE.MALFORMED': [
      { guard: 'blocksProgress', target: '.somethingWrong', actions: { type: 'record', params: { applied: true } } },
      { actions: { type: 'record', params: { applied: false, reason: 'not-blocking' } } },
    ],
  },
  states: {
    notSeen: {
      initial: 'awaitingOrder',
      states: {
        awaitingOrder: {
          on: {
            'CLOCK.TICK': {
              guard: 'deadlinePassed',
              target: 'unknown',
              actions: { type: 'record', params: { applied: true, status: 'unknown' } },
            },
          },
        },
        unknown: {
          tags: ['halted'],
          entry: [{ type: 'enterStatus', params: { name: 'unknown' } }, 'unwatch'],
        },
      },
    },
    inProgress: {
      tags: ['watched'],
      // only ever entered at a named stage; `initial` is required by XState
      initial: 'placed',
      on: {
        'CLOCK.TICK': {
          guard: 'deadlinePassed',
          target: 'stuck',
          actions: { type: 'record', params: { applied: true, status: 'stuck' } },
        },
      },
      states: {
        placed: { entry: [{ type: 'enterStatus', params: { name: 'order_placed' } }, 'watch'] },
        assembled: { entry: [{ type: 'enterStatus', params: { name: 'pizza_assembled' } }, 'watch'] },
        baked: { entry: [{ type: 'enterStatus', params: { name: 'pizza_baked' } }, 'watch'] },
        pending: { entry: [{ type: 'enterStatus', params: { name: 'pending' } }, 'watch'] },
      },
    },
    stuck: {
      tags: ['halted'],
      entry: [{ type: 'enterStatus', params: { name: 'stuck' } }, 'unwatch'],
    },
    somethingWrong: {
      tags: ['halted'],
      entry: [{ type: 'enterStatus', params: { name: 'something_wrong' } }, 'unwatch'],
      on: {
        'MESSAGE.MALFORMED': { actions: { type: 'record', params: { applied: false, reason: 'duplicate' } } },
      },
    },
    delivered: {
      tags: ['finished'],
      entry: [{ type: 'enterStatus', params: { name: 'delivered' } }, 'unwatch'],
      on: finishedHandlers(),
    },
    cancelled: {
      tags: ['finished'],
      entry: [{ type: 'enterStatus', params: { name: 'cancelled' } }, 'unwatch'],
      on: finishedHandlers(),
    },
  },
});

/** In a finished state every event is recorded and changes nothing. */
function finishedHandlers() {
  const record = { actions: { type: 'record', params: { applied: false, reason: 'finished' } } } as const;
  return {
    'ORDER.PLACED': record,
    'PIZZA.ASSEMBLED': record,
    'PIZZA.BAKED': record,
    'PIZZA.PENDING': record,
    'PIZZA.DELIVERED': record,
    'ORDER.CANCELLED': record,
    'MESSAGE.MALFORMED': record,
  };
}
