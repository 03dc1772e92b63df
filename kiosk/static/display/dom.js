// DOM helpers for the public display. Visitor text only ever goes in through textContent,
// so a story titled "<img src=x onerror=alert(1)>" shows as those characters.

/** A new element with a class and, optionally, its text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** The same words in Chinese (large) and English (under it); one line when they are the same. */
export function pair(zh, en, className = "") {
  const node = el("span", `pair ${className}`.trim());
  if (zh) {
    const line = el("span", "pair__zh", zh);
    line.lang = "zh";
    node.append(line);
  }
  if (en && en !== zh) {
    const line = el("span", "pair__en", en);
    line.lang = "en";
    node.append(line);
  }
  return node;
}

/** A {"zh", "en"} text from the API as a pair. */
export function localized(text, className) {
  return pair(text?.zh, text?.en, className);
}

/** A storyboard frame; one that fails to load is hidden rather than shown broken. */
export function frameImage(url, className) {
  const image = el("img", className);
  image.alt = "";
  image.decoding = "async";
  image.addEventListener("error", () => image.classList.add("is-broken"));
  image.src = url;
  return image;
}
