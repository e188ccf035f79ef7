// Small helpers shared by the pages. User text only ever goes in through textContent.
import { errorText } from "./errors.js";
import { formatDate, t, tn } from "./i18n.js";

/**
 * Make an element. attrs: {class, text, dataset, on: {event: fn}, ...other attributes}.
 * Children: nodes or strings (strings become text nodes); null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === "style") el.style.cssText = value; // the CSSOM: the CSP refuses style attributes
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Free text (a table's or a person's name, a title, an idea) inside a sentence or next to other
 *  text: in a <bdi>, so its own direction never reorders the words around it ("Jesteś przy stoliku
 *  الطاولة 2", not "… 2 الطاولة"). For tNodes: tNodes("You are at {table}", {table: bdi(name)}). */
export const bdi = (text, attrs = {}) => h("bdi", { ...attrs, text });

/** The same where text is drawn without markup (the tab's title, an <option>): between FIRST
 *  STRONG ISOLATE and POP DIRECTIONAL ISOLATE, what a <bdi> does in plain text. Not in an
 *  aria-label or an announcement: those are spoken, not drawn. */
export const isolate = (text) => `\u2068${text}\u2069`;

/** A text with isolate()'s marks as pieces for the page: each isolated run in a <bdi> (the marks
 *  dropped), so the text people read (and copy) has no invisible characters in it. */
export function isolated(text) {
  return String(text).split(/\u2068([^\u2068\u2069]*)\u2069/).map((piece, i) => (i % 2 ? bdi(piece) : piece)).filter((p) => p !== "");
}

/** Put a text or tNodes' pieces in el, touching the DOM only when what it reads changes. */
export function showText(el, content) {
  const pieces = Array.isArray(content) ? content : [content];
  const text = pieces.map((p) => (typeof p === "string" ? p : p.textContent)).join("");
  const elements = pieces.filter((p) => typeof p !== "string").length;
  if (el.textContent === text && el.childElementCount === elements) return;
  el.replaceChildren(...pieces);
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** "4:05", "1:02:03"; never negative. */
export function formatDuration(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** A length of time people read at a glance: "4:05" and "1:02:03" up to two days, then
 *  "12 days", "3 years 41 days" (an imported conversation can run for years). */
export function formatSpan(ms) {
  const days = Math.floor(Math.max(0, ms) / 86_400_000);
  if (days < 2) return formatDuration(ms);
  const years = Math.floor(days / 365);
  const rest = days % 365;
  const dayText = (n) => tn("{n} day", "{n} days", n);
  if (!years) return dayText(days);
  const yearText = tn("{n} year", "{n} years", years);
  return rest ? t("{years} {days}", { years: yearText, days: dayText(rest) }) : yearText;
}

/** How a step's timer reads now: {state: none|running|up|ended, text}. */
export function stepClock(step, serverNow) {
  if (!step) return { state: "none", text: "" };
  if (step.status === "ended") return { state: "ended", text: t("Ended") };
  if (step.paused || step.paused_remaining != null) {
    const text = step.paused_remaining != null
      ? t("Paused ({time} left)", { time: formatDuration(step.paused_remaining) }) : t("Paused");
    return { state: "paused", text };
  }
  if (step.deadline == null) return { state: "none", text: t("No time limit") };
  const left = step.deadline - serverNow;
  if (left <= 0) return { state: "up", text: t("Time is up") };
  // a script step warns this long before its deadline (the clock changes colour)
  if (step.warn_ms && left <= step.warn_ms) return { state: "warn", text: formatDuration(left) };
  return { state: "running", text: formatDuration(left) };
}

/** Every element with data-step-clock is redrawn from `steps` (a Map) twice a second. */
export function startClocks(live, lookup) {
  const tick = () => {
    const now = live.serverNow();
    for (const el of document.querySelectorAll("[data-step-clock]")) {
      const clock = stepClock(lookup(el.dataset.stepClock), now);
      if (el.textContent !== clock.text) el.textContent = clock.text;
      if (el.dataset.state !== clock.state) el.dataset.state = clock.state;
    }
  };
  tick();
  setInterval(tick, 500);
  return tick; // call it after a redraw so a new step never shows the old one's time
}

export function formatTime(ms) {
  if (!ms) return "";
  return formatDate(ms, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** An error from the API: {status, code, message, field}. */
export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(errorText(err.code, err.message) || t("The server answered {status}.", { status: String(status) }));
    this.status = status;
    this.code = err.code || "http_" + status;
    this.field = err.field || null;
    this.details = err.details || null; // e.g. every problem of a refused script
  }
}

/** fetch JSON from the API; throws ApiError (or a network ApiError with code "network"). */
export async function api(path, { method = "GET", token = null, body = undefined, raw = false } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    const err = new ApiError(0, { error: { code: "network", message: t("Cannot reach the server. Check the Wi-Fi and try again.") } });
    throw err;
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch {
      // not JSON
    }
    throw new ApiError(response.status, data);
  }
  return raw ? response : response.json();
}

/**
 * The token of a staff page: taken from the #token= fragment (then kept in sessionStorage and
 * removed from the address bar so it does not show in screenshots), or from sessionStorage on reload.
 */
export function staffToken(eventId, screen) {
  const key = `wholeroom:token:${eventId}:${screen}`;
  // a new link pasted into this tab only changes the fragment (no page load): start again with it
  addEventListener("hashchange", () => {
    if (new URLSearchParams(location.hash.slice(1)).get("token")) location.reload();
  });
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get("token");
  if (fromHash) {
    try {
      sessionStorage.setItem(key, fromHash);
    } catch {
      return fromHash; // storage disabled: keep the fragment so a reload still works
    }
    history.replaceState(history.state, "", location.pathname + location.search);
    return fromHash;
  }
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

const STATE_TEXT = {
  connecting: t("Connecting…"),
  live: t("Live"),
  reconnecting: t("Reconnecting…"),
  offline: t("Offline"),
  closed: t("Disconnected"),
};

/** Keep a role=status badge in step with the connection. */
export function bindBadge(el, live) {
  const draw = (state) => {
    el.dataset.state = state;
    el.textContent = STATE_TEXT[state] || state;
  };
  draw(live.state);
  live.on("state", draw);
}

/** A message in a polite live region, e.g. the result of a command. */
export function say(el, text, kind = "info") {
  if (Array.isArray(text)) el.replaceChildren(...text); // tNodes, free text in a <bdi>
  else el.textContent = text;
  el.dataset.kind = kind;
}

/** Copy text to the clipboard, with a fallback for plain http pages. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h("textarea", { class: "offscreen", readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

/** Compare table ids numerically ("2" before "10"). */
export function byTableId(a, b) {
  return Number(a) - Number(b) || String(a).localeCompare(String(b));
}

/** Run fn soon, once for a burst of calls (timers, not animation frames: walls live in background tabs). */
export function batched(fn, delay = 30) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    setTimeout(() => {
      queued = false;
      fn();
    }, delay);
  };
}

