import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loadConfig.ts';
import {
  assembleSeconds,
  assembleWork,
  bakeMs,
  bakingTimeSeconds,
  deliverySeconds,
  deliveryWork,
  recipeKey,
  recipeSeed,
} from '../../src/kitchen/timings.ts';

const timings = loadConfig().timings;

// Worked out by hand with `printf '%s' '<recipe>' | md5sum`, last 4 hex digits read as an integer:
// assemble = s % 8 + 4, baking time = s % 8 + 8.
const RECIPES = [
  {
    recipe: { sauce: 'Tomato', cheese: 'Mozzarella', extra_toppings: ['Olives', 'Basil'], main_topping: 'Ham' },
    key: 'Tomato@Mozzarella@Olives,Basil@Ham',
    md5: 'e565068b18c012b0403ee87e9dced88d',
    seed: 0xd88d, // 55437, % 8 = 5
    assemble: 9,
    bake: 13,
  },
  {
    recipe: { sauce: 'Pesto', cheese: 'Cheddar', extra_toppings: [], main_topping: 'Pepperoni' },
    key: 'Pesto@Cheddar@@Pepperoni',
    md5: '3d6984f9ba0a73f294d5a247119c5b66',
    seed: 0x5b66, // 23398, % 8 = 6
    assemble: 10,
    bake: 14,
  },
  {
    recipe: {
      sauce: 'BBQ',
      cheese: 'Vegan cheese',
      extra_toppings: ['Pineapple', 'Jalapenos', 'Anchovies'],
      main_topping: 'Margherita (no topping)',
    },
    key: 'BBQ@Vegan cheese@Pineapple,Jalapenos,Anchovies@Margherita (no topping)',
    md5: '2d4df6241bbc40a52a30841713cc8490',
    seed: 0x8490, // 33936, % 8 = 0
    assemble: 4,
    bake: 8,
  },
  {
    recipe: { sauce: 'White garlic', cheese: 'Goat cheese', extra_toppings: ['Onions'], main_topping: 'Chicken' },
    key: 'White garlic@Goat cheese@Onions@Chicken',
    md5: 'e36b51b1f26b00359c8e03f093ee81b3',
    seed: 0x81b3, // 33203, % 8 = 3
    assemble: 7,
    bake: 11,
  },
];

describe('assemble and bake timings (md5 of the recipe)', () => {
  for (const r of RECIPES) {
    it(`${r.key}: s = ${r.seed}, assemble ${r.assemble} s, baking time ${r.bake} s`, () => {
      expect(recipeKey(r.recipe)).toBe(r.key);
      expect(r.md5.endsWith(r.seed.toString(16))).toBe(true);
      expect(recipeSeed(r.recipe)).toBe(r.seed);
      expect(assembleSeconds(r.seed, timings)).toBe(r.assemble);
      expect(bakingTimeSeconds(r.seed, timings)).toBe(r.bake);
    });
  }

  it('keeps the order of the extra toppings (the original joined them as given)', () => {
    const a = recipeKey({ sauce: 'Tomato', cheese: 'Mozzarella', extra_toppings: ['Olives', 'Basil'], main_topping: 'Ham' });
    const b = recipeKey({ sauce: 'Tomato', cheese: 'Mozzarella', extra_toppings: ['Basil', 'Olives'], main_topping: 'Ham' });
    expect(a).not.toBe(b);
  });

  it('scales by speed: 10 = ten times faster, 0 = no waiting', () => {
    const recipe = RECIPES[0]?.recipe;
    if (!recipe) throw new Error('no recipe');
    expect(assembleWork(recipe, timings, 1)).toEqual({ assembleMs: 9_000, bakingTime: 13 });
    expect(assembleWork(recipe, timings, 10)).toEqual({ assembleMs: 900, bakingTime: 13 });
    expect(assembleWork(recipe, timings, 0)).toEqual({ assembleMs: 0, bakingTime: 13 });
    // the baking time on the wire stays in seconds at speed 1; the bake station scales it
    expect(bakeMs(13, 1)).toBe(13_000);
    expect(bakeMs(13, 10)).toBe(1_300);
    expect(bakeMs(13, 0)).toBe(0);
  });

  it('uses the constants of the configuration', () => {
    const other = { ...timings, assembleModulo: 3, assembleBaseSeconds: 1, bakeModulo: 5, bakeBaseSeconds: 20 };
    expect(assembleSeconds(0xd88d, other)).toBe((55437 % 3) + 1);
    expect(bakingTimeSeconds(0xd88d, other)).toBe((55437 % 5) + 20);
  });
});

describe('delivery timings (customer id as a 128-bit integer)', () => {
  // int(id, 16) % 10 worked out with Python's arbitrary-precision ints; a double would get these wrong
  // (parseInt(id, 16) % 10 gives 6, 6 and 0).
  const CUSTOMERS = [
    { id: 'ffffffffffffffffffffffffffffffff', mod10: 5 }, // 2^128 - 1 = ...211455
    { id: '0123456789abcdef0123456789abcdef', mod10: 5 },
    { id: '9f3a1c0e5b7d24e68a01c3f5d7b92e41', mod10: 1 }, // 211648973592574247119715883278403186241
    { id: '00000000000000000000000000000007', mod10: 7 },
  ];
  for (const c of CUSTOMERS) {
    it(`${c.id}: ${c.mod10 + 5} s, late ${2 * (c.mod10 + 5)} s`, () => {
      expect(deliverySeconds(c.id, timings)).toBe(c.mod10 + 5);
      expect(deliverySeconds(c.id, timings, timings.deliveryLateFactor)).toBe(2 * (c.mod10 + 5));
      expect(deliveryWork(c.id, timings, 1)).toEqual({ deliveryMs: (c.mod10 + 5) * 1000, lateDeliveryMs: 2 * (c.mod10 + 5) * 1000 });
    });
  }

  it('scales by speed', () => {
    expect(deliveryWork('9f3a1c0e5b7d24e68a01c3f5d7b92e41', timings, 10)).toEqual({ deliveryMs: 600, lateDeliveryMs: 1_200 });
    expect(deliveryWork('9f3a1c0e5b7d24e68a01c3f5d7b92e41', timings, 0)).toEqual({ deliveryMs: 0, lateDeliveryMs: 0 });
  });

  it('refuses a customer id that is not hexadecimal', () => {
    expect(() => deliverySeconds('not-hex', timings)).toThrow(/not hexadecimal/);
    expect(() => deliverySeconds('', timings)).toThrow(/not hexadecimal/);
  });
});
