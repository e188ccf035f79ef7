// The facilitator console: run facilitation scripts, push steps, watch tables and ideas, hide
// ideas, seat people, set roles; results of votes and marketplaces.
import { initActions } from "./actions.js";
import * as ground from "./ground.js";
import { formatList, formatNumber, t, tn, tNodes } from "./i18n.js";
import { followEventLanguage, localStep } from "./language.js";
import { Live } from "./live.js";
import { initMethods } from "./methods.js";
import { initThemes } from "./curate.js";
import { StaffModel, audienceText } from "./model.js";
import { chosenParts, coverageView, partNames, partsChoice } from "./parts.js";
import { initQueue } from "./queue.js";
import { initRunner, refusalText, renderGroups, renderResults, sendFlow } from "./runner.js";
import {
  $, api, batched, bindBadge, byTableId, copyText, formatDuration, formatTime, h, isolate, reconcile, say, showBlocker, showQr,
  staffToken, startClocks,
} from "./ui.js";
import { roleName } from "./words.js";

const eventId = document.body.dataset.eventId;
const token = staffToken(eventId, "console");
const PEOPLE_SHOWN = 200;

if (!token) {
  showBlocker(t("This page needs its link"), t("Open the console with the full link you got when the event was created (it ends with #token=…)."));
  throw new Error("no token");
}

const live = new Live({ token });
const model = new StaffModel();
// the fold's state, a copy (tests compare it with the server's snapshot for this screen)
window.__wholeroomState = () => model.state();
const themesPanel = initThemes({ live, model, eventId, token });
const notice = $("#console-message");
const actions = initActions({ live, model });
const queue = initQueue({ model, run: (command, okText) => run(command, okText) });
let replacing = null; // id of the step the composer replaces
let wallLink = null; // a wall link made on this page ("New wall link"), used by "Open the wall"

function report(err) {
  say(notice, refusalText(model, err), "error");
}

function run(command, okText) {
  return sendFlow(live, model, command).then(
    (ack) => {
      if (okText) say(notice, okText, "ok");
      return ack;
    },
    (err) => {
      report(err);
      throw err;
    },
  );
}

// --- header, share box, composer's table list ----------------------------------------------

function renderEvent() {
  const ev = model.event;
  renderClosed();
  renderWallSlide();
  $("#event-title").textContent = ev.title || t("Facilitator console");
  const pageName = t("Console");
  document.title = `${pageName} · ${ev.title || "Wholeroom"}`;
  $("#join-code").textContent = ev.join_code;
  $("#join-url").textContent = `${location.origin}/join`;
  if (!$("#join-qr").getAttribute("src")) showQr($("#join-qr"), `/api/events/${encodeURIComponent(eventId)}/qr.svg`);
  const base = `/e/${encodeURIComponent(eventId)}`;
  if (!wallLink) $("#link-wall").href = `${base}/wall#token=${token}`;
  $("#link-cards").href = `${base}/cards#token=${token}`;
  $("#link-seating").href = `${base}/seating#token=${token}`;
  $("#link-organiser").href = `${base}/organiser#token=${token}`;
  const checks = $("#table-checks");
  const checked = new Set([...checks.querySelectorAll("input:checked")].map((i) => i.value));
  checks.replaceChildren(
    ...[...model.tables.values()].map((table) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "tables", value: table.id, checked: checked.has(table.id) }), table.name),
    ),
  );
}

// --- current steps ------------------------------------------------------------------------

const stepEls = new Map();

function stepItem(step) {
  let li = stepEls.get(step.id);
  if (!li) {
    const extend = (seconds) => () => run({ type: "step.extend", step_id: step.id, seconds }, t("Added {n} min.", { n: seconds / 60 })).catch(() => {});
    li = h("li", { dataset: { stepId: step.id } },
      h("p", { class: "step-text" }),
      h("p", { class: "row" }, h("span", { class: "clock", dataset: { stepClock: step.id } }), h("span", { class: "muted where" })),
      h("div", { class: "row" },
        h("button", { type: "button", class: "small extend1", text: t("Extend +1 min"), on: { click: extend(60) } }),
        h("button", { type: "button", class: "small extend5", text: t("Extend +5 min"), on: { click: extend(300) } }),
        h("button", {
          type: "button", class: "small danger end", text: t("End"),
          on: { click: () => run({ type: "step.end", step_id: step.id }, t("Step ended.")).catch(() => {}) },
        }),
        h("button", { type: "button", class: "small replace", text: t("Replace…"), on: { click: () => startReplacing(step.id) } }),
      ),
    );
    stepEls.set(step.id, li);
  }
  return li;
}

