import type { StateStore } from '../../store/stateStore.ts';
import type { Row } from './actorSpec.ts';

/**
 * A local copy of an actor's changelog (Kafka Streams keeps one in RocksDB): the rows this instance
 * committed, and per partition the changelog offset up to which the copy is known to be complete.
 * Restoring a partition then reads only the changelog past that offset instead of all of it. The
 * changelog stays the truth: the copy is written after each commit (never ahead of it), and
 * replaying the changelog from the stored offset brings back whatever other members wrote meanwhile.
 *
 * @example
 * const cache = stateCache(store, 'order_status');
 * const { rows, from } = cache.load(3);   // rows of partition 3, read the changelog from `from`
 * cache.write(3, new Map([['1a2b3c4d', row]]), now);
 */
export interface StateCache {
  load(partition: number): { rows: Map<string, Row>; from: number };
  /** Rows committed for a partition (null: the key has no state any more). */
  write(partition: number, rows: Map<string, Row | null>, at: number): void;
  /** The copy of a partition is complete up to this changelog offset. */
  restored(partition: number, rows: Map<string, Row>, next: number, at: number): void;
}

export function stateCache(store: StateStore, collection: string): StateCache {
  const rows = store.collection<Row>(collection);
  const positions = store.collection<number>(`${collection}_changelog`);
  const write = (partition: number, changed: Map<string, Row | null>, at: number) => {
    for (const [key, row] of changed) {
      if (row === null) rows.delete(key);
      else rows.put(key, row, { index: String(partition), at });
    }
  };
  return {
    load(partition) {
      const out = new Map<string, Row>();
      for (const e of rows.list({ index: String(partition) })) out.set(e.id, e.doc);
      return { rows: out, from: positions.get(String(partition)) ?? 0 };
    },
    write(partition, changed, at) {
      store.transaction(() => write(partition, changed, at));
    },
    restored(partition, restoredRows, next, at) {
      store.transaction(() => {
        for (const e of rows.list({ index: String(partition) })) if (!restoredRows.has(e.id)) rows.delete(e.id);
        write(partition, restoredRows, at);
        positions.put(String(partition), next);
      });
    },
  };
}
