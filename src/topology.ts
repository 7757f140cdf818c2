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
 * readsOf(flow[0]); // the web: pizza-status, then what it observes
 * producerOf(flow, 'pizza-baked'); // 'bake'
 */
export interface ActorTopology {
  actor: ActorName;
  /** consumer group of the actor's instances (the web suffixes it per instance) */
  groupId: string;
  /** what the actor's job reads */
  consumes: string[];
  /** what it also reads only to show it (the web's timeline and kitchen board); not part of the flow */
  observes: string[];
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
      // the web's view of orders follows pizza-status; it also reads what it produced itself (so
      // every web instance sees every order), the stage topics (timeline, kitchen board) and logs
      consumes: [t.pizzaStatus],
      observes: [t.pizzaOrdered, t.pizzaCancelled, t.pizzaAssembled, t.pizzaBaked, t.pizzaDelivered, t.pizzaPending, t.logs],
      produces: [t.pizzaOrdered, t.pizzaCancelled],
      role: 'takes orders and cancellations (command side); shows orders, the kitchen and the flow (query side)',
    },
    {
      actor: 'assemble',
      groupId: g.assemble,
      consumes: [t.pizzaOrdered, t.pizzaCancelled],
      observes: [],
      produces: [t.pizzaAssembled],
      role: 'puts the pizza together, then hands it to the oven with its baking time',
    },
    {
      actor: 'bake',
      groupId: g.bake,
      consumes: [t.pizzaAssembled, t.pizzaCancelled],
      observes: [],
      produces: [t.pizzaBaked],
      role: 'bakes for the baking time written by assemble',
    },
    {
      actor: 'delivery',
      groupId: g.delivery,
      consumes: [t.pizzaOrdered, t.pizzaBaked, t.pizzaCancelled],
      observes: [],
      produces: [t.pizzaDelivered, t.pizzaPending],
      role: 'remembers customers from new orders; delivers baked pizzas (pending when baked comes first)',
    },
    {
      actor: 'status',
      groupId: g.status,
      consumes: [t.pizzaOrdered, t.pizzaAssembled, t.pizzaBaked, t.pizzaDelivered, t.pizzaPending, t.pizzaCancelled],
      observes: [],
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

/** Everything an actor reads: its job's topics, then the ones it only observes. */
export function readsOf(actor: ActorTopology): string[] {
  return [...actor.consumes, ...actor.observes.filter((t) => !actor.consumes.includes(t))];
}

/** Every topic of the shop, in the order of the configuration. */
export function allTopics(config: Pick<ShopConfig, 'topics'>): string[] {
  return Object.values(config.topics);
}
