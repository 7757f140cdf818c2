import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../src/runtime/offsetTracker.ts';

const tp = { topic: 'pizza-baked', partition: 2 };

describe('OffsetTracker (commit only up to the lowest unfinished offset)', () => {
  it('commits the next offset when work finishes in order', () => {
    const t = new OffsetTracker();
    t.begin(tp, 0);
    expect(t.finish(tp, 0)).toEqual({ ...tp, offset: 1 });
    t.begin(tp, 1);
    expect(t.finish(tp, 1)).toEqual({ ...tp, offset: 2 });
  });

  it('does not commit past a pizza still in progress', () => {
    const t = new OffsetTracker();
    for (const o of [5, 6, 7]) t.begin(tp, o);
    expect(t.finish(tp, 7)).toBeUndefined();
    expect(t.finish(tp, 6)).toBeUndefined();
    expect(t.inFlightCount()).toBe(1);
    expect(t.finish(tp, 5)).toEqual({ ...tp, offset: 8 });
  });

  it('moves only as far as the first gap that is still in flight', () => {
    const t = new OffsetTracker();
    for (const o of [0, 1, 2, 3]) t.begin(tp, o);
    expect(t.finish(tp, 0)).toEqual({ ...tp, offset: 1 });
    expect(t.finish(tp, 2)).toBeUndefined();
    expect(t.finish(tp, 1)).toEqual({ ...tp, offset: 3 });
    expect(t.finish(tp, 3)).toEqual({ ...tp, offset: 4 });
  });

  it('keeps partitions apart', () => {
    const t = new OffsetTracker();
    const other = { topic: 'pizza-baked', partition: 3 };
    t.begin(tp, 0);
    t.begin(other, 0);
    expect(t.finish(other, 0)).toEqual({ ...other, offset: 1 });
    expect(t.isInFlight(tp, 0)).toBe(true);
  });

  it('ignores a redelivered offset below what it already committed', () => {
    const t = new OffsetTracker();
    t.begin(tp, 0);
    t.finish(tp, 0);
    t.begin(tp, 0);
    expect(t.isInFlight(tp, 0)).toBe(false);
    expect(t.finish(tp, 0)).toBeUndefined();
  });

  it('forgets a revoked partition', () => {
    const t = new OffsetTracker();
    t.begin(tp, 4);
    t.forget(tp);
    expect(t.inFlightCount()).toBe(0);
  });
});
