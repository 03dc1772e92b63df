// Gate scanner: camera + jsQR, hardware (keyboard wedge) and typed codes, one POST per scan,
// a full-screen answer with a beep, and a banner while entry is paused at this gate (live over
// Socket.IO /staff: gates_changed). The offline part lives in scanner-offline.js.
(function () {
  "use strict";
  var root = document.querySelector("[data-scanner]");
  if (!root) { return; }
  var Offline = window.BacklotOffline;
  var SAME_TEXT_PAUSE = 3000;
  var ANSWER_SHOWN = 2500;

  var setup = root.querySelector("[data-setup]");
  var view = root.querySelector("[data-scanner-view]");
  var video = root.querySelector("[data-video]");
  var canvas = root.querySelector("[data-canvas]");
  var manual = root.querySelector("[data-manual]");
  var codeInput = root.querySelector("[data-code]");
  var answerBox = root.querySelector("[data-answer]");
  var net = root.querySelector("[data-net]");
  var waiting = root.querySelector("[data-waiting]");
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var pausedBox = root.querySelector("[data-paused]");
  var pauses = JSON.parse(root.dataset.pauses || "null");

  var config = null;
  var lastText = null;
  var lastAt = 0;
  var answerTimer = null;
  var reachable = true;
  var syncing = false;
  var audio = null;
  // The server's clock minus this phone's (the server may run a demo clock): offline scans
  // carry the server's time, so that it decides their day and order as if they were online.
  var clockOffset = 0;

  function setServerNow(iso) {
    var server = Date.parse(iso);
    if (!isNaN(server)) { clockOffset = server - Date.now(); }
  }
  setServerNow(root.dataset.now);

  function text(name, values) {
    var template = root.getAttribute("data-text-" + name) || name;
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return values && values[key] !== undefined && values[key] !== null ? values[key] : "";
    });
  }

  function online() { return navigator.onLine && reachable; }

  function updateBar() {
    var on = online();
    net.dataset.state = on ? "online" : "offline";
    net.textContent = on ? text("online") : text("offline");
    var count = Offline.queue().length;
    waiting.textContent = text("waiting", {n: count});
    waiting.dataset.count = count;
    var pack = Offline.pack();
    root.querySelector("[data-pack-info]").textContent =
      pack ? text("pack", {n: pack.entries.length}) : text("no-pack");
    var conflicts = Offline.conflicts();
    root.querySelector("[data-conflict-count]").textContent = conflicts.length;
    var list = root.querySelector("[data-conflicts]");
    list.textContent = "";
    conflicts.forEach(function (conflict) {
      var item = document.createElement("li");
      item.textContent = text("conflict", {name: conflict.name || "?", local: text(conflict.local),
                                           server: text(conflict.server)}) +
        (conflict.first_gate ? " · " + text("first", {time: shortTime(conflict.first_at), gate: conflict.first_gate}) : "");
      list.appendChild(item);
    });
    if (conflicts.length) { list.parentNode.open = true; }
  }

  function shortTime(iso) {
    if (!iso) { return ""; }
    var match = /T(\d\d:\d\d)/.exec(iso);
    return match ? match[1] : iso;
  }

  function beep(kind) {
    if (!audio) { return; }
    try {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = kind === "ok" ? 880 : kind === "warn" ? 520 : 220;
      osc.type = kind === "ok" ? "sine" : "square";
      gain.gain.value = 0.15;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (kind === "ok" ? 0.12 : 0.3));
    } catch (error) { /* no sound is not a reason to stop scanning */ }
  }

  function show(answer, item) {
    var kind = answer.result === "ok" ? "ok" : answer.result === "already_checked_in" ? "warn" : "bad";
    answerBox.dataset.result = answer.result;
    answerBox.dataset.kind = kind;
    answerBox.dataset.local = answer.local ? "true" : "false";
    var label = answer.result === "ok" && item && item.direction === "out" ? text("ok-out") : text(answer.result);
    answerBox.querySelector("[data-answer-result]").textContent = label;
    answerBox.querySelector("[data-answer-name]").textContent = answer.attendee ? answer.attendee.name : "";
    var detail = "";
    if (answer.result === "already_checked_in" && answer.first_gate) {
      detail = text("first", {time: shortTime(answer.first_checked_in_at), gate: answer.first_gate});
    } else if (answer.local) {
      detail = text("local");
    } else if (answer.message) {
      detail = answer.message;
    }
    answerBox.querySelector("[data-answer-detail]").textContent = detail;
    answerBox.hidden = false;
    beep(kind);
    window.clearTimeout(answerTimer);
    answerTimer = window.setTimeout(function () { answerBox.hidden = true; }, ANSWER_SHOWN);
  }

  // Entry paused here: the banner, for an entry scanner (exits go on).
  function renderPaused() {
    var here = Boolean(config && config.direction === "in" && Offline.isPaused(pauses, config.gate));
    view.dataset.paused = here ? "true" : "false";
    pausedBox.hidden = !here;
    if (!here) { return; }
    var own = Offline.ownPause(pauses, config.gate);
    var pause = own || pauses.venue;
    pausedBox.querySelector("[data-paused-title]").textContent = text(own ? "paused-gate" : "paused-venue");
    pausedBox.querySelector("[data-paused-reason]").textContent = pause && pause.reason ? pause.reason : "";
    pausedBox.querySelector("[data-paused-note]").textContent = text("paused-exits");
  }

  function setPauses(state) {
    if (!state || typeof state !== "object") { return; }
    pauses = state;
    Offline.setPauses(state);
    renderPaused();
  }

  function loadPauses() {
    fetch(root.dataset.gatesUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(setPauses, function () { /* offline: the pack's pauses stand */ });
  }

  if (typeof window.io === "function") {
    var socket = window.io("/staff", {transports: ["websocket"]});
    socket.on("gates_changed", setPauses);
    socket.on("connect", loadPauses);  // (re)connected: whatever changed meanwhile
  }

  function post(item) {
    return fetch(root.dataset.checkinsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({scan: item.scan, gate: item.gate, session_id: item.session_id,
                            direction: item.direction, nonce: item.nonce, scanned_at: item.scanned_at})
    }).then(function (response) {
      reachable = true;
      return response.json().catch(function () { return {}; }).then(function (body) {
        return {status: response.status, body: body};
      });
    }, function (error) {
      reachable = false;
      throw error;
    });
  }

  function answerLocally(item) {
    return Offline.answer(item).then(function (answer) {
      item.local_result = answer.result;
      Offline.enqueue(item);
      updateBar();
      show(answer, item);
    });
  }

  function submit(scanText) {
    if (!config) { return; }
    var item = {scan: scanText, gate: config.gate, session_id: config.session_id,
                direction: config.direction, nonce: Offline.nonce(),
                scanned_at: new Date(Date.now() + clockOffset).toISOString()};
    if (!online() || Offline.queue().length) {
      answerLocally(item).then(sync);
      return;
    }
    post(item).then(function (reply) {
      updateBar();
      if (reply.status === 200) {
        show(reply.body, item);
      } else {
        var error = reply.body && reply.body.error;
        show({result: "error", attendee: null,
              message: (error && error.message) || text("error", {status: reply.status})}, item);
      }
    }, function () {
      answerLocally(item);
    });
  }

  function sync() {
    if (syncing || !navigator.onLine || !Offline.queue().length) { updateBar(); return; }
    syncing = true;
    var item = Offline.queue()[0];
    post(item).then(function (reply) {
      if (reply.status === 200) {
        var server = reply.body;
        if (server.result !== item.local_result) {
          Offline.addConflict({name: server.attendee ? server.attendee.name : null, local: item.local_result,
                               server: server.result, first_gate: server.first_gate,
                               first_at: server.first_checked_in_at, scanned_at: item.scanned_at});
        }
        Offline.dequeue();
      } else if (reply.status === 400 || reply.status === 401 || reply.status === 403) {
        syncing = false;  // signed out or CSRF expired: keep the queue for after sign-in
        updateBar();
        return;
      } else {
        Offline.addConflict({name: null, local: item.local_result, server: "error", scanned_at: item.scanned_at});
        Offline.dequeue();
      }
      syncing = false;
      updateBar();
      sync();
    }, function () {
      syncing = false;
      updateBar();
    });
  }

  function loadPack() {
    if (!navigator.onLine) { return; }
    fetch(root.dataset.packUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (pack) {
        if (pack) {
          Offline.setPack(pack);
          setPauses(pack.paused);  // as fresh as the pack; live events change it from here
          setServerNow(pack.now);
          reachable = true;
          root.dataset.packLoaded = "true";
        }
        updateBar();
      }, function () { reachable = false; updateBar(); });
  }

  function onDecoded(data) {
    var now = Date.now();
    if (data === lastText && now - lastAt < SAME_TEXT_PAUSE) { return; }
    lastText = data;
    lastAt = now;
    submit(data);
  }

  var camera = new window.BacklotQrCamera(video, canvas, onDecoded);

  function startCamera() {
    var hint = root.querySelector("[data-hint]");
    if (!window.BacklotQrCamera.supported()) {
      hint.textContent = text("no-camera");
      return;
    }
    camera.start().catch(function () { hint.textContent = text("no-camera"); });
  }

  function stopCamera() { camera.stop(); }

  // Setup: the gate name is remembered on this phone.
  var gateInput = setup.querySelector("[name=gate]");
  gateInput.value = window.localStorage.getItem("backlot.scan.gate") || "";
  setup.addEventListener("submit", function (event) {
    event.preventDefault();
    var gate = gateInput.value.trim();
    if (!gate) { gateInput.focus(); return; }
    window.localStorage.setItem("backlot.scan.gate", gate);
    var place = setup.querySelector("[name=session_id]");
    config = {gate: gate, session_id: place.value ? parseInt(place.value, 10) : null,
              direction: setup.querySelector("[name=direction]:checked").value};
    root.querySelector("[data-where]").textContent =
      gate + " · " + place.options[place.selectedIndex].text + " · " + (config.direction === "in" ? "↘" : "↗");
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (error) { audio = null; }
    setup.hidden = true;
    view.hidden = false;
    document.body.classList.add("scanning");
    renderPaused();
    loadPack();
    sync();
    startCamera();
    if (window.matchMedia("(pointer: fine)").matches) { codeInput.focus(); }
  });

  root.querySelector("[data-stop]").addEventListener("click", function () {
    config = null;
    stopCamera();
    view.hidden = true;
    setup.hidden = false;
    document.body.classList.remove("scanning");
  });

  // Manual entry and keyboard-wedge scanners (they type the code, then Enter).
  manual.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = codeInput.value.trim();
    codeInput.value = "";
    if (value) {
      lastText = value;
      lastAt = Date.now();
      submit(value);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (!config || event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) { return; }
    var target = event.target;
    if (target && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) { return; }
    codeInput.focus();
  });
  answerBox.addEventListener("click", function () { answerBox.hidden = true; });

  window.addEventListener("online", function () { reachable = true; updateBar(); loadPack(); sync(); });
  window.addEventListener("offline", updateBar);
  window.setInterval(function () { if (config) { sync(); } }, 5000);
  window.setInterval(function () { if (config) { loadPack(); } }, 10 * 60 * 1000);
  updateBar();
})();
