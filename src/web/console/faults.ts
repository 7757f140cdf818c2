import { randomBytes } from 'node:crypto';
import type { ShopConfig } from '../../config/shopConfig.ts';
import { type Clock, scaledMs, type TimerHandle } from '../../clock.ts';
import { CATALOGUE, type CatalogueEntry, topicKeyOf } from '../../events/catalogue.ts';
import { changelogTopic } from '../../runtime/host/createActorHost.ts';
import { DEAD_LETTER_HEADERS } from '../../runtime/middleware/deadLetter.ts';
import { childTraceparent, parseTraceparent, SPAN_HEADERS, TRACEPARENT } from '../../runtime/middleware/tracing.ts';
import type { ActorTopology } from '../../topology.ts';
import { partitionForKey } from '../../transport/partitioner.ts';
import type { DeliveredMessage, Headers, Producer, RecordMetadata, Transport } from '../../transport/transport.ts';
import { HttpError } from '../httpErrors.ts';
import type { ProcessMap } from './processMap.ts';
import type { ControlChannel } from '../../control/controlChannel.ts';

/**
 * Fault injection for the teaching console (issue 12): each fault is done to the running shop
 * for real, remembered, and explained from what can be observed afterwards — dead letters,
 * consumer groups' committed offsets, what the fault's message caused (by its own span id), the
 * order's history in the status actor's changelog, the process map — never from canned text alone.
 *
 * - **poison**: a message no reader can take (not JSON, the wrong schema, or no key) → every
 *   actor that reads the topic dead-letters it and commits past it;
 * - **duplicate**: a copy of a message already on a topic (a producer retry) → readers dedupe it:
 *   it causes no output, the order's statuses are not repeated;
 * - **delay**: the same copy sent N kitchen seconds later (a message held up in a network
 *   partition: the log is append-only, a written message cannot be held back) → handled as late;
 * - **kill** / **restart** an actor, **pause** / **resume** a station: done by the processes that
 *   host them (`FaultControls`), observed on the process map and the consumer groups.
 */

/** Header naming what the console injected, on every message it writes. */
export const FAULT_HEADER = 'fault.injected';

export type PoisonKind = 'not-json' | 'wrong-schema' | 'no-key';
export const POISON_KINDS: readonly PoisonKind[] = ['not-json', 'wrong-schema', 'no-key'];

export type FaultKind = 'poison' | 'duplicate' | 'delay' | 'kill' | 'restart' | 'pause' | 'resume';

/**
 * Kills, restarts and pauses go to every process as commands on the control channel
 * (`actor.kill`, `actor.restart`, `station.pause`, `station.resume`); each process acts on those
 * addressed to it or to all. `send` resolves once this process applied it.
 */
export type FaultControls = Pick<ControlChannel, 'send'>;

export interface Fault {
  id: string;
  kind: FaultKind;
  /** shop clock and wall clock when it was done */
  at: number;
  wallAt: number;
  /** one line for people: what was done */
  summary: string;
  topic?: string;
  /** where the injected message landed (poison, duplicate, delayed copy once sent) */
  sent?: RecordMetadata;
  /** the message copied (duplicate, delay) */
  original?: { topic: string; partition: number; offset: number };
  orderId?: string;
  /** the span id the copy carries: what it causes names it as `span.parent` */
  spanId?: string;
  /** delay: when the copy goes out (shop clock), and the timer */
  dueAt?: number;
  timer?: TimerHandle;
  actor?: string;
  /** processes told (kill, restart, pause) */
  processes?: string[];
  /** restarts of the actor per process when killed, from the process map */
  restartsBefore?: Map<string, number>;
  /** end offsets of topics to scan later, taken when the fault was done */
  marks: Map<string, Map<number, number>>;
  /** lag of a paused station's group when paused */
  lagAtPause?: number;
}

/** What the shop did about a fault, as observed now. */
export interface Explanation {
  /** waiting: the shop has not reacted (yet); handled: it did what it should; failed: the fault could not be done */
  state: 'waiting' | 'handled' | 'failed';
  /** the mechanism that handled it: dead letter, dedupe, late handling, restart + restore, backpressure */
  mechanism: string;
  lines: string[];
}

