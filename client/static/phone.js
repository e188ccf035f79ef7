// The phone: my table's step, an idea box with an offline outbox, my table's ideas; and for a
// facilitation script's steps: my group, where to move, a ballot, the Open Space marketplace, roles;
// the theme each of my table's ideas landed in, with "Doesn't belong here?" to contest it; the
// results of the last vote once revealed; a draft kept per step; and, once the event has ended, a
// thank-you screen with my own contributions.
import { makeBallot } from "./ballot.js";
import { voteResults } from "./charts.js";
import { localOptions, localResults, localSpec, localStep, onLanguageChange, screenLanguage } from "./language.js";
import { Live, newClientId } from "./live.js";
import { cachedMine, fetchMine, mineList, wireDownloads } from "./mine.js";
import { PhoneModel } from "./model.js";
import { chosenParts, partsChoice } from "./parts.js";
import { initReactions } from "./react.js";
import {
  $, api, batched, bdi, bindBadge, copyText, forgetSession, h, isolate, readSession, reconcile, say, showText, showBlocker,
  startClocks, writeSession,
} from "./ui.js";
import { t, tn, tNodes } from "./i18n.js";
import { listNodes, roleName } from "./words.js";

const IDEA_MAX = 500;
const LONG_STEP_TEXT = 140; // characters: longer first paragraphs are set smaller, so the idea box stays in view
const TOUCH = matchMedia("(pointer: coarse)"); // a phone or tablet: no Shift key to speak of
const eventId = document.body.dataset.eventId;
const session = readSession(eventId);

if (!session) {
  location.replace("/join");
  throw new Error("not joined: sent to /join");
}

const live = new Live({ token: session.token, outboxKey: `wholeroom:${eventId}:outbox` });
// a reaction step: ideas from across the room, one at a time (react.js)
const reactions = initReactions({
  live,
  eventId,
  origin: (idea) => {
    const known = view.ideas.get(idea.id);
    if (known && known.participant_id === view.me.id) return t("Your own idea");
    return idea.table_id === view.me.table_id ? t("From your table") : tNodes("From {table}", { table: bdi(tableName(idea.table_id)) });
  },
});

// --- the phone's view: a phone snapshot advanced by entries (the fold, model.js) ----------------

const view = new PhoneModel({ id: session.participant_id, name: session.name, table_id: session.table_id }, session.join_code || "");
// the fold's state, a copy (tests compare it with the server's snapshot for this screen)
window.__wholeroomState = () => view.state();
let ownMove = null; // the table this phone asked to move to (its own choice)
const FLAG_REASON_MAX = 200;
const flagForms = new Map(); // idea id -> {open, status, kind}: the "Doesn't belong here?" state per idea

/** The step this phone shows, in its language (a script in several languages carries them all). */
function currentStep() {
  return localStep(view.currentStep());
}

function tableName(id) {
  return view.tableName(id);
}

function loadSnapshot(snap) {
  noteMove(view.ready ? view.me.table_id : session.table_id, snap);
  view.load(snap);
  filledHere.clear();
  writeSession(eventId, { ...session, table_id: snap.me.table_id, name: snap.me.name, join_code: snap.event.join_code });
  ideaEls.clear();
  renderAll();
}

/** A new snapshot puts me at another table: a "Move to" card says where, and who moved me. */
function noteMove(before, snap) {
  const to = snap.me.table_id;
  if (!before || before === to) return;
  const rotation = Boolean(snap.me.moved && snap.step);
  const by = rotation ? "rotation" : ownMove === to ? "you" : "facilitator";
  view.moveCard = { to, by, stepId: rotation ? snap.step.id : null };
  ownMove = null;
}

/** An entry through the fold, then what the page does about it besides drawing. */
function applyEntry(entry) {
  const p = entry.payload;
  // my parts changed (by the facilitator): ticks left as they were saved follow; unsaved ones stay
  const mine = entry.kind === "participant.parts_set" && p.participant_id === view.me.id;
  const set = mine ? $("#my-parts-choice fieldset") : null;
  const untouched = mine && (!set || chosenParts(set).join() === (view.me.parts || []).join());
  view.apply(entry);
  if (mine) renderMyParts(untouched);
  else if (entry.kind === "event.parts_set") renderMyParts(true);
  else if (entry.kind === "step.pushed") {
    const step = Object.values(view.slots).find((s) => s.id === p.step_id);
    if (step && step.session_id && !view.knownSessions.has(step.session_id)) learnRoles(step.session_id);
  }
}

// --- drawing -----------------------------------------------------------------------------

const ideaEls = new Map(); // key -> li
const textArea = $("#idea-text");
const sendButton = $("#idea-send");

function renderHeader() {
  $("#event-title").textContent = view.event.title || "Wholeroom";
  document.title = `${isolate(tableName(view.me.table_id))} · ${isolate(view.event.title || "Wholeroom")}`;
  const where = $("#whereami");
  // free text in a sentence: each name in an element of its own direction (dir=auto isolates it)
  const table = h("strong", { id: "my-table", dir: "auto", text: tableName(view.me.table_id) });
  where.replaceChildren(...(view.me.name
    ? tNodes("You are at {table} as {name}", { table, name: h("strong", { dir: "auto", text: view.me.name }) })
    : tNodes("You are at {table}", { table })));
  if (view.me.role && view.me.role !== "participant") {
    where.append(" · ", h("span", { class: "tag", text: roleName(view.me.role).toLowerCase() }));
  }
  $("#ideas-table").textContent = tableName(view.me.table_id);
  const select = $("#move-table");
  const chosen = select.value;
  select.replaceChildren(
    ...view.event.tables.map((tb) => h("option", { value: tb.id, text: tb.id === view.me.table_id ? t("{table} (yours now)", { table: isolate(tb.name) }) : tb.name })),
  );
  select.value = chosen && chosen !== view.me.table_id ? chosen : view.me.table_id;
}

