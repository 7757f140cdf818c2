import { type ShopConfig, STATUS_NAMES, type StatusName, statusLabel } from '../config/shopConfig.ts';
import type { OrderView } from './view/orderView.ts';

/** The status name of a code (`delivered` for 999), or undefined for codes the configuration does not name. */
export function statusName(config: Pick<ShopConfig, 'status'>, code: number | null): StatusName | undefined {
  if (code === null) return undefined;
  return STATUS_NAMES.find((name) => config.status.ids[name] === code);
}

/** An order as `GET /api/orders` lists it. */
export function orderSummaryJson(config: ShopConfig, o: OrderView) {
  return {
    order_id: o.orderId,
    status: o.status,
    status_name: statusName(config, o.status) ?? null,
    status_label: statusLabel(config, o.status),
    placed_at: o.placedAt,
    updated_at: o.updatedAt,
    cancel_requested_at: o.cancelRequestedAt,
    order: o.pizza,
  };
}

/** An order as `GET /api/orders/:id` shows it: with timestamps and status history. */
export function orderJson(config: ShopConfig, o: OrderView) {
  return {
    ...orderSummaryJson(config, o),
    customer_id: o.customerId,
    username: o.username,
    status_at: o.statusAt,
    status_history: o.history.map((h) => ({
      status: h.status,
      status_name: statusName(config, h.status) ?? null,
      status_label: statusLabel(config, h.status),
      timestamp: h.at,
      topic: h.source.topic,
      partition: h.source.partition,
      offset: h.source.offset,
    })),
    stages: o.stages,
    price: o.price
      ? {
          items: o.price.items.map((i) => ({ prod_id: i.prod_id, list_price: i.list_price, discount: i.discount, price: i.price })),
          total: o.price.total,
          quoted: o.price.quoted,
          priced_at: o.price.timestamp,
        }
      : null,
  };
}

/** The order's messages on every topic and the log lines that mention it. */
export function orderTimelineJson(o: OrderView) {
  return {
    order_id: o.orderId,
    timeline: o.timeline.map((t) => ({
      topic: t.topic,
      partition: t.partition,
      offset: t.offset,
      timestamp: t.timestamp,
      actor: t.actor,
      what: t.what,
      status: t.status,
    })),
    logs: o.logs.map((l) => ({ at: l.at, level: l.level, actor: l.actor, msg: l.msg, fields: l.fields })),
  };
}
