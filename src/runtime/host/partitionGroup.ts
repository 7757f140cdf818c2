import type { DeliveredMessage, MessageBatch } from '../../transport/transport.ts';

/**
 * The co-partitioned inputs of one task, read in timestamp order (Kafka Streams' `PartitionGroup`,
 * KIP-353 and KIP-695). Fetches bring the task's input partitions in whatever order they come; a
 * join is right only if a record is processed after every record of the other inputs with an
 * earlier timestamp. So each input partition buffers what it was handed, and the next record is
 * the buffered head with the lowest timestamp (on a tie, the topic listed first: a table before
 * the stream that joins it).
 *
 * An input with nothing buffered holds the others back, unless
 * - it is **known to be caught up**: a look at its end offset, taken after the head record
 *   arrived, found nothing past what it was handed (`caughtUp`), or
 * - its **idle deadline passed**: it has waited `maxIdleMs` (host clock) since it first held a
 *   record back while it may still have records to bring (Kafka Streams' `max.task.idle.ms`; here
 *   it bounds the wait for an input whose end was not reached, where Kafka Streams waits for as
 *   long as the lag is positive: a transaction marker left at the position looks like lag).
 *
 * The group never decides what to commit: each record carries `after` (the offset to commit once
 * it is processed), so a commit never passes records still buffered.
 */
export interface BufferedRecord {
  message: DeliveredMessage;
  /** the offset to commit once this record is processed */
  after: number;
  /** which arrival (host-wide, growing) brought it */
  seq: number;
}

export interface InputQueue {
  readonly topic: string;
  /** tie-break: lower goes first */
  readonly rank: number;
  records: BufferedRecord[];
  /** index of the head in `records` (taken records are dropped in chunks) */
  head: number;
  /** the offset after what was handed over (undefined: nothing yet since assignment) */
  next: number | undefined;
  /** a look at the end offset, started after arrival `caughtUp`, found this input had nothing more */
  caughtUp: number;
  /** the arrival after which the last look at this input's end started (no new look before a new arrival) */
  lookedSeq: number;
  /** the arrival that last brought this input records */
  arrived: number;
  /** when this empty input stops holding the others back (host ms) */
  deadline: number | undefined;
  /** the position at which a look found the end further on while nothing came (a marker, maybe) */
  gapAt: number | undefined;
  /** the end offset the last look found */
  endSeen: number | undefined;
}

/**
 * What the group wants next: a record to process; or to wait until `deadline` for the `waitingFor`
 * inputs, of which `look` (those not looked at since the head arrived) want a look at their ends;
 * or nothing.
 */
export type NextStep =
  | { kind: 'record'; input: InputQueue; record: BufferedRecord; look: InputQueue[] }
  | { kind: 'wait'; waitingFor: InputQueue[]; look: InputQueue[]; deadline: number }
  | { kind: 'empty' };

export class PartitionGroup {
  readonly inputs: InputQueue[];

  constructor(
    readonly partition: number,
    topics: readonly string[],
    private readonly maxIdleMs: number,
  ) {
    this.inputs = topics.map((topic, rank) => ({
      topic,
      rank,
      records: [],
      head: 0,
      next: undefined,
      caughtUp: 0,
      lookedSeq: 0,
      arrived: 0,
      deadline: undefined,
      gapAt: undefined,
      endSeen: undefined,
    }));
  }

  input(topic: string): InputQueue | undefined {
    return this.inputs.find((q) => q.topic === topic);
  }

  /** Buffers a batch the consumer handed over (arrival `seq`). */
  add(batch: MessageBatch, seq: number): void {
    const q = this.input(batch.topic);
    if (!q || batch.messages.length === 0) return;
    const last = batch.messages.length - 1;
    batch.messages.forEach((message, i) => {
      q.records.push({ message, after: i === last ? Math.max(batch.next ?? 0, message.offset + 1) : message.offset + 1, seq });
    });
    q.next = Math.max(q.next ?? 0, q.records.at(-1)?.after ?? 0);
    q.arrived = seq;
    q.deadline = undefined;
    q.gapAt = undefined;
  }

