import { describe, expect, it } from 'vitest';
import { type AssignableMember, assignCoPartitioned, type TopicPartitionCount } from '../../src/transport/assignCoPartitioned.ts';
import type { TopicPartition } from '../../src/transport/transport.ts';

const short = (m: Map<string, TopicPartition[]>) =>
  Object.fromEntries([...m].map(([id, list]) => [id, list.map((tp) => `${tp.topic}/${tp.partition}`)]));
const membersOf = (ids: string[], topics: string[]): AssignableMember[] => ids.map((id) => ({ id, topics }));
const counts = (partitions: number, ...topics: string[]): TopicPartitionCount[] => topics.map((topic) => ({ topic, partitions }));

/** For each member: topic -> sorted partition numbers. */
const numbersByTopic = (list: TopicPartition[]) => {
  const map = new Map<string, number[]>();
  for (const tp of list) map.set(tp.topic, [...(map.get(tp.topic) ?? []), tp.partition]);
  return map;
};

describe('assignCoPartitioned (the group assignor of both transports)', () => {
  it('gives partition p of every topic to the same member (the shop: status reads six topics)', () => {
    const topics = ['ordered', 'baked', 'assembled', 'cancelled', 'delivered', 'packed'];
    for (let n = 1; n <= 8; n++) {
      const ids = Array.from({ length: n }, (_, i) => `m${i}`);
      const result = assignCoPartitioned(membersOf(ids, topics), counts(6, ...topics));
      for (const [id, list] of result) {
        const byTopic = numbersByTopic(list);
        const numbers = byTopic.get('ordered') ?? [];
        for (const topic of topics) expect({ n, id, topic, numbers: byTopic.get(topic) ?? [] }).toEqual({ n, id, topic, numbers });
      }
      // every partition of every topic has exactly one owner
      const all = [...result.values()].flat().map((tp) => `${tp.topic}/${tp.partition}`);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBe(6 * topics.length);
    }
  });

  it('splits partition numbers into contiguous ranges in the order given, earlier members taking the extra one', () => {
    const result = assignCoPartitioned(membersOf(['first', 'second', 'third', 'fourth'], ['a', 'b']), counts(6, 'b', 'a'));
    expect(short(result)).toEqual({
      first: ['a/0', 'a/1', 'b/0', 'b/1'],
      second: ['a/2', 'a/3', 'b/2', 'b/3'],
      third: ['a/4', 'b/4'],
      fourth: ['a/5', 'b/5'],
    });
  });

  it('is balanced: partition numbers per member differ by at most one', () => {
    for (const partitions of [1, 2, 3, 5, 6, 7, 12]) {
      for (let n = 1; n <= 9; n++) {
        const ids = Array.from({ length: n }, (_, i) => `m${i}`);
        const sizes = [...assignCoPartitioned(membersOf(ids, ['t', 'u']), counts(partitions, 't', 'u')).values()].map(
          (list) => list.filter((tp) => tp.topic === 't').length,
        );
        const balanced = Math.max(...sizes) - Math.min(...sizes) <= 1;
        expect({ partitions, n, sizes, balanced }).toEqual({ partitions, n, sizes, balanced: true });
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(partitions);
      }
    }
  });

  it('a topic with fewer partitions lacks the higher numbers but stays aligned with the others', () => {
    const result = assignCoPartitioned(membersOf(['x', 'y', 'z'], ['big', 'small']), [
      { topic: 'big', partitions: 6 },
      { topic: 'small', partitions: 3 },
    ]);
    expect(short(result)).toEqual({
      x: ['big/0', 'big/1', 'small/0', 'small/1'],
      y: ['big/2', 'big/3', 'small/2'],
      z: ['big/4', 'big/5'],
    });
  });

  it('gives an extra member nothing and every member an entry', () => {
    expect(short(assignCoPartitioned(membersOf(['m1', 'm2', 'm3'], ['t']), counts(2, 't')))).toEqual({
      m1: ['t/0'],
      m2: ['t/1'],
      m3: [],
    });
    expect(assignCoPartitioned([], counts(2, 't')).size).toBe(0);
  });

  it('gives a topic only to its subscribers; topics with the same subscribers stay co-partitioned', () => {
    const members = [
      { id: 'x', topics: ['a', 'b'] },
      { id: 'y', topics: ['a', 'b', 'c'] },
    ];
    expect(short(assignCoPartitioned(members, counts(2, 'a', 'b', 'c', 'nobody')))).toEqual({
      x: ['a/0', 'b/0'],
      y: ['a/1', 'b/1', 'c/0', 'c/1'],
    });
  });

  it('is deterministic: the order of the topics does not matter', () => {
    const members = membersOf(['a', 'b', 'c'], ['t', 'u', 'v']);
    const input = [...counts(5, 't', 'u'), { topic: 'v', partitions: 4 }];
    expect(short(assignCoPartitioned(members, input))).toEqual(short(assignCoPartitioned(members, [...input].reverse())));
  });
});
