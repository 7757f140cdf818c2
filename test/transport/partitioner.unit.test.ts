import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../src/transport/partitioner.ts';

describe('partitioner (Kafka Java default partitioner)', () => {
  it("matches Kafka's published murmur2 vectors", () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2(new Uint8Array([97, 98, 99]))).toBe(479470107);
  });

  it('puts keys on the partitions the Java client picks', () => {
    expect(['a', 'b', 'abc', 'order-1', ''].map((k) => partitionForKey(k, 6))).toEqual([4, 2, 3, 4, 3]);
  });

  it('hashes the UTF-8 bytes of non-ASCII keys', () => {
    // Same key as bytes and as a string must agree; a naive char-code hash would not.
    for (const key of ['héllo', '日本', 'pizza🍕']) {
      expect(murmur2(key)).toBe(murmur2(new TextEncoder().encode(key)));
    }
    expect(murmur2('héllo')).not.toBe(murmur2('h\u00e9llo'.normalize('NFD')));
  });

  it('is stable and in range for many keys', () => {
    for (let i = 0; i < 1000; i++) {
      const p = partitionForKey(`key-${i}`, 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
      expect(partitionForKey(`key-${i}`, 7)).toBe(p);
    }
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionForKey('a', 0)).toThrow(RangeError);
  });
});
