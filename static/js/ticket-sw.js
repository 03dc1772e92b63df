/* The ticket offline: a visitor with no signal at the door still shows the QR code.
 *
 * Served at /ticket-sw.js with the scope /t/ (Service-Worker-Allowed), so it sees ticket pages
 * only, never staff pages. The ticket page is network-first (changes show while online) and
 * falls back to the copy kept here; the QR image and the page's CSS/JS come from the network
 * when they can and from here when not. A management link (?key=) is never kept: its page
 * carries the key in its forms, so the copy kept is always the page without the key, fetched
 * on its own, and a keyed URL offline gets that keyless copy.
 */
"use strict";

const CACHE = "backlot-ticket-v1";
const TICKET_PAGE = /^\/t\/[^/]+$/;
const TICKET_QR = /^\/t\/[^/]+\/qr\.(png|svg)$/;
/** After this long without an answer, a page already kept is shown from here (weak hall Wi-Fi). */
const SLOW_NETWORK_MS = 4000;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("backlot-ticket-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** What may be kept: same-origin ticket pages and QR images (without a key), static files. */
function keepable(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.searchParams.has("key")) return false;
  return TICKET_PAGE.test(url.pathname) || TICKET_QR.test(url.pathname) || url.pathname.startsWith("/static/");
}

/** The URL a page is kept under: without its query (no key, no ?lang=). */
function keptAs(url) {
  const kept = new URL(url.href);
  if (TICKET_PAGE.test(kept.pathname)) kept.search = "";
  return kept.href;
}

async function keep(url, response) {
  if (response.ok && response.type === "basic" && keepable(new URL(response.url || url))) {
    const cache = await caches.open(CACHE);
    await cache.put(keptAs(new URL(url)), response);
  }
}

/** The network's answer (kept when keepable), else the kept copy; a slow network loses to a kept copy. */
async function networkFirst(request, url) {
  const kept = await caches.match(keptAs(url));
  const fromNetwork = fetch(request).then(async (response) => {
    if (keepable(url)) await keep(url, response.clone());
    return response;
  });
  if (!kept) return fromNetwork;
  const slow = new Promise((resolve) => setTimeout(() => resolve(kept), SLOW_NETWORK_MS));
  return Promise.race([fromNetwork.catch(() => kept), slow]);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (TICKET_PAGE.test(url.pathname) && url.searchParams.has("key")) {
    // The management view: straight from the network; offline, the ticket without the key.
    event.respondWith(fetch(request).catch(async () => (await caches.match(keptAs(url))) || Response.error()));
  } else if (keepable(url)) {
    event.respondWith(networkFirst(request, url));
  }
});

/** The page asks, once it is shown, to keep itself (without its key), its QR image and its files. */
self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.keep) || [];
  event.waitUntil((async () => {
    await Promise.all(urls.map(async (href) => {
      const url = new URL(href, self.location.origin);
      if (url.searchParams.has("key")) url.searchParams.delete("key");
      if (!keepable(url)) return;
      try {
        await keep(url.href, await fetch(url.href, { credentials: "same-origin" }));
      } catch (error) { /* offline already: what is kept stays */ }
    }));
    if (event.ports[0]) event.ports[0].postMessage({ kept: true });
  })());
});