function renderStep() {
  const step = currentStep();
  const clock = $("#step-clock");
  const title = $("#step-title");
  const titleText = step && step.spec && step.spec.title && step.spec.title !== step.text ? step.spec.title : "";
  title.hidden = !titleText;
  title.textContent = titleText;
  if (!step) {
    $("#step-text").textContent = view.ready ? t("Waiting for the facilitator's first question…") : t("Connecting…");
    $("#step-more").hidden = true;
    $("#step-status").textContent = "";
    clock.removeAttribute("data-step-clock");
    clock.textContent = "";
  } else {
    // a script step's question, then its instructions (a blank line apart), in a smaller type
    const [first, ...rest] = String(step.text || "").split(/\n\s*\n/);
    const more = rest.join("\n\n");
    if ($("#step-text").textContent !== first) $("#step-text").textContent = first;
    $("#step-text").classList.toggle("long", first.length > LONG_STEP_TEXT); // a paragraph, not a question
    if ($("#step-more").textContent !== more) $("#step-more").textContent = more;
    $("#step-more").hidden = !more;
    $("#step-status").textContent =
      step.status === "ended" ? t("This step has ended. Wait for the next one.") : step.collect_ideas || step.session_id || step.kind === "react" ? "" : t("No ideas to send for this step.");
    clock.dataset.stepClock = step.id;
  }
  tickClocks();
  renderIdeaBox();
  renderScript();
}

// --- script steps: move, group, vote, marketplace, roles ----------------------------------------

function renderScript() {
  const step = currentStep();
  // a script step that collects nothing has no idea box (a hand-written one keeps it, closed)
  $("#idea-panel").hidden = Boolean(step && ((step.session_id && !step.collect_ideas) || step.kind === "react"));
  reactions.render(step);
  renderMove(step);
  renderGroup(step);
  renderVote(step);
  renderMarket(step);
  renderVolunteer();
  renderPastVote(step);
  renderActions(step);
}

// --- follow-through: the promise of a commitments step, action groups, contacts ------------------

const PROMISES = {
  private: t("Private: only you and the organisers (facilitator and organiser) see what you write here; never the wall, your table, other phones or a shared report."),
  shared: t("Shared: your table and the room (the wall) see what you write here, like ideas."),
};

/** What the writing box is called: an idea, or for a commitments step and a follow-up round what
 * they ask for (the label is what a screen reader announces for the box). */
function renderBoxLabel(step) {
  const kind = step && step.kind;
  const label = kind === "commit" ? t("What you will do") : kind === "followup" ? t("Your reply") : t("Your idea");
  const el = $("label[for=idea-text]");
  if (el.textContent !== label) el.textContent = label;
}

function renderPromise(step) {
  const privacy = step && step.spec && step.spec.privacy;
  const el = $("#idea-promise");
  el.hidden = !PROMISES[privacy];
  if (!PROMISES[privacy]) return;
  el.dataset.privacy = privacy;
  if (el.textContent !== PROMISES[privacy]) el.textContent = PROMISES[privacy];
}

let contactsFor = ""; // the group and its sharers the list below was fetched for

function renderActions(step) {
  const groups = view.actionGroups;
  const mine = view.myAction;
  const show = groups.length > 0; // formed by hand or by an actions step: offered until the event ends
  $("#action-panel").hidden = !show;
  if (!show) return;
  $("#action-mine").hidden = !mine;
  $("#action-hint").textContent = mine ? t("Your action group, after the event:") : t("Join the group you will work with after the event.");
  const list = groups.filter((g) => !mine || g.id !== mine.id).map((g) => {
    const meta = tn("{n} person", "{n} people", g.count) + (g.has_convener ? " · " + t("has a convener") : "");
    return h("li", { dataset: { groupId: g.id } },
      h("span", { class: "topic-title", dir: "auto", text: g.title }),
      h("span", { class: "muted", text: meta }),
      h("button", { type: "button", class: mine ? "" : "primary", "aria-label": mine ? t("Move to: {group}", { group: g.title }) : t("Join: {group}", { group: g.title }),
        text: mine ? t("Move here") : t("Join"), on: { click: (e) => actionSend(e.target, { type: "action.join", group_id: g.id }) } }));
  });
  $("#action-list").replaceChildren(...list);
  if (!mine) return;
  $("#action-title").textContent = mine.title;
  const convener = mine.members.find((m) => m.convener);
  showText($("#action-convener"), !mine.convener ? t("Nobody convenes this group yet.")
    : mine.convener === view.me.id ? t("You convene this group.")
      : convener && convener.name ? tNodes("Convener: {name}.", { name: bdi(convener.name) })
        : t("Convener: {name}.", { name: t("a member without a name") }));
  $("#action-members").replaceChildren(...mine.members.map((m) => {
    const who = m.id === view.me.id ? t("You") : m.name ? bdi(m.name) : t("Someone without a name");
    return h("li", {},
      ...(m.convener ? tNodes("{name} (convener)", { name: who }) : [who]),
      m.contact ? " · " + t("shares an email") : null);
  }));
  $("#action-convene").hidden = Boolean(mine.convener);
  $("#contact-stop").hidden = !mine.shared;
  $("#contact-share").textContent = mine.shared ? t("Change my email") : t("Share my email");
  const sharers = mine.members.filter((m) => m.contact).map((m) => m.id).join(",");
  const key = `${mine.id}:${sharers}`;
  if (!sharers) {
    $("#contacts-box").hidden = true;
    contactsFor = key;
  } else if (key !== contactsFor) {
    contactsFor = key;
    api(`/api/events/${encodeURIComponent(eventId)}/action-contacts`, { token: session.token }).then((data) => {
      if (contactsFor !== key) return;
      $("#contacts").replaceChildren(...data.contacts.map((c) => h("li", {},
        h("span", {}, c.participant_id === view.me.id ? t("You") : c.name ? bdi(c.name) : t("Someone without a name"), ": "),
        h("a", { href: `mailto:${c.email}`, text: c.email }))));
      $("#contacts-box").hidden = data.contacts.length === 0;
    }, () => { contactsFor = ""; });
  }
}

async function actionSend(button, command) {
  const msg = $("#action-message");
  button.disabled = true;
  try {
    await live.send(command);
    say(msg, "");
  } catch (err) {
    say(msg, err.message, "error");
  } finally {
    button.disabled = false;
  }
}

