import type { SignedIn } from '../plugins/guardPlugin.ts';
import type { analyticsJson } from '../plugins/labPlugin.tsx';
import { Layout } from './Layout.tsx';

const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/**
 * The lab's analytics, as this web's view reads them from the log: per product its latest windows
 * (orders against the expected rate), stock levels, clicks per product, and the promotions feed.
 * `/public/analytics.js` refreshes the tables from `/api/analytics` every two seconds (text only:
 * nothing it shows is parsed as HTML) and sends the restock button's `POST /api/inventory/restock`.
 */
export function AnalyticsPage(props: { session: SignedIn; data: ReturnType<typeof analyticsJson> }): JSX.Element {
  const { data } = props;
  return (
    <Layout title="Analytics" session={props.session} active="analytics" scripts={['/public/analytics.js']}>
      <section class="card">
        <h1>Analytics</h1>
        <p class="muted">
          Transactions per product in 1-hour windows advancing by 5 minutes (scaled by speed), joined with the inventory; all read from the
          log (the inventory, product_txn_per_hour, promotions and clicks topics).
        </p>
        <h2>Current promotions</h2>
        <ul id="current-promotions">
          {data.current.map((p) => (
            <li safe>{`${p.item}: ${p.discount} % off (${p.why})`}</li>
          ))}
        </ul>
        <h2>Windows</h2>
        <table id="windows">
          <thead>
            <tr>
              <th>product</th>
              <th>window</th>
              <th>orders</th>
              <th>expected</th>
              <th>stock %</th>
            </tr>
          </thead>
          <tbody>
            {data.windows.map((w) => (
              <tr>
                <td safe>{w.prod_id}</td>
                <td safe>{`${time(w.window_start)}–${time(w.window_end)}`}</td>
                <td safe>{String(w.txn_per_hour)}</td>
                <td safe>{String(w.expected_txn_per_hour ?? '—')}</td>
                <td safe>{w.stock_level === null ? '—' : String(Math.round(w.stock_level))}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Stock</h2>
        <p>
          <button type="button" id="restock-all">
            Restock all
          </button>{' '}
          <span id="restock-status" class="muted" role="status"></span>
        </p>
        <table id="stock">
          <thead>
            <tr>
              <th>product</th>
              <th>available</th>
              <th>capacity</th>
              <th>expected / h</th>
            </tr>
          </thead>
          <tbody>
            {data.inventory.map((i) => (
              <tr>
                <td safe>{i.product_id}</td>
                <td safe>{String(i.available)}</td>
                <td safe>{String(i.capacity)}</td>
                <td safe>{String(i.txn_hour)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Clicks</h2>
        <p class="muted" id="menu-views" safe>
          {`${data.clicks.views} menu views; item clicks from the clicks topic:`}
        </p>
        <table id="clicks">
          <thead>
            <tr>
              <th>product</th>
              <th>clicks</th>
            </tr>
          </thead>
          <tbody>
            {data.clicks.by_product.map((c) => (
              <tr>
                <td safe>{c.prod_id}</td>
                <td safe>{String(c.clicks)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Promotions feed</h2>
        <ul id="promotion-feed">
          {data.promotions.map((p) => (
            <li
              safe
            >{`${p.promotion_time} ${p.prod_id}: ${p.txn_per_hour} of ${p.expected_txn_per_hour} expected, stock ${Math.round(p.stock_level)} %`}</li>
          ))}
        </ul>
      </section>
    </Layout>
  );
}
