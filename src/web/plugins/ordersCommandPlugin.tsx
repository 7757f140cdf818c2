import { randomBytes } from 'node:crypto';
import { Elysia, t } from 'elysia';
import { formBody } from '../formBody.ts';
import { HttpError, htmlResponse, redirectTo } from '../httpErrors.ts';
import { cancelOrder, type PizzaChoice, placeOrder, placeOrderOnce } from '../orderCommands.ts';
import { MenuPage } from '../pages/MenuPage.tsx';
import { menuOffers } from '../pricing.ts';
import { errorSchema, idempotencyHeaders, orderIdParams, orderPlacedSchema, orderSchemas, problemsOf, tokenForm } from '../schemas.ts';
import type { WebContext } from '../webContext.ts';
import { guardPlugin } from './guardPlugin.ts';

/** The menu form's checkboxes: ours post `extra_toppings`, the original's Flask form `extra_topping`. */
const MENU_FORM = { listFields: ['extra_toppings'], aliases: { extra_topping: 'extra_toppings' } };

export const newIdempotencyKey = () => randomBytes(12).toString('base64url');

/**
 * The command side: place an order (`POST /` from the menu form, `POST /api/orders`) and cancel
 * one (`POST /orders/:id/cancel`, `POST /api/orders/:id/cancel`). A refused request stores and
 * produces nothing. A placement with an `Idempotency-Key` header (the form: its hidden
 * `idempotency_key`) is placed once: a retry gets the first order back (200 instead of 201).
 */
export function ordersCommandPlugin(ctx: WebContext) {
  const label = ctx.label;
  const { order: orderBody, orderForm } = orderSchemas(ctx.config.menu);
  const choiceOf = (body: {
    sauce: string;
    cheese: string;
    main_topping: string;
    extra_toppings?: string[] | undefined;
    quote?: string | undefined;
  }): PizzaChoice => ({
    sauce: body.sauce,
    cheese: body.cheese,
    main_topping: body.main_topping,
    extra_toppings: body.extra_toppings ?? [],
    ...(body.quote ? { quote: body.quote } : {}),
  });
  return new Elysia({ name: 'web.orders.command', seed: ctx })
    .use(guardPlugin(ctx))
    .post(
      '/',
      async ({ body, session }) => {
        const choice = choiceOf(body);
        const { order } = body.idempotency_key
          ? await placeOrderOnce(ctx, session, choice, body.idempotency_key)
          : { order: await placeOrder(ctx, session, choice) };
        return redirectTo(`/orders/${order.orderId}`);
      },
      {
        parse: ({ request }) => formBody(request, MENU_FORM),
        body: orderForm,
        signedIn: 'page',
        formToken: 'session',
        limit: 'order',
        detail: { hide: true },
        async error({ code, error, body, request }) {
          // a refused pizza shows the menu again with the problems and the choices kept
          const problems =
            code === 'VALIDATION' ? problemsOf(error) : error instanceof HttpError && error.httpStatus === 422 ? error.problems : undefined;
          if (!problems) return;
          const session = ctx.sessionOf(request);
          if (!session) return redirectTo('/login');
          const chosen = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
          return htmlResponse(
            await (
              <MenuPage
                session={session}
                menu={ctx.config.menu}
                chosen={chosen}
                problems={problems}
                idempotencyKey={newIdempotencyKey()}
                {...menuOffers(ctx, session)}
              />
            ),
            422,
          );
        },
      },
    )
    .post(
      '/api/orders',
      async ({ body, session, headers, status, set }) => {
        const choice = choiceOf(body);
        const key = headers['idempotency-key'];
        const { order, replayed } = key
          ? await placeOrderOnce(ctx, session, choice, key)
          : { order: await placeOrder(ctx, session, choice), replayed: false };
        set.headers.location = `/api/orders/${order.orderId}`;
        // the body of the first answer: the status the order was placed with
        const placed = order.history[0]?.status ?? ctx.statusIds.order_placed;
        const answer = { order_id: order.orderId, status: placed, status_label: label(placed) };
        return replayed ? status(200, answer) : status(201, answer);
      },
      {
        parse: 'json',
        body: orderBody,
        headers: idempotencyHeaders,
        signedIn: 'api',
        limit: 'order',
        response: {
          200: orderPlacedSchema,
          201: orderPlacedSchema,
          401: errorSchema,
          422: errorSchema,
          429: errorSchema,
          503: errorSchema,
        },
        detail: {
          summary: 'Place an order',
          description:
            '201 with the new order. With an `Idempotency-Key` header, a retry with the same key (same customer, same pizza) returns the first order with 200 and the same body; the same key with another pizza is 422.',
          tags: ['orders'],
        },
      },
    )
    .post(
      '/orders/:id/cancel',
      async ({ session, params }) => {
        await cancelOrder(ctx, session, params.id);
        return redirectTo(`/orders/${params.id}`);
      },
      {
        parse: ({ request }) => formBody(request),
        body: tokenForm,
        params: orderIdParams,
        signedIn: 'page',
        formToken: 'session',
        detail: { hide: true },
      },
    )
    .post(
      '/api/orders/:id/cancel',
      async ({ session, params, status }) => {
        const order = await cancelOrder(ctx, session, params.id);
        return status(202, {
          order_id: order.orderId,
          status: order.status,
          status_label: label(order.status),
          cancel_requested_at: order.cancelRequestedAt,
        });
      },
      {
        params: orderIdParams,
        signedIn: 'api',
        response: {
          202: t.Object({
            order_id: t.String(),
            status: t.Nullable(t.Number()),
            status_label: t.String(),
            cancel_requested_at: t.Nullable(t.Number()),
          }),
          401: errorSchema,
          404: errorSchema,
          409: errorSchema,
        },
        detail: { summary: 'Ask to cancel an order (before it is baked)', tags: ['orders'] },
      },
    );
}
