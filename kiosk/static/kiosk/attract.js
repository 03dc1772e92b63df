// The attract loop: approved stories, one at a time, while nobody is writing.
import {t} from "./i18n.js";

const SHOW_MS = 9000;
const KEEP = 12;

export class AttractLoop {
  constructor(root) {
    this.card = root.querySelector("[data-attract-card]");
    this.empty = root.querySelector("[data-attract-empty]");
    this.dots = root.querySelector("[data-attract-dots]");
    this.stories = [];
    this.index = 0;
    this.timer = null;
  }

  /** The stories to show, newest first (the kiosk's `state`). */
  setStories(stories) {
    this.stories = stories.slice(0, KEEP);
    this.index = 0;
    this.render();
  }

  add(story) {
    this.stories = [story, ...this.stories.filter((known) => known.id !== story.id)].slice(0, KEEP);
    this.index = 0;
    this.render();
  }

  remove(storyId) {
    this.stories = this.stories.filter((known) => known.id !== storyId);
    this.index = 0;
    this.render();
  }

  start() {
    this.stop();
    this.render();
    this.timer = setInterval(() => {
      if (this.stories.length > 1) {
        this.index = (this.index + 1) % this.stories.length;
        this.render();
      }
    }, SHOW_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  render() {
    const story = this.stories[this.index];
    this.card.hidden = !story;
    this.empty.hidden = Boolean(story);
    this.dots.replaceChildren(...this.stories.map((known, index) => {
      const dot = document.createElement("span");
      dot.className = index === this.index ? "dot is-current" : "dot";
      return dot;
    }));
    if (!story) { return; }
    // Visitor text: textContent only.
    this.card.querySelector("[data-story-title]").textContent = story.title;
    this.card.querySelector("[data-story-logline]").textContent = story.logline;
    this.card.querySelector("[data-story-author]").textContent = t("by_author", {author: story.author});
    const frame = story.frames.find(Boolean);
    const image = this.card.querySelector("[data-story-frame]");
    image.hidden = !frame;
    if (frame) { image.src = frame; }
    this.card.querySelector("[data-story-beats]").replaceChildren(...story.beats.map((beat) => {
      const item = document.createElement("li");
      item.textContent = beat;
      return item;
    }));
    // Restart the fade-in for each story.
    this.card.classList.remove("is-entering");
    void this.card.offsetWidth;
    this.card.classList.add("is-entering");
  }
}
