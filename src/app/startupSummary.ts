import type { ActorName, ShopConfig } from '../config/shopConfig.ts';
import { shopTopology } from '../topology.ts';

/** What runs where in this process, as the start-up summary shows it. */
export interface StartupSummary {
  pid: number;
  /** the transport in words: `Kafka at 127.0.0.1:9092`, `the embedded log in ./data`… */
  where: string;
  speed: number;
  url?: string;
  actors: {
    actor: ActorName;
    group: string;
    reads: string[];
    writes: string[];
    /** the input partitions this process owns now; null for the web, which reads everything in a group of its own */
    partitions: number[] | null;
  }[];
}

/** Collects the summary of the actors started here (`partitions` asks the running hosts). */
export function startupSummary(options: {
  config: ShopConfig;
  actors: readonly ActorName[];
  where: string;
  speed: number;
  url?: string | undefined;
  partitions: (actor: ActorName) => number[] | null;
}): StartupSummary {
  const topology = shopTopology(options.config);
  return {
    pid: process.pid,
    where: options.where,
    speed: options.speed,
    ...(options.url ? { url: options.url } : {}),
    actors: topology
      .filter((a) => options.actors.includes(a.actor))
      .map((a) => ({
        actor: a.actor,
        group: a.actor === 'web' ? `${a.groupId}-<instance>` : a.groupId,
        reads: a.consumes,
        writes: a.produces,
        partitions: options.partitions(a.actor),
      })),
  };
}

/** The first line of the summary, also the `msg` of its JSON form (scripts wait for it). */
export function summaryHeadline(s: StartupSummary): string {
  const names = s.actors.map((a) => a.actor).join(', ');
  return `pizza shop running: actors ${names} on ${s.where}, speed ${s.speed}${s.url ? `; open ${s.url}` : ''}`;
}

const bold = (on: boolean, text: string) => (on ? `\u001b[1m${text}\u001b[0m` : text);
const dim = (on: boolean, text: string) => (on ? `\u001b[2m${text}\u001b[0m` : text);

/** Ranges for people: [0,1,2,4] → `0-2,4`. */
export function partitionRanges(partitions: number[]): string {
  const sorted = [...partitions].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The summary for a terminal: one screen, one row per actor. */
export function summaryText(s: StartupSummary, options: { color: boolean }): string {
  const c = options.color;
  const rows = s.actors.map((a) => [
    a.actor,
    a.group,
    a.partitions === null ? 'all (own group)' : a.partitions.length === 0 ? 'none yet' : partitionRanges(a.partitions),
    a.reads.join(' '),
    a.writes.join(' '),
  ]);
  const head = ['actor', 'consumer group', 'partitions here', 'reads', 'writes'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [
    bold(c, summaryHeadline(s)),
    dim(c, `process ${s.pid} · ${s.where} · speed ${s.speed}${s.speed === 0 ? ' (no waiting)' : ''}`),
    '',
    dim(c, line(head)),
    ...rows.map(line),
  ];
  if (s.url) {
    out.push('', `web      ${s.url}`, `console  ${s.url}/console   (messages, consumer groups, dead letters)`);
  }
  return out.join('\n');
}
