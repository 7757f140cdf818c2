import type { ActorTopology } from '../../topology.ts';
import type { GraphEdge, MachineGraph } from './machineGraph.ts';

/**
 * The shop's event flow as a graph the state-diagram renderer can draw: actors are boxes, and an
 * edge from one actor to another carries each topic the first writes and the second reads, with
 * its message count (`pizza-ordered · 12`). Only the actors' jobs are drawn (`consumes`), not what
 * the web merely observes for its pages.
 *
 * @example
 * topologyGraph(shopTopology(config), counts).edges[0]; // { from: 'web', to: 'assemble', labels: ['pizza-ordered · 12', …] }
 */
export function topologyGraph(topology: ActorTopology[], counts: Map<string, number>): MachineGraph {
  const edges: GraphEdge[] = [];
  for (const writer of topology) {
    for (const reader of topology) {
      const topics = writer.produces.filter((t) => reader.consumes.includes(t));
      if (topics.length) edges.push({ from: writer.actor, to: reader.actor, labels: topics.map((t) => `${t} · ${counts.get(t) ?? 0}`) });
    }
  }
  return {
    name: 'flow',
    initial: topology[0]?.actor,
    nodes: topology.map((a) => ({
      key: a.actor,
      label: a.actor,
      parents: [],
      type: 'atomic' as const,
      kind: 'actor',
      notes: [`writes ${a.produces.join(', ')}`],
    })),
    edges,
    anyState: [],
  };
}