async function shareContact(email) {
  const msg = $("#contact-message");
  say(msg, email === null ? t("Deleting…") : t("Sharing…"));
  try {
    await api(`/api/events/${encodeURIComponent(eventId)}/action-contact`, { method: "PUT", token: session.token, body: { email } });
    say(msg, email === null ? t("You no longer share an email; it was deleted.") : t("Shared with your group only."), "ok");
    if (email === null) $("#contact-email").value = "";
  } catch (err) {
    say(msg, err.message, "error");
  }
}

/** The latest vote's results once it has given way to another step (only ever revealed tallies). */
function renderPastVote(step) {
  const past = view.pastVote;
  const show = Boolean(past && !(step && step.kind === "vote"));
  $("#past-panel").hidden = !show;
  if (!show) return;
  const spec = localSpec(past.step.spec || {});
  const title = (past.step.spec && past.step.spec.texts ? spec.title : past.step.title) || spec.title || past.step.text || t("The last vote");
  if ($("#past-title").textContent !== title) $("#past-title").textContent = title;
  $("#past-results").replaceChildren(voteResults(localResults(past.results, past.step.options), spec, { small: true }));
  const voters = past.results.voters;
  const status = tn("Results of the vote: {n} person voted.", "Results of the vote: {n} people voted.", voters);
  if ($("#past-status").textContent !== status) $("#past-status").textContent = status;
}

// --- the end: thanks, and my own contributions to read and keep ----------------------------------

let endShown = false;

function renderEnd(fromCache = null) {
  const ended = Boolean(view.event.closed_at) || Boolean(fromCache);
  const main = document.querySelector("main");
  main.dataset.ended = String(ended);
  $("#end-panel").hidden = !ended;
  if (!ended) {
    endShown = false;
    return;
  }
  if (endShown) return;
  endShown = true;
  $("#end-heading").focus();
  const show = (data) => $("#end-mine").replaceChildren(...mineList(data));
  if (fromCache) show(fromCache);
  else {
    fetchMine().then(show, (err) => {
      const kept = cachedMine();
      if (kept) show(kept);
      else $("#end-mine").replaceChildren(h("p", { class: "message", dataset: { kind: "error" }, text: err.message || t("Could not load your contributions.") }));
    });
  }
}

wireDownloads($("#end-download"), $("#end-data"), $("#end-message"));

function renderMove(step) {
  const panel = $("#move-notice");
  const rotating = Boolean(step && step.kind === "rotate" && step.status === "active");
  const card = view.moveCard;
  if (card && card.by === "rotation" && (!step || step.id !== card.stepId)) view.moveCard = null; // the round has begun
  if (card && card.to !== view.me.table_id) view.moveCard = null; // moved again since: a newer card is on its way
  const show = rotating || Boolean(view.moveCard);
  panel.hidden = !show;
  if (!show) return;
  const here = tableName(view.me.table_id);
  const spec = (step && step.spec) || {};
  const moved = rotating ? Boolean(view.me.moved) : true;
  panel.dataset.moved = String(moved);
  const big = moved ? tNodes("Move to {table}", { table: bdi(here) }) : tNodes("Stay at {table}", { table: bdi(here) });
  let detail;
  if (!moved && spec.stay && view.me.role === spec.stay) detail = t("You are the {role}: stay, welcome the newcomers and tell them what this table talked about.", { role: roleName(spec.stay).toLowerCase() });
  else if (!moved) detail = t("You do not need to move this time.");
  else if (!rotating && view.moveCard.by === "facilitator") detail = tNodes("The facilitator moved you. Go to {table} now and say hello.", { table: bdi(here) });
  else if (!rotating && view.moveCard.by === "you") detail = tNodes("You chose {table}. Go there now and say hello.", { table: bdi(here) });
  else detail = t("Go there now and say hello to the people at your new table.");
  showText($("#move-text"), big);
  showText($("#move-detail"), detail);
  $("#move-ok").hidden = rotating; // a rotation's card goes when the next round starts
}

function renderGroup(step) {
  const spec = (step && step.spec) || {};
  const show = Boolean(step && step.status === "active" && (spec.groups || spec.audience === "group"));
  $("#group-panel").hidden = !show;
  if (!show) return;
  const fromMarket = Boolean(spec.groups && spec.groups.from);
  const topic = view.group && view.group.topic;
  $("#group-heading").textContent = fromMarket ? t("Your session") : t("Your group");
  let where = "";
  let text;
  if (view.groupPending) text = fromMarket ? t("Finding your session…") : t("Finding your group…");
  else if (!view.group) {
    text = fromMarket ? t("You did not sign up for a session at this time: join any one you like.")
      : t("You are not in a group yet: join the people next to you.");
  } else {
    if (topic) where = tNodes("“{topic}” in {space}", { topic: bdi(topic.title), space: bdi(topic.space) });
    const others = view.group.members.filter((m) => m.id !== view.me.id);
    const named = others.filter((m) => m.name).map((m) => m.name);
    // a big session: a few names and how many more (the list would fill the phone)
    const shown = named.length > 5 ? named.slice(0, 4) : named;
    const more = others.length - shown.length;
    if (more) {
      shown.push(named.length > 5 ? tn("{n} more", "{n} more", more)
        : tn("{n} person without a name", "{n} people without a name", more));
    }
    text = others.length ? tNodes("You are with {people}", { people: h("span", {}, ...listNodes(shown)) }) : t("You are on your own for now.");
  }
  const whereEl = $("#group-where");
  whereEl.hidden = !where;
  showText(whereEl, where);
  showText($("#group-text"), text);
}

let ballotUI = null; // {stepId, el, update}

const VOTE_HINTS = {
  dots: (spec) => tn("Tap + to put a dot on an option, − to take it back: {n} dot in all.",
    "Tap + to put a dot on an option, − to take it back: {n} dots in all.", spec.dots),
  score: () => t("Give each option a score."),
  pass_and_score: () => t("Give each option a score."),
  agree_disagree_pass: () => t("For each statement: agree, disagree or pass. Each answer is sent at once; you can change it."),
  rank: () => t("Put the options in order, best first, then send your ranking."),
  place: () => t("Place each option on the grid where you think it belongs."),
};

