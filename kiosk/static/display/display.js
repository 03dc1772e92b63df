// The public display: connects to Socket.IO /display, keeps the last `state` up to date with
// the events that follow it, and draws the view its mode asks for. A dropped connection leaves
// the screen as it was (with a discreet note in the corner); Socket.IO reconnects by itself and
// the `state` the server sends on connect redraws everything.
import { fillLabels, servedAt } from "./labels.js";
import * as views from "./views.js";
import * as board from "./board.js";
import { fitAll, keepFitted } from "./fit.js";

const FEED_SIZE = 5;              // the newest one large, four more beside it
const STORIES_KEPT = 30;          // as many as the server's snapshot holds
const SESSIONS_SHOWN = 3;         // per column, at a size read from across the hall
const SCHEDULE_PAGE_MS = 12_000;
const ATTRACT_STORIES = 12;
const ATTRACT_EVERY_MS = 9000;
const SYNC_EVERY_MS = 60_000;     // "on now / up next" moves with the clock even when nobody edits
const EDGE_MARGIN_MS = 1000;      // ask just after a round's edge, when the server has moved on
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

const body = document.body;
const find = (selector) => document.querySelector(selector);

/** The last snapshot, kept current by the events (null until the first one). */
let current = null;
let clockOffsetMs = 0;            // the server's clock minus this machine's
let wallOffsetMinutes = 8 * 60;   // the exhibition's UTC offset, read from the server's times
let venues = new Map();
let venuesStale = true;
const feedCards = new Map();      // story id → its card, reused so re-drawing replays no animation
let spotlightShown = null;
let schedulePage = 0;
let attractTimer = null;
let attractIndex = -1;
let edgeTimer = null;
let freshConnection = true;        // the next `state` is a (re)connection's: a reveal shows at once
let joinShown = null;

const requestedName = new URLSearchParams(location.search).get("display") || "main";
const socket = io("/display", {
  transports: ["websocket"],
  query: { display: requestedName },
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
});

/** Milliseconds since the epoch of an API time (Python may send microseconds). */
function parseTime(iso) {
  return Date.parse(iso.replace(/(\.\d{3})\d+/, "$1"));
}

function takeServerTime(iso) {
  clockOffsetMs = parseTime(iso) - Date.now();
  const zone = /([+-])(\d\d):(\d\d)$/.exec(iso);
  if (zone) wallOffsetMinutes = (zone[1] === "-" ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3]));
}

function serverNow() {
  return Date.now() + clockOffsetMs;
}

function drawClock() {
  const wall = new Date(serverNow() + wallOffsetMinutes * 60_000);
  find("[data-clock]").textContent = wall.toISOString().slice(11, 16);
}

function sync() {
  if (socket.connected) socket.emit("sync");
}

/** Ask again just after the open round ends or the next one starts. */
function planEdgeSync() {
  clearTimeout(edgeTimer);
  const now = serverNow();
  const edges = [current.round?.ends_at, current.next_round?.starts_at]
    .filter(Boolean).map(parseTime).filter((edge) => edge > now);
  if (edges.length) {
    edgeTimer = setTimeout(sync, Math.min(Math.min(...edges) - now + EDGE_MARGIN_MS, LONGEST_TIMEOUT_MS));
  }
}

