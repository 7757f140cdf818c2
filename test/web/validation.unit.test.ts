import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import { isShopError } from '../../src/errors.ts';
import { MAX_BODY_BYTES, readBody } from '../../src/web/readBody.ts';
import { validateLogin, validateUsername } from '../../src/web/validateLogin.ts';
import { validateOrder } from '../../src/web/validateOrder.ts';

const { menu } = loadConfig();
const good = { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: ['Olives', 'Basil'] };

function refusal(fn: () => unknown): { code: string; status: number; fields: string[]; message: string } {
  try {
    fn();
  } catch (error) {
    if (!isShopError(error)) throw error;
    const problems = (error as { problems?: { field: string }[] }).problems ?? [];
    return { code: error.code, status: error.httpStatus, fields: problems.map((p) => p.field), message: error.message };
  }
  throw new Error('expected a refusal');
}

describe('validateOrder', () => {
  it('accepts one sauce, cheese and main topping from the menu and a set of extras', () => {
    expect(validateOrder(menu, good)).toEqual(good);
    expect(validateOrder(menu, { ...good, extra_toppings: [] }).extra_toppings).toEqual([]);
  });

  it('treats missing extras as none', () => {
    const { extra_toppings: _none, ...noExtras } = good;
    expect(validateOrder(menu, noExtras).extra_toppings).toEqual([]);
  });

  it.each([
    ['an unknown sauce', { ...good, sauce: 'Ketchup' }, ['sauce']],
    ['a missing cheese', { ...good, cheese: undefined }, ['cheese']],
    ['an empty main topping', { ...good, main_topping: '' }, ['main_topping']],
    ['two sauces', { ...good, sauce: ['Tomato', 'Pesto'] }, ['sauce']],
    ['a number for a cheese', { ...good, cheese: 7 }, ['cheese']],
    ['an unknown extra', { ...good, extra_toppings: ['Olives', 'Gold leaf'] }, ['extra_toppings']],
    ['a duplicate extra', { ...good, extra_toppings: ['Olives', 'Olives'] }, ['extra_toppings']],
    ['extras that are not a list', { ...good, extra_toppings: 'Olives' }, ['extra_toppings']],
    ['an extra that is not a string', { ...good, extra_toppings: [1] }, ['extra_toppings']],
    ['a sauce used as an extra', { ...good, extra_toppings: ['Tomato'] }, ['extra_toppings']],
    ['an unknown field', { ...good, price: 0 }, ['price']],
  ])('refuses %s with 422 naming the field', (_name, input, fields) => {
    const r = refusal(() => validateOrder(menu, input));
    expect(r).toMatchObject({ code: 'INVALID_ORDER', status: 422, fields });
  });

  it('reports every problem at once', () => {
    const r = refusal(() => validateOrder(menu, { sauce: 'Ketchup', extra_toppings: ['Olives', 'Olives'] }));
    expect(r.fields).toEqual(['sauce', 'cheese', 'main_topping', 'extra_toppings']);
  });

  it.each([
    ['null', null],
    ['a list', [good]],
    ['a string', 'Tomato'],
  ])('refuses a body that is %s', (_name, input) => {
    expect(refusal(() => validateOrder(menu, input)).fields).toEqual(['(body)']);
  });
});

describe('validateUsername / validateLogin', () => {
  it('trims and accepts 1 to 16 characters', () => {
    expect(validateUsername('  ada  ')).toBe('ada');
    expect(validateUsername('x'.repeat(16))).toBe('x'.repeat(16));
    expect(validateUsername('🍕'.repeat(16))).toBe('🍕'.repeat(16));
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['17 characters', 'x'.repeat(17)],
    ['a control character', 'ada\u0007'],
    ['a number', 42],
    ['missing', undefined],
  ])('refuses a username that is %s', (_name, input) => {
    expect(refusal(() => validateUsername(input))).toMatchObject({ code: 'INVALID_USERNAME', status: 422, fields: ['username'] });
  });

  it('refuses a login body with other fields, or that is not an object', () => {
    expect(refusal(() => validateLogin({ username: 'ada', admin: true }))).toMatchObject({ code: 'INVALID_LOGIN', fields: ['admin'] });
    expect(refusal(() => validateLogin(['ada']))).toMatchObject({ code: 'INVALID_LOGIN', fields: ['(body)'] });
    expect(validateLogin({ username: ' ada ' })).toBe('ada');
  });
});

describe('readBody', () => {
  const post = (body: string, type: string | null) =>
    new Request('http://localhost/x', { method: 'POST', body, headers: type ? { 'content-type': type } : {} });

  it('parses JSON and forms (repeated fields become lists)', async () => {
    expect(await readBody(post('{"a":1}', 'application/json; charset=utf-8'))).toEqual({ a: 1 });
    expect(await readBody(post('sauce=Tomato&extra_toppings=Olives&extra_toppings=Basil', 'application/x-www-form-urlencoded'))).toEqual({
      sauce: 'Tomato',
      extra_toppings: ['Olives', 'Basil'],
    });
    expect(await readBody(post('extra_toppings=Olives', 'application/x-www-form-urlencoded'), { listFields: ['extra_toppings'] })).toEqual({
      extra_toppings: ['Olives'],
    });
  });

  it.each([
    ['malformed JSON', post('{"sauce":', 'application/json'), 400, 'MALFORMED_JSON'],
    ['another content type', post('sauce=Tomato', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['no content type', post('{}', null), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['an oversized body', post(`{"a":"${'x'.repeat(MAX_BODY_BYTES)}"}`, 'application/json'), 413, 'BODY_TOO_LARGE'],
  ])('refuses %s', async (_name, request, status, code) => {
    const error = await readBody(request).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isShopError(error) && { status: error.httpStatus, code: error.code }).toEqual({ status, code });
  });
});
