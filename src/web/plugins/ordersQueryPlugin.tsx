import { Elysia } from 'elysia';
import { allTopics } from '../../topology.ts';
import { type OrderTrace, orderTrace } from '../console/orderTrace.ts';
import { stateForStatus } from '../diagram/machineDiagram.ts';
import { orderDiagrams } from '../diagram/shopDiagrams.ts';
import { htmlResponse } from '../httpErrors.ts';
import { ownOrder } from '../orderCommands.ts';
import { orderJson, orderSummaryJson, orderTimelineJson, statusName } from '../orderJson.ts';
import { OrderPage } from '../pages/OrderPage.tsx';
import { OrdersPage } from '../pages/OrdersPage.tsx';
import { errorSchema, orderIdParams, orderSchema, ordersSchema, timelineSchema } from '../schemas.ts';
import { cancelRefusal, type OrderView } from '../view/orderView.ts';
import type { WebContext } from '../webContext.ts';
import { guardPlugin } from './guardPlugin.ts';

/** Cause and effect for an order (`src/web/console/orderTrace.ts`) over every topic but the log lines. */
export function traceOf(ctx: WebContext, orderId: string): Promise<OrderTrace> {
  const topics = allTopics(ctx.config).filter((t) => t !== ctx.config.topics.logs);
  return orderTrace(ctx.transport, ctx.topology, topics, orderId, ctx.wireFormat, ctx.config.topics.pizzaStatus);
}

/** The state of the order machine that stands for an order's status (what the diagram lights). */
export function orderState(ctx: WebContext, order: Pick<OrderView, 'status'>): string | undefined {
  return stateForStatus(ctx.machines.order, statusName(ctx.config, order.status), order.status);
}

/**
 * The query side, read from this web's own view: `GET /orders`, `GET /orders/:id` (pages) and
 * `GET /api/orders`, `GET /api/orders/:id`, `GET /api/orders/:id/timeline`. Only the customer's
 * own orders: any other id is a 404.
 */
export function ordersQueryPlugin(ctx: WebContext) {
  const t = ctx.config.topics;
  /** the service flow's stages, by the topic that records them (the scrubber lights them) */
  const stageOfTopic = new Map([
    [t.pizzaOrdered, 'ordered'],
    [t.pizzaAssembled, 'assembled'],
    [t.pizzaBaked, 'baked'],
    [t.pizzaDelivered, 'delivered'],
  ]);
  const page = { signedIn: 'page' as const, detail: { hide: true } };
  const api = <S,>(summary: string, ok: S) => ({
    signedIn: 'api' as const,
    response: { 200: ok, 401: errorSchema, 404: errorSchema },
    detail: { summary, tags: ['orders'] },
  });
  return new Elysia({ name: 'web.orders.query', seed: ctx })
    .use(guardPlugin(ctx))
    .get(
      '/orders',
      async ({ session }) =>
        htmlResponse(await (<OrdersPage session={session} orders={ctx.view.store.ordersOf(session.customerId)} label={ctx.label} />)),
      page,
    )
    .get(
      '/orders/:id',
      async ({ session, params }) => {
        const order = ownOrder(ctx, session, params.id);
        // the page shows without it when the log cannot be read now
        const trace = await traceOf(ctx, order.orderId).catch(() => undefined);
        return htmlResponse(
          await (
            <OrderPage
              session={session}
              order={order}
              label={ctx.label}
              diagrams={await orderDiagrams(ctx.machines)}
              currentState={orderState(ctx, order)}
              cancelRefusal={cancelRefusal(order, ctx.statusIds)}
              speed={ctx.speed}
              trace={trace}
              traceView={{
                stageOf: (topic) => stageOfTopic.get(topic),
                stateOf: (status) => orderState(ctx, { status }),
              }}
            />
          ),
        );
      },
      { ...page, params: orderIdParams },
    )
    .get(
      '/api/orders',
      ({ session }) => ({ orders: ctx.view.store.ordersOf(session.customerId).map((o) => orderSummaryJson(ctx.config, o)) }),
      api("The customer's orders, newest first", ordersSchema),
    )
    .get('/api/orders/:id', ({ session, params }) => orderJson(ctx.config, ownOrder(ctx, session, params.id)), {
      ...api('One of your orders', orderSchema),
      params: orderIdParams,
    })
    .get(
      '/api/orders/:id/trace',
      async ({ session, params }) => {
        const trace = await traceOf(ctx, ownOrder(ctx, session, params.id).orderId);
        return {
          order_id: trace.orderId,
          trace_ids: trace.traceIds,
          steps: trace.steps.map((s) => ({
            topic: s.topic,
            partition: s.partition,
            offset: s.offset,
            timestamp: s.timestamp,
            actor: s.actor,
            trace_id: s.traceId,
            span_id: s.spanId,
            value: s.value,
            caused_by: s.causedBy,
            read_by: s.readBy,
            ...(s.statusChange ? { status_change: s.statusChange } : {}),
          })),
        };
      },
      {
        signedIn: 'api',
        params: orderIdParams,
        detail: {
          summary:
            'Cause and effect: every message of the order, the message that caused it, and what each reader emitted because of it (linked by traceparent and span.parent)',
          tags: ['orders'],
        },
      },
    )
    .get('/api/orders/:id/timeline', ({ session, params }) => orderTimelineJson(ownOrder(ctx, session, params.id)), {
      ...api("An order's messages and log lines", timelineSchema),
      params: orderIdParams,
    });
}
