import { ShopError } from '../errors.ts';

/**
 * The wire format: message values on the shop's topics, exactly as the original Python services
 * wrote them (SPEC.md). Every message is keyed by the order id. Parsing happens at the edge: a
 * value that does not fit throws a MalformedMessage error, which the actor host routes to the
 * dead-letter topic.
 */

export interface OrderDetails {
  extra_toppings: string[];
  username: string;
  customer_id: string;
  sauce: string;
  cheese: string;
  main_topping: string;
}

export interface PizzaOrdered {
  status: number;
  timestamp: number;
  order: OrderDetails;
}
export interface PizzaAssembled {
  status: number;
  baking_time: number;
  timestamp: number;
}
/** pizza-baked, pizza-delivered, pizza-pending, pizza-cancelled and pizza-status share this shape */
export interface StatusChanged {
  status: number;
  timestamp: number;
}

export const ORDER_ID = /^[0-9a-f]{8}$/;
export const CUSTOMER_ID = /^[0-9a-f]{32}$/;

export function malformed(reason: string): ShopError {
  return new ShopError('MALFORMED_MESSAGE', reason, { httpStatus: 400 });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A value as the parsers take it: JSON text (bytes or a string), or what a wire format's `decode`
 * answered (a plain object, from Avro or JSON), which is only checked.
 */
export type RawValue = Uint8Array | string | Record<string, unknown>;

function decodeJson(value: RawValue): Record<string, unknown> {
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed('value is not an object');
    return value;
  }
  let text: string;
  try {
    text = typeof value === 'string' ? value : utf8.decode(value);
  } catch {
    throw malformed('value is not UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('value is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformed('value is not a JSON object');
  return parsed as Record<string, unknown>;
}

function int(obj: Record<string, unknown>, field: string, alias?: string): number {
  const v = obj[field] ?? (alias ? obj[alias] : undefined);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw malformed(`field '${field}' must be a number`);
  return v;
}

function str(obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (typeof v !== 'string') throw malformed(`field '${field}' must be a string`);
  return v;
}

/** Checks a message key is an order id. */
export function parseOrderId(key: string | null): string {
  if (key === null || !ORDER_ID.test(key)) throw malformed(`key ${JSON.stringify(key)} is not an order id (8 lowercase hex)`);
  return key;
}

export function parsePizzaOrdered(value: RawValue): PizzaOrdered {
  const obj = decodeJson(value);
  const order = obj.order;
  if (order === null || typeof order !== 'object' || Array.isArray(order)) throw malformed("field 'order' must be an object");
  const o = order as Record<string, unknown>;
  const extras = o.extra_toppings ?? [];
  if (!Array.isArray(extras) || extras.some((e) => typeof e !== 'string'))
    throw malformed("field 'extra_toppings' must be a list of strings");
  const customerId = str(o, 'customer_id');
  if (!CUSTOMER_ID.test(customerId)) throw malformed("field 'customer_id' must be 32 lowercase hex characters");
  return {
    status: int(obj, 'status'),
    timestamp: int(obj, 'timestamp'),
    order: {
      extra_toppings: extras as string[],
      username: str(o, 'username'),
      customer_id: customerId,
      sauce: str(o, 'sauce'),
      cheese: str(o, 'cheese'),
      main_topping: str(o, 'main_topping'),
    },
  };
}

export function parsePizzaAssembled(value: RawValue): PizzaAssembled {
  const obj = decodeJson(value);
  const bakingTime = int(obj, 'baking_time');
  if (bakingTime < 0) throw malformed("field 'baking_time' must not be negative");
  return { status: int(obj, 'status'), baking_time: bakingTime, timestamp: int(obj, 'timestamp') };
}

/** pizza-baked, -delivered, -pending, -cancelled, -status (which also accepts ksqlDB's `STATUS`). */
export function parseStatusChanged(value: RawValue): StatusChanged {
  const obj = decodeJson(value);
  return { status: int(obj, 'status', 'STATUS'), timestamp: int(obj, 'timestamp', 'TIMESTAMP') };
}

export function encode(value: PizzaOrdered | PizzaAssembled | StatusChanged | StationWork): string {
  return JSON.stringify(value);
}

/** What a station did with a pizza (topic `station_work`, keyed by order id). */
export interface StationWork {
  station: 'assemble' | 'bake' | 'delivery';
  /** queued: waiting for a free slot; started: being worked on (due at `due_at`); finished; dropped: cancelled */
  work: 'queued' | 'started' | 'finished' | 'dropped';
  timestamp: number;
  /** when a started pizza is due (ms since epoch) */
  due_at?: number;
  /** the station instance (client id) that does the work */
  instance: string;
}

const STATIONS = ['assemble', 'bake', 'delivery'];
const WORK = ['queued', 'started', 'finished', 'dropped'];

export function parseStationWork(value: Uint8Array | string): StationWork {
  const obj = decodeJson(value);
  const station = str(obj, 'station');
  if (!STATIONS.includes(station)) throw malformed(`field 'station' must be one of ${STATIONS.join(', ')}`);
  const work = str(obj, 'work');
  if (!WORK.includes(work)) throw malformed(`field 'work' must be one of ${WORK.join(', ')}`);
  const dueAt = obj.due_at;
  if (dueAt !== undefined && (typeof dueAt !== 'number' || !Number.isFinite(dueAt))) throw malformed("field 'due_at' must be a number");
  return {
    station: station as StationWork['station'],
    work: work as StationWork['work'],
    timestamp: int(obj, 'timestamp'),
    ...(dueAt !== undefined ? { due_at: dueAt as number } : {}),
    instance: str(obj, 'instance'),
  };
}