function renderSteps() {
  const nodes = [];
  for (const { step, tables } of model.currentSteps()) {
    const li = stepItem(step);
    li.dataset.status = step.status;
    li.querySelector(".step-text").textContent = localStep(step).text; // in the event's language
    const all = tables.length === model.tables.size && step.audience.tables == null;
    const where = all ? audienceText(model, step.audience) : audienceText(model, { tables: tables.sort(byTableId), role: step.audience.role });
    const doing = step.kind === "react" ? t("reaction step") : step.collect_ideas ? t("collecting ideas") : "";
    li.querySelector(".where").textContent = doing ? `${where} · ${doing}` : where;
    const active = step.status === "active";
    // a paused step is extended after it resumes (the server would drop an extension made while paused)
    const paused = Boolean(step.paused || step.paused_remaining != null);
    for (const sel of [".extend1", ".extend5"]) li.querySelector(sel).disabled = !active || paused;
    li.querySelector(".end").disabled = !active;
    nodes.push(li);
  }
  reconcile($("#steps"), nodes);
  $("#steps-empty").hidden = nodes.length > 0;
  renderTables();
}

// --- tables and presence --------------------------------------------------------------------

const tableEls = new Map();

function renderTables() {
  const nodes = [];
  let connected = 0;
  let joined = 0;
  const rolesAt = new Map(); // table id -> role -> names (hosts, scribes, roles a script declares)
  for (const p of model.participants.values()) {
    if (!p.role || p.role === "participant") continue;
    if (!rolesAt.has(p.table_id)) rolesAt.set(p.table_id, new Map());
    const roles = rolesAt.get(p.table_id);
    if (!roles.has(p.role)) roles.set(p.role, []);
    roles.get(p.role).push(labelOf(p));
  }
  for (const table of model.tables.values()) {
    let li = tableEls.get(table.id);
    if (!li) {
      li = h("li", { dataset: { tableId: table.id } },
        h("strong", { class: "name", dir: "auto" }), h("br"),
        h("span", { class: "presence" }),
        h("p", { class: "current" }),
        h("p", { class: "roles muted" }));
      tableEls.set(table.id, li);
    }
    li.querySelector(".name").textContent = table.name;
    const c = model.connected[table.id] || 0;
    const j = model.joined[table.id] || 0;
    connected += c;
    joined += j;
    li.querySelector(".presence").replaceChildren(
      ...tNodes("{connected} connected · {joined} joined", {
        connected: h("span", { class: "count connected", text: formatNumber(c) }),
        joined: h("span", { class: "count joined", text: formatNumber(j) }),
      }),
    );
    const step = localStep(model.tableStep(table.id));
    const stepTitle = step ? (step.spec && step.spec.title) || step.text : "";
    // the step's title is free text (isolated: a Spanish question keeps its marks where they belong on an Arabic console)
    li.querySelector(".current").textContent = !step ? t("No step yet") : step.status === "ended" ? t("(ended) {step}", { step: isolate(stepTitle) }) : isolate(stepTitle);
    const roles = rolesAt.get(table.id);
    li.querySelector(".roles").textContent = roles
      ? [...roles.entries()].map(([role, names]) => t("{role}: {names}", { role: roleName(role), names: formatList(names, "unit") })).join(" · ")
      : "";
    nodes.push(li);
  }
  reconcile($("#tables"), nodes);
  const phones = tn("{n} phone connected now", "{n} phones connected now", connected);
  const people = tn("{n} person joined in total.", "{n} people joined in total.", joined);
  $("#presence-total").textContent = t("{phones}, {people}", { phones, people });
}

// --- ideas stream ---------------------------------------------------------------------------

const ideaEls = new Map();
const groupEls = new Map();

