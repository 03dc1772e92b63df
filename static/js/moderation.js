// The moderation queue (/staff/stories). One tap approves or rejects a story through the JSON API;
// the /staff events keep every moderator's queue the same: a story a kiosk sends comes in (flagged
// ones on top), and one decided anywhere leaves the tab it no longer belongs to. Cards come from
// the server (escaped there); what this script writes itself goes in as text.
(function () {
  "use strict";
  var queue = document.querySelector("[data-story-queue]");
  var socket = window.staffSocket;  // opened by staff-dashboard.js
  if (!queue || !socket) { return; }
  var tab = queue.dataset.status;  // pending | approved | rejected
  var text = JSON.parse(document.getElementById("moderation-text").textContent);
  var notice = document.querySelector("[data-queue-notice]");
  var empty = document.querySelector("[data-queue-empty]");
  var autoApprove = document.querySelector("[data-auto-approve]");

  function say(message, title, isError) {
    notice.textContent = message.replace("{title}", title || "");
    notice.classList.toggle("notice--error", Boolean(isError));
    notice.classList.toggle("notice--ok", !isError);
    notice.hidden = false;
  }

  function api(method, path, body) { return window.staffApi(method, path, body, text.offline); }

  function getHtml(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected) { window.location.reload(); }  // signed out meanwhile
        return response.ok && !response.redirected ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        var holder = document.createElement("template");  // inert: nothing loads until a card is placed
        holder.innerHTML = html;
        return holder.content;
      });
  }

  function cardFor(id) { return queue.querySelector('[data-story-id="' + id + '"]'); }
  function titleOf(card) { return card.querySelector(".story-card__title").textContent; }
  function showEmpty() { empty.hidden = queue.children.length > 0; }

  // The tab's order (as the server sorts): waiting stories flagged first, then oldest first;
  // approved and rejected ones newest first.
  function comesBefore(card, other) {
    var id = Number(card.dataset.storyId), otherId = Number(other.dataset.storyId);
    if (tab !== "pending") { return id > otherId; }
    var flagged = card.dataset.flagged === "true", otherFlagged = other.dataset.flagged === "true";
    return flagged !== otherFlagged ? flagged : id < otherId;
  }

  function place(card) {
    var old = cardFor(card.dataset.storyId);
    if (old) {
      old.replaceWith(card);
    } else {
      var next = Array.prototype.find.call(queue.children, function (other) { return comesBefore(card, other); });
      queue.insertBefore(card, next || null);
    }
    showEmpty();
  }

  function remove(card) {
    var hadFocus = card.contains(document.activeElement);
    var neighbour = card.nextElementSibling || card.previousElementSibling;
    card.remove();
    showEmpty();
    if (hadFocus && neighbour) { neighbour.querySelector("button").focus(); }
  }

  function loadCard(id) {
    getHtml(queue.dataset.cardUrl.replace(/\/0\/card$/, "/" + id + "/card")).then(function (content) {
      var card = content.firstElementChild;
      // The story may have moved on while the card was on its way.
      if (card && card.dataset.status === tab) { place(card); }
    }).catch(function () {});
  }

  // A story changed, here or anywhere: it belongs in this tab or it leaves it.
  function follow(story) {
    var card = cardFor(story.id);
    if (story.status === tab) {
      loadCard(story.id);
    } else if (card) {
      if (!card.dataset.busy) { say(text[story.status + "_elsewhere"], story.title); }  // not our own tap
      remove(card);
    }
  }

  // After a reconnect (and at first connect) the tab is fetched again: events may have been missed.
  // Cards still there are kept as they are, with a reason half typed and drawings loaded.
  function resync() {
    getHtml(queue.dataset.listUrl).then(function (content) {
      var cards = Array.prototype.map.call(content.children, function (fresh) {
        return cardFor(fresh.dataset.storyId) || fresh;
      });
      queue.replaceChildren.apply(queue, cards);
      showEmpty();
    }).catch(function () {});
  }

  queue.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    var card = button && button.closest("[data-story-id]");
    if (!card || card.dataset.busy) { return; }
    var id = Number(card.dataset.storyId);
    var action = button.dataset.action;
    var problem = card.querySelector("[data-card-error]");
    var reason = card.querySelector("[data-reason]");
    var request;
    if (action === "spotlight") {
      request = api("PUT", "/displays", { mode: "spotlight", story_id: id });
    } else if (action === "reject" && reason && reason.value.trim()) {
      request = api("POST", "/stories/" + id + "/reject", { reason: reason.value.trim() });
    } else {
      request = api("POST", "/stories/" + id + "/" + action);
    }
    card.dataset.busy = "true";
    card.setAttribute("aria-busy", "true");
    problem.hidden = true;
    request.then(function (answer) {
      if (action === "spotlight") {
        say(text.spotlight, titleOf(card));
      } else {
        say(text[answer.status], answer.title);
        follow(answer);
      }
    }).catch(function (error) {
      problem.textContent = error.message;
      problem.hidden = false;
    }).then(function () {
      delete card.dataset.busy;
      card.removeAttribute("aria-busy");
    });
  });

  if (autoApprove) {
    autoApprove.addEventListener("change", function () {
      var wanted = autoApprove.checked;
      autoApprove.disabled = true;
      api("PUT", "/challenge/settings", { auto_approve: wanted }).then(function (answer) {
        autoApprove.checked = answer.auto_approve;
        say(answer.auto_approve ? text.auto_on : text.auto_off);
      }).catch(function (error) {
        autoApprove.checked = !wanted;
        say(error.message, "", true);
      }).then(function () { autoApprove.disabled = false; });
    });
    socket.on("challenge_settings", function (settings) { autoApprove.checked = settings.auto_approve; });
  }

  socket.on("state", function (snapshot) {
    if (autoApprove && snapshot.moderation) { autoApprove.checked = snapshot.moderation.auto_approve; }
    resync();
  });
  socket.on("story_submitted", function (story) { if (story.status === tab) { loadCard(story.id); } });
  socket.on("story_moderated", follow);
})();
