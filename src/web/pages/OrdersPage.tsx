import type { SignedIn } from '../plugins/guardPlugin.ts';
import type { OrderView } from '../view/orderView.ts';
import { Layout, Time } from './Layout.tsx';

/** The customer's orders, newest first; rows change live (public/live.js, `GET /api/events`). */
export function OrdersPage(props: { session: SignedIn; orders: OrderView[]; label: (code: number | null) => string }): JSX.Element {
  return (
    <Layout title="My orders" session={props.session} active="orders" scripts={['/public/live.js']}>
      <section class="card" data-live-orders="/api/events">
        <h1>My orders</h1>
        <p class={props.orders.length ? 'muted hidden' : 'muted'} id="no-orders">
          No orders yet. <a href="/">Build a pizza</a>.
        </p>
        <table class="orders">
          <thead>
            <tr>
              <th>Order</th>
              <th>Placed</th>
              <th>Pizza</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody id="orders-body">
            {props.orders.map((o) => (
              <tr data-order-id={o.orderId} data-status={String(o.status ?? '')}>
                <td>
                  <a href={`/orders/${o.orderId}`}>
                    <code safe>{o.orderId}</code>
                  </a>
                </td>
                <td>
                  <Time ms={o.placedAt} />
                </td>
                <td safe>
                  {o.pizza
                    ? `${o.pizza.sauce}, ${o.pizza.cheese}, ${o.pizza.main_topping}${o.pizza.extra_toppings.length ? ` + ${o.pizza.extra_toppings.join(', ')}` : ''}`
                    : ''}
                </td>
                <td class="status-label" safe>
                  {props.label(o.status)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}