/** The options this phone votes on: its snapshot's (its table's, or its dealt cards), else the step's. */
function myOptions(step) {
  const given = view.voteOptions.get(step.id);
  if (given) return localOptions(given);
  const all = step.options || [];
  if ((step.spec || {}).scope === "table") return all.filter((o) => !o.table_id || o.table_id === view.me.table_id);
  return all;
}

function renderVote(step) {
  const show = Boolean(step && step.kind === "vote");
  $("#vote-panel").hidden = !show;
  if (!show) {
    if (ballotUI) $("#ballot").replaceChildren();
    ballotUI = null;
    return;
  }
  const spec = step.spec || {};
  const options = myOptions(step);
  const key = `${step.id}:${screenLanguage()}:${options.map((o) => o.id).join()}`;
  if (!ballotUI || ballotUI.key !== key) {
    const mine = { ...step, options };
    ballotUI = { key, ...makeBallot(mine, live, (ballot) => view.ballots.set(step.id, ballot)) };
    $("#ballot").replaceChildren(ballotUI.el);
  }
  ballotUI.update(view.ballots.get(step.id) ?? null, step.status !== "active");
  const hint = step.status !== "active" ? t("The vote has closed.") : (VOTE_HINTS[spec.method] || (() => ""))(spec);
  if ($("#vote-hint").textContent !== hint) $("#vote-hint").textContent = hint;
  const results = view.results.get(step.id);
  $("#vote-results-box").hidden = !results;
  if (results) {
    $("#vote-results").replaceChildren(voteResults(localResults(results, step.options), spec, { small: true }));
    // the chart is redrawn with every update; only a change in who voted is announced
    const status = tn("Results: {n} person has voted.", "Results: {n} people have voted.", results.voters);
    if ($("#vote-results-status").textContent !== status) $("#vote-results-status").textContent = status;
  }
}

// the marketplace: one section per time slot, topics with Join / Leave, free spaces to post in
let marketStepId = null;
const slotEls = new Map(); // slot -> section
const topicEls = new Map(); // topic id -> li

function freeSpaces(spec, topics, slot) {
  const taken = new Set(topics.filter((tb) => tb.slot === slot).map((tb) => tb.space));
  return (spec.spaces || []).filter((space) => !taken.has(space));
}

function renderMarket(step) {
  const show = Boolean(step && step.kind === "signup");
  $("#market-panel").hidden = !show;
  if (!show) return;
  const spec = step.spec || {};
  const open = step.status === "active";
  const topics = [...view.topics.values()].filter((tb) => tb.step_id === step.id);
  const canPost = open && spec.convene !== "facilitator";
  $("#topic-form").hidden = !canPost;
  const hint = !open ? t("The marketplace has closed.")
    : canPost ? t("Convene a topic you care about in a free space, and sign up for one topic in each time slot.")
      : t("The facilitator posts the topics. Sign up for one topic in each time slot.");
  if ($("#market-hint").textContent !== hint) $("#market-hint").textContent = hint;
  if (marketStepId !== step.id) {
    marketStepId = step.id;
    slotEls.clear();
    topicEls.clear();
    $("#topic-slot").replaceChildren(...(spec.slots || []).map((slot) => h("option", { value: slot, text: slot })));
  }
  fillSpaces(spec, topics);

  const sections = (spec.slots || []).map((slot) => {
    let section = slotEls.get(slot);
    if (!section) {
      const post = h("button", { type: "button", class: "small post-here", text: t("Post a topic at this time") });
      post.addEventListener("click", () => {
        $("#topic-slot").value = slot;
        fillSpaces(spec, [...view.topics.values()].filter((tb) => tb.step_id === step.id));
        $("#topic-title").focus();
      });
      section = h("section", { class: "market-slot", dataset: { slot } },
        h("h3", { text: slot }),
        h("p", { class: "going", "aria-live": "polite" }),
        h("ul", { class: "market-topics" }),
        h("p", { class: "muted free" }, h("span", { class: "free-text" }), " ", post),
        h("p", { class: "message slot-message", role: "status", "aria-live": "polite" }));
      slotEls.set(slot, section);
    }
    const inSlot = topics.filter((tb) => tb.slot === slot).sort((a, b) => (spec.spaces || []).indexOf(a.space) - (spec.spaces || []).indexOf(b.space));
    const mine = inSlot.find((tb) => tb.joined);
    showText(section.querySelector(".going"), mine ? tNodes("You are going to “{topic}” in {space}.", { topic: bdi(mine.title), space: bdi(mine.space) }) : t("You have not chosen a topic at this time yet."));
    section.querySelector(".going").classList.toggle("chosen", Boolean(mine));
    reconcile(section.querySelector("ul"), inSlot.map((tb) => topicItem(tb, section, open)));
    const free = freeSpaces(spec, topics, slot).length;
    section.querySelector(".free-text").textContent = inSlot.length ? tn("{free} of {n} space free.", "{free} of {n} spaces free.", (spec.spaces || []).length, { free }) : t("No topics yet.");
    section.querySelector(".post-here").hidden = !canPost || free === 0;
    return section;
  });
  reconcile($("#market"), sections);
}

function topicItem(topic, section, open) {
  let li = topicEls.get(topic.id);
  if (!li) {
    const button = h("button", { type: "button", class: "join" });
    button.addEventListener("click", async () => {
      const now = view.topics.get(topic.id);
      const leaving = now.joined;
      const msg = section.querySelector(".slot-message");
      button.disabled = true;
      try {
        await live.send({ type: leaving ? "topic.leave" : "topic.join", topic_id: topic.id });
        msg.textContent = ""; // the line "You are going to …" above says it
      } catch (err) {
        say(msg, err.message, "error");
      } finally {
        button.disabled = false;
        redrawScript();
      }
    });
    li = h("li", { dataset: { topicId: topic.id } },
      h("span", { class: "topic-title" }),
      h("span", { class: "topic-meta muted" }),
      button);
    topicEls.set(topic.id, li);
  }
  li.querySelector(".topic-title").textContent = topic.title;
  const people = tn("{n} going", "{n} going", topic.count || 0);
  const convener = topic.convener === view.me.id ? " · " + t("your topic") : "";
  li.querySelector(".topic-meta").textContent = `${topic.space} · ${people}${convener}`;
  li.classList.toggle("joined", Boolean(topic.joined));
  const button = li.querySelector(".join");
  button.textContent = topic.joined ? t("Leave") : t("Join");
  button.setAttribute("aria-label", topic.joined ? t("Leave: {topic}", { topic: topic.title }) : t("Join: {topic}", { topic: topic.title }));
  button.classList.toggle("primary", !topic.joined);
  button.hidden = !open;
  return li;
}