/** "Polish" for "pl", in the console's language (the code itself where the browser has no name). */
function languageName(code) {
  try {
    return new Intl.DisplayNames([document.documentElement.lang || "en"], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}

function ideaItem(idea) {
  let li = ideaEls.get(idea.id);
  if (!li) {
    li = h("li", { dataset: { ideaId: idea.id } },
      h("p", { class: "idea-text" }),
      h("p", { class: "idea-meta" },
        h("span", { class: "when", text: formatTime(idea.at) }),
        h("span", { class: "who" }),
        h("span", { class: "tag lang", hidden: true }),
        h("span", { class: "tag state", hidden: true, text: t("hidden") }),
        h("button", {
          type: "button", class: "small toggle",
          on: {
            click: () => {
              const now = model.ideas.get(idea.id);
              if (!now) return;
              const command = now.hidden ? { type: "idea.restore", idea_id: idea.id } : { type: "idea.hide", idea_id: idea.id };
              run(command, now.hidden ? t("Idea restored.") : t("Idea hidden from the wall and the phones.")).catch(() => {});
            },
          },
        }),
      ));
    ideaEls.set(idea.id, li);
  }
  const text = idea.text == null ? t("(text not available)") : idea.text;
  const textEl = li.querySelector(".idea-text");
  if (textEl.textContent !== text) textEl.textContent = text;
  const lang = model.langOf(idea.id); // the idea's language, when the room writes in several
  const langEl = li.querySelector(".tag.lang");
  langEl.hidden = !lang;
  langEl.textContent = lang;
  langEl.title = lang ? t("Written in {language}", { language: languageName(lang) }) : "";
  if (lang) textEl.lang = lang;
  else textEl.removeAttribute("lang");
  // an anonymous idea arrives without its writer: the console names nobody (docs/privacy.md)
  const who = idea.anonymous
    ? t("anonymous")
    : model.personName(idea.participant_id) || (idea.participant_id ? t("anonymous {id}", { id: idea.participant_id }) : "");
  li.querySelector(".who").textContent = who;
  li.classList.toggle("hidden-idea", Boolean(idea.hidden));
  li.querySelector(".state").hidden = !idea.hidden && !idea.pending;
  li.querySelector(".state").textContent = idea.hidden ? t("hidden") : t("waiting"); // pending: see the queue
  const button = li.querySelector(".toggle");
  button.textContent = idea.hidden ? t("Restore") : t("Hide");
  const short = text.slice(0, 60);
  button.setAttribute("aria-label", idea.hidden ? t("Restore idea: {text}", { text: short }) : t("Hide idea: {text}", { text: short }));
  return li;
}

function renderIdeas() {
  const byTable = new Map();
  for (const idea of model.ideas.values()) {
    if (!byTable.has(idea.table_id)) byTable.set(idea.table_id, []);
    byTable.get(idea.table_id).push(idea);
  }
  const groups = [];
  for (const tableId of [...byTable.keys()].sort(byTableId)) {
    let section = groupEls.get(tableId);
    if (!section) {
      section = h("section", { class: "stream-table", dataset: { tableId } },
        h("h3", {}, h("span", { class: "name" }), h("span", { class: "muted count" })),
        h("ul", { class: "ideas" }));
      groupEls.set(tableId, section);
    }
    const ideas = byTable.get(tableId).sort((a, b) => b.seq - a.seq);
    section.querySelector(".name").textContent = model.tableName(tableId);
    section.querySelector(".count").textContent = t("{n} shown", { n: ideas.filter((i) => !i.hidden).length });
    reconcile(section.querySelector("ul"), ideas.map(ideaItem));
    groups.push(section);
  }
  reconcile($("#stream"), groups);
  $("#stream-empty").hidden = groups.length > 0;
  const hidden = [...model.ideas.values()].filter((i) => i.hidden).length;
  const waiting = [...model.ideas.values()].filter((i) => i.pending && !i.hidden).length;
  const shown = model.ideas.size - hidden - waiting;
  $("#idea-count").textContent = waiting
    ? t("({shown} shown, {waiting} waiting, {hidden} hidden)", { shown, waiting, hidden })
    : t("({shown} shown, {hidden} hidden)", { shown, hidden });
}

// --- participants ---------------------------------------------------------------------------

const personEls = new Map();

function tableOptions() {
  return [...model.tables.values()].map((table) => h("option", { value: table.id, text: table.name }));
}

function personRow(person) {
  let tr = personEls.get(person.id);
  if (!tr) {
    const tableSelect = h("select", { class: "table-select", "aria-label": t("Table") }, tableOptions());
    const roleSelect = h("select", { class: "role-select", "aria-label": t("Role") }, roleOptions());
    tableSelect.addEventListener("change", () => {
      const current = model.participants.get(person.id);
      moveWithUndo(current, tableSelect.value).catch(() => { tableSelect.value = current.table_id; });
    });
    roleSelect.addEventListener("change", () => {
      const current = model.participants.get(person.id);
      run({ type: "participant.role", participant_id: person.id, role: roleSelect.value },
        t("{name} is now {role}.", { name: labelOf(current), role: roleName(roleSelect.value).toLowerCase() }))
        .catch(() => { roleSelect.value = current.role; });
    });
    const remove = h("button", { type: "button", class: "small remove", text: t("Remove") });
    remove.addEventListener("click", () => askRemove(model.participants.get(person.id) || person));
    tr = h("tr", { dataset: { participantId: person.id } },
      h("th", { scope: "row", class: "name" }), h("td", {}, tableSelect), h("td", {}, roleSelect),
      h("td", {}, h("span", { class: "parts" }), " ",
        h("button", { type: "button", class: "small link-button change-parts", text: t("Change"),
          on: { click: () => askParts(model.participants.get(person.id) || person) } })),
      h("td", {}, remove));
    personEls.set(person.id, tr);
  }
  const label = labelOf(person);
  tr.querySelector(".name").textContent = label;
  const tableSelect = tr.querySelector(".table-select");
  if (tableSelect.options.length !== model.tables.size) tableSelect.replaceChildren(...tableOptions());
  if (document.activeElement !== tableSelect) tableSelect.value = person.table_id;
  tableSelect.setAttribute("aria-label", t("Table of {name}", { name: label }));
  const roleSelect = tr.querySelector(".role-select");
  const roles = model.tableRoles();
  if (!roles.includes(person.role)) roles.push(person.role);
  if ([...roleSelect.options].map((o) => o.value).join() !== roles.join()) roleSelect.replaceChildren(...roleOptions(roles));
  if (document.activeElement !== roleSelect) roleSelect.value = person.role;
  roleSelect.setAttribute("aria-label", t("Role of {name}", { name: label }));
  tr.querySelector(".remove").setAttribute("aria-label", t("Remove {name}", { name: label }));
  tr.querySelector(".parts").textContent = partNames(person.parts, model.parts);
  tr.querySelector(".change-parts").hidden = !model.parts.length;
  tr.querySelector(".change-parts").setAttribute("aria-label", t("Change where {name} comes from", { name: label }));
  return tr;
}

// --- parts of the system --------------------------------------------------------------------

function renderCoverage() {
  $("#coverage").replaceChildren(coverageView(model.coverage()));
  const text = $("#parts-text");
  if (document.activeElement !== text && !text.dataset.edited) {
    text.value = model.parts.map((p) => (p.target == null ? p.name : `${p.name} = ${p.target}`)).join("\n");
  }
}

/** "Residents = 40" lines as parts; the server checks the rest and names the line's part. */
function partsFromText(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const at = line.lastIndexOf("=");
    if (at < 0) return { name: line };
    const target = line.slice(at + 1).trim();
    return /^\d+$/.test(target) ? { name: line.slice(0, at).trim(), target: Number(target) } : { name: line };
  });
}

