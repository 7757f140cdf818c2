import type { ActorTopology } from '../../topology.ts';
import type { GraphEdge, MachineGraph } from './machineGraph.ts';

/** The widest count an edge label makes room for (7 digits; above, counts are shown in millions). */
export const COUNT_RESERVE = 9_999_999;

/** A message count in at most 7 characters: `12`, `1234567`, `12.3M`. */
export function formatCount(n: number): string {
  return n <= COUNT_RESERVE ? String(n) : `${(n / 1e6).toFixed(1)}M`;
}

/**
 * The shop's event flow as a graph the state-diagram renderer can draw: actors are boxes (with
 * the topics each writes, one a line), and an edge from one actor to another carries each topic
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
      notes: a.produces.map((t) => `→ ${t}`),
    })),
    edges,
    anyState: [],
  };
}
