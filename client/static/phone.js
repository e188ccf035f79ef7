// The phone: my table's step, an idea box with an offline outbox, my table's ideas.
import { Live } from "./live.js";
import {
  $, batched, bindBadge, copyText, forgetSession, h, readSession, reconcile, say, showBlocker, startClocks,
  writeSession,
} from "./ui.js";

const IDEA_MAX = 500;
const eventId = document.body.dataset.eventId;
const session = readSession(eventId);

if (!session) {
  location.replace("/join");
  throw new Error("not joined: sent to /join");
}

const live = new Live({ token: session.token, outboxKey: `wholeroom:${eventId}:outbox` });

// --- the phone's view: a phone snapshot advanced by entries ---------------------------------

const view = {
  ready: false,
  event: { title: "", tables: [], join_code: session.join_code || "" },
  me: { id: session.participant_id, name: session.name, table_id: session.table_id, role: "participant" },
  slots: {}, // "*" or role -> step: the latest step pushed to everyone here / to my role here
  ideas: new Map(), // id -> idea (visible ones only)
};

function currentStep() {
  const candidates = [view.slots["*"], view.slots[view.me.role]].filter(Boolean);
  return candidates.sort((a, b) => b.seq - a.seq)[0] || null;
}

function tableName(id) {
  const table = view.event.tables.find((t) => t.id === id);
  return table ? table.name : `Table ${id}`;
}

function loadSnapshot(snap) {
  view.ready = true;
  view.event = snap.event;
  view.me = snap.me;
  view.slots = {};
  if (snap.step) view.slots[snap.step.audience.role ?? "*"] = { ...snap.step };
  view.ideas = new Map(snap.ideas.filter((i) => i.text != null && !i.hidden).map((i) => [i.id, { ...i }]));
  writeSession(eventId, { ...session, table_id: snap.me.table_id, name: snap.me.name, join_code: snap.event.join_code });
  ideaEls.clear();
  renderAll();
}

function eachStep(fn) {
  for (const step of Object.values(view.slots)) fn(step);
}

function applyEntry(entry) {
  const p = entry.payload;
  switch (entry.kind) {
    case "step.pushed": {
      eachStep((s) => {
        if (s.id === p.replaces && s.status === "active") {
          s.status = "ended";
          s.ended_at = entry.at;
        }
      });
      const aud = p.audience;
      if (aud.tables && !aud.tables.includes(view.me.table_id)) break;
      const step = {
        id: p.step_id, seq: entry.seq, text: p.text, collect_ideas: p.collect_ideas, audience: aud,
        pushed_at: entry.at, deadline: p.deadline, status: "active", ended_at: null, replaces: p.replaces,
      };
      if (aud.role == null) view.slots = { "*": step };
      else view.slots[aud.role] = step;
      break;
    }
    case "step.extended":
      eachStep((s) => {
        if (s.id === p.step_id) s.deadline = p.deadline;
      });
      break;
    case "step.paused":
      eachStep((s) => {
        if (s.id === p.step_id) {
          s.deadline = null;
          s.paused_remaining = p.remaining ?? null;
          s.paused = true;
        }
      });
      break;
    case "step.resumed":
      eachStep((s) => {
        if (s.id === p.step_id) {
          s.deadline = p.deadline;
          s.paused_remaining = null;
          s.paused = false;
        }
      });
      break;
    case "step.ended":
      eachStep((s) => {
        if (s.id === p.step_id && s.status === "active") {
          s.status = "ended";
          s.ended_at = entry.at;
        }
      });
      break;
    case "idea.submitted":
      if (p.text != null && p.table_id === view.me.table_id) {
        view.ideas.set(p.idea_id, {
          id: p.idea_id, seq: entry.seq, participant_id: p.participant_id, table_id: p.table_id,
          step_id: p.step_id, text: p.text, at: entry.at, hidden: false, client_id: p.client_id,
        });
      }
      break;
    case "idea.hidden":
      view.ideas.delete(p.idea_id);
      break;
    case "idea.restored":
      if (p.text != null && p.table_id === view.me.table_id) {
        const old = view.ideas.get(p.idea_id);
        view.ideas.set(p.idea_id, {
          ...(old || { id: p.idea_id, seq: Number(p.idea_id.slice(1)) || entry.seq, participant_id: null, at: entry.at }),
          table_id: p.table_id, text: p.text, hidden: false,
        });
      }
      break;
    case "participant.seated":
    case "participant.role_set":
      // a fresh welcome with my new view follows on the same connection
      break;
    default:
      break;
  }
}

