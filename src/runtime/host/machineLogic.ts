import { type AnyActorScope, type AnyStateMachine, createActor, initialTransition, type SnapshotFrom } from 'xstate';
import type { ActorLogic, KeyedEvent, Row } from './actorSpec.ts';
import { DeadlineQueue } from './deadlineQueue.ts';

type Snapshot = SnapshotFrom<AnyStateMachine>;

/**
 * XState's pure `transition(machine, snapshot, event)`, without the inert actor it builds for
 * every call (half the cost of a station step): one scope per logic, whose action executor only
 * collects the actions. The shop's machines spawn no children, so one scope can serve every step.
 */
function pureTransition(machine: AnyStateMachine): {
  (snapshot: Snapshot, event: unknown): [Snapshot, { type: string; params?: unknown }[]];
  /** the initial snapshot for `input` (XState's `initialTransition`, through the same scope) */
  initial(input: unknown): Snapshot;
} {
  let actions: { type: string; params?: unknown }[] = [];
  const self = createActor(machine);
  const scope = {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: (action: { type: string; params?: unknown }) => {
      actions.push(action);
    },
  } as unknown as AnyActorScope;
  const step = (snapshot: Snapshot, event: unknown): [Snapshot, { type: string; params?: unknown }[]] => {
    actions = [];
    const next = machine.transition(snapshot as never, event as never, scope);
    return [next, actions];
  };
  return Object.assign(step, {
    initial: (input: unknown) => {
      actions = [];
      return machine.getInitialSnapshot(scope, input as never);
    },
  });
}

/** The events a pure transition emitted (XState's `emit` actions), in order. */
function emittedBy<X>(actions: readonly { type: string; params?: unknown }[]): X[] {
  const out: X[] = [];
  for (const a of actions) if (a.type === 'xstate.emit') out.push((a.params as { event: X }).event);
  return out;
}

/** What is stored of a snapshot: the state value and the context (deadlines are in the context). */
interface StoredSnapshot {
  value: unknown;
  context: unknown;
}

const stored = (s: Snapshot): StoredSnapshot => ({ value: s.value, context: s.context });
const revive = (machine: AnyStateMachine, row: StoredSnapshot): Snapshot =>
  machine.resolveState({ value: row.value as never, context: row.context as never });

/**
 * One machine per key (the order machine: one per order). State is a map of snapshots stepped
 * with XState's pure `transition()`; a row is one order's snapshot; deadlines sit in a queue so
 * that the next one is found without looking at every order.
 *
 * @example
 * keyedMachineLogic({
 *   machine: orderMachine,
 *   input: (e) => ({ orderId: e.orderId, now: e.now, … }),
 *   deadline: (ctx) => orderNextDeadline(ctx),
 *   bornAt: (ctx) => ctx.firstSeenAt,
 * });
 */
export function keyedMachineLogic<C, E extends KeyedEvent & { now: number }, X extends KeyedEvent>(options: {
  machine: AnyStateMachine;
  /** input of a new key's machine, from its first event */
  input(event: E): unknown;
  deadline(context: C): number | undefined;
  /** when a key's state began (retention) */
  bornAt(context: C): number;
  /** the tick event sent to a machine whose deadline fell due */
  tick(now: number): E;
}): ActorLogic<E, X> {
  const { machine } = options;
  const transition = pureTransition(machine);
  const machines = new Map<string, Snapshot>();
  const deadlines = new DeadlineQueue();

  const update = (key: string, snapshot: Snapshot) => {
    machines.set(key, snapshot);
    deadlines.set(key, options.deadline(snapshot.context as C));
  };

  return {
    apply(event) {
      const key = event.orderId;
      if (key === undefined) return [];
      const current = machines.get(key) ?? transition.initial(options.input(event));
      const [next, actions] = transition(current, event);
      update(key, next);
      return emittedBy<X>(actions);
    },
    tick(now) {
      const out: X[] = [];
      for (const key of deadlines.due(now)) {
        const current = machines.get(key);
        if (!current) continue;
        const [next, actions] = transition(current, options.tick(now));
        update(key, next);
        for (const e of emittedBy<X>(actions)) out.push(e);
      }
      return out;
    },
    nextDeadline: () => deadlines.next(),
    inspect: () => ({ keys: machines.size, timers: deadlines.size }),
    rows(keys) {
      const out = new Map<string, Row | null>();
      for (const key of keys) {
        const s = machines.get(key);
        out.set(key, s ? stored(s) : null);
      }
      return out;
    },
    load(rows) {
      for (const [key, row] of rows) update(key, revive(machine, row as StoredSnapshot));
    },
    unload(drop) {
      for (const key of [...machines.keys()]) {
        if (!drop(key)) continue;
        machines.delete(key);
        deadlines.set(key, undefined);
      }
    },
    expired(before) {
      const out: string[] = [];
      for (const [key, s] of machines) if (options.bornAt(s.context as C) < before) out.push(key);
      return out;
    },
    remove(keys) {
      for (const key of keys) {
        machines.delete(key);
        deadlines.set(key, undefined);
      }
    },
  };
}

/**
 * One machine for the whole instance (a station: its capacity is shared by every order), whose
 * context the machine module can cut into rows per key and merge back (`rowsOf`, `withRows`,
 * `without`), so that each order's part of it follows the order's partition.
 */
export function instanceMachineLogic<C, E extends KeyedEvent, X extends KeyedEvent>(options: {
  machine: AnyStateMachine;
  input: unknown;
  deadline(context: C): number | undefined;
  tick(now: number): E;
  rowsOf(context: C, keys: Iterable<string>): Map<string, Row | null>;
  withRows(context: C, rows: Iterable<[string, Row]>): C;
  without(context: C, drop: (key: string) => boolean): C;
  /** keys whose state is older than `before` (retention) */
  expired?(context: C, before: number): string[];
  /** the state value a merged context is in (a station: idle, working or full) */
  valueOf?(context: C): unknown;
  /** the instance wants no more work for now (see `ActorLogic.full`) */
  full?(context: C): boolean;
}): ActorLogic<E, X> {
  const { machine } = options;
  const transition = pureTransition(machine);
  let snapshot: Snapshot = initialTransition(machine, options.input)[0];
  const context = () => snapshot.context as C;
  const step = (event: E): X[] => {
    const [next, actions] = transition(snapshot, event);
    snapshot = next;
    return emittedBy<X>(actions);
  };
  const replaceContext = (c: C) => {
    const value = options.valueOf ? options.valueOf(c) : snapshot.value;
    snapshot = machine.resolveState({ value: value as never, context: c as never });
  };
  return {
    apply: step,
    tick: (now) => step(options.tick(now)),
    nextDeadline: () => options.deadline(context()),
    inspect: () => context(),
    ...(options.full ? { full: () => options.full?.(context()) ?? false } : {}),
    rows: (keys) => options.rowsOf(context(), keys),
    load: (rows) => replaceContext(options.withRows(context(), rows)),
    unload: (drop) => replaceContext(options.without(context(), drop)),
    ...(options.expired
      ? {
          expired: (before: number) => options.expired?.(context(), before) ?? [],
          remove: (keys: Iterable<string>) => {
            const gone = new Set(keys);
            replaceContext(options.without(context(), (k) => gone.has(k)));
          },
        }
      : {}),
  };
}
