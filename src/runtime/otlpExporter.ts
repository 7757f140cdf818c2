import type { Logger } from '../log/logger.ts';
import type { OutgoingMessage } from '../transport/transport.ts';
import { parseTraceparent, SPAN_HEADERS, TRACEPARENT } from './middleware/tracing.ts';

/** One span: a message an actor (or the web) produced, in its order's trace. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** the span of the message it was handled from; absent for a trace's root (the web's order) */
  parentSpanId?: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number>;
}

export interface SpanExporter {
  /** Queues a span; sent in the next batch. Never throws, never waits. */
  export(span: SpanRecord): void;
  /** Sends what is queued now. */
  flush(): Promise<void>;
  /** Flushes, then stops the timer. */
  close(): Promise<void>;
}

/**
 * The span of a produced message, from its trace headers (`traceparent`, `span.parent`), or
 * undefined when it carries none: named `<actor> → <topic>`, a PRODUCER span at `at` (the commit
 * that made it visible).
 */
export function spanOfMessage(actor: string, topic: string, message: OutgoingMessage, at: number): SpanRecord | undefined {
  const own = parseTraceparent(message.headers?.[TRACEPARENT]);
  if (!own) return undefined;
  const parent = message.headers?.[SPAN_HEADERS.parent];
  return {
    traceId: own.traceId,
    spanId: own.spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name: `${actor} → ${topic}`,
    startMs: message.timestamp ?? at,
    endMs: at,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'publish',
      'messaging.destination.name': topic,
      ...(message.key !== null ? { 'messaging.kafka.message.key': message.key } : {}),
      'pizza.actor': actor,
    },
  };
}

const SPAN_KIND_PRODUCER = 4;
const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;

/** OTLP/HTTP JSON (`ExportTraceServiceRequest`): ids as hex strings, times as nanosecond strings. */
export function otlpBody(spans: SpanRecord[], serviceName: string): object {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [
          {
            scope: { name: 'pizza-shop' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: SPAN_KIND_PRODUCER,
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(Math.max(s.startMs, s.endMs)),
              attributes: Object.entries(s.attributes).map(([key, v]) => ({
                key,
                value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
              })),
            })),
          },
        ],
      },
    ],
  };
}

/**
 * Sends spans to an OTLP/HTTP collector (Jaeger, Tempo, the OpenTelemetry Collector: `POST
 * <endpoint>`, JSON) in batches: every `intervalMs` (real time) or at `maxBatch` spans. Tracing
 * must never hold the shop up: a collector that fails or does not answer loses that batch, with a
 * warning (at most one per minute), and the queue is bounded (`maxQueue`, oldest dropped).
 *
 * @example
 * const spans = createOtlpExporter({ endpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'pizza-shop', logger });
 */
export function createOtlpExporter(options: {
  endpoint: string;
  serviceName: string;
  logger: Logger;
  intervalMs?: number;
  maxBatch?: number;
  maxQueue?: number;
  timeoutMs?: number;
}): SpanExporter {
  const intervalMs = options.intervalMs ?? 1_000;
  const maxBatch = options.maxBatch ?? 512;
  const maxQueue = options.maxQueue ?? 10_000;
  let queue: SpanRecord[] = [];
  let sending: Promise<void> = Promise.resolve();
  let lastWarning = 0;
  let closed = false;

  const warn = (message: string) => {
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    options.logger.warn(`OTLP export to ${options.endpoint} failed: ${message} (spans dropped)`);
  };

  const send = async (batch: SpanRecord[]) => {
    try {
      const res = await fetch(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(otlpBody(batch, options.serviceName)),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      if (!res.ok) warn(`HTTP ${res.status}`);
      await res.body?.cancel().catch(() => undefined);
    } catch (error) {
      warn((error as Error).message);
    }
  };

  const flush = (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      sending = sending.then(() => send(batch));
    }
    return sending;
  };

  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref?.();

  return {
    export(span) {
      if (closed) return;
      queue.push(span);
      if (queue.length > maxQueue) queue.splice(0, queue.length - maxQueue);
      if (queue.length >= maxBatch) void flush();
    },
    flush,
    async close() {
      closed = true;
      clearInterval(timer);
      await flush();
    },
  };
}
