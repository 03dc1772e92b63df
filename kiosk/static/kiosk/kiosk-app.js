// The My Story kiosk: setup (no token) → attract loop → the writing flow → thanks, driven
// live over Socket.IO (/kiosk): rounds opening and closing, approvals, staff pausing it.
// 90 s without a touch (?idle=<seconds> to change it) clears everything back to the loop.
import {AttractLoop} from "./attract.js";
import {FrameCanvas} from "./canvas.js";
import * as cowriter from "./cowriter.js";
import {api, checkToken, connect, storeToken, storedToken, takeTokenFromUrl} from "./device.js";
import {DEFAULT_LANGUAGE, language, localized, onLanguageChange, setLanguage, t} from "./i18n.js";
import {OnScreenKeyboard} from "./keyboard.js";
import {Outbox} from "./outbox.js";
import {TicketScanner, hasCamera, looksLikeTicketCode} from "./scanner.js";
import {characterCount, cleanLine, withoutLastCharacter} from "./text.js";

const root = document.getElementById("kiosk");
const $ = (selector) => root.querySelector(selector);
const LIMITS = JSON.parse(root.dataset.limits);
const IDLE_MS = 1000 * (Number(new URLSearchParams(location.search).get("idle")) || Number(root.dataset.idleSeconds));

// The beats' roles by how many beats the round asks for.
const BEAT_ROLES = {
  3: ["setup", "turn", "ending"],
  4: ["setup", "conflict", "turn", "ending"],
  5: ["setup", "inciting", "conflict", "climax", "ending"],
  6: ["setup", "inciting", "rising", "midpoint", "climax", "ending"],
};
const PROGRESS = ["theme", "title", "logline", "beats", "author", "ticket", "preview"];

const kiosk = {
  screen: null, round: null, nextRound: null, clockOffset: 0, paused: false, pausedMessage: null, camera: false,
  setupVerdict: null,
  socket: null, roundTimer: null, idleTimer: null,
};
// The visitor's visit: their story while writing, where they are, what the server said.
let draft = null;
let steps = [];
let stepIndex = 0;
let fieldErrors = {};        // step key → the server's message
let roundClosed = false;     // the round closed while they wrote: the draft cannot be sent
let sending = false;
let lastSent = null;         // {nonce, title, id, status} of the story just sent (or queued)
let suggestion = null;       // {kind, state: "busy"|"ready"|"failed", text, cancel}

const attract = new AttractLoop($("[data-screen=attract]"));
const outbox = new Outbox((body) => api("/stories", {method: "POST", body}));
const canvas = new FrameCanvas($("[data-draw]"), {
  maxBytes: LIMITS.frame_bytes,
  tooLarge: (size, limit) => t("frame_too_large", {size, limit}),
});
const scanner = new TicketScanner($("[data-scan]"));
let keyboard = null;

// ---------------------------------------------------------------- screens and small parts

function show(screen) {
  kiosk.screen = screen;
  for (const section of root.querySelectorAll("[data-screen]")) { section.hidden = section.dataset.screen !== screen; }
  if (screen === "attract") { attract.start(); } else { attract.stop(); }
  touched();
}

function serverNow() { return Date.now() + kiosk.clockOffset; }

/** "14:00" from an ISO time with its offset (the festival's zone), with the day when not today. */
function clockTime(iso) {
  const time = iso.slice(11, 16);
  const offset = /([+-])(\d\d):(\d\d)$/.exec(iso);
  const offsetMs = offset ? (offset[1] === "-" ? -1 : 1) * (offset[2] * 3600e3 + offset[3] * 60e3) : 0;
  const today = new Date(serverNow() + offsetMs).toISOString().slice(0, 10);
  if (iso.slice(0, 10) === today) { return time; }
  return t("day_and_time", {month: Number(iso.slice(5, 7)), day: Number(iso.slice(8, 10)), time});
}

function newNonce() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function setText(selector, text) { $(selector).textContent = text; }

// ---------------------------------------------------------------- idle: back to the loop

