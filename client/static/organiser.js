// The organiser's page: the transcript reader (every entry, paged from the API, live updates, a
// download), the replay viewer (replay.js) in a second tab, and the server's exports.
import { Live } from "./live.js";
import { bindExports, createReplay } from "./replay.js";
import { $, api, bindBadge, formatDuration, formatTime, h, say, showBlocker, staffToken } from "./ui.js";

const eventId = document.body.dataset.eventId;
// #replay (or #token=...&replay) opens the replay tab; read it before staffToken clears the fragment
const wantsReplay = (hash) => {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return params.has("replay") || params.get("view") === "replay";
};
const startOnReplay = wantsReplay(location.hash);
const token = staffToken(eventId, "organiser");
const PAGE = 1000;
const ROWS_SHOWN = 1000;

if (!token) {
  showBlocker("This page needs its link", "Open the transcript with the full organiser link (it ends with #token=…).");
  throw new Error("no token");
}

const entries = new Map(); // seq -> entry
let contiguous = 0; // every seq up to this one is loaded
let maxSeq = 0;
const tables = new Map();
const names = new Map();
const message = $("#message");
const rowsEl = $("#rows");
const rowEls = new Map(); // seq -> tr (only the latest ROWS_SHOWN are in the page)
let eventTitle = "";
let view = "transcript"; // or "replay"

function drawTitle() {
  const what = view === "replay" ? "Replay" : "Transcript";
  document.title = eventTitle ? `${what} · ${eventTitle}` : `${what} · Wholeroom`;
}

function tableName(id) {
  return tables.get(id) || `Table ${id}`;
}

function who(pid) {
  if (!pid) return "someone (anonymous)"; // an anonymous idea comes without its writer
  const name = names.get(pid);
  return name ? `${name} (${pid})` : pid;
}

function summary(e) {
  const p = e.payload || {};
  switch (e.kind) {
    case "event.created":
      return `"${p.title}" with ${(p.tables || []).length} tables, join code ${p.join_code}`;
    case "participant.joined":
      return `${p.name || "anonymous"} (${p.participant_id}) joined ${tableName(p.table_id)}`;
    case "participant.seated":
      return `${who(p.participant_id)} moved to ${tableName(p.table_id)}`;
    case "participant.role_set":
      return `${who(p.participant_id)} is now ${String(p.role).replace("_", " ")}`;
    case "step.pushed": {
      const aud = p.audience || {};
      const where = aud.tables == null ? "all tables" : aud.tables.map(tableName).join(", ");
      const role = aud.role ? ` (${String(aud.role).replace("_", " ")}s)` : "";
      const time = p.deadline ? `, ${formatDuration(p.deadline - e.at)}` : "";
      const replaces = p.replaces ? `, replaces ${p.replaces}` : "";
      return `${p.step_id} "${p.text}" → ${where}${role}${time}${p.collect_ideas ? ", collects ideas" : ""}${replaces}`;
    }
    case "step.extended":
      return `${p.step_id} now ends at ${formatTime(p.deadline)}`;
    case "step.ended":
      return `${p.step_id} ended`;
    case "idea.submitted":
      return `${p.idea_id} at ${tableName(p.table_id)} by ${who(p.participant_id)}: "${p.text}"`;
    case "idea.hidden":
      return `${p.idea_id} (${tableName(p.table_id)}) hidden${p.reason ? `: ${p.reason}` : ""}`;
    case "idea.restored":
      return `${p.idea_id} (${tableName(p.table_id)}) restored`;
    case "step.paused":
      return `${p.step_id} paused${p.remaining != null ? ` with ${formatDuration(p.remaining)} left` : ""}`;
    case "step.resumed":
      return `${p.step_id} resumed, ends at ${formatTime(p.deadline)}`;
    case "session.loaded":
      return `session ${p.session_id} "${p.title}" loaded`;
    case "session.finished":
      return `session ${p.session_id} finished`;
    default:
      return JSON.stringify(p); // kinds this page does not word yet: the payload as it is
  }
}

function learn(e) {
  const p = e.payload || {};
  if (e.kind === "event.created") {
    for (const t of p.tables || []) tables.set(t.id, t.name);
    $("#event-title").textContent = p.title;
    eventTitle = p.title;
    drawTitle();
  }
  if (e.kind === "participant.joined" && p.name) names.set(p.participant_id, p.name);
}

function row(e, fresh) {
  return h("tr", { dataset: { seq: String(e.seq) }, class: fresh ? "fresh" : null },
    h("td", { class: "seq", text: String(e.seq) }),
    h("td", { class: "time", text: formatTime(e.at) }),
    h("td", { class: "kind" }, h("code", { text: e.kind })),
    h("td", { class: "actor", text: e.actor }),
    h("td", { class: "summary", text: summary(e) }));
}

