import type { Layout, PlacedEdge, PlacedNode } from './layoutGraph.ts';
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
 * A statechart drawn as SVG from its graph and layout (`machineGraphs` + `layoutGraph`). Every
 * state is a `<g data-state="key">`; the current one carries the class `current`, which the page's
 * script moves when a live update arrives. Every text is escaped.
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
        {layout.edges.map((e) => (
          <Edge edge={e} marker={marker} />
        ))}
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

function Node(props: { node: PlacedNode; initial: boolean; current: boolean; badge: string | undefined }): JSX.Element {
  const n = props.node;
  const cls = ['state', `type-${n.type}`, n.kind ? `kind-${n.kind}` : '', props.initial ? 'initial' : '', props.current ? 'current' : '']
    .filter(Boolean)
    .join(' ');
  const cx = n.x + n.w / 2;
  const top = n.parents.length ? 12 : 0;
  return (
    <g class={cls} data-state={n.key}>
      <title safe>{n.description ? `${n.key}: ${n.description}` : n.key}</title>
      <rect x={String(n.x)} y={String(n.y)} width={String(n.w)} height={String(n.h)} rx="9" ry="9" />
      {n.type === 'final' && (
        <rect class="final-ring" x={String(n.x + 3)} y={String(n.y + 3)} width={String(n.w - 6)} height={String(n.h - 6)} rx="7" ry="7" />
      )}
      {n.parents.length > 0 && (
        <text class="parents" x={String(cx)} y={String(n.y + 13)} text-anchor="middle" safe>
          {`${n.parents.join(' › ')} ›`}
        </text>
      )}
      <text class="label" x={String(cx)} y={String(n.y + 21 + top)} text-anchor="middle" safe>
        {n.label}
      </text>
      {n.notes.map((c, i) => (
        <text class="note" x={String(cx)} y={String(n.y + 36 + top + i * 14)} text-anchor="middle" safe>
          {c}
        </text>
      ))}
      {props.badge !== undefined && (
        <g class="badge">
          <circle cx={String(n.x + n.w - 2)} cy={String(n.y + 2)} r="11" />
          <text x={String(n.x + n.w - 2)} y={String(n.y + 6)} text-anchor="middle" safe>
            {props.badge}
          </text>
        </g>
      )}
      {props.initial && <circle class="initial-dot" cx={String(n.x - 12)} cy={String(n.y + n.h / 2)} r="4" />}
    </g>
  );
}

function Edge(props: { edge: PlacedEdge; marker: string }): JSX.Element {
  const e = props.edge;
  return (
    <g class={e.back ? 'edge back' : 'edge'} data-from={e.from} data-to={e.to}>
      <title safe>{`${e.from} → ${e.to}: ${e.labels.join(', ')}`}</title>
      <path d={e.path} marker-end={`url(#${props.marker})`} />
      {!e.hiddenLabels && (
        <text x={String(e.labelX)} y={String(e.labelY)} text-anchor="middle">
          {e.labels.map((label, i) => (
            <tspan x={String(e.labelX)} dy={i === 0 ? '0' : '11'} safe>
              {label}
            </tspan>
          ))}
        </text>
      )}
    </g>
  );
}

function slug(s: string): string {
  return s.replace(/[^a-zA-Z0-9_-]/g, '-');
}