function touched() {
  clearTimeout(kiosk.idleTimer);
  if (kiosk.screen === "flow" || kiosk.screen === "thanks") {
    kiosk.idleTimer = setTimeout(resetVisit, IDLE_MS);
  }
}

/** Forget the visitor entirely: draft, drawing, ticket, language; back to the attract loop. */
function resetVisit() {
  cancelSuggestion();
  canvas.dismiss();
  scanner.stop(null);
  keyboard?.detach();
  draft = null;
  steps = [];
  fieldErrors = {};
  roundClosed = false;
  lastSent = null;
  for (const overlay of root.querySelectorAll("[data-closed], [data-confirm]")) { overlay.hidden = true; }
  if (kiosk.screen === "setup") { return; }  // staff at work: their language stays
  if (language() !== DEFAULT_LANGUAGE) { setLanguage(DEFAULT_LANGUAGE); }
  show("attract");
}

// ---------------------------------------------------------------- rounds and the attract loop

function setRounds({now, round, next_round: nextRound}) {
  kiosk.clockOffset = Date.parse(now) - Date.now();
  kiosk.round = round;
  kiosk.nextRound = nextRound;
  scheduleRoundSync();
  // The draft belongs to the round open when the visitor started: sendable while it is open
  // (staff may close it by mistake and open it again).
  const wasClosed = roundClosed;
  roundClosed = Boolean(draft) && (!round || round.id !== draft.roundId);
  if (roundClosed && !wasClosed && kiosk.screen === "flow") { showClosedNotice(); }
  renderAttractRound();
  if (kiosk.screen === "flow") { renderStep(); }
}

/** Ask the server for a fresh state when the round ends or the next one starts. */
function scheduleRoundSync() {
  clearTimeout(kiosk.roundTimer);
  const boundary = kiosk.round ? kiosk.round.ends_at : kiosk.nextRound?.starts_at;
  if (!boundary) { return; }
  const wait = Date.parse(boundary) - serverNow() + 1500;
  kiosk.roundTimer = setTimeout(() => kiosk.socket?.emit("sync"), wait > 0 ? Math.min(wait, 3600e3) : 60e3);
}

function renderAttractRound() {
  const {round, nextRound} = kiosk;
  $("[data-attract-cta]").hidden = !round;
  setText("[data-attract-theme]", round ? localized(round.theme) : nextRound ? localized(nextRound.theme) : "");
  setText("[data-attract-eyebrow]", round ? t("attract_open", {title: localized(round.title)})
    : nextRound ? t("attract_next_theme") : "");
  setText("[data-attract-when]", round ? t("open_until", {time: clockTime(round.ends_at)})
    : nextRound ? t("next_round_at", {time: clockTime(nextRound.starts_at)}) : t("no_more_rounds"));
  $("[data-attract-when]").classList.toggle("is-closed", !round);
  const waiting = outbox.size;
  $("[data-outbox-count]").hidden = !waiting;
  setText("[data-outbox-count]", t("outbox_waiting", {count: waiting}));
}

function setPaused(paused, message) {
  kiosk.paused = paused;
  kiosk.pausedMessage = message;
  $("[data-paused]").hidden = !paused;
  setText("[data-paused-message]", message || t("paused_default"));
}

// ---------------------------------------------------------------- the flow's steps

function buildSteps(beatCount) {
  const roles = BEAT_ROLES[beatCount] || BEAT_ROLES[3];
  return [
    {key: "theme", kind: "theme", group: "theme"},
    {key: "title", kind: "text", group: "title", field: "title", limit: LIMITS.title, cowriter: ["title"]},
    {key: "logline", kind: "text", group: "logline", field: "logline", limit: LIMITS.logline, cowriter: []},
    ...roles.map((role, beat) => ({key: `beat.${beat}`, kind: "text", group: "beats", beat, role,
                                   limit: LIMITS.beat, cowriter: ["beat", "twist"]})),
    {key: "author", kind: "text", group: "author", field: "author", limit: LIMITS.author, cowriter: []},
    {key: "ticket", kind: "text", group: "ticket", field: "ticket", optional: true, plain: true, cowriter: []},
    {key: "preview", kind: "preview", group: "preview"},
  ];
}