$("#parts-text").addEventListener("input", (e) => { e.target.dataset.edited = "yes"; });
$("#parts-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("#parts-text");
  const error = $("#parts-text-error");
  error.textContent = "";
  text.removeAttribute("aria-invalid");
  const parts = partsFromText(text.value);
  try {
    await run({ type: "event.parts_set", parts }, tn("{n} part of the system declared.", "{n} parts of the system declared.", parts.length));
    delete text.dataset.edited;
    renderCoverage();
  } catch (err) {
    const line = /^parts\[(\d+)\]/.exec(err.field || "");
    error.textContent = line ? t("Line {n}: {problem}", { n: Number(line[1]) + 1, problem: err.message }) : err.message || String(err);
    text.setAttribute("aria-invalid", "true");
    text.focus();
  }
});

/** Seat ``person`` at ``tableId``, and say so beside the list (where the facilitator is looking),
 * with an Undo that seats them back: a move is one change of a menu, so it must be easy to take back. */
function moveWithUndo(person, tableId) {
  const from = person.table_id;
  const label = labelOf(person);
  const box = $("#people-message");
  return sendFlow(live, model, { type: "participant.seat", participant_id: person.id, table_id: tableId }).then(
    (ack) => {
      const undo = h("button", { type: "button", class: "small", text: t("Undo"), "aria-label": t("Undo: move {name} back to {table}", { name: label, table: model.tableName(from) }) });
      undo.addEventListener("click", () => {
        undo.disabled = true;
        sendFlow(live, model, { type: "participant.seat", participant_id: person.id, table_id: from }).then(
          () => say(box, t("{name} is back at {table}.", { name: label, table: model.tableName(from) }), "ok"),
          (err) => say(box, err.message, "error"),
        );
      });
      const moved = t("Moved {name} from {from} to {to}.", { name: label, from: model.tableName(from), to: model.tableName(tableId) });
      box.replaceChildren(`${moved} `, undo);
      box.dataset.kind = "ok";
      return ack;
    },
    (err) => {
      say(box, t("{name} was not moved: {problem}", { name: label, problem: err.message }), "error");
      throw err;
    },
  );
}

/** Confirm, choose what becomes of their ideas, then remove the person (their phone is told). */
/** The facilitator says where someone comes from (a person who told them rather than their phone). */
function askParts(person) {
  const dialog = $("#parts-dialog");
  $("#parts-dialog-name").textContent = labelOf(person);
  const set = partsChoice(model.parts, person.parts || [], { legend: t("Parts of the system") });
  $("#parts-dialog-choice").replaceChildren(set);
  dialog.returnValue = "";
  dialog.onclose = () => {
    if (dialog.returnValue !== "save") return;
    run({ type: "participant.parts_set", participant_id: person.id, parts: chosenParts(set) },
      t("Saved where {name} comes from.", { name: labelOf(person) })).catch(() => {});
  };
  dialog.showModal();
}

