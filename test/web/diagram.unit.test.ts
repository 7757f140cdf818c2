import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { STATUS_NAMES } from '../../src/config/shopConfig.ts';
import { shopTopology } from '../../src/topology.ts';
import { type Box, type Layout, layoutGraph, layoutProblems } from '../../src/web/diagram/layoutGraph.ts';
import { type MachineDiagram, stateForStatus } from '../../src/web/diagram/machineDiagram.ts';
import { type MachineGraph, machineGraphs } from '../../src/web/diagram/machineGraph.ts';
import { StateDiagram } from '../../src/web/diagram/StateDiagram.tsx';
import { flowDiagram, orderDiagrams, stationDiagrams } from '../../src/web/diagram/shopDiagrams.ts';
import { shopMachines } from '../../src/web/diagram/shopMachines.ts';
import { stationStates } from '../../src/web/diagram/stationStates.ts';
import { COUNT_RESERVE, formatCount, topologyGraph } from '../../src/web/diagram/topologyGraph.ts';
import { STATIONS } from '../../src/web/view/kitchenBoard.ts';

const config = loadConfig();
/** the room a station's chart has in its kitchen column at 1280 px (a third of the page, less padding) */
const KITCHEN_COLUMN = 320;
const machines = shopMachines(config);

describe('machineGraphs', () => {
  it('reads states, nesting, initial state and transitions from a machine definition', () => {
    const machine = createMachine({
      id: 'm',
      initial: 'a',
      on: { RESET: '.a' },
      states: {
        a: { on: { GO: 'b' }, after: { 5000: 'c' } },
        b: { initial: 'x', states: { x: { on: { NEXT: 'y' } }, y: {} }, on: { DONE: 'c' } },
        c: { type: 'final' },
      },
    });
    const [g] = machineGraphs(machine);
    expect(g?.initial).toBe('a');
    expect(g?.nodes.map((n) => [n.key, n.label, n.parents, n.type])).toEqual([
      ['a', 'a', [], 'atomic'],
      ['b.x', 'x', ['b'], 'atomic'],
      ['b.y', 'y', ['b'], 'atomic'],
      ['c', 'c', [], 'final'],
    ]);
    const edges = Object.fromEntries((g?.edges ?? []).map((e) => [`${e.from}>${e.to}`, e.labels]));
    expect(edges).toEqual({
      'a>b.x': ['GO'],
      'a>c': ['after 5s'],
      'b.x>b.y': ['NEXT'],
      // a transition on a compound state leaves each of its leaves
      'b.x>c': ['DONE'],
      'b.y>c': ['DONE'],
    });
    expect(g?.anyState).toEqual([{ to: 'a', labels: ['RESET'] }]);
  });

  it('draws the real order machine from its own transitions: the lifecycle and its side exits', () => {
    const [g] = machineGraphs(machines.order, machines.orderExplore);
    const keys = g?.nodes.map((n) => n.key);
    expect(keys).toEqual(
      expect.arrayContaining(['inProgress.placed', 'inProgress.assembled', 'inProgress.baked', 'delivered', 'cancelled', 'stuck']),
    );
    const has = (from: string, to: string, label: string) =>
      g?.edges.some((e) => e.from === from && e.to === to && e.labels.includes(label));
    expect(has('notSeen.awaitingOrder', 'inProgress.placed', 'ORDER.PLACED')).toBe(true);
    expect(has('inProgress.placed', 'inProgress.assembled', 'PIZZA.ASSEMBLED')).toBe(true);
    expect(has('inProgress.assembled', 'inProgress.baked', 'PIZZA.BAKED')).toBe(true);
    expect(has('inProgress.baked', 'delivered', 'PIZZA.DELIVERED')).toBe(true);
    expect(has('inProgress.placed', 'cancelled', 'ORDER.CANCELLED')).toBe(true);
    // the machine refuses a cancel once baked, so the diagram has no such edge
    expect(has('inProgress.baked', 'cancelled', 'ORDER.CANCELLED')).toBe(false);
    // finished states leave nowhere
    expect(g?.edges.some((e) => e.from === 'delivered' || e.from === 'cancelled')).toBe(false);
  });

  it('draws the station machines (idle, working, full)', () => {
    const [g] = machineGraphs(machines.stations.bake);
    expect(g?.nodes.map((n) => n.key)).toEqual(['idle', 'working', 'full']);
    expect(g?.edges.find((e) => e.from === 'idle' && e.to === 'full')?.labels).toEqual(['[isFull]']);
  });
});

