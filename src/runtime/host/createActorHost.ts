import type { Clock, TimerHandle } from '../../clock.ts';
import { isShopError, ShopError } from '../../errors.ts';
import { MAGIC_BYTE, type WireFormat } from '../../events/wireFormat.ts';
import { malformed } from '../../events/messages.ts';
import type { Logger } from '../../log/logger.ts';
import { partitionForKey } from '../../transport/partitioner.ts';
import type {
  Consumer,
  DeliveredMessage,
  MessageBatch,
  OutgoingMessage,
  TopicPartition,
  TransactionalProducer,
  Transport,
} from '../../transport/transport.ts';
import { crashSignal } from '../crashSignal.ts';
import { deadLetters } from '../middleware/deadLetter.ts';
import { type MessageHandler, type Middleware, wrap } from '../middleware/handler.ts';
import { type ActorMetrics, createActorMetrics, metrics } from '../middleware/metrics.ts';
import { effectHeaders, TRACEPARENT, tracing } from '../middleware/tracing.ts';
import type { RunningActor } from '../supervisor.ts';
import type { ActorLogic, ActorSpec, KeyedEvent, LocalState, Produced, Row } from './actorSpec.ts';
import { type InputQueue, PartitionGroup } from './partitionGroup.ts';
import type { StateCache } from './stateCache.ts';
import { type SpanExporter, spanOfMessage } from '../otlpExporter.ts';

/** How the host cuts batches into transactions. */
export interface BatchingOptions {
  /** commit once a task holds this many messages (inputs) uncommitted (default 500) */
  maxMessages: number;
  /** commit at most this long (real ms) after a task's first uncommitted message (default 0: after every batch) */
  lingerMs: number;
}

/** messages per send inside a transaction */
const SEND_CHUNK = 1000;

export const DEFAULT_BATCHING: BatchingOptions = { maxMessages: 500, lingerMs: 0 };

export interface ActorHostDeps {
  transport: Transport;
  clock: Clock;
  logger: Logger;
  /** the dead-letter topic */
  deadLetterTopic: string;
  /** partitions of the actor's input topics (and so of its changelog) */
  partitions: number;
  batching?: Partial<BatchingOptions>;
  /** more middleware, outermost first, around dead letters, metrics and tracing */
  middleware?: Middleware[];
  /** a local copy of the changelog, so that a restart reads only what is new (default: none) */
  cache?: StateCache;
  /**
   * How values look on the wire (JSON, or Avro with a schema registry). Logics read and write
   * JSON; the host turns Avro inputs into JSON before a batch is stepped, and encodes outputs
   * before they are sent. Default: JSON only.
   */
  wire?: WireFormat;
  /** where the span of every committed output goes (OTLP export); default none */
  spans?: SpanExporter;
  /**
   * Hears of the partitions this instance owns: after each assignment (`rebalancing` false) and
   * each revocation (true, with what it keeps until the new assignment). The process map reads it.
   */
  onPartitions?(partitions: number[], rebalancing: boolean): void;
  /** Hears how many state rows an assignment read back from the changelog. */
  onRestored?(rows: number): void;
  /** start with the work topics held (a station paused from the console before a restart) */
  held?: boolean;
}

export interface ActorHost<X extends KeyedEvent = KeyedEvent> extends RunningActor {
  readonly name: string;
  start(): Promise<void>;
  /** Resolves when no transaction is open or committing (what was handled so far is committed). */
  idle(): Promise<void>;
  metrics(): ActorMetrics;
  /** Partitions (tasks) this instance owns now. */
  tasks(): number[];
  /** The logic's own summary of its state (a station: its machine's context). */
  inspect(): unknown;
  /** Reads the logic's state of some keys (the web and tests look at it). */
  rows(keys: Iterable<string>): Map<string, Row | null>;
  /**
   * Crashes the instance as a failure would (the console's "kill"): nothing pending is committed,
   * `crashed` settles, and the supervisor starts a new instance after its backoff, which restores
   * the committed state and reads the uncommitted inputs again.
   */
  kill(reason: Error): void;
  /**
   * Holds (true) or releases the work topics (`spec.pausable`): no new work is taken while held;
   * work already taken (in the machine, queued or in progress) carries on. Cancels still arrive.
   */
  hold(held: boolean): void;
  /** whether the work topics are held */
  held(): boolean;
}

