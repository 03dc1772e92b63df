// The kiosk's own on-screen keyboard (kiosk systems ship none): simple-keyboard draws the keys,
// this file turns key presses into text. In pinyin mode letters compose a syllable, and the
// candidate bar offers its characters from simple-keyboard-layouts' Chinese map (ji → 机 几 …):
// tap one, or space for the first; Enter keeps the letters as typed.
import {language, onLanguageChange, t} from "./i18n.js";

const LAYOUT = {
  default: [
    "1 2 3 4 5 6 7 8 9 0 - {bksp}",
    "q w e r t y u i o p '",
    "a s d f g h j k l : {enter}",
    "{shift} z x c v b n m , . ? !",
    "{mode} {space}",
  ],
  shift: [
    "@ # & * ( ) _ + = / \\ {bksp}",
    "Q W E R T Y U I O P \"",
    "A S D F G H J K L ; {enter}",
    "{shift} Z X C V B N M < > ~ %",
    "{mode} {space}",
  ],
};
// What an IME types for these keys in Chinese text.
const FULL_WIDTH = {",": "，", ".": "。", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（", ")": "）"};
const LONGEST_SYLLABLE = 6;
const PAGE_SIZE = 14;

export class OnScreenKeyboard {
  /**
   * `area` holds [data-keyboard] and the candidate bar; `candidates` maps a pinyin syllable to
   * its characters ("ji": "济 机 …"); `onEnter` runs when Enter is pressed with nothing composed.
   */
  constructor(area, {candidates, onEnter}) {
    this.area = area;
    this.candidates = candidates;
    this.onEnter = onEnter;
    this.target = null;
    this.plain = false;
    this.mode = language() === "zh" ? "pinyin" : "abc";
    this.composition = "";
    this.page = 0;
    this.enterReady = true;
    this.bar = area.querySelector("[data-candidates]");
    this.list = area.querySelector("[data-candidate-list]");
    this.keys = new window.SimpleKeyboard.default(area.querySelector("[data-keyboard]"), {
      layout: LAYOUT,
      layoutName: "default",
      theme: "hg-theme-default kiosk-keys",
      display: this.labels(),
      mergeDisplay: true,
      preventMouseDownDefault: true,
      buttonTheme: [
        {class: "key--action", buttons: "{enter}"},
        {class: "key--function", buttons: "{bksp} {shift} {mode}"},
        {class: "key--space", buttons: "{space}"},
      ],
      onKeyPress: (button) => this.press(button),
    });
    this.bar.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) { return; }
      if (button.dataset.candidate !== undefined) { this.choose(Number(button.dataset.candidate)); }
      if (button.dataset.candidatePage) { this.turnPage(Number(button.dataset.candidatePage)); }
    });
    onLanguageChange((next) => {
      this.finishComposition();
      this.mode = next === "zh" ? "pinyin" : "abc";
      this.refresh();
    });
    this.refresh();
  }

  /** Type into `target` ({insert(text), erase()}); `plain` (ticket codes) types letters as they are. */
  attach(target, {plain = false} = {}) {
    this.composition = "";
    this.page = 0;
    this.target = target;
    this.plain = plain;
    this.refresh();
  }

  detach() {
    this.composition = "";
    this.target = null;
    this.keys.clearInput();  // simple-keyboard keeps its own copy of what was typed: not needed
    this.keys.setOptions({layoutName: "default"});
    this.refresh();
  }

  /** Enter shows whether it would go on (the step's Next is enabled). */
  setEnterReady(ready) {
    if (ready === this.enterReady) { return; }  // a button theme change redraws every key
    this.enterReady = ready;
    if (ready) {
      this.keys.removeButtonTheme("{enter}", "key--waiting");
    } else {
      this.keys.addButtonTheme("{enter}", "key--waiting");
    }
  }

  get pinyin() { return this.mode === "pinyin" && !this.plain; }

  labels() {
    return {
      "{bksp}": "⌫", "{shift}": "⇧", "{enter}": t("key_next"), "{space}": t("key_space"),
      "{mode}": this.mode === "pinyin" && !this.plain ? t("key_mode_pinyin") : t("key_mode_abc"),
    };
  }

  press(button) {
    if (!this.target) { return; }
    const shifted = this.keys.options.layoutName === "shift";
    if (button === "{shift}") {
      this.keys.setOptions({layoutName: shifted ? "default" : "shift"});
      return;
    }
    if (shifted) { this.keys.setOptions({layoutName: "default"}); }  // shift holds for one key
    if (button === "{mode}") {
      if (!this.plain) {
        this.finishComposition();
        this.mode = this.mode === "pinyin" ? "abc" : "pinyin";
      }
    } else if (button === "{bksp}") {
      if (this.composition) { this.composition = this.composition.slice(0, -1); } else { this.target.erase(); }
    } else if (button === "{enter}") {
      if (this.composition) { this.finishComposition(); } else { this.onEnter(); }
    } else if (button === "{space}") {
      if (this.composition) { this.choose(0); } else { this.target.insert(" "); }
    } else if (this.pinyin && /^[a-z]$/.test(button)) {
      this.composition += button;
      this.page = 0;
    } else {
      if (this.composition) { this.choose(0); }
      this.target.insert(this.pinyin ? FULL_WIDTH[button] || button : button);
    }
    this.refresh();
  }

  /** The longest start of the composition that is a syllable: "jiqi" offers ji's characters first. */
  syllable() {
    for (let length = Math.min(LONGEST_SYLLABLE, this.composition.length); length > 0; length -= 1) {
      const start = this.composition.slice(0, length);
      if (this.candidates[start]) { return start; }
    }
    return "";
  }

  choices() {
    const syllable = this.syllable();
    return syllable ? this.candidates[syllable].split(" ") : [];
  }

  choose(index) {
    const syllable = this.syllable();
    const character = this.choices()[index];
    if (!character) { this.finishComposition(); return; }
    this.target.insert(character);
    this.composition = this.composition.slice(syllable.length);
    this.page = 0;
    this.refresh();
  }

  /** Letters composed but not turned into characters go in as typed (also when leaving a field). */
  finishComposition() {
    if (this.composition && this.target) { this.target.insert(this.composition); }
    this.composition = "";
    this.page = 0;
  }

  turnPage(step) {
    const pages = Math.ceil(this.choices().length / PAGE_SIZE);
    this.page = Math.min(Math.max(this.page + step, 0), Math.max(pages - 1, 0));
    this.refresh();
  }

  refresh() {
    this.keys.setOptions({display: this.labels()});
    this.bar.dataset.mode = this.pinyin ? "pinyin" : "abc";
    this.bar.querySelector("[data-composition]").textContent = this.composition;
    this.bar.querySelector("[data-candidate-hint]").textContent =
      this.pinyin ? t("pinyin_hint") : t("abc_hint");
    const choices = this.choices();
    const first = this.page * PAGE_SIZE;
    this.list.replaceChildren(...choices.slice(first, first + PAGE_SIZE).map((character, offset) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "candidate";
      button.dataset.candidate = String(first + offset);
      button.textContent = character;
      return button;
    }));
    this.bar.classList.toggle("is-composing", Boolean(this.composition));
    this.bar.querySelector('[data-candidate-page="-1"]').disabled = this.page === 0;
    this.bar.querySelector('[data-candidate-page="1"]').disabled = first + PAGE_SIZE >= choices.length;
  }
}
