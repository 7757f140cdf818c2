/**
 * Deadlines by key: `set` a key's deadline (undefined clears it), `next()` is the earliest,
 * `due(now)` takes every key whose deadline is <= now. A binary heap with lazy deletion, so that
 * a hundred thousand orders with timers cost O(log n) per change, not a scan.
 *
 * @example
 * const q = new DeadlineQueue();
 * q.set('a', 100); q.set('b', 50); q.set('b', 150);
 * q.next();     // 100
 * q.due(120);   // ['a']
 */
export class DeadlineQueue {
  private readonly current = new Map<string, number>();
  private heap: { at: number; key: string }[] = [];

  set(key: string, at: number | undefined): void {
    if (at === undefined) {
      this.current.delete(key);
      return;
    }
    if (this.current.get(key) === at) return;
    this.current.set(key, at);
    this.push({ at, key });
  }

  next(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  due(now: number): string[] {
    const out: string[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > now) return out;
      this.pop();
      this.current.delete(top.key);
      out.push(top.key);
    }
  }

  get size(): number {
    return this.current.size;
  }

  private dropStale(): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || this.current.get(top.key) === top.at) return;
      this.pop();
    }
  }

  private push(entry: { at: number; key: string }): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((h[parent] as { at: number }).at <= entry.at) break;
      h[i] = h[parent] as { at: number; key: string };
      i = parent;
    }
    h[i] = entry;
    // a heap of stale entries is rebuilt from the live ones now and then
    if (h.length > 64 && h.length > this.current.size * 4) this.rebuild();
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      const at = (k: number) => (k === i ? last.at : (h[k] as { at: number }).at);
      if (l < h.length && at(l) < at(smallest)) smallest = l;
      if (r < h.length && at(r) < at(smallest)) smallest = r;
      if (smallest === i) break;
      h[i] = h[smallest] as { at: number; key: string };
      i = smallest;
    }
    h[i] = last;
  }

  private rebuild(): void {
    const live = [...this.current].map(([key, at]) => ({ at, key }));
    this.heap = [];
    for (const e of live) this.push(e);
  }
}
