import { enqueueActions, setup } from 'xstate';
import type { AssembleEmitted, AssembleEvent, PizzaAssembledEmitted } from './events.ts';
import {
  type Job,
  type StationContext,
  type StationInput,
  StationStep,
  initialStationContext,
  stationGuards,
  stationStates,
} from './station.ts';

/**
 * The assemble station: takes pizza-ordered (with `assembleMs` and `bakingTime` from
 * `assembleWork()`), works on `capacity` pizzas at once in arrival order, and emits
 * `pizza.assembled` (publish pizza-assembled with `baking_time`) then `work.finished`. See
 * station.ts for queueing, dedupe, cancel and the rows a context is persisted as.
 *
 * @example
 * const actor = createActor(assembleMachine, { input: { capacity: 2 } }).start();
 * actor.on('pizza.assembled', (e) => publish('pizza-assembled', e.orderId, { status: 200, baking_time: e.bakingTime, timestamp: e.at }));
 * actor.send({ type: 'ORDER.PLACED', orderId: '0a1b2c3d', now: 0, assembleMs: 9_000, bakingTime: 13 });
 * stationNextDeadline(actor.getSnapshot().context); // 9000
 */
export function stepAssemble(context: StationContext, event: AssembleEvent): StationStep<StationContext, PizzaAssembledEmitted> {
  const step = new StationStep(
    context,
    event.now,
    (job: Job, at): PizzaAssembledEmitted => ({
      type: 'pizza.assembled',
      orderId: job.orderId,
      at,
      bakingTime: job.bakingTime ?? 0,
    }),
  );
  switch (event.type) {
    case 'ORDER.PLACED':
      step.receive({
        orderId: event.orderId,
        durationMs: event.assembleMs,
        bakingTime: event.bakingTime,
      });
      break;
    case 'ORDER.CANCELLED':
      step.cancel(event.orderId);
      break;
    case 'CLOCK.TICK':
      step.settle();
      break;
  }
  return step;
}

export const assembleMachine = setup({
  types: {
    context: {} as StationContext,
    events: {} as AssembleEvent,
    input: {} as StationInput | undefined,
    emitted: {} as AssembleEmitted,
  },
  guards: stationGuards,
  actions: {
    step: enqueueActions(({ context, event, enqueue }) => {
      const step = stepAssemble(context, event);
      enqueue.assign(() => step.context);
      for (const emitted of step.emitted) enqueue.emit(emitted);
    }),
  },
}).createMachine({
  id: 'assemble',
  context: ({ input }) => initialStationContext('assemble', input),
  initial: 'idle',
  on: {
    'ORDER.PLACED': { actions: 'step' },
    'ORDER.CANCELLED': { actions: 'step' },
    'CLOCK.TICK': { actions: 'step' },
  },
  states: stationStates,
});
