import type { PartitionLog } from './partitionLog.ts';
import type { WriteBuffer } from './writeBuffer.ts';

/** What consumer groups and their members need from the embedded log that owns them. */
export interface LogCore {
  /** Partition count of a topic; throws UNKNOWN_TOPIC (or creates it, when the log has defaultPartitions). */
  partitionCount(topic: string): number;
  partitionLog(topic: string, partition: number): PartitionLog;
  readonly writes: WriteBuffer;
  /** committed offsets of a group, by `tpKey` (updated once a commit is stored) */
  committed(groupId: string): Map<string, number>;
  /** something changed that may make the log idle: re-check `whenIdle` waiters */
  notify(): void;
  /** an error nobody awaits (a handler or rebalance listener threw) */
  reportError(error: unknown, context: string): void;
}

/** Map key of a topic-partition (topic names cannot contain ':'). */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}