function askRemove(person) {
  const dialog = $("#remove-dialog");
  $("#remove-name").textContent = labelOf(person);
  dialog.querySelector('input[value="keep"]').checked = true;
  dialog.returnValue = "";
  dialog.onclose = () => {
    if (dialog.returnValue !== "remove") return;
    const ideas = dialog.querySelector('input[name="ideas"]:checked').value;
    run({ type: "participant.remove", participant_id: person.id, ideas },
      ideas === "hide" ? t("Removed {name} and hid their ideas.", { name: labelOf(person) }) : t("Removed {name}.", { name: labelOf(person) })).catch(() => {});
  };
  dialog.showModal();
}

function renderClosed() {
  const closed = Boolean(model.event.closed_at);
  $("#close-event").textContent = closed ? t("Reopen the event") : t("Close the event");
  $("#close-event").dataset.closed = closed ? "yes" : "no";
}

function renderWallSlide() {
  const up = model.event.wall_slide === "join";
  $("#wall-join-slide").setAttribute("aria-pressed", String(up));
  $("#wall-join-slide").textContent = up ? t("Take the join slide down") : t("Show the join slide on the wall");
  const room = model.event.wall_slide === "room";
  $("#wall-room-slide").hidden = !model.parts.length;
  $("#wall-room-slide").setAttribute("aria-pressed", String(room));
  $("#wall-room-slide").textContent = room ? t("Take “Who is in the room” down") : t("Show who is in the room on the wall");
}

$("#wall-room-slide").addEventListener("click", () => {
  const up = model.event.wall_slide === "room";
  run({ type: "wall.show", slide: up ? null : "room" },
    up ? t("The wall shows the room's step again.") : t("The wall shows how many of each part sit at each table (no names)."))
    .catch(() => {});
});

$("#wall-join-slide").addEventListener("click", () => {
  const up = model.event.wall_slide === "join";
  run({ type: "wall.show", slide: up ? null : "join" }, up ? t("The wall shows the room's step again.") : t("The wall shows how to join."))
    .catch(() => {});
});

$("#close-event").addEventListener("click", () => {
  const closed = Boolean(model.event.closed_at);
  run({ type: closed ? "event.reopen" : "event.close" }, closed ? t("The event is open again.") : t("The event is closed."))
    .catch(() => {});
});

/** The roles the select offers: built in, and those the loaded scripts declare. */
function roleOptions(roles = model.tableRoles()) {
  return roles.map((value) => h("option", { value, text: roleName(value) }));
}

function labelOf(person) {
  return person && person.name ? person.name : t("anonymous {id}", { id: person ? person.id : "" });
}

function renderPeople() {
  const filter = $("#people-filter").value.trim().toLowerCase();
  const all = [...model.participants.values()].sort((a, b) => (b.joined_at || 0) - (a.joined_at || 0));
  const matching = filter
    ? all.filter((p) => `${p.name || ""} ${p.id} ${model.tableName(p.table_id)}`.toLowerCase().includes(filter))
    : all;
  reconcile($("#people"), matching.slice(0, PEOPLE_SHOWN).map(personRow));
  $("#people-count").textContent = `(${all.length})`;
  $("#people-more").textContent =
    matching.length > PEOPLE_SHOWN
      ? t("Showing the {shown} most recent of {n}; type a name to find someone.", { shown: PEOPLE_SHOWN, n: matching.length })
      : "";
}

// --- composer -------------------------------------------------------------------------------

const composer = $("#composer");

function audienceMode() {
  return composer.querySelector("input[name=audience]:checked").value;
}

function syncAudience() {
  $("#table-checks").hidden = audienceMode() !== "chosen";
}

for (const radio of composer.querySelectorAll("input[name=audience]")) radio.addEventListener("change", syncAudience);

// a reaction step collects no ideas: the box is off (and comes back as it was) while it is ticked
let collectBefore = true;
function syncReact() {
  const react = $("#step-react").checked;
  const collect = $("#step-collect");
  if (react && !collect.disabled) {
    collectBefore = collect.checked;
    collect.checked = false;
  }
  if (!react && collect.disabled) collect.checked = collectBefore;
  collect.disabled = react;
}
$("#step-react").addEventListener("change", syncReact);

function setError(id, inputId, text) {
  $(id).textContent = text || "";
  if (inputId) {
    if (text) $(inputId).setAttribute("aria-invalid", "true");
    else $(inputId).removeAttribute("aria-invalid");
  }
}

