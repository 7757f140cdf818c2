import type { DeliveredMessage, Headers } from '../transport.ts';

/** One message as the embedded log keeps it (the value is the log's own copy: never mutate it). */
export interface StoredMessage {
  offset: number;
  key: string | null;
  value: Uint8Array;
  headers: Headers;
  timestamp: number;
}

/**
 * A stored message as a reader gets it: its own copy of the value and headers, so a handler may keep
 * or change it without touching the log.
 */
export function deliveredCopy(topic: string, partition: number, m: StoredMessage): DeliveredMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: new Uint8Array(m.value),
    headers: { ...m.headers },
    timestamp: m.timestamp,
  };
}

export interface StoredAppend {
  topic: string;
  partition: number;
  message: StoredMessage;
}

export interface StoredCommit {
  groupId: string;
  topic: string;
  partition: number;
  offset: number;
}

/** Everything one group commit writes: applied all together or not at all. */
export interface WriteBatch {
  appends: StoredAppend[];
  commits: StoredCommit[];
}

/**
 * Where the embedded log keeps its messages, topics and committed offsets. The log itself holds
 * every partition's end and a tail of recent messages in memory; the store is only asked to
 * persist batches and to read back what fell out of that tail (or was written before a restart).
 */
export interface LogStore {
  /** true when what `write` accepted survives a restart */
  readonly durable: boolean;
  loadTopics(): { topic: string; partitions: number }[];
  /** offset after the last stored message of a partition (0 for an empty one) */
  endOffset(topic: string, partition: number): number;
  loadCommits(): StoredCommit[];
  saveTopic(topic: string, partitions: number): void;
  /** Writes a batch in one transaction; throws (writing nothing) when it cannot. */
  write(batch: WriteBatch): void;
  /** Up to `limit` messages of a partition from offset `from` on, in offset order. */
  read(topic: string, partition: number, from: number, limit: number): StoredMessage[];
  close(): void;
}

/**
 * The in-memory mode: nothing is written anywhere. The partition logs keep every message in
 * memory (their tail cache is unbounded), so `read` is never needed.
 */
export function memoryLogStore(): LogStore {
  return {
    durable: false,
    loadTopics: () => [],
    endOffset: () => 0,
    loadCommits: () => [],
    saveTopic: () => {},
    write: () => {},
    read: () => [],
    close: () => {},
  };
}
