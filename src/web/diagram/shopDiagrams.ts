import type { ActorTopology } from '../../topology.ts';
import { STATIONS, type StationName } from '../view/kitchenBoard.ts';
import { type Layout, layoutGraph } from './layoutGraph.ts';
import { type MachineDiagram, machineDiagrams } from './machineDiagram.ts';
import type { ShopMachines } from './shopMachines.ts';
import { COUNT_RESERVE, topologyGraph } from './topologyGraph.ts';

/** The order lifecycle's chart (order page). */
export function orderDiagrams(machines: ShopMachines): Promise<MachineDiagram[]> {
  return machineDiagrams(machines.order, machines.orderExplore);
}

/** A station's chart (kitchen page). */
export function stationDiagrams(machines: ShopMachines, station: StationName): Promise<MachineDiagram[]> {
  return machineDiagrams(machines.stations[station]);
}

/** by the topology's shape (who writes and reads what): every web app of a process shares one */
const flowLayouts = new Map<string, Promise<Layout>>();

/**
 * The flow has few boxes and many long labels (one per topic an edge carries): labels in the middle
 * layer of their edge and straight vertical runs (linear segments) keep it narrow — 1187 px against
 * 1436 with the statecharts' options, once the web reads the lab's topics for its prices.
 */
const FLOW_OPTIONS: Record<string, string> = {
  'elk.layered.edgeLabels.centerLabelPlacementStrategy': 'MEDIAN_LAYER',
  'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS',
};

/**
 * The flow page's chart with the message counts of now. The layout is made once per topology,
 * with every count at its widest (`COUNT_RESERVE`), so live counts only change the text.
 */
export async function flowDiagram(topology: ActorTopology[], counts: Map<string, number>): Promise<MachineDiagram> {
  const shape = JSON.stringify(topology.map((a) => [a.actor, a.produces, a.consumes]));
  let layout = flowLayouts.get(shape);
  if (!layout) {
    const widest = new Map(topology.flatMap((a) => a.produces).map((t) => [t, COUNT_RESERVE]));
    layout = layoutGraph(topologyGraph(topology, widest), FLOW_OPTIONS);
    flowLayouts.set(shape, layout);
  }
  const graph = topologyGraph(topology, counts);
  const labels = new Map(graph.edges.map((e) => [`${e.from}\u0000${e.to}`, e.labels]));
  const laid = await layout;
  return { graph, layout: { ...laid, edges: laid.edges.map((e) => ({ ...e, labels: labels.get(`${e.from}\u0000${e.to}`) ?? e.labels })) } };
}

/**
 * Starts laying out every chart the pages draw, so the first page view does not wait for ELK.
 * A failure is not lost: the page that needs the chart awaits the same promise and reports it.
 */
export function prepareDiagrams(machines: ShopMachines, topology: ActorTopology[]): void {
  const started: Promise<unknown>[] = [orderDiagrams(machines), flowDiagram(topology, new Map())];
  for (const station of STATIONS) started.push(stationDiagrams(machines, station));
  for (const p of started) p.catch(() => {});
}
