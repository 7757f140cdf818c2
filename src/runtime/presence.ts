import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isShopError } from '../errors.ts';
import type { ActorPresence, ProcessPresence } from '../events/processPresence.ts';
import type { Logger } from '../log/logger.ts';
import type { Producer } from '../transport/transport.ts';

/**
 * Process presence: every shop process publishes what it hosts to a compacted topic
 * (`pizza-processes`, key = process id), so any reader (the console's process map) knows which
 * process runs which actor instance and owns which partitions.
 *
 * A process publishes its entry at once on every change (an actor started, crashed, was assigned
 * or lost partitions) and on a heartbeat of the wall clock (not the shop's clock: a paused or
 * virtual shop clock must not make a live process look dead). A graceful stop writes a tombstone
 * (an empty value), which compaction keeps until it deletes the key. A process killed with
 * SIGKILL writes nothing more: readers call an entry stale once its heartbeat is older than
 * `STALE_AFTER_HEARTBEATS` heartbeats.
 *
 * @example
 * const presence = createPresence({ producer, topic: 'pizza-processes', transport: 'kafka', logger });
 * presence.started('bake', 'pizza-baked');
 * presence.assigned('bake', [0, 1, 2], false);
 * await presence.stop(); // tombstone
 */

export const DEFAULT_HEARTBEAT_MS = 2_000;

/** A new process id: host, pid and a random suffix (a pid is reused after a restart). */
export function newProcessId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

export interface PresenceOptions {
  producer: Producer;
  topic: string;
  transport: ProcessPresence['transport'];
  logger: Logger;
  /** default `newProcessId()` */
  processId?: string;
  heartbeatMs?: number;
  /** the wall clock (tests may pass their own) */
  now?: () => number;
  /** whether to run the heartbeat timer (tests publish by hand); default true */
  heartbeat?: boolean;
}

export interface Presence {
  readonly processId: string;
  /** A new instance of the actor started (first start or after a crash). */
  started(actor: string, group: string): void;
  /** Its partitions now: after an assignment (`rebalancing` false) or a revocation (true). */
  assigned(actor: string, partitions: number[], rebalancing: boolean): void;
  /** Rows restored from its changelog on an assignment. */
  restored(actor: string, rows: number): void;
  crashed(actor: string, error: Error): void;
  paused(actor: string, paused: boolean): void;
  stopped(actor: string): void;
  webUrl(url: string): void;
  /** The entry as it would be published now. */
  entry(): ProcessPresence;
  /** Publishes the entry now (resolves when written; errors are logged, never thrown). */
  publish(): Promise<void>;
  /** Stops the heartbeat and writes the tombstone. */
  stop(): Promise<void>;
}

export function createPresence(options: PresenceOptions): Presence {
  const now = options.now ?? Date.now;
  const processId = options.processId ?? newProcessId();
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const startedAt = now();
  let webUrl: string | null = null;
  const actors = new Map<string, ActorPresence>();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** publishes in order, one at a time, and at most one waiting behind the one in flight */
  let inFlight: Promise<void> = Promise.resolve();
  let queued = false;
  let failures = 0;

  const of = (actor: string): ActorPresence => {
    let a = actors.get(actor);
    if (!a) {
      a = {
        actor,
        group: '',
        partitions: [],
        state: 'running',
        restarts: 0,
        instance_started_at: now(),
        last_crash_at: null,
        last_crash: null,
        restored_rows: 0,
        paused: false,
      };
      actors.set(actor, a);
    }
    return a;
  };

  const entry = (): ProcessPresence => ({
    process: processId,
    pid: process.pid,
    host: hostname(),
    transport: options.transport,
    started_at: startedAt,
    heartbeat_at: now(),
    heartbeat_ms: heartbeatMs,
    web_url: webUrl,
    actors: [...actors.values()].map((a) => ({ ...a, partitions: [...a.partitions] })),
  });

  const send = async (value: string) => {
    try {
      await options.producer.send(options.topic, [{ key: processId, value }]);
      failures = 0;
    } catch (error) {
      // presence is for people: a log that cannot take it now loses one beat, not the shop
      if (failures++ === 0) options.logger.warn(`presence not published: ${isShopError(error) ? error.message : String(error)}`);
    }
  };

  const publish = (): Promise<void> => {
    if (stopped) return inFlight;
    if (queued) return inFlight;
    queued = true;
    inFlight = inFlight.then(() => {
      queued = false;
      if (stopped) return;
      return send(JSON.stringify(entry()));
    });
    return inFlight;
  };

  const beat = () => {
    timer = undefined;
    if (stopped) return;
    publish().finally(() => {
      if (!stopped) timer = setTimeout(beat, heartbeatMs);
    });
  };
  if (options.heartbeat !== false) timer = setTimeout(beat, heartbeatMs);

  const change = (f: () => void) => {
    f();
    publish().catch(() => undefined);
  };

  return {
    processId,
    started: (actor, group) =>
      change(() => {
        const a = of(actor);
        a.group = group;
        a.state = 'running';
        a.partitions = [];
        a.restored_rows = 0;
        a.instance_started_at = now();
      }),
    assigned: (actor, partitions, rebalancing) =>
      change(() => {
        const a = of(actor);
        a.partitions = [...partitions].sort((x, y) => x - y);
        if (a.state !== 'restarting' && a.state !== 'stopped') a.state = rebalancing ? 'rebalancing' : 'running';
      }),
    restored: (actor, rows) =>
      change(() => {
        of(actor).restored_rows += rows;
      }),
    crashed: (actor, error) =>
      change(() => {
        const a = of(actor);
        a.state = 'restarting';
        a.partitions = [];
        a.restarts += 1;
        a.last_crash_at = now();
        a.last_crash = error.message;
      }),
    paused: (actor, paused) =>
      change(() => {
        of(actor).paused = paused;
      }),
    stopped: (actor) =>
      change(() => {
        const a = of(actor);
        a.state = 'stopped';
        a.partitions = [];
      }),
    webUrl: (url) =>
      change(() => {
        webUrl = url;
      }),
    entry,
    publish,
    async stop() {
      // stopped first: a beat in flight must not arm the next one when it lands (a timer left
      // behind kept a stopped shop's event loop alive); what is queued behind it is not sent
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await inFlight.catch(() => undefined);
      await send('');
    },
  };
}
