import type { ActorName, ShopConfig, Topics } from './config/shopConfig.ts';

/**
 * Who reads and who writes which topic: the shop's event flow as one table, built from the
 * running configuration (topic names and group ids come from the INI). The web's flow page, its
 * metrics (consumer lag per group) and the event timeline ("which actor wrote this") read it; the
 * runtime can read it to subscribe each actor to its topics, so the picture cannot drift from what
 * runs.
 *
 * @example
 * const flow = shopTopology(config);
 * flow.find((a) => a.actor === 'bake')?.consumes; // ['pizza-assembled', 'pizza-cancelled']
 * producerOf(flow, 'pizza-baked'); // 'bake'
 */
export interface ActorTopology {
  actor: ActorName;
  /** consumer group of the actor's instances (the web suffixes it per instance) */
  groupId: string;
  /** what the actor's job reads */
  consumes: string[];
  /** what the actor's job writes (logs and dead letters are listed separately) */
  produces: string[];
  /** a short description for the flow page */
  role: string;
}

export function shopTopology(config: Pick<ShopConfig, 'topics' | 'groupIds'>): ActorTopology[] {
  const t: Topics = config.topics;
  const g = config.groupIds;
  return [
    {
      actor: 'web',
      groupId: g.web,
      // the web builds its own view: order statuses, plus the stage topics for the timeline and
      // the kitchen board, plus what it produced itself (so every web instance sees every order)
      consumes: [t.pizzaStatus, t.pizzaOrdered, t.pizzaCancelled, t.pizzaAssembled, t.pizzaBaked, t.pizzaDelivered, t.pizzaPending, t.logs],
      produces: [t.pizzaOrdered, t.pizzaCancelled],
      role: 'takes orders and cancellations (command side); shows orders, the kitchen and the flow (query side)',
    },
    {
      actor: 'assemble',
      groupId: g.assemble,
      consumes: [t.pizzaOrdered, t.pizzaCancelled],
      produces: [t.pizzaAssembled],
      role: 'puts the pizza together, then hands it to the oven with its baking time',
    },
    {
      actor: 'bake',
      groupId: g.bake,
      consumes: [t.pizzaAssembled, t.pizzaCancelled],
      produces: [t.pizzaBaked],
      role: 'bakes for the baking time written by assemble',
    },
    {
      actor: 'delivery',
      groupId: g.delivery,
      consumes: [t.pizzaOrdered, t.pizzaBaked],
      produces: [t.pizzaDelivered, t.pizzaPending],
      role: 'remembers customers from new orders; delivers baked pizzas (pending when baked comes first)',
    },
    {
      actor: 'status',
      groupId: g.status,
      consumes: [t.pizzaOrdered, t.pizzaAssembled, t.pizzaBaked, t.pizzaDelivered, t.pizzaPending, t.pizzaCancelled],
      produces: [t.pizzaStatus],
      role: 'runs one order-lifecycle machine per order and publishes every status change',
    },
  ];
}

/** Topics every actor may write besides its job's outputs. */
export function sideTopics(config: Pick<ShopConfig, 'topics'>): { logs: string; deadLetter: string } {
  return { logs: config.topics.logs, deadLetter: config.topics.deadLetter };
}

/** The actor whose job writes `topic` (the first one listed), or undefined. */
export function producerOf(topology: ActorTopology[], topic: string): ActorName | undefined {
  return topology.find((a) => a.produces.includes(topic))?.actor;
}

/** Every topic of the shop, in the order of the configuration. */
export function allTopics(config: Pick<ShopConfig, 'topics'>): string[] {
  return Object.values(config.topics);
}
