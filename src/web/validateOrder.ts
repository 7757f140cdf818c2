import type { Menu } from '../config/shopConfig.ts';
import { ShopError } from '../errors.ts';

/** What a customer asks for: one sauce, one cheese, one main topping, a set of extras. */
export interface PizzaChoice {
  sauce: string;
  cheese: string;
  main_topping: string;
  extra_toppings: string[];
}

/** One reason an order was refused, by field. */
export interface Problem {
  field: string;
  problem: string;
}

const FIELDS = ['sauce', 'cheese', 'main_topping', 'extra_toppings'] as const;

/**
 * Checks an order against the menu. Input is whatever the client sent (parsed JSON, or a form
 * turned into `{field: string | string[]}`); every problem is reported at once, and a refused
 * order is a ShopError (422, code INVALID_ORDER) whose `problems` list them.
 *
 * @example
 * validateOrder(menu, { sauce: 'Tomato', cheese: 'Mozzarella', main_topping: 'Ham', extra_toppings: ['Olives'] });
 * validateOrder(menu, { sauce: 'Ketchup' }); // throws: sauce: 'Ketchup' is not on the menu; cheese: missing; …
 */
export function validateOrder(menu: Menu, input: unknown): PizzaChoice {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidOrder([{ field: '(body)', problem: 'must be a JSON object with sauce, cheese, main_topping and extra_toppings' }]);
  }
  const body = input as Record<string, unknown>;
  const problems: Problem[] = [];
  for (const key of Object.keys(body)) {
    if (!(FIELDS as readonly string[]).includes(key)) problems.push({ field: key, problem: 'is not a field of an order' });
  }
  const one = (field: 'sauce' | 'cheese' | 'main_topping', choices: string[]): string => {
    const value = body[field];
    if (value === undefined || value === null || value === '') {
      problems.push({ field, problem: `is missing: choose one of ${choices.join(', ')}` });
      return '';
    }
    if (Array.isArray(value)) {
      problems.push({ field, problem: `choose exactly one, not ${value.length}` });
      return '';
    }
    if (typeof value !== 'string') {
      problems.push({ field, problem: `must be a string, not ${typeName(value)}` });
      return '';
    }
    if (!choices.includes(value)) {
      problems.push({ field, problem: `${JSON.stringify(value)} is not on the menu: choose one of ${choices.join(', ')}` });
      return '';
    }
    return value;
  };
  const sauce = one('sauce', menu.sauce);
  const cheese = one('cheese', menu.cheese);
  const mainTopping = one('main_topping', menu.mainTopping);

  const rawExtras = body.extra_toppings ?? [];
  const extras: string[] = [];
  if (!Array.isArray(rawExtras)) {
    problems.push({ field: 'extra_toppings', problem: `must be a list of strings, not ${typeName(rawExtras)}` });
  } else {
    for (const extra of rawExtras) {
      if (typeof extra !== 'string') {
        problems.push({ field: 'extra_toppings', problem: `must be a list of strings; found ${typeName(extra)}` });
      } else if (!menu.extraToppings.includes(extra)) {
        problems.push({
          field: 'extra_toppings',
          problem: `${JSON.stringify(extra)} is not on the menu: choose from ${menu.extraToppings.join(', ')}`,
        });
      } else if (extras.includes(extra)) {
        problems.push({ field: 'extra_toppings', problem: `${JSON.stringify(extra)} is listed twice` });
      } else {
        extras.push(extra);
      }
    }
  }
  if (problems.length) throw new InvalidOrder(problems);
  return { sauce, cheese, main_topping: mainTopping, extra_toppings: extras };
}

/** A refused order: 422 with the list of problems. */
export class InvalidOrder extends ShopError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super('INVALID_ORDER', `the order is not valid: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`, { httpStatus: 422 });
    this.problems = problems;
  }
}

/** How a refusal names what it got: 'a string', 'a list', 'null'… */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
