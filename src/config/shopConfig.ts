/** The typed system configuration, as loaded from `config_sys/*.ini` by `loadConfig`. */

import type { StatusName } from '../../machines/events.ts';

// The status names are the machines' vocabulary (machines/ imports nothing from src/).
export { STATUS_NAMES, type StatusName } from '../../machines/events.ts';

export interface Topics {
  pizzaOrdered: string;
  pizzaAssembled: string;
  pizzaBaked: string;
  pizzaDelivered: string;
  pizzaPending: string;
  pizzaStatus: string;
  pizzaCancelled: string;
  deadLetter: string;
  logs: string;
  /** added: what each station does with each pizza (queued, started, finished, dropped) */
  stationWork: string;
  /** added (the lab): each item of each order placed, keyed by product id */
  transactions: string;
  /** added (the lab): stock and prices per product, compacted, keyed by product id */
  inventory: string;
  /** added (the lab): PRODUCT_TXN_PER_HOUR, every update of a product's hopping windows */
  productTxnPerHour: string;
  /** added (the lab): PROMOTIONS, window updates of products with high stock and few sales */
  promotions: string;
  /** added (the lab): the web's menu views and item clicks, as the lab's clicks stream */
  clicks: string;
  /** added (the lab): the price an order was placed at, keyed by order id (not part of pizza-ordered's contract) */
  pizzaPriced: string;
  /** added: each process's presence (what it hosts, its partitions, a heartbeat), compacted, keyed by process id */
  processes: string;
  /** added: commands to every process of the shop (clock control; fault injection builds on it), one partition */
  control: string;
}

/** The actors of the shop, by the names the command line uses. */
export const ACTOR_NAMES = [
  'web',
  'assemble',
  'bake',
  'delivery',
  'status',
  'transactions',
  'inventory',
  'processor',
  'analytics',
] as const;
/** The stream-processing lab's actors (issue 11). */
export const LAB_ACTORS = ['transactions', 'inventory', 'processor', 'analytics'] as const;
export type ActorName = (typeof ACTOR_NAMES)[number];

export interface Menu {
  sauce: string[];
  cheese: string[];
  mainTopping: string[];
  extraToppings: string[];
}

export interface StatusConfig {
  /** code of each named status */
  ids: Record<StatusName, number>;
  /** label of each known code */
  labels: Map<number, string>;
  /** label for any other code (`[status-label] else`) */
  elseLabel: string;
}

export interface ShopConfig {
  /** the file this was loaded from (for messages) */
  file: string;
  topics: Topics;
  topicConfig: { numPartitions: number; replicationFactor: number };
  groupIds: Record<Exclude<ActorName, never>, string>;
  clientIds: Record<ActorName, string>;
  status: StatusConfig;
  menu: Menu;
  ordersStore: {
    module: string;
    name: string;
    tableCustomers: string;
    tableOrders: string;
    tableStatus: string;
    retentionHours: number;
    watchdogMinutes: number;
    invalidTimeoutMinutes: number;
    /** codes of the statuses that finish an order */
    completedWhen: number[];
  };
  deliveryStore: { module: string; name: string; table: string; retentionHours: number };
  shop: {
    speed: number;
    dataDir: string;
    webPort: number;
    localPartitions: number;
    /** an actor commits a partition's work once this many input messages are uncommitted */
    batchMaxMessages: number;
    /** ... or this long (real ms) after the first; 0 = after every batch the transport hands over */
    batchLingerMs: number;
    /** shop time one step of a paused clock moves (the header's Step button; the API's default) */
    clockStepMs: number;
  };
  capacity: { assemble: number; bake: number; delivery: number };
  /** `[lab]` (added, optional): the stream-processing lab; durations scale with speed */
  lab: LabConfig;
  /** `[web-limits]`: rate limits and live-stream caps of the web (optional section; 0 turns a limit off) */
  webLimits: WebLimits;
  /** `[shop] secure_cookies` (optional, default false): mark cookies Secure when the web is served over HTTPS */
  web: { secureCookies: boolean };
  /** `[tracing] otlp_endpoint` (optional): where to send spans over OTLP/HTTP JSON, e.g. `http://127.0.0.1:4318/v1/traces` */
  tracing: { otlpEndpoint?: string };
  timings: {
    assembleModulo: number;
    assembleBaseSeconds: number;
    bakeModulo: number;
    bakeBaseSeconds: number;
    deliveryModulo: number;
    deliveryBaseSeconds: number;
    deliveryLateFactor: number;
  };
}

/** The label the customer sees for a status code. */
export function statusLabel(config: Pick<ShopConfig, 'status'>, code: number | null | undefined): string {
  if (code === null || code === undefined) return config.status.elseLabel;
  return config.status.labels.get(code) ?? config.status.elseLabel;
}

/**
 * The web's limits, from the optional `[web-limits]` section. Rates are per minute with a burst of
 * the same size (a token bucket); 0 turns a limit off.
 */
export interface WebLimits {
  ordersPerMinutePerSession: number;
  ordersPerMinutePerAddress: number;
  loginsPerMinutePerAddress: number;
  streamsPerMinutePerAddress: number;
  /** click beacons from the menu page (`POST /api/clicks`) per session */
  clicksPerMinutePerSession: number;
  /** clock commands (pause, resume, step, speed) per session */
  clockCommandsPerMinutePerSession: number;
  /** faults injected from the console (kill, restart, pause, poison, duplicate, delay), per session and per client address */
  faultsPerMinutePerSession: number;
  faultsPerMinutePerAddress: number;
  /** live streams open at once, per session and in total */
  streamsPerSession: number;
  streamsTotal: number;
  /** bytes a live stream may have queued for a client that does not read before it is closed */
  streamBufferKib: number;
}

export const DEFAULT_WEB_LIMITS: WebLimits = {
  ordersPerMinutePerSession: 60,
  ordersPerMinutePerAddress: 600,
  loginsPerMinutePerAddress: 60,
  streamsPerMinutePerAddress: 600,
  clicksPerMinutePerSession: 120,
  clockCommandsPerMinutePerSession: 60,
  faultsPerMinutePerSession: 20,
  faultsPerMinutePerAddress: 120,
  streamsPerSession: 6,
  streamsTotal: 1000,
  streamBufferKib: 256,
};

/** `[lab]`: windows of the processor, the inventory and analytics databases, restocking. */
export interface LabConfig {
  windowSizeMinutes: number;
  windowAdvanceMinutes: number;
  windowGraceMinutes: number;
  /** file in the data directory holding the `inventory` table anyone may edit */
  inventoryDb: string;
  /** file in the data directory the analytics sink writes */
  analyticsDb: string;
  /** how often the inventory source looks for changed rows (seconds, scaled) */
  inventoryPollSeconds: number;
  /** refill every product to its capacity this often (minutes, scaled; 0 = never) */
  restockEveryMinutes: number;
  /** a new product's stock: capacity, and the transactions per hour expected of it */
  capacity: number;
  txnHour: number;
  /** list price of a new product and its discount (percent) while promoted */
  listPrice: number;
  discount: number;
  /**
   * How long (real ms, not scaled: it waits for the transport) the processor holds a product's
   * transactions back for an inventory partition that may have rows stamped before them still
   * to fetch, and the other way round (Kafka Streams' `max.task.idle.ms`)
   */
  maxTaskIdleMs: number;
}
