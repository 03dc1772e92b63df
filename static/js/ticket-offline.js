/* Keep this ticket for offline use (static/js/ticket-sw.js): register the worker for /t/, then
 * ask it to keep the page (without any ?key=), its QR image and the files the page uses.
 * <html data-offline="ready"> says when all of it is kept. */
"use strict";
(function () {
  if (!("serviceWorker" in navigator)) return;
  const script = document.currentScript;
  const worker = script.dataset.worker;
  const scope = script.dataset.scope;
  const extra = (script.dataset.keep || "").split(" ").filter(Boolean);

  function pageFiles() {
    const files = [location.pathname];
    document.querySelectorAll("link[rel~=stylesheet][href], link[rel~=icon][href], script[src], img[src]")
      .forEach((element) => files.push(element.getAttribute("href") || element.getAttribute("src")));
    return files.concat(extra);
  }

  window.addEventListener("load", () => {
    navigator.serviceWorker.register(worker, { scope: scope })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => { document.documentElement.dataset.offline = "ready"; };
        registration.active.postMessage({ keep: pageFiles() }, [channel.port2]);
      })
      .catch(() => { /* no offline copy: the page works online as before */ });
  });
})();
