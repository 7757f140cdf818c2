import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { StationSummary } from '../view/kitchenBoard.ts';

/**
 * Which states of a station machine to light for a station as the log shows it. The log tells how
 * many pizzas are inside, not the machine's exact state (it may run in another process), so:
 * empty → the initial state; full (in progress at capacity, or a queue) → a state marked
 * `meta.board: 'full'` or named like full/busy; otherwise → a state marked `meta.board: 'working'`
 * or named like working/busy. Falls back to the initial state.
 */
export function stationStates(machine: AnyStateMachine, summary: StationSummary): string[] {
  const root = machine.root;
  const states = Object.values(root.states) as AnyStateNode[];
  const initial = (root.initial?.target?.[0] as AnyStateNode | undefined)?.key;
  const marked = (mark: string) => states.find((s) => (s.meta as { board?: unknown } | undefined)?.board === mark)?.key;
  const named = (pattern: RegExp) => states.find((s) => pattern.test(s.key))?.key;
  if (summary.inProgress.length === 0) return initial ? [initial] : [];
  const full = summary.queueLength > 0 || summary.inProgress.length >= summary.capacity;
  const pick = full
    ? (marked('full') ?? named(/full|busy|saturated/i) ?? marked('working') ?? named(/work|busy|running|active/i))
    : (marked('working') ?? named(/work|busy|running|active|open/i));
  return pick ? [pick] : initial ? [initial] : [];
}
