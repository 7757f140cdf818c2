import { type Box, type Layout, type PlacedEdge, type PlacedGroup, type PlacedNode, TEXT } from './layoutGraph.ts';
import type { MachineGraph } from './machineGraph.ts';

export interface StateDiagramProps {
  /** used for element ids and the `data-machine` attribute the live script looks for */
  name: string;
  graph: MachineGraph;
  layout: Layout;
  /** keys of the states to highlight */
  current?: string[];
  /** small counters drawn on states, e.g. pizzas in a station's state */
  badges?: Record<string, string>;
  title?: string;
}

/**
 * A statechart drawn as SVG from its graph and its ELK layout (`machineGraphs` + `layoutGraph`).
 * Every state is a `<g class="state" data-state="key">`; the current one carries the class
 * `current`, which the page's scripts (public/live.js, public/scrubber.js) move when a live update
 * arrives or the replay slider moves. A compound state is a `<g class="compound">` box drawn
 * behind its children. Every text is escaped; sizes come from `TEXT`, the sizes the layout measured.
 */
export function StateDiagram(props: StateDiagramProps): JSX.Element {
  const { graph, layout, name } = props;
  const current = new Set(props.current ?? []);
  const marker = `arrow-${slug(name)}`;
  return (
    <figure class="diagram" data-machine={name}>
      <svg
        xmlns="http://www.w3.org/2000/svg"
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={String(layout.width)}
        role="img"
        aria-label={props.title ?? `${name} state machine`}
      >
        <defs>
          <marker id={marker} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
          </marker>
        </defs>
        {[...layout.groups]
          .sort((a, b) => a.depth - b.depth)
          .map((g) => (
            <Compound group={g} />
          ))}
        {layout.edges.map((e) => (
          <Edge edge={e} marker={marker} />
        ))}
        {layout.initial && (
          <g class="initial">
            <circle class="initial-dot" cx={String(layout.initial.x)} cy={String(layout.initial.y)} r={String(layout.initial.r)} />
            <path d={layout.initial.path} marker-end={`url(#${marker})`} />
          </g>
        )}
        {layout.nodes.map((n) => (
          <Node node={n} initial={n.key === graph.initial} current={current.has(n.key)} badge={props.badges?.[n.key]} />
        ))}
      </svg>
      {graph.anyState.length > 0 && (
        <figcaption class="any-state">
          From any state:{' '}
          {graph.anyState.map((a) => (
            <span class="any-transition">
              <code safe>{a.labels.join(', ')}</code> → <code safe>{a.to}</code>{' '}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

function Compound(props: { group: PlacedGroup }): JSX.Element {
  const g = props.group;
  return (
    <g class="compound" data-compound={g.key}>
      <title safe>{g.key}</title>
      <rect x={String(g.x)} y={String(g.y)} width={String(g.w)} height={String(g.h)} rx="12" ry="12" />
      <Lines box={g.title} lines={[g.label]} size={TEXT.small} line={TEXT.smallLine} anchor="start" cls="compound-label" />
    </g>
  );
}

function Node(props: { node: PlacedNode; initial: boolean; current: boolean; badge: string | undefined }): JSX.Element {
  const n = props.node;
  const cls = ['state', `type-${n.type}`, n.kind ? `kind-${n.kind}` : '', props.initial ? 'initial' : '', props.current ? 'current' : '']
    .filter(Boolean)
    .join(' ');
  const top = n.y + (n.h - TEXT.stateLine - n.notes.length * TEXT.smallLine) / 2;
  return (
    <g class={cls} data-state={n.key}>
      <title safe>{n.description ? `${n.key}: ${n.description}` : n.key}</title>
      <rect x={String(n.x)} y={String(n.y)} width={String(n.w)} height={String(n.h)} rx="9" ry="9" />
      {n.type === 'final' && (
        <rect class="final-ring" x={String(n.x + 3)} y={String(n.y + 3)} width={String(n.w - 6)} height={String(n.h - 6)} rx="7" ry="7" />
      )}
      <Lines box={{ x: n.x, y: top, w: n.w, h: TEXT.stateLine }} lines={[n.label]} size={TEXT.state} line={TEXT.stateLine} cls="label" />
      {n.notes.length > 0 && (
        <Lines
          box={{ x: n.x, y: top + TEXT.stateLine, w: n.w, h: n.notes.length * TEXT.smallLine }}
          lines={n.notes}
          size={TEXT.small}
          line={TEXT.smallLine}
          cls="note"
        />
      )}
      {props.badge !== undefined && (
        <g class="badge">
          <circle cx={String(n.x + n.w - 2)} cy={String(n.y + 2)} r="11" />
          <text
            x={String(n.x + n.w - 2)}
            y={String(n.y + 2)}
            font-size={String(TEXT.small)}
            text-anchor="middle"
            dominant-baseline="central"
            safe
          >
            {props.badge}
          </text>
        </g>
      )}
    </g>
  );
}

function Edge(props: { edge: PlacedEdge; marker: string }): JSX.Element {
  const e = props.edge;
  return (
    <g class={e.back ? 'edge back' : 'edge'} data-from={e.from} data-to={e.to}>
      <title safe>{`${e.from} → ${e.to}: ${e.labels.join(', ')}`}</title>
      <path d={e.path} marker-end={`url(#${props.marker})`} />
      {e.label && <Lines box={e.label} lines={e.labels} size={TEXT.small} line={TEXT.smallLine} cls="edge-label" />}
    </g>
  );
}

/** Lines of text inside a box, one under the other, each centred on its line (or left-aligned). */
function Lines(props: { box: Box; lines: string[]; size: number; line: number; cls: string; anchor?: 'start' | 'middle' }): JSX.Element {
  const { box, lines, line } = props;
  const anchor = props.anchor ?? 'middle';
  const x = anchor === 'middle' ? box.x + box.w / 2 : box.x;
  const top = box.y + (box.h - lines.length * line) / 2;
  return (
    <text
      class={props.cls}
      x={String(x)}
      y={String(top + line / 2)}
      font-size={String(props.size)}
      text-anchor={anchor}
      dominant-baseline="central"
    >
      {lines.map((text, i) => (
        <tspan x={String(x)} y={String(round(top + line * (i + 0.5)))} safe>
          {text}
        </tspan>
      ))}
    </text>
  );
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function slug(s: string): string {
  return s.replace(/[^a-zA-Z0-9_-]/g, '-');
}
