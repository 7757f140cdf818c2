import { type AnyStateMachine, type AnyStateNode, type EventObject, initialTransition, transition } from 'xstate';

/** A box of the diagram: a leaf state (atomic or final), or any box of another graph (flow page). */
export interface GraphNode {
  /** unique key: the state's path below the drawn region, e.g. 'inProgress.baked' */
  key: string;
  /** text in the box, e.g. 'baked' */
  label: string;
  /** the compound states around it, outermost first, e.g. ['inProgress'] (drawn small above the label) */
  parents: string[];
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** extra lines under the label */
  notes: string[];
  /** `description` of the state node, when the machine has one */
  description?: string;
  /** extra CSS class for non-state boxes (e.g. 'topic' on the flow page) */
  kind?: string;
}

/** A move between two boxes; several events between the same pair share one edge. */
export interface GraphEdge {
  from: string;
  to: string;
  labels: string[];
}

/** One region of a machine as a graph: the root, or one region of a parallel root. */
export interface MachineGraph {
  /** region name ('' for the root itself) */
  name: string;
  /** key of the state the machine starts in */
  initial: string | undefined;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** transitions declared on the region itself that the walk could not resolve ("from any state") */
  anyState: { to: string; labels: string[] }[];
}

/**
 * How to resolve transitions declared high in the tree (the order machine handles most events on
 * its root, guarded by its context): run the machine's own pure `transition()` from every state it
 * reaches, with one sample event of each type it accepts. Guards are then evaluated, not guessed.
 */
export interface ExploreOptions {
  /** the machine's input for `initialTransition` */
  input: unknown;
  /** a sample event of `type` (`machine.root.events` lists the types); null skips the type */
  event(type: string, step: number): EventObject | null;
  /** at most this many distinct states (default 200) */
  limit?: number;
}

/**
 * Reads a statechart's structure from the machine definition itself (`machine.root`), so the
 * drawn diagram cannot drift from the code that runs. Boxes are the leaf states (nesting is shown
 * as a prefix). Edges come from walking every state node's transitions (`on`, `after`, `always`;
 * a transition on a compound state leaves each of its leaves), or — with `explore` — from running
 * the machine's pure transition function over its reachable states.
 *
 * @example
 * const [graph] = machineGraphs(bakeMachine);
 * graph.edges; // [{ from: 'idle', to: 'full', labels: ['[isFull]'] }, …]
 */
export function machineGraphs(machine: AnyStateMachine, explore?: ExploreOptions): MachineGraph[] {
  const root = machine.root;
  if (root.type === 'parallel') return Object.values(root.states).map((region) => staticGraph(region, region.key));
  const graph = staticGraph(root, '');
  if (!explore) return [graph];
  return [{ ...graph, edges: exploredEdges(machine, root, explore), anyState: [] }];
}

/** The leaf states under a node, in document order. */
function leavesOf(node: AnyStateNode): AnyStateNode[] {
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0 || node.type === 'history') return [node];
  return children.flatMap(leavesOf);
}

/** The leaf a transition into `node` lands in (following initial states). */
function entryLeaf(node: AnyStateNode): AnyStateNode {
  if (node.type === 'compound') {
    const initial = node.initial?.target?.[0] as AnyStateNode | undefined;
    if (initial) return entryLeaf(initial);
  }
  return node;
}

function pathBelow(region: AnyStateNode, node: AnyStateNode): string[] {
  const path: string[] = [];
  for (let n: AnyStateNode | undefined = node; n && n !== region; n = n.parent) path.unshift(n.key);
  return path;
}

function staticGraph(region: AnyStateNode, name: string): MachineGraph {
  const keyOf = (n: AnyStateNode) => pathBelow(region, n).join('.');
  const inRegion = (n: AnyStateNode) => {
    for (let p: AnyStateNode | undefined = n; p; p = p.parent) if (p === region) return true;
    return false;
  };
  const nodes: GraphNode[] = leavesOf(region).map((leaf) => {
    const path = pathBelow(region, leaf);
    return {
      key: path.join('.'),
      label: leaf.key,
      parents: path.slice(0, -1),
      type: leaf.type,
      notes: [],
      ...(leaf.description ? { description: leaf.description } : {}),
    };
  });
  const edges = new EdgeSet();
  const anyState = new EdgeSet();
  const walk = (node: AnyStateNode) => {
    for (const t of transitionsOf(node)) {
      for (const target of t.targets) {
        if (!inRegion(target)) continue;
        const to = keyOf(entryLeaf(target));
        if (node === region) anyState.add('', to, t.label);
        else for (const leaf of leavesOf(node)) edges.add(keyOf(leaf), to, t.label);
      }
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) walk(child);
  };
  walk(region);
  const initial = region.initial?.target?.[0] as AnyStateNode | undefined;
  return {
    name,
    initial: initial ? keyOf(entryLeaf(initial)) : undefined,
    nodes,
    edges: edges.list(),
    anyState: anyState.list().map((e) => ({ to: e.to, labels: e.labels })),
  };
}

function exploredEdges(machine: AnyStateMachine, root: AnyStateNode, options: ExploreOptions): GraphEdge[] {
  const keyOf = (value: unknown): string => {
    // a state value of a non-parallel machine is a string or a one-key object chain
    const parts: string[] = [];
    let v: unknown = value;
    while (v !== null && typeof v === 'object') {
      const [k, next] = Object.entries(v as Record<string, unknown>)[0] ?? [];
      if (k === undefined) break;
      parts.push(k);
      v = next;
    }
    if (typeof v === 'string') parts.push(v);
    return parts.join('.');
  };
  const types = root.events.filter((t: string) => !t.startsWith('xstate.'));
  const limit = options.limit ?? 200;
  const edges = new EdgeSet();
  const [first] = initialTransition(machine, options.input);
  const seen = new Set<string>([keyOf(first.value)]);
  const queue = [first];
  let step = 0;
  while (queue.length > 0 && seen.size <= limit) {
    const snapshot = queue.shift() as typeof first;
    const from = keyOf(snapshot.value);
    for (const type of types) {
      const event = options.event(type, ++step);
      if (!event) continue;
      let next: typeof first;
      try {
        [next] = transition(machine, snapshot, event);
      } catch {
        continue; // a sample the machine refuses draws no edge
      }
      const to = keyOf(next.value);
      if (to === from) continue;
      edges.add(from, to, type);
      if (!seen.has(to)) {
        seen.add(to);
        queue.push(next);
      }
    }
  }
  return edges.list();
}

class EdgeSet {
  private edges = new Map<string, GraphEdge>();
  add(from: string, to: string, label: string): void {
    const id = `${from}\u0000${to}`;
    const edge = this.edges.get(id) ?? { from, to, labels: [] };
    if (!edge.labels.includes(label)) edge.labels.push(label);
    this.edges.set(id, edge);
  }
  list(): GraphEdge[] {
    return [...this.edges.values()];
  }
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
      out.push({
        label: labelOf(eventType, def as unknown as { guard?: unknown; delay?: unknown }),
        targets: def.target as AnyStateNode[],
      });
    }
  }
  for (const def of node.always ?? []) {
    if (!def.target?.length) continue;
    // an eventless transition shows its guard alone, as statecharts write it ('[isFull]')
    const guard = guardName(def.guard);
    out.push({ label: guard ? `[${guard}]` : 'always', targets: def.target as AnyStateNode[] });
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
