import type { LogLine, LogSink } from '../log/logger.ts';
import type { OutgoingMessage, Producer } from '../transport/transport.ts';

/**
 * A log sink that publishes log lines to the logs topic, so a web front end in another process can
 * show every actor's lines about one order. Lines about an order are keyed by its id (they stay in
 * order per order); warnings and errors without an order go too. Lines are batched per tick and
 * sending never blocks or fails the actor that logged.
 */
export interface LogShipper {
  sink: LogSink;
  /** Sends what is buffered; resolves when it is stored. */
  flush(): Promise<void>;
  /** Stops shipping (lines logged afterwards are only written to the console). */
  close(): Promise<void>;
}

export function createLogShipper(producer: Producer, topic: string): LogShipper {
  let buffer: OutgoingMessage[] = [];
  let scheduled: Promise<void> | undefined;
  let closed = false;

  const flush = async () => {
    scheduled = undefined;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    try {
      await producer.send(topic, batch);
    } catch {
      // the console still has the lines; the logs topic is best effort
    }
  };

  return {
    sink(line: LogLine) {
      if (closed) return;
      const orderId = typeof line.orderId === 'string' ? line.orderId : null;
      if (orderId === null && line.level !== 'warn' && line.level !== 'error') return;
      buffer.push({ key: orderId, value: JSON.stringify(line), timestamp: line.at });
      scheduled ??= Promise.resolve().then(flush);
    },
    flush: async () => {
      await scheduled;
      await flush();
    },
    async close() {
      await scheduled;
      await flush();
      closed = true;
    },
  };
}
