// Keeps the home page's "On now / Up next" block fresh: re-fetches the server-rendered
// fragment every 30 s (and when the tab becomes visible again) and swaps it in.
(function () {
  "use strict";
  var PERIOD_MS = 30000;
  var block = document.querySelector("[data-live-src]");
  if (!block || !window.fetch) return;

  var source = block.getAttribute("data-live-src");
  var timer = null;

  function refresh() {
    return fetch(source, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        block.innerHTML = html;
        block.removeAttribute("data-stale");
      })
      .catch(function () {
        block.setAttribute("data-stale", "");
      });
  }

  function schedule() {
    clearInterval(timer);
    timer = document.hidden ? null : setInterval(refresh, PERIOD_MS);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) refresh();
    schedule();
  });
  schedule();
})();
