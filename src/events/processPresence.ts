import { ShopError } from '../errors.ts';

/**
 * The value of the presence topic (`pizza-processes`): what one shop process hosts. Written by
 * `src/runtime/presence.ts`, read by the console's process map (`src/web/console/processMap.ts`).
 */

/** One actor instance as its process reports it. */
export interface ActorPresence {
  actor: string;
  /** its consumer group */
  group: string;
  /** partitions of its input topics this instance owns now (co-partitioned: the same for every input topic) */
  partitions: number[];
  /**
   * running; rebalancing (partitions revoked, waiting for the new assignment); restarting (crashed,
   * the supervisor starts a new instance after a backoff); stopped
   */
  state: 'running' | 'rebalancing' | 'restarting' | 'stopped';
  /** crashes since the process started (each one restarted by the supervisor) */
  restarts: number;
  /** wall time the current instance started (after a crash: when the new one started) */
  instance_started_at: number;
  /** wall time of its last crash, and why */
  last_crash_at: number | null;
  last_crash: string | null;
  /** state rows the current instance read back from its changelog on its assignments */
  restored_rows: number;
  /** a station whose work topics are held (the console's "pause station") */
  paused: boolean;
}

/** A process's entry on the presence topic (JSON, snake_case like the web API). */
export interface ProcessPresence {
  process: string;
  pid: number;
  host: string;
  transport: 'kafka' | 'embedded';
  started_at: number;
  heartbeat_at: number;
  /** how often it beats: readers call it stale after `STALE_AFTER_HEARTBEATS` of these without one */
  heartbeat_ms: number;
  /** the web front end it serves, if any */
  web_url: string | null;
  actors: ActorPresence[];
}

export const STALE_AFTER_HEARTBEATS = 3;
const malformedPresence = (why: string) => new ShopError('MALFORMED_MESSAGE', `presence entry: ${why}`);

/** Parses a presence value (throws MALFORMED_MESSAGE); an empty value is a tombstone (null). */
export function parsePresence(value: Uint8Array | string): ProcessPresence | null {
  const text = typeof value === 'string' ? value : new TextDecoder().decode(value);
  if (text.length === 0) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw malformedPresence('not JSON');
  }
  const problem = presenceProblem(v);
  if (problem) throw malformedPresence(problem);
  return v as ProcessPresence;
}

const isString = (v: unknown): v is string => typeof v === 'string';
/** a time a Date can hold (the page formats it: a larger one throws) */
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 8.64e15;
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const STATES: readonly unknown[] = ['running', 'rebalancing', 'restarting', 'stopped'] satisfies ActorPresence['state'][];

/**
 * The problem with an entry, or undefined. Every field the map reads is checked: the topic is
 * compacted and anything may write to it, so one entry of another shape would otherwise stay on
 * it and break the process map (and the faults page) for as long as it lives.
 */
function presenceProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const o = v as Record<string, unknown>;
  if (!isString(o.process) || o.process.length === 0 || o.process.length > 200) return 'process must be an id of 1 to 200 characters';
  if (!isCount(o.pid) || !isString(o.host)) return 'pid and host are required';
  if (o.transport !== 'kafka' && o.transport !== 'embedded') return 'transport must be kafka or embedded';
  if (!isTime(o.started_at) || !isTime(o.heartbeat_at)) return 'started_at and heartbeat_at must be times in ms';
  if (!isTime(o.heartbeat_ms) || o.heartbeat_ms === 0) return 'heartbeat_ms must be a positive number';
  if (o.web_url !== null && !isString(o.web_url)) return 'web_url must be a string or null';
  if (!Array.isArray(o.actors) || o.actors.length > 100) return 'actors must be a list (at most 100)';
  for (const a of o.actors as unknown[]) {
    if (typeof a !== 'object' || a === null) return 'an actor must be an object';
    const x = a as Record<string, unknown>;
    if (!isString(x.actor) || !isString(x.group)) return 'an actor needs its name and group';
    if (!Array.isArray(x.partitions) || x.partitions.length > 10_000 || !x.partitions.every(isCount)) {
      return `${x.actor}: partitions must be a list of partition numbers`;
    }
    if (!STATES.includes(x.state)) return `${x.actor}: state must be one of ${STATES.join(', ')}`;
    if (!isCount(x.restarts) || !isCount(x.restored_rows) || !isTime(x.instance_started_at)) {
      return `${x.actor}: restarts, restored_rows and instance_started_at must be numbers`;
    }
    if (x.last_crash_at !== null && !isTime(x.last_crash_at)) return `${x.actor}: last_crash_at must be a time or null`;
    if (x.last_crash !== null && !isString(x.last_crash)) return `${x.actor}: last_crash must be a string or null`;
    if (typeof x.paused !== 'boolean') return `${x.actor}: paused must be true or false`;
  }
  return undefined;
}

/** Whether a process's last heartbeat is too old to trust (it was killed, or is hung). */
export function isStale(entry: Pick<ProcessPresence, 'heartbeat_at' | 'heartbeat_ms'>, now: number): boolean {
  return now - entry.heartbeat_at > STALE_AFTER_HEARTBEATS * Math.max(1, entry.heartbeat_ms);
}