function add(entry, fresh = false) {
  if (entries.has(entry.seq)) return;
  const e = { event_id: entry.event_id, seq: entry.seq, at: entry.at, kind: entry.kind, actor: entry.actor, payload: entry.payload };
  entries.set(e.seq, e);
  learn(e);
  while (entries.has(contiguous + 1)) contiguous += 1;
  maxSeq = Math.max(maxSeq, e.seq);
  if (e.seq <= maxSeq - ROWS_SHOWN) return; // too old to show; it is in the download
  const tr = row(e, fresh);
  rowEls.set(e.seq, tr);
  // newest first: put it before the first row with a smaller seq
  let before = null;
  for (const el of rowsEl.children) {
    if (Number(el.dataset.seq) < e.seq) {
      before = el;
      break;
    }
  }
  rowsEl.insertBefore(tr, before);
  while (rowsEl.children.length > ROWS_SHOWN) {
    const last = rowsEl.lastElementChild;
    rowEls.delete(Number(last.dataset.seq));
    last.remove();
  }
  if (fresh) setTimeout(() => tr.classList.remove("fresh"), 3000);
}

function drawSummary() {
  $("#summary").textContent = `${entries.size} entries (up to seq ${maxSeq}).`;
  $("#download").disabled = entries.size === 0;
  const capped = $("#capped");
  capped.hidden = entries.size <= ROWS_SHOWN;
  capped.textContent = `Showing the latest ${ROWS_SHOWN} of ${entries.size} entries; the download has them all.`;
}

let catching = null;
let wanted = 0; // the seq of the socket's snapshot: everything up to it should be read

/** Read the transcript from the API, page by page, from the first missing seq. */
function catchUp() {
  if (catching) return catching;
  catching = (async () => {
    const start = contiguous;
    let failed = false;
    try {
      let after = contiguous;
      for (;;) {
        const response = await api(`/api/events/${encodeURIComponent(eventId)}/transcript?after=${after}&limit=${PAGE}`, {
          token,
          raw: true,
        });
        const text = await response.text();
        const lines = text.split("\n").filter((line) => line.trim());
        if (!lines.length) break;
        for (const line of lines) add(JSON.parse(line));
        drawSummary();
        const next = Number(response.headers.get("X-Next-After"));
        if (!(next > after)) break;
        after = next;
      }
      message.textContent = "";
    } catch (err) {
      failed = true;
      say(message, `Could not read the transcript: ${err.message}`, "error");
    } finally {
      catching = null;
      drawSummary();
      // entries committed while we read (or a gap left by the socket): read once more
      if (!failed && contiguous > start && contiguous < Math.max(maxSeq, wanted)) setTimeout(catchUp, 0);
    }
  })();
  return catching;
}

$("#download").addEventListener("click", () => {
  const seqs = [...entries.keys()].sort((a, b) => a - b);
  const body = seqs.map((s) => JSON.stringify(entries.get(s))).join("\n") + "\n";
  const url = URL.createObjectURL(new Blob([body], { type: "application/x-ndjson" }));
  const link = h("a", { href: url, download: `wholeroom-${eventId}-transcript.jsonl` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});

const live = new Live({ token });
bindBadge($("#badge"), live);
const replay = createReplay({ eventId, token, live });
bindExports({ eventId, token, buttons: document.querySelectorAll("[data-export]"), message: $("#export-message") });

// --- two views in tabs: the transcript and the replay ------------------------------------------

const tabs = [...document.querySelectorAll('[role="tab"]')];

function selectTab(name, { focus = false } = {}) {
  view = name;
  for (const tab of tabs) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#${tab.getAttribute("aria-controls")}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  // keep the view in the address bar (never the token) so a reload comes back to it
  history.replaceState(history.state, "", location.pathname + location.search + (name === "replay" ? "#replay" : ""));
  drawTitle();
  if (name === "replay") replay.show();
  else replay.hide();
}

for (const tab of tabs) {
  tab.addEventListener("click", () => selectTab(tab.id.replace("tab-", "")));
  tab.addEventListener("keydown", (event) => {
    const i = tabs.indexOf(tab);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    selectTab(tabs[(to + tabs.length) % tabs.length].id.replace("tab-", ""), { focus: true });
  });
}
addEventListener("hashchange", () => {
  if (new URLSearchParams(location.hash.slice(1)).get("token")) return; // a new link: ui.js reloads
  if (wantsReplay(location.hash)) selectTab("replay");
});
if (startOnReplay) selectTab("replay");
live.on("welcome", (msg) => {
  if (msg.snapshot) {
    for (const t of msg.snapshot.event.tables) tables.set(t.id, t.name);
    for (const p of msg.snapshot.participants || []) if (p.name) names.set(p.id, p.name);
    $("#event-title").textContent = msg.snapshot.event.title;
    eventTitle = msg.snapshot.event.title;
    drawTitle();
    wanted = Math.max(wanted, msg.snapshot.seq);
    if (msg.snapshot.seq > contiguous) catchUp();
  }
});
live.on("entry", (entry) => {
  if (entry.seq > contiguous + 1 && !entries.has(entry.seq - 1)) catchUp();
  add(entry, true);
  drawSummary();
});
live.on("fatal", (err) => showBlocker(err.code === "open_elsewhere" ? "Open in another tab" : "This link does not work", err.message || "The server refused this link."));

catchUp();
live.start();
