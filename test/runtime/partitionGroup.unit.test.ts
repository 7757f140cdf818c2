import { describe, expect, it } from 'vitest';
import { PartitionGroup } from '../../src/runtime/host/partitionGroup.ts';
import type { DeliveredMessage, MessageBatch } from '../../src/transport/transport.ts';

/**
 * The timestamp order of one task's inputs (src/runtime/host/partitionGroup.ts), without a
 * transport: which record goes next, when an empty input holds the others back and for how long,
 * and what offset each record lets the task commit.
 */

const msg = (topic: string, offset: number, timestamp: number): DeliveredMessage => ({
  topic,
  partition: 0,
  offset,
  key: 'k',
  value: new Uint8Array(0),
  headers: {},
  timestamp,
});
const batch = (topic: string, items: [offset: number, ts: number][], next?: number): MessageBatch => ({
  topic,
  partition: 0,
  messages: items.map(([o, ts]) => msg(topic, o, ts)),
  ...(next !== undefined ? { next } : {}),
});

/** Takes records while the group offers them; returns `topic@offset` of each. */
function takeAll(g: PartitionGroup, now: number): string[] {
  const out: string[] = [];
  for (;;) {
    const step = g.nextStep(now);
    if (step.kind !== 'record') return out;
    g.take(step.input);
    out.push(`${step.input.topic}@${step.record.message.offset}`);
  }
}

describe('PartitionGroup: a task read in timestamp order', () => {
  it('steps the lowest timestamp first across inputs, the first-listed topic on a tie, each input in offset order', () => {
    const g = new PartitionGroup(0, ['table', 'stream'], 1_000);
    g.add(
      batch('stream', [
        [0, 10],
        [1, 30],
        [2, 5],
      ]),
      1,
    );
    g.add(
      batch('table', [
        [0, 30],
        [1, 40],
      ]),
      2,
    );
    const stream = g.input('stream');
    const table = g.input('table');
    if (!stream || !table) throw new Error('inputs');
    // both inputs hold records: no look needed until one runs dry
    expect(takeAll(g, 0)).toEqual(['stream@0', 'table@0', 'stream@1', 'stream@2']);
    // the stream ran dry: the table's 40 waits for a look at the stream's end
    const step = g.nextStep(0);
    expect(step).toMatchObject({ kind: 'wait', deadline: 1_000 });
    expect(step.kind === 'wait' && step.look.map((q) => q.topic)).toEqual(['stream']);
  });

  it('an empty input known to be at its end holds nothing back; a look before the record arrived does not count', () => {
    const g = new PartitionGroup(0, ['table', 'stream'], 1_000);
    const table = g.input('table');
    if (!table) throw new Error('table');
    g.looked(table, 0, undefined, 0); // at its end, as of arrival 0
    g.add(batch('stream', [[0, 10]]), 1);
    expect(g.nextStep(0).kind).toBe('wait'); // the look predates the record
    expect(g.looked(table, 0, undefined, 1)).toBe(false);
    expect(takeAll(g, 0)).toEqual(['stream@0']);
  });

  it('an input whose end is further on holds records back until a delivery or the idle deadline; the look is not repeated meanwhile', () => {
    const g = new PartitionGroup(0, ['table', 'stream'], 1_000);
    const table = g.input('table');
    if (!table) throw new Error('table');
    g.add(batch('stream', [[0, 10]]), 1);
    const first = g.nextStep(100);
    expect(first.kind === 'wait' && first.look).toHaveLength(1);
    table.lookedSeq = 1; // the host started a look after arrival 1
    expect(g.looked(table, 3, 0, 1)).toBe(false); // end 3, position 0: something to fetch
    const again = g.nextStep(500);
    expect(again).toMatchObject({ kind: 'wait', look: [], deadline: 1_100 });
    expect(takeAll(g, 1_099)).toEqual([]);
    expect(takeAll(g, 1_100)).toEqual(['stream@0']); // waited long enough: ahead of the table
  });

  it('past the deadline records go ahead, the empty input still looked at once per arrival; an end that moved makes them wait again', () => {
    const g = new PartitionGroup(0, ['table', 'stream'], 1_000);
    const table = g.input('table');
    if (!table) throw new Error('table');
    g.add(batch('stream', [[0, 10]]), 1);
    g.nextStep(0); // the deadline is set: 1_000
    table.lookedSeq = 1;
    g.looked(table, 3, 0, 1); // end 3, nothing handed over
    const ahead = g.nextStep(1_000);
    expect(ahead).toMatchObject({ kind: 'record', look: [] }); // looked at after this arrival already
    g.take((ahead as { input: NonNullable<ReturnType<PartitionGroup['input']>> }).input);
    g.add(batch('stream', [[1, 20]]), 2);
    const next = g.nextStep(1_500);
    expect(next.kind).toBe('record'); // still past the deadline
    expect(next.kind === 'record' && next.look.map((q) => q.topic)).toEqual(['table']); // a new arrival: look again
    table.lookedSeq = 2;
    g.looked(table, 5, 0, 2); // the end moved from 3 to 5: records were written since
    expect(g.nextStep(1_500)).toMatchObject({ kind: 'wait', deadline: 2_500 });
  });

  it('records carry the offset to commit: the last one of a batch past the transaction markers the batch skipped', () => {
    const g = new PartitionGroup(0, ['table', 'stream'], 0);
    g.add(
      batch(
        'stream',
        [
          [4, 1],
          [5, 2],
        ],
        7,
      ),
      1,
    );
    const stream = g.input('stream');
    if (!stream) throw new Error('stream');
    const afters: number[] = [];
    for (;;) {
      const step = g.nextStep(0);
      if (step.kind !== 'record') break;
      afters.push(step.record.after);
      g.take(step.input);
    }
    expect(afters).toEqual([5, 7]);
    expect(stream.next).toBe(7);
  });

  it('a gap seen twice with nothing delivered asks for a read; a read that finds nothing moves the position to the end', () => {
    const g = new PartitionGroup(0, ['table', 'stream'], 60_000);
    const table = g.input('table');
    if (!table) throw new Error('table');
    g.add(batch('table', [[0, 1]]), 1);
    g.looked(g.input('stream') as NonNullable<ReturnType<PartitionGroup['input']>>, 0, undefined, 1); // the stream is empty
    expect(takeAll(g, 0)).toEqual(['table@0']);
    g.add(batch('stream', [[0, 10]]), 2);
    expect(g.looked(table, 2, undefined, 2)).toBe(false); // position 1 (a marker at 1?), end 2
    expect(g.looked(table, 2, undefined, 3)).toBe(true); // still: worth a read
    g.skipped(table, 1, 2, 3);
    expect(table.next).toBe(2);
    expect(takeAll(g, 0)).toEqual(['stream@0']);
  });

  it('a reset input forgets its records and what it knew (its partition is read again from the commit)', () => {
    const g = new PartitionGroup(0, ['table', 'stream'], 0);
    g.add(batch('stream', [[0, 10]]), 1);
    g.reset('stream');
    expect(g.buffered).toBe(0);
    expect(g.input('stream')).toMatchObject({ next: undefined, caughtUp: 0, lookedSeq: 0, arrived: 0 });
    expect(g.nextStep(0).kind).toBe('empty');
  });
});
