// The leaderboard view: the round's ranking, live, and the reveal as a show.
//
// Rows are kept by story id and reused, so a new count moves them (FLIP: measure, reorder,
// then play each row from where it was to where it is, with transforms) instead of redrawing.
// During a reveal (`revealed` is a number) each newly revealed place first plays as a moment
// (its frame, title and place, large; the winner's bigger), then settles into the list, which
// grows from the bottom up. A display that arrives mid-reveal (a fresh `state`) shows the
// places revealed so far at once. Everything visitors wrote goes in through textContent.
import { el, frameImage } from "./dom.js";
import { label, labelWith } from "./labels.js";

const ROWS = 8;                   // legible across the hall: the best eight
const MOMENT_MS = 4200;           // one place's moment, leaving included
const WINNER_MS = 7500;           // the winner's
const LEAVE_MS = 700;             // the moment fades while its row settles
const MOMENTS_AT_ONCE = 3;        // more places revealed at once: only the best plays, the others settle
const MOVE_MS = 750;
const TITLE_SIZES = 5;            // a title steps down (data-size 0…4, display.css) to fit its one line

const motion = window.matchMedia("(prefers-reduced-motion: reduce)");

let root = null;                  // the view's <section>
let list = null;                  // <ol> of rows, reused
let bodyNode = null;              // where the list or the empty note goes
let momentNode = null;
const rows = new Map();           // story id → its row

// The reveal as this screen has shown it.
let revealRound = null;           // the round the sets below belong to
const known = new Set();          // revealed places this screen knows of (settled or waiting their moment)
const settled = new Set();        // revealed places in the list
const queue = [];                 // entries waiting for their moment, worst first
let playing = null;               // { entry, timers }
let lastBoard = null;
let lastOnScreen = false;

function reduced() {
  return motion.matches;
}

export function mount(section) {
  root = section;
  bodyNode = section.querySelector("[data-leaderboard]");
  momentNode = section.querySelector("[data-reveal-moment]");
  list = el("ol", "standings");
  list.dataset.standings = "";
  // The list gets its width when the view shows (and again on another screen size), and the
  // web font its glyphs once loaded: the titles fit again.
  new ResizeObserver(fitTitles).observe(list);
  document.fonts.ready.then(fitTitles);
}

// ---- rows -----------------------------------------------------------------------------------

function figure(className, labelKey) {
  const cell = el("span", `standing__figure ${className}`);
  cell.append(el("span", "standing__number"), label(labelKey, "standing__unit"));
  return cell;
}

function newRow(entry) {
  const row = el("li", "standing standing--new");
  row.dataset.storyId = entry.story_id;
  row.addEventListener("animationend", (event) => {
    if (event.target === row) row.classList.remove("standing--new", "standing--arrived");
  });
  const frame = el("span", "standing__frame");
  const story = el("span", "standing__story");
  story.append(el("span", "standing__title"), el("span", "standing__author"));
  const jury = figure("standing__jury", "jury");
  jury.append(label("jury_not_yet", "standing__pending"));
  const score = el("span", "standing__score");
  const bar = el("span", "standing__bar");
  bar.append(el("span", "standing__fill"));
  score.append(bar, el("span", "standing__number"));
  row.append(el("span", "standing__rank"), frame, story, figure("standing__votes", "votes"), jury, score);
  row.frameUrl = undefined;
  row.scoreShown = 0;
  return row;
}

/** A visitor's title whole on its line, in the largest type that holds it (an ellipsis only
    past the smallest); unmeasured while the list is not laid out. */
function fitTitle(title) {
  if (!title.clientWidth) return;
  for (let size = 0; size < TITLE_SIZES; size += 1) {
    title.dataset.size = String(size);
    if (title.scrollWidth <= title.clientWidth) return;
  }
}

function fitTitles() {
  rows.forEach((row) => fitTitle(row.querySelector(".standing__title")));
}

