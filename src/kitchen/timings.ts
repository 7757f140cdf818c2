import { createHash } from 'node:crypto';
import { scaledMs } from '../clock.ts';
import type { ShopConfig } from '../config/shopConfig.ts';
import { malformed } from '../events/messages.ts';
import type { OrderDetails } from '../events/messages.ts';

/**
 * SPEC's timing formulas, with every constant from `[timings]` of the system configuration. Seconds
 * are at speed 1; the `*Ms` helpers scale them by the speed factor (0 = no waiting) and give the
 * numbers the station machines take in their events (`assembleMs`, `bakeMs`, `deliveryMs`, ...),
 * because the machines stay free of hashing and configuration.
 *
 * @example
 * const s = recipeSeed({ sauce: 'Tomato', cheese: 'Mozzarella', extra_toppings: ['Olives', 'Basil'], main_topping: 'Ham' });
 * assembleSeconds(s, config.timings); // s % 8 + 4
 */
export type Timings = ShopConfig['timings'];

/** What the assemble formula reads from an order. */
export type Recipe = Pick<OrderDetails, 'sauce' | 'cheese' | 'extra_toppings' | 'main_topping'>;

/** The recipe string the original hashed: `<sauce>@<cheese>@<extras joined by ','>@<main topping>`. */
export function recipeKey(recipe: Recipe): string {
  return `${recipe.sauce}@${recipe.cheese}@${recipe.extra_toppings.join(',')}@${recipe.main_topping}`;
}

/** `s`: the last 4 hex digits of the md5 of the recipe string (UTF-8), as an integer (0..65535). */
export function recipeSeed(recipe: Recipe): number {
  const hex = createHash('md5').update(recipeKey(recipe), 'utf8').digest('hex');
  return Number.parseInt(hex.slice(-4), 16);
}

/** Seconds to assemble: `s % assemble_modulo + assemble_base_seconds`. */
export function assembleSeconds(seed: number, timings: Timings): number {
  return (seed % timings.assembleModulo) + timings.assembleBaseSeconds;
}

/** The `baking_time` written into pizza-assembled: `s % bake_modulo + bake_base_seconds`. */
export function bakingTimeSeconds(seed: number, timings: Timings): number {
  return (seed % timings.bakeModulo) + timings.bakeBaseSeconds;
}

/**
 * Seconds to deliver: `factor * (int(customer_id, 16) % delivery_modulo + delivery_base_seconds)`.
 * The customer id is 128 bits, beyond a double's exact range, so the remainder is taken in BigInt.
 */
export function deliverySeconds(customerId: string, timings: Timings, factor = 1): number {
  if (!/^[0-9a-fA-F]+$/.test(customerId)) throw malformed(`customer id ${JSON.stringify(customerId)} is not hexadecimal`);
  const rest = Number(BigInt(`0x${customerId}`) % BigInt(timings.deliveryModulo));
  return factor * (rest + timings.deliveryBaseSeconds);
}

/** What the assemble station needs for one order: how long to work, and the baking time to hand on. */
export function assembleWork(recipe: Recipe, timings: Timings, speed: number): { assembleMs: number; bakingTime: number } {
  const seed = recipeSeed(recipe);
  return { assembleMs: scaledMs(assembleSeconds(seed, timings), speed), bakingTime: bakingTimeSeconds(seed, timings) };
}

/** How long the bake station bakes a pizza whose pizza-assembled said `bakingTime` seconds. */
export function bakeMs(bakingTime: number, speed: number): number {
  return scaledMs(bakingTime, speed);
}

/**
 * The delivery station's two possible durations for a customer: normal, and late (factor
 * `delivery_late_factor`) for when pizza-baked arrived before the order (SPEC's delivery race).
 */
export function deliveryWork(customerId: string, timings: Timings, speed: number): { deliveryMs: number; lateDeliveryMs: number } {
  return {
    deliveryMs: scaledMs(deliverySeconds(customerId, timings, 1), speed),
    lateDeliveryMs: scaledMs(deliverySeconds(customerId, timings, timings.deliveryLateFactor), speed),
  };
}
