// Live tail for the console's message browser: while "Live tail" is checked, asks the JSON API for
// what arrived after the cursor once a second and puts the new messages on top of the table.
// Everything is written with textContent: no message content ever becomes HTML.
(() => {
  const table = document.getElementById('messages');
  const box = document.getElementById('live-tail');
  const form = document.getElementById('browse');
  if (!table || !box || !form) return;
  const body = table.querySelector('tbody');
  const redriveToken = table.dataset.redrive;
  let cursor = table.dataset.cursor || '';
  let timer;

  const fmt = (ms) => {
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`;
  };
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const valueText = (m) => {
    if (m.encoding === 'empty') return '(empty)';
    if (m.encoding === 'text' || m.encoding === 'base64') return String(m.value);
    return JSON.stringify(m.value);
  };
  const cell = (...children) => {
    const td = document.createElement('td');
    for (const c of children) td.appendChild(c);
    return td;
  };
  const rowOf = (m) => {
    const tr = document.createElement('tr');
    tr.dataset.partition = String(m.partition);
    tr.dataset.offset = String(m.offset);
    tr.className = 'fresh';
    tr.appendChild(el('td', m.partition, 'num'));
    tr.appendChild(el('td', m.offset, 'num'));
    const time = el('time', fmt(m.timestamp));
    time.dateTime = new Date(m.timestamp).toISOString();
    tr.appendChild(cell(time));
    tr.appendChild(cell(m.key === null ? el('span', 'null', 'muted') : el('code', m.key)));
    const headers = Object.entries(m.headers);
    if (headers.length === 0) tr.appendChild(cell(el('span', '–', 'muted')));
    else {
      const ul = el('ul', null, 'headers');
      for (const [name, value] of headers) {
        const li = document.createElement('li');
        li.appendChild(el('code', name));
        li.appendChild(document.createTextNode(`: ${value}`));
        ul.appendChild(li);
      }
      tr.appendChild(cell(ul));
    }
    tr.appendChild(cell(el('span', m.encoding, 'encoding'), document.createTextNode(' '), el('code', valueText(m), 'value')));
    if (redriveToken) {
      if (!m.headers['dlq.source.topic']) tr.appendChild(cell(el('span', '–', 'muted')));
      else {
        const f = el('form', null, 'redrive');
        f.method = 'post';
        f.action = '/console/redrive';
        for (const [name, value] of [
          ['csrf_token', redriveToken],
          ['partition', m.partition],
          ['offset', m.offset],
        ]) {
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = name;
          input.value = String(value);
          f.appendChild(input);
        }
        const button = el('button', 'Redrive');
        button.type = 'submit';
        f.appendChild(button);
        tr.appendChild(cell(f));
      }
    }
    return tr;
  };

  const poll = async () => {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (value !== '' && ['topic', 'partition', 'key', 'text', 'limit'].includes(name)) params.set(name, String(value));
    }
    params.set('since', cursor);
    try {
      const res = await fetch(`/api/console/messages?${params}`, { headers: { accept: 'application/json' } });
      if (res.ok) {
        const page = await res.json();
        cursor = Object.entries(page.cursor)
          .map(([p, o]) => `${p}:${o}`)
          .join(',');
        table.dataset.cursor = cursor;
        for (const m of page.messages) body.insertBefore(rowOf(m), body.firstChild);
      }
    } finally {
      if (box.checked) timer = setTimeout(poll, 1000);
    }
  };
  box.addEventListener('change', () => {
    clearTimeout(timer);
    if (box.checked) poll();
  });
})();