function startVisit() {
  if (!kiosk.round || kiosk.paused || draft) { return; }
  const beatCount = kiosk.round.beat_count;
  draft = {nonce: newNonce(), roundId: kiosk.round.id, theme: kiosk.round.theme, title: "", logline: "",
           beats: Array(beatCount).fill(""), frames: Array(beatCount).fill(null), author: "", ticket: ""};
  steps = buildSteps(beatCount);
  stepIndex = 0;
  show("flow");
  renderStep();
}

const current = () => steps[stepIndex];
const textOf = (step) => (step.beat === undefined ? draft[step.field] : draft.beats[step.beat]);

function setTextOf(step, text) {
  if (step.beat === undefined) { draft[step.field] = text; } else { draft.beats[step.beat] = text; }
}

/** Why the visitor cannot go on from `step` yet ("" when they can). */
function problem(step) {
  if (step.kind === "preview") {
    if (roundClosed) { return t("round_closed_short"); }
    return steps.some((other) => other.kind === "text" && problem(other)) ? t("fix_first") : "";
  }
  if (step.kind !== "text") { return ""; }
  const text = cleanLine(textOf(step));
  if (step.optional) { return text && !looksLikeTicketCode(text) ? t("ticket_format") : ""; }
  if (!text) { return t(`need_${step.group === "beats" ? "beat" : step.field}`); }
  const count = characterCount(text);
  return count > step.limit ? t("too_long", {count, limit: step.limit, over: count - step.limit}) : "";
}

function go(index) {
  cancelSuggestion();
  if (current().kind === "text") { keyboard.finishComposition(); }  // pinyin still pending stays here
  stepIndex = Math.max(0, Math.min(index, steps.length - 1));
  renderStep();
}

function next() {
  if (sending || problem(current())) { return; }
  if (current().kind === "preview") { send(); } else { go(stepIndex + 1); }
}

function renderStep() {
  if (!draft) { return; }
  const step = current();
  for (const panel of root.querySelectorAll("[data-step]")) { panel.hidden = panel.dataset.step !== step.kind; }
  renderProgress(step);
  if (step.kind === "theme") { renderTheme(); }
  if (step.kind === "text") { renderTextStep(step); }
  if (step.kind === "preview") { renderPreview(); }
  $("[data-keyboard-area]").hidden = step.kind !== "text";
  if (step.kind === "text") {
    keyboard.attach(fieldTarget, {plain: Boolean(step.plain)});
  } else {
    keyboard.detach();
  }
  renderNav();
}

function renderProgress(step) {
  const at = PROGRESS.indexOf(step.group);
  $("[data-progress]").replaceChildren(...PROGRESS.map((group, index) => {
    const item = document.createElement("li");
    item.className = index < at ? "is-done" : index === at ? "is-current" : "";
    item.textContent = group === "beats" && index === at
      ? t("progress_beat", {n: step.beat + 1, total: draft.beats.length}) : t(`step_${group}`);
    return item;
  }));
}

function renderTheme() {
  const round = kiosk.round && kiosk.round.id === draft.roundId ? kiosk.round : null;
  setText("[data-theme-text]", localized(draft.theme));
  setText("[data-theme-round]", round ? localized(round.title) : "");
  setText("[data-theme-until]", round ? t("open_until", {time: clockTime(round.ends_at)}) : "");
  const roles = BEAT_ROLES[draft.beats.length] || BEAT_ROLES[3];
  setText("[data-theme-beats]", t("theme_beats", {count: roles.length}));
  $("[data-theme-roles]").replaceChildren(...roles.map((role) => {
    const item = document.createElement("li");
    item.textContent = t(`role_${role}`);
    return item;
  }));
  setText("[data-theme-limits]", t("theme_limits", {title: LIMITS.title, logline: LIMITS.logline,
                                                    beat: LIMITS.beat, author: LIMITS.author}));
}

