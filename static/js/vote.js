// /vote: a visitor proves a ticket (scan, type, or ?code=), then votes for the round's stories.
// Live over Socket.IO /vote; votes over the JSON API. Text from data is set with textContent only.
(function () {
  "use strict";
  var root = document.querySelector("[data-vote-app]");
  if (!root) { return; }
  var STORE = "backlot.vote.ticket";
  var lang = root.dataset.lang || document.documentElement.lang || "zh";
  var votesUrl = root.dataset.votesUrl;

  var state = {round: null, voting: "closed", stories: [], board: null};
  var ballot = null;           // {round_id, votes_per_ticket, left, story_ids, checked_in}
  var ticket = null;
  var busy = {};
  var camera = null;

  function $(selector) { return root.querySelector(selector); }
  function text(name, values) {
    var template = root.getAttribute("data-text-" + name) || name;
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return values && values[key] !== undefined && values[key] !== null ? String(values[key]) : "";
    });
  }
  function pick(value) {
    if (!value || typeof value === "string") { return value || ""; }
    return value[lang] || value[lang === "zh" ? "en" : "zh"] || "";
  }
  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = content; }
    return node;
  }

  // --- the ticket -----------------------------------------------------------------------
  function codeOf(scanned) {
    var value = (scanned || "").trim();
    if (value.indexOf("/") !== -1) {
      var match = /\/t\/([A-Za-z0-9_-]{16,64})\/?(?:[?#].*)?$/.exec(value);
      return match ? match[1] : null;
    }
    return /^[A-Za-z0-9_-]{16,64}$/.test(value) ? value : null;
  }
  function remembered() { try { return window.localStorage.getItem(STORE); } catch (e) { return null; } }
  function remember(code) { try { window.localStorage.setItem(STORE, code); } catch (e) { /* private mode */ } }
  function forget() { try { window.localStorage.removeItem(STORE); } catch (e) { /* private mode */ } }

  function api(method, url, body) {
    var options = {method: method, credentials: "same-origin",
                   headers: {"Accept": "application/json", "Accept-Language": lang}};
    if (body) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 204) { return {status: 204, body: null}; }
      return response.json().catch(function () { return null; }).then(function (json) {
        return {status: response.status, body: json};
      });
    }, function () { return {status: 0, body: null}; });
  }

  function refusal(reply) {
    var error = reply.body && reply.body.error;
    if (reply.status === 0) { showMessage(text("offline"), "", "offline"); return; }
    var code = error ? error.code : "error";
    var hint = root.getAttribute("data-text-hint-" + code) || "";
    showMessage((error && error.message) || text("error", {status: reply.status}), hint, code);
  }

  function useTicket(code, fromUser) {
    return api("GET", votesUrl + "?ticket_code=" + encodeURIComponent(code)).then(function (reply) {
      if (reply.status === 200) {
        ticket = code;
        remember(code);
        ballot = reply.body;
        stopCamera();
        if (fromUser) { hideMessage(); }
        render();
        return true;
      }
      if (reply.status === 404 || reply.status === 403) { if (ticket === code || remembered() === code) { forget(); } ticket = null; ballot = null; }
      refusal(reply);
      render();
      return false;
    });
  }

  function refreshBallot() { if (ticket) { useTicket(ticket, false); } }

  // --- messages ---------------------------------------------------------------------------
  var messageBox = $("[data-message]");
  function showMessage(message, hint, code, kind) {
    messageBox.dataset.code = code || "";
    messageBox.dataset.kind = kind || "bad";
    $("[data-message-text]").textContent = message;
    var hintNode = $("[data-message-hint]");
    hintNode.textContent = hint || "";
    hintNode.hidden = !hint;
    messageBox.hidden = false;
  }
  function hideMessage() { messageBox.hidden = true; }
  $("[data-message-close]").addEventListener("click", hideMessage);

  // --- drawing ----------------------------------------------------------------------------
  function votingOpen() { return state.voting === "open" && !!state.round; }
  function voted(id) { return !!(ballot && ballot.story_ids.indexOf(id) !== -1); }

  function storyCard(story) {
    var item = el("li", "story-card");
    item.dataset.storyId = story.id;
    var titleId = "story-title-" + story.id;
    var frames = (story.frames || []).filter(function (url) { return !!url; });
    if (frames.length) {
      var strip = el("div", "story-card__frames");
      frames.forEach(function (url, index) {
        var img = el("img", "story-card__frame");
        img.src = url;
        img.loading = "lazy";
        img.alt = text("frame", {n: index + 1, title: story.title});
        strip.appendChild(img);
      });
      item.appendChild(strip);
    }
    var body = el("div", "story-card__body");
    var title = el("h3", "story-card__title", story.title);
    title.id = titleId;
    body.appendChild(title);
    if (story.author) { body.appendChild(el("p", "story-card__author", text("by", {author: story.author}))); }
    if (story.logline) { body.appendChild(el("p", "story-card__logline", story.logline)); }
    var actions = el("div", "story-card__actions");
    var mark = el("span", "story-card__voted", "✓ " + text("voted"));
    mark.setAttribute("data-voted-mark", "");
    var voteButton = el("button", "button vote-big story-card__vote", text("vote"));
    voteButton.type = "button";
    voteButton.setAttribute("data-vote", "");
    voteButton.setAttribute("aria-describedby", titleId);
    var back = el("button", "button button--ghost vote-big story-card__back", text("take-back"));
    back.type = "button";
    back.setAttribute("data-take-back", "");
    back.setAttribute("aria-describedby", titleId);
    voteButton.addEventListener("click", function () { cast(story); });
    back.addEventListener("click", function () { withdraw(story); });
    actions.appendChild(mark);
    actions.appendChild(voteButton);
    actions.appendChild(back);
    body.appendChild(actions);
    item.appendChild(body);
    return item;
  }

  function updateCard(item) {
    var id = parseInt(item.dataset.storyId, 10);
    var isVoted = voted(id);
    var open = votingOpen();
    item.dataset.voted = isVoted ? "true" : "false";
    item.querySelector("[data-voted-mark]").hidden = !isVoted;
    var voteButton = item.querySelector("[data-vote]");
    var back = item.querySelector("[data-take-back]");
    voteButton.hidden = isVoted || !ticket;
    back.hidden = !isVoted;
    voteButton.disabled = !open || !!busy[id];
    back.disabled = !open || !!busy[id];
    voteButton.dataset.spent = ballot && ballot.left === 0 ? "true" : "false";
  }

  function renderStories() {
    var list = $("[data-stories]");
    var wanted = state.stories.map(function (story) { return String(story.id); });
    Array.prototype.slice.call(list.children).forEach(function (item) {
      if (wanted.indexOf(item.dataset.storyId) === -1) { list.removeChild(item); }
    });
    state.stories.forEach(function (story, index) {
      var item = list.querySelector('[data-story-id="' + story.id + '"]');
      if (!item) { item = storyCard(story); }
      if (list.children[index] !== item) { list.insertBefore(item, list.children[index] || null); }
      updateCard(item);
    });
    var empty = $("[data-no-stories]");
    empty.hidden = state.stories.length > 0 || !state.round;
    empty.textContent = text("no-stories");
  }

  function renderBoard() {
    var board = state.board;
    var list = $("[data-board]");
    var note = $("[data-board-state]");
    list.textContent = "";
    var entries = board ? board.entries || [] : [];
    var message = "";
    if (board && board.revealed !== null && board.revealed !== undefined) {
      message = board.revealed ? text("revealing", {n: board.revealed}) : text("revealing-none");
      note.dataset.state = "revealing";
    } else if (board && board.frozen) {
      message = text("frozen");
      note.dataset.state = "frozen";
    } else if (!entries.length) {
      message = text("no-board");
      note.dataset.state = "empty";
    }
    note.textContent = message;
    note.hidden = !message;
    entries.slice(0, 10).forEach(function (entry) {
      var item = el("li", "board-row");
      item.dataset.storyId = entry.story_id;
      if (voted(entry.story_id)) { item.dataset.mine = "true"; }
      var rank = el("span", "board-row__rank", String(entry.rank));
      rank.setAttribute("aria-label", text("rank", {rank: entry.rank}));
      item.appendChild(rank);
      item.appendChild(el("span", "board-row__title", entry.title));
      item.appendChild(el("span", "board-row__votes", entry.votes === 1 ? text("votes-one") : text("votes-count", {n: entry.votes})));
      list.appendChild(item);
    });
  }

  function render() {
    $("[data-round-title]").textContent = state.round ? pick(state.round.title) : "";
    var banner = $("[data-banner]");
    if (!state.round) {
      banner.textContent = text("no-round");
      banner.dataset.kind = "closed";
      banner.hidden = false;
    } else if (state.voting !== "open") {
      banner.textContent = text("closed");
      banner.dataset.kind = "closed";
      banner.hidden = false;
    } else if (ballot && !ballot.checked_in) {
      banner.textContent = text("not-checked-in");
      banner.dataset.kind = "warn";
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
    root.dataset.voting = votingOpen() ? "open" : "closed";
    $("[data-ticket-form]").hidden = !!ticket;
    $("[data-me]").hidden = !ticket;
    if (ticket) {
      $("[data-ticket-label]").textContent = text("ticket", {end: ticket.slice(-4)});
      var left = $("[data-left]");
      if (ballot && ballot.round_id) {
        left.textContent = text("left", {left: ballot.left, total: ballot.votes_per_ticket});
        left.hidden = false;
      } else {
        left.hidden = true;
      }
    }
    renderStories();
    renderBoard();
  }

  // --- voting -----------------------------------------------------------------------------
  function cast(story) {
    if (!ticket || busy[story.id]) { return; }
    busy[story.id] = true;
    render();
    api("POST", votesUrl, {ticket_code: ticket, story_id: story.id}).then(function (reply) {
      busy[story.id] = false;
      if (reply.status === 201) {
        ballot = reply.body;
        showMessage(text("voted-for", {title: story.title}), "", "voted", "ok");
      } else {
        refusal(reply);
        if (reply.status === 409 || reply.status === 403) { refreshBallot(); }
      }
      render();
    });
  }

  function withdraw(story) {
    if (!ticket || busy[story.id]) { return; }
    busy[story.id] = true;
    render();
    api("DELETE", votesUrl, {ticket_code: ticket, story_id: story.id}).then(function (reply) {
      busy[story.id] = false;
      if (reply.status === 204) {
        if (ballot) {
          ballot.story_ids = ballot.story_ids.filter(function (id) { return id !== story.id; });
          ballot.left = Math.min(ballot.votes_per_ticket, ballot.left + 1);
        }
        showMessage(text("took-back", {title: story.title}), "", "took_back", "ok");
      } else {
        refusal(reply);
      }
      render();
    });
  }

  // --- proving a ticket: camera, typed code ------------------------------------------------
  var cameraBox = $("[data-camera]");
  var scanning = false;
  function onDecoded(data) {
    if (!scanning) { return; }
    var code = codeOf(data);
    if (!code) { $("[data-camera-hint]").textContent = text("not-a-ticket"); return; }
    scanning = false;
    useTicket(code, true).then(function (ok) { if (!ok) { scanning = true; } });
  }
  function stopCamera() {
    scanning = false;
    if (camera) { camera.stop(); }
    cameraBox.hidden = true;
    $("[data-scan-start]").hidden = false;
  }
  $("[data-scan-start]").addEventListener("click", function () {
    if (!window.BacklotQrCamera || !window.BacklotQrCamera.supported()) {
      showMessage(text("no-camera"), "", "no_camera");
      return;
    }
    camera = camera || new window.BacklotQrCamera($("[data-video]"), $("[data-canvas]"), onDecoded);
    cameraBox.hidden = false;
    $("[data-scan-start]").hidden = true;
    scanning = true;
    camera.start().catch(function () { stopCamera(); showMessage(text("no-camera"), "", "no_camera"); });
  });
  $("[data-scan-stop]").addEventListener("click", stopCamera);

  $("[data-code-form]").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("[data-code-input]");
    var code = codeOf(input.value);
    if (!code) {
      showMessage(text("hint-ticket_not_found"), "", "bad_code");
      input.focus();
      return;
    }
    useTicket(code, true).then(function (ok) { if (ok) { input.value = ""; } });
  });

  $("[data-forget]").addEventListener("click", function () {
    forget();
    ticket = null;
    ballot = null;
    $("[data-left]").textContent = "";
    hideMessage();
    render();
    $("[data-code-input]").focus();
  });

  // --- live -------------------------------------------------------------------------------
  var live = $("[data-live]");
  function setLive(on) {
    live.dataset.state = on ? "live" : "offline";
    live.textContent = on ? text("live") : text("reconnecting");
  }
  function applyState(snapshot) {
    var roundChanged = (snapshot.round && snapshot.round.id) !== (state.round && state.round.id);
    var votingChanged = snapshot.voting !== state.voting;
    state.round = snapshot.round;
    state.voting = snapshot.voting;
    state.stories = snapshot.stories || [];
    state.board = snapshot.leaderboard;
    render();
    if (roundChanged || votingChanged) { refreshBallot(); }
  }

  if (typeof window.io === "function") {
    var socket = window.io("/vote", {transports: ["websocket"]});
    socket.on("connect", function () { setLive(true); });
    socket.on("disconnect", function () { setLive(false); });
    socket.on("connect_error", function () { setLive(false); });
    socket.on("state", applyState);
    socket.on("story_approved", function (story) {
      if (!state.round || story.round_id !== state.round.id) { return; }
      if (state.stories.some(function (item) { return item.id === story.id; })) { return; }
      state.stories.push(story);
      render();
    });
    socket.on("story_removed", function (payload) {
      state.stories = state.stories.filter(function (item) { return item.id !== payload.id; });
      if (ballot && ballot.story_ids.indexOf(payload.id) !== -1) { refreshBallot(); }
      render();
    });
    socket.on("leaderboard", function (board) { state.board = board; renderBoard(); });
    socket.on("voting", function (payload) {
      if (state.round && payload.round_id === state.round.id) {
        state.voting = payload.voting;
        render();
      }
      socket.emit("sync");
    });
    socket.on("round", function () { socket.emit("sync"); });
  } else {
    setLive(false);
  }

  // --- start: ?code= (from the ticket page), else this phone's remembered ticket -----------
  var params = new URLSearchParams(window.location.search);
  var given = params.get("code");
  if (given) {
    params.delete("code");
    var rest = params.toString();
    // The code is a credential: keep it out of the address bar and the history.
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
  }
  var start = (given && codeOf(given)) || remembered();
  render();
  if (start) { useTicket(start, true); } else if (given) { showMessage(text("hint-ticket_not_found"), "", "bad_code"); }
})();