// --- drawing -----------------------------------------------------------------------------

const ideaEls = new Map(); // key -> li
const textArea = $("#idea-text");
const sendButton = $("#idea-send");

function renderHeader() {
  $("#event-title").textContent = view.event.title || "Wholeroom";
  document.title = `${tableName(view.me.table_id)} · ${view.event.title || "Wholeroom"}`;
  const where = $("#whereami");
  where.replaceChildren("You are at ", h("strong", { id: "my-table", text: tableName(view.me.table_id) }));
  if (view.me.name) where.append(" as ", h("strong", { text: view.me.name }));
  if (view.me.role && view.me.role !== "participant") {
    where.append(" · ", h("span", { class: "tag", text: view.me.role === "table_host" ? "table host" : view.me.role }));
  }
  $("#ideas-table").textContent = tableName(view.me.table_id);
  const select = $("#move-table");
  const chosen = select.value;
  select.replaceChildren(
    ...view.event.tables.map((t) => h("option", { value: t.id, text: t.id === view.me.table_id ? `${t.name} (yours now)` : t.name })),
  );
  select.value = chosen && chosen !== view.me.table_id ? chosen : view.me.table_id;
}

function renderStep() {
  const step = currentStep();
  const clock = $("#step-clock");
  if (!step) {
    $("#step-text").textContent = view.ready ? "Waiting for the facilitator's first question…" : "Connecting…";
    $("#step-status").textContent = "";
    clock.removeAttribute("data-step-clock");
    clock.textContent = "";
  } else {
    $("#step-text").textContent = step.text;
    $("#step-status").textContent =
      step.status === "ended" ? "This step has ended. Wait for the next one." : step.collect_ideas ? "" : "No ideas to send for this step.";
    clock.dataset.stepClock = step.id;
  }
  tickClocks();
  renderIdeaBox();
}

function renderIdeaBox() {
  const step = currentStep();
  const open = Boolean(step && step.collect_ideas && step.status === "active") && live.state !== "closed";
  textArea.disabled = !open;
  const length = textArea.value.length;
  sendButton.disabled = !open || textArea.value.trim().length === 0;
  const counter = $("#idea-counter");
  counter.textContent = `${length} / ${IDEA_MAX}`;
  counter.dataset.near = String(length > IDEA_MAX - 50);
  let hint = "";
  if (!step) hint = "You can send ideas once the facilitator asks a question.";
  else if (step.status === "ended") hint = "This step has ended: ideas are closed.";
  else if (!step.collect_ideas) hint = "This step does not collect ideas.";
  else if (live.state === "offline" || live.state === "reconnecting")
    hint = "No connection right now: ideas you send wait on this phone and go out when it is back.";
  else hint = "Press Enter to send. Shift+Enter for a new line.";
  const hintEl = $("#idea-hint");
  if (hintEl.textContent !== hint) hintEl.textContent = hint;
}

function ideaItem(key, build) {
  let li = ideaEls.get(key);
  if (!li) {
    li = build();
    ideaEls.set(key, li);
  }
  return li;
}

function renderIdeas() {
  const seenClientIds = new Set();
  for (const idea of view.ideas.values()) if (idea.client_id) seenClientIds.add(idea.client_id);
  const nodes = [];
  const outbox = live.outbox().filter((item) => !seenClientIds.has(item.client_id));
  const failed = outbox.filter((i) => i.status === "failed");
  const waiting = outbox.filter((i) => i.status !== "failed").reverse();
  for (const item of failed) nodes.push(ideaItem(`failed:${item.client_id}`, () => failedItem(item)));
  for (const item of waiting) {
    const li = ideaItem(`queued:${item.client_id}`, () =>
      h("li", { class: "queued mine", dataset: { clientId: item.client_id } },
        h("p", { class: "idea-text", text: item.text }),
        h("p", { class: "idea-meta" }, h("span", { class: "tag", text: "Waiting to send" }), h("span", { class: "note" }))),
    );
    const tag = item.sending && live.state === "live" ? "Sending…" : "Waiting to send";
    const tagEl = li.querySelector(".tag");
    if (tagEl.textContent !== tag) tagEl.textContent = tag;
    const note = item.error ? item.error.message : "";
    const noteEl = li.querySelector(".note");
    if (noteEl.textContent !== note) noteEl.textContent = note;
    nodes.push(li);
  }
  const ideas = [...view.ideas.values()].sort((a, b) => b.seq - a.seq);
  for (const idea of ideas) {
    const mine = idea.participant_id === view.me.id;
    const li = ideaItem(`idea:${idea.id}`, () =>
      h("li", { class: mine ? "mine" : "", dataset: { ideaId: idea.id } },
        h("p", { class: "idea-text", text: idea.text }),
        h("p", { class: "idea-meta" }, mine ? h("span", { class: "tag", text: "You" }) : null),
      ),
    );
    const textEl = li.querySelector(".idea-text");
    if (textEl.textContent !== idea.text) textEl.textContent = idea.text;
    nodes.push(li);
  }
  // forget elements no longer shown
  const keep = new Set(nodes);
  for (const [key, li] of ideaEls) if (!keep.has(li)) ideaEls.delete(key);
  reconcile($("#ideas"), nodes);
  $("#ideas-empty").hidden = nodes.length > 0;
}

