import { t } from 'elysia';
import { QUOTE_MAX } from './pricing.ts';
import type { Menu } from '../config/shopConfig.ts';
import type { Problem } from './httpErrors.ts';

/**
 * The web API's request and response shapes as Elysia `t` schemas: Elysia validates requests
 * with them, handlers get their static types, and `@elysiajs/openapi` describes them in
 * `/openapi.json`. A schema's `error` is the problem a refusal lists for that field.
 */

export const USERNAME_MAX = 16;
/** Largest request body the web reads; anything bigger is refused with 413 before it is read. */
export const MAX_BODY_BYTES = 4096;
export const IDEMPOTENCY_KEY_MAX = 200;

const oneOf = (choices: string[], what: string) => {
  if (choices.length === 0) return t.Never({ error: `there is no ${what} on the menu` });
  const schema = t.UnionEnum(choices as [string, ...string[]], { error: `choose one ${what}: ${choices.join(', ')}` });
  // UnionEnum defaults to its first value, and Elysia fills defaults in: a missing cheese would
  // silently become the first cheese
  delete (schema as { default?: unknown }).default;
  return schema;
};

/** The order schemas for a menu: sauce, cheese and main topping from its lists, extras a set. */
export function orderSchemas(menu: Menu) {
  const extras =
    menu.extraToppings.length > 0
      ? t.Array(oneOf(menu.extraToppings, 'extra topping at a time'), {
          uniqueItems: true,
          error: `a list of different extra toppings from: ${menu.extraToppings.join(', ')}`,
        })
      : t.Array(t.String(), { maxItems: 0, error: 'no extra toppings are on the menu' });
  const fields = {
    sauce: oneOf(menu.sauce, 'sauce'),
    cheese: oneOf(menu.cheese, 'cheese'),
    main_topping: oneOf(menu.mainTopping, 'main topping'),
    extra_toppings: t.Optional(extras),
    // the signed prices the menu showed (GET /api/menu's `quote`): honoured for QUOTE_TTL_MS
    quote: t.Optional(t.String({ maxLength: QUOTE_MAX, error: 'the price quote from the menu, as it was given' })),
  };
  return {
    /** `POST /api/orders` */
    order: t.Object(fields, { additionalProperties: false, description: 'one sauce, one cheese, one main topping, any extras' }),
    /** `POST /` from the menu form (the parser turns checkboxes into the `extra_toppings` list) */
    orderForm: t.Object(
      {
        ...fields,
        csrf_token: t.String({ error: 'the form is missing its token: reload the page' }),
        idempotency_key: t.Optional(t.String({ maxLength: IDEMPOTENCY_KEY_MAX })),
      },
      { additionalProperties: false },
    ),
  };
}

/** `POST /api/clicks`: the menu page's beacon when a customer picks an item */
export function clickSchema(menu: Menu) {
  const items = [...new Set([...menu.sauce, ...menu.cheese, ...menu.mainTopping, ...menu.extraToppings])];
  return t.Object({ prod_id: oneOf(items, 'item of the menu') }, { additionalProperties: false });
}

const username = t.String({ minLength: 1, maxLength: 4 * USERNAME_MAX, error: `a name of 1 to ${USERNAME_MAX} characters` });

/** `POST /api/login` */
export const loginBody = t.Object({ username }, { additionalProperties: false });
/** `POST /login` from the login form */
export const loginForm = t.Object(
  { username, csrf_token: t.String({ error: 'the form is missing its token: reload the page' }) },
  {
    additionalProperties: false,
  },
);
/** `POST /logout` and `POST /orders/:id/cancel` from their forms */
export const tokenForm = t.Object(
  { csrf_token: t.String({ error: 'the form is missing its token: reload the page' }) },
  {
    additionalProperties: false,
  },
);

export const idempotencyHeaders = t.Object({
  'idempotency-key': t.Optional(
    t.String({
      minLength: 1,
      maxLength: IDEMPOTENCY_KEY_MAX,
      description: 'a retried placement with the same key (same customer, same order) returns the first order with 200',
    }),
  ),
});

export const orderIdParams = t.Object({ id: t.String({ description: 'the 8-hex order id' }) });

export const errorSchema = t.Object(
  {
    error: t.Object({
      code: t.String(),
      message: t.String(),
      problems: t.Optional(t.Array(t.Object({ field: t.String(), problem: t.String() }))),
    }),
  },
  { description: 'every API error' },
);

export const orderPlacedSchema = t.Object({ order_id: t.String(), status: t.Number(), status_label: t.String() });
export const sessionSchema = t.Object({ customer_id: t.String(), username: t.String() });

