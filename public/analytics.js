// The analytics page, kept live: polls /api/analytics and rewrites its tables as text.
(() => {
  const time = (ms) => new Date(ms).toISOString().slice(11, 19);
  const rows = (id, list, cells) => {
    const body = document.querySelector(`#${id} tbody`);
    if (!body) return;
    body.replaceChildren(
      ...list.map((item) => {
        const tr = document.createElement('tr');
        for (const text of cells(item)) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
  };
  const items = (id, list, text) => {
    const ul = document.getElementById(id);
    if (!ul) return;
    ul.replaceChildren(
      ...list.map((item) => {
        const li = document.createElement('li');
        li.textContent = text(item);
        return li;
      }),
    );
  };
  const refresh = async () => {
    try {
      const res = await fetch('/api/analytics', { headers: { accept: 'application/json' } });
      if (!res.ok) return;
      const data = await res.json();
      items('current-promotions', data.current, (p) => `${p.item}: ${p.discount} % off (${p.why})`);
      rows('clicks', data.clicks.by_product, (c) => [c.prod_id, String(c.clicks)]);
      const views = document.getElementById('menu-views');
      if (views) views.textContent = `${data.clicks.views} menu views; item clicks from the clicks topic:`;
      rows('windows', data.windows, (w) => [
        w.prod_id,
        `${time(w.window_start)}–${time(w.window_end)}`,
        String(w.txn_per_hour),
        String(w.expected_txn_per_hour ?? '—'),
        w.stock_level === null ? '—' : String(Math.round(w.stock_level)),
      ]);
      rows('stock', data.inventory, (i) => [i.product_id, String(i.available), String(i.capacity), String(i.txn_hour)]);
      items(
        'promotion-feed',
        data.promotions,
        (p) =>
          `${p.promotion_time} ${p.prod_id}: ${p.txn_per_hour} of ${p.expected_txn_per_hour} expected, stock ${Math.round(p.stock_level)} %`,
      );
    } catch {
      // the next poll tries again
    }
  };
  setInterval(refresh, 2000);

  // restocking goes to the process hosting the inventory actor; the stock table shows it once the inventory topic brings it
  const button = document.getElementById('restock-all');
  const status = document.getElementById('restock-status');
  button?.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const res = await fetch('/api/inventory/restock', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
      });
      const answer = await res.json().catch(() => ({}));
      if (status) {
        status.textContent = res.ok
          ? `restock sent to ${answer.processes.join(', ')}: the stock rises once the inventory topic brings it`
          : `not restocked: ${answer.error?.message ?? res.statusText}`;
      }
      refresh();
    } catch {
      if (status) status.textContent = 'not restocked: the shop did not answer';
    } finally {
      button.disabled = false;
    }
  });
})();
