// The show (/staff/show), on a phone by the stage. Each big button is one call of the show's JSON API
// with the signed-in session; the state and both boards follow /staff's `leaderboard` events (the
// socket staff-dashboard.js opens), and are fetched again after each tap, on reconnect and every 30 s
// (voting that follows the round opens and closes with the clock). A frozen board is marked on
// the whole page. Everything written here goes in as text.
(function () {
  "use strict";
  var root = document.querySelector("[data-show]");
  var picker = document.querySelector("[data-round-picker]");
  if (picker) {
    picker.querySelector("select").addEventListener("change", function () { picker.submit(); });
  }
  if (!root) { return; }
  var PERIOD_MS = 30000;
  var roundId = Number(root.dataset.roundId);
  var text = JSON.parse(document.getElementById("show-text").textContent);
  var notice = root.querySelector("[data-show-notice]");
  var controls = root.querySelector("[data-controls]");
  var baseTitle = document.title;
  var busy = false;
  // The last state shown ({show, public, live}): first the one the page was rendered with.
  var current = JSON.parse(document.getElementById("show-state").textContent);

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? String(values[name]) : all; });
  }

  function say(message, isError) {
    notice.textContent = message;
    notice.classList.toggle("notice--error", Boolean(isError));
    notice.classList.toggle("notice--ok", !isError);
    notice.hidden = false;
  }

  function api(method, path, body) { return window.staffApi(method, path, body, text.offline); }

  // How many places the reveal walks through: fixed once it began, else what it would take now.
  function placesOf(state) {
    var show = state.show;
    if (show.places !== null && show.places !== undefined) { return show.places; }
    return (show.frozen ? state.public.entries : state.live.entries).length;
  }

  function cell(row, value, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    if (value && value.nodeType) { td.appendChild(value); } else { td.textContent = value; }
    row.appendChild(td);
    return td;
  }

  function renderBoard(body, entries) {
    var rows = entries.map(function (entry) {
      var row = document.createElement("tr");
      row.dataset.storyId = entry.story_id;
      cell(row, String(entry.rank), "num show-table__rank");
      var story = document.createElement("span");
      var title = document.createElement("span");
      title.className = "show-table__title";
      title.textContent = entry.title;
      var author = document.createElement("span");
      author.className = "show-table__author";
      author.textContent = entry.author;
      story.append(title, " ", author);
      cell(row, story, "show-table__story");
      cell(row, String(entry.votes), "num end");
      var jury = entry.jury;
      if (jury === null || jury === undefined) {
        var none = document.createElement("span");
        none.className = "muted";
        none.textContent = text.not_scored;
        cell(row, none, "num end");
      } else {
        cell(row, String(jury), "num end");
      }
      cell(row, String(entry.score), "num end show-table__score");
      return row;
    });
    if (!rows.length) {
      var empty = document.createElement("tr");
      empty.className = "show-table__empty";
      var td = cell(empty, text.empty, "muted");
      td.colSpan = 5;
      rows.push(empty);
    }
    body.replaceChildren.apply(body, rows);
  }

  function setDisabled(action, disabled) {
    var button = controls.querySelector('[data-action="' + action + '"]');
    button.dataset.wanted = disabled ? "off" : "on";
    button.disabled = busy || disabled;
  }

  function render(state) {
    current = state;
    var show = state.show;
    var frozen = Boolean(show.frozen);
    var places = placesOf(state);
    var revealed = show.revealed;
    var shown = revealed || 0;

    root.classList.toggle("show--frozen", frozen);
    root.dataset.frozen = frozen ? "true" : "false";
    root.querySelector("[data-frozen-banner]").hidden = !frozen;
    root.querySelector("[data-public-frozen]").hidden = !frozen;
    root.querySelector("[data-live-note]").hidden = !frozen;
    root.querySelector("[data-public-revealing]").hidden = revealed === null;
    document.title = (frozen ? "❄ " + text.frozen_title + " · " : "") + baseTitle;

    var voting = root.querySelector("[data-state-voting]");
    voting.className = "show-state__item show-state__item--voting-" + show.voting;
    root.querySelector("[data-voting]").textContent = show.voting === "open" ? text.voting_open : text.voting_closed;
    root.querySelector("[data-voting-by]").textContent = show.voting_set_by === "staff" ? text.by_staff : text.by_round;
    var board = root.querySelector("[data-state-board]");
    board.className = "show-state__item show-state__item--" + (frozen ? "frozen" : "live");
    root.querySelector("[data-board-state]").textContent = frozen ? "❄ " + text.frozen : text.live;
    root.querySelector("[data-reveal-progress]").textContent = revealed === null
      ? fill(text.reveal_none, { m: places }) : fill(text.reveal_progress, { n: revealed, m: places });
    root.querySelector("[data-reveal-next]").textContent = shown < places
      ? fill(text.reveal_next, { place: places - shown }) : (places ? text.reveal_done : "");

    var staffSet = show.voting_set_by === "staff";
    setDisabled("voting/open", staffSet && show.voting === "open");
    setDisabled("voting/close", staffSet && show.voting === "closed");
    setDisabled("freeze", frozen);
    setDisabled("unfreeze", !frozen);
    setDisabled("reveal", places === 0 || shown >= places);
    setDisabled("reveal/reset", revealed === null);
    setDisabled("displays", false);

    renderBoard(root.querySelector('[data-entries="public"]'), state.public.entries);
    renderBoard(root.querySelector('[data-entries="live"]'), state.live.entries);
  }

  var latest = 0;  // only the newest answer is shown, whatever order the answers arrive in
  function refresh() {
    var ticket = ++latest;
    return fetch(root.dataset.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          window.location.reload();  // signed out meanwhile
          return Promise.reject(response.status);
        }
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (state) { if (ticket === latest) { render(state); } })
      .catch(function () {});
  }

  function setBusy(value) {
    busy = value;
    root.setAttribute("aria-busy", value ? "true" : "false");
    Array.prototype.forEach.call(controls.querySelectorAll("button[data-action]"), function (button) {
      button.disabled = value || button.dataset.wanted === "off";
    });
  }

  function request(action) {
    if (action === "displays") { return api("PUT", "/displays", { mode: "leaderboard" }); }
    if (action === "reveal") {
      // Says which place it shows: a double tap or a re-sent request shows one place, not two.
      return api("POST", "/rounds/" + roundId + "/reveal", { places: (current.show.revealed || 0) + 1 });
    }
    return api("POST", "/rounds/" + roundId + "/" + action);
  }

  var DONE = { "voting/open": "done_open", "voting/close": "done_close", freeze: "done_freeze",
               unfreeze: "done_unfreeze", "reveal/reset": "done_reset", displays: "done_displays" };

  controls.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button || busy || button.disabled) { return; }
    var action = button.dataset.action;
    if (action === "reveal/reset" && !window.confirm(text.confirm_undo)) { return; }
    setBusy(true);
    notice.hidden = true;
    request(action).then(function () {
      return refresh();
    }).then(function () {
      say(action === "reveal" ? fill(text.done_reveal, { n: current.show.revealed || 0, m: placesOf(current) })
                              : text[DONE[action]]);
    }).catch(function (error) {
      say(error.message, true);
    }).then(function () { setBusy(false); });
  });

  render(current);
  setInterval(refresh, PERIOD_MS);

  var socket = window.staffSocket;  // opened by staff-dashboard.js
  if (socket) {
    socket.on("leaderboard", function (payload) {
      if (payload && payload.round_id === roundId && payload.show) {
        ++latest;
        render({ show: payload.show, public: payload.public, live: payload.live });
      }
    });
    socket.on("state", refresh);  // (re)connected: whatever was missed meanwhile
    socket.on("round", refresh);  // a round opened or closed: voting that follows it did too
  }
})();
