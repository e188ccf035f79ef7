// The websocket client shared by every live page.
//
// One Live object per page: it connects to /ws, says hello with the token and the last seq it
// applied, hands `welcome` and `entry` messages to the page in seq order, reconnects by itself
// with backoff, keeps the server clock offset, and runs an outbox for commands. Ideas
// (idea.submit) are kept in localStorage until the server acknowledges them, so an idea typed
// offline survives a reload and is sent (with its original client_id) when the connection is back.

import { errorText } from "./errors.js";
import { t } from "./i18n.js";

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 10_000;
const PING_EVERY_MS = 20_000;
const SILENCE_LIMIT_MS = 30_000; // nothing heard for this long (not even a pong): the socket is dead
const PROBE_MS = 5_000; // after waking up, a ping unanswered this long means the socket died meanwhile
const WELCOME_LIMIT_MS = 15_000; // no welcome this long after opening: try again
const RETRY_SOON = new Set(["conflict_retry", "storage_unavailable"]);
const RETRY_LATER = new Set(["rate_limited"]);
const CLOSE_REMOVED = 4403; // the facilitator removed this participant: do not reconnect
const CLOSE_TRY_LATER = 1013; // hellos too frequent on this link: reconnect after the error's retry_after_ms
const CLOSE_TOO_MANY = 4009; // this link is open on too many screens and this one (the oldest) was closed

/** A random client_id for an idea: 22 characters of [A-Za-z0-9_-] (works without https too). */
export function newClientId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let out = "";
  for (const b of bytes) out += alphabet[b & 63];
  return out + Date.now().toString(36);
}

function readJSON(key, fallback) {
  try {
    const raw = localStorage.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch {
    return fallback;
  }
}

function writeJSON(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: the outbox still works in memory for this page
  }
}

export class Live {
  /**
   * @param {object} options
   * @param {string} options.token     the token sent in hello
   * @param {string} [options.outboxKey] localStorage key for unacknowledged ideas (phones)
   * @param {string} [options.url]     websocket URL (default: /ws on this host)
   */
  constructor({ token, outboxKey = null, url = null }) {
    this.token = token;
    this.url = url || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
    this.outboxKey = outboxKey;
    this.state = "connecting"; // connecting | live | reconnecting | offline | closed
    this.seq = 0; // the last entry seq applied
    this.offset = 0; // server clock minus this clock, in ms
    this.role = null;
    this.participantId = null;
    this.fatalError = null;
    this._listeners = new Map();
    this._ws = null;
    this._everLive = false;
    this._stopped = false;
    this._backoff = BACKOFF_FIRST_MS;
    this._timer = null;
    this._pingTimer = null;
    this._welcomeTimer = null;
    this._retryTimer = null;
    this._lastHeard = 0;
    this._pingSentAt = null;
    this._ref = 0;
    this._pending = new Map(); // ref -> {resolve, reject, clientId?}
    this._inFlight = new Set(); // client_ids sent on this connection, not yet answered
    this._waiters = new Map(); // client_id -> {resolve, reject} for ideas sent by this page
    this._outbox = outboxKey ? readJSON(outboxKey, []) : [];
    if (!Array.isArray(this._outbox)) this._outbox = [];
    this._onOnline = () => this._reconnectNow();
    this._onOffline = () => {
      if (this._ws) this._drop(this._ws, "offline");
      else this._setState("offline");
    };
    this._onVisible = () => {
      if (document.visibilityState !== "visible") return;
      if (this.state === "live") this._probe();
      else this._reconnectNow();
    };
  }

  /**
   * Listen: "welcome", "entry", "presence", "results", "reaction", "common_ground", "themes" (staff),
   * "idea_themes" and "action_groups" (phones), "state", "outbox", "error", "fatal".
   */
  on(type, fn) {
    if (!this._listeners.has(type)) this._listeners.set(type, []);
    this._listeners.get(type).push(fn);
    return this;
  }

