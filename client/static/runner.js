// The console's running session: controls (start, next, back, skip, go to, pause, resume, extend),
// the run sheet with planned against actual time, the running step's countdown and its warning;
// and, beside it, the groups at each table and the live results of votes and marketplaces.
// Co-facilitation: every flow command names the room's flow this console last saw
// (`expect_flow_seq`); a press from a view the room has left is refused and said in words, and the
// console says how many facilitator screens are open and what the last change of flow was.

import { marketGrid, voteResults } from "./charts.js";
import { localSession } from "./language.js";
import { $, formatDuration, formatTime, h, reconcile, say } from "./ui.js";
import { audienceWords, captureWords, groupsWords, kindName, offset, roleName, seconds } from "./words.js";

// --- co-facilitation ---------------------------------------------------------------------------

/** The commands that change the room's flow, and so name the flow they were sent from. */
export const FLOW_COMMANDS = new Set(["session.next", "session.back", "session.skip", "session.goto", "session.pause",
  "session.resume", "step.push", "step.extend", "step.end"]);

const ownFlow = new Set(); // flow seqs this screen made (from its acks)
const flowListeners = [];
let loadedAt = null; // the room's seq when this page first drew it: older changes are "a facilitator"'s

/** Send a command; a flow command names the room's flow as this console sees it. */
export function sendFlow(live, model, command) {
  const named = FLOW_COMMANDS.has(command.type) ? { ...command, expect_flow_seq: model.flow ? model.flow.seq : 0 } : command;
  return live.send(named).then((ack) => {
    if (ack && ack.flow_seq) {
      ownFlow.add(ack.flow_seq);
      for (const listener of flowListeners) listener();
    }
    return ack;
  });
}

/** Who made a change of flow, as this screen can tell. */
function flowWho(flow) {
  if (ownFlow.has(flow.seq)) return "this screen";
  if (flow.actor.startsWith("facilitator:")) return flow.actor.slice("facilitator:".length); // a named link
  if (flow.actor !== "facilitator") return flow.actor;
  return loadedAt != null && flow.seq > loadedAt ? "another facilitator screen" : "a facilitator";
}

/** What a change of flow did, in words: "step 2 of “Café”, “Round 2”, started". */
export function flowWords(model, flow) {
  const session = flow.session_id ? localSession(model.sessions.get(flow.session_id)) : null;
  if (flow.kind === "session.finished") return session ? `“${session.title}” finished` : "the session finished";
  const done = { "step.pushed": "started", "step.ended": "ended", "step.extended": "given more time", "step.paused": "paused",
    "step.resumed": "resumed", "session.step_skipped": "skipped" }[flow.kind] || "changed";
  const row = session && flow.index != null ? session.runsheet[flow.index] : null;
  if (row) return `step ${row.index + 1} of “${session.title}”, “${row.title}”, ${done}`;
  const step = flow.step_id ? model.steps.get(flow.step_id) : null;
  const text = step ? step.text.replace(/\s+/g, " ") : "a step";
  const short = text.length > 60 ? `${text.slice(0, 60).replace(/[\s,;:]+\S*$/, "")}…` : text;
  return `the step “${short}” ${flow.kind === "step.pushed" ? "pushed" : done}`;
}

/** A refused command, in words: for `stale_flow`, who moved the room, where to and when. */
export function refusalText(model, err) {
  if (!err || err.code !== "stale_flow" || !err.flow) return (err && err.message) || String(err);
  const flow = err.flow;
  return `Not done: the room had moved on. ${capital(flowWords(model, flow))} by ${flowWho(flow)} at ${formatTime(flow.at)}. `
    + "This console now shows the room as it is: look, then choose again.";
}