export interface FaultDeps {
  config: ShopConfig;
  transport: Pick<Transport, 'read' | 'endOffsets' | 'committedOffsets'>;
  producer: Producer;
  clock: Clock;
  speed: number;
  topology: ActorTopology[];
  processMap: ProcessMap;
  controls?: FaultControls | undefined;
  now?: () => number;
}

const MAX_FAULTS = 50;
/** how far back a kill's duplicate check looks, per partition of each output topic */
export const DUPLICATE_WINDOW = 2_000;
/**
 * How far past its mark an explanation looks for a fault's effects, per partition: they follow it
 * closely. Every open faults page explains up to MAX_FAULTS faults each second, so reading to the
 * end instead made that work grow with everything the shop wrote since (the log topic above all).
 */
export const EFFECT_WINDOW = 5_000;

const text = (m: DeliveredMessage) => new TextDecoder().decode(m.value);

function refuse(field: string, problem: string): never {
  throw new HttpError('INVALID_REQUEST', `the request is not valid: ${field} ${problem}`, 422, { problems: [{ field, problem }] });
}

/** The poison message of a kind: bytes no reader of `topic` accepts. */
export function poisonMessage(kind: PoisonKind, key: string, at: number): { key: string | null; value: string } {
  switch (kind) {
    case 'not-json':
      return { key, value: `{"status": 100, "timestamp": ${at}, "order": {"sauce": "Tomato"` };
    case 'wrong-schema':
      return { key, value: JSON.stringify({ status: 'baked?', timestamp: 'yesterday', order: 'pepperoni' }) };
    case 'no-key':
      return { key: null, value: JSON.stringify({ status: 100, timestamp: at }) };
  }
}

