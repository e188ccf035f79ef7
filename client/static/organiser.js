// The organiser's page, in three tabs: the harvest (a preview of the report, the downloads and a way
// into the replay), the replay viewer (replay.js) and the raw transcript. It opens on the harvest;
// the transcript is read only when its tab is opened, a page at a time, newest first.
import { createHarvest } from "./harvest.js";
import { initLinks } from "./links.js";
import { Live } from "./live.js";
import { StaffModel } from "./model.js";
import { coverageView } from "./parts.js";
import { bindExports, createReplay } from "./replay.js";
import { initRoster } from "./roster.js";
import { $, api, bindBadge, formatDuration, formatTime, h, say, showBlocker, staffToken } from "./ui.js";

const eventId = document.body.dataset.eventId;
const VIEWS = ["harvest", "replay", "transcript", "people"];
// #replay or #transcript (or #token=...&replay) opens that tab; read it before staffToken clears the fragment
const viewIn = (hash) => {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const named = params.get("view");
  if (VIEWS.includes(named)) return named;
  return VIEWS.find((v) => params.has(v)) || null;
};
const startOn = viewIn(location.hash) || "harvest";
const token = staffToken(eventId, "organiser");
const PAGE = Number(globalThis.wholeroomTranscriptPage) || 500; // transcript entries per page (tests set fewer)
const TITLES = { harvest: "Harvest", replay: "Replay", transcript: "Transcript", people: "People" };

if (!token) {
  showBlocker("This page needs its link", "Open the organiser page with the full organiser link (it ends with #token=…).");
  throw new Error("no token");
}

const tables = new Map();
const names = new Map();
let eventTitle = "";
let view = "harvest";

function drawTitle() {
  const what = TITLES[view];
  document.title = eventTitle ? `${what} · ${eventTitle}` : `${what} · Wholeroom`;
}

function learnTitle(title) {
  if (!title || title === eventTitle) return;
  eventTitle = title;
  $("#event-title").textContent = title;
  drawTitle();
}

// --- the transcript: a page at a time, newest first, and only once its tab is opened ---------