function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) {
    node.textContent = value;
    return true;
  }
  return false;
}

function oneDecimal(value) {
  return Number.isInteger(value) ? String(value) : Number(value).toFixed(1);
}

/** The score bar grows or shrinks to its new length (a transform, played by the Web Animations API). */
function showScore(row, score, animate) {
  const target = Math.max(0, Math.min(100, Number(score) || 0)) / 100;
  if (row.scoreShown === target && row.scoreAnimation) return;
  const fill = row.querySelector(".standing__fill");
  let from = row.scoreShown;
  if (row.scoreAnimation) {
    from = new DOMMatrixReadOnly(getComputedStyle(fill).transform).a;
    row.scoreAnimation.cancel();
  }
  row.scoreShown = target;
  row.scoreAnimation = fill.animate([{ transform: `scaleX(${from})` }, { transform: `scaleX(${target})` }],
    { duration: animate && !reduced() ? 900 : 0, easing: "cubic-bezier(0.2, 0.8, 0.2, 1)", fill: "forwards" });
}

/** Show an entry in its row; whether its title changed (to fit again once the row is placed). */
function fillRow(row, entry, animate) {
  row.dataset.rank = entry.rank;
  setText(row.querySelector(".standing__rank"), entry.rank);
  const retitled = setText(row.querySelector(".standing__title"), entry.title);
  setText(row.querySelector(".standing__author"), `— ${entry.author}`);
  if (row.frameUrl !== (entry.frame || null)) {
    row.frameUrl = entry.frame || null;
    const frame = row.querySelector(".standing__frame");
    frame.replaceChildren(...(entry.frame ? [frameImage(entry.frame, "standing__image")] : []));
  }
  const votes = row.querySelector(".standing__votes .standing__number");
  if (setText(votes, entry.votes) && animate && !reduced() && !row.classList.contains("standing--new")) {
    votes.animate([{ transform: "scale(1.35)", color: "var(--accent)" }, { transform: "none" }],
                  { duration: 700, easing: "ease-out" });
  }
  const juried = entry.jury !== null && entry.jury !== undefined;
  row.classList.toggle("standing--unjuried", !juried);
  setText(row.querySelector(".standing__jury .standing__number"), juried ? oneDecimal(entry.jury) : "");
  setText(row.querySelector(".standing__score .standing__number"), oneDecimal(entry.score ?? 0));
  showScore(row, entry.score, animate);
  return retitled;
}

/** The list shows `entries` (best first), moving the rows that were there already. */
function drawRows(entries, { animate, growUp }) {
  const flip = animate && !reduced() && list.isConnected;
  const before = new Map();
  if (flip) {
    for (const [id, row] of rows) before.set(id, row.getBoundingClientRect().top);
  }
  const shown = new Set(entries.map((entry) => entry.story_id));
  for (const [id, row] of rows) {
    if (!shown.has(id)) {
      row.remove();
      rows.delete(id);
    }
  }
  entries.forEach((entry, index) => {
    let row = rows.get(entry.story_id);
    if (!row) {
      row = newRow(entry);
      if (!animate || reduced()) row.classList.remove("standing--new");
      rows.set(entry.story_id, row);
    }
    const retitled = fillRow(row, entry, animate);
    if (list.children[index] !== row) list.insertBefore(row, list.children[index] || null);
    if (retitled) fitTitle(row.querySelector(".standing__title"));
  });
  list.classList.toggle("standings--reveal", growUp);
  if (!flip) return;
  for (const [id, row] of rows) {
    if (!before.has(id)) continue;
    row.moveAnimation?.cancel();
    const delta = before.get(id) - row.getBoundingClientRect().top;
    if (Math.abs(delta) < 1) continue;
    row.moveAnimation = row.animate([{ transform: `translateY(${delta}px)` }, { transform: "none" }],
                                    { duration: MOVE_MS, easing: "cubic-bezier(0.25, 0.9, 0.3, 1)" });
  }
}

