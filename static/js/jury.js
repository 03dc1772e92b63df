// The juror's scoring page (/jury). Each story card is a form: a 1–10 mark per criterion and an
// optional comment, saved through PUT /api/v1/jury/scores/<id> with the session and its CSRF token.
// The list comes from the server (escaped there) and is fetched again when /staff says the round's
// stories or its show changed (jury_stories: a story approved or withdrawn, the reveal begun or
// undone), when the round changes, and every half minute; cards with marks being given are kept
// as they are. What this script writes itself is text.
(function () {
  "use strict";
  var root = document.querySelector("[data-jury]");
  if (!root) { return; }
  var picker = root.querySelector("[data-round-picker]");
  if (picker) {
    picker.querySelector("select").addEventListener("change", function () { picker.submit(); });
  }
  var list = root.querySelector("[data-jury-list]");
  if (!list) { return; }  // no round yet

  var text = JSON.parse(document.getElementById("jury-text").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var roundId = Number(root.dataset.roundId);
  var scoresUrl = root.dataset.scoresUrl.replace(/\/0$/, "/");
  var progress = root.querySelector("[data-progress]");
  var bar = root.querySelector("[data-progress-bar]");
  var notice = root.querySelector("[data-notice]");
  var filter = "unscored-first";
  var REFRESH_MS = 30000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function say(message, isError) {
    notice.textContent = message;
    notice.classList.toggle("notice--error", Boolean(isError));
    notice.hidden = !message;
  }

  function stories() { return list.querySelector("[data-stories]"); }
  function cards() { return Array.prototype.slice.call(list.querySelectorAll("[data-story-id]")); }
  function cardFor(id) { return list.querySelector('[data-story-id="' + id + '"]'); }
  function titleOf(card) { return card.querySelector(".jury-card__title").textContent; }
  function isFinal() { return stories().dataset.revealed === "true"; }

  function showProgress() {
    var all = cards();
    var scored = all.filter(function (card) { return card.dataset.scored === "true"; }).length;
    progress.textContent = fill(text.progress, { scored: scored, total: all.length });
    bar.max = all.length || 1;
    bar.value = scored;
  }

  // Unscored first (each part in the order sent), only one part, or everything in the order sent.
  function applyFilter() {
    var holder = stories();
    var all = cards();
    all.sort(function (a, b) {
      if (filter === "unscored-first" && a.dataset.scored !== b.dataset.scored) {
        return a.dataset.scored === "true" ? 1 : -1;
      }
      return Number(a.dataset.order) - Number(b.dataset.order);
    });
    all.forEach(function (card) {
      holder.appendChild(card);
      card.hidden = (filter === "unscored" && card.dataset.scored === "true") ||
                    (filter === "scored" && card.dataset.scored !== "true");
    });
    var empty = holder.querySelector("[data-testid=jury-empty]");
    if (empty) { holder.appendChild(empty); }
    root.querySelectorAll("[data-filter]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.filter === filter));
    });
  }

  root.querySelector("[data-filters]").addEventListener("click", function (event) {
    var button = event.target.closest("[data-filter]");
    if (!button) { return; }
    filter = button.dataset.filter;
    applyFilter();
  });

  function setState(card, state, message) {
    card.dataset.state = state;
    var line = card.querySelector("[data-state-text]");
    line.textContent = message;
    line.classList.toggle("jury-state--error", state === "error");
    line.classList.toggle("jury-state--saved", state === "saved");
  }

  function clearErrors(card) {
    card.querySelectorAll("[data-error-for]").forEach(function (holder) {
      holder.textContent = "";
      holder.hidden = true;
      var group = holder.closest("[data-criterion]");
      if (group) { group.classList.remove("jury-criterion--error"); }
    });
  }

  function showFieldErrors(card, fields) {
    var first = null;
    Object.keys(fields).forEach(function (path) {
      var key = path.indexOf("scores.") === 0 ? path.slice(7) : path;
      var holder = card.querySelector('[data-error-for="' + key + '"]');
      if (!holder) { return; }
      holder.textContent = fields[path];
      holder.hidden = false;
      var group = holder.closest("[data-criterion]");
      if (group) { group.classList.add("jury-criterion--error"); }
      first = first || group || holder;
    });
    if (first) { first.scrollIntoView({ block: "center", behavior: "smooth" }); }
  }

  function timeOf(stamp) {
    var match = /T(\d\d:\d\d)/.exec(stamp || "");
    return match ? match[1] : "";
  }

  function marksOf(form) {
    var scores = {};
    form.querySelectorAll("[data-criterion]").forEach(function (group) {
      var chosen = group.querySelector("input:checked");
      if (chosen) { scores[group.dataset.criterion] = Number(chosen.value); }
    });
    return { scores: scores, comment: form.elements.comment.value };
  }

  function save(card) {
    var form = card.querySelector("form");
    if (card.dataset.state === "saving" || isFinal()) { return; }
    clearErrors(card);
    setState(card, "saving", text.saving);
    var button = card.querySelector("[data-save]");
    button.disabled = true;
    fetch(scoresUrl + card.dataset.storyId, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf,
                 "Accept-Language": document.documentElement.lang },
      body: JSON.stringify(marksOf(form))
    }).then(function (response) {
      if (response.redirected || response.status === 401) { window.location.reload(); return; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        button.disabled = false;
        if (response.ok) {
          card.dataset.scored = "true";
          card.classList.add("jury-card--scored");
          card.querySelector("[data-badge]").textContent = text.badge_scored;
          setState(card, "saved", fill(text.saved_at, { time: timeOf(data.updated_at) }));
          showProgress();
          return;
        }
        var error = data.error || {};
        if (response.status === 422 && error.fields) {
          showFieldErrors(card, error.fields);
          setState(card, "error", text.fix_marks);
          return;
        }
        setState(card, "error", error.message || fill(text.error, { status: response.status }));
        if (error.code === "round_revealed" || error.code === "story_not_scorable") {
          refresh(card.dataset.storyId);  // the list follows: read-only, or without the story
        }
      });
    }, function () {
      button.disabled = false;
      setState(card, "error", text.offline);
    });
  }

  list.addEventListener("submit", function (event) {
    event.preventDefault();
    var card = event.target.closest("[data-story-id]");
    if (card) { save(card); }
  });

  // A mark or the comment changed: the card shows it is not saved yet.
  function changed(event) {
    var card = event.target.closest("[data-story-id]");
    if (!card || card.dataset.state === "saving") { return; }
    var group = event.target.closest("[data-criterion]");
    if (group) {
      var holder = group.querySelector("[data-error-for]");
      holder.hidden = true;
      group.classList.remove("jury-criterion--error");
    }
    if (card.dataset.state !== "error" || !card.querySelector(".jury-criterion--error")) {
      setState(card, "dirty", text.unsaved);
    }
  }
  list.addEventListener("change", changed);
  list.addEventListener("input", changed);

  // The list again from the server. Cards being changed, saved or showing an error stay as they are
  // (while their story is still approved); `keep` names a card whose error message must survive.
  var latest = 0;
  function refresh(keep) {
    var ticket = ++latest;
    return fetch(root.dataset.listUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          window.location.reload();
          return Promise.reject(response.status);
        }
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        if (ticket !== latest) { return; }
        var holder = document.createElement("template");  // inert until placed
        holder.innerHTML = html;
        var fresh = holder.content.querySelector("[data-stories]");
        var known = {};
        cards().forEach(function (card) { known[card.dataset.storyId] = card; });
        var nowFinal = fresh.dataset.revealed === "true";
        var kept = String(keep || "");
        Array.prototype.slice.call(fresh.querySelectorAll("[data-story-id]")).forEach(function (card) {
          var old = known[card.dataset.storyId];
          delete known[card.dataset.storyId];
          if (!old) {
            say(fill(text.new_story, { title: titleOf(card) }));
            return;
          }
          var busy = old.dataset.state === "dirty" || old.dataset.state === "saving" ||
                     (old.dataset.state === "error" && old.dataset.storyId !== kept);
          if (busy && !nowFinal) { card.replaceWith(old); }
          if (old.dataset.storyId === kept && nowFinal) {
            var message = old.querySelector("[data-state-text]").textContent;
            setState(card, "error", message);
          }
        });
        Object.keys(known).forEach(function (id) {
          say(fill(text.withdrawn, { title: titleOf(known[id]) }), true);
        });
        if (nowFinal && !isFinal()) { say(text.final, true); }
        stories().replaceWith(fresh);
        showProgress();
        applyFilter();
      })
      .catch(function () {});
  }

  var socket = window.staffSocket;  // opened by staff-dashboard.js
  if (socket) {
    socket.on("jury_stories", function (changed) {
      if (!changed || changed.round_id === roundId) { refresh(); }
    });
    socket.on("round", function () { refresh(); });
    socket.on("connect", function () { refresh(); });
  }
  setInterval(function () { if (!document.hidden) { refresh(); } }, REFRESH_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });

  showProgress();
  applyFilter();
})();
