import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/cli/parseArgs.ts';
import { waitFor } from '../support/waitFor.ts';

describe('--registry-port (issue 9)', () => {
  it('is a port number', () => {
    expect(parseCliArgs(['--registry-port', '8081']).registryPort).toBe(8081);
    expect(parseCliArgs([]).registryPort).toBeUndefined();
    expect(() => parseCliArgs(['--registry-port', 'http'])).toThrow("--registry-port: 'http' is not a port number (0-65535)");
  });

  it('`bun run start --registry-port 0` serves the Schema Registry API beside the shop and stops with it', async () => {
    const child = spawn('bun', ['src/cli.ts', '--memory', '--port', '0', '--registry-port', '0', '--speed', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => out.includes('pizza shop running'), { timeoutMs: 30_000, message: () => `the shop did not start:\n${out}` });
      const url = /schema registry at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      expect(url, out).toBeDefined();
      const registered = await fetch(`${url}/subjects/t-value/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: '"string"' }),
      });
      expect(await registered.json()).toEqual({ id: 1 });
      expect(await (await fetch(`${url}/subjects`)).json()).toEqual(['t-value']);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
