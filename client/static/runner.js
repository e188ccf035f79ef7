// The console's running session: controls (start, next, back, skip, go to, pause, resume, extend),
// the run sheet with planned against actual time, the running step's countdown and its warning;
// and, beside it, the groups at each table and the live results of votes and marketplaces.
// Co-facilitation: every flow command names the room's flow this console last saw
// (`expect_flow_seq`); a press from a view the room has left is refused and said in words, and the
// console says how many facilitator screens are open and what the last change of flow was.

import { marketGrid, voteResults } from "./charts.js";
import { formatList, t, tn } from "./i18n.js";
import { localSession } from "./language.js";
import { $, formatDuration, formatTime, h, isolate, reconcile, say } from "./ui.js";
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
  if (ownFlow.has(flow.seq)) return t("this screen");
  if (flow.actor.startsWith("facilitator:")) return isolate(flow.actor.slice("facilitator:".length)); // a named link
  if (flow.actor !== "facilitator") return flow.actor;
  return loadedAt != null && flow.seq > loadedAt ? t("another facilitator screen") : t("a facilitator");
}

/** What a change of flow did, in words: "step 2 of “Café”, “Round 2”, started". */
export function flowWords(model, flow) {
  const session = flow.session_id ? localSession(model.sessions.get(flow.session_id)) : null;
  // titles are free text, isolated in the sentence (they keep their own direction)
  if (flow.kind === "session.finished") return session ? t("“{session}” finished", { session: isolate(session.title) }) : t("the session finished");
  const row = session && flow.index != null ? session.runsheet[flow.index] : null;
  if (row) {
    const vars = { n: row.index + 1, session: isolate(session.title), step: isolate(row.title) };
    const said = {
      "step.pushed": () => t("step {n} of “{session}”, “{step}”, started", vars),
      "step.ended": () => t("step {n} of “{session}”, “{step}”, ended", vars),
      "step.extended": () => t("step {n} of “{session}”, “{step}”, given more time", vars),
      "step.paused": () => t("step {n} of “{session}”, “{step}”, paused", vars),
      "step.resumed": () => t("step {n} of “{session}”, “{step}”, resumed", vars),
      "session.step_skipped": () => t("step {n} of “{session}”, “{step}”, skipped", vars),
    }[flow.kind];
    return said ? said() : t("step {n} of “{session}”, “{step}”, changed", vars);
  }
  const step = flow.step_id ? model.steps.get(flow.step_id) : null;
  if (!step) return t("a step changed");
  const text = step.text.replace(/\s+/g, " ");
  const short = isolate(text.length > 60 ? `${text.slice(0, 60).replace(/[\s,;:]+\S*$/, "")}…` : text);
  const said = {
    "step.pushed": () => t("the step “{step}” pushed", { step: short }),
    "step.ended": () => t("the step “{step}” ended", { step: short }),
    "step.extended": () => t("the step “{step}” given more time", { step: short }),
    "step.paused": () => t("the step “{step}” paused", { step: short }),
    "step.resumed": () => t("the step “{step}” resumed", { step: short }),
    "session.step_skipped": () => t("the step “{step}” skipped", { step: short }),
  }[flow.kind];
  return said ? said() : t("the step “{step}” changed", { step: short });
}

/** A refused command, in words: for `stale_flow`, who moved the room, where to and when. */
export function refusalText(model, err) {
  if (!err || err.code !== "stale_flow" || !err.flow) return (err && err.message) || String(err);
  const flow = err.flow;
  const change = t("{change} by {who} at {time}.", { change: capital(flowWords(model, flow)), who: flowWho(flow), time: formatTime(flow.at) });
  return t("Not done: the room had moved on. {change} This console now shows the room as it is: look, then choose again.", { change });
}

