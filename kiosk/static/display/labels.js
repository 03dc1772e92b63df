// The display's own words, in both languages. The page carries its labels translated into
// the language it was served in; the other language comes from the same page fetched with
// ?lang=, so the translations stay in the catalogues and the template's _() calls.
import { pair } from "./dom.js";

const LOCALES = ["zh", "en"];
const BLOCK_ID = "display-labels";

function readBlock(doc) {
  return JSON.parse(doc.getElementById(BLOCK_ID).textContent);
}

const page = readBlock(document);
const byLocale = { [page.locale]: page.labels };

/** The server's time when the page was made (the display's clock before its first `state`). */
export const servedAt = page.now;

/** A label as a zh/en pair (only the languages known so far). */
export function label(key, className) {
  return pair(byLocale.zh?.[key], byLocale.en?.[key], className);
}

/** Fill every [data-label] element under root with its label. */
export function fillLabels(root = document) {
  for (const node of root.querySelectorAll("[data-label]")) {
    node.replaceChildren(label(node.dataset.label));
  }
}

/** Fetch the languages still missing; true when something new arrived (the caller redraws). */
export async function loadMissingLocales() {
  const missing = LOCALES.filter((locale) => !byLocale[locale]);
  const found = await Promise.all(missing.map(async (locale) => {
    try {
      const response = await fetch(`${location.pathname}?lang=${locale}`, { headers: { Accept: "text/html" } });
      if (!response.ok) return false;
      const other = new DOMParser().parseFromString(await response.text(), "text/html");
      byLocale[locale] = readBlock(other).labels;
      return true;
    } catch {
      return false;  // offline for now: asked again at the next connect
    }
  }));
  return found.includes(true);
}