function renderTextStep(step) {
  if (step.group === "beats") {
    const total = draft.beats.length;
    setText("[data-text-eyebrow]", `${t("beat_of", {n: step.beat + 1, total})} · ${t(`role_${step.role}`)}`);
    setText("[data-text-question]", t(`q_${step.role}`));
    setText("[data-text-hint]", t("hint_beat", {limit: step.limit}));
  } else {
    setText("[data-text-eyebrow]", t(`step_${step.group}`));
    setText("[data-text-question]", t(`q_${step.field}`));
    setText("[data-text-hint]", t(`hint_${step.field}`, {limit: step.limit}));
  }
  const field = $("[data-field]");
  field.setAttribute("aria-label", $("[data-text-question]").textContent);
  field.classList.toggle("is-code", Boolean(step.plain));
  for (const button of root.querySelectorAll("[data-cowriter]")) {
    button.hidden = !step.cowriter.includes(button.dataset.cowriter);
  }
  $("[data-draw-open]").hidden = step.group !== "beats";
  $("[data-scan-open]").hidden = !(step.plain && kiosk.camera);
  renderFrameThumb(step);
  renderSuggestion();
  renderField();
}

function renderFrameThumb(step) {
  const frame = step.group === "beats" ? draft.frames[step.beat] : null;
  const thumb = $("[data-frame-thumb]");
  thumb.hidden = !frame;
  if (frame) { thumb.src = frame; }
  setText("[data-draw-open]", frame ? t("draw_edit") : t("draw_open"));
}

/** The field, its counter and its messages: redrawn at every key. */
function renderField() {
  const step = current();
  const field = $("[data-field]");
  const text = textOf(step);
  field.value = text;
  field.scrollTop = field.scrollHeight;
  const counter = $("[data-counter]");
  if (step.optional) {
    counter.textContent = t("optional");
    counter.className = "counter";
  } else {
    const count = characterCount(text);
    counter.textContent = t("counter", {count, limit: step.limit});
    counter.className = count > step.limit ? "counter is-over" : count > step.limit * 0.9 ? "counter is-near" : "counter";
  }
  setText("[data-field-error]", fieldErrors[step.key] || "");
  renderNav();
}

function renderNav() {
  const step = current();
  const reason = problem(step);
  const nextButton = $("[data-next]");
  nextButton.disabled = Boolean(reason) || sending;
  nextButton.classList.toggle("is-busy", sending);
  nextButton.textContent = sending ? t("sending")
    : step.kind === "theme" ? t("start_writing")
      : step.kind === "preview" ? t("send")
        : step.optional && !cleanLine(textOf(step)) ? t("skip") : t("next");
  setText("[data-next-reason]", reason);
  // An empty field is a hint; text over the limit or a bad code is an error.
  const typed = step.kind === "text" && cleanLine(textOf(step)) !== "";
  $("[data-next-reason]").classList.toggle("is-error", typed || step.kind === "preview");
  $("[data-back]").hidden = stepIndex === 0;
  keyboard.setEnterReady(!nextButton.disabled);
}

// What the keyboard types into: the current step's field.
const fieldTarget = {
  insert(text) { edit(textOf(current()) + text); },
  erase() { edit(withoutLastCharacter(textOf(current()))); },
};

function edit(text) {
  const step = current();
  setTextOf(step, text);
  delete fieldErrors[step.key];
  renderField();
}

// ---------------------------------------------------------------- co-writer

function cancelSuggestion() {
  suggestion?.cancel.abort();
  suggestion = null;
  if (draft && current()?.kind === "text") { renderSuggestion(); }
}

async function askCowriter(kind) {
  cancelSuggestion();
  const mine = {kind, state: "busy", text: "", cancel: new AbortController()};
  suggestion = mine;
  renderSuggestion();
  try {
    mine.text = await cowriter.suggest(kind, draft, mine.cancel.signal);
    mine.state = "ready";
  } catch (error) {
    mine.state = "failed";
  }
  if (suggestion === mine) { renderSuggestion(); }  // unless the visitor moved on meanwhile
}

