import { describe, expect, it } from 'vitest';
import { assignRoundRobin } from '../../src/transport/embedded/assignRoundRobin.ts';

const tps = (topic: string, n: number) => Array.from({ length: n }, (_, partition) => ({ topic, partition }));
const short = (m: Map<string, { topic: string; partition: number }[]>) =>
  Object.fromEntries([...m].map(([id, list]) => [id, list.map((tp) => `${tp.topic}/${tp.partition}`)]));

describe('assignRoundRobin (the embedded log assignor)', () => {
  it('deals sorted topic-partitions to members in join order', () => {
    const members = [
      { id: 'first', topics: ['b', 'a'] },
      { id: 'second', topics: ['a', 'b'] },
    ];
    expect(short(assignRoundRobin(members, [...tps('b', 2), ...tps('a', 3)]))).toEqual({
      first: ['a/0', 'a/2', 'b/1'],
      second: ['a/1', 'b/0'],
    });
  });

  it('skips members that do not subscribe to a topic', () => {
    const members = [
      { id: 'x', topics: ['a'] },
      { id: 'y', topics: ['a', 'b'] },
    ];
    expect(short(assignRoundRobin(members, [...tps('a', 2), ...tps('b', 2)]))).toEqual({ x: ['a/0'], y: ['a/1', 'b/0', 'b/1'] });
  });

  it('gives an extra member nothing and every member an entry', () => {
    const members = ['m1', 'm2', 'm3'].map((id) => ({ id, topics: ['t'] }));
    expect(short(assignRoundRobin(members, tps('t', 2)))).toEqual({ m1: ['t/0'], m2: ['t/1'], m3: [] });
    expect(assignRoundRobin([], tps('t', 2)).size).toBe(0);
  });

  it('is deterministic: the same input gives the same assignment', () => {
    const members = ['a', 'b', 'c'].map((id) => ({ id, topics: ['t', 'u'] }));
    const input = [...tps('u', 4), ...tps('t', 5)].reverse();
    expect(short(assignRoundRobin(members, input))).toEqual(short(assignRoundRobin(members, [...input].reverse())));
  });
});