  get buffered(): number {
    let n = 0;
    for (const q of this.inputs) n += q.records.length - q.head;
    return n;
  }

  /** The next step at host time `now` (a record is taken from its queue only by `take`). */
  nextStep(now: number): NextStep {
    let best: InputQueue | undefined;
    let bestRecord: BufferedRecord | undefined;
    for (const q of this.inputs) {
      const r = q.records[q.head];
      if (!r) continue;
      if (!bestRecord || r.message.timestamp < bestRecord.message.timestamp) {
        best = q;
        bestRecord = r;
      }
    }
    if (!best || !bestRecord) return { kind: 'empty' };
    const waitingFor: InputQueue[] = [];
    const look: InputQueue[] = [];
    let deadline = Number.POSITIVE_INFINITY;
    for (const q of this.inputs) {
      if (q.records.length > q.head) continue;
      if (q.caughtUp >= bestRecord.seq) continue;
      // one look per arrival: a look that started after the head and the input's own last records
      // arrived, and found the end further on, is not repeated (a delivery or the deadline comes)
      if (q.lookedSeq < Math.max(bestRecord.seq, q.arrived)) look.push(q);
      q.deadline ??= now + this.maxIdleMs;
      // waited long enough: process ahead of it (still looked at: an end that moves means new
      // records to wait for, a gap that stays is read once)
      if (now >= q.deadline) continue;
      waitingFor.push(q);
      deadline = Math.min(deadline, q.deadline);
    }
    if (waitingFor.length > 0) return { kind: 'wait', waitingFor, look, deadline };
    return { kind: 'record', input: best, record: bestRecord, look };
  }

  /** Removes the head of `input` (after `nextStep` named it). */
  take(input: InputQueue): BufferedRecord | undefined {
    const r = input.records[input.head];
    if (!r) return undefined;
    input.head += 1;
    if (input.head >= 1024 || input.head === input.records.length) {
      input.records = input.records.slice(input.head);
      input.head = 0;
    }
    return r;
  }

  /**
   * What a look at an input's end found: `end` (the end offset), `committed` (the group's
   * committed offset, used while nothing was handed over yet), started after arrival `seq`.
   * Returns true when the input has a gap that persisted across two looks with nothing handed
   * over (worth a read to see whether anything committed is in it).
   */
  looked(input: InputQueue, end: number, committed: number | undefined, seq: number): boolean {
    if (input.records.length > input.head) return false;
    const at = input.next ?? committed ?? 0;
    const moved = input.endSeen !== undefined && end > input.endSeen;
    input.endSeen = end;
    if (at >= end) {
      input.caughtUp = Math.max(input.caughtUp, seq);
      input.deadline = undefined;
      input.gapAt = undefined;
      return false;
    }
    // records were written since the last look: wait for them afresh, even past an earlier deadline
    if (moved) input.deadline = undefined;
    const persisted = input.gapAt === at && !moved;
    input.gapAt = at;
    return persisted;
  }

  /** A read found nothing committed in `[from, end)`: the input's position moves to `end`. */
  skipped(input: InputQueue, from: number, end: number, seq: number): void {
    if (input.records.length > input.head || (input.next ?? from) > from) return;
    input.next = end;
    input.caughtUp = Math.max(input.caughtUp, seq);
    input.deadline = undefined;
    input.gapAt = undefined;
  }

  /** Forgets what an input buffered and knew (its partition was revoked: it is read again from the committed offset). */
  reset(topic: string): void {
    const q = this.input(topic);
    if (!q) return;
    q.records = [];
    q.head = 0;
    q.next = undefined;
    q.caughtUp = 0;
    q.lookedSeq = 0;
    q.arrived = 0;
    q.deadline = undefined;
    q.gapAt = undefined;
    q.endSeen = undefined;
  }
}
