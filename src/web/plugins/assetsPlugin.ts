import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Elysia } from 'elysia';

/** The project's `public/` folder. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../../public/', import.meta.url));

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the files of `public/` under `/public/…`: read once at start into memory (a few small
 * files), so only those names answer — no path from the request ever reaches the file system.
 */
export function assetsPlugin(dir: string = PUBLIC_DIR) {
  const files = new Map<string, { body: string | ArrayBuffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const type = TYPES[extname(name)];
    if (!type || !statSync(path).isFile()) continue;
    const bytes = readFileSync(path);
    files.set(name, { body: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, type });
  }
  return new Elysia({ name: 'web.assets', seed: dir }).get('/public/:file', ({ params }) => {
    const file = files.get(params.file);
    if (!file) return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    return new Response(file.body, { headers: { 'content-type': file.type, 'cache-control': 'public, max-age=300' } });
  });
}
