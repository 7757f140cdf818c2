import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** A state drawn as a box: a direct child of the drawn region (nested states are listed inside). */
export interface GraphNode {
  /** the state's key within its region, e.g. 'baked' */
  key: string;
  /** XState's full id, e.g. 'order.baked' */
  id: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** keys of nested states, for compound states */
  children: string[];
  /** `description` of the state node, when the machine has one */
  description?: string;
  /** extra CSS class for non-state boxes (e.g. 'topic' on the flow page) */
  kind?: string;
}

/** A transition between two boxes; several transitions between the same pair share one edge. */
export interface GraphEdge {
  from: string;
  to: string;
  labels: string[];
}

/** One region of a machine as a graph: the root, or one region of a parallel root. */
export interface MachineGraph {
  /** region name ('' for the root itself) */
  name: string;
  initial: string | undefined;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** transitions declared on the region itself: they apply in every state ("any state → …") */
  anyState: { to: string; labels: string[] }[];
}

/**
 * Reads a statechart's structure from the machine definition itself (`machine.root`), so the
 * drawn diagram cannot drift from the code that runs. Returns one graph per region: the root's
 * children, or — when the root is parallel — each region's children.
 *
 * @example
 * const [graph] = machineGraphs(orderMachine);
 * graph.nodes.map((n) => n.key); // ['placed', 'assembled', 'baked', …]
 */
export function machineGraphs(machine: AnyStateMachine): MachineGraph[] {
  const root = machine.root;
  if (root.type === 'parallel') return Object.values(root.states).map((region) => regionGraph(region, region.key));
  return [regionGraph(root, '')];
}

function regionGraph(region: AnyStateNode, name: string): MachineGraph {
  const children = Object.values(region.states) as AnyStateNode[];
  const nodes: GraphNode[] = children.map((child) => ({
    key: child.key,
    id: child.id,
    type: child.type,
    children: Object.keys(child.states),
    ...(child.description ? { description: child.description } : {}),
  }));
  // the box a (possibly nested) state belongs to in this region
  const boxOf = (node: AnyStateNode | undefined): string | undefined => {
    let n: AnyStateNode | undefined = node;
    while (n && n.parent !== region) n = n.parent;
    return n?.key;
  };
  const edges = new Map<string, GraphEdge>();
  const addEdge = (from: string, to: string, label: string) => {
    const id = `${from}\u0000${to}`;
    const edge = edges.get(id) ?? { from, to, labels: [] };
    if (!edge.labels.includes(label)) edge.labels.push(label);
    edges.set(id, edge);
  };
  const walk = (node: AnyStateNode, box: AnyStateNode) => {
    for (const t of transitionsOf(node)) {
      for (const target of t.targets) {
        const to = boxOf(target);
        // a move between states nested in the same box stays inside it
        if (to === undefined || (to === box.key && node !== box)) continue;
        addEdge(box.key, to, t.label);
      }
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) walk(child, box);
  };
  for (const child of children) walk(child, child);

  const anyState = new Map<string, string[]>();
  for (const t of transitionsOf(region)) {
    for (const target of t.targets) {
      const to = boxOf(target);
      if (to === undefined) continue;
      const labels = anyState.get(to) ?? [];
      if (!labels.includes(t.label)) labels.push(t.label);
      anyState.set(to, labels);
    }
  }
  const initialTarget = region.initial?.target?.[0] as AnyStateNode | undefined;
  return {
    name,
    initial: boxOf(initialTarget),
    nodes,
    edges: [...edges.values()],
    anyState: [...anyState.entries()].map(([to, labels]) => ({ to, labels })),
  };
}

interface SimpleTransition {
  label: string;
  targets: AnyStateNode[];
}

/** Every transition leaving a state node: `on`, `after` and `always`, with readable labels. */
function transitionsOf(node: AnyStateNode): SimpleTransition[] {
  const out: SimpleTransition[] = [];
  for (const [eventType, defs] of node.transitions) {
    for (const def of defs) {
      if (!def.target?.length) continue;
      out.push({ label: labelOf(eventType, def as unknown as { guard?: unknown; delay?: unknown }), targets: def.target as AnyStateNode[] });
    }
  }
  for (const def of node.always ?? []) {
    if (!def.target?.length) continue;
    out.push({ label: withGuard('always', def.guard), targets: def.target as AnyStateNode[] });
  }
  return out;
}

function labelOf(eventType: string, def: { guard?: unknown; delay?: unknown }): string {
  if (eventType.startsWith('xstate.after.')) {
    const delay = def.delay;
    const text = typeof delay === 'number' ? formatMs(delay) : typeof delay === 'string' ? delay : 'a delay';
    return withGuard(`after ${text}`, def.guard);
  }
  return withGuard(eventType, def.guard);
}

function withGuard(label: string, guard: unknown): string {
  const name = guardName(guard);
  return name ? `${label} [${name}]` : label;
}

function guardName(guard: unknown): string | undefined {
  if (!guard) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard && typeof (guard as { type: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  if (typeof guard === 'function') return guard.name && !guard.name.startsWith('xstate.') ? guard.name : 'guard';
  return 'guard';
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
