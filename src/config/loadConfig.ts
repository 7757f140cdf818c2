import { readFileSync } from 'node:fs';
import { configError, ShopError } from '../errors.ts';
import { type IniSections, parseIni, parseList } from './ini.ts';
import { type ActorName, DEFAULT_WEB_LIMITS, type ShopConfig, STATUS_NAMES, type StatusName } from './shopConfig.ts';
import { MAX_STEP_MS } from '../runtime/shopClock.ts';

export const DEFAULT_CONFIG_FILE = 'config_sys/default.ini';

/**
 * Reads and validates the system configuration. Any problem throws a ShopError (exit code 2)
 * whose message names the file, the section and the key.
 *
 * @example
 * const config = loadConfig('config_sys/default.ini');
 * config.topics.pizzaBaked; // 'pizza-baked'
 */
export function loadConfig(file: string = DEFAULT_CONFIG_FILE): ShopConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ShopError('CONFIG_UNREADABLE', `${file}: cannot read the configuration file (${(cause as Error).message})`, {
      exitCode: 2,
      cause,
    });
  }
  return parseConfig(text, file);
}

/**
 * What this project added to the original's file, with the values of `config_sys/default.ini`:
 * a file without them (the original's own `config_sys/default.ini`) starts the shop unchanged.
 */
const LAB_IDS = {
  lab_transactions: 'pizza-lab-transactions',
  lab_inventory: 'pizza-lab-inventory',
  lab_processor: 'pizza-lab-processor',
  lab_analytics: 'pizza-lab-analytics',
};

const ADDED_DEFAULTS: Record<string, Record<string, string>> = {
  'kafka-topics': {
    pizza_cancelled: 'pizza-cancelled',
    dead_letter: 'pizza-dead-letter',
    logs: 'pizza-logs',
    station_work: 'pizza-station-work',
    transactions: 'pizza-transactions',
    inventory: 'pizza-inventory',
    product_txn_per_hour: 'pizza-product-txn-per-hour',
    promotions: 'pizza-promotions',
    clicks: 'pizza-clicks',
    pizza_priced: 'pizza-priced',
    processes: 'pizza-processes',
    control: 'pizza-control',
  },
  'kafka-consumer-group-id': { webapp: 'pizza-webapp', ...LAB_IDS },
  'kafka-client-id': { webapp: 'pizza-webapp', ...LAB_IDS },
  lab: {
    window_size_minutes: '60',
    window_advance_minutes: '5',
    window_grace_minutes: '10',
    inventory_db: 'inventory.db',
    analytics_db: 'analytics.db',
    inventory_poll_seconds: '1',
    restock_every_minutes: '30',
    capacity: '100',
    txn_hour: '6',
    list_price: '1.5',
    discount: '20',
    max_task_idle_ms: '2000',
  },
  'state-store-orders': { table_customers: 'customers' },
  shop: {
    speed: '1',
    data_dir: './data',
    web_port: '8000',
    local_partitions: '6',
    batch_max_messages: '500',
    batch_linger_ms: '5',
    clock_step_ms: '1000',
  },
  'station-capacity': { assemble: '1', bake: '1', delivery: '1' },
  timings: {
    assemble_modulo: '8',
    assemble_base_seconds: '4',
    bake_modulo: '8',
    bake_base_seconds: '8',
    delivery_modulo: '10',
    delivery_base_seconds: '5',
    delivery_late_factor: '2',
  },
};

/** The original's key names for ours (its newer version split retention per table). */
const ORIGINAL_KEYS: Record<string, Record<string, string[]>> = {
  'state-store-orders': { retention_hours: ['table_orders_retention_hours', 'table_status_retention_hours'] },
  'state-store-delivery': { table_name: ['table_customers'], retention_hours: ['table_customers_retention_hours'] },
};