async function loadVenues() {
  venuesStale = false;
  try {
    const response = await fetch("/api/v1/schedule", { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const schedule = await response.json();
    venues = new Map(schedule.venues.map((venue) => [venue.id, venue]));
    if (current) drawSchedule();
  } catch {
    venuesStale = true;  // sessions show without their venue until the next state
  }
}

/** Spotlight without a story (none chosen, or it was withdrawn) falls back to the attract loop. */
function viewFor(state) {
  if (state.mode === "spotlight" && !state.spotlight) return "attract";
  return ["feed", "spotlight", "schedule", "attract", "leaderboard"].includes(state.mode) ? state.mode : "attract";
}

function stopArriving(event) {
  if (event.target === event.currentTarget) event.currentTarget.classList.remove("card--arriving");
}

/** The newest stories; cards for stories in `arriving` animate in. */
function drawFeed(arriving) {
  const shown = current.stories.slice(0, FEED_SIZE);
  const cards = shown.map((story) => {
    let card = feedCards.get(story.id);
    if (!card) {
      card = views.storyCard(story);
      if (arriving.has(story.id)) {
        card.classList.add("card--arriving");
        card.addEventListener("animationend", stopArriving);
      }
    }
    return card;
  });
  feedCards.clear();
  shown.forEach((story, index) => feedCards.set(story.id, cards[index]));
  const feed = find("[data-feed]");
  feed.replaceChildren(...cards);
  fitAll(feed);  // a card moving to or from the large slot fits its new size
  find("[data-feed-empty]").hidden = shown.length > 0;
}

function drawSpotlight() {
  const story = current.spotlight;
  if ((story?.id ?? null) === spotlightShown) return;  // stories do not change once approved
  spotlightShown = story?.id ?? null;
  const view = find("[data-spotlight]");
  view.replaceChildren(...(story ? [views.spotlight(story)] : []));
  fitAll(view);
}

/** On now and up next, SESSIONS_SHOWN at a time: longer lists turn a page every SCHEDULE_PAGE_MS. */
function drawSchedule() {
  for (const list of document.querySelectorAll("[data-schedule]")) {
    const all = current.schedule[list.dataset.schedule];
    const pages = Math.max(1, Math.ceil(all.length / SESSIONS_SHOWN));
    const first = (schedulePage % pages) * SESSIONS_SHOWN;
    const sessions = all.slice(first, first + SESSIONS_SHOWN);
    list.replaceChildren(...(sessions.length
      ? sessions.map((session) => views.sessionItem(session, venues.get(session.venue_id)))
      : [views.emptyNote(list.dataset.emptyLabel)]));
  }
}

function turnSchedulePage() {
  if (!current || body.dataset.view !== "schedule") return;
  schedulePage += 1;
  drawSchedule();
  for (const list of document.querySelectorAll("[data-schedule]")) {
    list.animate([{ opacity: 0 }, { opacity: 1 }], { duration: 700, easing: "ease" });
  }
}

function drawLeaderboard(onScreen, live) {
  board.update(current.leaderboard ?? null, { onScreen, live });
}

/** The join card, in every mode: the vote's QR and its address without the scheme. */
function drawJoin() {
  const join = current.join;
  const card = find("[data-join]");
  const key = join ? `${join.url} ${join.qr_svg}` : null;
  if (key === joinShown) return;
  joinShown = key;
  card.hidden = !join;
  if (!join) return;
  find("[data-join-qr]").src = join.qr_svg;
  // Without the scheme; a long address wraps after a dot or before a slash, never inside a word.
  const address = String(join.url).replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const parts = address.split(/(?<=\.)|(?=\/)/).filter(Boolean);
  find("[data-join-url]").replaceChildren(
    ...parts.flatMap((part, index) => (index ? [document.createElement("wbr"), part] : [part])));
}

function showNextAttractStory() {
  const stories = current.stories.slice(0, ATTRACT_STORIES);
  attractIndex = stories.length ? (attractIndex + 1) % stories.length : -1;
  find("[data-attract-story]").replaceChildren(...(stories.length ? [views.attractStory(stories[attractIndex])] : []));
}

/** The attract loop runs only while it is on screen; a story taken off leaves at once. */
function drawAttract(onScreen) {
  find("[data-attract-theme]").replaceChildren(...views.attractTheme(current.round, current.next_round));
  if (!onScreen) {
    clearInterval(attractTimer);
    attractTimer = null;
    return;
  }
  const shownId = Number(find("[data-attract-story] [data-story-id]")?.dataset.storyId);
  if (!attractTimer || !current.stories.some((story) => story.id === shownId)) {
    clearInterval(attractTimer);
    showNextAttractStory();
    attractTimer = setInterval(showNextAttractStory, ATTRACT_EVERY_MS);
  }
}

function redraw(arriving = new Set(), { live = true } = {}) {
  if (!current) return;
  const view = viewFor(current);
  if (view === "schedule" && body.dataset.view !== "schedule") schedulePage = 0;
  body.dataset.mode = current.mode;
  body.dataset.view = view;
  find("[data-display-name]").textContent = current.display;
  find("[data-round-band]").replaceChildren(...views.roundBand(current.round, current.next_round));
  drawFeed(arriving);
  drawSpotlight();
  drawSchedule();
  drawLeaderboard(view === "leaderboard", live);
  drawJoin();
  drawAttract(view === "attract");
}

socket.on("connect", () => {
  body.dataset.connection = "live";
  freshConnection = true;
});
socket.on("disconnect", () => { body.dataset.connection = "offline"; });
socket.on("connect_error", () => { body.dataset.connection = "offline"; });

socket.on("state", (state) => {
  // Stories the screen did not have yet (approved while it was away) animate in as well.
  const known = new Set(current ? current.stories.map((story) => story.id) : []);
  const arriving = current ? new Set(state.stories.map((story) => story.id).filter((id) => !known.has(id)))
                           : new Set();
  current = state;
  takeServerTime(state.now);
  if (venuesStale) loadVenues();
  redraw(arriving, { live: !freshConnection });
  freshConnection = false;
  planEdgeSync();
  drawClock();
});

socket.on("story_approved", (story) => {
  if (!current) return;
  current.stories = [story, ...current.stories.filter((other) => other.id !== story.id)].slice(0, STORIES_KEPT);
  redraw(new Set([story.id]));
});

socket.on("story_removed", ({ id }) => {
  if (!current) return;
  current.stories = current.stories.filter((story) => story.id !== id);
  if (current.spotlight?.id === id) current.spotlight = null;
  const card = feedCards.get(id);
  if (!card || body.dataset.view !== "feed") {
    redraw();
    return;
  }
  // Let the card fade out first; the redraw then closes the gap.
  card.classList.add("card--leaving");
  Promise.allSettled(card.getAnimations().map((animation) => animation.finished)).then(() => redraw());
});

// A change for every display that follows the default (display null), or for this one by name.
socket.on("mode", (change) => {
  if (!current) return;
  if (change.display === null) {
    if (!current.follows_default) return;
  } else if (change.display === current.display) {
    current.follows_default = change.follows_default;
  } else {
    return;
  }
  current.mode = change.mode;
  current.spotlight = change.spotlight;
  redraw();
});

socket.on("round", (change) => {
  if (!current) return;
  Object.assign(current, { round: change.round, next_round: change.next_round });
  takeServerTime(change.now);
  redraw();
  planEdgeSync();
});

socket.on("schedule_changed", () => {
  venuesStale = true;  // venues and days edits arrive as schedule changes too
  sync();
});

socket.on("leaderboard", (standings) => {
  if (!current) return;
  current.leaderboard = standings;
  redraw();
});

takeServerTime(servedAt);
fillLabels();
board.mount(find("[data-view-name=leaderboard]"));
keepFitted(find("[data-feed]"), find("[data-spotlight]"));
find("[data-display-name]").textContent = requestedName;
drawClock();
setInterval(drawClock, 1000);
setInterval(sync, SYNC_EVERY_MS);
setInterval(turnSchedulePage, SCHEDULE_PAGE_MS);
