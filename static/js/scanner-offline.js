// Gate scanner, offline part: the day's pack of hashed ticket codes, local answers while the
// network is down, and the queue of scans sent in order once it is back (nonces make a re-send
// harmless; the server's answer wins, and a different one is kept as a conflict). The pack also
// carries the gates' rules (opening hours, session windows, pauses), applied as the server does.
(function () {
  "use strict";
  var PACK = "backlot.scan.pack";
  var QUEUE = "backlot.scan.queue";
  var ACCEPTED = "backlot.scan.accepted";
  var CONFLICTS = "backlot.scan.conflicts";

  function load(key, fallback) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (error) { return fallback; }
  }
  function save(key, value) { window.localStorage.setItem(key, JSON.stringify(value)); }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function sha256(text) {
    return window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }

  // The same reading as app.checkin.rules.ticket_code: the ticket URL or the bare code.
  function ticketCode(scan) {
    var text = (scan || "").trim();
    if (text.indexOf("/") !== -1) {
      var path;
      try { path = new URL(text, "http://x.invalid/").pathname; } catch (error) { return null; }
      var parts = path.split("/").filter(Boolean);
      text = parts.length === 2 && parts[0] === "t" ? parts[1] : "";
    }
    return /^[A-Za-z0-9_-]{16,64}$/.test(text) ? text : null;
  }

  // The same rules as app.checkin.rules: a window admits from opens_at up to, not including, closes_at.
  function windowRefusal(window, moment) {
    if (!window) { return null; }
    if (moment < Date.parse(window.opens_at)) { return "too_early"; }
    if (moment >= Date.parse(window.closes_at)) { return "closed"; }
    return null;
  }

  // The same key as app.checkin.rules.gate_key: "North  door" and "north door" are one gate.
  function gateKey(name) {
    return String(name || "").trim().split(/\s+/).join(" ").toLowerCase();
  }

  // This gate's own pause ({gate, reason, …}, from GET /api/v1/gates), or undefined.
  function ownPause(pauses, gate) {
    return ((pauses && pauses.gates) || []).filter(function (pause) { return gateKey(pause.gate) === gateKey(gate); })[0];
  }

  // Entry paused at `gate`, or at every gate ({venue_paused, gates: [{gate}]}, as GET /api/v1/gates).
  function isPaused(pauses, gate) {
    return Boolean(pauses && (pauses.venue_paused || ownPause(pauses, gate)));
  }

  function nonce() {
    if (window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return hex(bytes.buffer);
  }

  var Offline = {
    pack: function () { return load(PACK, null); },
    setPack: function (pack) { save(PACK, pack); },
    queue: function () { return load(QUEUE, []); },
    conflicts: function () { return load(CONFLICTS, []); },
    nonce: nonce,
    ticketCode: ticketCode,
    isPaused: isPaused,
    ownPause: ownPause,
    // The pauses seen live replace those of the pack's time.
    setPauses: function (pauses) {
      var pack = Offline.pack();
      if (pack) { pack.paused = pauses; save(PACK, pack); }
    },

    enqueue: function (item) {
      var queue = Offline.queue();
      queue.push(item);
      save(QUEUE, queue);
    },
    dequeue: function () {
      var queue = Offline.queue();
      queue.shift();
      save(QUEUE, queue);
    },
    addConflict: function (conflict) {
      var list = Offline.conflicts();
      list.unshift(conflict);
      save(CONFLICTS, list.slice(0, 50));
    },

    // A promise of {result, attendee: null, local: true} from the pack alone.
    answer: function (scan) {
      var pack = Offline.pack();
      var code = ticketCode(scan.scan);
      if (!pack || !code) { return Promise.resolve({result: "unknown_ticket", attendee: null, local: true}); }
      return sha256(pack.salt + code).then(function (hash) {
        var result;
        var entering = scan.direction !== "out";
        var window = scan.session_id === null ? pack.hours : (pack.windows || {})[String(scan.session_id)];
        var hours = entering ? windowRefusal(window, Date.parse(scan.scanned_at)) : null;
        if (pack.entries.indexOf(hash) === -1) {
          result = "unknown_ticket";
        } else if (entering && isPaused(pack.paused, scan.gate)) {
          result = "entry_paused";
        } else if (hours) {
          result = hours;
        } else if (scan.session_id !== null && pack.sessions[String(scan.session_id)] &&
                   pack.sessions[String(scan.session_id)].indexOf(hash) === -1) {
          result = "not_registered";
        } else {
          var accepted = load(ACCEPTED, {});
          var key = pack.day + "|" + (scan.session_id === null ? "entrance" : scan.session_id) + "|" + hash;
          if (scan.direction === "out") {
            result = "ok";
            delete accepted[key];
          } else if (accepted[key]) {
            result = "already_checked_in";
          } else {
            result = "ok";
            accepted[key] = scan.gate;
          }
          save(ACCEPTED, accepted);
        }
        return {result: result, attendee: null, local: true};
      });
    }
  };
  window.BacklotOffline = Offline;
})();