function renderSuggestion() {
  const box = $("[data-suggestion]");
  box.hidden = !suggestion;
  if (!suggestion) { return; }
  box.dataset.state = suggestion.state;
  setText("[data-suggestion-label]", t(`cowriter_${suggestion.kind}`));
  setText("[data-suggestion-text]", suggestion.state === "busy" ? t("cowriter_thinking")
    : suggestion.state === "failed" ? t("cowriter_failed") : suggestion.text);
  $("[data-suggestion-use]").hidden = suggestion.state !== "ready";
}

/** A title replaces the title; a beat or twist goes after what the visitor wrote. */
function useSuggestion() {
  if (suggestion?.state !== "ready") { return; }
  const step = current();
  const before = textOf(step).trimEnd();
  const joiner = !before || /[\p{Script=Han}，。！？：；]$/u.test(before) ? "" : " ";
  const text = suggestion.kind === "title" || !before ? suggestion.text : before + joiner + suggestion.text;
  suggestion = null;
  renderSuggestion();
  edit(text);
}

// ---------------------------------------------------------------- frames and the ticket

async function drawFrame() {
  const step = current();
  const visit = draft;
  const result = await canvas.open(draft.frames[step.beat]);
  if (result === undefined || draft !== visit) { return; }  // cancelled, or the visitor left
  draft.frames[step.beat] = result;
  delete fieldErrors[step.key];
  renderStep();
}

async function scanTicket() {
  const visit = draft;
  const code = await scanner.scan();
  if (code && draft === visit && current().plain) { edit(code); }
}

// ---------------------------------------------------------------- preview and sending

function renderPreview() {
  setText("[data-preview-theme]", localized(draft.theme));
  setText("[data-preview-title]", cleanLine(draft.title));
  setText("[data-preview-logline]", cleanLine(draft.logline));
  setText("[data-preview-author]", t("by_author", {author: cleanLine(draft.author)}));
  const ticket = cleanLine(draft.ticket);
  setText("[data-preview-ticket]", ticket ? t("ticket_attached", {end: ticket.slice(-4)}) : t("no_ticket"));
  const template = $("[data-preview-beat-template]");
  $("[data-preview-beats]").replaceChildren(...steps.filter((step) => step.group === "beats").map((step) => {
    const item = template.content.firstElementChild.cloneNode(true);
    item.querySelector("[data-beat-role]").textContent = `${step.beat + 1} · ${t(`role_${step.role}`)}`;
    item.querySelector("[data-beat-text]").textContent = cleanLine(draft.beats[step.beat]);
    const frame = draft.frames[step.beat];
    const image = item.querySelector("[data-beat-frame]");
    image.hidden = !frame;
    if (frame) { image.src = frame; }
    const edit = item.querySelector("[data-edit]");
    edit.dataset.edit = step.key;
    edit.textContent = t("edit");
    item.classList.toggle("has-error", Boolean(fieldErrors[step.key]));
    return item;
  }));
  for (const key of ["title", "logline", "author", "ticket"]) {
    $(`[data-preview-part="${key}"]`).classList.toggle("has-error", Boolean(fieldErrors[key]));
  }
  setText("[data-preview-error]", roundClosed ? t("round_closed_body") : fieldErrors.preview || "");
}

function storyBody() {
  const ticket = cleanLine(draft.ticket);
  return {
    nonce: draft.nonce, locale: language(),
    title: cleanLine(draft.title), logline: cleanLine(draft.logline), author: cleanLine(draft.author),
    beats: draft.beats.map(cleanLine),
    frames: draft.frames.some(Boolean) ? draft.frames : undefined,
    ticket_code: ticket || undefined,
  };
}

