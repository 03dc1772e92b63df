// The staff dashboard stays live: /staff pushes changes, and the "today" block is fetched again.
(function () {
  "use strict";
  var holder = document.querySelector("[data-live-fragment]");
  var state = document.querySelector("[data-live-state]");
  if (!holder || typeof io !== "function") { return; }
  var labels = { live: state.dataset.live || "Live", offline: state.dataset.offline || "Reconnecting…" };

  function setState(name) {
    state.dataset.state = name;
    state.textContent = labels[name];
  }

  function refresh() {
    fetch(holder.dataset.liveFragment, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { holder.innerHTML = html; })
      .catch(function () { setState("offline"); });
  }

  var socket = io("/staff", { transports: ["websocket"] });
  socket.on("connect", function () { setState("live"); });
  socket.on("disconnect", function () { setState("offline"); });
  socket.on("state", refresh);
  socket.on("schedule_changed", refresh);
  setInterval(refresh, 60000);  // on-now moves with the clock even when nothing is edited
})();
