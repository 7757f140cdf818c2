import { describe, expect, it } from 'vitest';
import { DeadlineQueue } from '../../src/runtime/host/deadlineQueue.ts';

/** A small seeded PRNG (mulberry32), so a failing sequence can be replayed from its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The obvious model: a map, scanned. */
class NaiveDeadlines {
  readonly at = new Map<string, number>();
  set(key: string, at: number | undefined) {
    if (at === undefined) this.at.delete(key);
    else this.at.set(key, at);
  }
  next() {
    let min: number | undefined;
    for (const v of this.at.values()) if (min === undefined || v < min) min = v;
    return min;
  }
  due(now: number) {
    const out = [...this.at].filter(([, at]) => at <= now);
    for (const [key] of out) this.at.delete(key);
    return out;
  }
}

describe('DeadlineQueue', () => {
  it('gives the earliest deadline first, and due() takes every key that fell due in deadline order', () => {
    const q = new DeadlineQueue();
    q.set('c', 300);
    q.set('a', 100);
    q.set('b', 200);
    q.set('d', 400);
    expect(q.next()).toBe(100);
    expect(q.size).toBe(4);
    expect(q.due(99)).toEqual([]);
    expect(q.due(250)).toEqual(['a', 'b']);
    expect(q.next()).toBe(300);
    expect(q.size).toBe(2);
    // due is inclusive: a deadline equal to now is due
    expect(q.due(300)).toEqual(['c']);
    expect(q.due(10_000)).toEqual(['d']);
    expect(q.next()).toBeUndefined();
    expect(q.size).toBe(0);
    expect(q.due(10_000)).toEqual([]);
  });

  it('replacing a key’s deadline moves it, earlier or later; the old one never fires', () => {
    const q = new DeadlineQueue();
    q.set('a', 100);
    q.set('b', 150);
    q.set('a', 500); // later
    expect(q.next()).toBe(150);
    expect(q.due(200)).toEqual(['b']);
    q.set('a', 50); // earlier than before
    expect(q.next()).toBe(50);
    expect(q.due(60)).toEqual(['a']);
    expect(q.due(1_000)).toEqual([]);
    // the same deadline twice is one entry
    q.set('c', 70);
    q.set('c', 70);
    expect(q.size).toBe(1);
    expect(q.due(70)).toEqual(['c']);
  });

  it('clearing a key (undefined) removes it from next() and due(); a key taken by due() is gone', () => {
    const q = new DeadlineQueue();
    q.set('a', 100);
    q.set('b', 200);
    q.set('a', undefined);
    q.set('never-set', undefined);
    expect(q.size).toBe(1);
    expect(q.next()).toBe(200);
    expect(q.due(1_000)).toEqual(['b']);
    // a key that fired can be set again and fires again
    q.set('b', 300);
    expect(q.due(300)).toEqual(['b']);
  });

  it('matches a naive model over random sets, clears, replacements and due() calls on many keys', () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const rand = random(seed);
      const q = new DeadlineQueue();
      const model = new NaiveDeadlines();
      let now = 0;
      for (let op = 0; op < 8_000; op++) {
        const r = rand();
        const key = `k${Math.floor(rand() * 2_000)}`;
        if (r < 0.55) {
          // many ties: deadlines on a coarse grid
          const at = now + Math.floor(rand() * 100) * 10;
          q.set(key, at);
          model.set(key, at);
        } else if (r < 0.7) {
          q.set(key, undefined);
          model.set(key, undefined);
        } else if (r < 0.85) {
          now += Math.floor(rand() * 50);
          const got = q.due(now);
          const want = model.due(now);
          const wantAt = new Map(want);
          const sortedGot = [...got].sort().join();
          const sortedWant = want
            .map(([k]) => k)
            .sort()
            .join();
          if (sortedGot !== sortedWant) expect(sortedGot, `seed ${seed} op ${op}: due(${now})`).toBe(sortedWant);
          // in deadline order
          const ats = got.map((k) => wantAt.get(k) as number);
          if (ats.some((at, i) => i > 0 && at < (ats[i - 1] as number)))
            throw new Error(`seed ${seed} op ${op}: due() out of order: ${ats}`);
        } else {
          const next = q.next();
          if (next !== model.next()) expect(next, `seed ${seed} op ${op}: next`).toBe(model.next());
        }
        if (q.size !== model.at.size) expect(q.size, `seed ${seed} op ${op}: size`).toBe(model.at.size);
      }
      expect(q.due(Number.MAX_SAFE_INTEGER).sort()).toEqual([...model.at.keys()].sort());
    }
  });

  it('stays small when one key’s deadline is replaced over and over (stale entries are dropped)', () => {
    const q = new DeadlineQueue();
    for (let i = 0; i < 100_000; i++) q.set('oven', i + 1);
    q.set('other', 50);
    expect(q.size).toBe(2);
    expect(q.next()).toBe(50);
    expect(q.due(99_999)).toEqual(['other']);
    expect(q.due(100_000)).toEqual(['oven']);
    // the heap array itself was rebuilt, not left holding 100k stale entries
    expect((q as unknown as { heap: unknown[] }).heap.length).toBeLessThan(100);
  });
});
