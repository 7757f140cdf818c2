/**
 * A record of string keys split into a fixed number of buckets by a hash of the key, as plain
 * data. Contexts are never changed in place (a step returns a new one), and copying a record of
 * n keys to change one costs n: with buckets, a change copies the bucket array (64 slots) and one
 * bucket (n / 64 keys). Delivery remembers a customer for every order whose pizza has not come
 * yet — thousands when pizza-ordered is read far ahead of pizza-baked — which is where it counts.
 *
 * @example
 * let customers = emptyHashed<Customer>();
 * customers = hashedSet(customers, '0a1b2c3d', customer);
 * hashedGet(customers, '0a1b2c3d'); // customer
 * customers = hashedDelete(customers, '0a1b2c3d');
 */
export type HashedRecord<T> = Record<string, T>[];

const BUCKETS = 64;

function bucketOf(key: string): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
  return (hash >>> 0) % BUCKETS;
}

// Records are never changed in place, so every empty one can be this one (frozen, to make sure).
const EMPTY: HashedRecord<never> = Object.freeze(Array.from({ length: BUCKETS }, () => Object.freeze({}))) as HashedRecord<never>;

export function emptyHashed<T>(): HashedRecord<T> {
  return EMPTY;
}

export function hashedGet<T>(record: HashedRecord<T>, key: string): T | undefined {
  const bucket = record[bucketOf(key)];
  return bucket !== undefined && Object.hasOwn(bucket, key) ? bucket[key] : undefined;
}

export function hashedHas<T>(record: HashedRecord<T>, key: string): boolean {
  const bucket = record[bucketOf(key)];
  return bucket !== undefined && Object.hasOwn(bucket, key);
}

export function hashedSet<T>(record: HashedRecord<T>, key: string, value: T): HashedRecord<T> {
  const at = bucketOf(key);
  const next = record.slice();
  next[at] = { ...record[at], [key]: value };
  return next;
}

/** The record without `key` (the same record when it has no such key). */
export function hashedDelete<T>(record: HashedRecord<T>, key: string): HashedRecord<T> {
  const at = bucketOf(key);
  const bucket = record[at];
  if (bucket === undefined || !Object.hasOwn(bucket, key)) return record;
  const { [key]: _removed, ...rest } = bucket;
  const next = record.slice();
  next[at] = rest;
  return next;
}

/** Every entry, bucket by bucket (not in insertion order). */
export function hashedEntries<T>(record: HashedRecord<T>): [string, T][] {
  return record.flatMap((bucket) => Object.entries(bucket));
}

/** A record of these entries. */
export function hashedOf<T>(entries: Iterable<readonly [string, T]>): HashedRecord<T> {
  const record: HashedRecord<T> = Array.from({ length: BUCKETS }, () => ({}));
  for (const [key, value] of entries) (record[bucketOf(key)] as Record<string, T>)[key] = value;
  return record;
}
