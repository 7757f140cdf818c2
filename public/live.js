// Live updates for the order page, the orders list and the kitchen board, pushed by the server as
// Server-Sent Events. Everything is written with textContent: no server data ever becomes HTML.
(() => {
  const fmt = (ms) => {
    if (ms === null || ms === undefined) return '–';
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`;
  };
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const timeEl = (ms) => {
    const t = el('time', fmt(ms));
    if (ms !== null && ms !== undefined) t.dateTime = new Date(ms).toISOString();
    return t;
  };
  const row = (cells) => {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement('td');
      if (c instanceof Node) td.appendChild(c);
      else td.textContent = String(c);
      tr.appendChild(td);
    }
    return tr;
  };
  const flash = (node) => {
    if (!node) return;
    node.classList.remove('flash');
    void node.offsetWidth; // restart the animation
    node.classList.add('flash');
  };
  const light = (machine, states) => {
    const wanted = new Set(states.filter(Boolean));
    for (const g of document.querySelectorAll(`figure[data-machine="${CSS.escape(machine)}"] g.state`)) {
      g.classList.toggle('current', wanted.has(g.getAttribute('data-state')));
    }
  };
  const listen = (url, handlers) => {
    const source = new EventSource(url);
    for (const [event, handler] of Object.entries(handlers)) {
      source.addEventListener(event, (e) => handler(JSON.parse(e.data)));
    }
    source.addEventListener('open', () => document.body.setAttribute('data-live', 'open'));
    source.addEventListener('error', () => document.body.setAttribute('data-live', 'reconnecting'));
    window.addEventListener('pagehide', () => source.close());
    return source;
  };

  // ---- one order ----
  const orderSection = document.querySelector('[data-live-order]');
  if (orderSection) {
    const show = (o) => {
      const label = document.getElementById('status-label');
      if (label.textContent !== o.status_label) {
        label.textContent = o.status_label;
        flash(label);
      }
      label.setAttribute('data-status', o.status === null ? '' : String(o.status));
      document.getElementById('status-code').textContent = o.status === null ? '–' : String(o.status);
      light('order', [o.state]);
      orderSection.querySelector('.diagram-wrap')?.setAttribute('data-current-state', o.state || '');
      document.body.setAttribute('data-order-state', o.state || '');
      document.getElementById('cancel-form').classList.toggle('hidden', !o.can_cancel);
      const cancelled = o.status_name === 'cancelled';
      document.getElementById('cancel-note').textContent = o.cancel_requested_at !== null && !cancelled ? 'Cancellation requested' : '';
      for (const li of document.querySelectorAll('#flow-steps li[data-stage]')) {
        const at = o.stages[li.getAttribute('data-stage')];
        li.classList.toggle('done', at !== undefined);
        const slot = li.querySelector('.step-time');
        slot.replaceChildren(timeEl(at));
      }
      document
        .getElementById('history-body')
        .replaceChildren(...o.status_history.map((h) => row([timeEl(h.timestamp), h.status, h.status_label])));
      document
        .getElementById('timeline-body')
        .replaceChildren(...o.timeline.map((t) => row([timeEl(t.timestamp), t.topic, t.partition, t.offset, t.actor, t.status])));
      document.getElementById('logs-body').replaceChildren(
        ...o.logs.map((l) => {
          const li = el('li', undefined, `level-${String(l.level).replace(/[^a-z]/g, '')}`);
          const fields = Object.keys(l.fields || {}).length ? JSON.stringify(l.fields) : '';
          li.append(
            timeEl(l.at),
            ' ',
            el('span', l.actor, 'actor'),
            ' ',
            el('span', l.level, 'level'),
            ' ',
            el('span', l.msg, 'msg'),
            ' ',
            el('code', fields, 'fields'),
          );
          return li;
        }),
      );
    };
    listen(orderSection.getAttribute('data-live-order'), { snapshot: show, order: show });
  }

  // ---- my orders ----
  const ordersSection = document.querySelector('[data-live-orders]');
  if (ordersSection) {
    const body = document.getElementById('orders-body');
    listen(ordersSection.getAttribute('data-live-orders'), {
      order: (o) => {
        let tr = body.querySelector(`tr[data-order-id="${CSS.escape(o.order_id)}"]`);
        if (!tr) {
          const link = el('a');
          link.href = `/orders/${encodeURIComponent(o.order_id)}`;
          link.appendChild(el('code', o.order_id));
          const p = o.order;
          const pizza = p
            ? `${p.sauce}, ${p.cheese}, ${p.main_topping}${p.extra_toppings.length ? ` + ${p.extra_toppings.join(', ')}` : ''}`
            : '';
          tr = row([link, timeEl(o.placed_at), pizza, '']);
          tr.setAttribute('data-order-id', o.order_id);
          tr.lastChild.className = 'status-label';
          body.prepend(tr);
          document.getElementById('no-orders')?.classList.add('hidden');
        }
        tr.setAttribute('data-status', o.status === null ? '' : String(o.status));
        tr.querySelector('.status-label').textContent = o.status_label;
        flash(tr);
      },
    });
  }

  // ---- kitchen board ----
  // A `kitchen` snapshot, then `kitchen-diff` events with only what changed: counters, the listed
  // pizzas that came or changed (`pizzas`) and those that left (`gone`).
  const kitchen = document.querySelector('[data-live-kitchen]');
  if (kitchen) {
    const boards = new Map(); // station → Map(order_id → pizza)
    const draw = (s) => {
      const card = kitchen.querySelector(`[data-station="${CSS.escape(s.station)}"]`);
      if (!card) return;
      const set = (field, text) => {
        const dd = card.querySelector(`[data-field="${field}"]`);
        if (dd && dd.textContent !== text) {
          dd.textContent = text;
          flash(dd);
        }
      };
      if (!card.liveState) card.liveState = {};
      const state = card.liveState;
      for (const key of ['capacity', 'in_progress_count', 'queue_length', 'done_last_minute', 'done']) {
        if (s[key] !== undefined) state[key] = s[key];
      }
      set('in-progress', `${state.in_progress_count} / ${state.capacity}`);
      set('queue', String(state.queue_length));
      set('per-minute', String(state.done_last_minute));
      set('done', String(state.done));
      const pizzas = [...(boards.get(s.station)?.values() ?? [])].sort(
        (a, b) => Number(b.working) - Number(a.working) || a.since - b.since || (a.order_id < b.order_id ? -1 : 1),
      );
      card.querySelector('[data-field="pizzas"]').replaceChildren(
        ...pizzas.map((p) => {
          const li = el('li', undefined, p.working ? 'working' : 'queued');
          li.append(el('code', p.order_id), p.working ? ' since ' : ' waiting since ', timeEl(p.since));
          return li;
        }),
      );
      if (s.states) light(`station-${s.station}`, s.states);
    };
    listen(kitchen.getAttribute('data-live-kitchen'), {
      kitchen: (k) => {
        for (const s of k.stations) {
          boards.set(
            s.station,
            new Map([
              ...s.in_progress.map((p) => [p.order_id, { ...p, working: true }]),
              ...s.queued.map((p) => [p.order_id, { ...p, working: false }]),
            ]),
          );
          draw(s);
        }
      },
      'kitchen-diff': (d) => {
        for (const s of d.stations) {
          const board = boards.get(s.station) ?? new Map();
          boards.set(s.station, board);
          for (const id of s.gone ?? []) board.delete(id);
          for (const p of s.pizzas ?? []) board.set(p.order_id, p);
          draw(s);
        }
      },
    });
  }
})();