const transcript = (() => {
  const rowsEl = $("#rows");
  const message = $("#message");
  const older = $("#load-older");
  const olderLeft = $("#older-left");
  const seqs = new Set();
  let started = false;
  let oldest = null; // the oldest seq shown
  let newest = 0; // the newest seq shown
  let lastSeq = null; // the event's last seq, from the live connection
  let reading = null;
  const waiting = []; // live entries that came before the first page

  const tableName = (id) => tables.get(id) || `Table ${id}`;
  const who = (pid) => {
    if (!pid) return "someone (anonymous)"; // an anonymous idea comes without its writer
    const name = names.get(pid);
    return name ? `${name} (${pid})` : pid;
  };

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
    if (e.kind === "event.created") for (const t of p.tables || []) if (!tables.has(t.id)) tables.set(t.id, t.name);
    if (e.kind === "participant.joined" && p.name && !names.has(p.participant_id)) names.set(p.participant_id, p.name);
  }

  function row(e, fresh) {
    const tr = h("tr", { dataset: { seq: String(e.seq) }, class: fresh ? "fresh" : null },
      h("td", { class: "seq", text: String(e.seq) }),
      h("td", { class: "time", text: formatTime(e.at) }),
      h("td", { class: "kind" }, h("code", { text: e.kind })),
      h("td", { class: "actor", text: e.actor }),
      h("td", { class: "summary", text: summary(e) }));
    if (fresh) setTimeout(() => tr.classList.remove("fresh"), 3000);
    return tr;
  }

  function drawSummary() {
    const shown = seqs.size;
    $("#summary").textContent = shown ? `Showing entries ${oldest} to ${newest} of ${Math.max(newest, lastSeq || 0)}.` : "No entries yet.";
    older.hidden = !(oldest > 1);
    olderLeft.textContent = oldest > 1 ? `${oldest - 1} older ${oldest - 1 === 1 ? "entry" : "entries"}` : "";
  }

  /** Entries after..upto (at most PAGE), from the API, in seq order. */
  async function read(after, upto) {
    const limit = Math.min(PAGE, upto - after);
    const response = await api(`/api/events/${encodeURIComponent(eventId)}/transcript?after=${after}&limit=${limit}`, { token, raw: true });
    const text = await response.text();
    return text.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line)).filter((e) => e.seq <= upto);
  }

  /** The page before the oldest shown (or the newest page), added at the bottom. */
  function loadOlder() {
    if (reading) return reading;
    const upto = oldest == null ? lastSeq : oldest - 1;
    if (upto == null || upto < 1) return null;
    older.disabled = true;
    older.setAttribute("aria-busy", "true");
    reading = (async () => {
      try {
        const page = await read(Math.max(0, upto - PAGE), upto);
        for (const e of page) learn(e);
        const rows = [];
        for (let i = page.length - 1; i >= 0; i -= 1) {
          const e = page[i];
          if (seqs.has(e.seq)) continue;
          seqs.add(e.seq);
          rows.push(row(e, false));
          oldest = oldest == null ? e.seq : Math.min(oldest, e.seq);
          newest = Math.max(newest, e.seq);
        }
        rowsEl.append(...rows);
        if (message.dataset.kind === "error") say(message, "");
      } catch (err) {
        say(message, `Could not read the transcript: ${err.message}`, "error");
      } finally {
        reading = null;
        older.disabled = false;
        older.removeAttribute("aria-busy");
        drawSummary();
        for (const e of waiting.splice(0)) add(e);
      }
    })();
    return reading;
  }

  /** A live entry: on top, if the page reaches up to it (otherwise the newest page is read again). */
  function add(e) {
    if (!started || seqs.has(e.seq)) return;
    if (oldest == null || reading) {
      waiting.push(e);
      return;
    }
    if (e.seq > newest + 1) {
      loadNewer(); // a gap (the socket was away): read what is missing, then this one
      return;
    }
    learn(e);
    seqs.add(e.seq);
    newest = e.seq;
    rowsEl.prepend(row(e, true));
    drawSummary();
  }

  /** The entries after the newest shown, up to the event's last, added on top. */
  function loadNewer() {
    if (reading) return reading;
    reading = (async () => {
      try {
        while (lastSeq != null && newest < lastSeq) {
          const page = await read(newest, lastSeq);
          if (!page.length) break;
          for (const e of page) {
            learn(e);
            if (seqs.has(e.seq)) continue;
            seqs.add(e.seq);
            newest = Math.max(newest, e.seq);
            rowsEl.prepend(row(e, true));
          }
        }
      } catch (err) {
        say(message, `Could not read the transcript: ${err.message}`, "error");
      } finally {
        reading = null;
        drawSummary();
        for (const e of waiting.splice(0)) add(e);
      }
    })();
    return reading;
  }

  older.addEventListener("click", () => loadOlder());

  return {
    open() {
      if (started) return;
      started = true;
      $("#summary").textContent = "Reading the newest entries…";
      if (lastSeq != null) loadOlder();
    },
    knowLast(seq) {
      lastSeq = Math.max(lastSeq || 0, seq);
      if (started && oldest == null && !reading) loadOlder();
    },
    add,
  };
})();

// --- the page -----------------------------------------------------------------------------------

const live = new Live({ token });
bindBadge($("#badge"), live);
const replay = createReplay({ eventId, token, live });
const harvest = createHarvest({ eventId, token, onTitle: learnTitle });
initLinks({ eventId, token });
initEventLanguage();

