import { ACTOR_NAMES, type ActorName, type ShopConfig, type Topics } from './config/shopConfig.ts';
import { CATALOGUE, consumedBy, observedBy, producedBy, type TopicKey } from './events/catalogue.ts';

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

const ROLES: Record<ActorName, string> = {
  web: 'takes orders and cancellations (command side); shows orders, the kitchen and the flow (query side)',
  assemble: 'puts the pizza together, then hands it to the oven with its baking time',
  bake: 'bakes for the baking time written by assemble',
  delivery: 'remembers customers from new orders; delivers baked pizzas (pending when baked comes first)',
  status: 'runs one order-lifecycle machine per order and publishes every status change',
  transactions: "turns each item of each order placed into a transaction keyed by product (the lab's transactions)",
  inventory: "the inventory table's source: publishes changed rows; assembling a pizza uses its items; restocks",
  processor: 'INVENTORY table, transactions per product in hopping windows joined with it, PROMOTIONS',
  analytics: 'the sink: window results and promotions into the analytics database, offsets in the same transaction',
};

/** Derived from the event catalogue (src/events/catalogue.ts): who reads and writes which topic. */
export function shopTopology(config: Pick<ShopConfig, 'topics' | 'groupIds'>): ActorTopology[] {
  const t: Topics = config.topics;
  const names = (keys: TopicKey[]) => keys.map((k) => t[k]);
  // the shop's own side topics (dead letters, log lines) are listed apart: every actor may write them
  const job = (keys: TopicKey[]) => keys.filter((k) => !(CATALOGUE[k].producers as readonly string[]).includes('any'));
  return ACTOR_NAMES.map((actor) => ({
    actor,
    groupId: config.groupIds[actor],
    consumes: names(consumedBy(actor)),
    observes: names(observedBy(actor).filter((k) => !consumedBy(actor).includes(k))),
    produces: names(job(producedBy(actor))),
    role: ROLES[actor],
  }));
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
