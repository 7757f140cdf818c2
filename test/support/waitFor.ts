export interface WaitForOptions {
  /** upper bound of the wait; default 30 s (a Kafka rebalance takes seconds) */
  timeoutMs?: number;
  /** what was expected, for the failure message; a function is called at failure time (show state) */
  message: string | (() => string);
}

/**
 * Polls `predicate` until it holds, for waits on real I/O (a broker, a file, another member's
 * rebalance). Not a sleep: it returns as soon as the predicate holds, checking first after every
 * turn of the event loop and then every 10 ms, and fails with a clear message at the bound.
 *
 * @example
 * await waitFor(() => seen.length === 10, { message: () => `expected 10 messages, saw ${seen.length}` });
 */
export async function waitFor(predicate: () => boolean | Promise<boolean>, options: WaitForOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (await predicate()) return;
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      const message = typeof options.message === 'function' ? options.message() : options.message;
      throw new Error(`waitFor: gave up after ${waited} ms: ${message}`);
    }
    // In-process transports settle within a few event-loop turns; real I/O gets a 10 ms poll.
    if (attempt < 50) await new Promise<void>((resolve) => setImmediate(resolve));
    else await new Promise<void>((resolve) => setTimeout(resolve, Math.min(10, timeoutMs - waited)));
  }
}
