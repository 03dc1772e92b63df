// Live staff pages (dashboard, attendance, My Story): /staff pushes what changed, and each live
// block ([data-live-fragment]) is fetched again when one of its events comes (data-live-events,
// by default the dashboard's). Page scripts loaded after this one share the connection:
// window.staffSocket.
(function () {
  "use strict";
  var state = document.querySelector("[data-live-state]");
  if (!state || typeof io !== "function") { return; }
  var DEFAULT_EVENTS = "schedule_changed places_changed attendance_changed";
  // A rush (registrations, scans at every gate) sends events many times a second: a block is
  // fetched at once, then at most once a second.
  var BURST_MS = 1000;
  var labels = { live: state.dataset.live || "Live", offline: state.dataset.offline || "Reconnecting…" };
  var socket = io("/staff", { transports: ["websocket"] });
  window.staffSocket = socket;

  function setState(name) {
    state.dataset.state = name;
    state.textContent = labels[name];
  }

  // Someone typing or choosing in a block keeps it as it is until they leave it.
  function inUse(holder) {
    var active = document.activeElement;
    return Boolean(active && holder.contains(active) && active.matches("input, select, textarea"));
  }

  function liveBlock(holder) {
    var latest = 0;  // only the newest answer is shown, whatever order the answers arrive in
    var lastFetch = 0;
    var waiting = null;

    function fetchNow() {
      if (inUse(holder)) {
        holder.dataset.stale = "true";
        return;
      }
      lastFetch = Date.now();
      var ticket = ++latest;
      fetch(holder.dataset.liveFragment, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          // Signed out meanwhile (expired, password re-issued): the answer is the sign-in page.
          if (response.redirected || response.status === 401 || response.status === 403) {
            window.location.reload();
            return Promise.reject(response.status);
          }
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (html) {
          if (ticket !== latest) { return; }
          if (inUse(holder)) { holder.dataset.stale = "true"; return; }
          holder.innerHTML = html;  // server-rendered, escaped by Jinja
          if (socket.connected) { setState("live"); }
        })
        .catch(function () { if (ticket === latest) { setState("offline"); } });
    }

    function refresh() {
      if (waiting !== null) { return; }
      var wait = lastFetch + BURST_MS - Date.now();
      if (wait <= 0) { fetchNow(); return; }
      waiting = setTimeout(function () { waiting = null; fetchNow(); }, wait);
    }

    // Left after typing: catch up, a moment later so that a click on the block's button lands first.
    holder.addEventListener("focusout", function () {
      if (holder.dataset.stale) {
        delete holder.dataset.stale;
        setTimeout(refresh, BURST_MS);
      }
    });
    (holder.dataset.liveEvents || DEFAULT_EVENTS).split(/\s+/).forEach(function (name) {
      socket.on(name, refresh);
    });
    return refresh;
  }

  var blocks = Array.prototype.map.call(document.querySelectorAll("[data-live-fragment]"), liveBlock);
  function refreshAll() { blocks.forEach(function (refresh) { refresh(); }); }

  socket.on("connect", function () { setState("live"); });
  socket.on("disconnect", function () { setState("offline"); });
  socket.on("connect_error", function () { setState("offline"); });
  socket.on("state", refreshAll);  // (re)connected: whatever was missed meanwhile
  setInterval(refreshAll, 60000);  // on-now and round status move with the clock even when nothing is edited
})();