function startReplacing(stepId) {
  const step = localStep(model.steps.get(stepId));
  if (!step) return;
  replacing = stepId;
  $("#replacing-text").textContent = step.text;
  $("#replacing").hidden = false;
  $("#step-text").value = step.text;
  $("#step-minutes").value = step.deadline ? String(Math.max(1, Math.round((step.deadline - step.pushed_at) / 60000))) : "";
  $("#step-react").checked = step.kind === "react";
  syncReact();
  $("#step-collect").checked = step.collect_ideas;
  $("#step-premoderate").checked = Boolean(step.premoderate);
  const tables = step.audience.tables;
  composer.querySelector(`input[name=audience][value=${tables == null ? "all" : "chosen"}]`).checked = true;
  for (const box of $("#table-checks").querySelectorAll("input")) box.checked = tables != null && tables.includes(box.value);
  $("#step-role").value = step.audience.role || "";
  syncAudience();
  $("#push-button").textContent = t("Replace step");
  composer.scrollIntoView({ block: "start", behavior: "smooth" });
  $("#step-text").focus();
}

function stopReplacing() {
  replacing = null;
  $("#replacing").hidden = true;
  $("#push-button").textContent = t("Push step");
}

$("#replace-cancel").addEventListener("click", stopReplacing);

composer.addEventListener("submit", async (e) => {
  e.preventDefault();
  setError("#step-text-error", "#step-text", "");
  setError("#step-minutes-error", "#step-minutes", "");
  setError("#audience-error", null, "");
  const msg = $("#composer-message");
  msg.textContent = "";
  const text = $("#step-text").value.trim();
  if (!text) {
    setError("#step-text-error", "#step-text", t("Write what the tables should do."));
    $("#step-text").focus();
    return;
  }
  const minutesRaw = $("#step-minutes").value.trim();
  const minutes = minutesRaw ? Number(minutesRaw) : 0;
  if (Number.isNaN(minutes) || minutes < 0 || minutes > 1440) {
    setError("#step-minutes-error", "#step-minutes", t("Give a number of minutes between 0 and 1440, or leave it empty."));
    $("#step-minutes").focus();
    return;
  }
  let tables = null;
  if (audienceMode() === "chosen") {
    tables = [...$("#table-checks").querySelectorAll("input:checked")].map((i) => i.value);
    if (!tables.length) {
      setError("#audience-error", null, t("Choose at least one table, or All tables."));
      return;
    }
  }
  const role = $("#step-role").value || null;
  const react = $("#step-react").checked;
  const command = { type: "step.push", text, collect_ideas: !react && $("#step-collect").checked, audience: { tables, role } };
  if (react) command.react = true;
  const commit = $("#step-commit").value;
  if (commit && command.collect_ideas) command.commit = commit;
  if ($("#step-premoderate").checked && command.collect_ideas) command.premoderate = true;
  if (minutes > 0) command.duration_s = Math.max(1, Math.round(minutes * 60));
  if (replacing) command.replaces = replacing;
  const button = $("#push-button");
  button.disabled = true;
  try {
    await sendFlow(live, model, command);
    const where = audienceText(model, command.audience);
    const duration = command.duration_s ? formatDuration(command.duration_s * 1000) : null;
    const done = react
      ? duration ? t("Reaction step pushed to {where} for {duration}.", { where, duration }) : t("Reaction step pushed to {where}.", { where })
      : duration ? t("Pushed to {where} for {duration}.", { where, duration }) : t("Pushed to {where}.", { where });
    say(msg, done, "ok");
    $("#step-text").value = "";
    $("#step-commit").value = ""; // the next step is an ordinary one unless chosen again
    if (react) {
      $("#step-react").checked = false; // the next step is an ordinary one unless ticked again
      syncReact();
    }
    stopReplacing();
  } catch (err) {
    if (err.field === "text") setError("#step-text-error", "#step-text", err.message);
    else if (err.field && err.field.startsWith("audience")) setError("#audience-error", null, err.message);
    else if (err.field === "duration_s") setError("#step-minutes-error", "#step-minutes", err.message);
    else say(msg, refusalText(model, err), "error");
  } finally {
    button.disabled = false;
  }
});

// --- common ground (reaction steps) ----------------------------------------------------------


