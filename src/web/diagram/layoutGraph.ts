import type { GraphEdge, GraphNode, MachineGraph } from './machineGraph.ts';

export interface PlacedNode extends GraphNode {
  x: number;
  y: number;
  w: number;
  h: number;
  layer: number;
}

export interface PlacedEdge extends GraphEdge {
  /** SVG path data */
  path: string;
  labelX: number;
  labelY: number;
  /** the edge goes back to an earlier (or the same) layer */
  back: boolean;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

const NODE_H = 34;
const GAP_X = 96;
const GAP_Y = 26;
const MARGIN = 24;
const CHAR_W = 7.4;
const LABEL_LINE = 12;

/** Width of a node's box for its label. */
export function nodeWidth(node: Pick<GraphNode, 'key' | 'children'>): number {
  const longest = Math.max(node.key.length, ...node.children.map((c) => c.length + 2));
  return Math.max(84, Math.round(longest * CHAR_W + 26));
}

function nodeHeight(node: GraphNode): number {
  return node.children.length ? NODE_H + node.children.length * 14 + 4 : NODE_H;
}

/**
 * A simple layered (Sugiyama-style) layout, left to right: back edges are found by a depth-first
 * walk from the initial state in the order the machine declares its transitions, layers are the
 * longest path over the remaining edges (so the main line of a lifecycle reads straight across),
 * and each layer is ordered by the mean position of its predecessors to cut crossings.
 * Deterministic: the same machine gives the same picture.
 */
export function layoutGraph(graph: MachineGraph): Layout {
  const keys = graph.nodes.map((n) => n.key);
  const out = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (const e of graph.edges) if (e.from !== e.to) out.get(e.from)?.push(e.to);

  // 1. back edges: depth-first from the initial state, then from anything not reached
  const state = new Map<string, 'open' | 'done'>();
  const back = new Set<string>();
  const visit = (k: string) => {
    state.set(k, 'open');
    for (const to of out.get(k) ?? []) {
      const s = state.get(to);
      if (s === 'open') back.add(`${k}\u0000${to}`);
      else if (s === undefined) visit(to);
    }
    state.set(k, 'done');
  };
  if (graph.initial !== undefined && out.has(graph.initial)) visit(graph.initial);
  for (const k of keys) if (!state.has(k)) visit(k);

  // 2. layers: longest path from the sources over forward edges
  const layer = new Map<string, number>(keys.map((k) => [k, 0]));
  const forward = (from: string) => (out.get(from) ?? []).filter((to) => !back.has(`${from}\u0000${to}`));
  const order = topoOrder(keys, forward);
  for (const k of order) for (const to of forward(k)) layer.set(to, Math.max(layer.get(to) ?? 0, (layer.get(k) ?? 0) + 1));
  // states reached only from "any state" sit one layer after the initial state
  const reachedByAny = new Set(graph.anyState.map((a) => a.to));
  const hasIncoming = new Set(graph.edges.filter((e) => e.from !== e.to).map((e) => e.to));
  for (const k of keys) if (reachedByAny.has(k) && !hasIncoming.has(k) && k !== graph.initial) layer.set(k, Math.max(layer.get(k) ?? 0, 1));

  // 3. order within layers: declaration order, then two barycenter sweeps
  const layerCount = Math.max(0, ...layer.values()) + 1;
  const columns: string[][] = Array.from({ length: layerCount }, () => []);
  for (const k of keys) columns[layer.get(k) ?? 0]?.push(k);
  const preds = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (const e of graph.edges) if (e.from !== e.to) preds.get(e.to)?.push(e.from);
  for (let sweep = 0; sweep < 2; sweep++) {
    for (let i = 1; i < columns.length; i++) {
      const index = new Map<string, number>();
      for (const col of columns.slice(0, i)) col.forEach((k, j) => index.set(k, j));
      const column = columns[i] as string[];
      const weight = new Map(
        column.map((k, j) => {
          const ps = (preds.get(k) ?? []).filter((p) => index.has(p));
          return [k, ps.length ? ps.reduce((s, p) => s + (index.get(p) ?? 0), 0) / ps.length : j];
        }),
      );
      column.sort((a, b) => (weight.get(a) ?? 0) - (weight.get(b) ?? 0));
    }
  }

  // 4. coordinates
  const byKey = new Map(graph.nodes.map((n) => [n.key, n]));
  const placed = new Map<string, PlacedNode>();
  let x = MARGIN;
  let height = 0;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as string[];
    const width = Math.max(0, ...column.map((k) => nodeWidth(byKey.get(k) as GraphNode)));
    let y = MARGIN + 24; // room above for loops and back edges
    for (const k of column) {
      const node = byKey.get(k) as GraphNode;
      const h = nodeHeight(node);
      placed.set(k, { ...node, x, y, w: width, h, layer: i });
      y += h + GAP_Y;
    }
    height = Math.max(height, y);
    x += width + GAP_X;
  }
  const width = Math.max(x - GAP_X + MARGIN, 200);
  const bottom = height + 16;

  // 5. edges
  let backLane = 0;
  const edges: PlacedEdge[] = graph.edges.map((e) => {
    const a = placed.get(e.from) as PlacedNode;
    const b = placed.get(e.to) as PlacedNode;
    const lines = e.labels.length;
    if (a === b) {
      const sx = a.x + a.w * 0.35;
      const ex = a.x + a.w * 0.65;
      return {
        ...e,
        back: true,
        path: `M ${sx} ${a.y} C ${sx} ${a.y - 26}, ${ex} ${a.y - 26}, ${ex} ${a.y}`,
        labelX: a.x + a.w / 2,
        labelY: a.y - 24 - (lines - 1) * LABEL_LINE,
      };
    }
    if (b.layer > a.layer) {
      const sx = a.x + a.w;
      const sy = a.y + a.h / 2;
      const ex = b.x;
      const ey = b.y + b.h / 2;
      const mx = (sx + ex) / 2;
      return {
        ...e,
        back: false,
        path: `M ${sx} ${sy} C ${mx} ${sy}, ${mx} ${ey}, ${ex} ${ey}`,
        labelX: mx,
        labelY: (sy + ey) / 2 - 4 - ((lines - 1) * LABEL_LINE) / 2,
      };
    }
    // back or same-layer edge: loop under the picture, each in its own lane
    backLane += 1;
    const sx = a.x + a.w / 2;
    const sy = a.y + a.h;
    const ex = b.x + b.w / 2 + 6;
    const ey = b.y + b.h;
    const low = bottom + backLane * 14;
    return {
      ...e,
      back: true,
      path: `M ${sx} ${sy} C ${sx} ${low}, ${ex} ${low}, ${ex} ${ey}`,
      labelX: (sx + ex) / 2,
      labelY: low - 6 - (lines - 1) * LABEL_LINE,
    };
  });
  return { width: Math.round(width), height: Math.round(bottom + backLane * 14 + 24), nodes: [...placed.values()], edges };
}

function topoOrder(keys: string[], next: (k: string) => string[]): string[] {
  const indegree = new Map<string, number>(keys.map((k) => [k, 0]));
  for (const k of keys) for (const to of next(k)) indegree.set(to, (indegree.get(to) ?? 0) + 1);
  const queue = keys.filter((k) => indegree.get(k) === 0);
  const order: string[] = [];
  while (queue.length) {
    const k = queue.shift() as string;
    order.push(k);
    for (const to of next(k)) {
      const d = (indegree.get(to) ?? 0) - 1;
      indegree.set(to, d);
      if (d === 0) queue.push(to);
    }
  }
  return order;
}
