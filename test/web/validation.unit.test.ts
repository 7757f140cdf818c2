import { describe, expect, it } from 'vitest';
import { isShopError } from '../../src/errors.ts';
import { formBody } from '../../src/web/formBody.ts';
import { problemsOf, USERNAME_MAX, usernameProblem } from '../../src/web/schemas.ts';

// The order and login schemas are exercised through the routes (test/web/webApp.test.ts, "refuses …"):
// Elysia validates with them. Here: the rules written as functions beside them.

describe('usernameProblem', () => {
  it('accepts 1 to 16 characters (counted as code points)', () => {
    expect(usernameProblem('ada')).toBeUndefined();
    expect(usernameProblem('x'.repeat(USERNAME_MAX))).toBeUndefined();
    expect(usernameProblem('🍕'.repeat(USERNAME_MAX))).toBeUndefined();
    expect(usernameProblem('Zoë Ødegaard')).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['17 characters', 'x'.repeat(17)],
    ['a control character', 'ada\u0007'],
    // issue 10 (6): names of only zero-width characters, or with bidi overrides, were accepted
    ['only zero-width characters', '\u200b\u200c\u200d\ufeff'],
    ['a right-to-left override', 'ada\u202egnp.exe'],
    ['a bidi isolate', '\u2066ada\u2069'],
  ])('refuses a username that is %s', (_name, input) => {
    expect(usernameProblem(input)).toEqual(expect.any(String));
  });
});

describe('problemsOf', () => {
  it('lists one problem per field, with the schema’s own message, unknown fields named as such', () => {
    const problems = problemsOf({
      all: [
        { path: '/sauce', message: "Expected kind 'UnionEnum'", schema: { error: 'choose one sauce: Tomato' } },
        { path: '/sauce', message: 'Expected string', schema: {} },
        { path: '/extra_toppings/1', message: 'Expected union value', schema: { error: 'a list of different extra toppings' } },
        { path: '/price', message: 'Unexpected property', schema: {} },
      ],
    });
    expect(problems).toEqual([
      { field: 'sauce', problem: 'choose one sauce: Tomato' },
      { field: 'extra_toppings', problem: 'a list of different extra toppings' },
      { field: 'price', problem: 'is not a field of this request' },
    ]);
    expect(problemsOf({ all: [{ path: '', message: 'Expected object', schema: {} }] })).toEqual([
      { field: '(body)', problem: 'Expected object' },
    ]);
  });
});

describe('formBody', () => {
  const post = (body: string, type: string | null) =>
    new Request('http://localhost/x', { method: 'POST', body, headers: type ? { 'content-type': type } : {} });

  it('reads a form: repeated fields become lists, list fields are lists always', async () => {
    expect(await formBody(post('sauce=Tomato&extra_toppings=Olives&extra_toppings=Basil', 'application/x-www-form-urlencoded'))).toEqual({
      sauce: 'Tomato',
      extra_toppings: ['Olives', 'Basil'],
    });
    expect(await formBody(post('extra_toppings=Olives', 'application/x-www-form-urlencoded'), { listFields: ['extra_toppings'] })).toEqual({
      extra_toppings: ['Olives'],
    });
  });

  it("merges the original's field name into ours (the Flask menu posts extra_topping)", async () => {
    const body = await formBody(
      post('extra_topping=Olives&extra_toppings=Basil&extra_topping=Onions', 'application/x-www-form-urlencoded'),
      {
        listFields: ['extra_toppings'],
        aliases: { extra_topping: 'extra_toppings' },
      },
    );
    expect(body).toEqual({ extra_toppings: ['Olives', 'Basil', 'Onions'] });
  });

  it('refuses anything but a form with 415', async () => {
    const error = await formBody(post('{}', 'application/json')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isShopError(error) && { status: error.httpStatus, code: error.code }).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});
