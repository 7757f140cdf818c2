import type { Clock, TimerHandle } from '../../clock.ts';
import { type ActorTopology, readsOf } from '../../topology.ts';
import type { GroupMemberDescription, Transport } from '../../transport/transport.ts';

/** A consumer group the console reports on: whose it is and what it reads. */
export interface WatchedGroup {
  groupId: string;
  actor: string;
  topics: string[];
}

export interface PartitionLag {
  topic: string;
  partition: number;
  /** next offset the group reads, or null when it committed none */
  committed: number | null;
  end: number;
  /** end − committed (all of it when nothing is committed) */
  lag: number;
  /** the member that owns the partition now, if the transport can tell */
  memberId: string | null;
}

export interface GroupReport extends WatchedGroup {
  /** the coordinator's state ('Stable', 'Empty'…), or null when the transport cannot tell */
  state: string | null;
  members: GroupMemberDescription[];
  partitions: PartitionLag[];
  lag: number;
}

/** The shop's groups: every actor's from the topology, and this web instance's own. */
export function shopGroups(topology: ActorTopology[], webGroupId: string): WatchedGroup[] {
  return topology.map((a) =>
    a.actor === 'web'
      ? { groupId: webGroupId, actor: 'web', topics: readsOf(a) }
      : { groupId: a.groupId, actor: a.actor, topics: a.consumes },
  );
}

/**
 * Members, assignment, committed and end offsets and lag per partition of a group. Lag is what
 * the group has not committed: on the embedded log an actor with local state commits after
 * applying, on Kafka the host commits in its transactions, so both read the same way.
 */
export async function groupReport(
  transport: Pick<Transport, 'endOffsets' | 'committedOffsets' | 'capabilities'>,
  group: WatchedGroup,
): Promise<GroupReport> {
  const described = await transport.capabilities.describeGroup?.call(transport.capabilities, group.groupId);
  const owner = new Map<string, string>();
  for (const m of described?.members ?? []) for (const tp of m.assignment) owner.set(`${tp.topic}\u0000${tp.partition}`, m.memberId);
  const partitions: PartitionLag[] = [];
  for (const topic of group.topics) {
    let ends: Map<number, number>;
    let committed: Map<number, number>;
    try {
      [ends, committed] = await Promise.all([transport.endOffsets(topic), transport.committedOffsets(group.groupId, topic)]);
    } catch {
      continue; // a topic that does not exist yet has nothing to lag behind
    }
    for (const [partition, end] of [...ends].sort((a, b) => a[0] - b[0])) {
      const at = committed.get(partition);
      partitions.push({
        topic,
        partition,
        committed: at ?? null,
        end,
        lag: Math.max(0, end - (at ?? 0)),
        memberId: owner.get(`${topic}\u0000${partition}`) ?? null,
      });
    }
  }
  return {
    ...group,
    state: described ? described.state : transport.capabilities.describeGroup ? 'Empty' : null,
    members: described?.members ?? [],
    partitions,
    lag: partitions.reduce((sum, p) => sum + p.lag, 0),
  };
}

/** One sample of a group's total lag. */
export interface LagSample {
  at: number;
  lag: number;
}

export interface LagHistory {
  /** samples of a group over the window, oldest first */
  series(groupId: string): LagSample[];
  record(at: number, lags: Map<string, number>): void;
  /** how far back samples are kept (ms) */
  readonly windowMs: number;
  readonly everyMs: number;
  /** Samples now, then every `everyMs` on the clock until `stop`. */
  start(): void;
  stop(): void;
  /** Resolves when no sample is being taken (virtual-time tests settle on it). */
  idle(): Promise<void>;
}

/**
 * Lag over the last minutes: every `everyMs` (default 5 s on the shop's clock) the total lag of
 * each group is sampled and kept for `windowMs` (default 10 min), for the groups page's charts.
 */
export function createLagHistory(options: {
  clock: Clock;
  sample: () => Promise<Map<string, number>>;
  everyMs?: number;
  windowMs?: number;
  onError?: (error: unknown) => void;
}): LagHistory {
  const everyMs = options.everyMs ?? 5_000;
  const windowMs = options.windowMs ?? 10 * 60_000;
  const samples = new Map<string, LagSample[]>();
  let timer: TimerHandle | undefined;
  let running = false;
  let inFlight: Promise<void> | undefined;
  const history: LagHistory = {
    everyMs,
    windowMs,
    series: (groupId) => (samples.get(groupId) ?? []).filter((s) => s.at >= options.clock.now() - windowMs),
    record(at, lags) {
      for (const [groupId, lag] of lags) {
        const list = samples.get(groupId) ?? [];
        list.push({ at, lag });
        while (list.length > 0 && (list[0]?.at ?? at) < at - windowMs) list.shift();
        samples.set(groupId, list);
      }
    },
    start() {
      if (running) return;
      running = true;
      const tick = () => {
        if (!running) return;
        // the next sample is due on the clock whatever this one takes (virtual time steps through it)
        timer = options.clock.setTimeout(tick, everyMs);
        if (inFlight) return; // a slow transport: skip a beat rather than pile up reads
        const at = options.clock.now();
        inFlight = options
          .sample()
          .then((lags) => {
            if (running) history.record(at, lags);
          })
          .catch((error: unknown) => options.onError?.(error))
          .finally(() => {
            inFlight = undefined;
          });
      };
      tick();
    },
    idle: async () => {
      await inFlight;
    },
    stop() {
      running = false;
      if (timer !== undefined) options.clock.clearTimeout(timer);
      timer = undefined;
    },
  };
  return history;
}
