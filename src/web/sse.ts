import type { Clock, TimerHandle } from '../clock.ts';

export type SseSend = (event: string, data: unknown) => void;

/**
 * A Server-Sent Events response. `start` subscribes and returns its unsubscribe; it runs when the
 * stream opens, and the unsubscribe runs when the client goes away (stream cancelled or request
 * aborted). Chunks are bytes (Elysia under Node refuses strings), and a comment line keeps idle
 * connections open through proxies every `heartbeatMs`.
 *
 * @example
 * return sseResponse({ clock, signal: request.signal, start: (send) => view.subscribe((c) => send('order', c.order)) });
 */
export function sseResponse(options: {
  clock: Clock;
  signal?: AbortSignal;
  heartbeatMs?: number;
  start: (send: SseSend) => () => void;
}): Response {
  const encoder = new TextEncoder();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let stop: (() => void) | undefined;
  let timer: TimerHandle | undefined;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close();
        }
      };
      const close = () => {
        if (closed) return;
        closed = true;
        if (timer !== undefined) options.clock.clearTimeout(timer);
        stop?.();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      const beat = () => {
        write(': keep-alive\n\n');
        if (!closed) timer = options.clock.setTimeout(beat, heartbeatMs);
      };
      options.signal?.addEventListener('abort', close, { once: true });
      write('retry: 2000\n\n');
      stop = options.start((event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      if (heartbeatMs > 0) timer = options.clock.setTimeout(beat, heartbeatMs);
    },
    cancel() {
      closed = true;
      if (timer !== undefined) options.clock.clearTimeout(timer);
      stop?.();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}
