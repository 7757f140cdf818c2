import { emptyHashed, type HashedRecord, hashedEntries, hashedGet, hashedSet } from './hashedRecord.ts';

/**
 * A bounded memory of order ids (orderId → ms), as plain data: the stations' memory of finished
 * and cancelled orders. Generations of at most a tenth of the limit each, oldest first; past the
 * limit the oldest generation is forgotten whole. Each generation is a `HashedRecord`, so adding
 * copies one bucket of the newest generation (a 640th of the limit) and finding an order looks
 * in ten buckets: a step costs next to nothing however much is remembered.
 *
 * @example
 * let memory = emptyMemory();
 * memory = memoryAdd(memory, '0a1b2c3d', 15_000, 1000);
 * memoryAt(memory, '0a1b2c3d'); // 15000
 */
export interface Memory {
  /** oldest first; every one but the newest holds a tenth of the limit */
  generations: HashedRecord<number>[];
  /** how many the newest generation holds */
  newestSize: number;
}

export function emptyMemory(): Memory {
  return { generations: [], newestSize: 0 };
}

function generationSize(limit: number): number {
  return Math.max(1, Math.ceil(limit / 10));
}

/** When the order was remembered, or undefined. Looks newest first: copies come soon after. */
export function memoryAt(memory: Memory, orderId: string): number | undefined {
  const { generations } = memory;
  for (let i = generations.length - 1; i >= 0; i--) {
    const at = hashedGet(generations[i] as HashedRecord<number>, orderId);
    if (at !== undefined) return at;
  }
  return undefined;
}

export function memoryHas(memory: Memory, orderId: string): boolean {
  return memoryAt(memory, orderId) !== undefined;
}

/** Every remembered order id and when, oldest generation first. */
export function memoryEntries(memory: Memory): [string, number][] {
  return memory.generations.flatMap((generation) => hashedEntries(generation));
}

/** Every remembered order id, oldest generation first. */
export function memoryKeys(memory: Memory): string[] {
  return memoryEntries(memory).map(([orderId]) => orderId);
}

/** The memory with one more order; the oldest generation goes when it would hold more than `limit`. */
export function memoryAdd(memory: Memory, orderId: string, at: number, limit: number): Memory {
  const size = generationSize(limit);
  const generations = memory.generations.slice();
  const newest = generations.at(-1);
  let newestSize = memory.newestSize;
  if (newest !== undefined && newestSize < size) {
    generations[generations.length - 1] = hashedSet(newest, orderId, at);
    newestSize += 1;
  } else {
    generations.push(hashedSet(emptyHashed<number>(), orderId, at));
    newestSize = 1;
  }
  let count = (generations.length - 1) * size + newestSize;
  while (count > limit && generations.length > 1) {
    generations.shift();
    count -= size;
  }
  return { generations, newestSize };
}

/** A memory of these entries (oldest first), packed into full generations; the newest `limit` are kept. */
export function memoryOf(entries: readonly (readonly [string, number])[], limit: number): Memory {
  let memory = emptyMemory();
  for (const [orderId, at] of entries.slice(Math.max(0, entries.length - limit))) memory = memoryAdd(memory, orderId, at, limit);
  return memory;
}
