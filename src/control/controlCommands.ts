import { malformed } from '../events/messages.ts';
import { MAX_RATE, MAX_STEP_MS, MIN_RATE } from '../runtime/shopClock.ts';

/**
 * The commands of the control topic (`[kafka-topics] control`, default `pizza-control`): what
 * people do to the running shop as a whole, read by every process of it. Imperative names,
 * `<area>.<verb>`; every command says who issued it and when (the issuer's wall clock, ms since
 * the epoch), and has an id (its message key: the topic is compacted, so with unique keys nothing
 * is ever dropped, and a new process can fold the whole history).
 *
 * **Adding a command** (fault injection, say `actor.kill`): add its shape to `ControlCommandBody`,
 * its checks to `BODY_CHECKS` (the parser refuses anything else), then register a handler for its
 * type on the process's `ControlChannel` (`channel.on('actor.kill', handler)`).
 *
 * @example
 * const command: ControlCommand = { type: 'clock.pause', id: randomUUID(), issuer: 'ada via web-1a2b', at: Date.now() };
 * parseControlCommand(JSON.stringify(command)); // the same command, or throws MALFORMED_MESSAGE
 */
export type ControlCommandBody =
  | { type: 'clock.pause' }
  | { type: 'clock.resume' }
  /** moves a paused clock forward by `ms` of shop time */
  | { type: 'clock.step'; ms: number }
  /** sets the speed multiplier (on top of the configured speed) */
  | { type: 'clock.speed'; rate: number }
  /**
   * Fault injection (the console's faults page): crash an actor as a failure would, or restart it
   * gracefully, in `process` (a process id of the presence topic) or in every process hosting it.
   * Not applied on replay: a kill from yesterday must not kill now.
   */
  | { type: 'actor.kill'; actor: string; process?: string }
  | { type: 'actor.restart'; actor: string; process?: string }
  /** Holds or releases a station's work topics; replayed, so a process started while it is paused starts paused. */
  | { type: 'station.pause'; station: string; process?: string }
  | { type: 'station.resume'; station: string; process?: string }
  /**
   * The lab's restock (the analytics page, `POST /api/inventory/restock`): refills the named
   * products (all when none are named) to capacity in the inventory database of every process
   * hosting the inventory actor, whose source then publishes the change. Not applied on replay:
   * yesterday's restock must not refill today's stock.
   */
  | { type: 'inventory.restock'; products?: string[] };

export interface ControlEnvelope {
  /** unique (the message key) */
  id: string;
  /** who issued it, for people: `<user> via <process>` */
  issuer: string;
  /** the issuer's wall time, ms since the epoch */
  at: number;
}

export type ControlCommand = ControlEnvelope & ControlCommandBody;
export type ControlCommandType = ControlCommand['type'];
export type CommandOf<T extends ControlCommandType> = Extract<ControlCommand, { type: T }>;

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A fault command's target: an actor (or station) name, and optionally one process id. */
const addressProblem = (raw: Record<string, unknown>, field: 'actor' | 'station'): string | undefined => {
  const name = raw[field];
  if (typeof name !== 'string' || !/^[a-z]{1,32}$/.test(name)) return `${field} must be an actor name`;
  if (raw.process !== undefined && (typeof raw.process !== 'string' || raw.process.length === 0 || raw.process.length > 200)) {
    return 'process must be a process id of 1 to 200 characters';
  }
  return undefined;
};

/** A restock's products: absent (every product), or 1 to 100 product ids of 1 to 100 characters. */
export const MAX_RESTOCK_PRODUCTS = 100;
const productsProblem = (products: unknown): string | undefined => {
  if (products === undefined) return undefined;
  if (!Array.isArray(products) || products.length === 0 || products.length > MAX_RESTOCK_PRODUCTS) {
    return `products must be a list of 1 to ${MAX_RESTOCK_PRODUCTS} product ids (leave it out to restock every product)`;
  }
  if (products.some((p) => typeof p !== 'string' || p.length === 0 || p.length > 100))
    return 'each product must be an id of 1 to 100 characters';
  return undefined;
};

/** Per type: the problem with the type's own fields, or undefined when they are right. */
const BODY_CHECKS: { [T in ControlCommandType]: (raw: Record<string, unknown>) => string | undefined } = {
  'clock.pause': () => undefined,
  'clock.resume': () => undefined,
  'clock.step': (raw) =>
    Number.isInteger(raw.ms) && (raw.ms as number) >= 1 && (raw.ms as number) <= MAX_STEP_MS
      ? undefined
      : `ms must be a whole number of milliseconds from 1 to ${MAX_STEP_MS}`,
  'clock.speed': (raw) =>
    isFiniteNumber(raw.rate) && raw.rate >= MIN_RATE && raw.rate <= MAX_RATE
      ? undefined
      : `rate must be a number from ${MIN_RATE} to ${MAX_RATE}`,
  'actor.kill': (raw) => addressProblem(raw, 'actor'),
  'actor.restart': (raw) => addressProblem(raw, 'actor'),
  'station.pause': (raw) => addressProblem(raw, 'station'),
  'station.resume': (raw) => addressProblem(raw, 'station'),
  'inventory.restock': (raw) => productsProblem(raw.products),
};

export const CONTROL_COMMAND_TYPES = Object.keys(BODY_CHECKS) as ControlCommandType[];

export function isControlCommandType(type: unknown): type is ControlCommandType {
  return typeof type === 'string' && Object.hasOwn(BODY_CHECKS, type);
}

/** The problem with a command's fields, or undefined (the web checks commands before it sends them). */
export function controlCommandProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'a command is a JSON object';
  const r = raw as Record<string, unknown>;
  if (!isControlCommandType(r.type)) return `unknown command type ${JSON.stringify(r.type)}`;
  if (typeof r.id !== 'string' || r.id.length === 0 || r.id.length > 100) return 'id must be a string of 1 to 100 characters';
  if (typeof r.issuer !== 'string' || r.issuer.length > 200) return 'issuer must be a string of at most 200 characters';
  if (!isFiniteNumber(r.at) || r.at < 0) return 'at must be a time in ms since the epoch';
  return BODY_CHECKS[r.type](r);
}

/** Reads a control message's value; throws MALFORMED_MESSAGE naming the problem. */
export function parseControlCommand(value: Uint8Array | string): ControlCommand {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof value === 'string' ? value : new TextDecoder().decode(value));
  } catch {
    throw malformed('a control command is JSON');
  }
  const problem = controlCommandProblem(raw);
  if (problem) throw malformed(`control command: ${problem}`);
  return raw as ControlCommand;
}
