// Visitor text as a person sees it: characters are grapheme clusters (光 is one, so is 👩‍🎤),
// counted after the same tidying the server does (NFC, single spaces, trimmed).
const graphemes = new Intl.Segmenter(undefined, {granularity: "grapheme"});

export function cleanLine(text) {
  return text.normalize("NFC").replace(/\s+/g, " ").trim();
}

export function characterCount(text) {
  let count = 0;
  for (const _segment of graphemes.segment(cleanLine(text))) { count += 1; }
  return count;
}

/** The text without its last character (a whole grapheme, so an emoji goes in one tap). */
export function withoutLastCharacter(text) {
  let last = null;
  for (const segment of graphemes.segment(text)) { last = segment; }
  return last ? text.slice(0, last.index) : text;
}