/** A schema refusal as the per-field problems of the error body (first problem per field). */
export function problemsOf(error: { all?: unknown }): Problem[] {
  const problems: Problem[] = [];
  const all = Array.isArray(error.all) ? (error.all as { path?: string; message?: string; schema?: { error?: unknown } }[]) : [];
  for (const e of all) {
    const field = (e.path ?? '').split('/').filter(Boolean)[0] ?? '(body)';
    if (problems.some((p) => p.field === field)) continue;
    const unexpected = e.message === 'Unexpected property';
    const custom = typeof e.schema?.error === 'string' ? e.schema.error : undefined;
    problems.push({ field, problem: unexpected ? 'is not a field of this request' : (custom ?? e.message ?? 'is not valid') });
  }
  return problems.length ? problems : [{ field: '(body)', problem: 'is not valid' }];
}

/**
 * Why a username (already trimmed) is refused, or undefined: 1 to 16 characters, no control
 * characters, no bidirectional overrides (they make a name read as another), and something visible
 * (a name of only zero-width characters looks empty).
 *
 * @example
 * usernameProblem('ada'); // undefined
 * usernameProblem('\u200b\u200b'); // 'must contain a visible character'
 */
export function usernameProblem(name: string): string | undefined {
  const length = [...name].length;
  if (length === 0) return 'must not be empty';
  if (length > USERNAME_MAX) return `must be at most ${USERNAME_MAX} characters (got ${length})`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'must not contain control characters';
  if (/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name)) return 'must not contain bidirectional control characters';
  if (!/[\p{L}\p{N}\p{S}\p{P}]/u.test(name)) return 'must contain a visible character';
  return undefined;
}

// ---- responses (what the query side answers; OpenAPI shows them, Elysia checks them) ----

const nullableNumber = t.Nullable(t.Number());
const pizzaSchema = t.Object({ sauce: t.String(), cheese: t.String(), main_topping: t.String(), extra_toppings: t.Array(t.String()) });

export const orderSummarySchema = t.Object({
  order_id: t.String(),
  status: nullableNumber,
  status_name: t.Nullable(t.String()),
  status_label: t.String(),
  placed_at: nullableNumber,
  updated_at: nullableNumber,
  cancel_requested_at: nullableNumber,
  order: t.Nullable(pizzaSchema),
});

export const ordersSchema = t.Object({ orders: t.Array(orderSummarySchema) });

export const orderSchema = t.Composite([
  orderSummarySchema,
  t.Object({
    customer_id: t.Nullable(t.String()),
    username: t.Nullable(t.String()),
    status_at: nullableNumber,
    status_history: t.Array(
      t.Object({
        status: t.Number(),
        status_name: t.Nullable(t.String()),
        status_label: t.String(),
        timestamp: t.Number(),
        topic: t.String(),
        partition: t.Number(),
        offset: t.Number(),
      }),
    ),
    stages: t.Record(t.String(), t.Number(), { description: 'when each stage was recorded on its topic' }),
    price: t.Nullable(
      t.Object(
        {
          items: t.Array(t.Object({ prod_id: t.String(), list_price: t.Number(), discount: t.Number(), price: t.Number() })),
          total: t.Number(),
          quoted: t.Boolean(),
          priced_at: t.Number(),
        },
        { description: 'what the order was placed at (topic pizza-priced); null when the web knew no prices' },
      ),
    ),
  }),
]);

export const timelineSchema = t.Object({
  order_id: t.String(),
  timeline: t.Array(
    t.Object({
      topic: t.String(),
      partition: t.Number(),
      offset: t.Number(),
      timestamp: t.Number(),
      actor: t.String(),
      what: t.String(),
      status: t.Number(),
    }),
  ),
  logs: t.Array(
    t.Object({ at: t.Number(), level: t.String(), actor: t.String(), msg: t.String(), fields: t.Record(t.String(), t.Unknown()) }),
  ),
});

const stationPizza = t.Object({ order_id: t.String(), since: t.Number(), started_at: nullableNumber, inferred: t.Boolean() });
export const kitchenSchema = t.Object({
  at: t.Number(),
  stations: t.Array(
    t.Object({
      station: t.String(),
      capacity: t.Number(),
      in_progress: t.Array(stationPizza),
      queued: t.Array(stationPizza),
      in_progress_count: t.Number(),
      queue_length: t.Number(),
      done_last_minute: t.Number(),
      done: t.Number(),
      states: t.Array(t.String(), { description: 'the states lit on the station’s statechart' }),
    }),
  ),
});

export const flowSchema = t.Object({
  actors: t.Array(
    t.Object({
      actor: t.String(),
      group_id: t.String(),
      consumes: t.Array(t.String()),
      observes: t.Array(t.String()),
      produces: t.Array(t.String()),
      role: t.String(),
    }),
  ),
  side_topics: t.Object({ logs: t.String(), dead_letter: t.String() }),
  messages: t.Record(t.String(), t.Number(), { description: 'messages on each topic (end offsets summed)' }),
});

export const sessionInfoSchema = t.Object({ customer_id: t.String(), username: t.String(), since: t.Number() });