/** The event's language (its wall's and console's): shown to the organiser, who may change it. */
async function initEventLanguage() {
  const url = `/api/events/${encodeURIComponent(eventId)}/language`;
  const select = $("#event-language");
  const message = $("#event-language-message");
  let current;
  try {
    current = await api(url, { token });
  } catch {
    return; // a facilitator's link: the setting is the organiser's, the panel stays hidden
  }
  select.replaceChildren(...Object.entries(current.languages).map(([code, name]) => h("option", { value: code, lang: code, text: name })));
  select.value = current.language;
  $("#event-language-panel").hidden = false;
  $("#event-language-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    say(message, "Saving…");
    try {
      const saved = await api(url, { method: "PUT", token, body: { language: select.value } });
      say(message, `Saved: the wall and console are in ${saved.languages[saved.language]}.`, "ok");
    } catch (err) {
      say(message, err.message, "error");
    }
  });
}
const roster = initRoster({ eventId, token });
bindExports({
  eventId,
  token,
  buttons: document.querySelectorAll("[data-export]"),
  message: $("#export-message"),
  audience: () => harvest.audience(),
});

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
  history.replaceState(history.state, "", location.pathname + location.search + (name === "harvest" ? "" : `#${name}`));
  drawTitle();
  if (name === "replay") replay.show();
  else replay.hide();
  if (name === "transcript") transcript.open();
  if (name === "harvest") harvest.show();
  if (name === "people") roster.show();
  else roster.hide();
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
$("#open-replay").addEventListener("click", () => selectTab("replay", { focus: true }));
addEventListener("hashchange", () => {
  if (new URLSearchParams(location.hash.slice(1)).get("token")) return; // a new link: ui.js reloads
  const wanted = viewIn(location.hash);
  if (wanted) selectTab(wanted);
});

// who came from which part of the system, against the targets (counts: the organiser's own view)
const people = new StaffModel();
function renderCoverage() {
  $("#parts-panel").hidden = !people.parts.length;
  if (people.parts.length) $("#coverage").replaceChildren(coverageView(people.coverage()));
}

// the follow-up round: weeks later, the same links answer one more question
function renderFollowUp() {
  const ev = people.event;
  const open = Boolean(ev.followup);
  const closed = Boolean(ev.closed_at);
  $("#followup-open").hidden = open;
  $("#followup-open").disabled = !closed;
  $("#followup-close").hidden = !open;
  $("#followup-status").textContent = open ? `Open now: “${ev.followup.question}” (${ev.followup.privacy}).`
    : closed ? "The event is closed: you may open a follow-up round." : "The event is still open: close it (on the console) before a follow-up round.";
}

async function followUp(command) {
  const msg = $("#followup-message");
  say(msg, "Sending…");
  try {
    await live.send(command);
    say(msg, command.type === "followup.open" ? "The follow-up round is open: people can answer on their phones." : "The follow-up round is closed.", "ok");
  } catch (err) {
    say(msg, err.message, "error");
  }
}

$("#followup-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const question = $("#followup-question").value.trim();
  const privacy = document.querySelector('input[name="followup-privacy"]:checked').value;
  followUp({ type: "followup.open", question, privacy });
});
$("#followup-close").addEventListener("click", () => followUp({ type: "followup.close" }));

live.on("welcome", (msg) => {
  if (!msg.snapshot) return;
  people.load(msg.snapshot);
  renderCoverage();
  renderFollowUp();
  for (const t of msg.snapshot.event.tables) tables.set(t.id, t.name);
  for (const p of msg.snapshot.participants || []) if (p.name) names.set(p.id, p.name);
  learnTitle(msg.snapshot.event.title);
  transcript.knowLast(msg.snapshot.seq);
});
live.on("entry", (entry) => {
  if (["participant.joined", "participant.parts_set", "event.parts_set", "participant.removed"].includes(entry.kind)) {
    people.apply(entry);
    renderCoverage();
    roster.changed();
  }
  if (["event.closed", "event.reopened", "followup.opened", "followup.closed"].includes(entry.kind)) {
    people.apply(entry);
    renderFollowUp();
  }
  transcript.knowLast(entry.seq);
  transcript.add(entry);
  if (entry.kind === "participant.joined" && entry.payload && entry.payload.name) names.set(entry.payload.participant_id, entry.payload.name);
});
live.on("fatal", (err) => showBlocker(err.code === "open_elsewhere" ? "Open in another tab" : "This link does not work", err.message || "The server refused this link."));

selectTab(startOn);
live.start();
