// The display's own words, in both languages: the page carries its labels rendered in
// zh and in en (kiosk/__init__.py in_each_screen_locale), as visitors read either.
import { pair } from "./dom.js";

const BLOCK_ID = "display-labels";

function readBlock(doc) {
  return JSON.parse(doc.getElementById(BLOCK_ID).textContent);
}

const page = readBlock(document);
const byLocale = page.labels;

/** The server's time when the page was made (the display's clock before its first `state`). */
export const servedAt = page.now;

/** A label as a zh/en pair. */
export function label(key, className) {
  return pair(byLocale.zh?.[key], byLocale.en?.[key], className);
}

/** Fill every [data-label] element under root with its label. */
export function fillLabels(root = document) {
  for (const node of root.querySelectorAll("[data-label]")) {
    node.replaceChildren(label(node.dataset.label));
  }
}

/** "3rd", "11th", "22nd": an English ordinal. */
export function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th"}`;
}

/** A label with {n} (the number) and {ordinal} (in English, "3rd"; elsewhere the number) filled in. */
export function labelWith(key, values, className) {
  const fill = (locale) => {
    const text = byLocale[locale]?.[key];
    if (!text) return text;
    const n = values.n;
    const english = locale === "en" || text === byLocale.en?.[key];  // (not translated yet)
    return text.replaceAll("{ordinal}", english ? ordinal(n) : String(n)).replaceAll("{n}", String(n));
  };
  return pair(fill("zh"), fill("en"), className);
}