async function send() {
  const visit = draft;
  const body = storyBody();
  sending = true;
  delete fieldErrors.preview;
  renderNav();
  const result = await outbox.send(body);
  sending = false;
  if (draft !== visit) { return; }  // the visitor left while it was sending: it stays in the outbox
  if (result.state === "sent" || result.state === "queued") {
    lastSent = {nonce: body.nonce, title: body.title, id: result.answer?.id ?? null,
                status: result.state === "sent" ? result.answer.status : "queued"};
    draft = null;
    keyboard.detach();
    renderThanks();
    show("thanks");
  } else {
    refused(result);
  }
  renderAttractRound();
}

/** The server would not take the story: say why, on the step to fix. */
function refused({status, error}) {
  if (status === 409 && error.code === "round_closed") {
    roundClosed = true;
    showClosedNotice();
    renderStep();
    return;
  }
  fieldErrors = {};
  for (const [path, message] of Object.entries(error.fields || {})) {
    const key = stepKeyFor(path);
    fieldErrors[key] = fieldErrors[key] ? `${fieldErrors[key]} ${message}` : message;
  }
  if (!Object.keys(fieldErrors).length) { fieldErrors.preview = error.message || t("send_failed"); }
  const first = steps.findIndex((step) => fieldErrors[step.key]);
  go(first >= 0 ? first : steps.length - 1);
}

function stepKeyFor(path) {
  const [name, index] = path.split(".");
  if ((name === "beats" || name === "frames") && index !== undefined) { return `beat.${index}`; }
  if (name === "ticket_code") { return "ticket"; }
  return ["title", "logline", "author"].includes(name) ? name : "preview";
}

function showClosedNotice() {
  setText("[data-closed-next]", kiosk.nextRound
    ? t("next_round_at", {time: clockTime(kiosk.nextRound.starts_at)}) : "");
  $("[data-closed]").hidden = false;
}

function renderThanks() {
  if (!lastSent) { return; }
  setText("[data-thanks-title]", lastSent.title);
  const key = {approved: "thanks_on_screen", pending: "thanks_moderation", queued: "thanks_saved"}[lastSent.status]
    || "thanks_moderation";
  setText("[data-thanks-message]", t(key));
  const thanks = $("[data-thanks]");
  thanks.dataset.status = lastSent.status;
  thanks.dataset.storyId = lastSent.id ?? "";
}

// A story kept offline went out later, or was refused: the visitor may still be reading.
outbox.onSettled((nonce, result) => {
  renderAttractRound();
  if (lastSent?.nonce !== nonce) { return; }
  if (result.state === "sent") {
    Object.assign(lastSent, {id: result.answer.id, status: result.answer.status});
  } else {
    lastSent.status = "failed";
    setText("[data-thanks-message]", result.error.message || t("send_failed"));
    return;
  }
  renderThanks();
});

// ---------------------------------------------------------------- live: the /kiosk socket

const live = {
  state(payload) {
    Object.assign(LIMITS, payload.limits);
    setPaused(payload.paused, payload.message);
    attract.setStories(payload.stories);
    setRounds(payload);
  },
  round: setRounds,
  story_approved(story) {
    attract.add(story);
    if (lastSent && lastSent.id === story.id) {
      lastSent.status = "approved";
      renderThanks();
    }
  },
  story_removed({id}) { attract.remove(id); },
  paused({paused, message}) { setPaused(paused, message); },
  online(connected) {
    root.dataset.online = String(connected);
    if (connected) { outbox.flush(); }
  },
  async refused() {
    // Turned down: the token is wrong (staff must give a new one) or the server had a hiccup.
    const verdict = await checkToken();
    if (verdict === "refused" || verdict === "not_kiosk") {
      showSetup(verdict);
    } else {
      setTimeout(() => kiosk.socket?.connect(), 5000);
    }
  },
};

// ---------------------------------------------------------------- setup and start

function showSetup(verdict) {
  kiosk.socket?.disconnect();
  kiosk.socket = null;
  resetVisit();
  show("setup");
  kiosk.setupVerdict = storedToken() ? verdict : null;
  renderSetupError();
  const input = $("[data-setup-token]");
  input.value = "";
  input.focus();
}

