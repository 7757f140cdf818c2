import type { ActorTopology } from '../../topology.ts';
import type { MachineGraph } from './machineGraph.ts';

/**
 * The actor/topic flow as a graph the state-diagram renderer can draw: actors and topics are
 * boxes; writing is an edge actor → topic, reading an edge topic → actor. Topics carry their
 * message count on a second line.
 */
export function topologyGraph(topology: ActorTopology[], counts: Map<string, number>, skip: string[] = []): MachineGraph {
  const topics: string[] = [];
  for (const a of topology) for (const t of [...a.produces, ...a.consumes]) if (!topics.includes(t) && !skip.includes(t)) topics.push(t);
  const edges: MachineGraph['edges'] = [];
  for (const a of topology) {
    for (const t of a.produces) if (topics.includes(t)) edges.push({ from: a.actor, to: t, labels: ['writes'] });
    for (const t of a.consumes) if (topics.includes(t)) edges.push({ from: t, to: a.actor, labels: [] });
  }
  return {
    name: 'flow',
    initial: topology[0]?.actor,
    nodes: [
      ...topology.map((a) => ({ key: a.actor, id: `actor.${a.actor}`, type: 'atomic' as const, kind: 'actor', children: [] })),
      ...topics.map((t) => ({ key: t, id: `topic.${t}`, type: 'atomic' as const, kind: 'topic', children: [`${counts.get(t) ?? 0} messages`] })),
    ],
    edges,
    anyState: [],
  };
}
