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
  const o = v as Partial<ProcessPresence>;
  if (typeof o !== 'object' || o === null) throw malformedPresence('not an object');
  if (typeof o.process !== 'string' || typeof o.heartbeat_at !== 'number' || !Array.isArray(o.actors)) {
    throw malformedPresence('process, heartbeat_at and actors are required');
  }
  return o as ProcessPresence;
}

/** Whether a process's last heartbeat is too old to trust (it was killed, or is hung). */
export function isStale(entry: Pick<ProcessPresence, 'heartbeat_at' | 'heartbeat_ms'>, now: number): boolean {
  return now - entry.heartbeat_at > STALE_AFTER_HEARTBEATS * Math.max(1, entry.heartbeat_ms);
}