/** Names of the original's first version that this file no longer reads, and what to write instead. */
const RENAMED_SECTIONS: Record<string, { old: string; hint: string }> = {
  'state-store-orders': {
    old: 'sqlite-orders',
    hint: 'rename [sqlite-orders] to [state-store-orders] and add db_module_class = sqlite, name = <its db>, retention_hours',
  },
  'state-store-delivery': {
    old: 'sqlite-delivery',
    hint: 'rename [sqlite-delivery] to [state-store-delivery] and add db_module_class = sqlite, name = <its db>, retention_hours',
  },
};
const RENAMED_STATUSES: Record<string, string> = {
  order_placed: 'order_received',
  pizza_assembled: 'in_the_oven',
  pizza_baked: 'out_for_delivery',
};

/** The original's Python store module: ours is the same SQLite store. */
const ORIGINAL_SQLITE_MODULE = 'utils.db.sqlite';

function storeModule(r: Reader, section: string): string {
  const name = r.str(section, 'db_module_class');
  if (name === ORIGINAL_SQLITE_MODULE) return 'sqlite';
  if (/^utils\.db\./.test(name)) {
    throw configError(
      r.file,
      section,
      'db_module_class',
      `'${name}' is a Python module of the original: use sqlite, or the path of a JavaScript/TypeScript module exporting createStateStore`,
    );
  }
  return name;
}

