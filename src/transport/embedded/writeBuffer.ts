import { ShopError } from '../../errors.ts';
import type { LogStore, StoredCommit, StoredMessage } from './logStore.ts';
import type { PartitionLog } from './partitionLog.ts';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Group commit: every append and offset commit requested in the same turn of the event loop is
 * written in one SQLite transaction, flushed on a microtask (no timer, so virtual-time tests need
 * no real waiting). Callers are answered only after their batch is stored; then the new messages
 * become readable and waiting consumers are woken.
 */
export class WriteBuffer {
  private appends: { log: PartitionLog; message: StoredMessage }[] = [];
  private commits: StoredCommit[] = [];
  private afterCommit: (() => void)[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;

  constructor(
    private readonly store: LogStore,
    private readonly onFlushed: () => void,
  ) {}

  /** true while something is waiting to be written */
  get pending(): boolean {
    return this.waiters.length > 0;
  }

  /** Queues messages (offsets already taken from `log.next`); resolves once they are stored. */
  append(log: PartitionLog, messages: StoredMessage[]): Promise<void> {
    for (const message of messages) this.appends.push({ log, message });
    return this.enqueue();
  }

  /** Queues offset commits; `apply` runs once they are stored (it updates the in-memory view). */
  commit(commits: StoredCommit[], apply: () => void): Promise<void> {
    this.commits.push(...commits);
    this.afterCommit.push(apply);
    return this.enqueue();
  }

  /**
   * Queues a transaction's messages and offsets together: they are written in the same SQLite
   * transaction (group commit never splits what one call queued), and `apply` runs in the same
   * synchronous step that makes the messages readable — no reader sees one without the other.
   */
  transaction(appends: [PartitionLog, StoredMessage[]][], commits: StoredCommit[], apply: () => void): Promise<void> {
    for (const [log, messages] of appends) for (const message of messages) this.appends.push({ log, message });
    this.commits.push(...commits);
    this.afterCommit.push(apply);
    return this.enqueue();
  }

  /** Writes everything queued now (also called on close, so nothing accepted is dropped). */
  flush(): void {
    this.scheduled = false;
    if (this.waiters.length === 0) return;
    const { appends, commits, afterCommit, waiters } = this;
    this.appends = [];
    this.commits = [];
    this.afterCommit = [];
    this.waiters = [];
    try {
      this.store.write({
        appends: appends.map(({ log, message }) => ({ topic: log.topic, partition: log.partition, message })),
        commits,
      });
    } catch (cause) {
      for (const { log } of appends) log.rollback();
      const error = new ShopError(
        'LOG_WRITE_FAILED',
        `embedded log: could not store ${appends.length} message(s) and ${commits.length} commit(s): ${(cause as Error).message}`,
        {
          retriable: true,
          cause,
        },
      );
      for (const w of waiters) w.reject(error);
      this.onFlushed();
      return;
    }
    const byLog = new Map<PartitionLog, StoredMessage[]>();
    for (const { log, message } of appends) {
      const list = byLog.get(log);
      if (list) list.push(message);
      else byLog.set(log, [message]);
    }
    for (const [log, messages] of byLog) log.stored(messages);
    for (const apply of afterCommit) apply();
    for (const w of waiters) w.resolve();
    this.onFlushed();
  }

  private enqueue(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
    return done;
  }
}
