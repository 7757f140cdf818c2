import ELK, { type ElkExtendedEdge, type ElkLabel, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { GraphEdge, GraphNode, MachineGraph } from './machineGraph.ts';

/** A rectangle in the diagram's coordinates (its top-left corner, its size). */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A state's box (a leaf of the statechart, or an actor on the flow page). */
export interface PlacedNode extends GraphNode, Box {}

/** A compound state drawn around its children, its name in its top-left corner. */
export interface PlacedGroup extends Box {
  /** path of the compound state, e.g. 'inProgress' */
  key: string;
  label: string;
  /** nesting depth, 0 for a compound state of the drawn region itself */
  depth: number;
  /** where its name is written */
  title: Box;
}

/** A transition (or a flow between actors): the path ELK routed and where it put the label. */
export interface PlacedEdge extends GraphEdge {
  /** SVG path data */
  path: string;
  /** the label's box, as placed by ELK: one line per entry of `labels`, top to bottom */
  label: Box | undefined;
  /** ELK reversed it to keep the drawing flowing one way (drawn dashed) */
  back: boolean;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  groups: PlacedGroup[];
  edges: PlacedEdge[];
  /** the dot the machine starts from, with its arrow to the initial state */
  initial: { x: number; y: number; r: number; path: string } | undefined;
}

/**
 * Text sizes, in px. The diagrams are set in the browser's monospace font (see `public/style.css`,
 * `figure.diagram text`): every glyph of a monospace font is as wide, about 0.6 em (DejaVu Sans
 * Mono, Liberation Mono, Menlo, Courier all are), so a text's width is known here without a
 * browser, and the layout is the same in the tests and on every screen.
 */
export const TEXT = {
  /** a state's name */
  state: 13,
  /** an edge label line, a note, a compound state's name */
  small: 10,
  /** line heights */
  stateLine: 17,
  smallLine: 13,
} as const;
const EM = 0.6;

/** Width in px of a line of text at a font size (a wide East Asian or emoji character counts twice). */
export function textWidth(text: string, size: number): number {
  let cells = 0;
  for (const ch of text) cells += wide(ch.codePointAt(0) ?? 0) ? 2 : 1;
  return Math.ceil(cells * size * EM);
}

function wide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    cp >= 0x1f300
  );
}

const PAD_X = 14;
const PAD_Y = 8;
const LABEL_PAD = 3;
const INITIAL_R = 5;

/** Size of a state's box: its name, then its notes, each line centred. */
export function nodeSize(node: Pick<GraphNode, 'label' | 'notes'>): { w: number; h: number } {
  const w = Math.max(textWidth(node.label, TEXT.state), ...node.notes.map((n) => textWidth(n, TEXT.small)));
  return { w: Math.max(70, w + 2 * PAD_X), h: 2 * PAD_Y + TEXT.stateLine + node.notes.length * TEXT.smallLine };
}

/** Size of an edge's label box: one line per label, with a little room around for the halo. */
export function labelSize(labels: string[]): { w: number; h: number } {
  return { w: Math.max(0, ...labels.map((l) => textWidth(l, TEXT.small))) + 2 * LABEL_PAD, h: labels.length * TEXT.smallLine + LABEL_PAD };
}

/**
 * ELK's layered algorithm (Sugiyama style, the one Stately's editor uses), top to bottom, with
 * compound states as nodes holding their children (`hierarchyHandling: INCLUDE_CHILDREN`, so an
 * edge may cross a compound's border and still be laid out with the rest), edge labels as boxes ELK
 * places (and makes room for), orthogonal routing. Cycles are broken against declaration order
 * (`MODEL_ORDER`: the author's order is the lifecycle's, so `stuck` goes below the stages, not
 * above). The spacings are tight and long edges' labels go to the layer with the most room: the
 * order machine's chart, the densest, is then 1108 px wide and the flow 1129 px, both within a
 * 1280 px page at full size (ELK's defaults and its other label strategies: 5–30 % wider).
 */
const LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.layered.spacing.nodeNodeBetweenLayers': '24',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.spacing.nodeNode': '14',
  'elk.spacing.edgeNode': '10',
  'elk.spacing.edgeEdge': '6',
  'elk.spacing.edgeLabel': '3',
  'elk.spacing.labelLabel': '4',
  // a long edge's label goes where it costs the least room
  'elk.layered.edgeLabels.centerLabelPlacementStrategy': 'SPACE_EFFICIENT_LAYER',
  'elk.layered.edgeLabels.sideSelection': 'SMART_DOWN',
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
  // every coordinate in the answer is global: no adding up of parents' offsets here
  'org.eclipse.elk.json.shapeCoords': 'ROOT',
  'org.eclipse.elk.json.edgeCoords': 'ROOT',
};

interface Compound {
  key: string;
  label: string;
  depth: number;
  parent: string | undefined;
}

const INITIAL_ID = '\u0000initial';
const elk = newElk();

/**
 * ELK without a web worker: the bundled build runs the layout in this thread. Under Bun its
 * worker half also sees a global `self` and sets `self.onmessage`, which keeps the process alive
 * after everything else is done (a test run or a script would never exit): it is put back.
 */
function newElk(): InstanceType<typeof ELK> {
  const scope = globalThis as { onmessage?: unknown };
  const before = scope.onmessage;
  const made = new ELK();
  scope.onmessage = before ?? null;
  return made;
}

/**
 * Lays out a graph with ELK, top to bottom (async: run it once per graph and keep the result; see
 * `shopDiagrams.ts`). Compound states come from the nodes' `parents`: each distinct parent path
 * becomes a box around its children. A transition every child of a compound state takes to the
 * same target with the same event is drawn once, from the compound's border (the statechart's own
 * notation: an event handled on the parent). Top to bottom because left to right, with a label
 * beside every edge, the charts are far wider than a page (measured with 11 px labels: the order
 * machine 1950 px against 1200, the flow 2300 against 1310, a station 640 against 314).
 *
 * @example
 * const layout = await layoutGraph(machineGraphs(bakeMachine)[0]);
 * layout.nodes.find((n) => n.key === 'idle'); // { x: …, y: …, w: 70, h: 33, … }
 */