function renderSetupError() {
  setText("[data-setup-error]", kiosk.setupVerdict ? t(`setup_${kiosk.setupVerdict}`) : "");
}

async function boot() {
  takeTokenFromUrl();
  const verdict = await checkToken();
  if (verdict === "refused" || verdict === "not_kiosk") {
    showSetup(verdict);
    return;
  }
  // "ok", or the network is down: start, and the socket connects when it can.
  show("attract");
  renderAttractRound();
  kiosk.socket = connect(live);
  outbox.flush();
}

function wire() {
  root.addEventListener("click", (event) => {
    const button = event.target.closest("button, [data-attract-touch]");
    if (!button || button.disabled) { return; }
    const actions = {
      "data-language": () => setLanguage(button.dataset.language),
      "data-attract-touch": startVisit,
      "data-next": next,
      "data-back": () => go(stepIndex - 1),
      "data-quit": () => { $("[data-confirm]").hidden = false; },
      "data-confirm-yes": resetVisit,
      "data-confirm-no": () => { $("[data-confirm]").hidden = true; },
      "data-cowriter": () => askCowriter(button.dataset.cowriter),
      "data-suggestion-use": useSuggestion,
      "data-suggestion-dismiss": cancelSuggestion,
      "data-clear": () => edit(""),
      "data-draw-open": drawFrame,
      "data-scan-open": scanTicket,
      "data-edit": () => go(steps.findIndex((step) => step.key === button.dataset.edit)),
      "data-closed-review": () => { $("[data-closed]").hidden = true; go(steps.length - 1); },
      "data-closed-finish": resetVisit,
      "data-thanks-done": resetVisit,
    };
    for (const [attribute, action] of Object.entries(actions)) {
      if (button.hasAttribute(attribute)) { action(); return; }
    }
  });
  $("[data-setup-form]").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("[data-setup-token]").value.trim();
    if (!token) { return; }
    storeToken(token);
    boot();
  });
  onLanguageChange(() => {
    for (const button of root.querySelectorAll("[data-language]")) {
      button.setAttribute("aria-pressed", String(button.dataset.language === language()));
    }
    renderAttractRound();
    attract.render();
    if (kiosk.screen === "flow") { renderStep(); }
    if (kiosk.screen === "thanks") { renderThanks(); }
    if (kiosk.screen === "setup") { renderSetupError(); }
    setPaused(kiosk.paused, kiosk.pausedMessage);
  });
  for (const type of ["pointerdown", "keydown", "touchstart", "wheel"]) {
    document.addEventListener(type, touched, {capture: true, passive: true});
  }
  window.addEventListener("online", () => outbox.flush());
  setInterval(() => { if (outbox.size) { outbox.flush(); } }, 15000);
  lockDownGestures();
}

/** A public touch screen: no zooming, no swipe-back, no selecting or dragging text, no menus. */
function lockDownGestures() {
  const stop = (event) => event.preventDefault();
  for (const type of ["gesturestart", "gesturechange", "gestureend", "contextmenu", "dragstart", "dblclick"]) {
    document.addEventListener(type, stop, {passive: false});
  }
  document.addEventListener("touchmove", (event) => { if (event.touches.length > 1) { stop(event); } }, {passive: false});
  document.addEventListener("wheel", (event) => { if (event.ctrlKey) { stop(event); } }, {passive: false});
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && ["+", "-", "=", "0"].includes(event.key)) { stop(event); }
  });
  document.addEventListener("selectstart", (event) => {
    const element = event.target instanceof Element ? event.target : event.target.parentElement;
    if (!element?.closest("[data-setup-token]")) { stop(event); }
  });
}

async function main() {
  const {default: chinese} = await import(root.dataset.chineseLayout);
  keyboard = new OnScreenKeyboard($("[data-keyboard-area]"), {candidates: chinese.layoutCandidates, onEnter: next});
  setLanguage(DEFAULT_LANGUAGE);
  wire();
  kiosk.camera = await hasCamera();
  await boot();
  root.dataset.ready = "true";
}

main();