// what each comparison says, per way of dividing the room (whole sentences: each language words them its own way)
const COMPARED = {
  opinion: () => ({
    tooFew: t("Fewer than two opinion groups have at least 3 people who reacted: nothing to compare yet."),
    common: t("Ideas every group supports, with the support in each group."),
    differences: t("What sets each group apart from the rest, both ways."),
  }),
  tables: () => ({
    tooFew: t("Fewer than two tables have at least 3 people who reacted: nothing to compare yet."),
    common: t("Ideas every table supports, with the support at each table."),
    differences: t("What sets each table apart from the rest, both ways."),
  }),
  roles: () => ({
    tooFew: t("Fewer than two roles have at least 3 people who reacted: nothing to compare yet."),
    common: t("Ideas every role supports, with the support in each role."),
    differences: t("What sets each role apart from the rest, both ways."),
  }),
  parts: () => ({
    tooFew: t("Fewer than two parts of the system have at least 3 people who reacted: nothing to compare yet."),
    common: t("Ideas every part of the system supports, with the support in each part."),
    differences: t("What sets each part of the system apart from the rest, both ways."),
  }),
};

function cgColumn(title, hint, ...content) {
  return h("section", { class: "cg-col" }, h("h3", { text: title }), hint ? h("p", { class: "hint", text: hint }) : null, ...content);
}

/** A list that may be long: it scrolls in its own box (reachable with the keyboard). */
function cgScroll(label, content) {
  return h("div", { class: "cg-scroll", tabindex: "0", role: "region", "aria-label": label }, content);
}

function renderCommonGround() {
  const panel = $("#cg-panel");
  panel.hidden = !model.hasReactions();
  if (panel.hidden) return;
  const a = model.commonGround;
  const which = $("#cg-switch").querySelector("input:checked").value;
  $("#cg-counts").textContent = ground.counts(a);
  // the live line changes only when the level or the number of groups does (not every 3 s)
  const headline = ground.headline(a);
  if ($("#cg-headline").textContent !== headline) $("#cg-headline").textContent = headline;
  // below the thresholds the notice below says it in full: the short line is for screen readers only
  $("#cg-headline").classList.toggle("visually-hidden", Boolean(a) && a.level !== "groups");
  const notice = !a ? t("Push a reaction step: phones then show ideas from other tables, one at a time.") : a.level === "groups" ? "" : a.notice;
  $("#cg-notice").textContent = notice;
  $("#cg-notice").hidden = !notice;
  $("#cg-switch").hidden = !a || a.level === "tallies";
  $("#cg-by-parts").hidden = !model.parts.length;
  panel.dataset.level = a ? a.level : "none";
  const body = $("#cg-body");
  const scroll = [...body.querySelectorAll(".cg-scroll")].map((el) => el.scrollTop);
  const tagHidden = (id) => Boolean(model.ideas.get(id) && model.ideas.get(id).hidden);
  const opts = { tagHidden };
  let nodes = [];
  if (!a) {
    nodes = [h("p", { class: "empty", text: t("No reactions yet.") })];
  } else if (a.level === "tallies" || (which === "opinion" && a.level === "undivided")) {
    nodes = [h("div", { class: "cg-grid" },
      cgColumn(t("Tallies"), t("Agree, disagree and pass per idea, in the order the ideas came. Not a ranking."),
        cgScroll(t("Tallies"), ground.tallies(a, opts))),
      a.level === "undivided" ? cgColumn(t("Uncertainty"), t("Ideas people often pass on."), ground.uncertainty(a, opts)) : null,
      a.level === "undivided" ? cgColumn(t("Opinion map"), t("Each point is one person; no groups stand out yet."), ground.opinionMap(a)) : null)];
  } else {
    const view = ground.partitionOf(a, which);
    const words = COMPARED[which]();
    if (!view || (view.parts || []).length < 2) {
      nodes = [h("p", { class: "empty", text: words.tooFew })];
    } else {
      nodes = [h("div", { class: "cg-grid" },
        cgColumn(t("Common ground"), words.common,
          cgScroll(t("Common ground"), ground.commonGround(view, which, opts))),
        which === "opinion" ? cgColumn(t("Opinion map"), t("Each point is one person; people who reacted alike are close together."), ground.opinionMap(a)) : null,
        cgColumn(t("Differences"), words.differences,
          cgScroll(t("Differences"), ground.differences(view, which, opts))),
        cgColumn(t("Uncertainty"), t("Ideas people often pass on."), ground.uncertainty(a, opts)))];
    }
    if (view && view.left_out && view.left_out.length) {
      const names = view.left_out.map((n) => (which === "roles" ? roleName(n) : n));
      nodes.push(h("p", { class: "muted", text: t("Left out (fewer than 3 people reacting): {names}.", { names: formatList(names, "unit") }) }));
    }
  }
  body.replaceChildren(...nodes);
  body.querySelectorAll(".cg-scroll").forEach((el, i) => {
    if (scroll[i]) el.scrollTop = scroll[i];
  });
}

for (const radio of document.querySelectorAll("input[name=cg-by]")) radio.addEventListener("change", renderCommonGround);

