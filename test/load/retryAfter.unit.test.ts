import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/load/httpTarget.ts';

describe('retryAfterMs (RFC 9110 Retry-After)', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  it('reads delay-seconds', () => {
    expect(retryAfterMs('2', now, 1000)).toBe(2000);
    expect(retryAfterMs(' 0 ', now, 1000)).toBe(0);
  });
  it('reads an HTTP date as the time left until it (never negative)', () => {
    expect(retryAfterMs('Mon, 30 Nov 2026 12:00:05 GMT', now, 1000)).toBe(5000);
    expect(retryAfterMs('Mon, 30 Nov 2026 11:59:00 GMT', now, 1000)).toBe(0);
  });
  it('falls back when absent or unreadable', () => {
    expect(retryAfterMs(null, now, 1000)).toBe(1000);
    expect(retryAfterMs('soon', now, 750)).toBe(750);
    expect(retryAfterMs('-3', now, 750)).toBe(750);
  });
});
