// The console's running session: controls (start, next, back, skip, go to, pause, resume, extend),
// the run sheet with planned against actual time, the running step's countdown and its warning;
// and, beside it, the groups at each table and the live results of votes and marketplaces.

import { marketGrid, voteResults } from "./charts.js";
import { $, formatDuration, formatTime, h, reconcile, say } from "./ui.js";
import { audienceWords, captureWords, groupsWords, kindName, offset, roleName, seconds } from "./words.js";

export function initRunner({ live, model }) {
  const panel = $("#session-panel");
  const message = $("#session-message");
  const pick = $("#session-pick");
  let chosenId = null; // the session the controls drive (null: the newest that is not finished)
  let warnState = ""; // what the warning line says now, so it is only rewritten on a change
  let scrolledTo = ""; // the run sheet row last scrolled into view

  function run(command, okText) {
    return live.send(command).then(
      (ack) => {
        if (okText) say(message, typeof okText === "function" ? okText(ack) : okText, "ok");
        return ack;
      },
      (err) => {
        say(message, err.message || String(err), "error");
        throw err;
      },
    );
  }

  function sessions() {
    return [...model.sessions.values()];
  }

  function current() {
    if (chosenId && model.sessions.has(chosenId)) return model.sessions.get(chosenId);
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

  function rowState(session, row) {
    if (row.skipped) return "skipped";
    const step = row.step_id ? model.steps.get(row.step_id) : null;
    if (row.index === session.index && step && step.status === "active") return session.status === "paused" ? "paused" : "running";
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
        "aria-label": `Run step ${row.index + 1}, ${row.title}, now`,
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
    tag.textContent = { running: "running", paused: "paused", done: "done", skipped: "skipped", upcoming: "" }[state];
    tag.hidden = state === "upcoming";
    tr.querySelector(".go").textContent = state === "running" || state === "paused" ? "Restart" : "Run";
    return tr;
  }

  /** "+0:05 · 1:12 (0:12 over)" — when it started (from the session's start) and how long it ran. */
  function actualText(session, row, state) {
    if (row.skipped) return "skipped";
    if (row.started_at == null) return "";
    const start = offset(row.started_at - (session.started_at ?? row.started_at));
    const end = row.ended_at ?? (state === "running" || state === "paused" ? live.serverNow() : null);
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
    const all = sessions();
    panel.hidden = all.length === 0;
    if (!all.length) return;
    const session = current();
    $("#session-pick-field").hidden = all.length < 2;
    const options = [...all].reverse().map((s) => h("option", { value: s.id, text: `${s.title} (${s.status})` }));
    if (pick.options.length !== options.length || [...pick.options].some((o, i) => o.textContent !== options[i].textContent)) {
      pick.replaceChildren(...options);
    }
    pick.value = session.id;

    $("#session-title").textContent = session.title;
    const method = session.method || {};
    const n = session.runsheet.length;
    const where = session.status === "loaded" ? "not started" : session.status === "finished" ? "finished"
      : `step ${session.index + 1} of ${n}${session.status === "paused" ? ", paused" : ""}`;
    $("#session-meta").textContent = [method.name && method.origin ? `${method.name} · ${method.origin}` : method.name || "",
      `${n} steps`, where, session.started_at ? `started ${formatTime(session.started_at)}` : ""].filter(Boolean).join(" · ");

    // the step running now
    const row = session.index >= 0 && session.index < n ? session.runsheet[session.index] : null;
    const step = runningStep(session);
    const now = $("#now-step");
    now.hidden = !row;
    if (row) {
      $("#now-kicker").textContent = `Step ${row.index + 1} of ${n} · ${kindName(row.kind)} · ${audienceWords(row.audience)}`;
      $("#now-title").textContent = row.title;
      const clock = $("#now-clock");
      if (row.step_id) clock.dataset.stepClock = row.step_id;
      else clock.removeAttribute("data-step-clock");
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
    $("#s-skip").setAttribute("aria-label", upcoming ? `Skip the next step, ${upcoming.title}` : "Skip the next step");
    const pause = $("#s-pause");
    pause.textContent = session.status === "paused" ? "Resume" : "Pause";
    pause.disabled = !step;
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

  /** Twice a second: the warning before the running step runs out, and the actual times. */
  function tickWarning() {
    const session = current();
    const step = runningStep(session);
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
        if (tr && (tr.dataset.state === "running" || tr.dataset.state === "paused")) {
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
    const step = runningStep(current());
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
    /** After a load: drive the new session. */
    follow(sessionId) {
      chosenId = sessionId;
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
