// The API reference page: reads /openapi.json (generated from the routes' schemas) and lists every
// operation with its parameters, body and answers. Everything is written with textContent.
(() => {
  const root = document.getElementById('api-reference');
  const out = document.getElementById('api-operations');
  if (!root || !out) return;
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const schemaText = (s) => JSON.stringify(s, (k, v) => (k === 'error' || k === 'default' ? undefined : v), 2);
  fetch(root.getAttribute('data-spec'))
    .then((r) => r.json())
    .then((doc) => {
      if (doc.info?.description) root.insertBefore(el('p', doc.info.description), out);
      for (const [path, ops] of Object.entries(doc.paths || {})) {
        for (const [method, op] of Object.entries(ops)) {
          const article = el('article', undefined, 'operation');
          const h = el('h2');
          h.append(el('code', method.toUpperCase(), 'method'), ' ', el('code', path));
          article.append(h);
          if (op.summary) article.append(el('p', op.summary));
          if (op.description) article.append(el('p', op.description, 'muted'));
          for (const p of op.parameters || []) {
            article.append(
              el('p', `${p.in} ${p.name}${p.required ? '' : ' (optional)'}: ${p.schema?.description || p.schema?.type || ''}`),
            );
          }
          const body = op.requestBody?.content?.['application/json']?.schema;
          if (body) {
            article.append(el('h3', 'Body (application/json)'));
            article.append(el('pre', schemaText(body)));
          }
          const answers = el('ul');
          for (const [status, r] of Object.entries(op.responses || {})) answers.append(el('li', `${status}: ${r.description || ''}`));
          article.append(el('h3', 'Answers'), answers);
          out.append(article);
        }
      }
    })
    .catch((e) => out.replaceChildren(el('p', `could not read the API description: ${e.message}`)));
})();
