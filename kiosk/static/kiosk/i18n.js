// The kiosk's words in both languages, rendered by the server into #kiosk-strings, so a
// visitor switches language without a reload. Elements with data-t="key" hold a string.
const strings = JSON.parse(document.getElementById("kiosk-strings").textContent);
const listeners = [];

export const LANGUAGES = Object.keys(strings);
export const DEFAULT_LANGUAGE = document.getElementById("kiosk").dataset.defaultLanguage;
let current = DEFAULT_LANGUAGE;

export function language() { return current; }

/** A string in the current language, with {name} placeholders filled from `values`. */
export function t(key, values = {}) {
  const template = strings[current][key] ?? key;
  return template.replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
}

/** Visitor-facing text the API gives as {"zh": ..., "en": ...}. */
export function localized(text) {
  if (!text) { return ""; }
  return text[current] || text[DEFAULT_LANGUAGE] || Object.values(text)[0] || "";
}

export function translatePage(root = document) {
  for (const element of root.querySelectorAll("[data-t]")) { element.textContent = t(element.dataset.t); }
  for (const element of root.querySelectorAll("[data-t-label]")) {
    element.setAttribute("aria-label", t(element.dataset.tLabel));
  }
}

export function setLanguage(next) {
  if (!LANGUAGES.includes(next)) { return; }
  current = next;
  document.documentElement.lang = next === "zh" ? "zh-CN" : next;
  translatePage();
  for (const listener of listeners) { listener(next); }
}

export function onLanguageChange(listener) { listeners.push(listener); }