function fillSpaces(spec, topics) {
  const select = $("#topic-space");
  const free = freeSpaces(spec, topics, $("#topic-slot").value);
  const chosen = select.value;
  if ([...select.options].map((o) => o.value).join("\u0000") !== free.join("\u0000")) {
    select.replaceChildren(...(free.length ? free.map((space) => h("option", { value: space, text: space })) : [h("option", { value: "", text: t("No space free at this time") })]));
  }
  if (free.includes(chosen)) select.value = chosen;
}

$("#topic-slot").addEventListener("change", () => {
  const step = currentStep();
  if (step && step.kind === "signup") fillSpaces(step.spec || {}, [...view.topics.values()].filter((tb) => tb.step_id === step.id));
});

$("#topic-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const step = currentStep();
  const msg = $("#topic-message");
  const input = $("#topic-title");
  if (!step || step.kind !== "signup") return;
  const title = input.value.trim();
  if (!title) {
    say(msg, t("Give your topic a short title."), "error");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  const slot = $("#topic-slot").value;
  const space = $("#topic-space").value;
  if (!space) {
    say(msg, t("No space is free at this time: choose another time."), "error");
    return;
  }
  input.removeAttribute("aria-invalid");
  $("#topic-post").disabled = true;
  say(msg, t("Posting…"));
  try {
    await live.send({ type: "topic.post", step_id: step.id, title, slot, space });
    input.value = "";
    say(msg, tNodes("Posted: “{topic}”, {slot}, {space}.", { topic: bdi(title), slot: bdi(slot), space: bdi(space) }), "ok");
  } catch (err) {
    say(msg, err.message, "error");
    if (err.field === "title") input.setAttribute("aria-invalid", "true");
  } finally {
    $("#topic-post").disabled = false;
  }
});

// roles people may volunteer for (a table host for a World Café...): offered while my table still
// needs one and I hold no role; the panel goes once the role is filled, and its message with the step
let volunteerKey = "";
let volunteerStep = null;
const filledHere = new Set(); // roles the server said are taken at my table (role_taken), until my next snapshot

function openRoles() {
  return Object.entries(view.volunteerRoles || {})
    .filter(([role, count]) => !filledHere.has(role) && (view.roleHolders[role] || []).length < count)
    .map(([role]) => role);
}

function renderVolunteer() {
  const step = currentStep();
  const stepId = step ? step.id : null;
  if (stepId !== volunteerStep) {
    volunteerStep = stepId;
    say($("#volunteer-message"), ""); // an old answer ("already has its host") does not outlive its step
  }
  const mine = view.me.role && view.me.role !== "participant" ? view.me.role : null;
  const roles = mine ? [] : openRoles();
  $("#volunteer-panel").hidden = roles.length === 0;
  const text = t("Your table needs someone for this. Tap to take it on.");
  if ($("#my-role").textContent !== text) $("#my-role").textContent = text;
  const key = roles.join();
  if (key === volunteerKey) return;
  volunteerKey = key;
  $("#volunteer-buttons").replaceChildren(...roles.map((role) => {
    const button = h("button", { type: "button", class: "big", text: t("Volunteer as {role}", { role: roleName(role).toLowerCase() }) });
    button.addEventListener("click", async () => {
      const msg = $("#volunteer-message");
      button.disabled = true;
      say(msg, t("Asking…"));
      try {
        await live.send({ type: "role.volunteer", role });
        say(msg, ""); // the fresh welcome that follows shows my role at the top
      } catch (err) {
        if (err.code === "role_taken") {
          filledHere.add(role); // someone was quicker: nothing left to offer
          say(msg, "");
        } else {
          say(msg, err.message, "error");
        }
      } finally {
        button.disabled = false;
        redrawScript();
      }
    });
    return button;
  }));
}

/** A script loaded after this phone's snapshot may offer roles: read them once per new session. */
function learnRoles(sessionId) {
  view.knownSessions.add(sessionId);
  api(`/api/events/${encodeURIComponent(eventId)}/snapshot`, { token: session.token }).then(
    (snap) => {
      view.volunteerRoles = snap.volunteer_roles || {};
      view.roleHolders = snap.role_holders || {};
      redrawScript();
    },
    () => view.knownSessions.delete(sessionId), // try again with the next step
  );
}

/** Who lets a step's ideas through before others see them ("the facilitator", "your table host"),
 * or null when they go out at once. As the server decides it (server/domain/capture.py). */
function moderator(step) {
  if (!step) return null;
  const capture = (step.spec && step.spec.capture) || {};
  const who = step.premoderate || (capture.premoderate === true ? "facilitator" : capture.premoderate);
  if (!who || (capture.visibility && ["private", "facilitator"].includes(capture.visibility))) return null;
  return who.startsWith("role:") ? t("your {role} (or the facilitator)", { role: roleName(who.slice(5)).toLowerCase() }) : t("the facilitator");
}

/** What the writer of a held idea reads: who it waits for, when the phone still knows its step. */
function waitingFor(idea) {
  const step = [view.slots["*"], view.slots[view.me.role]].find((s) => s && s.id === idea.step_id);
  const who = moderator(step);
  return who ? t("waiting for {who}", { who }) : t("waiting to be let through");
}

