import type { GraphEdge, GraphNode, MachineGraph } from './machineGraph.ts';

export interface PlacedNode extends GraphNode {
  x: number;
  y: number;
  w: number;
  h: number;
  /** column; exception states sit in the bottom row under the column of their neighbours */
  layer: number;
  /** drawn in the bottom row (a state reachable from, and leading back to, many others) */
  side: boolean;
}

export interface PlacedEdge extends GraphEdge {
  /** SVG path data */
  path: string;
  labelX: number;
  labelY: number;
  /** the edge goes back to an earlier (or the same) column */
  back: boolean;
  /** labels not drawn because an edge next to it already shows the same text (all on hover) */
  hiddenLabels?: boolean;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

const NODE_H = 34;
const GAP_X = 92;
const GAP_Y = 22;
const MARGIN = 20;
const CHAR_W = 7.4;
const LABEL_LINE = 11;
const ARC_STEP = 16;

/** Width of a node's box for its text. */
export function nodeWidth(node: Pick<GraphNode, 'label' | 'parents' | 'notes'>): number {
  const longest = Math.max(
    node.label.length,
    ...node.notes.map((c) => c.length * 0.85),
    node.parents.length ? (node.parents.join(' › ').length + 2) * 0.8 : 0,
  );
  return Math.max(84, Math.round(longest * CHAR_W + 26));
}

/** Height of a node's box: the label, a line for its parents, a line per note. */
export function nodeHeight(node: Pick<GraphNode, 'parents' | 'notes'>): number {
  return NODE_H + (node.parents.length ? 12 : 0) + node.notes.length * 14;
}

/**
 * A simple layered layout, left to right, deterministic (the same machine gives the same picture):
 *
 * 1. **Side states.** A state tied both ways to three or more others (the order's `stuck` and
 *    `somethingWrong`: reached from every stage, and leaving to every stage) would stretch the
 *    main line; it is drawn in a bottom row under the middle of its neighbours.
 * 2. **Columns.** Over the other states, an edge to a state declared later in the machine counts
 *    forward (the author's order is the lifecycle's order), then each state's column is the longest
 *    forward path to it from the states nothing leads to.
 * 3. **Rows.** States sharing a column are stacked in declaration order.
 * 4. **Edges.** Next-column edges are curves between the boxes; longer forward edges arc above the
 *    row, backward ones below it, each at its own height; edges of side states run to the bottom row.
 */
export function layoutGraph(graph: MachineGraph): Layout {
  const order = new Map(graph.nodes.map((n, i) => [n.key, i]));
  const edges = graph.edges.filter((e) => e.from !== e.to && order.has(e.from) && order.has(e.to));
  const has = new Set(edges.map((e) => `${e.from}\u0000${e.to}`));
  const twoWay = (a: string, b: string) => has.has(`${a}\u0000${b}`) && has.has(`${b}\u0000${a}`);
  const side = new Set(graph.nodes.filter((n) => graph.nodes.filter((m) => m !== n && twoWay(n.key, m.key)).length >= 3).map((n) => n.key));
  if (graph.initial !== undefined) side.delete(graph.initial);

  // columns: longest forward path over the main states
  const main = graph.nodes.filter((n) => !side.has(n.key)).map((n) => n.key);
  const layer = new Map<string, number>(main.map((k) => [k, 0]));
  const forward = edges.filter((e) => !side.has(e.from) && !side.has(e.to) && (order.get(e.to) ?? 0) > (order.get(e.from) ?? 0));
  for (const k of main) {
    // declaration order is a topological order of the forward edges
    for (const e of forward) if (e.from === k) layer.set(e.to, Math.max(layer.get(e.to) ?? 0, (layer.get(k) ?? 0) + 1));
  }
  const columns: string[][] = [];
  for (const k of main) {
    const i = layer.get(k) ?? 0;
    while (columns.length <= i) columns.push([]);
    columns[i]?.push(k);
  }
  const byKey = new Map(graph.nodes.map((n) => [n.key, n]));
  const colWidth = columns.map((col) => Math.max(0, ...col.map((k) => nodeWidth(byKey.get(k) as GraphNode))));

  // arcs above the main row need room: one step per forward edge spanning more than one column
  const longForward = forward.filter((e) => (layer.get(e.to) ?? 0) - (layer.get(e.from) ?? 0) > 1);
  const top = MARGIN + (longForward.length ? longForward.length * ARC_STEP + 14 : 6);

  const placed = new Map<string, PlacedNode>();
  const colX: number[] = [];
  let x = MARGIN + 14;
  let mainBottom = top;
  columns.forEach((col, i) => {
    colX.push(x);
    let y = top;
    for (const k of col) {
      const node = byKey.get(k) as GraphNode;
      const h = nodeHeight(node);
      placed.set(k, { ...node, x, y, w: colWidth[i] ?? 84, h, layer: i, side: false });
      y += h + GAP_Y;
    }
    mainBottom = Math.max(mainBottom, y - GAP_Y);
    x += (colWidth[i] ?? 84) + GAP_X;
  });
  let width = x - GAP_X + MARGIN;

  // backward edges among main states loop under the main row
  const backMain = edges.filter((e) => !side.has(e.from) && !side.has(e.to) && !forward.includes(e));
  const sideTop = mainBottom + 40 + backMain.length * ARC_STEP;
  const taken: { x: number; w: number }[] = [];
  for (const n of graph.nodes) {
    if (!side.has(n.key)) continue;
    const neighbours = edges
      .flatMap((e) => (e.from === n.key ? [e.to] : e.to === n.key ? [e.from] : []))
      .filter((k) => placed.has(k) && !side.has(k));
    const centres = neighbours.map((k) => {
      const p = placed.get(k) as PlacedNode;
      return p.x + p.w / 2;
    });
    centres.sort((a, b) => a - b);
    const w = nodeWidth(n);
    let cx = centres.length ? (centres[Math.floor((centres.length - 1) / 2)] ?? 0) : MARGIN + w / 2;
    let left = cx - w / 2;
    for (const t of taken) if (left < t.x + t.w + 30 && left + w + 30 > t.x) left = t.x + t.w + 30;
    cx = left + w / 2;
    taken.push({ x: left, w });
    placed.set(n.key, { ...n, x: left, y: sideTop, w, h: nodeHeight(n), layer: -1, side: true });
    width = Math.max(width, left + w + MARGIN);
  }
  const sideBottom = taken.length
    ? sideTop + Math.max(...graph.nodes.filter((n) => side.has(n.key)).map(nodeHeight))
    : mainBottom + 18 + backMain.length * ARC_STEP;

  // edges
  let above = 0;
  let below = 0;
  const sideLines = new Map<string, number>();
  const routed: PlacedEdge[] = graph.edges.map((e) => {
    const a = placed.get(e.from) as PlacedNode;
    const b = placed.get(e.to) as PlacedNode;
    const lines = e.labels.length;
    if (a === b) {
      const sx = a.x + a.w * 0.35;
      const ex = a.x + a.w * 0.65;
      return {
        ...e,
        back: true,
        path: `M ${sx} ${a.y} C ${sx} ${a.y - 24}, ${ex} ${a.y - 24}, ${ex} ${a.y}`,
        labelX: a.x + a.w / 2,
        labelY: a.y - 22 - (lines - 1) * LABEL_LINE,
      };
    }
    if (a.side || b.side) {
      // to or from the bottom row: leave/enter side boxes by their top, main boxes by their bottom
      const [sx, sy] = a.side ? [a.x + a.w * (b.x < a.x ? 0.25 : 0.75), a.y] : [a.x + a.w / 2 + 8, a.y + a.h];
      const [ex, ey] = b.side ? [b.x + b.w * (a.x < b.x ? 0.3 : 0.7), b.y] : [b.x + b.w / 2 - 8, b.y + b.h];
      const my = (sy + ey) / 2;
      // many edges meet at a side state: label each under its main-row box, one line per text
      const m = a.side ? b : a;
      const text = e.labels.join(', ');
      const anchor = `${m.key}|${text}`;
      const line = sideLines.get(anchor) ?? sideLines.get(m.key) ?? 0;
      const hidden = sideLines.has(anchor);
      if (!hidden) {
        sideLines.set(anchor, line);
        sideLines.set(m.key, line + 1);
      }
      return {
        ...e,
        back: a.side,
        path: `M ${sx} ${sy} C ${sx} ${my}, ${ex} ${my}, ${ex} ${ey}`,
        labelX: m.x + m.w / 2,
        labelY: m.y + m.h + 13 + line * LABEL_LINE,
        hiddenLabels: hidden,
      };
    }
    const span = b.layer - a.layer;
    if (span === 1) {
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
        labelY: (sy + ey) / 2 - 5 - ((lines - 1) * LABEL_LINE) / 2,
      };
    }
    if (span > 1) {
      above += 1;
      const sx = a.x + a.w / 2 + 10;
      const ex = b.x + b.w / 2 - 10;
      const high = top - 8 - above * ARC_STEP;
      return {
        ...e,
        back: false,
        path: `M ${sx} ${a.y} C ${sx} ${high}, ${ex} ${high}, ${ex} ${b.y}`,
        labelX: (sx + ex) / 2,
        labelY: 0.25 * a.y + 0.75 * high - 3 - (lines - 1) * LABEL_LINE,
      };
    }
    below += 1;
    const sx = a.x + a.w / 2 - 10;
    const ex = b.x + b.w / 2 + 10;
    const low = mainBottom + 8 + below * ARC_STEP;
    return {
      ...e,
      back: true,
      path: `M ${sx} ${a.y + a.h} C ${sx} ${low}, ${ex} ${low}, ${ex} ${b.y + b.h}`,
      labelX: (sx + ex) / 2,
      labelY: 0.25 * (a.y + a.h) + 0.75 * low + 11,
    };
  });
  return { width: Math.round(Math.max(width, 200)), height: Math.round(sideBottom + MARGIN), nodes: [...placed.values()], edges: routed };
}
