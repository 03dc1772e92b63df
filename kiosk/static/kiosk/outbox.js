// Stories not yet accepted by the server, kept (with their nonce) in localStorage so that a
// network drop or a reload loses none. Sending again always uses the same nonce, and the
// server answers a known nonce with its first answer: a retry never makes a second story.
const STORAGE_KEY = "backlot.kiosk.outbox";
// Worth trying again later: the network, the server, or this device's token, not the story.
const RETRY_STATUSES = new Set([401, 403, 408, 429]);

export class Outbox {
  /** `post(body)` sends one story and resolves to the fetch Response. */
  constructor(post) {
    this.post = post;
    this.entries = this.load();
    this.inFlight = new Map();  // nonce -> the attempt under way
    this.listeners = [];
  }

  load() {
    try { return JSON.parse(localStorage.getItem(STORAGE_KEY)) || []; } catch (error) { return []; }
  }

  save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.entries));
    } catch (error) {
      // Storage full (drawings are large): the entry still waits in memory until sent.
      console.warn("kiosk outbox: could not save to localStorage", error);
    }
  }

  get size() { return this.entries.length; }

  /** Called with (nonce, result) whenever an entry leaves the outbox, sent or refused. */
  onSettled(listener) { this.listeners.push(listener); }

  /**
   * Keep the story, then try to send it. Resolves to {state: "sent", answer},
   * {state: "refused", status, error} (409/422: the story as it is cannot be taken; it is
   * dropped) or {state: "queued"} (kept for later).
   */
  send(body) {
    this.entries = this.entries.filter((entry) => entry.body.nonce !== body.nonce);
    this.entries.push({body, saved_at: new Date().toISOString()});
    this.save();
    return this.attempt(body.nonce);
  }

  /** Try every waiting entry once (when the network or the socket comes back). */
  flush() {
    return Promise.all(this.entries.map((entry) => this.attempt(entry.body.nonce)));
  }

  attempt(nonce) {
    if (!this.inFlight.has(nonce)) {
      const attempt = this.deliver(nonce).finally(() => this.inFlight.delete(nonce));
      this.inFlight.set(nonce, attempt);
    }
    return this.inFlight.get(nonce);
  }

  async deliver(nonce) {
    const entry = this.entries.find((candidate) => candidate.body.nonce === nonce);
    if (!entry) { return {state: "gone"}; }
    let response;
    try {
      response = await this.post(entry.body);
    } catch (error) {
      return {state: "queued"};
    }
    if (response.status >= 500 || RETRY_STATUSES.has(response.status)) { return {state: "queued"}; }
    const answer = await response.json().catch(() => ({}));
    const result = response.ok ? {state: "sent", answer}
      : {state: "refused", status: response.status, error: answer.error || {}};
    this.entries = this.entries.filter((candidate) => candidate.body.nonce !== nonce);
    this.save();
    for (const listener of this.listeners) { listener(nonce, result); }
    return result;
  }
}