/** What a script step's capture asks of this phone: {writes, text} (who writes, how many, who sees). */
function captureRule(step) {
  const capture = step && step.spec && step.spec.capture;
  if (!capture) {
    const held = moderator(step); // a hand-pushed step the facilitator holds
    return { writes: true, text: held ? t("Others see what you write once {who} lets it through.", { who: held }) : "" };
  }
  const role = capture.who && capture.who.startsWith("role:") ? capture.who.slice(5) : null;
  if (role && view.me.role !== role) return { writes: false, text: t("In this step only the {role} writes.", { role: roleName(role).toLowerCase() }) };
  const parts = [];
  if (capture.max_items) {
    const n = capture.max_items;
    // a shared list is the group's when there are groups, else the table's (as the server counts it)
    const whose = view.group ? t("your group") : t("your table");
    parts.push(capture.who === "any" ? t("Up to {n} for {whose}.", { n, whose }) : t("Up to {n} from you.", { n }));
  }
  const seen = capture.passed_on
    ? t("Later your card is passed, without your name, to others to read and score.")
    : step.spec.privacy ? "" // a commitments or follow-up step says it above the box
    : {
      private: t("Only you (and the facilitator) see what you write."),
      group: view.group ? t("Your group sees what you write.") : t("Only you (and the facilitator) see what you write."),
      facilitator: t("Only the facilitator sees what you write."),
    }[capture.visibility];
  if (seen) parts.push(seen);
  if (capture.attribution === "anonymous") parts.push(t("Your name is not shown with it."));
  const held = moderator(step);
  if (held) parts.push(t("Others see it once {who} lets it through.", { who: held }));
  return { writes: true, text: parts.join(" ") };
}

function renderIdeaBox() {
  const step = currentStep();
  syncDraft(step);
  renderPromise(step);
  renderBoxLabel(step);
  const rule = captureRule(step);
  const open = Boolean(step && step.collect_ideas && step.status === "active" && rule.writes) && live.state !== "closed";
  textArea.disabled = !open;
  const length = textArea.value.length;
  sendButton.disabled = !open || textArea.value.trim().length === 0;
  const counter = $("#idea-counter");
  counter.textContent = `${length} / ${IDEA_MAX}`;
  counter.dataset.near = String(length > IDEA_MAX - 50);
  let hint = "";
  if (!step) hint = t("You can send ideas once the facilitator asks a question.");
  else if (step.status === "ended") hint = t("This step has ended: ideas are closed.");
  else if (!step.collect_ideas) hint = t("This step does not collect ideas.");
  else if (!rule.writes) hint = rule.text;
  else if (live.state === "offline" || live.state === "reconnecting")
    hint = (t("No connection right now: ideas you send wait on this phone and go out when it is back.") + " " + rule.text).trim();
  else hint = (rule.text + " " + (TOUCH.matches ? t("Tap Send when it is ready.") : t("Press Enter to send. Shift+Enter for a new line."))).trim();
  const hintEl = $("#idea-hint");
  if (hintEl.textContent !== hint) hintEl.textContent = hint;
}

// --- drafts: what is typed in the box survives a reload, per event and step -------------------
// Kept in localStorage under wholeroom:<event>:draft:<step>. A sent idea moves to the outbox (live.js),
// which keeps it until the server acknowledges it; its draft remembers its client_id and is
// dropped once the outbox no longer holds it. A draft typed for a step that ended follows the
// person to the next step, so nothing half-typed is lost when the facilitator moves on.

const DRAFT_PREFIX = `wholeroom:${eventId}:draft:`;
let draftStep = null; // the step the box's text is kept under

function readDraft(stepId) {
  try {
    return JSON.parse(localStorage.getItem(DRAFT_PREFIX + stepId) || "null");
  } catch {
    return null;
  }
}

function writeDraft(stepId, draft) {
  try {
    if (draft) localStorage.setItem(DRAFT_PREFIX + stepId, JSON.stringify(draft));
    else localStorage.removeItem(DRAFT_PREFIX + stepId);
  } catch {
    // storage full or off: the box still works, without surviving a reload
  }
}

/** Every draft of this event on this phone: [[step id, draft]]. */
function allDrafts() {
  const out = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith(DRAFT_PREFIX)) out.push([key.slice(DRAFT_PREFIX.length), readDraft(key.slice(DRAFT_PREFIX.length))]);
    }
  } catch {
    // no storage
  }
  return out;
}

function sentAndGone(draft) {
  return Boolean(draft && draft.client_id && !live.outbox().some((item) => item.client_id === draft.client_id));
}

/** When the step changes: carry the box's text to it, or put back the draft kept for it. */
function syncDraft(step) {
  const stepId = step ? step.id : null;
  if (stepId === draftStep || !view.ready) return;
  const previous = draftStep;
  draftStep = stepId;
  if (!stepId) return;
  if (textArea.value.trim()) {
    writeDraft(stepId, { text: textArea.value, at: Date.now() });
    if (previous) writeDraft(previous, null);
    return;
  }
  // this step's draft, else the latest typed for an earlier step (then kept under this one)
  const drafts = allDrafts().filter(([, d]) => d && d.text && !d.client_id);
  drafts.sort((a, b) => (a[0] === stepId ? -1 : b[0] === stepId ? 1 : (b[1].at || 0) - (a[1].at || 0)));
  for (const [id, d] of allDrafts()) if (sentAndGone(d)) writeDraft(id, null);
  if (!drafts.length) return;
  const [fromStep, draft] = drafts[0];
  textArea.value = draft.text;
  if (fromStep !== stepId) {
    writeDraft(stepId, { text: draft.text, at: draft.at || Date.now() });
    writeDraft(fromStep, null);
  }
}

function saveDraft() {
  if (!draftStep) return;
  writeDraft(draftStep, textArea.value.trim() ? { text: textArea.value, at: Date.now() } : null);
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
        h("p", { class: "idea-text", dir: "auto", text: item.text }),
        h("p", { class: "idea-meta" }, h("span", { class: "tag", text: t("Waiting to send") }), h("span", { class: "note" }))),
    );
    const tag = item.sending && live.state === "live" ? t("Sending…") : t("Waiting to send");
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
        h("p", { class: "idea-text", dir: "auto", text: idea.text }),
        h("p", { class: "idea-meta" }, mine ? h("span", { class: "tag", text: t("You") }) : null,
          idea.visibility === "private" ? h("span", { class: "tag", text: t("only you see this") }) : null,
          idea.visibility === "group" ? h("span", { class: "tag", text: t("your group sees this") }) : null,
          h("span", { class: "tag waiting", text: mine ? waitingFor(idea) : t("waiting for you to let it through") })),
        mine ? null : letThrough(idea),
        themeLine(idea.id),
      ),
    );
    const textEl = li.querySelector(".idea-text");
    if (textEl.textContent !== idea.text) textEl.textContent = idea.text;
    li.querySelector(".waiting").hidden = !idea.pending;
    const moderate = li.querySelector(".moderate");
    if (moderate) moderate.hidden = !idea.pending;
    drawThemeLine(li, idea);
    nodes.push(li);
  }
  // forget elements no longer shown
  const keep = new Set(nodes);
  for (const [key, li] of ideaEls) if (!keep.has(li)) ideaEls.delete(key);
  reconcile($("#ideas"), nodes);
  $("#ideas-empty").hidden = nodes.length > 0;
}

