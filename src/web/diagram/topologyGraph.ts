import type { ActorTopology } from '../../topology.ts';
import type { GraphEdge, MachineGraph } from './machineGraph.ts';

/** A count as wide as any `formatCount` writes (5 characters): the flow's layout makes room for it. */
export const COUNT_RESERVE = 99_999;

/** A message count in at most 5 characters: `12`, `99999`, `123k`, `12.3M`, `1234M`. */
export function formatCount(n: number): string {
  if (n <= COUNT_RESERVE) return String(n);
  if (n < 999_500) return `${Math.round(n / 1e3)}k`;
  if (n < 99_950_000) return `${(n / 1e6).toFixed(1)}M`;
  return `${Math.round(n / 1e6)}M`;
}

/**
 * The shop's event flow as a graph the state-diagram renderer can draw: actors are boxes (under
 * the name, each topic it writes that no actor's job reads, e.g. what only the pages watch), and an edge from one actor to another carries each topic
 * the first writes and the second reads, with its message count (`pizza-ordered · 12`). Only the
 * actors' jobs are drawn (`consumes`), not what the web merely observes for its pages. A flow has
 * no initial state.
 *
 * @example
 * topologyGraph(shopTopology(config), counts).edges[0]; // { from: 'web', to: 'assemble', labels: ['pizza-ordered · 12', …] }
 */
export function topologyGraph(topology: ActorTopology[], counts: Map<string, number>): MachineGraph {
  const edges: GraphEdge[] = [];
  for (const writer of topology) {
    for (const reader of topology) {
      const topics = writer.produces.filter((t) => reader.consumes.includes(t));
      if (topics.length)
        edges.push({ from: writer.actor, to: reader.actor, labels: topics.map((t) => `${t} · ${formatCount(counts.get(t) ?? 0)}`) });
    }
  }
  return {
    name: 'flow',
    initial: undefined,
    nodes: topology.map((a) => ({
      key: a.actor,
      label: a.actor,
      parents: [],
      type: 'atomic' as const,
      kind: 'actor',
      notes: a.produces.filter((t) => !topology.some((r) => r.consumes.includes(t))).map((t) => `→ ${t}`),
    })),
    edges,
    anyState: [],
  };
}