function clearRows() {
  for (const row of rows.values()) row.remove();
  rows.clear();
}

// ---- head, empty board ----------------------------------------------------------------------

function statusLabel(board) {
  if (board.revealed !== null && board.revealed !== undefined) return label("final_results", "leaderboard__status");
  if (board.voting === "closed") return label("voting_closed", "leaderboard__status leaderboard__status--closed");
  // Frozen, the board simply stands still: the public reads "voting open", only the live dot goes.
  if (board.frozen) return label("voting_open", "leaderboard__status leaderboard__status--open");
  return label("live_count", "leaderboard__status leaderboard__status--live");
}

function drawHead(board) {
  const head = root.querySelector("[data-leaderboard-round]");
  if (!board) {
    head.replaceChildren();
    return;
  }
  const title = board.round?.title;
  const round = el("span", "pair leaderboard__title");
  const zh = typeof title === "object" && title !== null ? title.zh : title;
  const en = typeof title === "object" && title !== null ? title.en : null;
  if (zh) round.append(el("span", "pair__zh", zh));
  if (en && en !== zh) round.append(el("span", "pair__en", en));
  head.replaceChildren(round, statusLabel(board));
}

function invitation(revealing) {
  const waiting = el("div", "leaderboard__waiting");
  waiting.dataset.leaderboardEmpty = "";
  if (revealing) {
    waiting.append(label("reveal_soon", "leaderboard__soon"));
  } else {
    waiting.append(label("vote_on_phone", "leaderboard__soon"), label("vote_invite_detail", "leaderboard__detail"));
  }
  return waiting;
}

function showList() {
  if (bodyNode.firstChild !== list || bodyNode.childNodes.length !== 1) bodyNode.replaceChildren(list);
}

function showInvitation(revealing) {
  const current = bodyNode.querySelector("[data-leaderboard-empty]");
  const wanted = revealing ? "reveal" : "vote";
  if (current?.dataset.leaderboardEmpty === wanted) return;
  const note = invitation(revealing);
  note.dataset.leaderboardEmpty = wanted;
  bodyNode.replaceChildren(note);
}

// ---- the reveal -----------------------------------------------------------------------------

function momentFor(entry) {
  const winner = entry.rank === 1;
  const moment = el("div", `moment${winner ? " moment--winner" : ""}${entry.frame ? "" : " moment--no-frame"}`);
  moment.dataset.storyId = entry.story_id;
  moment.dataset.rank = entry.rank;
  const place = labelWith("place", { n: entry.rank }, "moment__place");
  const words = el("div", "moment__words");
  words.append(place, el("p", "moment__title", entry.title), el("p", "moment__author", `— ${entry.author}`));
  if (entry.frame) {
    const frame = el("div", "moment__frame");
    frame.append(frameImage(entry.frame, "moment__image"));
    moment.append(frame);
  }
  moment.append(words);
  return moment;
}

function stopMoment() {
  if (!playing) return;
  playing.timers.forEach(clearTimeout);
  playing = null;
  momentNode.replaceChildren();
  momentNode.hidden = true;
  root.dataset.moment = "";
}

function settle(entry) {
  settled.add(entry.story_id);
  drawBoard(lastBoard, { animate: true });
  const row = rows.get(entry.story_id);
  if (row && !reduced()) {
    row.classList.remove("standing--new");
    row.classList.add("standing--arrived");
  }
}

function playNext() {
  if (playing || !queue.length) return;
  const entry = queue.shift();
  const length = entry.rank === 1 ? WINNER_MS : MOMENT_MS;
  const moment = momentFor(entry);
  momentNode.replaceChildren(moment);
  momentNode.hidden = false;
  root.dataset.moment = entry.story_id;
  playing = {
    entry,
    timers: [
      setTimeout(() => {
        moment.classList.add("moment--leaving");
        settle(entry);
      }, length - LEAVE_MS),
      setTimeout(() => {
        stopMoment();
        playNext();
      }, length),
    ],
  };
}

