// Live fragments for the console's process map and fault results: every second, fetches the
// fragment the container names (data-fragment) and swaps it in. The fragment is HTML rendered
// and escaped by the server (same origin); no message content is turned into HTML here.
(() => {
  const boxes = [...document.querySelectorAll('[data-fragment]')];
  if (boxes.length === 0) return;
  const refresh = async () => {
    for (const box of boxes) {
      try {
        const res = await fetch(box.dataset.fragment, { headers: { accept: 'text/html' } });
        // signed out (the session expired, or ended in another tab): the fragment was answered by a
        // redirect to the login page, which must not be drawn inside the box: go there instead
        if (res.redirected) {
          window.location.assign(res.url);
          return;
        }
        if (res.ok) box.innerHTML = await res.text();
      } catch {
        // the web restarting: try again at the next tick
      }
    }
    setTimeout(refresh, 1000);
  };
  setTimeout(refresh, 1000);
})();
