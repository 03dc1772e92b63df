// Builders for what the display shows: story cards, the spotlight, sessions (the leaderboard: board.js).
// Each returns fresh DOM nodes made from JSON; none of them parses HTML.
import { el, frameImage, localized } from "./dom.js";
import { label } from "./labels.js";

/** "HH:MM" of an API time: times carry the exhibition's offset, so this is its wall clock. */
export function wallTime(iso) {
  return iso ? iso.slice(11, 16) : "";
}

function byline(story, className) {
  const line = el("p", className, `— ${story.author}`);
  line.lang = story.locale;
  return line;
}

function storyText(story, tag, className, text) {
  const node = el(tag, className, text);
  node.lang = story.locale;
  return node;
}

/** A story in the feed: first frame (if drawn), title, logline, beats and author. */
export function storyCard(story) {
  const card = el("li", "card");
  card.dataset.storyId = story.id;
  const frame = story.frames.find(Boolean);
  if (frame) card.append(frameImage(frame, "card__frame"));
  const beats = el("ol", "card__beats");
  for (const beat of story.beats) beats.append(storyText(story, "li", "card__beat", beat));
  const body = el("div", "card__body");
  body.dataset.fit = "0";  // fit.js
  body.append(storyText(story, "h2", "card__title", story.title),
              storyText(story, "p", "card__logline", story.logline),
              beats, byline(story, "card__author"));
  card.append(body);
  return card;
}

/** One story full-screen: its words, then its storyboard, each beat under its frame. */
export function spotlight(story) {
  const article = el("article", "spotlight");
  article.dataset.storyId = story.id;
  article.dataset.fit = "0";  // fit.js
  const head = el("header", "spotlight__head");
  head.append(storyText(story, "h1", "spotlight__title", story.title),
              storyText(story, "p", "spotlight__logline", story.logline),
              byline(story, "spotlight__author"));
  const board = el("ol", "storyboard");
  story.beats.forEach((beat, index) => {
    const panel = el("li", "storyboard__panel");
    const frame = story.frames[index];
    const picture = el("div", "storyboard__frame");
    picture.append(frame ? frameImage(frame, "storyboard__image")
                         : el("span", "storyboard__number", index + 1));
    panel.append(picture, storyText(story, "p", "storyboard__beat", beat));
    board.append(panel);
  });
  article.append(head, board);
  return article;
}

/** One story in the attract loop (a new node each time, so its entrance animation plays). */
export function attractStory(story) {
  const block = el("div", "attract__card");
  block.dataset.storyId = story.id;
  block.append(storyText(story, "p", "attract__title", story.title),
               storyText(story, "p", "attract__logline", story.logline),
               byline(story, "attract__author"));
  return block;
}

/** The round visitors write to now, else the next one and when it starts, for the attract loop. */
export function attractTheme(round, nextRound) {
  if (round) return [label("theme", "attract__label"), localized(round.theme, "attract__theme-text")];
  if (nextRound) {
    return [labelledTime("next_round", nextRound.starts_at, "attract__label"),
            localized(nextRound.theme, "attract__theme-text")];
  }
  return [];
}

/** A list's "nothing here" line. */
export function emptyNote(key) {
  const item = el("li", "session session--empty");
  item.append(label(key));
  return item;
}

/** A session for the schedule: its times, title in both languages and where. */
export function sessionItem(session, venue) {
  const item = el("li", "session");
  const where = el("p", "session__where");
  where.append(el("span", "session__time", `${wallTime(session.starts_at)}–${wallTime(session.ends_at)}`));
  if (venue) where.append(localized(venue.name, "session__venue"));
  item.append(where, localized(session.title, "session__title"));
  return item;
}

/** A label and a time: "Stories until 12:00", "Next round at 12:30". */
function labelledTime(key, iso, className) {
  const line = el("p", className);
  line.append(label(key), el("span", "labelled-time", wallTime(iso)));
  return line;
}

/** The round band: the open round's theme and until when, else the next round's and when it starts. */
export function roundBand(round, nextRound) {
  if (round) {
    return [label("theme", "band__label"), localized(round.theme, "band__theme"),
            labelledTime("open_until", round.ends_at, "band__when")];
  }
  if (nextRound) {
    return [label("next_theme", "band__label"), localized(nextRound.theme, "band__theme"),
            labelledTime("starts_at", nextRound.starts_at, "band__when")];
  }
  return [];
}