export function createFaults(deps: FaultDeps) {
  const { config, transport, clock } = deps;
  const wall = deps.now ?? Date.now;
  const faults: Fault[] = [];
  const keyOf = topicKeyOf(config);
  /** topics some actor's job reads (the web's own view aside), in the configuration's order: where a fault on a message means something */
  const readTopics = Object.values(config.topics).filter((t) => deps.topology.some((a) => a.actor !== 'web' && a.consumes.includes(t)));
  /** actors some live process hosts now (all of the topology when no process has published yet) */
  const running = () => {
    const live = deps.processMap.snapshot().processes.filter((p) => !p.stale);
    return live.length === 0 ? undefined : new Set(live.flatMap((p) => p.actors.filter((a) => a.state !== 'stopped').map((a) => a.actor)));
  };
  /** the running actors whose job reads `topic` */
  const readersOf = (topic: string) => {
    const hosted = running();
    return deps.topology.filter((a) => a.consumes.includes(topic) && a.actor !== 'web' && (!hosted || hosted.has(a.actor)));
  };
  const stationNames = ['assemble', 'bake', 'delivery'];

  const remember = (fault: Fault) => {
    faults.unshift(fault);
    for (const old of faults.splice(MAX_FAULTS)) if (old.timer !== undefined) clock.clearTimeout(old.timer);
    return fault;
  };
  const newId = () => randomBytes(4).toString('hex');
  const mark = async (topics: string[]) => {
    const marks = new Map<string, Map<number, number>>();
    for (const t of topics) marks.set(t, await transport.endOffsets(t).catch(() => new Map<number, number>()));
    return marks;
  };
  /** The messages of `topic` written after the mark (at most EFFECT_WINDOW per partition), partition by partition. */
  const since = async (fault: Fault, topic: string, filter?: (m: DeliveredMessage) => boolean) => {
    const out: DeliveredMessage[] = [];
    const ends = await transport.endOffsets(topic);
    for (const [partition, end] of ends) {
      let from = fault.marks.get(topic)?.get(partition) ?? 0;
      const until = Math.min(end, from + EFFECT_WINDOW);
      while (from < until) {
        const batch = await transport.read(topic, partition, from, Math.min(1000, until - from));
        if (batch.length === 0) break;
        for (const m of batch) if (!filter || filter(m)) out.push(m);
        from = (batch.at(-1)?.offset ?? from) + 1;
      }
    }
    return out;
  };
  const statusChangelog = changelogTopic(config.groupIds.status);
  const checkTopic = (topic: string) => {
    if (!readTopics.includes(topic)) refuse('topic', `must be a topic some actor reads: ${readTopics.join(', ')}`);
  };

  /** The message to copy: at a position, or the latest of an order on the topic. */
  const pick = async (target: { topic: string; partition?: number; offset?: number; orderId?: string }): Promise<DeliveredMessage> => {
    checkTopic(target.topic);
    if (target.orderId !== undefined) {
      if (!/^[0-9a-f]{8}$/.test(target.orderId)) refuse('order_id', 'must be an order id (8 lowercase hex)');
      const partitions = (await transport.endOffsets(target.topic)).size;
      const partition = partitionForKey(target.orderId, partitions);
      let latest: DeliveredMessage | undefined;
      for (let from = 0; ; ) {
        const batch = await transport.read(target.topic, partition, from, 1000);
        if (batch.length === 0) break;
        for (const m of batch) if (m.key === target.orderId) latest = m;
        from = (batch.at(-1)?.offset ?? from) + 1;
      }
      if (!latest) throw new HttpError('MESSAGE_NOT_FOUND', `order ${target.orderId} has no message on ${target.topic}`, 404);
      return latest;
    }
    if (target.partition === undefined || target.offset === undefined) {
      refuse('order_id', 'or partition and offset must be given');
    }
    // a partition the topic does not have is the client's mistake (the log would answer a 500)
    const partitions = (await transport.endOffsets(target.topic)).size;
    if (target.partition >= partitions) refuse('partition', `must be below ${partitions} (${target.topic} has ${partitions})`);
    const [m] = await transport.read(target.topic, target.partition, target.offset, 1);
    if (!m || m.offset !== target.offset) {
      throw new HttpError('MESSAGE_NOT_FOUND', `no message at ${target.topic}[${target.partition}]@${target.offset}`, 404);
    }
    return m;
  };

  /** A copy of `m` in a span of its own (same trace), marked as injected. */
  const copyOf = (m: DeliveredMessage, kind: string): { headers: Headers; spanId: string } => {
    const headers: Headers = { ...m.headers };
    headers[TRACEPARENT] = childTraceparent(m.headers[TRACEPARENT]);
    const spanId = parseTraceparent(headers[TRACEPARENT])?.spanId as string;
    headers[FAULT_HEADER] = `${kind}:${m.topic}/${m.partition}/${m.offset}`;
    return { headers, spanId };
  };

  /** Topics whose messages a copy on `topic` could cause: what its readers produce (+ station work). */
  const effectTopics = (topic: string) => [
    ...new Set(readersOf(topic).flatMap((a) => a.produces)),
    config.topics.deadLetter,
    config.topics.logs,
  ];

  const send = async (topic: string, message: { key: string | null; value: string | Uint8Array; headers: Headers }) => {
    try {
      const [meta] = await deps.producer.send(topic, [{ ...message, timestamp: clock.now() }]);
      if (!meta) throw new Error('no position returned');
      return meta;
    } catch (error) {
      if (error instanceof SyntaxError) {
        throw new HttpError('FAULT_REFUSED', `${topic} takes only JSON values in its wire format (Avro): ${error.message}`, 422);
      }
      throw new HttpError('LOG_UNAVAILABLE', `the log is not available right now (${topic}); nothing was injected, try again`, 503);
    }
  };

  const controls = () => {
    if (!deps.controls) throw new HttpError('NO_CONTROL', 'this web cannot reach the processes hosting actors', 503);
    return deps.controls;
  };

  /** Which live processes host `actor` now (the map, read up to now), and the restarts each reports; 409 when none. */
  const hosting = async (actor: string) => {
    await deps.processMap.refresh();
    const restarts = new Map<string, number>();
    for (const p of deps.processMap.snapshot().processes) {
      if (p.stale) continue;
      const a = p.actors.find((x) => x.actor === actor);
      if (a && a.state !== 'stopped') restarts.set(p.process, a.restarts);
    }
    if (restarts.size === 0) throw new HttpError('ACTOR_NOT_RUNNING', `no live process hosts ${actor} now (see the process map)`, 409);
    controls();
    return restarts;
  };

  return {
    readTopics,
    list: () => [...faults],
    get: (id: string) => faults.find((f) => f.id === id),

    async poison(topic: string, kind: PoisonKind, key?: string): Promise<Fault> {
      checkTopic(topic);
      if (key !== undefined && !/^[0-9a-f]{8}$/.test(key)) refuse('key', 'must be an order id (8 lowercase hex)');
      const at = clock.now();
      const poison = poisonMessage(kind, key ?? randomBytes(4).toString('hex'), at);
      const marks = await mark([config.topics.deadLetter]);
      const sent = await send(topic, { ...poison, headers: { [FAULT_HEADER]: `poison:${kind}` } });
      return remember({
        id: newId(),
        kind: 'poison',
        at,
        wallAt: wall(),
        summary: `poison (${kind}) into ${topic}[${sent.partition}]@${sent.offset}`,
        topic,
        sent,
        ...(poison.key ? { orderId: poison.key } : {}),
        marks,
      });
    },

    async duplicate(target: { topic: string; partition?: number; offset?: number; orderId?: string }): Promise<Fault> {
      const m = await pick(target);
      const { headers, spanId } = copyOf(m, 'duplicate');
      const marks = await mark([...effectTopics(m.topic), statusChangelog]);
      const at = clock.now();
      const sent = await send(m.topic, { key: m.key, value: m.value, headers });
      return remember({
        id: newId(),
        kind: 'duplicate',
        at,
        wallAt: wall(),
        summary: `duplicate of ${m.topic}[${m.partition}]@${m.offset} → @${sent.offset}`,
        topic: m.topic,
        sent,
        original: { topic: m.topic, partition: m.partition, offset: m.offset },
        ...(m.key ? { orderId: m.key } : {}),
        spanId,
        marks,
      });
    },

    async delay(target: { topic: string; partition?: number; offset?: number; orderId?: string }, seconds: number): Promise<Fault> {
      const m = await pick(target);
      const { headers, spanId } = copyOf(m, 'delay');
      const at = clock.now();
      const ms = scaledMs(seconds, deps.speed);
      const fault: Fault = remember({
        id: newId(),
        kind: 'delay',
        at,
        wallAt: wall(),
        summary: `copy of ${m.topic}[${m.partition}]@${m.offset} held ${seconds} kitchen s (${ms} ms at speed ${deps.speed})`,
        topic: m.topic,
        original: { topic: m.topic, partition: m.partition, offset: m.offset },
        ...(m.key ? { orderId: m.key } : {}),
        spanId,
        dueAt: at + ms,
        marks: new Map(),
      });
      fault.timer = clock.setTimeout(() => {
        fault.timer = undefined;
        void (async () => {
          fault.marks = await mark([...effectTopics(m.topic), statusChangelog]);
          fault.sent = await send(m.topic, { key: m.key, value: m.value, headers });
        })().catch(() => {
          fault.summary += ' — the log refused the late copy';
        });
      }, ms);
      return fault;
    },

    async kill(actor: string, issuer: string): Promise<Fault> {
      const before = await hosting(actor);
      const processes = [...before.keys()];
      const marks = await mark(deps.topology.find((a) => a.actor === actor)?.produces ?? []);
      const at = clock.now();
      const wallAt = wall();
      await controls().send({ type: 'actor.kill', actor }, issuer);
      return remember({
        id: newId(),
        kind: 'kill',
        at,
        wallAt,
        summary: `killed ${actor} in ${processes.join(', ')}`,
        actor,
        processes,
        restartsBefore: before,
        marks,
      });
    },

    async restart(actor: string, issuer: string): Promise<Fault> {
      const before = await hosting(actor);
      const processes = [...before.keys()];
      const at = clock.now();
      const wallAt = wall();
      await controls().send({ type: 'actor.restart', actor }, issuer);
      return remember({
        id: newId(),
        kind: 'restart',
        at,
        wallAt,
        summary: `restarted ${actor} in ${processes.join(', ')}`,
        actor,
        processes,
        restartsBefore: before,
        marks: new Map(),
      });
    },

    async pause(station: string, paused: boolean, issuer: string): Promise<Fault> {
      if (!stationNames.includes(station)) refuse('station', `must be one of ${stationNames.join(', ')}`);
      const processes = [...(await hosting(station)).keys()];
      const lag = await workLag(station);
      await controls().send({ type: paused ? 'station.pause' : 'station.resume', station }, issuer);
      return remember({
        id: newId(),
        kind: paused ? 'pause' : 'resume',
        at: clock.now(),
        wallAt: wall(),
        summary: `${paused ? 'paused' : 'resumed'} ${station} in ${processes.join(', ')}`,
        actor: station,
        processes,
        lagAtPause: lag,
        marks: new Map(),
      });
    },

    explain,

    /** Cancels the copies still held (the web is stopping): they are not sent. */
    stop() {
      for (const fault of faults) {
        if (fault.timer === undefined) continue;
        clock.clearTimeout(fault.timer);
        fault.timer = undefined;
        fault.summary += ' — not sent: the web stopped first';
      }
    },
  };

  /** Messages of a station's work topics its group has not committed yet. */
  async function workLag(station: string): Promise<number> {
    const actor = deps.topology.find((a) => a.actor === station);
    if (!actor) return 0;
    let lag = 0;
    for (const topic of actor.consumes.filter((t) => t !== config.topics.pizzaCancelled)) {
      const ends = await transport.endOffsets(topic);
      const committed = await transport.committedOffsets(actor.groupId, topic);
      for (const [p, end] of ends) lag += Math.max(0, end - (committed.get(p) ?? 0));
    }
    return lag;
  }

  /** Whether each reader's group committed past a position. */
  async function committedPast(topic: string, partition: number, offset: number) {
    return Promise.all(
      readersOf(topic).map(async (a) => {
        const committed = (await transport.committedOffsets(a.groupId, topic)).get(partition) ?? 0;
        return { actor: a.actor, committed, past: committed > offset };
      }),
    );
  }

  /**
   * The order's history as the status actor's changelog holds it: its latest row written since the
   * fault's mark (the copy's record is written after it; the changelog of the embedded log is never
   * compacted, so reading it from the start grew with every order ever placed).
   */
  async function orderHistory(orderId: string, fault: Fault) {
    const partitions = (await transport.endOffsets(statusChangelog).catch(() => new Map<number, number>())).size;
    if (partitions === 0) return undefined;
    const partition = partitionForKey(orderId, partitions);
    const rows = await since(fault, statusChangelog, (m) => m.partition === partition && m.key === orderId);
    const last = rows.at(-1);
    const row: { context?: { history?: { event: string; applied: boolean; reason?: string; source: string }[] } } | undefined =
      !last || last.value.length === 0 ? undefined : JSON.parse(text(last));
    return row?.context?.history;
  }

  async function explainCopy(fault: Fault, lines: string[]): Promise<Explanation['state']> {
    const sent = fault.sent as RecordMetadata;
    const readers = await committedPast(sent.topic, sent.partition, sent.offset);
    for (const r of readers) {
      lines.push(
        `${r.actor} ${r.past ? 'took the copy and committed past it' : 'has not committed past the copy yet'} (its group at offset ${r.committed}).`,
      );
    }
    const caused = (
      await Promise.all(
        effectTopics(sent.topic)
          .filter((t) => t !== config.topics.logs)
          .map((t) => since(fault, t, (m) => m.headers[SPAN_HEADERS.parent] === fault.spanId)),
      )
    ).flat();
    const stages = caused.filter((m) => {
      const key = keyOf(m.topic);
      return key !== undefined && key !== 'stationWork' && key !== 'deadLetter' && CATALOGUE[key].keyedByOrder;
    });
    if (stages.length === 0) lines.push('The copy caused no stage message and no status change: its readers deduped it.');
    else lines.push(`The copy caused ${stages.length} message(s): ${stages.map((m) => `${m.topic}@${m.offset}`).join(', ')}.`);
    // readers that do not dedupe (the lab's transactions: a stateless map, exactly-once per offset, and a copy is a new offset)
    const others = new Map<string, number>();
    for (const m of caused) {
      if (stages.includes(m) || m.topic === config.topics.stationWork || m.topic === config.topics.deadLetter) continue;
      others.set(m.topic, (others.get(m.topic) ?? 0) + 1);
    }
    for (const [topic, n] of others) {
      lines.push(`${n} message(s) on ${topic} came from the copy: its writer maps each input offset once and does not dedupe by order.`);
    }
    if (fault.orderId) {
      const ignored = await since(fault, config.topics.logs, (m) => m.key === fault.orderId && text(m).includes('ignored'));
      for (const m of ignored.slice(0, 6)) {
        try {
          const line = JSON.parse(text(m)) as { actor?: string; msg?: string };
          lines.push(`${line.actor ?? '?'} logged: "${line.msg ?? ''}".`);
        } catch {
          // a log line that is not JSON: nothing to quote
        }
      }
      const history = await orderHistory(fault.orderId, fault).catch(() => undefined);
      const recorded = (history ?? []).filter((h) => !h.applied && h.source === sent.topic);
      if (recorded.length > 0) {
        lines.push(
          `The order machine recorded it without moving back: ${recorded.map((h) => `${h.event} (${h.reason ?? 'not applied'})`).join(', ')}.`,
        );
      }
    }
    return readers.every((r) => r.past) ? (stages.length === 0 ? 'handled' : 'failed') : 'waiting';
  }

  async function explain(fault: Fault): Promise<Explanation> {
    const lines: string[] = [];
    switch (fault.kind) {
      case 'poison': {
        const sent = fault.sent as RecordMetadata;
        const letters = await since(
          fault,
          config.topics.deadLetter,
          (m) =>
            m.headers[DEAD_LETTER_HEADERS.topic] === sent.topic &&
            m.headers[DEAD_LETTER_HEADERS.partition] === String(sent.partition) &&
            m.headers[DEAD_LETTER_HEADERS.offset] === String(sent.offset),
        );
        for (const l of letters) {
          lines.push(
            `${l.headers[DEAD_LETTER_HEADERS.actor]} sent it to ${l.topic}[${l.partition}]@${l.offset}: ${l.headers[DEAD_LETTER_HEADERS.reason]}.`,
          );
        }
        const readers = await committedPast(sent.topic, sent.partition, sent.offset);
        const lettered = new Set(letters.map((l) => l.headers[DEAD_LETTER_HEADERS.actor]));
        for (const r of readers) {
          // an actor keeping local state (the lab's stock keeper) counts and skips what it cannot read
          const how = lettered.has(r.actor) ? '' : ' (skipped and counted: it keeps its state locally, no dead letter)';
          lines.push(
            r.past
              ? `${r.actor} carried on: its group committed past the poison (offset ${r.committed} > ${sent.offset})${how}.`
              : `${r.actor} has not committed past it yet (offset ${r.committed}).`,
          );
        }
        const dlq = config.topics.deadLetter;
        const total = [...(await transport.endOffsets(dlq)).values()].reduce((n, end) => n + end, 0);
        const before = [...(fault.marks.get(dlq)?.values() ?? [])].reduce((n, end) => n + end, 0);
        lines.push(`${dlq} holds ${total} message(s): ${total - before} more than when the poison was written.`);
        const done = readers.length > 0 && readers.every((r) => r.past) && letters.length > 0;
        return { state: done ? 'handled' : 'waiting', mechanism: 'dead letter', lines };
      }
      case 'duplicate': {
        const state = await explainCopy(fault, lines);
        return { state, mechanism: 'dedupe', lines };
      }
      case 'delay': {
        if (!fault.sent) {
          lines.push(`Held: goes out at shop time ${new Date(fault.dueAt ?? 0).toISOString()}.`);
          return { state: 'waiting', mechanism: 'late handling', lines };
        }
        lines.push(`Sent late to ${fault.sent.topic}[${fault.sent.partition}]@${fault.sent.offset}.`);
        const state = await explainCopy(fault, lines);
        return { state, mechanism: 'late handling', lines };
      }
      case 'kill':
      case 'restart': {
        const actor = fault.actor as string;
        const snapshot = deps.processMap.snapshot();
        let back = 0;
        for (const process of fault.processes ?? []) {
          const p = snapshot.processes.find((x) => x.process === process);
          const a = p?.actors.find((x) => x.actor === actor);
          if (!p || !a) {
            lines.push(`${process}: not on the map (yet).`);
            continue;
          }
          // back once the new instance runs and its group handed it partitions (their rows restored by then)
          const again = a.instance_started_at > fault.wallAt && a.state === 'running' && a.partitions.length > 0;
          if (again) {
            back += 1;
            lines.push(
              `${process}: ${actor} ${fault.kind === 'kill' ? `crashed (restarts ${fault.restartsBefore?.get(process) ?? 0} → ${a.restarts}) and ` : ''}was running again after ${a.instance_started_at - fault.wallAt} ms, restored ${a.restored_rows} state rows from its changelog, owns partitions ${a.partitions.join(', ') || '–'}.`,
            );
          } else lines.push(`${process}: ${actor} is ${a.state}${a.last_crash ? ` (${a.last_crash})` : ''}.`);
        }
        for (const c of snapshot.changes.filter((c) => c.actor === actor && c.at >= fault.wallAt).slice(0, 6)) {
          lines.push(`map: ${c.process} ${c.what}.`);
        }
        if (fault.kind === 'kill') {
          const { dupes, orders } = await duplicatesSince(fault);
          lines.push(
            dupes.length > 0
              ? `Orders with two messages on an output topic: ${dupes.slice(0, 5).join(', ')}.`
              : orders === 0
                ? 'No order passed its output topics around the kill yet: nothing to compare.'
                : `None of the ${orders} orders on its output topics around the kill has two messages there: what it had not committed was an open transaction, aborted, and done once by the new instance.`,
          );
        }
        const all = back === (fault.processes?.length ?? 0);
        return { state: all ? 'handled' : 'waiting', mechanism: fault.kind === 'kill' ? 'restart + restore' : 'graceful restart', lines };
      }
      case 'pause':
      case 'resume': {
        const lag = await workLag(fault.actor as string);
        lines.push(
          fault.kind === 'pause'
            ? `${fault.actor} takes no new work: ${lag} message(s) wait on its work topics (${fault.lagAtPause ?? 0} when paused). Pizzas it had taken finish; cancels still reach it.`
            : `${fault.actor} takes work again: ${lag} message(s) wait on its work topics (${fault.lagAtPause ?? 0} when resumed).`,
        );
        const pausedNow = deps.processMap
          .snapshot()
          .processes.filter((p) => !p.stale && p.actors.some((a) => a.actor === fault.actor && a.paused)).length;
        lines.push(`Processes reporting ${fault.actor} paused: ${pausedNow}.`);
        return { state: 'handled', mechanism: 'consumer pause (backpressure)', lines };
      }
    }
  }

  /** Keys that appear twice on the killed actor's stage outputs, in a window around the kill, and how many keys were there. */
  async function duplicatesSince(fault: Fault): Promise<{ dupes: string[]; orders: number }> {
    const dupes: string[] = [];
    const orders = new Set<string>();
    for (const [topic, marks] of fault.marks) {
      const key = keyOf(topic);
      if (!key || !(CATALOGUE[key] as CatalogueEntry).stage) continue;
      const seen = new Map<string, number>();
      const ends = await transport.endOffsets(topic);
      for (const [partition, end] of ends) {
        const at = marks.get(partition) ?? 0;
        let from = Math.max(0, at - DUPLICATE_WINDOW);
        const until = Math.min(end, at + DUPLICATE_WINDOW);
        while (from < until) {
          const batch = await transport.read(topic, partition, from, Math.min(1000, until - from));
          if (batch.length === 0) break;
          for (const m of batch) if (m.key) seen.set(m.key, (seen.get(m.key) ?? 0) + 1);
          from = (batch.at(-1)?.offset ?? from) + 1;
        }
      }
      for (const [k, n] of seen) {
        orders.add(k);
        if (n > 1) dupes.push(`${k} on ${topic}`);
      }
    }
    return { dupes, orders: orders.size };
  }
}

export type Faults = ReturnType<typeof createFaults>;
