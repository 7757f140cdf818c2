import type { DeliveredMessage, OutgoingMessage } from '../../transport/transport.ts';

/**
 * The host contract, as types. An actor is a short declarative spec; the host (`createActorHost`)
 * owns everything else: consuming in batches, dead letters, state, timers, transactions, commits.
 *
 * One batch of input messages becomes one transaction per task (input partition): the messages the
 * batch caused, the rows of state it changed (to the actor's changelog) and the batch's input
 * offsets are committed together or not at all. State is rows keyed by the message key (the order
 * id); a row lives in the changelog partition of the input that carried its key, so whoever owns
 * the partition next restores exactly what was committed (Kafka Streams' model).
 *
 * @example
 * const bake: ActorSpec<BakeEvent, BakeEmitted> = {
 *   name: 'bake', groupId: 'microservice_baked', reads: ['pizza-assembled', 'pizza-cancelled'],
 *   decode: (m) => ({ type: 'PIZZA.ASSEMBLED', orderId: m.key, … }),
 *   logic: () => instanceMachineLogic(bakeMachine, …),
 *   produce: (e) => e.type === 'pizza.baked' ? [{ topic: 'pizza-baked', message: … }] : [],
 * };
 */

/** Anything a machine takes or emits, about one key (the order id). */
export interface KeyedEvent {
  type: string;
  orderId?: string;
}

/** A message the host is to produce, in the transaction of its key's task. */
export interface Produced {
  topic: string;
  message: OutgoingMessage;
}

/** A row of state as stored in the changelog (JSON-safe), or null: the key has no state (tombstone). */
export type Row = unknown;

/**
 * An actor's state and behaviour, stepped by the host. Implementations are thin adapters over pure
 * XState `transition()` (`machineLogic.ts`); the host never looks inside the state.
 */
export interface ActorLogic<E extends KeyedEvent, X extends KeyedEvent> {
  /** Applies one event (host time `now` is in the event); returns what it emitted, in order. */
  apply(event: E): X[];
  /** Time passed: emits what fell due at `now`. */
  tick(now: number): X[];
  /** The earliest deadline in the state (host clock ms), or undefined when nothing waits. */
  nextDeadline(): number | undefined;
  /** The rows of these keys as they are now: a JSON-safe value, or null when the key has no state. */
  rows(keys: Iterable<string>): Map<string, Row | null>;
  /** Loads rows restored from the changelog (a partition was assigned). */
  load(rows: Iterable<[string, Row]>): void;
  /** Forgets every key for which `drop` is true (their partition went to another member). */
  unload(drop: (key: string) => boolean): void;
  /** True while the logic wants no more work (a station whose queue is long): the host pauses `spec.pausable`. */
  full?(): boolean;
  /** What the state looks like now, for pages and tests (a station: its machine's context). */
  inspect?(): unknown;
  /** Keys whose state is older than `before` (host ms) and may be removed (retention), if any. */
  expired?(before: number): string[];
  /** Removes these keys' state (retention); their rows become tombstones. */
  remove?(keys: Iterable<string>): void;
}

/**
 * State an instance keeps in its own store instead of a changelog: a projection every instance
 * builds for itself (in a consumer group of its own). Each batch is applied inside `transaction`
 * together with the position it reached, so a restart resumes exactly after what the store holds,
 * whatever the group's committed offsets say (an exactly-once sink).
 */
export interface LocalState {
  /** runs `fn` so that its writes land together, or none of them */
  transaction<T>(fn: () => T): T;
  /** the next offset to apply of a partition, as stored with the state (undefined: from the start) */
  position(topic: string, partition: number): number | undefined;
  setPosition(topic: string, partition: number, next: number): void;
}

export interface ActorSpec<E extends KeyedEvent, X extends KeyedEvent> {
  /** the actor's name (logs, dead-letter headers, metrics) */
  name: string;
  /** consumer group shared by the actor's instances; also names its changelog and transactional ids */
  groupId: string;
  clientId?: string;
  /** topics whose messages the actor takes */
  reads: string[];
  /**
   * Decodes one message into the logic's event (with host time `now`), at the edge: throws a
   * ShopError MALFORMED_MESSAGE for a value that does not fit (the dead-letter middleware routes
   * it); null for a message the actor has no use for.
   */
  decode(message: DeliveredMessage, now: number): E | null;
  /**
   * An event for the logic about a message that was dead-lettered (the order machine notes that a
   * stage of its order is lost); null or absent: nothing.
   */
  onMalformed?(message: DeliveredMessage, reason: string, now: number): E | null;
  /** Topics whose partitions the host pauses while `logic.full()` (a station's work, not its cancels). */
  pausable?: string[];
  /** A fresh logic holding no state. */
  logic(): ActorLogic<E, X>;
  /** Turns one emitted event into the messages to produce (none for bookkeeping events). */
  produce(emitted: X): Produced[];
  /** After a transaction committed: what it emitted, for log lines and live views. */
  committed?(emitted: readonly X[]): void;
  /**
   * Keep state in this instance's store (see `LocalState`) instead of a changelog. Such an actor
   * produces nothing, and skips (counts) malformed messages: the actor whose job reads a topic
   * dead-letters them.
   */
  local?: LocalState;
  /** Rows older than this (host ms) are offered to `expired`/`remove` (retention); default never. */
  retentionMs?: number;
  /**
   * Read the inputs of each task in timestamp order instead of as fetches bring them (a join
   * must see the table rows stamped before the stream record): see `partitionGroup.ts`. On equal
   * timestamps the topic listed first in `reads` goes first. Not with `local` state.
   */
  timestampOrdered?: TimestampOrdering;
}

/** How a timestamp-ordered actor waits for an input partition that has nothing buffered. */
export interface TimestampOrdering {
  /**
   * At most this long (host clock ms) a task holds its records back for an empty input partition
   * that may still have records to bring (its end offset not known to be reached); then it
   * processes ahead of it (Kafka Streams' `max.task.idle.ms`). An input known to be at its end
   * holds nothing back.
   */
  maxIdleMs: number;
}