export async function layoutGraph(graph: MachineGraph, options: Record<string, string> = {}): Promise<Layout> {
  const compounds = compoundsOf(graph.nodes);
  const edges = liftShared(graph, compounds);
  const parentOf = new Map<string, string | undefined>();
  for (const n of graph.nodes) parentOf.set(n.key, n.parents.length ? n.parents.join('.') : undefined);
  for (const c of compounds.values()) parentOf.set(c.key, c.parent);
  const initialLeaf = graph.initial !== undefined && parentOf.has(graph.initial) ? graph.initial : undefined;
  if (initialLeaf !== undefined) parentOf.set(INITIAL_ID, parentOf.get(initialLeaf));

  // the ELK graph: every node in its parent's `children`, every edge in the nearest node holding both ends
  const elkNodes = new Map<string, ElkNode>();
  const root: ElkNode = { id: '\u0000root', layoutOptions: { ...LAYOUT_OPTIONS, ...options }, children: [], edges: [] };
  const containerOf = (key: string | undefined): ElkNode => (key === undefined ? root : (elkNodes.get(key) ?? root));
  for (const c of [...compounds.values()].sort((a, b) => a.depth - b.depth)) {
    const title = { w: textWidth(c.label, TEXT.small), h: TEXT.smallLine };
    const node: ElkNode = {
      id: c.key,
      children: [],
      edges: [],
      layoutOptions: {
        'elk.padding': `[top=${title.h + 14},left=14,bottom=14,right=14]`,
        'elk.nodeSize.constraints': '[MINIMUM_SIZE]',
        'elk.nodeSize.minimum': `(${title.w + 28}, ${title.h + 30})`,
      },
    };
    elkNodes.set(c.key, node);
    containerOf(c.parent).children?.push(node);
  }
  for (const n of graph.nodes) {
    const { w, h } = nodeSize(n);
    const node: ElkNode = { id: n.key, width: w, height: h };
    elkNodes.set(n.key, node);
    containerOf(parentOf.get(n.key)).children?.push(node);
  }
  if (initialLeaf !== undefined) {
    const dot: ElkNode = { id: INITIAL_ID, width: 2 * INITIAL_R, height: 2 * INITIAL_R };
    const holder = containerOf(parentOf.get(initialLeaf));
    holder.children?.unshift(dot);
    elkNodes.set(INITIAL_ID, dot);
  }
  const ancestors = (key: string): string[] => {
    const out: string[] = [];
    for (let p = parentOf.get(key); p !== undefined; p = parentOf.get(p)) out.push(p);
    return out;
  };
  // the deepest compound holding both ends (a compound's edges never lead into itself: see liftShared)
  const holderOf = (a: string, b: string): ElkNode => {
    const around = new Set(ancestors(b));
    return containerOf(ancestors(a).find((k) => around.has(k)));
  };
  const elkEdges: ElkExtendedEdge[] = [];
  edges.forEach((e, i) => {
    const { w, h } = labelSize(e.labels);
    const labels: ElkLabel[] = e.labels.length ? [{ id: `l${i}`, text: e.labels.join('\n'), width: w, height: h }] : [];
    const edge: ElkExtendedEdge = { id: `e${i}`, sources: [e.from], targets: [e.to], labels };
    elkEdges.push(edge);
    holderOf(e.from, e.to).edges?.push(edge);
  });
  let initialEdge: ElkExtendedEdge | undefined;
  if (initialLeaf !== undefined) {
    initialEdge = { id: 'initial', sources: [INITIAL_ID], targets: [initialLeaf] };
    holderOf(INITIAL_ID, initialLeaf).edges?.push(initialEdge);
  }

  const done = await elk.layout(root);

  // read the answer back (coordinates are global: see json.shapeCoords / edgeCoords)
  const boxes = new Map<string, Box>();
  const visit = (n: ElkNode) => {
    for (const c of n.children ?? []) {
      boxes.set(c.id, { x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0 });
      visit(c);
    }
  };
  visit(done);
  const laidEdges = new Map<string, ElkExtendedEdge>();
  const collect = (n: ElkNode) => {
    for (const e of n.edges ?? []) laidEdges.set(e.id, e);
    for (const c of n.children ?? []) collect(c);
  };
  collect(done);
  const boxOf = (key: string): Box => boxes.get(key) ?? { x: 0, y: 0, w: 0, h: 0 };

  const nodes: PlacedNode[] = graph.nodes.map((n) => ({ ...n, ...boxOf(n.key) }));
  const groups: PlacedGroup[] = [...compounds.values()].map((c) => {
    const b = boxOf(c.key);
    return {
      key: c.key,
      label: c.label,
      depth: c.depth,
      ...b,
      title: { x: b.x + 10, y: b.y + 5, w: textWidth(c.label, TEXT.small), h: TEXT.smallLine },
    };
  });
  const placedEdges: PlacedEdge[] = edges.map((e, i) => {
    const laid = laidEdges.get(`e${i}`);
    const label = laid?.labels?.[0];
    return {
      ...e,
      path: pathOf(laid),
      label: label && e.labels.length ? { x: label.x ?? 0, y: label.y ?? 0, w: label.width ?? 0, h: label.height ?? 0 } : undefined,
      back: isBackward(laid, boxOf(e.from), boxOf(e.to)),
    };
  });
  let initial: Layout['initial'];
  if (initialLeaf !== undefined) {
    const dot = boxOf(INITIAL_ID);
    initial = {
      x: dot.x + INITIAL_R,
      y: dot.y + INITIAL_R,
      r: INITIAL_R,
      path: pathOf(initialEdge ? laidEdges.get(initialEdge.id) : undefined),
    };
  }
  return { width: Math.ceil(done.width ?? 0), height: Math.ceil(done.height ?? 0), nodes, groups, edges: placedEdges, initial };
}

/** The compound states named by the nodes' `parents`, outermost first. */
function compoundsOf(nodes: GraphNode[]): Map<string, Compound> {
  const out = new Map<string, Compound>();
  for (const n of nodes) {
    n.parents.forEach((label, depth) => {
      const key = n.parents.slice(0, depth + 1).join('.');
      if (!out.has(key)) out.set(key, { key, label, depth, parent: depth ? n.parents.slice(0, depth).join('.') : undefined });
    });
  }
  return out;
}

