// The shop clock in the header: shop time ticks between server events, and the state (running ×N /
// paused) follows the `clock` events of /api/clock/events, whichever process or tab changed it.
// Everything is written with textContent; the controls stay plain forms (they work without JS).
(() => {
  const box = document.getElementById('shop-clock');
  if (!box) return;
  let clock = JSON.parse(box.getAttribute('data-clock') || 'null');
  if (!clock) return;
  // shop time is counted from when this page received it, so the client's clock skew does not matter
  let receivedAt = Date.now();
  const state = box.querySelector('[data-field="clock-state"]');
  const time = box.querySelector('[data-field="clock-time"]');
  const pause = box.querySelector('button.clock-pause');
  const resume = box.querySelector('button.clock-resume');
  const step = box.querySelector('button.clock-step');
  const rate = box.querySelector('select.clock-rate');
  const shopNow = () => clock.shop_time + (clock.paused ? 0 : (Date.now() - receivedAt) * clock.rate);
  const tick = () => {
    const iso = new Date(shopNow()).toISOString();
    time.textContent = `${iso.slice(11, 19)} UTC`;
    time.dateTime = iso;
  };
  const show = () => {
    state.textContent = clock.paused ? 'paused' : `running ×${clock.rate}`;
    box.setAttribute('data-paused', String(clock.paused));
    if (pause) pause.hidden = clock.paused;
    if (resume) resume.hidden = !clock.paused;
    if (step) step.disabled = !clock.paused;
    if (rate && document.activeElement !== rate) rate.value = String(clock.rate);
    tick();
  };
  setInterval(tick, 250);
  const source = new EventSource('/api/clock/events');
  source.addEventListener('clock', (e) => {
    clock = JSON.parse(e.data);
    receivedAt = Date.now();
    show();
    box.setAttribute('data-live', 'open');
  });
  window.addEventListener('pagehide', () => source.close());
  show();
})();
