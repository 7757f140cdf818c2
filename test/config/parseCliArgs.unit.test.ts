import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/cli/parseArgs.ts';
import { ShopError } from '../../src/errors.ts';

function usageErrorOf(argv: string[]): ShopError {
  try {
    parseCliArgs(argv);
  } catch (e) {
    if (e instanceof ShopError) return e;
    throw e;
  }
  throw new Error('expected a usage error');
}

describe('command line', () => {
  it('defaults to the whole shop on the embedded log', () => {
    expect(parseCliArgs([])).toEqual({
      help: false,
      config: 'config_sys/default.ini',
      actors: ['web', 'assemble', 'bake', 'delivery', 'status', 'transactions', 'inventory', 'processor', 'analytics'],
      memory: false,
    });
  });

  it('reads every option', () => {
    expect(
      parseCliArgs(['--config', 'c.ini', '--kafka', 'k.ini', '--actors', 'bake,delivery', '--speed', '2.5', '--port', '0', '--data', 'd']),
    ).toEqual({
      help: false,
      config: 'c.ini',
      kafka: 'k.ini',
      actors: ['bake', 'delivery'],
      speed: 2.5,
      port: 0,
      data: 'd',
      memory: false,
    });
    expect(parseCliArgs(['--memory']).memory).toBe(true);
    expect(parseCliArgs(['--help']).help).toBe(true);
  });

  it('rejects unknown options and bad values with the usage text', () => {
    for (const argv of [
      ['--bogus'],
      ['--actors', 'oven'],
      ['--speed', 'fast'],
      ['--speed', '-1'],
      ['--port', '80000'],
      ['--port', 'x'],
      ['stray'],
    ]) {
      const e = usageErrorOf(argv);
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain('Usage: bun run start');
    }
    expect(usageErrorOf(['--actors', 'oven']).message).toContain("unknown actor 'oven'");
  });
});