/**
 * Edges with what every child of a compound state shares drawn once from the compound: for each
 * compound (innermost first) and each target outside it, the labels found on the edges of all its
 * children to that target move to one edge from the compound.
 */
function liftShared(graph: MachineGraph, compounds: Map<string, Compound>): GraphEdge[] {
  const edges = new Map<string, GraphEdge>();
  const order: string[] = [];
  const id = (from: string, to: string) => `${from}\u0000${to}`;
  for (const e of graph.edges) {
    edges.set(id(e.from, e.to), { from: e.from, to: e.to, labels: [...e.labels] });
    order.push(id(e.from, e.to));
  }
  const childrenOf = (key: string): string[] => [
    ...graph.nodes.filter((n) => n.parents.join('.') === key).map((n) => n.key),
    ...[...compounds.values()].filter((c) => c.parent === key).map((c) => c.key),
  ];
  const inside = (key: string, compound: string) => key === compound || key.startsWith(`${compound}.`);
  for (const c of [...compounds.values()].sort((a, b) => b.depth - a.depth)) {
    const children = childrenOf(c.key);
    if (children.length < 2) continue;
    const targets = new Set([...edges.values()].filter((e) => children.includes(e.from) && !inside(e.to, c.key)).map((e) => e.to));
    for (const to of targets) {
      const sets = children.map((k) => edges.get(id(k, to))?.labels ?? []);
      const common = (sets[0] ?? []).filter((l) => sets.every((s) => s.includes(l)));
      if (common.length === 0) continue;
      for (const k of children) {
        const e = edges.get(id(k, to));
        if (!e) continue;
        e.labels = e.labels.filter((l) => !common.includes(l));
        if (e.labels.length === 0) edges.delete(id(k, to));
      }
      edges.set(id(c.key, to), { from: c.key, to, labels: common });
      order.push(id(c.key, to));
    }
  }
  return [...new Set(order)].flatMap((k) => edges.get(k) ?? []);
}