function failedItem(item) {
  const li = h("li", { class: "failed", role: "alert", dataset: { clientId: item.client_id } },
    h("p", { class: "idea-meta" }, h("span", { class: "tag", text: "Not sent" }), h("span", { text: item.error ? item.error.message : "" })),
    h("p", { class: "idea-text", text: item.text }),
  );
  const actions = h("div", { class: "row" },
    h("button", {
      type: "button", text: "Copy text",
      on: { click: async (e) => { e.target.textContent = (await copyText(item.text)) ? "Copied" : "Select and copy the text above"; } },
    }),
    h("button", {
      type: "button", text: "Put back in the box",
      on: {
        click: () => {
          textArea.value = item.text;
          live.dismiss(item.client_id);
          renderIdeaBox();
          if (!textArea.disabled) textArea.focus();
        },
      },
    }),
    h("button", { type: "button", text: "Dismiss", on: { click: () => live.dismiss(item.client_id) } }),
  );
  li.append(actions);
  return li;
}

function renderAll() {
  renderHeader();
  renderStep();
  renderIdeas();
}

const redrawIdeas = batched(renderIdeas);
const redrawStep = batched(renderStep);

// --- wiring ------------------------------------------------------------------------------

bindBadge($("#badge"), live);
const tickClocks = startClocks(live, (id) => Object.values(view.slots).find((s) => s.id === id));

live.on("welcome", (msg) => {
  if (msg.snapshot) loadSnapshot(msg.snapshot);
  else renderIdeaBox();
});
live.on("entry", (entry) => {
  applyEntry(entry);
  if (entry.kind.startsWith("step.")) redrawStep();
  else redrawIdeas();
});
live.on("outbox", redrawIdeas);
live.on("state", () => {
  renderIdeaBox();
  redrawIdeas();
});
live.on("fatal", (err) => {
  if (["bad_token", "token_expired", "missing_token", "other_event"].includes(err.code)) forgetSession(eventId);
  const code = view.event.join_code || session.join_code || "";
  showBlocker("Please join again", `${err.message || "This phone's link to the event is no longer valid."}`, {
    href: `/join${code ? `?code=${encodeURIComponent(code)}` : ""}`,
    text: "Join again",
  });
});

textArea.addEventListener("input", renderIdeaBox);
textArea.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    $("#idea-form").requestSubmit();
  }
});

$("#idea-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const step = currentStep();
  const text = textArea.value.trim();
  if (!text || !step || textArea.disabled) return;
  live.send({ type: "idea.submit", text, step_id: step.id });
  textArea.value = "";
  renderIdeaBox();
  renderIdeas();
  textArea.focus();
});

$("#move-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const tableId = $("#move-table").value;
  const msg = $("#move-message");
  if (!tableId || tableId === view.me.table_id) {
    say(msg, "You are already at this table.", "info");
    return;
  }
  $("#move-button").disabled = true;
  say(msg, "Moving…");
  try {
    await live.send({ type: "participant.seat", table_id: tableId });
    say(msg, `You moved to ${tableName(tableId)}.`, "ok");
    $("#move").open = false;
  } catch (err) {
    say(msg, err.message, "error");
  } finally {
    $("#move-button").disabled = false;
  }
});

renderAll();
live.start();
