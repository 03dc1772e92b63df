// The staff dashboard (and the attendance page) stay live: /staff pushes changes (programme,
// places, attendance), and the page's live block is fetched again.
(function () {
  "use strict";
  var holder = document.querySelector("[data-live-fragment]");
  var state = document.querySelector("[data-live-state]");
  if (!holder || !state || typeof io !== "function") { return; }
  var labels = { live: state.dataset.live || "Live", offline: state.dataset.offline || "Reconnecting…" };
  var latest = 0;  // only the newest answer is shown, whatever order the answers arrive in

  function setState(name) {
    state.dataset.state = name;
    state.textContent = labels[name];
  }

  function refresh() {
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
        holder.innerHTML = html;
        if (socket.connected) { setState("live"); }
      })
      .catch(function () { if (ticket === latest) { setState("offline"); } });
  }

  var socket = io("/staff", { transports: ["websocket"] });
  socket.on("connect", function () { setState("live"); });
  socket.on("disconnect", function () { setState("offline"); });
  socket.on("connect_error", function () { setState("offline"); });
  // A rush of registrations sends places_changed many times a second: one fetch per burst is enough.
  var pending = null;
  function refreshSoon() {
    if (pending === null) {
      pending = setTimeout(function () { pending = null; refresh(); }, 1000);
    }
  }

  socket.on("state", refresh);
  socket.on("schedule_changed", refresh);
  socket.on("places_changed", refreshSoon);
  // Every ok scan at every gate sends attendance_changed: at the door rush, one fetch a second.
  socket.on("attendance_changed", refreshSoon);
  setInterval(refresh, 60000);  // on-now moves with the clock even when nothing is edited
})();