/** Validates configuration text; `file` is only used in messages. */
export function parseConfig(text: string, file: string): ShopConfig {
  const r = new Reader(parseIni(text), file);

  const ids = {} as Record<StatusName, number>;
  for (const name of STATUS_NAMES) {
    const old = RENAMED_STATUSES[name];
    if (old && r.has('status-id', old) && !r.has('status-id', name)) {
      throw configError(
        file,
        'status-id',
        name,
        `missing key: the first original's '${old}' is called '${name}' here (rename it in [status-id] and [status-label])`,
      );
    }
    ids[name] = r.int('status-id', name, { min: 0 });
  }
  const labels = new Map<number, string>();
  for (const name of STATUS_NAMES) labels.set(ids[name], r.str('status-label', name));
  const elseLabel = r.str('status-label', 'else');

  const completedWhen = r.list('state-store-orders', 'status_completed_when').map((name) => {
    if (!(STATUS_NAMES as readonly string[]).includes(name)) {
      throw configError(
        file,
        'state-store-orders',
        'status_completed_when',
        `unknown status name '${name}' (known: ${STATUS_NAMES.join(', ')})`,
      );
    }
    return ids[name as StatusName];
  });

  // The order machine finishes an order exactly when it is delivered or cancelled; a different
  // list would be silently ignored, so it is refused.
  const finishing = new Set([ids.delivered, ids.cancelled]);
  if (completedWhen.length !== finishing.size || !completedWhen.every((code) => finishing.has(code))) {
    throw configError(
      file,
      'state-store-orders',
      'status_completed_when',
      'must be "delivered, cancelled": the order machine finishes orders on exactly those',
    );
  }

  const actorKeys: Record<ActorName, string> = {
    web: 'webapp',
    assemble: 'microservice_assembled',
    bake: 'microservice_baked',
    delivery: 'microservice_delivery',
    status: 'microservice_status',
    transactions: 'lab_transactions',
    inventory: 'lab_inventory',
    processor: 'lab_processor',
    analytics: 'lab_analytics',
  };
  const perActor = (section: string) =>
    Object.fromEntries(Object.entries(actorKeys).map(([actor, key]) => [actor, r.str(section, key)])) as Record<ActorName, string>;

  const config: ShopConfig = {
    file,
    topics: {
      pizzaOrdered: r.str('kafka-topics', 'pizza_ordered'),
      pizzaAssembled: r.str('kafka-topics', 'pizza_assembled'),
      pizzaBaked: r.str('kafka-topics', 'pizza_baked'),
      pizzaDelivered: r.str('kafka-topics', 'pizza_delivered'),
      pizzaPending: r.str('kafka-topics', 'pizza_pending'),
      pizzaStatus: r.str('kafka-topics', 'pizza_status'),
      pizzaCancelled: r.str('kafka-topics', 'pizza_cancelled'),
      deadLetter: r.str('kafka-topics', 'dead_letter'),
      logs: r.str('kafka-topics', 'logs'),
      stationWork: r.str('kafka-topics', 'station_work'),
      transactions: r.str('kafka-topics', 'transactions'),
      inventory: r.str('kafka-topics', 'inventory'),
      productTxnPerHour: r.str('kafka-topics', 'product_txn_per_hour'),
      promotions: r.str('kafka-topics', 'promotions'),
      clicks: r.str('kafka-topics', 'clicks'),
      pizzaPriced: r.str('kafka-topics', 'pizza_priced'),
      processes: r.str('kafka-topics', 'processes'),
      control: r.str('kafka-topics', 'control'),
    },
    topicConfig: {
      numPartitions: r.int('kafka-topic-config', 'num_partitions', { min: 1 }),
      replicationFactor: r.int('kafka-topic-config', 'replication_factor', { min: 1 }),
    },
    groupIds: perActor('kafka-consumer-group-id'),
    clientIds: perActor('kafka-client-id'),
    status: { ids, labels, elseLabel },
    menu: {
      sauce: r.list('pizza', 'sauce', { nonEmpty: true }),
      cheese: r.list('pizza', 'cheese', { nonEmpty: true }),
      mainTopping: r.list('pizza', 'main_topping', { nonEmpty: true }),
      extraToppings: r.list('pizza', 'extra_toppings'),
    },
    ordersStore: {
      module: storeModule(r, 'state-store-orders'),
      name: r.str('state-store-orders', 'name'),
      tableCustomers: r.str('state-store-orders', 'table_customers'),
      tableOrders: r.str('state-store-orders', 'table_orders'),
      tableStatus: r.str('state-store-orders', 'table_status'),
      retentionHours: r.num('state-store-orders', 'retention_hours', { min: 0 }),
      watchdogMinutes: r.num('state-store-orders', 'status_watchdog_minutes', { min: 0, exclusiveMin: true }),
      invalidTimeoutMinutes: r.num('state-store-orders', 'status_invalid_timeout_minutes', { min: 0, exclusiveMin: true }),
      completedWhen,
    },
    deliveryStore: {
      module: storeModule(r, 'state-store-delivery'),
      name: r.str('state-store-delivery', 'name'),
      table: r.str('state-store-delivery', 'table_name'),
      retentionHours: r.num('state-store-delivery', 'retention_hours', { min: 0 }),
    },
    shop: {
      speed: r.num('shop', 'speed', { min: 0 }),
      dataDir: r.str('shop', 'data_dir'),
      webPort: r.int('shop', 'web_port', { min: 0, max: 65535 }),
      localPartitions: r.int('shop', 'local_partitions', { min: 1 }),
      batchMaxMessages: r.int('shop', 'batch_max_messages', { min: 1 }),
      batchLingerMs: r.int('shop', 'batch_linger_ms', { min: 0 }),
      clockStepMs: r.int('shop', 'clock_step_ms', { min: 1, max: MAX_STEP_MS }),
    },
    capacity: {
      assemble: r.int('station-capacity', 'assemble', { min: 1 }),
      bake: r.int('station-capacity', 'bake', { min: 1 }),
      delivery: r.int('station-capacity', 'delivery', { min: 1 }),
    },
    lab: {
      windowSizeMinutes: r.num('lab', 'window_size_minutes', { min: 0, exclusiveMin: true }),
      windowAdvanceMinutes: r.num('lab', 'window_advance_minutes', { min: 0, exclusiveMin: true }),
      windowGraceMinutes: r.num('lab', 'window_grace_minutes', { min: 0 }),
      inventoryDb: r.str('lab', 'inventory_db'),
      analyticsDb: r.str('lab', 'analytics_db'),
      inventoryPollSeconds: r.num('lab', 'inventory_poll_seconds', { min: 0, exclusiveMin: true }),
      restockEveryMinutes: r.num('lab', 'restock_every_minutes', { min: 0 }),
      capacity: r.int('lab', 'capacity', { min: 1 }),
      txnHour: r.num('lab', 'txn_hour', { min: 0 }),
      listPrice: r.num('lab', 'list_price', { min: 0 }),
      discount: r.num('lab', 'discount', { min: 0, max: 100 }),
      maxTaskIdleMs: r.int('lab', 'max_task_idle_ms', { min: 0 }),
    },
    web: { secureCookies: r.optBool('shop', 'secure_cookies', false) },
    tracing: r.optUrl('tracing', 'otlp_endpoint') === undefined ? {} : { otlpEndpoint: r.optUrl('tracing', 'otlp_endpoint') as string },
    webLimits: {
      ordersPerMinutePerSession: r.optInt('web-limits', 'orders_per_minute_per_session', DEFAULT_WEB_LIMITS.ordersPerMinutePerSession),
      ordersPerMinutePerAddress: r.optInt('web-limits', 'orders_per_minute_per_address', DEFAULT_WEB_LIMITS.ordersPerMinutePerAddress),
      loginsPerMinutePerAddress: r.optInt('web-limits', 'logins_per_minute_per_address', DEFAULT_WEB_LIMITS.loginsPerMinutePerAddress),
      streamsPerMinutePerAddress: r.optInt('web-limits', 'streams_per_minute_per_address', DEFAULT_WEB_LIMITS.streamsPerMinutePerAddress),
      clicksPerMinutePerSession: r.optInt('web-limits', 'clicks_per_minute_per_session', DEFAULT_WEB_LIMITS.clicksPerMinutePerSession),
      clockCommandsPerMinutePerSession: r.optInt(
        'web-limits',
        'clock_commands_per_minute_per_session',
        DEFAULT_WEB_LIMITS.clockCommandsPerMinutePerSession,
      ),
      faultsPerMinutePerSession: r.optInt('web-limits', 'faults_per_minute_per_session', DEFAULT_WEB_LIMITS.faultsPerMinutePerSession),
      faultsPerMinutePerAddress: r.optInt('web-limits', 'faults_per_minute_per_address', DEFAULT_WEB_LIMITS.faultsPerMinutePerAddress),
      streamsPerSession: r.optInt('web-limits', 'streams_per_session', DEFAULT_WEB_LIMITS.streamsPerSession),
      streamsTotal: r.optInt('web-limits', 'streams_total', DEFAULT_WEB_LIMITS.streamsTotal),
      streamBufferKib: r.optInt('web-limits', 'stream_buffer_kib', DEFAULT_WEB_LIMITS.streamBufferKib, 1),
    },
    timings: {
      assembleModulo: r.int('timings', 'assemble_modulo', { min: 1 }),
      assembleBaseSeconds: r.num('timings', 'assemble_base_seconds', { min: 0 }),
      bakeModulo: r.int('timings', 'bake_modulo', { min: 1 }),
      bakeBaseSeconds: r.num('timings', 'bake_base_seconds', { min: 0 }),
      deliveryModulo: r.int('timings', 'delivery_modulo', { min: 1 }),
      deliveryBaseSeconds: r.num('timings', 'delivery_base_seconds', { min: 0 }),
      deliveryLateFactor: r.num('timings', 'delivery_late_factor', { min: 0 }),
    },
  };
  const { windowSizeMinutes: size, windowAdvanceMinutes: advance } = config.lab;
  if (advance > size || Math.abs(size / advance - Math.round(size / advance)) > 1e-9) {
    throw configError(file, 'lab', 'window_advance_minutes', `must divide window_size_minutes (${size}) and be at most it`);
  }
  const topicNames = Object.values(config.topics);
  if (new Set(topicNames).size !== topicNames.length) {
    throw configError(file, 'kafka-topics', null, 'two aliases name the same topic');
  }
  return config;
}

