import { HttpError } from './httpErrors.ts';

/**
 * Reads an HTML form (`application/x-www-form-urlencoded`) as `{field: value}`: a field given
 * twice becomes a list, and `listFields` are lists always (checkboxes). `aliases` renames fields:
 * the original's menu form posts `extra_topping` (one per checked box) where ours posts
 * `extra_toppings`; both land in one list.
 *
 * @example
 * await formBody(request, { listFields: ['extra_toppings'], aliases: { extra_topping: 'extra_toppings' } });
 */
export async function formBody(
  request: Request,
  options: { listFields?: string[]; aliases?: Record<string, string> } = {},
): Promise<Record<string, string | string[]>> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `send the form as application/x-www-form-urlencoded${type ? `, not ${type}` : ''}`, 415);
  }
  const form = new URLSearchParams(await request.text());
  const values = new Map<string, string[]>();
  for (const [key, value] of form) {
    const field = options.aliases?.[key] ?? key;
    values.set(field, [...(values.get(field) ?? []), value]);
  }
  const out: Record<string, string | string[]> = {};
  for (const [field, list] of values) out[field] = options.listFields?.includes(field) || list.length > 1 ? list : (list[0] ?? '');
  return out;
}