/** The changelog of an actor: its state rows, compacted. */
export const changelogTopic = (groupId: string): string => `${groupId}-changelog`;

/** What one task (input partition) has done since its last commit. */
interface Pending<X> {
  produced: Produced[];
  rows: Map<string, Row | null>;
  /** topic → next offset to read */
  offsets: Map<string, number>;
  inputs: number;
  emitted: X[];
}

interface Task<X> {
  partition: number;
  producer: TransactionalProducer;
  pending: Pending<X>;
  /** the commit in progress, if any */
  committing?: Promise<void>;
  linger?: ReturnType<typeof setTimeout>;
}

const emptyPending = <X>(): Pending<X> => ({ produced: [], rows: new Map(), offsets: new Map(), inputs: 0, emitted: [] });

/**
 * Runs an actor from its spec as one member of its consumer group, exactly-once:
 *
 * - **Batches.** Each batch the consumer hands over is stepped synchronously through the
 *   middleware (dead letters, metrics, tracing) into the logic; what it produced, the state rows it
 *   changed and the batch's offsets join the open transaction of their task.
 * - **Tasks.** A task is one input partition (the actor's topics are co-partitioned). Each has a
 *   transactional producer with the id `<group>-<partition>`: opening it on assignment fences any
 *   zombie that still thinks it owns the partition. A message, the state rows of its key and
 *   everything it caused for that key commit in one transaction of the task. A step can also
 *   change other keys (a station whose slot a finished pizza frees starts the next one in its
 *   queue, maybe another partition's): those changes commit in their own keys' tasks, so each key's
 *   rows and messages stay in order in one producer. A crash between the two transactions redoes
 *   only the step that caused them, which the logics make idempotent for such effects (a pizza
 *   that started is not started again).
 * - **State follows its partition.** Rows are written to the changelog partition of their task;
 *   on assignment the host reads that partition back into the logic, on revocation it unloads the
 *   keys. A pizza in the oven keeps its deadline across a move: the row holds it.
 * - **Time.** One timer on the host clock for the logic's next deadline; what a tick emits commits
 *   like a batch.
 * - **Failures.** A failed commit (a broker outage, a fenced producer) crashes the actor: its
 *   in-memory state is ahead of what was committed, so the supervisor starts a fresh one that
 *   restores the committed state and reads the uncommitted inputs again.
 * - **Timestamp order** (`spec.timestampOrdered`, a join): a task buffers what each of its input
 *   partitions was handed and steps the record with the lowest timestamp next, waiting for an
 *   empty input until its end offset is known to be reached or its idle time ran out
 *   (`partitionGroup.ts`). Offsets committed are those of records stepped, never of records
 *   still buffered; a revoked partition's buffer is dropped (it is read again from the commit).
 */