function capital(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The line that says who else is driving: facilitator screens open, and the last change of flow. */
export function renderDrivers(model) {
  if (loadedAt == null && model.seq) loadedAt = model.seq;
  const n = model.facilitators;
  const who = driversText(model.drivers);
  const screens = n == null ? "" : n <= 1 ? t("This is the only facilitator screen open.")
    : who ? tn("{n} facilitator screens are open ({who}): someone else may be driving.", "{n} facilitator screens are open ({who}): someone else may be driving.", n, { who })
      : tn("{n} facilitator screens are open: someone else may be driving.", "{n} facilitator screens are open: someone else may be driving.", n);
  const flow = model.flow;
  const last = flow ? t("Last change: {change} by {who} at {time}.", { change: flowWords(model, flow), who: flowWho(flow), time: formatTime(flow.at) }) : "";
  const el = $("#flow-status");
  const text = [screens, last].filter(Boolean).join(" ");
  if (el.textContent !== text) el.textContent = text;
  el.dataset.screens = String(n ?? "");
  el.hidden = !text;
}

/** "Ana – co-facilitator, Ben and 1 unnamed": the names of the links the open consoles use. */
function driversText(drivers) {
  if (!drivers || !drivers.length) return "";
  const named = [...new Set(drivers.filter(Boolean))].map(isolate); // names keep their own direction
  const unnamed = drivers.filter((d) => !d).length;
  const parts = [...named, ...(unnamed ? [tn("{n} unnamed", "{n} unnamed", unnamed)] : [])];
  if (!named.length) return "";
  return formatList(parts);
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
    return Object.entries(model.current).filter(([, slots]) => Object.values(slots).includes(stepId)).map(([table]) => table);
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
        text: t("Run"),
        on: { click: () => run({ type: "session.goto", session_id: session.id, index: row.index }, t("Running “{step}”.", { step: row.title })).catch(() => {}) },
      });
      tr = h("tr", { dataset: { index: String(row.index) } },
        h("td", { class: "num", text: String(row.index + 1) }),
        h("td", {},
          h("strong", { text: row.title }), row.optional ? h("span", { class: "tag optional", text: t("optional") }) : null, h("br"),
          h("span", { class: "muted", text: kindName(row.kind) }), " ", h("span", { class: "tag state" })),
        h("td", {}, audienceWords(row.audience), row.groups ? h("br") : null,
          row.groups ? h("span", { class: "muted", text: groupsWords(row.groups) }) : null),
        h("td", { class: "capture", text: captureWords(row.capture) || { vote: () => t("Votes"), signup: () => t("Topics, sign-ups") }[row.kind]?.() || "–" }),
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
    tag.textContent = { running: () => t("running"), paused: () => t("paused"), interrupted: () => t("interrupted"), done: () => t("done"),
      skipped: () => t("skipped"), upcoming: () => "" }[state]();
    tag.hidden = state === "upcoming";
    const go = tr.querySelector(".go");
    const again = state === "running" || state === "paused" || state === "interrupted";
    go.textContent = again ? t("Restart") : t("Run");
    // the accessible name starts with the visible word, so speech control ("click Run") finds it
    const vars = { n: row.index + 1, step: row.title };
    go.setAttribute("aria-label", again ? t("Restart: step {n}, {step}", vars) : t("Run: step {n}, {step}", vars));
    return tr;
  }

  /** "+0:05 · 1:12 (0:12 over)" — when it started (from the session's start) and how long it ran. */
  function actualText(session, row, state) {
    if (row.skipped) return t("skipped");
    if (row.started_at == null) return "";
    const start = offset(row.started_at - (session.started_at ?? row.started_at));
    const end = row.ended_at ?? (state === "running" || state === "paused" || state === "interrupted" ? live.serverNow() : null);
    if (end == null) return start;
    const ran = end - row.started_at;
    let text = row.ended_at == null ? t("{time} so far", { time: formatDuration(ran) }) : formatDuration(ran);
    if (row.planned_s) {
      // over the plan: always said; under it: once the step has ended
      const over = ran - row.planned_s * 1000;
      const by = formatDuration(Math.abs(over));
      if (over >= 5000) text = t("{time} ({by} over)", { time: text, by });
      else if (row.ended_at != null && over <= -5000) text = t("{time} ({by} under)", { time: text, by });
    }
    return `${start} · ${text}`;
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
    const options = [...all].reverse().map((s) => h("option", { value: s.id, text: t("{session} ({status})", { session: s.title, status: sessionStatus(s.status) }) }));
    if (pick.options.length !== options.length || [...pick.options].some((o, i) => o.textContent !== options[i].textContent)) {
      pick.replaceChildren(...options);
    }
    pick.value = session.id;

    $("#session-title").textContent = session.title;
    const method = session.method || {};
    const n = session.runsheet.length;
    const nowState = nowOf(session);
    const at = { n: session.index + 1, total: n };
    const how = nowState ? {
      running: () => t("step {n} of {total}", at),
      paused: () => t("step {n} of {total}, paused", at),
      interrupted: () => t("step {n} of {total}, interrupted", at),
      ended: () => t("step {n} of {total}, ended", at),
    }[nowState.state]() : t("step {n} of {total}", at);
    const where = session.status === "loaded" ? t("not started") : session.status === "finished" ? t("finished") : how;
    $("#session-meta").textContent = [method.name && method.origin ? `${method.name} · ${method.origin}` : method.name || "",
      tn("{n} step", "{n} steps", n), where, session.started_at ? t("started {time}", { time: formatTime(session.started_at) }) : ""]
      .filter(Boolean).join(" · ");

    // the step running now (or what took its place)
    const row = session.index >= 0 && session.index < n ? session.runsheet[session.index] : null;
    const step = shownStep(session);
    const now = $("#now-step");
    now.hidden = !row;
    if (row) {
      const stepOf = t("Step {n} of {total}", { n: row.index + 1, total: n });
      $("#now-kicker").textContent = `${stepOf} · ${kindName(row.kind)} · ${audienceWords(row.audience)}`;
      $("#now-title").textContent = row.title;
      const clock = $("#now-clock");
      if (row.step_id && step) clock.dataset.stepClock = row.step_id;
      else clock.removeAttribute("data-step-clock");
      clock.hidden = !step;
      now.dataset.run = nowState ? nowState.state : "";
      $("#now-interrupted").textContent = nowState ? interruptedText(nowState) : "";
      $("#now-interrupted").hidden = !nowState || nowState.state === "running" || nowState.state === "paused";
      const planned = t("Planned {time}", { time: seconds(row.planned_s) });
      $("#now-plan").textContent = row.groups ? `${planned} · ${groupsWords(row.groups)}` : planned;
    }

    // controls
    const finished = session.status === "finished";
    const next = $("#s-next");
    next.textContent = finished ? t("Finished") : session.index < 0 ? t("Start") : session.index >= n - 1 ? t("Finish") : t("Next step");
    next.disabled = finished;
    const upcoming = session.runsheet[session.index + 1];
    next.setAttribute("aria-label", session.index < 0 ? t("Start with step 1, {step}", { step: session.runsheet[0]?.title || "" })
      : upcoming ? t("Next step: {step}", { step: upcoming.title }) : t("Finish the session"));
    $("#s-back").disabled = finished || session.index <= 0;
    $("#s-skip").disabled = finished || session.index + 1 >= n;
    $("#s-skip").setAttribute("aria-label", upcoming ? t("Skip next: {step}", { step: upcoming.title }) : t("Skip next"));
    const pause = $("#s-pause");
    pause.textContent = session.status === "paused" ? t("Resume") : t("Pause");
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
    const other = replacedBy ? (replacedBy.spec && replacedBy.spec.title) || replacedBy.text : null;
    const byHand = replacedBy && !replacedBy.session_id;
    if (state === "interrupted") {
      const then = t("Next step goes on with the script; Restart in the run sheet runs this step again.");
      if (!other) return t("Interrupted: a later step is what the tables see now. {then}", { then });
      return byHand ? t("Interrupted: “{step}”, pushed by hand, is what the tables see now. {then}", { step: other, then })
        : t("Interrupted: “{step}” is what the tables see now. {then}", { step: other, then });
    }
    if (state === "ended") {
      return other ? t("This step was ended by hand; the tables see “{step}”. Next step goes on with the script.", { step: other })
        : t("This step was ended by hand. Next step goes on with the script.");
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
        text = t("Time is up for “{step}”: extend it or go to the next step.", { step: row.title });
      } else if (step.warn_ms && left <= step.warn_ms) {
        state = "warn";
        text = t("Less than {time} left in “{step}”.", { time: formatDuration(step.warn_ms), step: row.title });
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
    run({ type: "session.next", session_id: s.id }, (ack) => (ack.step_id ? t("Running step {n}.", { n: ack.index + 1 }) : t("The session has finished."))).catch(() => {});
  });
  $("#s-back").addEventListener("click", () => {
    const s = current();
    if (s) run({ type: "session.back", session_id: s.id }, t("Back one step.")).catch(() => {});
  });
  $("#s-skip").addEventListener("click", () => {
    const s = current();
    if (s) run({ type: "session.skip", session_id: s.id }, (ack) => t("Skipped; running step {n}.", { n: ack.index + 1 })).catch(() => {});
  });
  $("#s-pause").addEventListener("click", () => {
    const s = current();
    if (!s) return;
    const resume = s.status === "paused";
    run({ type: resume ? "session.resume" : "session.pause", session_id: s.id }, resume ? t("Resumed.") : t("Paused: the clock has stopped.")).catch(() => {});
  });
  $("#extend-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const step = shownStep(current());
    const minutes = Number($("#extend-minutes").value);
    const error = $("#extend-error");
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 1440) {
      error.textContent = t("Give a number of minutes from 1 to 1440.");
      $("#extend-minutes").setAttribute("aria-invalid", "true");
      return;
    }
    error.textContent = "";
    $("#extend-minutes").removeAttribute("aria-invalid");
    if (!step) return;
    run({ type: "step.extend", step_id: step.id, seconds: Math.round(minutes * 60) }, t("Added {n} min.", { n: minutes })).catch(() => {});
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
  $("#groups-count").textContent = count ? tn("({n} group)", "({n} groups)", count) : "";
  const person = (id) => {
    const p = model.participants.get(id);
    const name = p && p.name ? p.name : t("anonymous {id}", { id });
    return p && p.role && p.role !== "participant" ? t("{name} ({role})", { name, role: roleName(p.role).toLowerCase() }) : name;
  };
  // groups across tables (Open Space sessions made from the marketplace) have no table: they come last
  const order = (id) => (id === "" ? Infinity : Number(id));
  const items = [...byTable.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b)).map((tableId) =>
    h("li", { dataset: { tableId } },
      h("strong", { text: tableId === "" ? t("Sessions across tables") : model.tableName(tableId) }),
      h("ul", {}, byTable.get(tableId).map((g, i) => {
        const topic = model.topics.get(g.id); // a marketplace session's group has its topic's id
        const label = topic ? t("{topic} ({space}, {n}):", { topic: topic.title, space: topic.space, n: g.members.length }) : t("Group {n}:", { n: i + 1 });
        return h("li", { dataset: { groupId: g.id } },
          h("span", { class: "muted", text: `${label} ` }),
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
    const open = step.status === "ended" ? t("(ended)") : t("(open)");
    section.querySelector(".summary-state").textContent = ` ${open}`;
    const spec = step.spec || {};
    const ended = step.status === "ended";
    const chart = section.querySelector(".chart");
    const status = section.querySelector(".status");
    if (step.kind === "vote") {
      const dots = spec.method !== "dots" ? ""
        : spec.max_per_option ? tn("{n} dot each, at most {max} on one", "{n} dots each, at most {max} on one", spec.dots, { max: spec.max_per_option })
          : tn("{n} dot each", "{n} dots each", spec.dots);
      const how = dots ? t("{method} ({dots})", { method: methodName(spec.method), dots }) : methodName(spec.method);
      section.querySelector(".about").textContent = [
        t("{kind}: {method}", { kind: kindName("vote"), method: how }),
        spec.reveal === "live" ? t("phones and the wall see results live") : t("phones and the wall see results when it ends"),
        ended ? t("ended") : t("open"),
      ].join(" · ");
      const results = model.results.get(step.id) || { step_id: step.id, method: spec.method, voters: 0, options: (step.options || []).map((o) => ({ ...o })) };
      const voted = tn("{n} person has voted.", "{n} people have voted.", results.voters || 0);
      if (status.textContent !== voted) status.textContent = voted;
      chart.replaceChildren(voteResults(results, spec, { voters: false }));
    } else {
      const topics = model.stepTopics(step.id);
      section.querySelector(".about").textContent = [
        t("Marketplace"),
        spec.convene === "facilitator" ? t("you post the topics") : t("anyone can post a topic"),
        ended ? t("closed") : t("open"),
      ].join(" · ");
      const people = topics.reduce((n, topic) => n + (topic.count || 0), 0);
      const text = t("{topics}, {signups}.", { topics: tn("{n} topic", "{n} topics", topics.length), signups: tn("{n} sign-up", "{n} sign-ups", people) });
      if (status.textContent !== text) status.textContent = text;
      chart.replaceChildren(marketGrid(spec, topics, {
        caption: t("Marketplace: spaces by time slot"),
        convenerName: (id) => (id === "facilitator" ? t("the facilitator") : model.personName(id) || t("anonymous {id}", { id })),
      }));
      const form = section.querySelector("form");
      if (form) form.hidden = ended;
    }
    return section;
  });
  reconcile($("#results"), sections);
}

function methodName(method) {
  const names = {
    dots: () => t("dots"), score: () => t("score"), agree_disagree_pass: () => t("agree / disagree / pass"), rank: () => t("ranking"),
    place: () => t("place on a grid"), pass_and_score: () => t("pass and score"),
  };
  return names[method] ? names[method]() : method;
}

/** A session's status (loaded, running, paused, finished) in words. */
function sessionStatus(status) {
  const names = { loaded: () => t("not started"), running: () => t("running"), paused: () => t("paused"), finished: () => t("finished") };
  return names[status] ? names[status]() : status;
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
    h("h4", { text: t("Post a topic") }),
    h("div", { class: "field" }, h("label", { for: title.id, text: t("Topic") }), title),
    h("div", { class: "row" },
      h("div", {}, h("label", { for: slot.id, text: t("Time") }), slot),
      h("div", {}, h("label", { for: space.id, text: t("Space") }), space),
      h("button", { type: "submit", class: "primary", text: t("Post topic") })),
    msg);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = title.value.trim();
    if (!text) {
      say(msg, t("Give the topic a title."), "error");
      return;
    }
    try {
      await live.send({ type: "topic.post", step_id: id, title: text, slot: slot.value, space: space.value });
      say(msg, t("Posted “{topic}”.", { topic: text }), "ok");
      title.value = "";
    } catch (err) {
      say(msg, err.message, "error");
    }
  });
  return form;
}
