// The order page's replay: moving the slider under "Cause and effect" shows the order as it was
// after that step — the statechart's lit state, the service flow's finished stages, and the steps
// still to come dimmed. Everything it reads is in data attributes the server wrote.
(() => {
  const range = document.getElementById('trace-scrubber');
  const list = document.getElementById('trace-steps');
  if (!range || !list) return;
  const steps = [...list.children];
  const out = document.getElementById('trace-at');
  const show = (n) => {
    let state = '';
    const stages = new Set();
    steps.forEach((li, i) => {
      li.classList.toggle('future', i > n);
      li.classList.toggle('now', i === n);
      if (i > n) return;
      if (li.dataset.state) state = li.dataset.state;
      if (li.dataset.stage) stages.add(li.dataset.stage);
    });
    for (const g of document.querySelectorAll('figure[data-machine="order"] g.state')) {
      g.classList.toggle('current', state !== '' && g.getAttribute('data-state') === state);
    }
    for (const li of document.querySelectorAll('#flow-steps li[data-stage]')) li.classList.toggle('done', stages.has(li.dataset.stage));
    if (out) out.textContent = `step ${n + 1} of ${steps.length}`;
  };
  range.addEventListener('input', () => show(Number(range.value)));
})();
