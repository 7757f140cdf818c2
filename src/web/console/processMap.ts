import { isStale, type ProcessPresence, parsePresence } from '../../events/processPresence.ts';
import type { Transport } from '../../transport/transport.ts';

/** A process on the map: its latest entry, and whether its heartbeat is too old to trust. */
export interface MappedProcess extends ProcessPresence {
  stale: boolean;
  /** ms since its last heartbeat (wall clock) */
  silent_ms: number;
}

/** One change the map saw: an actor instance's partitions moved, it crashed, a process came or went. */
export interface MapChange {
  at: number;
  process: string;
  actor: string | null;
  what: string;
}

export interface ProcessMapSnapshot {
  now: number;
  processes: MappedProcess[];
  /** newest first */
  changes: MapChange[];
  /** per actor: which process owns each partition (a partition owned twice is mid-rebalance) */
  owners: { actor: string; group: string; partitions: { partition: number; processes: string[] }[] }[];
}

const MAX_CHANGES = 100;
/**
 * A process silent this long is forgotten (it stays stale until then). Each start has a new id and
 * a SIGKILLed process never writes its tombstone, so without this the map (and its page) would grow
 * by one entry per killed process for as long as the web runs.
 */
export const FORGET_AFTER_MS = 10 * 60_000;

/**
 * The console's process map: reads the presence topic (no consumer group: it reads every
 * partition from where it left off) and keeps the latest entry per process, noting what changed
 * between two entries of a process — partitions moving is a rebalance happening.
 *
 * @example
 * const map = createProcessMap({ transport, topic: config.topics.processes });
 * await map.refresh();
 * map.snapshot().processes; // [{ process: 'box-4121-ab12', actors: [{ actor: 'bake', partitions: [0,1,2] }] }]
 */
export function createProcessMap(deps: { transport: Pick<Transport, 'read' | 'endOffsets'>; topic: string; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const latest = new Map<string, ProcessPresence>();
  const positions = new Map<number, number>();
  const changes: MapChange[] = [];
  let refreshing: Promise<void> | undefined;

  const note = (at: number, process: string, actor: string | null, what: string) => {
    changes.unshift({ at, process, actor, what });
    if (changes.length > MAX_CHANGES) changes.length = MAX_CHANGES;
  };

  const compare = (before: ProcessPresence | undefined, after: ProcessPresence) => {
    const at = after.heartbeat_at;
    if (!before) {
      note(at, after.process, null, `joined: ${after.actors.map((a) => a.actor).join(', ') || 'no actors yet'}`);
    }
    for (const a of after.actors) {
      const b = before?.actors.find((x) => x.actor === a.actor);
      const was = b ? b.partitions.join(',') : '';
      const is = a.partitions.join(',');
      if (b && a.restarts > b.restarts) note(a.last_crash_at ?? at, after.process, a.actor, `crashed: ${a.last_crash ?? 'unknown'}`);
      if (b && a.instance_started_at > b.instance_started_at && a.state === 'running' && b.state !== 'running') {
        note(at, after.process, a.actor, 'started again');
      }
      if (was !== is)
        note(at, after.process, a.actor, `partitions ${was || '–'} → ${is || '–'}${a.state === 'rebalancing' ? ' (rebalancing)' : ''}`);
      if (b && b.paused !== a.paused) note(at, after.process, a.actor, a.paused ? 'work paused' : 'work resumed');
    }
  };

  const readAll = async () => {
    const ends = await deps.transport.endOffsets(deps.topic);
    for (const [partition, end] of ends) {
      let from = positions.get(partition) ?? 0;
      while (from < end) {
        const messages = await deps.transport.read(deps.topic, partition, from, 1000);
        if (messages.length === 0) break;
        for (const m of messages) {
          if (m.key === null) continue;
          let entry: ProcessPresence | null;
          try {
            entry = parsePresence(m.value);
          } catch {
            continue; // not a presence entry: nothing to show
          }
          const before = latest.get(m.key);
          if (entry === null) {
            if (before) note(m.timestamp, m.key, null, 'left (stopped gracefully)');
            latest.delete(m.key);
          } else {
            compare(before, entry);
            latest.set(m.key, entry);
          }
        }
        from = (messages.at(-1)?.offset ?? from) + 1;
      }
      positions.set(partition, from);
    }
  };

  return {
    /** Reads what was published since the last refresh (one refresh at a time). */
    refresh(): Promise<void> {
      refreshing ??= readAll().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    snapshot(): ProcessMapSnapshot {
      const at = now();
      for (const [key, p] of latest) {
        if (at - p.heartbeat_at <= FORGET_AFTER_MS) continue;
        latest.delete(key);
        note(at, key, null, `forgotten: silent for ${Math.round((at - p.heartbeat_at) / 60_000)} min`);
      }
      const processes = [...latest.values()]
        .map((p) => ({ ...p, stale: isStale(p, at), silent_ms: Math.max(0, at - p.heartbeat_at) }))
        .sort((a, b) => a.started_at - b.started_at || a.process.localeCompare(b.process));
      const owners = new Map<string, { actor: string; group: string; partitions: Map<number, string[]> }>();
      for (const p of processes) {
        if (p.stale) continue;
        for (const a of p.actors) {
          const o = owners.get(a.actor) ?? { actor: a.actor, group: a.group, partitions: new Map<number, string[]>() };
          owners.set(a.actor, o);
          for (const partition of a.partitions) o.partitions.set(partition, [...(o.partitions.get(partition) ?? []), p.process]);
        }
      }
      return {
        now: at,
        processes,
        changes: [...changes],
        owners: [...owners.values()].map((o) => ({
          actor: o.actor,
          group: o.group,
          partitions: [...o.partitions].sort((x, y) => x[0] - y[0]).map(([partition, ps]) => ({ partition, processes: ps })),
        })),
      };
    },
  };
}

export type ProcessMap = ReturnType<typeof createProcessMap>;
