import type { ActorName, ShopConfig, Topics } from '../config/shopConfig.ts';
import {
  type Click,
  type InventoryRow,
  type PizzaPriced,
  type Promotion,
  parseClick,
  parseInventoryRow,
  parsePizzaPriced,
  parsePromotion,
  parseTransaction,
  parseWindowResult,
  type Transaction,
  type WindowResult,
} from '../lab/labMessages.ts';
import type { DeliveredMessage } from '../transport/transport.ts';
import { parsePresence, type ProcessPresence } from './processPresence.ts';
import { type ControlCommand, parseControlCommand } from '../control/controlCommands.ts';
import {
  encode,
  parseOrderId,
  parsePizzaAssembled,
  parsePizzaOrdered,
  parseStationWork,
  parseStatusChanged,
  type PizzaAssembled,
  type PizzaOrdered,
  type StationWork,
  type StatusChanged,
} from './messages.ts';

/**
 * The event catalogue: every topic of the shop once — its alias in `[kafka-topics]`, the stage it
 * records, the machine event it becomes, its typed codec, who produces and who consumes it. The
 * flow page (`shopTopology`), the actors' subscriptions and the web's decoders all derive from this
 * table, so what runs and what is drawn cannot drift apart.
 *
 * Names: one fact has one name per layer — the topic (`pizza-baked`, configurable), its entry here
 * (`pizzaBaked`, the key of `Topics`), and the machine event (`PIZZA.BAKED`).
 *
 * @example
 * const entry = CATALOGUE.pizzaBaked;
 * entry.codec.decode(message.value); // { status: 300, timestamp: … } or throws MALFORMED_MESSAGE
 * consumersOf('pizzaBaked');          // ['delivery', 'status']
 */

/** The kitchen stages an order passes, named after the topic that records them. */
export type Stage = 'ordered' | 'assembled' | 'baked' | 'pending' | 'delivered' | 'cancelled';

/** Parses a message value (throwing MALFORMED_MESSAGE) and writes one. */
export interface Codec<V> {
  decode(value: Uint8Array | string): V;
  encode(value: V): string;
}

export interface CatalogueEntry<V = unknown> {
  /** the key in `[kafka-topics]` */
  alias: string;
  /** the kitchen stage the topic records, for stage topics */
  stage?: Stage;
  /** the event the order machine and the stations take for it */
  machineEvent?: 'ORDER.PLACED' | 'PIZZA.ASSEMBLED' | 'PIZZA.BAKED' | 'PIZZA.PENDING' | 'PIZZA.DELIVERED' | 'ORDER.CANCELLED';
  /** null for topics whose values are not the shop's own records (dead letters are raw copies) */
  codec: Codec<V> | null;
  /** keyed by order id */
  keyedByOrder: boolean;
  producers: readonly (ActorName | 'any')[];
  /** actors whose job reads the topic */
  consumers: readonly ActorName[];
  /** actors that read it only to show it (the web's timeline, kitchen board, logs) */
  observers: readonly ActorName[];
  /** what a message on it means */
  meaning: string;
}

const codecOf = <V>(decode: (value: Uint8Array | string) => V): Codec<V> => ({
  decode,
  encode: (value) => encode(value as never),
});

/** The lab's records: JSON with their own parsers. */
const jsonCodec = <V>(decode: (value: Uint8Array | string) => V): Codec<V> => ({ decode, encode: (value) => JSON.stringify(value) });

const statusCodec = codecOf<StatusChanged>(parseStatusChanged);

