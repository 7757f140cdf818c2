import { describe, expect, it } from 'vitest';
import { partitionRanges, type StartupSummary, summaryHeadline, summaryText } from '../../src/app/startupSummary.ts';
import { prettyLine } from '../../src/log/logger.ts';

// Issue 12 (7): console output for people — readable lines and a one-screen start-up summary.

const AT = Date.UTC(2026, 10, 30, 12, 3, 4, 120);
/** ANSI colour codes (ESC [ … m) */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

describe('pretty log lines', () => {
  it('show time, level, actor, message, the order id and the other fields, in that order', () => {
    const text = prettyLine(
      { at: AT, level: 'info', actor: 'bake', msg: 'pizza in the oven', orderId: '1a2b3c4d', bakingTime: 9, oven: 'left' },
      { color: false },
    );
    expect(text).toBe('12:03:04.120 INFO  bake       pizza in the oven  order 1a2b3c4d  bakingTime=9 oven=left');
  });

  it('are coloured when asked (and only then), the same words underneath', () => {
    const line = { at: AT, level: 'error' as const, actor: 'status', msg: 'commit failed', orderId: 'cafe0001' };
    const coloured = prettyLine(line, { color: true });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain('\u001b[1;31mERROR');
    expect(coloured.replace(ANSI, '')).toBe(prettyLine(line, { color: false }));
    expect(prettyLine(line, { color: false })).not.toMatch(ANSI);
  });
});

describe('start-up summary', () => {
  const summary: StartupSummary = {
    pid: 4242,
    where: 'the embedded log in ./data',
    speed: 10,
    url: 'http://127.0.0.1:8000',
    actors: [
      { actor: 'web', group: 'pizza-webapp-<instance>', reads: ['pizza-status'], writes: ['pizza-ordered'], partitions: null },
      { actor: 'bake', group: 'pizza-baked', reads: ['pizza-assembled'], writes: ['pizza-baked'], partitions: [0, 1, 2, 4] },
      { actor: 'delivery', group: 'pizza-delivery', reads: ['pizza-baked'], writes: ['pizza-delivered'], partitions: [] },
    ],
  };

  it('names every actor here with its group, partitions, reads and writes, and where to look', () => {
    const text = summaryText(summary, { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe(summaryHeadline(summary));
    expect(lines[0]).toBe(
      'pizza shop running: actors web, bake, delivery on the embedded log in ./data, speed 10; open http://127.0.0.1:8000',
    );
    expect(text).toMatch(/^bake\s+pizza-baked\s+0-2,4\s+pizza-assembled\s+pizza-baked$/m);
    expect(text).toMatch(/^web\s+pizza-webapp-<instance>\s+all \(own group\)/m);
    expect(text).toMatch(/^delivery\s+pizza-delivery\s+none yet/m);
    expect(text).toContain('console  http://127.0.0.1:8000/console');
    expect(lines.length).toBeLessThan(25); // one screen
    expect(summaryText(summary, { color: true }).replace(ANSI, '')).toBe(text);
  });

  it('writes partitions as ranges', () => {
    expect(partitionRanges([5, 0, 1, 2, 4])).toBe('0-2,4-5');
    expect(partitionRanges([3])).toBe('3');
    expect(partitionRanges([])).toBe('');
  });
});