export function createActorHost<E extends KeyedEvent, X extends KeyedEvent>(spec: ActorSpec<E, X>, deps: ActorHostDeps): ActorHost<X> {
  const { transport, clock, logger } = deps;
  if (spec.timestampOrdered && spec.local)
    throw new ShopError('INVALID_SPEC', `${spec.name}: timestampOrdered needs changelog state, not local`);
  const batching: BatchingOptions = { ...DEFAULT_BATCHING, ...deps.batching };
  const changelog = changelogTopic(spec.groupId);
  const logic: ActorLogic<E, X> = spec.logic();
  const counters = createActorMetrics();
  const tasks = new Map<number, Task<X>>();
  /** key → the task its state lives in (the partition of the input that carried it) */
  const taskOfKey = new Map<string, number>();
  /** last trace context per key, for what timers produce later */
  const traces = new Map<string, string>();
  const { crashed, crash } = crashSignal();
  let consumer: Consumer | undefined;
  let timer: TimerHandle | undefined;
  let stopping = false;
  let failed = false;
  /** between a revocation and the next assignment: no timer work (the partitions may be moving) */
  let rebalancing = false;
  /** what the current batch or tick touched: keys whose rows to write, emitted events */
  let touched = new Set<string>();
  /** what a local-state actor's logic emitted in the batch being applied */
  const localEmitted: X[] = [];

  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    disarm();
    crash(error);
  };

  const taskFor = (key: string | null | undefined, fallback: number): number => {
    if (key === null || key === undefined) return fallback;
    const known = taskOfKey.get(key);
    if (known !== undefined) return known;
    return tasks.has(fallback) ? fallback : partitionForKey(key, deps.partitions);
  };

  /** Steps one event of the logic and turns what it emitted into messages. */
  const step = (event: E | null, now: number, partition: number | null): Produced[] => {
    if (event?.orderId !== undefined) {
      touched.add(event.orderId);
      if (partition !== null && !taskOfKey.has(event.orderId)) taskOfKey.set(event.orderId, partition);
    }
    const emitted = event ? logic.apply(event) : logic.tick(now);
    const out: Produced[] = [];
    for (const e of emitted) {
      if (e.orderId !== undefined) touched.add(e.orderId);
      for (const p of spec.produce(e)) out.push(p);
      if (spec.local) {
        localEmitted.push(e);
        continue;
      }
      const task = tasks.get(taskFor(e.orderId, partition ?? firstTask()));
      task?.pending.emitted.push(e);
    }
    return out;
  };

  const firstTask = () => tasks.keys().next().value ?? 0;

  /** messages whose wire format could not be read, and why (they are dead-lettered as they came) */
  const undecodable = new WeakMap<DeliveredMessage, string>();

  const inner: MessageHandler = (message, now) => {
    let event: E | null;
    try {
      const problem = undecodable.get(message);
      if (problem !== undefined) throw malformed(problem);
      event = spec.decode(message, now);
    } catch (error) {
      if (isShopError(error) && error.code === 'MALFORMED_MESSAGE' && spec.onMalformed) {
        const noted = spec.onMalformed(message, error.message, now);
        if (noted) (error as { produced?: Produced[] }).produced = step(noted, now, message.partition);
      }
      throw error;
    }
    return event ? step(event, now, message.partition) : [];
  };

  const handler = wrap(
    inner,
    ...(deps.middleware ?? []),
    metrics(counters),
    deadLetters({
      topic: deps.deadLetterTopic,
      actor: spec.name,
      logger,
      route: spec.local === undefined,
      onDeadLetter: () => {
        counters.deadLettered += 1;
      },
    }),
    tracing(traces, spec.name),
  );

  /** Routes what a step produced and the rows it touched into their tasks' pending transactions. */
  const enqueue = (produced: Produced[], fallback: number) => {
    for (const p of produced) {
      const task = tasks.get(taskFor(p.message.key, fallback)) ?? tasks.get(fallback);
      if (!task) throw new ShopError('TASK_UNKNOWN', `${spec.name}: no task for ${p.topic} key ${p.message.key}`);
      task.pending.produced.push(p);
    }
    if (touched.size === 0) return;
    const keys = touched;
    touched = new Set();
    for (const [key, row] of logic.rows(keys)) {
      const task = tasks.get(taskFor(key, fallback));
      if (!task) continue;
      task.pending.rows.set(key, row);
      if (row === null) {
        taskOfKey.delete(key);
        traces.delete(key);
      }
    }
  };

  /**
   * Avro values (Confluent's magic byte) become JSON before the batch is stepped (the registry may
   * have to be asked for a writer schema: the one await of a batch). A value that cannot be read
   * stays as it came and is dead-lettered; a registry that does not answer fails the actor (the
   * message comes again after its restart).
   */
  const readWire = async (messages: DeliveredMessage[]): Promise<DeliveredMessage[]> => {
    const wire = deps.wire;
    if (!wire || !messages.some((m) => m.value[0] === MAGIC_BYTE)) return messages;
    return Promise.all(
      messages.map(async (m) => {
        if (m.value[0] !== MAGIC_BYTE) return m;
        try {
          const value = await wire.decode(m.topic, m.value);
          return { ...m, value: new TextEncoder().encode(JSON.stringify(value)) };
        } catch (error) {
          if (!(isShopError(error) && error.code === 'MALFORMED_MESSAGE')) throw error;
          undecodable.set(m, error.message);
          return m;
        }
      }),
    );
  };

  /** Values in the wire format, for the topics it writes (JSON text otherwise). */
  const writeWire = async (topic: string, messages: OutgoingMessage[]): Promise<OutgoingMessage[]> => {
    const wire = deps.wire;
    if (!wire?.encodes(topic)) return messages;
    return Promise.all(
      messages.map(async (m) => {
        if (typeof m.value !== 'string') return m;
        return { ...m, value: await wire.encode(topic, JSON.parse(m.value) as object) };
      }),
    );
  };

  /** A batch of an actor with local state: applied with its position in one store transaction. */
  const onLocalBatch = async (batch: MessageBatch, local: LocalState) => {
    const from = local.position(batch.topic, batch.partition) ?? 0;
    const fresh = batch.messages.filter((m) => m.offset >= from);
    const last = batch.messages.at(-1) as DeliveredMessage;
    const emitted: X[] = [];
    if (fresh.length > 0) {
      const now = clock.now();
      local.transaction(() => {
        for (const message of fresh) {
          const before = localEmitted.length;
          const produced = handler(message, now);
          if (produced.length > 0)
            throw new ShopError('LOCAL_ACTOR_PRODUCED', `${spec.name} keeps local state and may not produce (${produced[0]?.topic})`);
          for (const e of localEmitted.splice(before)) emitted.push(e);
        }
        local.setPosition(batch.topic, batch.partition, last.offset + 1);
      });
      touched.clear();
      counters.transactions += 1;
      if (emitted.length > 0) spec.committed?.(emitted);
    }
    // The group's offsets only show lag; the position that counts is the one in the store.
    await consumer?.commit([{ topic: batch.topic, partition: batch.partition, offset: last.offset + 1 }]).catch((error: unknown) => {
      logger.warn(`commit failed for ${batch.topic}[${batch.partition}]: ${(error as Error).message}`);
    });
  };

  const onBatch = async (received: MessageBatch) => {
    if (failed) throw new ShopError('ACTOR_FAILED', `${spec.name} failed; not taking batches`);
    const batch = { ...received, messages: await readWire(received.messages) };
    if (spec.local) return onLocalBatch(batch, spec.local);
    const task = tasks.get(batch.partition);
    if (!task) throw new ShopError('TASK_UNKNOWN', `${spec.name}: batch for partition ${batch.partition}, which it was not assigned`);
    if (ordering) {
      const group = groupOf(batch.partition);
      arrivals += 1;
      group.add(batch, arrivals);
      if (drain(task, group) > 0) await schedule(task);
      else if (group.buffered + counters.pending >= batching.maxMessages * 4) {
        // Much is held back or uncommitted: let the looks in flight (quick: they wait for no
        // delivery) and this task's commit settle before taking more, as an unordered batch would.
        await Promise.allSettled([...orderWork]);
        if (hasPending(task)) await schedule(task);
      }
      return;
    }
    const now = clock.now();
    const produced: Produced[] = [];
    let last: DeliveredMessage | undefined;
    for (const message of batch.messages) {
      for (const p of handler(message, now)) produced.push(p);
      last = message;
    }
    if (last) task.pending.offsets.set(batch.topic, last.offset + 1);
    stepped(task, produced, batch.messages.length);
    await schedule(task);
  };

  /** What stepping `inputs` messages of a task produced joins its pending transaction. */
  const stepped = (task: Task<X>, produced: Produced[], inputs: number) => {
    enqueue(produced, task.partition);
    task.pending.inputs += inputs;
    counters.pending += inputs;
    arm();
    pressure();
    // What the batch caused for keys of other tasks (a station starting another task's order) is
    // pending there: it commits on the same terms, not whenever that task next gets a batch.
    for (const other of tasks.values()) if (other !== task && hasPending(other)) schedule(other).catch(() => undefined);
  };

  // ---- timestamp order (spec.timestampOrdered)

  const ordering = spec.timestampOrdered;
  /** each task's input partitions, buffered */
  const groups = new Map<number, PartitionGroup>();
  /** batches buffered so far (a look at the ends covers the records that arrived before it started) */
  let arrivals = 0;
  /** bumped on every revocation: what a look or a read found before it no longer applies */
  let generation = 0;
  /** looks at end offsets and reads in flight (idle() waits for them) */
  const orderWork = new Set<Promise<void>>();
  const looks = new Map<string, { again: boolean }>();
  let orderTimer: TimerHandle | undefined;
  let orderDue = Number.POSITIVE_INFINITY;

  const groupOf = (partition: number): PartitionGroup => {
    let group = groups.get(partition);
    if (!group) {
      group = new PartitionGroup(partition, spec.reads, ordering?.maxIdleMs ?? 0);
      groups.set(partition, group);
    }
    return group;
  };

  const track = (work: Promise<void>) => {
    orderWork.add(work);
    void work.finally(() => orderWork.delete(work));
  };

  /** Steps a task's buffered records in timestamp order while nothing holds them back; returns how many. */
  const drain = (task: Task<X>, group: PartitionGroup): number => {
    if (stopping || failed || rebalancing) return 0;
    const now = clock.now();
    const produced: Produced[] = [];
    let n = 0;
    for (;;) {
      const next = group.nextStep(now);
      if (next.kind === 'empty') break;
      if (next.kind === 'wait') {
        for (const input of next.look) look(input.topic);
        armOrder(next.deadline);
        break;
      }
      for (const input of next.look) look(input.topic);
      group.take(next.input);
      for (const p of handler(next.record.message, now)) produced.push(p);
      task.pending.offsets.set(next.input.topic, next.record.after);
      n += 1;
    }
    if (n > 0) stepped(task, produced, n);
    return n;
  };

  const drainAll = () => {
    try {
      for (const [partition, group] of groups) {
        const task = tasks.get(partition);
        if (task && drain(task, group) > 0) schedule(task).catch(() => undefined);
      }
    } catch (error) {
      fail(error);
    }
  };

  const armOrder = (due: number) => {
    if (due >= orderDue || !Number.isFinite(due)) return;
    if (orderTimer !== undefined) clock.clearTimeout(orderTimer);
    orderDue = due;
    orderTimer = clock.setTimeout(
      () => {
        orderTimer = undefined;
        orderDue = Number.POSITIVE_INFINITY;
        drainAll();
      },
      Math.max(0, due - clock.now()),
    );
  };

  /**
   * Looks at a topic's end offsets (one look per topic at a time; a record that arrived while one
   * ran asks for another): an empty input whose position reached its end holds nothing back.
   */
  const look = (topic: string) => {
    const running = looks.get(topic);
    if (running) {
      running.again = true;
      return;
    }
    const entry = { again: false };
    looks.set(topic, entry);
    const seq = arrivals;
    const gen = generation;
    for (const group of groups.values()) {
      const input = group.input(topic);
      if (input) input.lookedSeq = Math.max(input.lookedSeq, seq);
    }
    track(
      (async () => {
        try {
          const ends = await transport.endOffsets(topic);
          const unknown = [...groups.values()].some((g) => g.input(topic)?.next === undefined);
          const committed = unknown ? await transport.committedOffsets(spec.groupId, topic) : undefined;
          if (gen !== generation) return;
          for (const group of groups.values()) {
            const input = group.input(topic);
            const end = ends.get(group.partition);
            if (!input || end === undefined) continue;
            const from = input.next ?? committed?.get(group.partition) ?? 0;
            if (group.looked(input, end, committed?.get(group.partition), seq)) probe(group, input, from, end, seq);
          }
        } catch (error) {
          // the idle deadline still bounds the wait
          logger.warn(`${spec.name}: could not look at the end offsets of ${topic}: ${(error as Error).message}`);
        } finally {
          looks.delete(topic);
          if (entry.again && !stopping && !failed) look(topic);
          drainAll();
        }
      })(),
    );
  };

  /**
   * The end stayed past the position twice while nothing came: read there once. Nothing committed
   * in between (a transaction marker, aborted messages) moves the position to the end.
   */
  const probe = (group: PartitionGroup, input: InputQueue, from: number, end: number, seq: number) => {
    const gen = generation;
    track(
      transport.read(input.topic, group.partition, from, 1).then(
        (found) => {
          if (gen !== generation) return;
          if ((found[0]?.offset ?? end) >= end) group.skipped(input, from, end, seq);
          drainAll();
        },
        (error: unknown) =>
          logger.warn(`${spec.name}: could not read ${input.topic}[${group.partition}] at ${from}: ${(error as Error).message}`),
      ),
    );
  };

  /** Commits now, after a linger, or once the task holds enough; waits only when too much is open. */
  const schedule = async (task: Task<X>) => {
    if (task.pending.inputs >= batching.maxMessages || batching.lingerMs <= 0) {
      const commit = flush(task);
      // Pipelining: the next batch is stepped while this one commits, but never more than two
      // transactions' worth per task is in memory uncommitted.
      if (task.pending.inputs >= batching.maxMessages || counters.pending >= batching.maxMessages * 4) await commit;
      else commit.catch(() => undefined);
      return;
    }
    task.linger ??= setTimeout(() => {
      task.linger = undefined;
      flush(task).catch(() => undefined);
    }, batching.lingerMs);
  };

  /** Commits a task's pending work in one transaction (after the commit in progress, if any). */
  const flush = (task: Task<X>): Promise<void> => {
    const run = async () => {
      await task.committing?.catch(() => undefined);
      if (failed) throw new ShopError('ACTOR_FAILED', `${spec.name} failed`);
      const p = task.pending;
      if (p.produced.length === 0 && p.rows.size === 0 && p.offsets.size === 0) return;
      task.pending = emptyPending();
      if (task.linger) clearTimeout(task.linger);
      task.linger = undefined;
      try {
        const tx = await task.producer.transaction();
        try {
          const byTopic = new Map<string, OutgoingMessage[]>();
          for (const { topic, message } of p.produced) {
            const list = byTopic.get(topic);
            if (list) list.push(message);
            else byTopic.set(topic, [message]);
          }
          if (p.rows.size > 0) {
            byTopic.set(
              changelog,
              [...p.rows].map(([key, row]) => ({
                key,
                partition: task.partition,
                value: row === null ? new Uint8Array(0) : JSON.stringify(row),
                ...(row === null ? { headers: { tombstone: '1' } } : {}),
              })),
            );
          }
          for (const [topic, messages] of byTopic) {
            const wired = topic === changelog ? messages : await writeWire(topic, messages);
            // in pieces: a broker refuses a produce request over its max size (MESSAGE_TOO_LARGE),
            // and one batch of the lab's processor produces ~23 messages per input
            for (let i = 0; i < wired.length; i += SEND_CHUNK) await tx.send(topic, wired.slice(i, i + SEND_CHUNK));
          }
          if (p.offsets.size > 0) {
            await tx.sendOffsets(
              spec.groupId,
              [...p.offsets].map(([topic, offset]) => ({ topic, partition: task.partition, offset })),
            );
          }
          await tx.commit();
        } catch (error) {
          await tx.abort().catch(() => undefined);
          throw error;
        }
      } catch (error) {
        const e = new ShopError(
          isShopError(error) && error.code === 'PRODUCER_FENCED' ? 'PRODUCER_FENCED' : 'COMMIT_FAILED',
          `${spec.name}: commit of partition ${task.partition} failed: ${(error as Error).message}`,
          { cause: error, retriable: true },
        );
        fail(e);
        throw e;
      }
      counters.transactions += 1;
      counters.written += p.produced.length + p.rows.size;
      counters.pending -= p.inputs;
      if (deps.spans) {
        const at = clock.now();
        for (const { topic, message } of p.produced) {
          const span = spanOfMessage(spec.name, topic, message, at);
          if (span) deps.spans.export(span);
        }
      }
      if (p.rows.size > 0) deps.cache?.write(task.partition, p.rows, clock.now());
      if (p.emitted.length > 0) spec.committed?.(p.emitted);
    };
    const commit = run();
    task.committing = commit;
    // Only the commit that settled clears itself: a newer one may already be chained behind it.
    const settled = () => {
      if (task.committing === commit) task.committing = undefined;
    };
    commit.then(settled, settled);
    return commit;
  };

  // ---- backpressure

  let paused = false;
  /** held from outside (the console's "pause station"), whatever the logic's load */
  let held = deps.held ?? false;
  /** Pauses the pausable topics while the logic is full or the work is held, resumes them once neither. */
  const pressure = () => {
    if (!consumer || !spec.pausable) return;
    const full = held || (logic.full?.() ?? false);
    if (full === paused) return;
    paused = full;
    const pausable = new Set(spec.pausable);
    const tps = consumer.assignment().filter((tp) => pausable.has(tp.topic));
    if (full) consumer.pause(tps);
    else consumer.resume(tps);
  };

  // ---- time

  const disarm = () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };

  const arm = () => {
    disarm();
    if (stopping || failed) return;
    const due = logic.nextDeadline();
    if (due === undefined) return;
    timer = clock.setTimeout(onTick, Math.max(0, due - clock.now()));
  };

  const onTick = () => {
    timer = undefined;
    if (stopping || failed || rebalancing || tasks.size === 0) return;
    try {
      const now = clock.now();
      const produced = step(null, now, null);
      for (const p of produced) {
        const key = p.message.key;
        const parent = key ? traces.get(key) : undefined;
        // the same trace as the input that set the deadline, as a span of its own
        if (parent && !p.message.headers?.[TRACEPARENT]) p.message.headers = { ...p.message.headers, ...effectHeaders(parent, spec.name) };
        // what a timer produces passes no middleware: count it here (a station's main output)
        counters.produced.set(p.topic, (counters.produced.get(p.topic) ?? 0) + 1);
      }
      enqueue(produced, firstTask());
      for (const task of tasks.values()) {
        if (task.pending.produced.length > 0 || task.pending.rows.size > 0) schedule(task).catch(() => undefined);
      }
      arm();
      pressure();
    } catch (error) {
      fail(error);
    }
  };

  // ---- partitions

  /** Reads a partition's rows back: the local copy, then the changelog past it. */
  const restore = async (partition: number): Promise<number> => {
    const cached = deps.cache?.load(partition);
    const rows = cached?.rows ?? new Map<string, Row>();
    let from = cached?.from ?? 0;
    for (;;) {
      const messages = await transport.read(changelog, partition, from, 1_000_000);
      if (messages.length === 0) break;
      for (const m of messages) {
        if (m.key === null) continue;
        if (m.value.length === 0) rows.delete(m.key);
        else rows.set(m.key, JSON.parse(new TextDecoder().decode(m.value)));
      }
      from = (messages.at(-1)?.offset ?? from) + 1;
    }
    deps.cache?.restored(partition, rows, from, clock.now());
    for (const key of rows.keys()) taskOfKey.set(key, partition);
    logic.load(rows);
    return rows.size;
  };

  const onAssigned = async (assigned: TopicPartition[]) => {
    rebalancing = false;
    const now = new Set(assigned.map((tp) => tp.partition));
    const gone = [...tasks.keys()].filter((p) => !now.has(p));
    if (gone.length > 0) {
      const goneSet = new Set(gone);
      logic.unload((key) => goneSet.has(taskOfKey.get(key) ?? -1));
      for (const [key, p] of taskOfKey) {
        if (!goneSet.has(p)) continue;
        taskOfKey.delete(key);
        traces.delete(key);
      }
      for (const p of gone) {
        const task = tasks.get(p);
        if (task?.linger) clearTimeout(task.linger);
        tasks.delete(p);
        groups.delete(p);
        await task?.producer.close().catch(() => undefined);
      }
    }
    const fresh = [...now].filter((p) => !tasks.has(p)).sort((a, b) => a - b);
    // a new assignment starts unpaused: pause again if the logic is still full
    paused = false;
    if (spec.local) {
      deps.onPartitions?.(
        [...now].sort((a, b) => a - b),
        false,
      );
      return;
    }
    for (const partition of fresh) {
      // Opening the producer fences a zombie with the same task before anything is read.
      const producer = await transport.transactionalProducer(`${spec.groupId}-${partition}`);
      tasks.set(partition, { partition, producer, pending: emptyPending() });
      const restored = await restore(partition);
      if (restored > 0) logger.info(`${spec.name}: restored ${restored} rows of partition ${partition}`, { partition, rows: restored });
      counters.restored += restored;
      deps.onRestored?.(restored);
      if (ordering) groupOf(partition);
    }
    deps.onPartitions?.(
      [...now].sort((a, b) => a - b),
      false,
    );
    arm();
    pressure();
    // records a kept partition buffered through the rebalance (the embedded log keeps them flowing)
    if (ordering) drainAll();
  };

  const onRevoked = async (revoked: TopicPartition[]) => {
    // Commit what is done before the partitions move (the member keeps its state until it knows
    // the new assignment: an eager rebalance usually hands the same partitions back).
    rebalancing = true;
    disarm();
    // Buffered records of these partitions are read again from the committed offset by whoever
    // owns them next (this member too, on Kafka): drop them before anything else is stepped.
    generation += 1;
    for (const tp of revoked) groups.get(tp.partition)?.reset(tp.topic);
    const parts = new Set(revoked.map((tp) => tp.partition));
    deps.onPartitions?.(
      [...tasks.keys()].filter((p) => !parts.has(p)).sort((a, b) => a - b),
      true,
    );
    await Promise.all([...tasks.values()].filter((t) => parts.has(t.partition)).map((t) => flush(t)));
  };

  const hasPending = (t: Task<X>) =>
    t.pending.inputs > 0 || t.pending.produced.length > 0 || t.pending.rows.size > 0 || t.pending.offsets.size > 0;

  /** Commits everything pending and waits for the commits in progress, until nothing is open. */
  const idle = async () => {
    for (let round = 0; round < 100; round++) {
      if (orderWork.size > 0) {
        await Promise.allSettled([...orderWork]);
        continue;
      }
      const all = [...tasks.values()];
      const open = all.filter((t) => t.committing !== undefined || hasPending(t));
      if (open.length === 0) return;
      await Promise.all(open.map((t) => (hasPending(t) ? flush(t) : t.committing)?.catch(() => undefined)));
      if (failed) return;
    }
  };

  // ---- retention

  let sweepTimer: TimerHandle | undefined;
  const sweepEvery = spec.retentionMs ? Math.min(60_000, Math.max(1_000, spec.retentionMs / 10)) : 0;
  const sweep = () => {
    sweepTimer = undefined;
    if (stopping || failed || !spec.retentionMs || !logic.expired || !logic.remove) return;
    try {
      const keys = logic.expired(clock.now() - spec.retentionMs);
      if (keys.length > 0) {
        logic.remove(keys);
        for (const key of keys) touched.add(key);
        enqueue([], firstTask());
        for (const task of tasks.values()) if (hasPending(task)) schedule(task).catch(() => undefined);
        logger.info(`retention: forgot ${keys.length} orders older than ${Math.round(spec.retentionMs / 60_000)} min`);
      }
    } catch (error) {
      fail(error);
      return;
    }
    sweepTimer = clock.setTimeout(sweep, sweepEvery);
  };

  return {
    name: spec.name,
    crashed,
    async start() {
      consumer = transport.consumer({ groupId: spec.groupId, clientId: spec.clientId ?? spec.name, topics: spec.reads });
      await consumer.run(
        async (batch) => {
          // Stopping: handle nothing more; what is not committed goes to the next owner.
          if (stopping) return;
          await onBatch(batch).catch((error) => {
            fail(error);
            throw error;
          });
        },
        {
          onAssigned: (a) => onAssigned(a).catch((e) => fail(e)),
          onRevoked: (r) => onRevoked(r).catch(() => undefined),
          // the transport gave up on the member: crash, so that the supervisor starts a new one
          onStopped: (e) => fail(e),
        },
      );
      if (sweepEvery > 0) sweepTimer = clock.setTimeout(sweep, sweepEvery);
    },
    idle,
    metrics: () => ({ ...counters, received: new Map(counters.received), produced: new Map(counters.produced) }),
    tasks: () => [...tasks.keys()].sort((a, b) => a - b),
    rows: (keys) => logic.rows(keys),
    inspect: () => logic.inspect?.(),
    kill: (reason) => fail(reason),
    hold(on) {
      held = on;
      pressure();
    },
    held: () => held,
    async stop() {
      stopping = true;
      disarm();
      if (sweepTimer !== undefined) clock.clearTimeout(sweepTimer);
      if (orderTimer !== undefined) clock.clearTimeout(orderTimer);
      // Commit what was handled, then leave the group: the partitions move at once.
      if (!failed) await idle();
      await consumer?.close();
      for (const task of tasks.values()) await task.producer.close().catch(() => undefined);
      tasks.clear();
    },
  };
}
