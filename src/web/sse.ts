import type { Clock, TimerHandle } from '../clock.ts';

export type SseSend = (event: string, data: unknown) => void;

/** Open live streams, so a stopping server can end them before it waits for requests to finish. */
export type LiveStreams = Set<() => void>;

/**
 * A Server-Sent Events response. `start` subscribes and returns its unsubscribe; it runs when the
 * stream opens, and the unsubscribe runs when the stream ends: the client went away (stream
 * cancelled or request aborted) or the server closes it (`registry`). Chunks are bytes (Elysia
 * under Node refuses strings), and a comment line keeps idle connections open through proxies
 * every `heartbeatMs`.
 *
 * @example
 * return sseResponse({ clock, signal: request.signal, start: (send) => view.subscribe((c) => send('order', c.order)) });
 */
export function sseResponse(options: {
  clock: Clock;
  signal?: AbortSignal;
  heartbeatMs?: number;
  registry?: LiveStreams;
  /**
   * bytes that may wait for a client that does not read; past that the stream is dropped (its
   * queue discarded, the connection closed) instead of growing: the browser reconnects and starts
   * again from a snapshot. Default 256 KiB.
   */
  maxBufferedBytes?: number;
  /** runs once when the stream ends, however it ends */
  onEnd?: () => void;
  start: (send: SseSend) => () => void;
}): Response {
  const encoder = new TextEncoder();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let unsubscribe: (() => void) | undefined;
  let timer: TimerHandle | undefined;
  let closed = false;

  const maxBuffered = options.maxBufferedBytes ?? 256 * 1024;
  const end = (closeStream: boolean, drop = false) => {
    if (closed) return;
    closed = true;
    options.registry?.delete(close);
    if (timer !== undefined) options.clock.clearTimeout(timer);
    unsubscribe?.();
    options.onEnd?.();
    if (drop) {
      try {
        // error, not close: close would keep the queue until the client reads it
        controller?.error(new Error('the client does not read its live stream'));
      } catch {
        // already gone
      }
    } else if (closeStream) {
      try {
        controller?.close();
      } catch {
        // already closed by the client
      }
    }
  };
  const close = () => end(true);
  const write = (text: string) => {
    if (closed || !controller) return;
    try {
      controller.enqueue(encoder.encode(text));
    } catch {
      close();
      return;
    }
    // desiredSize = what the queue may still take; below zero the client is behind by that much
    if ((controller.desiredSize ?? 0) < 0) end(true, true);
  };
  const beat = () => {
    write(': keep-alive\n\n');
    if (!closed) timer = options.clock.setTimeout(beat, heartbeatMs);
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        options.signal?.addEventListener('abort', close, { once: true });
        options.registry?.add(close);
        write('retry: 2000\n\n');
        unsubscribe = options.start((event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        if (heartbeatMs > 0) timer = options.clock.setTimeout(beat, heartbeatMs);
      },
      cancel() {
        end(false);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: maxBuffered }),
  );
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}