/** SVG path data through an ELK edge's sections (start, bend points, end). */
function pathOf(edge: ElkExtendedEdge | undefined): string {
  const parts: string[] = [];
  for (const s of edge?.sections ?? []) {
    const points = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
    parts.push(points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${round(p.x)} ${round(p.y)}`).join(' '));
  }
  return parts.join(' ');
}

/** An edge that runs upwards, against the flow (ELK turned it round to break a cycle). */
function isBackward(edge: ElkExtendedEdge | undefined, from: Box, to: Box): boolean {
  if (!edge) return false;
  return to.y + to.h / 2 < from.y + from.h / 2;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * What is wrong with a picture, in words (empty when nothing is): a label over a state, a
 * compound's border or name, or another label; a state outside its compound or over another
 * state; an edge with no path, or one that does not start and end at its states' borders. The
 * tests hold every chart of the shop to this; ELK's answer is not taken on trust.
 */
export function layoutProblems(layout: Layout): string[] {
  const problems: string[] = [];
  const groups = new Map(layout.groups.map((g) => [g.key, g]));
  const nodes = new Map(layout.nodes.map((n) => [n.key, n]));
  const picture: Box = { x: 0, y: 0, w: layout.width, h: layout.height };
  const name = (e: PlacedEdge) => `${e.from} → ${e.to}`;
  const around = (key: string, parents: string[]) => parents.map((_, i) => parents.slice(0, i + 1).join('.')).filter((k) => k !== key);
  const ancestorsOf = (key: string): string[] => {
    const node = nodes.get(key);
    if (node) return around(key, node.parents);
    return around(key, key.split('.').slice(0, -1).concat(key));
  };

  for (const n of layout.nodes) {
    if (!contains(picture, n)) problems.push(`state ${n.key} is outside the picture`);
    const parent = n.parents.join('.');
    const g = groups.get(parent);
    if (n.parents.length && (!g || !contains(g, n))) problems.push(`state ${n.key} is outside its compound ${parent}`);
    for (const m of layout.nodes) if (m !== n && m.key < n.key && overlaps(m, n)) problems.push(`state ${n.key} overlaps state ${m.key}`);
    for (const other of layout.groups) {
      if (n.parents.join('.') === other.key || ancestorsOf(n.key).includes(other.key)) continue;
      if (overlaps(other, n)) problems.push(`state ${n.key} overlaps compound ${other.key}`);
    }
    for (const other of layout.groups)
      if (overlaps(other.title, n)) problems.push(`state ${n.key} covers the name of compound ${other.key}`);
  }
  for (const g of layout.groups) {
    const parent = ancestorsOf(g.key).at(-1);
    const outer = parent === undefined ? picture : groups.get(parent);
    if (!outer || !contains(outer, g))
      problems.push(`compound ${g.key} is outside ${parent === undefined ? 'the picture' : `its compound ${parent}`}`);
    if (!contains(g, g.title)) problems.push(`the name of compound ${g.key} sticks out of it`);
    for (const h of layout.groups) {
      if (h === g || h.key < g.key || ancestorsOf(g.key).includes(h.key) || ancestorsOf(h.key).includes(g.key)) continue;
      if (overlaps(g, h)) problems.push(`compound ${g.key} overlaps compound ${h.key}`);
    }
  }
  const boxOf = (key: string): Box | undefined => nodes.get(key) ?? groups.get(key);
  for (const e of layout.edges) {
    const points = pointsOf(e.path);
    const [start, end] = [points[0], points.at(-1)];
    if (!start || !end || points.length < 2) {
      problems.push(`edge ${name(e)} has no path`);
    } else {
      const from = boxOf(e.from);
      const to = boxOf(e.to);
      if (!from || !onBorder(from, start)) problems.push(`edge ${name(e)} does not start at ${e.from}`);
      if (!to || !onBorder(to, end)) problems.push(`edge ${name(e)} does not end at ${e.to}`);
    }
    const label = e.label;
    if (!label) {
      if (e.labels.length) problems.push(`edge ${name(e)} has no label box`);
      continue;
    }
    if (!contains(picture, label)) problems.push(`label of ${name(e)} is outside the picture`);
    for (const n of layout.nodes) if (overlaps(label, n)) problems.push(`label of ${name(e)} crosses state ${n.key}`);
    for (const g of layout.groups) {
      if (overlaps(label, g) && !contains(g, label)) problems.push(`label of ${name(e)} crosses the border of compound ${g.key}`);
      if (overlaps(label, g.title)) problems.push(`label of ${name(e)} crosses the name of compound ${g.key}`);
    }
    for (const f of layout.edges) {
      if (f === e || !f.label || layout.edges.indexOf(f) < layout.edges.indexOf(e)) continue;
      if (overlaps(label, f.label)) problems.push(`label of ${name(e)} crosses label of ${name(f)}`);
    }
  }
  return problems;
}

/** More than half a pixel of area in common. */
export function overlaps(a: Box, b: Box): boolean {
  const EPS = 0.5;
  return Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > EPS && Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > EPS;
}

function contains(outer: Box, inner: Box): boolean {
  const EPS = 0.5;
  return (
    inner.x >= outer.x - EPS &&
    inner.y >= outer.y - EPS &&
    inner.x + inner.w <= outer.x + outer.w + EPS &&
    inner.y + inner.h <= outer.y + outer.h + EPS
  );
}

function onBorder(box: Box, p: { x: number; y: number }): boolean {
  const EPS = 1.5;
  const inX = p.x >= box.x - EPS && p.x <= box.x + box.w + EPS;
  const inY = p.y >= box.y - EPS && p.y <= box.y + box.h + EPS;
  const nearX = Math.abs(p.x - box.x) <= EPS || Math.abs(p.x - box.x - box.w) <= EPS;
  const nearY = Math.abs(p.y - box.y) <= EPS || Math.abs(p.y - box.y - box.h) <= EPS;
  return (inX && nearY) || (inY && nearX);
}

function pointsOf(path: string): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (const m of path.matchAll(/[ML]\s*(-?[\d.]+)\s+(-?[\d.]+)/g)) out.push({ x: Number(m[1]), y: Number(m[2]) });
  return out;
}
