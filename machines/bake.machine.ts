import { enqueueActions, setup } from 'xstate';
import type { BakeEmitted, BakeEvent, PizzaBakedEmitted } from './events.ts';
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
 * The bake station: takes pizza-assembled (with `bakeMs` from `bakeMs(baking_time, speed)`), bakes
 * `capacity` pizzas at once in arrival order, and emits `pizza.baked` (publish pizza-baked) then
 * `work.finished`. A cancelled order's pizza leaves the queue or the oven unbaked. See station.ts
 * for queueing, dedupe, cancel and the rows a context is persisted as.
 *
 * @example
 * const actor = createActor(bakeMachine, { input: { capacity: 1 } }).start();
 * actor.send({ type: 'PIZZA.ASSEMBLED', orderId: '0a1b2c3d', now: 0, bakeMs: 13_000 });
 * actor.send({ type: 'CLOCK.TICK', now: 13_000 }); // emits pizza.baked, work.finished
 */
export function stepBake(context: StationContext, event: BakeEvent): StationStep<StationContext, PizzaBakedEmitted> {
  const step = new StationStep(
    context,
    event.now,
    (job: Job, at): PizzaBakedEmitted => ({ type: 'pizza.baked', orderId: job.orderId, at }),
  );
  switch (event.type) {
    case 'PIZZA.ASSEMBLED':
      step.receive({ orderId: event.orderId, durationMs: event.bakeMs });
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

export const bakeMachine = setup({
  types: {
    context: {} as StationContext,
    events: {} as BakeEvent,
    input: {} as StationInput | undefined,
    emitted: {} as BakeEmitted,
  },
  guards: stationGuards,
  actions: {
    step: enqueueActions(({ context, event, enqueue }) => {
      const step = stepBake(context, event);
      enqueue.assign(() => step.context);
      for (const emitted of step.emitted) enqueue.emit(emitted);
    }),
  },
}).createMachine({
  id: 'bake',
  context: ({ input }) => initialStationContext('bake', input),
  initial: 'idle',
  on: {
    'PIZZA.ASSEMBLED': { actions: 'step' },
    'ORDER.CANCELLED': { actions: 'step' },
    'CLOCK.TICK': { actions: 'step' },
  },
  states: stationStates,
});
