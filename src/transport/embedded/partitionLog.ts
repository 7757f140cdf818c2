import type { LogStore, StoredMessage } from './logStore.ts';

/**
 * One partition of a topic: its offsets, an in-memory tail of recent messages and the readers
 * waiting for more. Offsets are handed out when a message is accepted (`next`), but a message is
 * readable only once its batch is stored (`end`): a consumer never sees a message a crash could
 * still lose.
 */
export class PartitionLog {
  /** offset the next accepted message gets (counts messages still waiting to be written) */
  next: number;
  /** offset after the last stored message: offsets below it are readable */
  end: number;
  private tail: StoredMessage[] = [];
  private tailStart: number;
  private readonly listeners = new Set<() => void>();

  /**
   * @param tailLimit messages kept in memory (at least this many, at most twice); `null` keeps all
   *   of them — the in-memory mode, where the tail is the whole log.
   */
  constructor(
    readonly topic: string,
    readonly partition: number,
    end: number,
    private readonly store: LogStore,
    private readonly tailLimit: number | null,
  ) {
    this.next = end;
    this.end = end;
    this.tailStart = end;
  }

  /** Called once a batch holding these messages (consecutive offsets from `end`) is stored. */
  stored(messages: StoredMessage[]): void {
    if (messages.length === 0) return;
    for (const m of messages) this.tail.push(m);
    this.end = this.tailStart + this.tail.length;
    if (this.tailLimit !== null && this.tail.length > 2 * this.tailLimit) {
      const drop = this.tail.length - this.tailLimit;
      this.tail = this.tail.slice(drop);
      this.tailStart += drop;
    }
    for (const wake of this.listeners) wake();
  }

  /** A write failed: offsets handed out for messages that were not stored are given back. */
  rollback(): void {
    this.next = this.end;
  }

  /** Up to `limit` readable messages from offset `from` on, in order (empty at the end). */
  read(from: number, limit: number): StoredMessage[] {
    if (from >= this.end) return [];
    if (from >= this.tailStart) return this.tail.slice(from - this.tailStart, from - this.tailStart + limit);
    return this.store.read(this.topic, this.partition, from, Math.min(limit, this.tailStart - from));
  }

  /** `wake` is called (synchronously) whenever messages become readable; returns the unsubscribe. */
  listen(wake: () => void): () => void {
    this.listeners.add(wake);
    return () => this.listeners.delete(wake);
  }
}
