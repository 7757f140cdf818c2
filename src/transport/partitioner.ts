import murmurhash from 'murmurhash-js';

const SEED = 0x9747b28c;

/**
 * Kafka's murmur2 of a key's UTF-8 bytes, as a signed 32-bit integer (what the Java client's
 * `Utils.murmur2` returns). murmurhash-js hashes the low byte of each UTF-16 unit, so the key is
 * first turned into one unit per UTF-8 byte.
 */
export function murmur2(key: string | Uint8Array): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  return murmurhash.murmur2(bytes.toString('latin1'), SEED) | 0;
}

/**
 * The partition Kafka's Java default partitioner (and librdkafka's `murmur2_random`) picks for a
 * keyed message: `(murmur2(utf8(key)) & 0x7fffffff) % partitions`.
 *
 * @example
 * partitionForKey('order-1', 6); // 4
 */
export function partitionForKey(key: string | Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return (murmur2(key) & 0x7fffffff) % partitions;
}
