import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.ts';
import { parseConfig } from '../../src/config/loadConfig.ts';
import { DEFAULT_WEB_LIMITS } from '../../src/config/shopConfig.ts';
import { createRateLimiter } from '../../src/web/protect/rateLimiter.ts';

const ini = readFileSync('config_sys/default.ini', 'utf8');
const withoutWebLimits = ini.replace(/\[web-limits\][\s\S]*?(?=\n\[|$)/, '').replace(/^secure_cookies = .*$/m, '');

describe('[web-limits] and [shop] secure_cookies', () => {
  it('are optional: an INI without them gets the defaults', () => {
    expect(withoutWebLimits).not.toContain('[web-limits]');
    const config = parseConfig(withoutWebLimits, 'test.ini');
    expect(config.webLimits).toEqual(DEFAULT_WEB_LIMITS);
    expect(config.web.secureCookies).toBe(false);
  });

  it('read each key, and name file, section and key when one is wrong', () => {
    const config = parseConfig(`${ini}\n`.replace('orders_per_minute_per_session = 60', 'orders_per_minute_per_session = 5'), 'test.ini');
    expect(config.webLimits.ordersPerMinutePerSession).toBe(5);
    expect(() => parseConfig(ini.replace('streams_total = 1000', 'streams_total = lots'), 'test.ini')).toThrow(
      "test.ini: [web-limits] streams_total: 'lots' is not a number",
    );
    expect(() => parseConfig(ini.replace('stream_buffer_kib = 256', 'stream_buffer_kib = 0'), 'test.ini')).toThrow(
      '[web-limits] stream_buffer_kib',
    );
    expect(() => parseConfig(ini.replace('secure_cookies = false', 'secure_cookies = maybe'), 'test.ini')).toThrow('[shop] secure_cookies');
    expect(parseConfig(ini.replace('secure_cookies = false', 'secure_cookies = true'), 'test.ini').web.secureCookies).toBe(true);
  });
});

describe('rate limiter', () => {
  it('takes a burst of perMinute, then one per 60/perMinute seconds, and says how long to wait', async () => {
    const clock = new VirtualClock(0);
    const limiter = createRateLimiter(clock);
    for (let i = 0; i < 6; i++) expect(limiter.take('k', 6)).toBeUndefined();
    expect(limiter.take('k', 6)).toEqual({ retryAfterSeconds: 10 });
    expect(limiter.take('other', 6)).toBeUndefined();
    await clock.advance(10_000);
    expect(limiter.take('k', 6)).toBeUndefined();
    expect(limiter.take('k', 6)?.retryAfterSeconds).toBe(10);
    expect(limiter.take('k', 0)).toBeUndefined();
  });
});