function capital(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The line that says who else is driving: facilitator screens open, and the last change of flow. */
export function renderDrivers(model) {
  if (loadedAt == null && model.seq) loadedAt = model.seq;
  const n = model.facilitators;
  const screens = n == null ? "" : n <= 1 ? "This is the only facilitator screen open."
    : `${n} facilitator screens are open${driversText(model.drivers)}: someone else may be driving.`;
  const flow = model.flow;
  const last = flow ? `Last change: ${flowWords(model, flow)} by ${flowWho(flow)} at ${formatTime(flow.at)}.` : "";
  const el = $("#flow-status");
  const text = [screens, last].filter(Boolean).join(" ");
  if (el.textContent !== text) el.textContent = text;
  el.dataset.screens = String(n ?? "");
  el.hidden = !text;
}

/** " (Ana – co-facilitator, Ben and 1 unnamed)": the names of the links the open consoles use. */
function driversText(drivers) {
  if (!drivers || !drivers.length) return "";
  const named = [...new Set(drivers.filter(Boolean))];
  const unnamed = drivers.filter((d) => !d).length;
  const parts = [...named, ...(unnamed ? [`${unnamed} unnamed`] : [])];
  if (!named.length) return "";
  return ` (${parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}` : parts[0]})`;
}

export function initRunner({ live, model }) {
  const panel = $("#session-panel");
  const message = $("#session-message");
  const pick = $("#session-pick");
  let chosenId = null; // the session the controls drive (null: the newest that is not finished)
  let warnState = ""; // what the warning line says now, so it is only rewritten on a change
  let scrolledTo = ""; // the run sheet row last scrolled into view

  function run(command, okText) {
    return sendFlow(live, model, command).then(
      (ack) => {
        if (okText) say(message, typeof okText === "function" ? okText(ack) : okText, "ok");
        return ack;
      },
      (err) => {
        say(message, refusalText(model, err), "error");
        throw err;
      },
    );
  }
  flowListeners.push(() => renderDrivers(model));

  function sessions() {
    return [...model.sessions.values()].map((s) => localSession(s)); // run sheet titles in the event's language
  }

  let toShow = null; // a session just loaded here, to bring into view once the model holds it

  function current() {
    if (chosenId && model.sessions.has(chosenId)) return localSession(model.sessions.get(chosenId));
    const all = sessions();
    return [...all].reverse().find((s) => s.status !== "finished") || all[all.length - 1] || null;
  }

  /** The session's step running now (pushed and not ended), or null. */
  function runningStep(session) {
    if (!session || session.index < 0 || session.index >= session.runsheet.length) return null;
    const row = session.runsheet[session.index];
    const step = row && row.step_id ? model.steps.get(row.step_id) : null;
    return step && step.status === "active" ? step : null;
  }

  /** The tables where a step is what (some of) the people there see now. */
  function showingAt(stepId) {
    return Object.entries(model.current).filter(([, slots]) => Object.values(slots).includes(stepId)).map(([t]) => t);
  }

  /** What the session's step is doing in the room, as the server's `session.now` says it:
   * {step, state: running | paused | interrupted | ended, replacedBy}, or null. */
  function nowOf(session) {
    if (!session || session.status === "loaded" || session.status === "finished") return null;
    const row = session.runsheet[session.index];
    const step = row && row.step_id ? model.steps.get(row.step_id) : null;
    if (!step) return null;
    // a step for the facilitators alone reaches no table, so no table can replace it
    const showing = showingAt(step.id).length > 0 || (Array.isArray(step.audience.tables) && step.audience.tables.length === 0);
    const state = step.status === "ended" ? "ended" : !showing ? "interrupted" : session.status === "paused" ? "paused" : "running";
    let replacedBy = null;
    if (state !== "running") {
      for (const table of step.audience.tables ?? [...model.tables.keys()]) {
        for (const id of Object.values(model.current[table] || {})) {
          const other = model.steps.get(id);
          if (other && other.seq > step.seq && (!replacedBy || other.seq > replacedBy.seq)) replacedBy = other;
        }
      }
    }
    return { step, state, replacedBy };
  }

  /** The session's step if the room shows it now (running or paused), or null. */
  function shownStep(session) {
    const now = nowOf(session);
    return now && (now.state === "running" || now.state === "paused") ? now.step : null;
  }

  function rowState(session, row) {
    if (row.skipped) return "skipped";
    if (row.index === session.index) {
      const now = nowOf(session);
      if (now && now.step.id === row.step_id && now.state !== "ended") return now.state;
    }
    if (row.started_at != null) return "done";
    return "upcoming";
  }

  // --- the run sheet -------------------------------------------------------------------------

  const rowEls = new Map(); // `${session}:${index}` -> tr

  function sheetRow(session, row) {
    const key = `${session.id}:${row.index}`;
    let tr = rowEls.get(key);
    if (!tr) {
      const go = h("button", {
        type: "button", class: "small go",
        text: "Run",
        on: { click: () => run({ type: "session.goto", session_id: session.id, index: row.index }, `Running “${row.title}”.`).catch(() => {}) },
      });
      tr = h("tr", { dataset: { index: String(row.index) } },
        h("td", { class: "num", text: String(row.index + 1) }),
        h("td", {},
          h("strong", { text: row.title }), row.optional ? h("span", { class: "tag optional", text: "optional" }) : null, h("br"),
          h("span", { class: "muted", text: kindName(row.kind) }), " ", h("span", { class: "tag state" })),
        h("td", {}, audienceWords(row.audience), row.groups ? h("br") : null,
          row.groups ? h("span", { class: "muted", text: groupsWords(row.groups) }) : null),
        h("td", { class: "capture", text: captureWords(row.capture) || { vote: "Votes", signup: "Topics, sign-ups" }[row.kind] || "–" }),
        h("td", { class: "num planned" }, `+${seconds(row.planned_offset_s)}`, h("br"), h("span", { class: "muted", text: seconds(row.planned_s) })),
        h("td", { class: "num actual" }),
        h("td", {}, go));
      rowEls.set(key, tr);
    }
    const state = rowState(session, row);
    tr.dataset.state = state;
    if (state === "running" || state === "paused") tr.setAttribute("aria-current", "step");
    else tr.removeAttribute("aria-current");
    tr.querySelector(".actual").textContent = actualText(session, row, state);
    const tag = tr.querySelector(".tag.state");
    tag.textContent = { running: "running", paused: "paused", interrupted: "interrupted", done: "done", skipped: "skipped", upcoming: "" }[state];
    tag.hidden = state === "upcoming";
    const go = tr.querySelector(".go");
    go.textContent = state === "running" || state === "paused" || state === "interrupted" ? "Restart" : "Run";
    // the accessible name starts with the visible word, so speech control ("click Run") finds it
    go.setAttribute("aria-label", `${go.textContent}: step ${row.index + 1}, ${row.title}`);
    return tr;
  }

  /** "+0:05 · 1:12 (0:12 over)" — when it started (from the session's start) and how long it ran. */
  function actualText(session, row, state) {
    if (row.skipped) return "skipped";
    if (row.started_at == null) return "";
    const start = offset(row.started_at - (session.started_at ?? row.started_at));
    const end = row.ended_at ?? (state === "running" || state === "paused" || state === "interrupted" ? live.serverNow() : null);
    if (end == null) return start;
    const ran = end - row.started_at;
    let diff = "";
    if (row.planned_s) {
      // over the plan: always said; under it: once the step has ended
      const over = ran - row.planned_s * 1000;
      if (over >= 5000 || (row.ended_at != null && over <= -5000)) diff = ` (${formatDuration(Math.abs(over))} ${over > 0 ? "over" : "under"})`;
    }
    return `${start} · ${formatDuration(ran)}${row.ended_at == null ? " so far" : ""}${diff}`;
  }

  // --- the panel -----------------------------------------------------------------------------

  function render() {
    renderDrivers(model); // with or without a session: steps pushed by hand are changes of flow too
    const all = sessions();
    panel.hidden = all.length === 0;
    if (!all.length) return;
    const session = current();
    if (toShow && session.id === toShow) {
      toShow = null;
      panel.scrollIntoView({ block: "start" });
      $("#session-heading").focus({ preventScroll: true });
    }
    $("#session-pick-field").hidden = all.length < 2;
    const options = [...all].reverse().map((s) => h("option", { value: s.id, text: `${s.title} (${s.status})` }));
    if (pick.options.length !== options.length || [...pick.options].some((o, i) => o.textContent !== options[i].textContent)) {
      pick.replaceChildren(...options);
    }
    pick.value = session.id;

    $("#session-title").textContent = session.title;
    const method = session.method || {};
    const n = session.runsheet.length;
    const nowState = nowOf(session);
    const how = nowState ? { running: "", paused: ", paused", interrupted: ", interrupted", ended: ", ended" }[nowState.state] : "";
    const where = session.status === "loaded" ? "not started" : session.status === "finished" ? "finished"
      : `step ${session.index + 1} of ${n}${how}`;
    $("#session-meta").textContent = [method.name && method.origin ? `${method.name} · ${method.origin}` : method.name || "",
      `${n} steps`, where, session.started_at ? `started ${formatTime(session.started_at)}` : ""].filter(Boolean).join(" · ");

    // the step running now (or what took its place)
    const row = session.index >= 0 && session.index < n ? session.runsheet[session.index] : null;
    const step = shownStep(session);
    const now = $("#now-step");
    now.hidden = !row;
    if (row) {
      $("#now-kicker").textContent = `Step ${row.index + 1} of ${n} · ${kindName(row.kind)} · ${audienceWords(row.audience)}`;
      $("#now-title").textContent = row.title;
      const clock = $("#now-clock");
      if (row.step_id && step) clock.dataset.stepClock = row.step_id;
      else clock.removeAttribute("data-step-clock");
      clock.hidden = !step;
      now.dataset.run = nowState ? nowState.state : "";
      $("#now-interrupted").textContent = nowState ? interruptedText(nowState) : "";
      $("#now-interrupted").hidden = !nowState || nowState.state === "running" || nowState.state === "paused";
      $("#now-plan").textContent = `Planned ${seconds(row.planned_s)}${row.groups ? ` · ${groupsWords(row.groups)}` : ""}`;
    }

    // controls
    const finished = session.status === "finished";
    const next = $("#s-next");
    next.textContent = finished ? "Finished" : session.index < 0 ? "Start" : session.index >= n - 1 ? "Finish" : "Next step";
    next.disabled = finished;
    const upcoming = session.runsheet[session.index + 1];
    next.setAttribute("aria-label", session.index < 0 ? `Start with step 1, ${session.runsheet[0]?.title || ""}`
      : upcoming ? `Next step: ${upcoming.title}` : "Finish the session");
    $("#s-back").disabled = finished || session.index <= 0;
    $("#s-skip").disabled = finished || session.index + 1 >= n;
    $("#s-skip").setAttribute("aria-label", upcoming ? `Skip next: ${upcoming.title}` : "Skip next");
    const pause = $("#s-pause");
    pause.textContent = session.status === "paused" ? "Resume" : "Pause";
    pause.disabled = session.status === "paused" ? !runningStep(session) : !step;
    const extendable = Boolean(step && step.deadline != null);
    $("#extend-minutes").disabled = !extendable;
    $("#extend-button").disabled = !extendable;

    const rows = session.runsheet.map((r) => sheetRow(session, r));
    reconcile($("#runsheet-rows"), rows);
    // keep the running step in view inside the run sheet's own scroll box (not the page)
    const key = `${session.id}:${session.index}`;
    if (key !== scrolledTo && rows[session.index]) {
      scrolledTo = key;
      const box = $("#runsheet-box");
      box.scrollTop = Math.max(0, rows[session.index].offsetTop - box.clientHeight / 3);
    }
    tickWarning();
  }

  /** Why the session's step is not what the room sees, and what the buttons do about it. */
  function interruptedText({ state, replacedBy }) {
    const other = replacedBy ? `“${(replacedBy.spec && replacedBy.spec.title) || replacedBy.text}”` : "a later step";
    const by = replacedBy && !replacedBy.session_id ? ", pushed by hand," : "";
    if (state === "interrupted") {
      return `Interrupted: ${other}${by} is what the tables see now. Next step goes on with the script; Restart in the run sheet runs this step again.`;
    }
    if (state === "ended") {
      return `This step was ended by hand${replacedBy ? `; the tables see ${other}` : ""}. Next step goes on with the script.`;
    }
    return "";
  }

  /** Twice a second: the warning before the running step runs out, and the actual times. */
  function tickWarning() {
    const session = current();
    const step = shownStep(session);
    let state = "";
    let text = "";
    if (step && step.deadline != null) {
      const left = step.deadline - live.serverNow();
      const row = session.runsheet[session.index];
      if (left <= 0) {
        state = "up";
        text = `Time is up for “${row.title}”: extend it or go to the next step.`;
      } else if (step.warn_ms && left <= step.warn_ms) {
        state = "warn";
        text = `Less than ${formatDuration(step.warn_ms)} left in “${row.title}”.`;
      }
    }
    const el = $("#now-warning");
    if (state !== warnState) {
      warnState = state;
      el.textContent = text;
      el.dataset.state = state;
    }
    $("#now-step").dataset.state = state;
    if (session) {
      for (const row of session.runsheet) {
        const tr = rowEls.get(`${session.id}:${row.index}`);
        if (tr) tr.dataset.time = row.index === session.index ? state : "";
        if (tr && ["running", "paused", "interrupted"].includes(tr.dataset.state)) {
          tr.querySelector(".actual").textContent = actualText(session, row, tr.dataset.state);
        }
      }
    }
  }
  setInterval(tickWarning, 500);

  pick.addEventListener("change", () => {
    chosenId = pick.value;
    render();
  });
  $("#s-next").addEventListener("click", () => {
    const s = current();
    if (!s) return;
    run({ type: "session.next", session_id: s.id }, (ack) => (ack.step_id ? `Running step ${ack.index + 1}.` : "The session has finished.")).catch(() => {});
  });
  $("#s-back").addEventListener("click", () => {
    const s = current();
    if (s) run({ type: "session.back", session_id: s.id }, "Back one step.").catch(() => {});
  });
  $("#s-skip").addEventListener("click", () => {
    const s = current();
    if (s) run({ type: "session.skip", session_id: s.id }, (ack) => `Skipped; running step ${ack.index + 1}.`).catch(() => {});
  });
  $("#s-pause").addEventListener("click", () => {
    const s = current();
    if (!s) return;
    const resume = s.status === "paused";
    run({ type: resume ? "session.resume" : "session.pause", session_id: s.id }, resume ? "Resumed." : "Paused: the clock has stopped.").catch(() => {});
  });
  $("#extend-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const step = shownStep(current());
    const minutes = Number($("#extend-minutes").value);
    const error = $("#extend-error");
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 1440) {
      error.textContent = "Give a number of minutes from 1 to 1440.";
      $("#extend-minutes").setAttribute("aria-invalid", "true");
      return;
    }
    error.textContent = "";
    $("#extend-minutes").removeAttribute("aria-invalid");
    if (!step) return;
    run({ type: "step.extend", step_id: step.id, seconds: Math.round(minutes * 60) }, `Added ${minutes} min.`).catch(() => {});
  });

  return {
    render,
    renderDrivers: () => renderDrivers(model),
    /** After a load: drive the new session. */
    /** Show a session just loaded: the panel comes into view with focus on its heading, so the
     * facilitator sees Start without hunting for it. */
    follow(sessionId) {
      chosenId = sessionId;
      toShow = sessionId; // the ack may come before the session.loaded entry (another worker): wait for it
      render();
    },
  };
}

// --- groups at each table -------------------------------------------------------------------

export function renderGroups(model) {
  const byTable = new Map();
  for (const group of model.groups.values()) {
    if (!byTable.has(group.table_id)) byTable.set(group.table_id, []);
    byTable.get(group.table_id).push(group);
  }
  $("#groups-panel").hidden = byTable.size === 0;
  const count = model.groups.size;
  $("#groups-count").textContent = count ? `(${count === 1 ? "1 group" : `${count} groups`})` : "";
  const person = (id) => {
    const p = model.participants.get(id);
    const name = p && p.name ? p.name : `anonymous ${id}`;
    return p && p.role && p.role !== "participant" ? `${name} (${roleName(p.role).toLowerCase()})` : name;
  };
  // groups across tables (Open Space sessions made from the marketplace) have no table: they come last
  const order = (id) => (id === "" ? Infinity : Number(id));
  const items = [...byTable.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b)).map((tableId) =>
    h("li", { dataset: { tableId } },
      h("strong", { text: tableId === "" ? "Sessions across tables" : model.tableName(tableId) }),
      h("ul", {}, byTable.get(tableId).map((g, i) => {
        const topic = model.topics.get(g.id); // a marketplace session's group has its topic's id
        const label = topic ? `${topic.title} (${topic.space}, ${g.members.length}): ` : `Group ${i + 1}: `;
        return h("li", { dataset: { groupId: g.id } },
          h("span", { class: "muted", text: label }),
          g.members.map(person).join(", "));
      }))));
  $("#groups").replaceChildren(...items);
}

// --- votes and marketplaces -----------------------------------------------------------------

const resultEls = new Map(); // step id -> section

export function renderResults(model, live) {
  const steps = [...model.steps.values()]
    .filter((s) => s.kind === "vote" || s.kind === "signup")
    .sort((a, b) => b.seq - a.seq)
    .slice(0, 4);
  $("#results-panel").hidden = steps.length === 0;
  const sections = steps.map((step) => {
    let section = resultEls.get(step.id);
    if (!section) {
      // older votes fold away (one click opens them); a new one opens, and closes the others
      for (const old of resultEls.values()) old.open = false;
      section = h("details", { class: "result-step", open: true, dataset: { stepId: step.id, kind: step.kind } },
        h("summary", {}, h("h3", { text: (step.spec && step.spec.title) || step.text }), h("span", { class: "muted summary-state" })),
        h("p", { class: "muted about" }),
        h("p", { class: "status", "aria-live": "polite" }),
        h("div", { class: "chart" }));
      if (step.kind === "signup") section.append(topicForm(step, live));
      resultEls.set(step.id, section);
    }
    section.querySelector(".summary-state").textContent = step.status === "ended" ? " (ended)" : " (open)";
    const spec = step.spec || {};
    const ended = step.status === "ended";
    const chart = section.querySelector(".chart");
    const status = section.querySelector(".status");
    if (step.kind === "vote") {
      const method = { dots: `${spec.dots} dots each${spec.max_per_option ? `, at most ${spec.max_per_option} on one` : ""}` }[spec.method] || "";
      section.querySelector(".about").textContent = [
        `${kindName("vote")}: ${methodName(spec.method)}${method ? ` (${method})` : ""}`,
        spec.reveal === "live" ? "phones and the wall see results live" : "phones and the wall see results when it ends",
        ended ? "ended" : "open",
      ].join(" · ");
      const results = model.results.get(step.id) || { step_id: step.id, method: spec.method, voters: 0, options: (step.options || []).map((o) => ({ ...o })) };
      const voted = `${results.voters === 1 ? "1 person has" : `${results.voters || 0} people have`} voted.`;
      if (status.textContent !== voted) status.textContent = voted;
      chart.replaceChildren(voteResults(results, spec, { voters: false }));
    } else {
      const topics = model.stepTopics(step.id);
      section.querySelector(".about").textContent =
        `Marketplace · ${spec.convene === "facilitator" ? "you post the topics" : "anyone can post a topic"} · ${ended ? "closed" : "open"}`;
      const people = topics.reduce((n, t) => n + (t.count || 0), 0);
      const text = `${topics.length === 1 ? "1 topic" : `${topics.length} topics`}, ${people} sign-ups.`;
      if (status.textContent !== text) status.textContent = text;
      chart.replaceChildren(marketGrid(spec, topics, {
        caption: `Marketplace: spaces by time slot`,
        convenerName: (id) => (id === "facilitator" ? "the facilitator" : model.personName(id) || `anonymous ${id}`),
      }));
      const form = section.querySelector("form");
      if (form) form.hidden = ended;
    }
    return section;
  });
  reconcile($("#results"), sections);
}

function methodName(method) {
  return { dots: "dots", score: "score", agree_disagree_pass: "agree / disagree / pass", rank: "ranking", place: "place on a grid", pass_and_score: "pass and score" }[method] || method;
}

/** The facilitator posts a topic into a free cell (conveners usually post from their phones). */
function topicForm(step, live) {
  const spec = step.spec || {};
  const id = step.id;
  const title = h("input", { id: `topic-title-${id}`, type: "text", maxlength: 200, required: true });
  const slot = h("select", { id: `topic-slot-${id}` }, (spec.slots || []).map((s) => h("option", { value: s, text: s })));
  const space = h("select", { id: `topic-space-${id}` }, (spec.spaces || []).map((s) => h("option", { value: s, text: s })));
  const msg = h("p", { class: "message", role: "status" });
  const form = h("form", { class: "topic-form" },
    h("h4", { text: "Post a topic" }),
    h("div", { class: "field" }, h("label", { for: title.id, text: "Topic" }), title),
    h("div", { class: "row" },
      h("div", {}, h("label", { for: slot.id, text: "Time" }), slot),
      h("div", {}, h("label", { for: space.id, text: "Space" }), space),
      h("button", { type: "submit", class: "primary", text: "Post topic" })),
    msg);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = title.value.trim();
    if (!text) {
      say(msg, "Give the topic a title.", "error");
      return;
    }
    try {
      await live.send({ type: "topic.post", step_id: id, title: text, slot: slot.value, space: space.value });
      say(msg, `Posted “${text}”.`, "ok");
      title.value = "";
    } catch (err) {
      say(msg, err.message, "error");
    }
  });
  return form;
}
