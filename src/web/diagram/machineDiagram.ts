import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { type Layout, layoutGraph } from './layoutGraph.ts';
import { type MachineGraph, machineGraphs } from './machineGraph.ts';

export interface MachineDiagram {
  graph: MachineGraph;
  layout: Layout;
}

const cache = new WeakMap<AnyStateMachine, MachineDiagram[]>();

/** The diagrams of a machine (one per region), computed once per machine object. */
export function machineDiagrams(machine: AnyStateMachine): MachineDiagram[] {
  let diagrams = cache.get(machine);
  if (!diagrams) {
    diagrams = machineGraphs(machine).map((graph) => ({ graph, layout: layoutGraph(graph) }));
    cache.set(machine, diagrams);
  }
  return diagrams;
}

const normal = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * The top-level state of a machine that stands for a status: a state whose `meta.status` names the
 * status (by name or code) wins; otherwise the state whose key is the status name, with or
 * without its `order_`/`pizza_` prefix (`pizza_baked` → `baked`), in any case style.
 *
 * @example
 * stateForStatus(orderMachine, 'pizza_assembled', 200); // 'assembled'
 */
export function stateForStatus(machine: AnyStateMachine, name: string | undefined, code: number | null): string | undefined {
  const states = Object.values(machine.root.states) as AnyStateNode[];
  for (const s of states) {
    const meta = s.meta as { status?: unknown } | undefined;
    if (meta && (meta.status === name || (code !== null && meta.status === code))) return s.key;
  }
  if (!name) return undefined;
  const wanted = new Set([normal(name), normal(name.replace(/^(order|pizza)_/, ''))]);
  return states.find((s) => wanted.has(normal(s.key)))?.key;
}