  _emit(type, value) {
    for (const fn of this._listeners.get(type) || []) {
      try {
        fn(value, this);
      } catch (err) {
        console.error(`wholeroom: a ${type} listener failed`, err);
      }
    }
  }

  start() {
    this._stopped = false;
    addEventListener("online", this._onOnline);
    addEventListener("offline", this._onOffline);
    document.addEventListener("visibilitychange", this._onVisible);
    this._pingTimer = setInterval(() => this._heartbeat(), PING_EVERY_MS);
    this._connect();
    return this;
  }

  stop() {
    this._stopped = true;
    removeEventListener("online", this._onOnline);
    removeEventListener("offline", this._onOffline);
    document.removeEventListener("visibilitychange", this._onVisible);
    clearInterval(this._pingTimer);
    clearTimeout(this._timer);
    clearTimeout(this._retryTimer);
    if (this._ws) this._drop(this._ws, "stopped");
  }

  /** The server's clock now, in ms since the epoch. */
  serverNow() {
    return Date.now() + this.offset;
  }

  /** Ideas not yet acknowledged: [{client_id, text, step_id, created_at, status, error}] (copies). */
  outbox() {
    return this._outbox.map((item) => ({ ...item, sending: this._inFlight.has(item.client_id) }));
  }

  /** Forget an idea in the outbox (after a definitive error the person has seen). */
  dismiss(clientId) {
    this._outbox = this._outbox.filter((item) => item.client_id !== clientId);
    this._saveOutbox();
  }

  /**
   * Send a command. Resolves with the ack, rejects with the error message ({code, message}).
   * idea.submit goes through the persistent outbox (sent now if live, else when back online);
   * any other command needs a live connection and is refused at once otherwise.
   */
  send(command) {
    if (command.type === "idea.submit") return this._submitIdea(command);
    if (this.state !== "live" || !this._ws) {
      return Promise.reject({
        type: "error",
        code: "offline",
        message: t("Not connected right now: nothing was sent. Try again when the connection is back."),
      });
    }
    const ref = ++this._ref;
    return new Promise((resolve, reject) => {
      this._pending.set(ref, { resolve, reject });
      this._ws.send(JSON.stringify({ ...command, ref }));
    });
  }

  _submitIdea(command) {
    const item = {
      client_id: command.client_id || newClientId(),
      text: command.text,
      step_id: command.step_id ?? null,
      table_id: command.table_id ?? null,
      created_at: Date.now(),
      status: "waiting",
      error: null,
    };
    const promise = new Promise((resolve, reject) => this._waiters.set(item.client_id, { resolve, reject }));
    promise.catch(() => {}); // the outbox event reports failures; callers need not catch
    this._outbox.push(item);
    this._saveOutbox();
    if (this.state === "live") this._sendIdea(item);
    return promise;
  }

  _sendIdea(item) {
    if (!this._ws || this.state !== "live" || this._inFlight.has(item.client_id)) return;
    const ref = ++this._ref;
    const message = { type: "idea.submit", ref, client_id: item.client_id, text: item.text };
    if (item.step_id) message.step_id = item.step_id;
    if (item.table_id) message.table_id = item.table_id;
    this._pending.set(ref, { clientId: item.client_id });
    this._inFlight.add(item.client_id);
    this._ws.send(JSON.stringify(message));
    this._emit("outbox", this.outbox());
  }

  _flushOutbox() {
    for (const item of this._outbox) {
      if (item.status === "waiting") this._sendIdea(item);
    }
  }

  _saveOutbox() {
    if (this.outboxKey) {
      if (this._outbox.length) writeJSON(this.outboxKey, this._outbox);
      else {
        try {
          localStorage.removeItem(this.outboxKey);
        } catch {
          // ignore
        }
      }
    }
    this._emit("outbox", this.outbox());
  }