/** Every topic of the shop, by its key in `Topics`. */
export const CATALOGUE = {
  pizzaOrdered: {
    alias: 'pizza_ordered',
    stage: 'ordered',
    machineEvent: 'ORDER.PLACED',
    codec: codecOf<PizzaOrdered>(parsePizzaOrdered),
    keyedByOrder: true,
    producers: ['web'],
    consumers: ['assemble', 'delivery', 'status', 'transactions', 'inventory'],
    observers: ['web'],
    meaning: 'a customer placed an order',
  },
  pizzaAssembled: {
    alias: 'pizza_assembled',
    stage: 'assembled',
    machineEvent: 'PIZZA.ASSEMBLED',
    codec: codecOf<PizzaAssembled>(parsePizzaAssembled),
    keyedByOrder: true,
    producers: ['assemble'],
    consumers: ['bake', 'status', 'inventory'],
    observers: ['web'],
    meaning: 'the pizza is put together; it carries its baking time',
  },
  pizzaBaked: {
    alias: 'pizza_baked',
    stage: 'baked',
    machineEvent: 'PIZZA.BAKED',
    codec: statusCodec,
    keyedByOrder: true,
    producers: ['bake'],
    consumers: ['delivery', 'status'],
    observers: ['web'],
    meaning: 'the pizza came out of the oven',
  },
  pizzaPending: {
    alias: 'pizza_pending',
    stage: 'pending',
    machineEvent: 'PIZZA.PENDING',
    codec: statusCodec,
    keyedByOrder: true,
    producers: ['delivery'],
    consumers: ['status'],
    observers: ['web'],
    meaning: 'delivery holds a baked pizza whose order it has not seen yet',
  },
  pizzaDelivered: {
    alias: 'pizza_delivered',
    stage: 'delivered',
    machineEvent: 'PIZZA.DELIVERED',
    codec: statusCodec,
    keyedByOrder: true,
    producers: ['delivery'],
    consumers: ['status'],
    observers: ['web'],
    meaning: 'the pizza reached the customer',
  },
  pizzaCancelled: {
    alias: 'pizza_cancelled',
    stage: 'cancelled',
    machineEvent: 'ORDER.CANCELLED',
    codec: statusCodec,
    keyedByOrder: true,
    producers: ['web'],
    consumers: ['assemble', 'bake', 'delivery', 'status'],
    observers: ['web'],
    meaning: 'the customer cancelled (added; refused once baked)',
  },
  pizzaStatus: {
    alias: 'pizza_status',
    codec: statusCodec,
    keyedByOrder: true,
    producers: ['status'],
    consumers: ['web'],
    observers: [],
    meaning: "the order's status changed (what ksqlDB merged in the original)",
  },
  stationWork: {
    alias: 'station_work',
    codec: codecOf<StationWork>(parseStationWork),
    keyedByOrder: true,
    producers: ['assemble', 'bake', 'delivery'],
    consumers: [],
    observers: ['web'],
    meaning: 'a station queued, started, finished or dropped a pizza (added; the kitchen board reads it)',
  },
  transactions: {
    alias: 'transactions',
    codec: jsonCodec<Transaction>(parseTransaction),
    keyedByOrder: false,
    producers: ['transactions'],
    consumers: ['processor'],
    observers: [],
    meaning: "one item of one order placed, keyed by product: the lab's transactions (added)",
  },
  inventory: {
    alias: 'inventory',
    codec: jsonCodec<InventoryRow>(parseInventoryRow),
    keyedByOrder: false,
    producers: ['inventory'],
    consumers: ['processor', 'web'],
    observers: [],
    meaning: "a product's stock and prices as the inventory table holds them, compacted: the lab's source connector (added)",
  },
  productTxnPerHour: {
    alias: 'product_txn_per_hour',
    codec: jsonCodec<WindowResult>(parseWindowResult),
    keyedByOrder: false,
    producers: ['processor'],
    consumers: ['analytics', 'web'],
    observers: [],
    meaning: "a product's transactions in a 1-hour window advancing by 5 minutes, joined with its inventory (added)",
  },
  promotions: {
    alias: 'promotions',
    codec: jsonCodec<Promotion>(parsePromotion),
    keyedByOrder: false,
    producers: ['processor'],
    consumers: ['analytics', 'web'],
    observers: [],
    meaning: 'a window of a product with fewer sales than expected and stock above 80 % (added)',
  },
  clicks: {
    alias: 'clicks',
    codec: jsonCodec<Click>(parseClick),
    keyedByOrder: false,
    producers: ['web'],
    consumers: [],
    observers: ['web'],
    meaning: "a menu view or an item click, keyed by customer: the lab's clicks stream (added)",
  },
  pizzaPriced: {
    alias: 'pizza_priced',
    codec: jsonCodec<PizzaPriced>(parsePizzaPriced),
    keyedByOrder: true,
    producers: ['web'],
    consumers: [],
    observers: ['web'],
    meaning: 'the price each item of an order was placed at, promotions applied (added)',
  },
  deadLetter: {
    alias: 'dead_letter',
    codec: null,
    keyedByOrder: false,
    producers: ['any'],
    consumers: [],
    observers: [],
    meaning: 'a message no actor could read, unchanged, with the reason and its position in headers (added)',
  },
  control: {
    alias: 'control',
    codec: jsonCodec<ControlCommand>(parseControlCommand),
    keyedByOrder: false,
    producers: ['web'],
    // every process reads it (src/control), whatever actors it hosts: no actor's job subscribes
    consumers: [],
    observers: [],
    meaning:
      'a command to every process of the shop: pause, resume, step or speed up the shop clock (added; one partition, keyed by command id)',
  },
  logs: {
    alias: 'logs',
    codec: null,
    keyedByOrder: false,
    producers: ['any'],
    consumers: [],
    observers: ['web'],
    meaning: "one structured log line of any actor (added; the order page shows an order's lines)",
  },
  processes: {
    alias: 'processes',
    codec: jsonCodec<ProcessPresence | null>(parsePresence),
    keyedByOrder: false,
    producers: ['any'],
    consumers: [],
    observers: [],
    meaning:
      'what one process hosts: its actors, their partitions, a heartbeat; compacted, keyed by process, empty = it stopped (added; the process map)',
  },
} as const satisfies Record<keyof Topics, CatalogueEntry>;

