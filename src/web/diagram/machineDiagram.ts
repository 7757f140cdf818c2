import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { type Layout, layoutGraph } from './layoutGraph.ts';
import { type ExploreOptions, type MachineGraph, machineGraphs } from './machineGraph.ts';

export interface MachineDiagram {
  graph: MachineGraph;
  layout: Layout;
}

const cache = new WeakMap<AnyStateMachine, Promise<MachineDiagram[]>>();

/**
 * The diagrams of a machine (one per region), laid out once per machine object (ELK works
 * asynchronously and takes a while for the order machine: `prepareDiagrams` starts it when the web
 * starts, and every page then awaits the same result).
 */
export function machineDiagrams(machine: AnyStateMachine, explore?: ExploreOptions): Promise<MachineDiagram[]> {
  let diagrams = cache.get(machine);
  if (!diagrams) {
    diagrams = Promise.all(machineGraphs(machine, explore).map(async (graph) => ({ graph, layout: await layoutGraph(graph) })));
    cache.set(machine, diagrams);
  }
  return diagrams;
}

const normal = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function leaves(node: AnyStateNode, path: string[] = []): { key: string; node: AnyStateNode }[] {
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) return [{ key: path.join('.'), node }];
  return children.flatMap((child) => leaves(child, [...path, child.key]));
}

/**
 * The leaf state of a machine that stands for a status, as a diagram key ('inProgress.baked'): a
 * state whose `meta.status` names the status (by name or code) wins; otherwise the state whose key
 * is the status name, with or without its `order_`/`pizza_` prefix (`pizza_baked` → `baked`),
 * in any case style (`something_wrong` → `somethingWrong`).
 *
 * @example
 * stateForStatus(orderMachine, 'pizza_assembled', 200); // 'inProgress.assembled'
 */
export function stateForStatus(machine: AnyStateMachine, name: string | undefined, code: number | null): string | undefined {
  const all = leaves(machine.root);
  for (const { key, node } of all) {
    const meta = node.meta as { status?: unknown } | undefined;
    if (meta && (meta.status === name || (code !== null && meta.status === code))) return key;
  }
  if (!name) return undefined;
  const wanted = new Set([normal(name), normal(name.replace(/^(order|pizza)_/, ''))]);
  return all.find(({ node }) => wanted.has(normal(node.key)))?.key;
}
