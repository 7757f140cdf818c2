import type { AnyStateMachine, EventObject } from 'xstate';
import { assembleMachine } from '../../../machines/assemble.machine.ts';
import { bakeMachine } from '../../../machines/bake.machine.ts';
import { deliveryMachine } from '../../../machines/delivery.machine.ts';
import { orderMachine } from '../../../machines/order.machine.ts';
import type { ShopConfig } from '../../config/shopConfig.ts';
import type { StationName } from '../view/kitchenBoard.ts';
import type { ExploreOptions } from './machineGraph.ts';

/** The statecharts the pages draw, with what the order machine's diagram needs to resolve its root-level transitions. */
export interface ShopMachines {
  order: AnyStateMachine;
  /** sample input and events for exploring the order machine (see `ExploreOptions`) */
  orderExplore?: ExploreOptions;
  stations: Record<StationName, AnyStateMachine>;
}

const SAMPLE_ORDER = '00000000';

/**
 * The shop's real machines (machines/*.machine.ts). The order machine handles its events on the
 * root, guarded by how far the order got; its diagram is made by running the machine from every
 * state it reaches with one sample of each event of its catalogue (machines/index.ts): a stage
 * event at the next moment, a malformed message about the last stage, and a clock tick far in the
 * future (so every deadline has passed).
 */
export function shopMachines(config: Pick<ShopConfig, 'status'>): ShopMachines {
  return {
    order: orderMachine as unknown as AnyStateMachine,
    orderExplore: {
      input: { orderId: SAMPLE_ORDER, now: 0, statusIds: config.status.ids, stuckAfterMs: 1_000, unknownAfterMs: 1_000 },
      event: (type, step): EventObject => {
        if (type === 'CLOCK.TICK') return { type, now: 1e12 } as EventObject;
        const base = { type, orderId: SAMPLE_ORDER, now: step, timestamp: step };
        return (type === 'MESSAGE.MALFORMED' ? { ...base, stage: 'delivered', reason: 'diagram sample' } : base) as EventObject;
      },
    },
    stations: {
      assemble: assembleMachine as unknown as AnyStateMachine,
      bake: bakeMachine as unknown as AnyStateMachine,
      delivery: deliveryMachine as unknown as AnyStateMachine,
    },
  };
}