describe('stateForStatus and stationStates', () => {
  it('finds a state of the order machine for every configured status', () => {
    for (const name of STATUS_NAMES) expect(stateForStatus(machines.order, name, config.status.ids[name]), name).toBeDefined();
    expect(stateForStatus(machines.order, 'pizza_baked', 300)).toBe('inProgress.baked');
    expect(stateForStatus(machines.order, undefined, 12)).toBeUndefined();
  });

  it('lights idle, working or full for a station', () => {
    const summary = (inProgress: number, queued: number) => ({
      station: 'bake' as const,
      capacity: 2,
      inProgress: Array.from({ length: inProgress }, (_, i) => ({ orderId: String(i), since: 0, startedAt: 0, inferred: false })),
      queued: Array.from({ length: queued }, (_, i) => ({ orderId: String(i), since: 0, startedAt: null, inferred: false })),
      queueLength: queued,
      perMinute: 0,
      done: 0,
    });
    expect(stationStates(machines.stations.bake, summary(0, 0))).toEqual(['idle']);
    expect(stationStates(machines.stations.bake, summary(1, 0))).toEqual(['working']);
    expect(stationStates(machines.stations.bake, summary(2, 3))).toEqual(['full']);
  });
});

describe('layoutGraph (ELK) and StateDiagram', () => {
  const topology = shopTopology(config);
  const pictures: [string, () => Promise<Layout>][] = [
    ['order', async () => ((await orderDiagrams(machines))[0] as MachineDiagram).layout],
    ...STATIONS.map((s): [string, () => Promise<Layout>] => [
      `station ${s}`,
      async () => ((await stationDiagrams(machines, s))[0] as MachineDiagram).layout,
    ]),
    ['flow', async () => (await flowDiagram(topology, new Map([[config.topics.pizzaOrdered, 1_234_567]]))).layout],
  ];

  it.each(pictures)(
    '%s: no label crosses a box or another label, children sit inside their compound, every edge has a path',
    async (_name, picture) => {
      const layout = await picture();
      const problems = layoutProblems(layout);
      expect(problems).toEqual([]);
      expect(layout.edges.length).toBeGreaterThan(0);
    },
  );

  it('checks what it claims: a label moved onto a box, a child moved out of its compound and an edge without a path are reported', async () => {
    const layout = ((await orderDiagrams(machines))[0] as MachineDiagram).layout;
    const [first, second] = layout.edges.filter((e) => e.label);
    const box = layout.nodes.find((n) => n.key === 'delivered');
    const child = layout.nodes.find((n) => n.key === 'inProgress.baked');
    if (!first?.label || !second || !box || !child) throw new Error('the order chart lost its parts');
    const broken: Layout = {
      ...layout,
      nodes: layout.nodes.map((n) => (n === child ? { ...n, x: layout.width - n.w - 1, y: layout.height - n.h - 1 } : n)),
      edges: layout.edges.map((e) =>
        e === first ? { ...e, label: { ...(e.label as Box), x: box.x, y: box.y } } : e === second ? { ...e, path: '' } : e,
      ),
    };
    const problems = layoutProblems(broken).join('\n');
    expect(problems).toContain(`label of ${first.from} → ${first.to} crosses state delivered`);
    expect(problems).toContain('inProgress.baked is outside its compound inProgress');
    expect(problems).toContain(`edge ${second.from} → ${second.to} has no path`);
  });

  it('lays out the same every time, fits a station chart in its kitchen column, and reads the lifecycle top to bottom', async () => {
    const [g] = machineGraphs(machines.order, machines.orderExplore);
    if (!g) throw new Error('no graph');
    expect(await layoutGraph(g)).toEqual(await layoutGraph(g));
    for (const s of STATIONS)
      expect(((await stationDiagrams(machines, s))[0] as MachineDiagram).layout.width).toBeLessThanOrEqual(KITCHEN_COLUMN);
    const layout = ((await orderDiagrams(machines))[0] as MachineDiagram).layout;
    const y = (k: string) => layout.nodes.find((n) => n.key === k)?.y ?? -1;
    expect(y('notSeen.awaitingOrder')).toBeLessThan(y('inProgress.placed'));
    expect(y('inProgress.placed')).toBeLessThan(y('inProgress.assembled'));
    expect(y('inProgress.assembled')).toBeLessThan(y('inProgress.baked'));
    expect(y('inProgress.baked')).toBeLessThan(y('delivered'));
  });

  it('draws compound states as boxes around their children, and a transition all children take once, from the compound', async () => {
    const layout = ((await orderDiagrams(machines))[0] as MachineDiagram).layout;
    expect(layout.groups.map((g) => g.key).sort()).toEqual(['inProgress', 'notSeen']);
    // every stage times out to stuck: one edge from inProgress, none from its children
    expect(layout.edges.find((e) => e.from === 'inProgress' && e.to === 'stuck')?.labels).toEqual(['CLOCK.TICK']);
    expect(layout.edges.some((e) => e.from.startsWith('inProgress.') && e.to === 'stuck')).toBe(false);
    // a cancel is refused once baked: that stays per child
    expect(layout.edges.some((e) => e.from === 'inProgress.placed' && e.to === 'cancelled')).toBe(true);
    expect(layout.edges.some((e) => e.from === 'inProgress' && e.to === 'cancelled')).toBe(false);
    const svg = await StateDiagram({
      name: 'order',
      graph: machineGraphs(machines.order, machines.orderExplore)[0] as MachineGraph,
      layout,
    });
    expect(svg).toContain('<g class="compound" data-compound="inProgress">');
  });

  it('renders SVG with the current state lit and every text escaped', async () => {
    const evil = '"><script>alert(1)</script>';
    const machine = createMachine({ id: 'x', initial: evil, states: { [evil]: { on: { [`${evil}!`]: 'end' } }, end: { type: 'final' } } });
    const [g] = machineGraphs(machine);
    if (!g) throw new Error('no graph');
    const svg = await StateDiagram({ name: 'x', graph: g, layout: await layoutGraph(g), current: [evil] });
    expect(svg).toContain('<svg');
    // quotes cannot close an attribute, and outside attribute values no tag can open
    expect(svg).not.toContain('"><script>');
    expect(withoutAttributeValues(svg)).not.toContain('<script>');
    // kitajs escapes '>' too under Bun (Bun.escapeHTML), not under Node
    expect(svg).toMatch(/&lt;script(&gt;|>)/);
    expect(svg).toMatch(/<g class="state type-atomic initial current" data-state="&#34;><script>/);
  });

  it('draws the flow of actors and topics from the topology with message counts', () => {
    const g = topologyGraph(shopTopology(config), new Map([[config.topics.pizzaOrdered, 12]]));
    expect(g.nodes.map((n) => n.key)).toEqual([
      'web',
      'assemble',
      'bake',
      'delivery',
      'status',
      'transactions',
      'inventory',
      'processor',
      'analytics',
    ]);
    // the lab's flow: orders → transactions → processor (with the inventory) → analytics
    expect(g.edges.find((e) => e.from === 'web' && e.to === 'transactions')?.labels).toEqual([`${config.topics.pizzaOrdered} · 12`]);
    expect(g.edges.find((e) => e.from === 'transactions' && e.to === 'processor')?.labels).toEqual([`${config.topics.transactions} · 0`]);
    expect(g.edges.find((e) => e.from === 'inventory' && e.to === 'processor')?.labels).toEqual([`${config.topics.inventory} · 0`]);
    expect(g.edges.find((e) => e.from === 'processor' && e.to === 'analytics')?.labels).toEqual([
      `${config.topics.productTxnPerHour} · 0`,
      `${config.topics.promotions} · 0`,
    ]);
    expect(g.edges.find((e) => e.from === 'web' && e.to === 'assemble')?.labels).toContain(`${config.topics.pizzaOrdered} · 12`);
    expect(g.edges.find((e) => e.from === 'status' && e.to === 'web')?.labels).toEqual([`${config.topics.pizzaStatus} · 0`]);
  });

  it('keeps the flow layout made once and writes the live counts into it, each count in at most 5 characters', async () => {
    const topology = shopTopology(config);
    const a = await flowDiagram(topology, new Map([[config.topics.pizzaOrdered, 12]]));
    const b = await flowDiagram(topology, new Map([[config.topics.pizzaOrdered, 123_456]]));
    const label = (d: MachineDiagram) => d.layout.edges.find((e) => e.from === 'web' && e.to === 'transactions')?.labels;
    expect(label(a)).toEqual([`${config.topics.pizzaOrdered} · 12`]);
    expect(label(b)).toEqual([`${config.topics.pizzaOrdered} · 123k`]);
    expect(b.layout.nodes).toEqual(a.layout.nodes);
    const counts = [0, 12, 99_999, 100_000, 999_499, 999_500, 12_345_678, 99_949_999, 99_950_000, 2_000_000_000];
    expect(counts.map(formatCount)).toEqual(['0', '12', '99999', '100k', '999k', '1.0M', '12.3M', '99.9M', '100M', '2000M']);
    for (const c of counts) expect(formatCount(c).length).toBeLessThanOrEqual(String(COUNT_RESERVE).length);
  });
});

/** The markup with every quoted attribute value emptied: what remains is tags and text. */
function withoutAttributeValues(html: string): string {
  return html.replace(/="[^"]*"/g, '=""');
}
