import type { OffsetCommit, TopicPartition } from '../transport/transport.ts';

/**
 * Which offsets may be committed when work finishes out of order (DESIGN-NOTES 3). Kafka keeps one
 * committed position per partition, so with several pizzas in progress the position may only move
 * up to the lowest offset whose work is not finished yet.
 *
 * @example
 * const t = new OffsetTracker();
 * t.begin({ topic: 'pizza-baked', partition: 0 }, 7);
 * t.begin({ topic: 'pizza-baked', partition: 0 }, 8);
 * t.finish({ topic: 'pizza-baked', partition: 0 }, 8); // undefined: 7 is still in progress
 * t.finish({ topic: 'pizza-baked', partition: 0 }, 7); // { topic, partition: 0, offset: 9 }
 */
export class OffsetTracker {
  private readonly partitions = new Map<string, PartitionState>();

  /** Records that the message at `offset` was received and its work started. */
  begin(tp: TopicPartition, offset: number): void {
    const state = this.state(tp);
    if (offset < state.floor) return; // already committed: a redelivery of finished work
    state.inFlight.add(offset);
    state.received = Math.max(state.received, offset);
  }

  /**
   * Records that the work for `offset` is finished (its outputs are produced). Returns the
   * position to commit when it moved, else undefined.
   */
  finish(tp: TopicPartition, offset: number): OffsetCommit | undefined {
    const state = this.state(tp);
    if (!state.inFlight.delete(offset) && offset < state.floor) return undefined;
    state.done.add(offset);
    return this.advance(tp, state);
  }

  /** True when the message at this offset is being worked on. */
  isInFlight(tp: TopicPartition, offset: number): boolean {
    return this.partitions.get(key(tp))?.inFlight.has(offset) ?? false;
  }

  /** Number of messages being worked on, over all partitions. */
  inFlightCount(): number {
    let n = 0;
    for (const s of this.partitions.values()) n += s.inFlight.size;
    return n;
  }

  /** Forgets a partition (it was revoked); its uncommitted work will be redelivered elsewhere. */
  forget(tp: TopicPartition): void {
    this.partitions.delete(key(tp));
  }

  private state(tp: TopicPartition): PartitionState {
    let s = this.partitions.get(key(tp));
    if (!s) {
      s = { floor: -1, received: -1, inFlight: new Set(), done: new Set() };
      this.partitions.set(key(tp), s);
    }
    return s;
  }

  private advance(tp: TopicPartition, s: PartitionState): OffsetCommit | undefined {
    // The committable position is the lowest offset still in flight, or one past the highest
    // finished offset when nothing is in flight.
    let lowestInFlight = Number.POSITIVE_INFINITY;
    for (const o of s.inFlight) if (o < lowestInFlight) lowestInFlight = o;
    let next = -1;
    for (const o of s.done) if (o < lowestInFlight && o + 1 > next) next = o + 1;
    if (next <= s.floor) return undefined;
    for (const o of s.done) if (o < next) s.done.delete(o);
    s.floor = next;
    return { topic: tp.topic, partition: tp.partition, offset: next };
  }
}

interface PartitionState {
  /** committed position this tracker has handed out (next offset to read) */
  floor: number;
  received: number;
  inFlight: Set<number>;
  done: Set<number>;
}

function key(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}