// --- wiring ---------------------------------------------------------------------------------

const dirty = new Set();
const flush = batched(() => {
  if (dirty.has("event")) renderEvent();
  if (dirty.has("steps")) {
    renderSteps();
    renderResults(model, live);
  }
  if (dirty.has("steps") || dirty.has("sessions")) {
    runner.render();
    if (model.sessions.size && !methodsFolded) {
      methodsFolded = true;
      methods.collapse(false); // a session is there: keep the page short; "Run a method" is one click away
    }
  }
  if (dirty.has("steps") || dirty.has("sessions")) tickClocks();
  if (dirty.has("groups") || dirty.has("people")) renderGroups(model);
  if (dirty.has("results") || dirty.has("topics")) renderResults(model, live);
  if (dirty.has("tables")) {
    renderTables();
    runner.renderDrivers(); // presence: how many facilitator screens are open
  }
  if (dirty.has("ideas") || dirty.has("themes")) renderIdeas(); // themes: the ideas' language tags
  if (dirty.has("actions") || dirty.has("people")) actions.render();
  if (dirty.has("ideas") || dirty.has("steps") || dirty.has("people")) queue.render();
  if (dirty.has("ground") || dirty.has("steps") || dirty.has("ideas")) renderCommonGround();
  if (dirty.has("themes") || dirty.has("ideas") || dirty.has("event")) themesPanel.render();
  else if (dirty.has("flags")) themesPanel.renderFlags();
  if (dirty.has("people")) {
    renderWallSlide();
    renderCoverage();
    renderPeople();
    renderTables();
    renderIdeas(); // names shown on ideas
  }
  dirty.clear();
});

function renderAll() {
  for (const part of ["event", "steps", "tables", "ideas", "people", "sessions", "groups", "results", "ground", "themes", "actions"]) dirty.add(part);
  flush();
}

bindBadge($("#badge"), live);
const tickClocks = startClocks(live, (id) => model.steps.get(id));
$("#people-filter").addEventListener("input", batched(renderPeople, 150));

live.on("welcome", (msg) => {
  if (msg.role !== "facilitator") {
    say(notice, t("This link is not a facilitator link: you can look, but the buttons will be refused."), "error");
  }
  if (msg.snapshot) {
    model.load(msg.snapshot);
    followEventLanguage(model.event.language); // changed while this console was away: load it again
    renderAll();
    themesPanel.loadFlags(); // the snapshot does not list participants' flags: the transcript does
  }
});
live.on("entry", (entry) => {
  const changed = model.apply(entry);
  if (entry.kind === "event.language_set") followEventLanguage(entry.payload.language);
  if (changed) dirty.add(changed);
  flush();
});
live.on("results", (msg) => {
  const changed = model.applyResults(msg);
  if (changed) dirty.add(changed);
  flush();
});
live.on("common_ground", (msg) => {
  dirty.add(model.applyCommonGround(msg));
  flush();
});
live.on("themes", (msg) => {
  dirty.add(model.applyThemes(msg));
  flush();
});
live.on("presence", (msg) => {
  model.presence(msg);
  dirty.add("tables");
  flush();
});
live.on("fatal", (err) => {
  showBlocker(err.code === "open_elsewhere" ? t("Open in another tab") : t("This link does not work"), err.message || t("The server refused this console link."));
});

// --- facilitation scripts ---------------------------------------------------------------------

let methodsFolded = false;
const runner = initRunner({ live, model });
const methods = initMethods({ live, model, onLoaded: (sessionId) => runner.follow(sessionId) });

// --- a wall link of its own for the projector ---------------------------------------------------

$("#new-links-button").addEventListener("click", async () => {
  const button = $("#new-links-button");
  const msg = $("#new-links-message");
  button.disabled = true;
  say(msg, t("Making new links…"));
  try {
    const links = await api(`/api/events/${encodeURIComponent(eventId)}/links`, { method: "POST", token });
    $("#new-wall-link").value = links.wall;
    $("#new-organiser-link").value = links.organiser;
    $("#new-links-box").hidden = false;
    wallLink = links.wall;
    $("#link-wall").href = links.wall;
    $("#link-wall-hint").textContent = t("(with the new wall link)");
    say(msg, t("New links made. Copy them now: they are not shown again."), "ok");
    $("#new-wall-link").focus();
    $("#new-wall-link").select();
  } catch (err) {
    say(msg, err.message, "error");
  } finally {
    button.disabled = false;
  }
});
for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", async () => {
    const ok = await copyText($(`#${button.dataset.copy}`).value);
    button.textContent = ok ? t("Copied") : t("Select and copy");
  });
}

syncAudience();
live.start();
