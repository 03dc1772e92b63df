// The kiosk as a device: its token (localStorage, or `#token=` in the launch URL), the JSON
// API with that token and the visitor's language, and the /kiosk Socket.IO connection.
import {language} from "./i18n.js";

const TOKEN_KEY = "backlot.kiosk.token";
const root = document.getElementById("kiosk");
const API = root.dataset.api;

export function storedToken() { return localStorage.getItem(TOKEN_KEY); }
export function storeToken(token) { localStorage.setItem(TOKEN_KEY, token.trim()); }
export function forgetToken() { localStorage.removeItem(TOKEN_KEY); }

/** `chromium --kiosk 'http://host/kiosk#token=…'`: keep the token, then drop it from the address bar. */
export function takeTokenFromUrl() {
  const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (!match) { return; }
  storeToken(decodeURIComponent(match[1]));
  history.replaceState(null, "", location.pathname + location.search);
}

export function api(path, {method = "GET", body, signal} = {}) {
  const headers = {"Authorization": `Bearer ${storedToken()}`, "Accept-Language": language(),
                   "Accept": "application/json"};
  if (body !== undefined) { headers["Content-Type"] = "application/json"; }
  return fetch(API + path, {method, headers, signal, cache: "no-store",
                            body: body === undefined ? undefined : JSON.stringify(body)});
}

/** "ok", "refused" (no or a bad token), "not_kiosk" (a token of another role) or "unreachable". */
export async function checkToken() {
  if (!storedToken()) { return "refused"; }
  try {
    const response = await api("/staff/me");
    if (response.status === 401) { return "refused"; }
    if (!response.ok) { return response.status === 403 ? "not_kiosk" : "unreachable"; }
    return (await response.json()).role === "kiosk" ? "ok" : "not_kiosk";
  } catch (error) {
    return "unreachable";
  }
}

/**
 * The live connection; `handlers` maps event names to functions, plus `refused()` when the
 * server turns the token down (it then stops retrying), `online(bool)` on (re)connects and drops.
 */
export function connect(handlers) {
  const socket = window.io("/kiosk", {transports: ["websocket"], auth: {token: storedToken()}});
  socket.on("connect", () => handlers.online(true));
  socket.on("disconnect", () => handlers.online(false));
  socket.on("connect_error", () => {
    handlers.online(false);
    // A refusal by the server leaves the socket inactive; a network error keeps it retrying.
    if (!socket.active) { handlers.refused(); }
  });
  for (const event of ["state", "round", "story_approved", "story_removed", "paused"]) {
    socket.on(event, (payload) => handlers[event](payload));
  }
  return socket;
}
