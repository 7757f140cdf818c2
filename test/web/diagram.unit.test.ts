import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { STATUS_NAMES } from '../../src/config/shopConfig.ts';
import { shopTopology } from '../../src/topology.ts';
import { layoutGraph } from '../../src/web/diagram/layoutGraph.ts';
import { stateForStatus } from '../../src/web/diagram/machineDiagram.ts';
import { machineGraphs } from '../../src/web/diagram/machineGraph.ts';
import { StateDiagram } from '../../src/web/diagram/StateDiagram.tsx';
import { shopMachines } from '../../src/web/diagram/shopMachines.ts';
import { stationStates } from '../../src/web/diagram/stationStates.ts';
import { topologyGraph } from '../../src/web/diagram/topologyGraph.ts';

const config = loadConfig();
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
    expect(g?.edges.find((e) => e.from === 'idle' && e.to === 'full')?.labels).toEqual(['always [isFull]']);
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

describe('layoutGraph and StateDiagram', () => {
  it('lays out deterministically with every box inside the picture and no two boxes overlapping', () => {
    const [g] = machineGraphs(machines.order, machines.orderExplore);
    if (!g) throw new Error('no graph');
    const a = layoutGraph(g);
    expect(layoutGraph(g)).toEqual(a);
    for (const n of a.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.w).toBeLessThanOrEqual(a.width);
      expect(n.y + n.h).toBeLessThanOrEqual(a.height);
    }
    for (const p of a.nodes) {
      for (const q of a.nodes) {
        if (p === q) continue;
        const apart = p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y;
        expect(apart, `${p.key} overlaps ${q.key}`).toBe(true);
      }
    }
    // the lifecycle reads left to right
    const x = (k: string) => a.nodes.find((n) => n.key === k)?.x ?? -1;
    expect(x('inProgress.placed')).toBeLessThan(x('inProgress.assembled'));
    expect(x('inProgress.assembled')).toBeLessThan(x('inProgress.baked'));
    expect(x('inProgress.baked')).toBeLessThan(x('delivered'));
  });

  it('renders SVG with the current state lit and every text escaped', async () => {
    const evil = '"><script>alert(1)</script>';
    const machine = createMachine({ id: 'x', initial: evil, states: { [evil]: { on: { [`${evil}!`]: 'end' } }, end: { type: 'final' } } });
    const [g] = machineGraphs(machine);
    if (!g) throw new Error('no graph');
    const svg = await StateDiagram({ name: 'x', graph: g, layout: layoutGraph(g), current: [evil] });
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
});

/** The markup with every quoted attribute value emptied: what remains is tags and text. */
function withoutAttributeValues(html: string): string {
  return html.replace(/="[^"]*"/g, '=""');
}
