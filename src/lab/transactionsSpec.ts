import type { ShopConfig } from '../config/shopConfig.ts';
import { CATALOGUE } from '../events/catalogue.ts';
import { type OrderDetails, parseOrderId } from '../events/messages.ts';
import type { ActorSpec } from '../runtime/host/actorSpec.ts';
import type { Transaction } from './labMessages.ts';

export type OrderItems = { type: 'ORDER.PLACED'; orderId: string; customerId: string; items: string[]; at: number };
export type TransactionMade = { type: 'transaction'; orderId: string } & Transaction;

/** The products of an order: its sauce, cheese, main topping and each extra topping, in that order. */
export function itemsOf(order: OrderDetails): string[] {
  return [order.sauce, order.cheese, order.main_topping, ...order.extra_toppings];
}

/**
 * The lab's transactions, from the shop's own orders: each item of each order placed is one
 * transaction `{cust_id, prod_id, txn_ts}` on the transactions topic, keyed by product id. That key
 * is the repartitioning step: pizza-ordered is partitioned by order, the processor needs every
 * transaction of a product in one partition (with the product's inventory row). The output and
 * the input offset commit in one transaction, so each order becomes its transactions once.
 * Event time travels as the message timestamp (the order's, as it was placed).
 *
 * | reads | event | emits → writes |
 * |---|---|---|
 * | pizza-ordered | `ORDER.PLACED` (its items) | `transaction` per item → transactions |
 */
export function transactionsSpec(deps: { config: ShopConfig }): ActorSpec<OrderItems, TransactionMade> {
  const { config } = deps;
  return {
    name: 'transactions',
    groupId: config.groupIds.transactions,
    clientId: config.clientIds.transactions,
    reads: [config.topics.pizzaOrdered],
    decode(message) {
      const orderId = parseOrderId(message.key);
      const { order } = CATALOGUE.pizzaOrdered.codec.decode(message.value);
      return { type: 'ORDER.PLACED', orderId, customerId: order.customer_id, items: itemsOf(order), at: message.timestamp };
    },
    logic: () => ({
      apply: (e) =>
        e.items.map((item) => ({ type: 'transaction', orderId: e.orderId, cust_id: e.customerId, prod_id: item, txn_ts: e.at })),
      tick: () => [],
      nextDeadline: () => undefined,
      // stateless: no rows (an order's transactions are made once, with its offset)
      rows: () => new Map(),
      load() {},
      unload() {},
    }),
    produce(e) {
      const value: Transaction = { cust_id: e.cust_id, prod_id: e.prod_id, txn_ts: e.txn_ts };
      return [{ topic: config.topics.transactions, message: { key: e.prod_id, value: JSON.stringify(value), timestamp: e.txn_ts } }];
    },
  };
}
