// The AI co-writer: one suggestion per tap. The kiosk never hangs on it: past the timeout
// the request is abandoned and the visitor told so kindly.
import {api} from "./device.js";
import {language} from "./i18n.js";

export const TIMEOUT_MS = 6000;

/**
 * Ask for a suggestion of `kind` ("title", "beat" or "twist") for the draft so far.
 * Resolves to the suggested text; rejects on timeout, refusal or network failure.
 * `cancel` (an AbortSignal) lets the kiosk drop the request when the visitor leaves.
 */
export async function suggest(kind, draft, cancel) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  const stop = () => controller.abort();
  cancel.addEventListener("abort", stop);
  try {
    const response = await api("/cowriter", {
      method: "POST", signal: controller.signal,
      body: {kind, locale: language(), title: draft.title, logline: draft.logline,
             beats: draft.beats.filter((beat) => beat.trim())},
    });
    if (!response.ok) { throw new Error(`co-writer answered ${response.status}`); }
    const {text} = await response.json();
    if (!text) { throw new Error("co-writer gave no text"); }
    return text;
  } finally {
    clearTimeout(timer);
    cancel.removeEventListener("abort", stop);
  }
}
