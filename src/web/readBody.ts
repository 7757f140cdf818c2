import { ShopError } from '../errors.ts';

/** Largest request body the web reads; anything bigger is refused with 413 before parsing. */
export const MAX_BODY_BYTES = 4096;

/**
 * Reads a request body as JSON (`application/json`) or as a form (`application/x-www-form-urlencoded`),
 * refusing oversized bodies (413), other content types (415) and malformed JSON (400) with a
 * ShopError. A form becomes `{field: value}`, a field given twice `{field: [v1, v2]}`;
 * `listFields` are always lists (checkboxes).
 *
 * @example
 * const body = await readBody(request, { listFields: ['extra_toppings'] });
 */
export async function readBody(request: Request, options: { listFields?: string[]; maxBytes?: number } = {}): Promise<unknown> {
  const max = options.maxBytes ?? MAX_BODY_BYTES;
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > max) throw tooLarge(max);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > max) throw tooLarge(max);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ShopError('BAD_REQUEST', 'the request body is not UTF-8 text', { httpStatus: 400 });
  }
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') {
    try {
      return JSON.parse(text);
    } catch {
      throw new ShopError('MALFORMED_JSON', 'the request body is not valid JSON', { httpStatus: 400 });
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(text);
    const out: Record<string, string | string[]> = {};
    for (const key of new Set(form.keys())) {
      const values = form.getAll(key);
      out[key] = options.listFields?.includes(key) || values.length > 1 ? values : (values[0] ?? '');
    }
    return out;
  }
  throw new ShopError('UNSUPPORTED_MEDIA_TYPE', `send the body as application/json${type ? `, not ${type}` : ''}`, { httpStatus: 415 });
}

function tooLarge(max: number): ShopError {
  return new ShopError('BODY_TOO_LARGE', `the request body is larger than ${max} bytes`, { httpStatus: 413 });
}