  // --- the connection -------------------------------------------------------------------

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this._emit("state", state);
  }

  _connect() {
    clearTimeout(this._timer);
    this._timer = null;
    if (this._stopped || this._ws || this.state === "closed") return;
    if (this._everLive) this._setState(navigator.onLine === false ? "offline" : "reconnecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this._scheduleReconnect();
      return;
    }
    this._ws = ws;
    ws.onopen = () => {
      const hello = { type: "hello", token: this.token };
      if (this.seq > 0) hello.after = this.seq;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (event) => this._onMessage(ws, event);
    ws.onclose = (event) => this._closed(ws, event.code, event.reason);
    ws.onerror = () => {}; // a close event follows
    this._welcomeTimer = setTimeout(() => {
      if (this._ws === ws && this.state !== "live") this._drop(ws, "no welcome");
    }, WELCOME_LIMIT_MS);
  }

  /** Give up on a socket now (without waiting for a slow close handshake). */
  _drop(ws, reason) {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(4000, reason);
    } catch {
      // already closing
    }
    this._closed(ws, 4000, reason);
  }

  _closed(ws, code, reason) {
    if (ws !== this._ws) return;
    this._ws = null;
    clearTimeout(this._welcomeTimer);
    this._pingSentAt = null;
    this._inFlight.clear();
    for (const [ref, pending] of this._pending) {
      this._pending.delete(ref);
      if (pending.reject) {
        pending.reject({
          type: "error",
          code: "connection_lost",
          message: t("The connection dropped before the server answered; check whether it took effect."),
        });
      }
    }
    if (this._outbox.length) this._emit("outbox", this.outbox());
    if (code === 1008 || code === CLOSE_REMOVED || code === CLOSE_TOO_MANY) {
      // CLOSE_TOO_MANY: this link was opened on too many screens and this one, the oldest, was
      // closed. Reconnecting would close another; the person reloads the page to use it here again.
      this.fatalError =
        code === CLOSE_TOO_MANY
          ? { code: "open_elsewhere", message: t("This link is open in another tab or window; reload to use it here.") }
          : this._helloError || { code: "closed", message: reason || t("The server refused this link.") };
      this._setState("closed");
      this._emit("fatal", this.fatalError);
      return;
    }
    if (this._stopped) return;
    // 1013: this link said hello too often; the error before the close says when to come back
    const told = code === CLOSE_TRY_LATER && this._helloError ? this._helloError.retry_after_ms ?? 0 : 0;
    this._scheduleReconnect(told);
  }

  _scheduleReconnect(atLeastMs = 0) {
    this._setState(navigator.onLine === false ? "offline" : this._everLive ? "reconnecting" : "connecting");
    const base = this._backoff;
    this._backoff = Math.min(this._backoff * 2, BACKOFF_MAX_MS);
    const delay = Math.max(atLeastMs, base / 2 + Math.random() * (base / 2)); // jitter: in [base/2, base]
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._connect(), delay);
  }

  _reconnectNow() {
    if (this._stopped || this.state === "closed" || this.state === "live") return;
    if (this._ws) this._drop(this._ws, "retry now"); // a half-open attempt from before: start afresh
    this._backoff = BACKOFF_FIRST_MS;
    this._connect();
  }

  _ping() {
    if (!this._ws || this.state !== "live") return;
    this._pingSentAt = Date.now();
    this._ws.send(JSON.stringify({ type: "ping" }));
  }

  /** Ping now and drop the socket if nothing at all comes back soon (phones waking from sleep). */
  _probe() {
    const ws = this._ws;
    const sentAt = Date.now();
    this._ping();
    setTimeout(() => {
      if (this._ws === ws && ws && this._lastHeard < sentAt) this._drop(ws, "no answer");
    }, PROBE_MS);
  }

  _heartbeat() {
    if (!this._ws || this.state !== "live") return;
    if (Date.now() - this._lastHeard > SILENCE_LIMIT_MS) {
      this._drop(this._ws, "silent");
      return;
    }
    this._ping();
  }

  _onMessage(ws, event) {
    if (ws !== this._ws) return;
    this._lastHeard = Date.now();
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    switch (msg.type) {
      case "welcome":
        return this._welcome(msg);
      case "entry":
        if (msg.seq <= this.seq) return; // already applied (a snapshot may include it)
        this.seq = msg.seq;
        return this._emit("entry", msg);
      case "ack":
        return this._ack(msg);
      case "error":
        return this._error(msg);
      case "pong":
        if (this._pingSentAt !== null) {
          const received = Date.now();
          this.offset = msg.now - (this._pingSentAt + received) / 2;
          this._pingSentAt = null;
        } else {
          this.offset = msg.now - Date.now();
        }
        return;
      case "presence":
        return this._emit("presence", msg);
      case "results":
        return this._emit("results", msg);
      case "turnout":
        return this._emit("turnout", msg);
      case "reaction": {
        // the answer to a reaction.next (it carries its ref), or the next idea after a reaction.cast
        const pending = msg.ref == null ? null : this._pending.get(msg.ref);
        if (pending && !pending.clientId) {
          this._pending.delete(msg.ref);
          pending.resolve(msg);
        }
        return this._emit("reaction", msg);
      }
      case "common_ground":
        return this._emit("common_ground", msg);
      case "themes":
        return this._emit("themes", msg);
      case "idea_themes":
        return this._emit("idea_themes", msg);
      case "action_groups":
        return this._emit("action_groups", msg);
      default:
        return;
    }
  }

  _welcome(msg) {
    clearTimeout(this._welcomeTimer);
    this.offset = msg.now - Date.now();
    this.role = msg.role;
    this.participantId = msg.participant_id;
    this._helloError = null;
    if (msg.snapshot) this.seq = msg.snapshot.seq ?? msg.seq;
    this._backoff = BACKOFF_FIRST_MS;
    this._everLive = true;
    this._setState("live");
    this._emit("welcome", msg);
    this._flushOutbox();
  }

  _ack(msg) {
    const pending = this._pending.get(msg.ref);
    if (!pending) return;
    this._pending.delete(msg.ref);
    if (pending.clientId) {
      this._inFlight.delete(pending.clientId);
      const waiter = this._waiters.get(pending.clientId);
      this._waiters.delete(pending.clientId);
      this._outbox = this._outbox.filter((item) => item.client_id !== pending.clientId);
      this._saveOutbox();
      if (waiter) waiter.resolve(msg);
    } else {
      pending.resolve(msg);
    }
  }

  _error(received) {
    const msg = { ...received, message: errorText(received.code, received.message) };
    const pending = msg.ref == null ? null : this._pending.get(msg.ref);
    if (!pending) {
      // the reason for the close that follows: 1008 after hello, 4403 when the facilitator removed this person
      // (or a link the organiser revoked: "link_revoked", then 1008)
      if (this.state !== "live" || msg.code === "removed" || msg.code === "link_revoked") this._helloError = msg;
      this._emit("error", msg);
      return;
    }
    this._pending.delete(msg.ref);
    if (!pending.clientId) {
      pending.reject(msg);
      return;
    }
    this._inFlight.delete(pending.clientId);
    const item = this._outbox.find((it) => it.client_id === pending.clientId);
    if (!item) return;
    if (RETRY_SOON.has(msg.code) || RETRY_LATER.has(msg.code)) {
      // nothing was saved; send it again after a pause
      item.error = RETRY_LATER.has(msg.code) ? { code: msg.code, message: msg.message } : null;
      this._saveOutbox();
      clearTimeout(this._retryTimer);
      const wait = RETRY_LATER.has(msg.code) ? Math.max(msg.retry_after_ms ?? 15_000, 1_000) : 1_500;
      this._retryTimer = setTimeout(() => this._flushOutbox(), wait);
      return;
    }
    item.status = "failed";
    item.error = { code: msg.code, message: msg.message };
    this._saveOutbox();
    const waiter = this._waiters.get(pending.clientId);
    this._waiters.delete(pending.clientId);
    if (waiter) waiter.reject(msg);
  }
}