/** A page that cannot start (no token...): say why in main, plainly. */
export function showBlocker(title, text, link = null) {
  const main = document.querySelector("main");
  // hide (rather than remove) the page's own parts, so late redraws still find their elements
  for (const child of main.children) child.hidden = true;
  for (const old of main.querySelectorAll(":scope > .blocker")) old.remove();
  main.prepend(
    h("section", { class: "panel blocker", role: "alert" }, h("h2", { text: title }), h("p", { text }),
      link ? h("p", {}, h("a", { href: link.href, class: "button primary", text: link.text })) : null),
  );
}

/** A phone's session for an event, kept in localStorage under wholeroom:<event_id>. */
export function readSession(eventId) {
  try {
    const data = JSON.parse(localStorage.getItem(`wholeroom:${eventId}`) || "null");
    if (!data || !data.token) return null;
    if (data.expires_at && data.expires_at < Date.now()) return null;
    return data;
  } catch {
    return null;
  }
}

export function writeSession(eventId, data) {
  try {
    localStorage.setItem(`wholeroom:${eventId}`, JSON.stringify(data));
    return true;
  } catch {
    return false;
  }
}

export function forgetSession(eventId) {
  try {
    localStorage.removeItem(`wholeroom:${eventId}`);
  } catch {
    // ignore
  }
}

/** What people type as a join code, as the server reads it: capitals, letters and digits only. */
export function normaliseCode(raw) {
  return String(raw || "").toUpperCase().replace(/[^A-Z0-9]/g, "");
}

/** Make parent's element children exactly `nodes`, in order, touching only what moved. */
export function reconcile(parent, nodes) {
  nodes.forEach((node, i) => {
    const at = parent.children[i];
    if (at !== node) parent.insertBefore(node, at || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

/**
 * Show a QR code from /api/events/{id}/qr.svg in an <img>. The server's SVG currently lacks the
 * xmlns attribute that a standalone SVG image needs, so if the browser cannot draw it we fetch it,
 * add the namespace and show it from a blob URL (still an <img>: nothing from it is ever run).
 */
export function showQr(img, url) {
  img.addEventListener(
    "error",
    async () => {
      try {
        const response = await fetch(url);
        if (!response.ok) return;
        let svg = await response.text();
        if (!/<svg[^>]*\sxmlns=/.test(svg)) svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"');
        img.src = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
      } catch {
        // leave the alt text
      }
    },
    { once: true },
  );
  img.src = url;
}