/** For a table's moderating role (a host), an idea waiting at their table: "Let through" (one they
 * would rather not let through stays waiting for the facilitator, who may hide it). */
function letThrough(idea) {
  const status = $("#ideas-status");
  const approve = () =>
    live.send({ type: "idea.approve", idea_id: idea.id }).then(() => say(status, t("Let through to the table and the wall."), "ok"), (err) => say(status, err.message, "error"));
  return h("p", { class: "row moderate", hidden: !idea.pending },
    h("button", { type: "button", class: "small primary", text: t("Let through"), "aria-label": t("Let through: {idea}", { idea: (idea.text || "").slice(0, 60) }), on: { click: approve } }));
}

// --- themes: the theme an idea landed in, and "Doesn't belong here?" ----------------------------

function flagState(ideaId) {
  if (!flagForms.has(ideaId)) flagForms.set(ideaId, { open: false, status: "", kind: "info" });
  return flagForms.get(ideaId);
}

/** Under an idea: "Theme: <label>" and a small action that opens a one-line form (built once per idea). */
function themeLine(ideaId) {
  const reasonId = `flag-reason-${ideaId}`;
  const reason = h("input", {
    id: reasonId, type: "text", maxlength: String(FLAG_REASON_MAX), autocomplete: "off", enterkeyhint: "send", class: "flag-reason",
  });
  const form = h("form", { class: "flag-form", hidden: true, novalidate: true },
    h("label", { for: reasonId, class: "flag-label" }, t("Why doesn't it belong?"), " ", h("span", { class: "muted", text: t("(optional)") })),
    reason,
    h("div", { class: "row" },
      h("button", { type: "submit", class: "primary flag-send", text: t("Send flag") }),
      h("button", { type: "button", class: "flag-cancel", text: t("Cancel") })));
  const open = h("button", { type: "button", class: "link-button flag-open", "aria-expanded": "false", text: t("Doesn't belong here?") });
  const message = h("p", { class: "message flag-message", role: "status", "aria-live": "polite", tabindex: "-1" });
  const box = h("div", { class: "idea-theme", hidden: true },
    h("p", { class: "idea-theme-line" },
      h("span", { class: "idea-theme-label" }, ...tNodes("Theme: {theme}", { theme: h("bdi", { class: "idea-theme-name" }) })),
      open),
    form,
    message);
  const close = () => {
    flagState(ideaId).open = false;
    renderIdeas();
    open.focus();
  };
  open.addEventListener("click", () => {
    const state = flagState(ideaId);
    state.open = !state.open;
    state.status = "";
    renderIdeas();
    if (state.open) reason.focus();
  });
  form.querySelector(".flag-cancel").addEventListener("click", close);
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const where = view.ideaThemes[ideaId];
    const state = flagState(ideaId);
    const send = form.querySelector(".flag-send");
    send.disabled = true;
    const command = { type: "theme.flag", idea_id: ideaId };
    if (where) command.theme_id = where.theme_id;
    const why = reason.value.trim();
    if (why) command.reason = why;
    try {
      await live.send(command);
      view.flagged.add(ideaId);
      Object.assign(state, { open: false, status: t("Flag sent: the facilitator will look."), kind: "ok" });
    } catch (err) {
      if (err.code === "already_flagged") {
        view.flagged.add(ideaId);
        Object.assign(state, { open: false, status: t("You have already flagged this idea: the facilitator will look."), kind: "info" });
      } else {
        Object.assign(state, { status: err.message || t("Not sent. Try again."), kind: "error" });
      }
    } finally {
      send.disabled = false;
    }
    renderIdeas();
    if (!state.open && message.isConnected) message.focus(); // the form is gone: focus its answer
  });
  return box;
}

function drawThemeLine(li, idea) {
  const box = li.querySelector(".idea-theme");
  if (!box) return;
  const where = view.ideaThemes[idea.id]; // only themes that have settled (the server says which)
  const state = flagState(idea.id);
  const flagged = view.flagged.has(idea.id);
  const revealed = Boolean(view.event && view.event.themes_revealed); // the facilitator shows the themes
  const status = state.status || (flagged ? t("Flag sent: the facilitator will look.") : "");
  box.hidden = !where && !status;
  const name = box.querySelector(".idea-theme-name");
  const label = where ? where.label : "";
  if (name.textContent !== label) name.textContent = label;
  box.querySelector(".idea-theme-line").hidden = !where;
  const open = box.querySelector(".flag-open");
  open.hidden = flagged || !revealed;
  open.setAttribute("aria-expanded", String(Boolean(state.open && !flagged && revealed)));
  open.setAttribute("aria-label", where ? t("Doesn't belong here? (theme “{theme}”)", { theme: label }) : t("Doesn't belong here?"));
  box.querySelector(".flag-form").hidden = !(state.open && !flagged && where && revealed);
  const message = box.querySelector(".flag-message");
  if (message.textContent !== status) message.textContent = status;
  message.dataset.kind = state.status ? state.kind : "ok";
}