export type TopicKey = keyof typeof CATALOGUE;
export const TOPIC_KEYS = Object.keys(CATALOGUE) as TopicKey[];
/** The stream-processing lab's topics (keyed by product, not by order). */
export type LabTopicKey = 'transactions' | 'inventory' | 'productTxnPerHour' | 'promotions' | 'clicks' | 'pizzaPriced';

/** Decoded value of each topic. */
export type ValueOf<K extends TopicKey> = (typeof CATALOGUE)[K]['codec'] extends Codec<infer V> ? V : never;

/** Topics (by key) whose job some actor reads. */
export function consumedBy(actor: ActorName): TopicKey[] {
  return TOPIC_KEYS.filter((k) => (CATALOGUE[k].consumers as readonly string[]).includes(actor));
}

export function observedBy(actor: ActorName): TopicKey[] {
  return TOPIC_KEYS.filter((k) => (CATALOGUE[k].observers as readonly string[]).includes(actor));
}

export function producedBy(actor: ActorName): TopicKey[] {
  return TOPIC_KEYS.filter((k) => (CATALOGUE[k].producers as readonly string[]).includes(actor));
}

/** The topic key of a configured topic name, or undefined for a topic that is not the shop's. */
export function topicKeyOf(config: Pick<ShopConfig, 'topics'>): (topic: string) => TopicKey | undefined {
  const byName = new Map<string, TopicKey>(TOPIC_KEYS.map((k) => [config.topics[k], k]));
  return (topic) => byName.get(topic);
}

/** A message of a stage topic, decoded: which stage, its order, its value. */
export type StageMessage =
  | { key: 'pizzaOrdered'; orderId: string; value: PizzaOrdered }
  | { key: 'pizzaAssembled'; orderId: string; value: PizzaAssembled }
  | { key: 'pizzaBaked' | 'pizzaPending' | 'pizzaDelivered' | 'pizzaCancelled' | 'pizzaStatus'; orderId: string; value: StatusChanged };

/**
 * Decodes a message of any order-keyed topic with its codec: the key must be an order id and the
 * value must fit, else MALFORMED_MESSAGE (the dead-letter middleware routes it).
 */
export function decodeMessage(
  config: Pick<ShopConfig, 'topics'>,
): (message: DeliveredMessage) => StageMessage | { key: 'stationWork'; orderId: string; value: StationWork } {
  const keyOf = topicKeyOf(config);
  return (message) => {
    const key = keyOf(message.topic);
    if (!key || !CATALOGUE[key].keyedByOrder || CATALOGUE[key].codec === null) {
      throw new Error(`no codec for topic ${message.topic}: the catalogue lists no such order topic`);
    }
    const orderId = parseOrderId(message.key);
    const codec = CATALOGUE[key].codec as Codec<never>;
    return { key, orderId, value: codec.decode(message.value) } as never;
  };
}