/** Finish every moment at once (the view leaves the screen, or the reveal is undone). */
function settleEverything() {
  if (playing) settled.add(playing.entry.story_id);
  stopMoment();
  for (const entry of queue.splice(0)) settled.add(entry.story_id);
}

function forgetReveal() {
  stopMoment();
  queue.length = 0;
  known.clear();
  settled.clear();
  revealRound = null;
}

/** Take in a revealing board: places new to this screen wait for their moment, or settle at once. */
function takeReveal(board, { live, onScreen }) {
  if (revealRound !== board.round?.id) {
    forgetReveal();
    revealRound = board.round?.id ?? null;
  }
  const present = new Set(board.entries.map((entry) => entry.story_id));
  for (const id of [...known]) {
    if (!present.has(id)) {
      known.delete(id);
      settled.delete(id);
    }
  }
  for (let index = queue.length - 1; index >= 0; index -= 1) {
    if (!present.has(queue[index].story_id)) queue.splice(index, 1);
  }
  if (playing && !present.has(playing.entry.story_id)) {
    stopMoment();
  }
  // Worst first: the order the places are revealed in.
  const fresh = board.entries.filter((entry) => !known.has(entry.story_id)).reverse();
  fresh.forEach((entry) => known.add(entry.story_id));
  // A jump over many places (staff showing several at once) plays only the best of them.
  const staged = !live || !onScreen ? [] : fresh.length > MOMENTS_AT_ONCE ? fresh.slice(-1) : fresh;
  for (const entry of fresh) {
    if (!staged.includes(entry)) settled.add(entry.story_id);
  }
  queue.push(...staged);
  if (!onScreen) settleEverything();
}

function drawBoard(board, { animate }) {
  const revealing = board.revealed !== null && board.revealed !== undefined;
  const entries = (revealing ? board.entries.filter((entry) => settled.has(entry.story_id)) : board.entries)
    .slice(0, ROWS);
  root.dataset.phase = revealing ? "reveal" : (board.entries.length ? "board" : "empty");
  root.dataset.shown = revealing ? settled.size : board.entries.length;
  if (!entries.length) {
    clearRows();
    if (revealing && (playing || queue.length)) {
      bodyNode.replaceChildren();  // the first place's moment is about to play
    } else {
      showInvitation(revealing);
    }
    return;
  }
  showList();
  drawRows(entries, { animate, growUp: revealing });
}

/**
 * Draw the board. `live`: it came as a change this screen saw happen (newly revealed places
 * play their moment), not as the snapshot of a fresh connection. `onScreen`: the view shows.
 */
export function update(board, { live = true, onScreen = false } = {}) {
  const wasOnScreen = lastOnScreen;
  lastBoard = board;
  lastOnScreen = onScreen;
  drawHead(board);
  const revealing = board && board.revealed !== null && board.revealed !== undefined;
  root.dataset.voting = board?.voting ?? "closed";
  root.dataset.frozen = board?.frozen ? "true" : "false";
  if (revealing) {
    root.dataset.revealed = board.revealed;
  } else {
    delete root.dataset.revealed;
  }
  if (!board) {
    forgetReveal();
    clearRows();
    root.dataset.phase = "empty";
    root.dataset.shown = 0;
    showInvitation(false);
    return;
  }
  const undone = !revealing && revealRound !== null;
  if (revealing) {
    takeReveal(board, { live, onScreen });
  } else if (undone) {
    forgetReveal();
    clearRows();  // back to the board: its rows come in afresh, not sliding out of the reveal
  }
  drawBoard(board, { animate: onScreen && wasOnScreen && live && !undone });
  if (undone && onScreen && !reduced()) {
    bodyNode.animate([{ opacity: 0 }, { opacity: 1 }], { duration: 700, easing: "ease" });
  }
  playNext();
}