interface NumberRule {
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
}

class Reader {
  constructor(
    private readonly sections: IniSections,
    readonly file: string,
  ) {}

  has(section: string, key: string): boolean {
    return this.sections[section]?.[key] !== undefined;
  }

  /** The key's value, under its own name or the original's, else this project's default. */
  private raw(section: string, key: string): string | undefined {
    const body = this.sections[section];
    const own = body?.[key] ?? ORIGINAL_KEYS[section]?.[key]?.map((name) => body?.[name]).find((v) => v !== undefined);
    if (own !== undefined) return own;
    const fallback = ADDED_DEFAULTS[section]?.[key];
    if (fallback !== undefined) return fallback;
    if (!body) {
      const renamed = RENAMED_SECTIONS[section];
      const hint = renamed && this.sections[renamed.old] !== undefined ? ` (${renamed.hint})` : '';
      throw configError(this.file, section, null, `missing section${hint}`);
    }
    return undefined;
  }

  str(section: string, key: string): string {
    const value = this.raw(section, key);
    if (value === undefined) throw configError(this.file, section, key, 'missing key');
    if (value.trim() === '') throw configError(this.file, section, key, 'empty value');
    return value.trim();
  }

  num(section: string, key: string, rule: NumberRule = {}): number {
    const raw = this.str(section, key);
    const value = Number(raw);
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) || !Number.isFinite(value)) {
      throw configError(this.file, section, key, `'${raw}' is not a number`);
    }
    if (rule.min !== undefined && (value < rule.min || (rule.exclusiveMin && value === rule.min))) {
      throw configError(this.file, section, key, `${raw} must be ${rule.exclusiveMin ? 'greater than' : 'at least'} ${rule.min}`);
    }
    if (rule.max !== undefined && value > rule.max) {
      throw configError(this.file, section, key, `${raw} must be at most ${rule.max}`);
    }
    return value;
  }

  int(section: string, key: string, rule: NumberRule = {}): number {
    const value = this.num(section, key, rule);
    if (!Number.isInteger(value)) throw configError(this.file, section, key, `${value} is not a whole number`);
    return value;
  }

  /** true/false from a key that may be absent (`fallback` then). */
  optBool(section: string, key: string, fallback: boolean): boolean {
    if (this.sections[section]?.[key] === undefined) return fallback;
    const raw = this.str(section, key).toLowerCase();
    if (raw === 'true' || raw === 'yes' || raw === '1') return true;
    if (raw === 'false' || raw === 'no' || raw === '0') return false;
    throw configError(this.file, section, key, `'${raw}' is not true or false`);
  }

  /** An http(s) URL from a key that may be absent or empty (undefined then). */
  optUrl(section: string, key: string): string | undefined {
    const raw = this.sections[section]?.[key]?.trim();
    if (raw === undefined || raw === '') return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw configError(this.file, section, key, `'${raw}' is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw configError(this.file, section, key, `'${raw}' is not an http(s) URL`);
    return raw;
  }

  /** A whole number ≥ `min` (default 0) from a section that may be absent; `fallback` when it or the key is. */
  optInt(section: string, key: string, fallback: number, min = 0): number {
    if (this.sections[section]?.[key] === undefined) return fallback;
    return this.int(section, key, { min });
  }

  list(section: string, key: string, options: { nonEmpty?: boolean } = {}): string[] {
    const value = this.raw(section, key);
    if (value === undefined) throw configError(this.file, section, key, 'missing key');
    const items = parseList(value);
    if (options.nonEmpty && items.length === 0) throw configError(this.file, section, key, 'the list is empty');
    if (new Set(items).size !== items.length) throw configError(this.file, section, key, 'the list has duplicates');
    return items;
  }
}
