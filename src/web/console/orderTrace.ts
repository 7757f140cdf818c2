import type { WireFormat } from '../../events/wireFormat.ts';
import { parseTraceparent, SPAN_HEADERS, TRACEPARENT } from '../../runtime/middleware/tracing.ts';
import { type ActorTopology, producerOf } from '../../topology.ts';
import { partitionForKey } from '../../transport/partitioner.ts';
import type { Transport } from '../../transport/transport.ts';
import { type BrowsedMessage, browseMessages } from './browseMessages.ts';

/** Where a message is: `pizza-baked[2]@17`. */
export interface MessageRef {
  topic: string;
  partition: number;
  offset: number;
}

/** One message of an order, linked to what caused it and to what each of its readers emitted. */
export interface TraceStep extends MessageRef {
  timestamp: number;
  /** the actor that wrote it (its `span.actor` header, else the topic's producer in the topology) */
  actor: string;
  traceId: string | null;
  spanId: string | null;
  encoding: BrowsedMessage['encoding'];
  value: unknown;
  /** the message whose handling produced this one (by `span.parent`), when it is one of the order's */
  causedBy: MessageRef | null;
  /** every actor whose job reads the topic, and the messages it emitted because of this one */
  readBy: { actor: string; emitted: MessageRef[] }[];
  /** on the status topic: the order's status before (the previous status message) and after this one */
  statusChange?: { from: number | null; to: number };
}

export interface OrderTrace {
  orderId: string;
  /** the trace ids seen: one when every message carried the order's trace */
  traceIds: string[];
  steps: TraceStep[];
}

export const refText = (r: MessageRef) => `${r.topic}[${r.partition}]@${r.offset}`;

/**
 * Cause and effect for one order: every message keyed by its id on the given topics (read from the
 * key's partition, oldest first), linked by the trace headers the actor host writes —
 * `traceparent` (the message's own span), `span.parent` (the span of the message it was handled
 * from) and `span.actor`. A message read by an actor and what that actor emitted because of it
 * become one step of the timeline.
 *
 * @example
 * const trace = await orderTrace(transport, topology, ['pizza-ordered', 'pizza-assembled'], '1a2b3c4d');
 * trace.steps[0]?.readBy; // [{ actor: 'assemble', emitted: [{ topic: 'pizza-assembled', … }] }, …]
 */
export async function orderTrace(
  transport: Pick<Transport, 'read' | 'endOffsets'>,
  topology: ActorTopology[],
  topics: string[],
  orderId: string,
  wire?: WireFormat,
  /** the topic whose messages carry the order's status (`{status}`): their steps get `statusChange` */
  statusTopic?: string,
): Promise<OrderTrace> {
  const found: BrowsedMessage[] = [];
  for (const topic of topics) {
    let partitions: number;
    try {
      partitions = (await transport.endOffsets(topic)).size;
    } catch {
      continue; // not created yet: nothing of this order there
    }
    if (partitions === 0) continue;
    const partition = partitionForKey(orderId, partitions);
    const page = await browseMessages(transport, { topic, partition, key: orderId, newestFirst: false, limit: 500 }, wire);
    found.push(...page.messages);
  }
  const ref = (m: BrowsedMessage): MessageRef => ({ topic: m.topic, partition: m.partition, offset: m.offset });
  const bySpan = new Map<string, BrowsedMessage>();
  const children = new Map<string, BrowsedMessage[]>();
  for (const m of found) {
    const own = parseTraceparent(m.headers[TRACEPARENT]);
    if (own) bySpan.set(own.spanId, m);
    const parent = m.headers[SPAN_HEADERS.parent];
    if (parent) children.set(parent, [...(children.get(parent) ?? []), m]);
  }
  // Time order; within one millisecond (speed 0) a cause before its effects: by depth in the tree.
  const depth = new Map<BrowsedMessage, number>();
  const depthOf = (m: BrowsedMessage, seen = 0): number => {
    const known = depth.get(m);
    if (known !== undefined) return known;
    const parent = m.headers[SPAN_HEADERS.parent];
    const cause = parent ? bySpan.get(parent) : undefined;
    const d = cause && cause !== m && seen < found.length ? depthOf(cause, seen + 1) + 1 : 0;
    depth.set(m, d);
    return d;
  };
  found.sort((a, b) => a.timestamp - b.timestamp || depthOf(a) - depthOf(b) || a.topic.localeCompare(b.topic) || a.offset - b.offset);

  const traceIds = new Set<string>();
  const steps = found.map((m): TraceStep => {
    const own = parseTraceparent(m.headers[TRACEPARENT]);
    if (own) traceIds.add(own.traceId);
    const parentSpan = m.headers[SPAN_HEADERS.parent];
    const cause = parentSpan ? bySpan.get(parentSpan) : undefined;
    const effects = own ? (children.get(own.spanId) ?? []) : [];
    const readers = topology.filter((a) => a.consumes.includes(m.topic)).map((a) => a.actor as string);
    // an actor that emitted because of it read it, even if the topology does not list it (a redrive)
    for (const e of effects) {
      const by = e.headers[SPAN_HEADERS.actor];
      if (by && !readers.includes(by)) readers.push(by);
    }
    return {
      ...ref(m),
      timestamp: m.timestamp,
      actor: m.headers[SPAN_HEADERS.actor] ?? producerOf(topology, m.topic) ?? 'unknown',
      traceId: own?.traceId ?? null,
      spanId: own?.spanId ?? null,
      encoding: m.encoding,
      value: m.value,
      causedBy: cause ? ref(cause) : null,
      readBy: readers.map((actor) => ({ actor, emitted: effects.filter((e) => e.headers[SPAN_HEADERS.actor] === actor).map(ref) })),
    };
  });
  let status: number | null = null;
  for (const step of steps) {
    const to = (step.value as { status?: unknown } | null)?.status;
    if (step.topic !== statusTopic || typeof to !== 'number') continue;
    step.statusChange = { from: status, to };
    status = to;
  }
  return { orderId, traceIds: [...traceIds], steps };
}