function failedItem(item) {
  const li = h("li", { class: "failed", role: "alert", dataset: { clientId: item.client_id } },
    h("p", { class: "idea-meta" }, h("span", { class: "tag", text: t("Not sent") }), h("span", { text: item.error ? item.error.message : "" })),
    h("p", { class: "idea-text", dir: "auto", text: item.text }),
  );
  const actions = h("div", { class: "row" },
    h("button", {
      type: "button", text: t("Copy text"),
      on: { click: async (e) => { e.target.textContent = (await copyText(item.text)) ? t("Copied") : t("Select and copy the text above"); } },
    }),
    h("button", {
      type: "button", text: t("Put back in the box"),
      on: {
        click: () => {
          textArea.value = item.text;
          live.dismiss(item.client_id);
          saveDraft();
          renderIdeaBox();
          if (!textArea.disabled) textArea.focus();
        },
      },
    }),
    h("button", { type: "button", text: t("Dismiss"), on: { click: () => live.dismiss(item.client_id) } }),
  );
  li.append(actions);
  return li;
}

/** "Where you come from": the parts of the system the event declared, mine ticked (collapsed). */
function renderMyParts(force = false) {
  const parts = (view.event && view.event.parts) || [];
  $("#parts-panel").hidden = !parts.length;
  const box = $("#my-parts-choice");
  if (!parts.length) return box.replaceChildren();
  if ($("#my-parts").open && !force && box.firstChild) return; // being changed: leave the ticks alone
  box.replaceChildren(partsChoice(parts, view.me.parts || [], {
    legend: t("Your parts of the system"),
    hint: t("Tick all that apply. Only the facilitator sees it; your ideas are never labelled with it."),
  }));
}

function renderAll() {
  renderMyParts(true);
  renderHeader();
  renderStep();
  renderIdeas();
  renderEnd();
}

const redrawIdeas = batched(renderIdeas);
const redrawStep = batched(renderStep);
const redrawScript = batched(renderScript);

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
  else if (entry.kind.startsWith("vote.") || entry.kind.startsWith("topic.") || entry.kind === "participant.role_set") redrawScript();
  else if (entry.kind.startsWith("event.") || entry.kind.startsWith("followup.")) renderEnd();
  else redrawIdeas();
});
live.on("results", (msg) => {
  view.applyResults(msg);
  redrawScript();
});
live.on("action_groups", (msg) => {
  // every group's counts: the joins and leaves of groups I am not in are not sent to me
  view.actionGroups = msg.groups || [];
  renderActions();
});
live.on("idea_themes", (msg) => {
  view.ideaThemes = msg.themes || {};
  redrawIdeas();
});
live.on("outbox", () => {
  // a draft sent on an earlier visit: gone from the outbox means acknowledged (or dismissed)
  if (draftStep && sentAndGone(readDraft(draftStep))) writeDraft(draftStep, null);
  redrawIdeas();
});
live.on("state", () => {
  renderIdeaBox();
  redrawIdeas();
});
live.on("fatal", (err) => {
  if (err.code === "open_elsewhere") {
    // the same link was opened on too many screens: this one was closed, the newer ones work
    showBlocker(t("Open in another tab"), err.message, { href: location.href, text: t("Use it here") });
    return;
  }
  if (err.code === "removed") {
    forgetSession(eventId);
    showBlocker(t("You were removed"), err.message || t("The facilitator removed you from this event."));
    return;
  }
  if (err.code === "token_expired" && (view.event.closed_at || cachedMine())) {
    // the event ended and its links expired: the end screen, from what this phone kept. The link
    // is kept: a follow-up round weeks later opens it again
    renderEnd(cachedMine() || { ideas: [] });
    return;
  }
  if (["bad_token", "token_expired", "missing_token", "other_event"].includes(err.code)) forgetSession(eventId);
  const code = view.event.join_code || session.join_code || "";
  showBlocker(t("Please join again"), err.message || t("This phone's link to the event is no longer valid."), {
    href: `/join${code ? `?code=${encodeURIComponent(code)}` : ""}`,
    text: t("Join again"),
  });
});

textArea.addEventListener("input", () => {
  saveDraft();
  renderIdeaBox();
});
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
  const clientId = newClientId();
  // the outbox keeps the idea now; its draft goes once the server has acknowledged it
  writeDraft(step.id, { text: textArea.value, at: Date.now(), client_id: clientId });
  live.send({ type: "idea.submit", text, step_id: step.id, client_id: clientId }).then(() => {
    const kept = readDraft(step.id);
    if (kept && kept.client_id === clientId) writeDraft(step.id, null);
  }, () => {}); // a refused idea stays in the list as "Not sent", with "Put back in the box"
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
    say(msg, t("You are already at this table."), "info");
    return;
  }
  $("#move-button").disabled = true;
  say(msg, t("Moving…"));
  ownMove = tableId;
  try {
    await live.send({ type: "participant.seat", table_id: tableId });
    say(msg, tNodes("You moved to {table}.", { table: bdi(tableName(tableId)) }), "ok");
    $("#move").open = false;
  } catch (err) {
    say(msg, err.message, "error");
  } finally {
    $("#move-button").disabled = false;
  }
});

$("#my-parts-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const msg = $("#my-parts-message");
  const set = $("#my-parts-choice fieldset");
  if (!set) return;
  $("#my-parts-button").disabled = true;
  say(msg, t("Saving…"));
  try {
    await live.send({ type: "participant.parts_set", parts: chosenParts(set) });
    say(msg, t("Saved."), "ok");
  } catch (err) {
    say(msg, err.message, "error");
  } finally {
    $("#my-parts-button").disabled = false;
  }
});

$("#action-convene").addEventListener("click", (e) => {
  if (view.myAction) actionSend(e.target, { type: "action.convene", group_id: view.myAction.id });
});
$("#action-leave").addEventListener("click", (e) => {
  if (view.myAction) actionSend(e.target, { type: "action.leave", group_id: view.myAction.id });
});
$("#contact-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const email = $("#contact-email").value.trim();
  if (!email) {
    say($("#contact-message"), t("Type your email first (name@example.org)."), "error");
    return;
  }
  shareContact(email);
});
$("#contact-stop").addEventListener("click", () => shareContact(null));

$("#move-ok").addEventListener("click", () => {
  view.moveCard = null;
  redrawScript();
  $("#idea-text").focus();
});

// the page's language set anew: a script step in several languages is shown again in it
onLanguageChange(() => renderAll());

renderAll();
live.start();
