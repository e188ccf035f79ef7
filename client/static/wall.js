// The projector wall: the room's question, a big countdown, how to join, ideas arriving by table;
// for a facilitation script also a vote (its options and turnout while it runs, every option's
// result once revealed), the marketplace grid, a harvest's contributions as they come, and a big
// notice when a rotation moves people. Themes (a list and a map of the ideas) during a cluster step,
// or whenever the operator presses T. Full screen: the join slide (when the facilitator puts it up)
// and an end screen (when the event closes or the script finishes).
//
// Everything is made to fit its box, measured here in the browser (fit.js): type scales down within
// bounds, lists stop where they stop fitting and say how many more there are, and a text too long
// even at the smallest size is shortened at a word with "…". Facilitator explanations stay on the
// console: the wall says what the room needs to read.
import { marketGrid, voteResults } from "./charts.js";
import { anyOverflow, countFitting, moreText, overflows, scaleToFit, shortenToFit } from "./fit.js";
import * as ground from "./ground.js";
import { followEventLanguage, localResults, localStep } from "./language.js";
import { Live } from "./live.js";
import { presenceView } from "./parts.js";
import { StaffModel } from "./model.js";
import * as themes from "./themes.js";
import { $, batched, bdi, bindBadge, h, isolate, reconcile, showBlocker, showQr, staffToken, startClocks } from "./ui.js";
import { rotationWords } from "./words.js";
import { t, tn, tNodes } from "./i18n.js";

const eventId = document.body.dataset.eventId;
const token = staffToken(eventId, "wall");
const HIGHLIGHT_MS = 4000;

if (!token) {
  showBlocker(t("This page needs its link"), t("Open the wall with the full link you got when the event was created (it ends with #token=…)."));
  throw new Error("no token");
}

const live = new Live({ token });
const model = new StaffModel();
// the fold's state, a copy (tests compare it with the server's snapshot for this screen)
window.__wholeroomState = () => model.state();
const arrived = new Map(); // idea id -> when it arrived live (for the highlight)
const tableEls = new Map();
const ideaEls = new Map();

const PER_TABLE = 12; // at most this many ideas per table in the page: as many as fit show, then "+N more"
const PAGE_SIZE = 15; // more tables than this: show them a page at a time (5 x 3: two or three ideas each)
const PAGE_MS = 15_000;
let page = 0;


/** Columns and rows so that every table on screen fits without scrolling. */
function layout(n) {
  if (n <= 4) return [Math.max(n, 1), 1];
  if (n <= 6) return [3, 2];
  if (n <= 8) return [4, 2];
  if (n <= 10) return [5, 2];
  if (n <= 12) return [4, 3];
  return [5, 3];
}

function joinUrl() {
  return `${location.host}/join`;
}

function renderHead() {
  const ev = model.event;
  const title = $("#event-title");
  if (title.dataset.full !== ev.title) {
    title.dataset.full = ev.title || "";
    title.textContent = ev.title;
  }
  document.title = t("Wall · {event}", { event: isolate(ev.title || "Wholeroom") });
  for (const id of ["#join-code", "#join-slide-code"]) $(id).textContent = ev.join_code;
  for (const id of ["#join-url", "#join-slide-url"]) $(id).textContent = joinUrl();
  for (const id of ["#join-qr", "#join-slide-qr"]) {
    if (!$(id).getAttribute("src")) showQr($(id), `/api/events/${encodeURIComponent(eventId)}/qr.svg`);
  }
}

// --- full-screen slides: joining, and the end ---------------------------------------------------

/** The event is over (closed), or the script has finished and nothing came after it. */
function ended() {
  return Boolean(model.event.closed_at) || Boolean(model.flow && model.flow.kind === "session.finished");
}

function slideShown() {
  if (model.event.wall_slide === "join") return "join";
  if (model.event.wall_slide === "room") return "room";
  if (ended()) return "end";
  return null;
}

function renderSlides() {
  const slide = slideShown();
  if (slide) document.body.dataset.slide = slide;
  else delete document.body.dataset.slide;
  $("#join-slide").hidden = slide !== "join";
  $("#end-slide").hidden = slide !== "end";
  $("#room-slide").hidden = slide !== "room";
  if (slide === "room") {
    $("#room-table").replaceChildren(presenceView(model.partsPresence || {}, model.parts, [...model.tables.values()]));
  }
  if (slide === "end") {
    const ideas = [...model.ideas.values()].filter((i) => !i.hidden && i.text != null);
    const tables = new Set(ideas.map((i) => i.table_id)).size;
    const people = Object.values(model.joined).reduce((a, b) => a + b, 0);
    $("#end-title").textContent = model.event.title || "";
    $("#end-counts").textContent = ideas.length
      ? t("{ideas} from {tables}", { ideas: tn("{n} idea", "{n} ideas", ideas.length), tables: tn("{n} table", "{n} tables", tables) })
        + "\n" + tn("{n} person took part", "{n} people took part", people)
      : people ? tn("{n} person took part", "{n} people took part", people) : "";
  }
  return slide;
}

/** The slide's words as large as fit beside (or under) its QR code. */
function fitSlide(slide) {
  const text = { join: $("#join-slide-text"), room: $("#room-slide-text") }[slide] || $("#end-slide-text");
  if (slide === "end") shortenToFit($("#end-title"), model.event.title || "", () => !overflows($("#end-title")));
  // as large as the screen allows: up to three times the wall's type
  scaleToFit(text, () => !anyOverflow(text), { min: 0.3, max: slide === "join" ? 3 : 2, steps: 9 });
}

// --- the question ----------------------------------------------------------------------------------

function renderQuestion() {
  const step = localStep(model.mainStep());
  const question = $("#question");
  const clock = $("#clock");
  const title = $("#step-title");
  const titleText = step && step.spec && step.spec.title && step.spec.title !== step.text ? step.spec.title : "";
  title.hidden = !titleText;
  title.dataset.full = titleText;
  if (!step) {
    question.dataset.full = t("Welcome! The first question will appear here.");
    question.classList.add("waiting");
    clock.removeAttribute("data-step-clock");
    clock.textContent = "";
    return;
  }
  question.classList.remove("waiting");
  question.dataset.full = step.text;
  // while a cluster step shows the themes (facilitator-only: no table's step), its clock counts
  const latest = latestStep();
  const timed = latest && (latest.kind === "cluster" || latest.kind === "harvest") && themesShown() ? latest : step;
  clock.dataset.stepClock = timed.id;
}

/** The question as large as fits its box (up to 3 em), shortened at a word only if it cannot fit. */
function fitHead() {
  const title = $("#event-title");
  shortenToFit(title, title.dataset.full || "", () => !overflows(title));
  const stepTitle = $("#step-title");
  if (!stepTitle.hidden) shortenToFit(stepTitle, stepTitle.dataset.full || "", () => !overflows(stepTitle));
  const question = $("#question");
  const text = question.dataset.full || "";
  if (question.textContent !== text || question.title) {
    question.textContent = text;
    question.removeAttribute("title");
  }
  const fits = () => !overflows(question);
  if (!scaleToFit(question, fits, { min: 1.1, max: 3 })) shortenToFit(question, text, fits);
  const join = $(".wall-join");
  scaleToFit(join, () => !anyOverflow(join), { min: 0.5, max: 1 });
}

// --- ideas by table ------------------------------------------------------------------------------------

function ideaEl(idea) {
  let li = ideaEls.get(idea.id);
  if (!li) {
    // an idea reads in its own direction (dir=auto: an Arabic one right-aligned on an English
    // wall), its language tag at its start; the tag has a direction of its own, so that "AR"
    // does not make an Arabic idea left to right
    li = h("li", { dataset: { ideaId: idea.id }, dir: "auto" },
      h("span", { class: "idea-lang", dir: "ltr", hidden: true }), h("span", { class: "idea-words", text: idea.text }));
    ideaEls.set(idea.id, li);
  }
  const words = li.querySelector(".idea-words");
  if (words.textContent !== idea.text || words.title) {
    words.textContent = idea.text;
    words.removeAttribute("title");
  }
  const lang = model.langOf(idea.id); // a small tag and the language the idea is read in
  if ((li.dataset.lang || "") !== lang) {
    const tag = li.querySelector(".idea-lang");
    tag.textContent = lang;
    tag.hidden = !lang;
    if (lang) {
      li.dataset.lang = lang;
      li.lang = lang;
    } else {
      delete li.dataset.lang;
      li.removeAttribute("lang");
    }
  }
  const at = arrived.get(idea.id);
  li.classList.toggle("arrived", Boolean(at && Date.now() - at < HIGHLIGHT_MS));
  return li;
}

function renderTables() {
  if ($("#tables").hidden) return;
  const byTable = new Map([...model.tables.keys()].map((id) => [id, []]));
  for (const idea of model.ideas.values()) {
    if (idea.hidden || idea.text == null) continue; // the wall never shows hidden ideas
    if (!byTable.has(idea.table_id)) byTable.set(idea.table_id, []);
    byTable.get(idea.table_id).push(idea);
  }
  const ids = [...byTable.keys()];
  const pages = Math.max(1, Math.ceil(ids.length / PAGE_SIZE));
  page %= pages;
  const shown = ids.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const [cols, rows] = layout(shown.length);
  const grid = $("#tables");
  grid.style.setProperty("--cols", String(cols));
  grid.style.setProperty("--rows", String(rows));
  grid.style.setProperty("--idea-size", ["1.3em", "1.1em", "1em"][rows - 1]);
  $("#page-note").textContent =
    pages > 1 ? t("Tables {first}–{last} of {n}", { first: page * PAGE_SIZE + 1, last: page * PAGE_SIZE + shown.length, n: ids.length }) : "";
  const sections = [];
  for (const tableId of shown) {
    const ideas = byTable.get(tableId);
    let section = tableEls.get(tableId);
    if (!section) {
      section = h("section", { class: "wall-table", dataset: { tableId } },
        h("h2", {}, h("span", { class: "name", dir: "auto" }), h("span", { class: "here" })),
        h("ul", { class: "wall-ideas" }),
        h("p", { class: "wall-more" }));
      tableEls.set(tableId, section);
    }
    section.querySelector(".name").textContent = model.tableName(tableId);
    const here = model.connected[tableId] ?? 0;
    section.querySelector(".here").textContent = t("{n} here", { n: here }) + " · " + tn("{n} idea", "{n} ideas", ideas.length);
    ideas.sort((a, b) => b.seq - a.seq);
    section.dataset.total = String(ideas.length);
    reconcile(section.querySelector("ul"), ideas.slice(0, PER_TABLE).map(ideaEl));
    sections.push(section);
  }
  reconcile(grid, sections);
  fitTiles(sections, byTable);
  for (const id of ideaEls.keys()) {
    const idea = model.ideas.get(id);
    if (!idea || idea.hidden) ideaEls.delete(id);
  }
}

/**
 * Each table shows its newest ideas that fit, then "+N more": all measured first (one layout),
 * then cut. A table whose newest idea alone is too long for it shows that idea shortened at a word.
 */
function fitTiles(sections, byTable) {
  const fitting = sections.map((section) => countFitting(section.querySelector("ul")));
  sections.forEach((section, i) => {
    const list = section.querySelector("ul");
    const total = Number(section.dataset.total);
    while (list.children.length > fitting[i]) list.lastElementChild.remove();
    if (fitting[i] === 0 && total > 0) {
      const newest = byTable.get(section.dataset.tableId)[0];
      const li = ideaEl(newest);
      list.append(li);
      shortenToFit(li.querySelector(".idea-words"), newest.text, () => countFitting(list) === 1 && !overflows(li));
      fitting[i] = 1;
    }
    section.querySelector(".wall-more").textContent = total === 0 ? t("No ideas yet") : moreText(total - fitting[i]);
  });
}

// --- script steps: a vote, the marketplace, a harvest, a rotation ---------------------------------------

/** Results may be shown on the wall: a live vote, or one that has ended (protocol: "once revealed"). */
function revealed(step) {
  return (step.spec || {}).reveal === "live" || step.status === "ended";
}

/** The latest vote (revealed, with results) or marketplace a harvest draws on, as a feature, or null. */
function harvestSource(step) {
  const session = model.sessions.get(step.session_id);
  const sources = (step.spec && step.spec.sources) || [];
  for (const id of [...sources].reverse()) {
    const row = session && session.runsheet.find((r) => r.id === id);
    const source = row && row.step_id ? localStep(model.steps.get(row.step_id)) : null;
    if (source && source.kind === "vote" && revealed(source) && model.results.has(source.id)) return { type: "vote", step: source };
    if (source && source.kind === "signup") return { type: "market", step: source };
  }
  return null;
}

/** Whether a harvest step collects contributions from the room. */
function collects(step) {
  const capture = step && step.spec && step.spec.capture;
  return Boolean(step && (step.collect_ideas || (capture && capture.who !== "none")));
}

/** What the wall shows instead of the ideas for `step`, or null for the ideas. */
function featureFor(step) {
  if (!step || !step.kind) return null;
  if (step.kind === "rotate" && step.status === "active") return { type: "rotate", step };
  if (step.kind === "react") return { type: "ground", step };
  if (step.kind === "signup") return { type: "market", step };
  if (step.kind === "vote") return { type: "vote", step };
  if (step.kind === "harvest") {
    const source = harvestSource(step);
    if (collects(step)) return { type: "harvest", step, source };
    return source;
  }
  return null;
}

/** A harvest's contributions the wall may show, newest first. */
function contributions(step) {
  return [...model.ideas.values()]
    .filter((i) => i.step_id === step.id && !i.hidden && i.text != null)
    .sort((a, b) => b.seq - a.seq);
}
let featureKey = "";
let groundSeq = 0; // counts common_ground messages (a new analysis may keep the same totals)
let themesSeq = 0; // counts themes messages
// the operator's choice (key T, or the small button): {stepId, on} holds until the next step
let themesToggle = null;
const colours = new Map(); // theme id -> colour: a theme keeps its colour while the themes reorder
const subColours = new Map(); // the same for the sub-themes of the theme looked at closely
// a theme looked at more closely (its name clicked, or its number pressed): its sub-themes
const drill = new themes.Drill(eventId, token, () => {
  drillSeq += 1;
  renderLater();
});
let drillSeq = 0;

function hiddenCount() {
  let n = 0;
  for (const idea of model.ideas.values()) if (idea.hidden) n += 1;
  return n;
}

/** The wall never lists a hidden idea, nor one it does not know. */
function shownOnWall(id) {
  const idea = model.ideas.get(id);
  return Boolean(idea && !idea.hidden && idea.text != null);
}

/** People, reactions and ideas: the counts line without the analysis's own terms. */
function roomCounts(a) {
  const on = t("{reactions} on {ideas}", {
    reactions: tn("{n} reaction", "{n} reactions", a.reactions), ideas: tn("{n} idea", "{n} ideas", a.ideas),
  });
  return tn("{n} person reacted", "{n} people reacted", a.participants) + " · " + on;
}

/** The console's explanation of an empty list (its thresholds) replaced by plain words for the room. */
function plainEmpty(box, words) {
  const empty = box.querySelector(".empty");
  if (empty) empty.textContent = words;
  return box;
}

/** Common ground for the projector: the map big, what every group supports, what sets each apart. */
function groundView(a) {
  const keep = shownOnWall;
  const summary = h("p", { class: "wg-summary" },
    a && a.level === "groups" ? h("span", { class: "wg-headline", text: ground.headline(a) }) : null,
    a && a.level === "groups" ? " " : null,
    h("span", { class: "wg-counts", text: a ? roomCounts(a) : t("No reactions yet.") }));
  if (!a) {
    return h("div", { class: "wall-ground", dataset: { level: "none" } }, summary,
      h("p", { class: "wg-notice", text: t("Common ground appears as people react.") }));
  }
  if (a.level !== "groups") {
    // the analysis's notice (its thresholds) is for the console: the room reads a plain line
    const map = a.level === "undivided" ? ground.opinionMap(a, { big: true }) : null;
    const words = a.level === "undivided" ? t("No separate opinion groups stand out: the room as a whole.") : t("Common ground appears as people react.");
    return h("div", { class: "wall-ground", dataset: { level: a.level } }, summary,
      h("p", { class: "wg-notice", text: words }),
      h("div", { class: map ? "wg-grid" : "wg-single" },
        map ? h("div", { class: "wg-map" }, map) : null,
        h("section", { class: "wg-col", "aria-label": t("Tallies per idea") },
          h("h3", { text: t("Answers so far") }),
          ground.tallies(a, { limit: map ? 6 : 10, keep }))));
  }
  const view = a.opinion;
  return h("div", { class: "wall-ground", dataset: { level: a.level, groups: String(view.parts.length) } }, summary,
    h("div", { class: "wg-grid wg-three" },
      h("div", { class: "wg-map" }, ground.opinionMap(a, { big: true })),
      h("section", { class: "wg-col wg-common" },
        h("h3", { text: t("Every group agrees") }),
        h("p", { class: "wg-hint", text: t("Share of each group that agrees") }),
        plainEmpty(ground.commonGround(view, "opinion", { limit: 3, keep, short: true }), t("Nothing has every group's support yet."))),
      h("section", { class: "wg-col wg-diff" },
        h("h3", { text: t("What sets each group apart") }),
        ground.differences(view, "opinion", { limit: 1, keep, compact: true }))));
}

/** The step pushed last (a facilitator-only cluster step is no table's step, yet it is the moment),
 * in the wall's language (the event's: a script in several languages carries them all). */
function latestStep() {
  let latest = null;
  for (const step of model.steps.values()) if (!latest || step.seq > latest.seq) latest = step;
  return localStep(latest);
}

/**
 * Whether the themes view is up: by T, or during a cluster step or a harvest that shows no vote or
 * marketplace, once the server has sent themes (a server with themes off never does: the ideas by
 * table stay).
 */
function themesShown() {
  const latest = latestStep();
  if (themesToggle && themesToggle.stepId === (latest ? latest.id : null)) return themesToggle.on;
  if (!model.themes) return false;
  return Boolean(latest && (latest.kind === "cluster" || (latest.kind === "harvest" && !featureFor(latest))));
}

function toggleThemes() {
  const latest = latestStep();
  themesToggle = { stepId: latest ? latest.id : null, on: !themesShown() };
  renderLater();
}

function openDrill(themeId) {
  drill.open(themeId);
  subColours.clear();
  drill.follow((model.themes && model.themes.themes || []).find((tb) => tb.id === themeId) || null);
  renderLater();
}

function closeDrill() {
  if (!drill.themeId) return;
  drill.close();
  drillSeq += 1;
  renderLater();
}

/** The themes view: the list (label, breadth, examples) beside the map. */
function themesView(view) {
  const keep = shownOnWall;
  const summary = h("p", { class: "wth-summary", text: view ? themes.counts(view, keep) : "" });
  if (!view || !themes.shownThemes(view, keep).length) {
    return h("div", { class: "wall-themes", dataset: { state: "empty" } }, summary,
      h("p", { class: "wg-notice", text: t("Themes appear as ideas arrive.") }));
  }
  const text = (id) => (model.ideas.get(id) || {}).text || "";
  const shown = themes.shownThemes(view, keep);
  const open = drill.themeId ? shown.findIndex((tb) => tb.id === drill.themeId) : -1;
  if (open >= 0) return drillView(view, shown[open], open, text);
  return h("div", { class: "wall-themes" }, summary,
    h("div", { class: "wth-grid" },
      h("section", { class: "wth-col", "aria-label": t("Themes, biggest first") }, themes.themeList(view, { keep, text, colours, drill: openDrill })),
      h("div", { class: "wth-map" }, themes.themeMap(view, { keep, colours }))));
}

/** One theme more closely: its sub-themes listed beside the map of its ideas, coloured by sub-theme. */
function drillView(view, theme, index, text) {
  const keep = shownOnWall;
  const data = drill.data;
  const parts = data ? data.subthemes : [];
  const words = drill.error
    ? t("Could not look closer: {error}", { error: drill.error })
    : !data ? t("Looking closer…") : parts.length ? t("{subthemes} of {ideas}", {
      subthemes: tn("{n} sub-theme", "{n} sub-themes", parts.length), ideas: tn("{n} idea", "{n} ideas", theme.idea_ids.length),
    }) : data.note;
  const back = h("button", { type: "button", class: "wall-toggle wth-back", text: t("All themes (Esc)"), on: { click: closeDrill } });
  const head = h("div", { class: "wth-drill-head" },
    h("p", { class: "wth-summary" }, ...tNodes("Theme {i}, {label}, more closely: {words}", { i: index + 1, label: bdi(theme.label), words })), back);
  const subview = { themes: parts, unthemed: [], positions: view.positions };
  const body = parts.length
    ? h("div", { class: "wth-grid" },
      h("section", { class: "wth-col", "aria-label": t("Sub-themes of {label}, biggest first", { label: theme.label }) }, themes.themeList(subview, { keep, text, colours: subColours })),
      h("div", { class: "wth-map" }, themes.themeMap(subview, { keep, colours: subColours })))
    : h("div", { class: "wth-grid" },
      h("section", { class: "wth-col", "aria-label": theme.label }, themes.themeList({ ...view, themes: [theme] }, { keep, text, colours })),
      h("div", { class: "wth-map" }, themes.themeMap({ ...view, themes: [theme], unthemed: [] }, { keep, colours })));
  return h("div", { class: "wall-themes", dataset: { drill: theme.id } }, head, body);
}

/** A vote while it runs: its options, numbered, and how many have voted (never what: the ballot is secret). */
function voteOpenView(step) {
  const count = model.turnout.get(step.id) || { voters: 0, eligible: null };
  const options = step.options || [];
  const share = count.eligible ? Math.min(1, count.voters / count.eligible) : 0;
  const bar = h("div", { class: "wv-bar" });
  bar.style.width = `${(100 * share).toFixed(1)}%`;
  return h("div", { class: "wall-vote", dataset: { state: "open", stepId: step.id } },
    h("section", { class: "wv-col", "aria-label": t("Options") },
      h("ol", { class: "wv-options" }, options.map((o, i) => h("li", { dataset: { optionId: o.id } },
        h("span", { class: "wv-num", "aria-hidden": "true", text: String(i + 1) }),
        h("span", { class: "wv-text", text: o.text })))),
      h("p", { class: "wall-more" })),
    h("section", { class: "wv-turnout", "aria-label": t("Turnout"), dataset: { voters: String(count.voters) } },
      h("p", { class: "wv-count", text: count.eligible ? t("{n} of {total}", { n: count.voters, total: count.eligible }) : String(count.voters) }),
      h("p", { class: "wv-label", text: tn("has voted", "have voted", count.voters) }),
      h("div", { class: "wv-track", "aria-hidden": "true" }, bar),
      h("p", { class: "wv-note", text: t("Results when the vote ends") })));
}

/** A list's items from the first, as many as fit, then "+N more" in `more` (the list must be bounded). */
function cutList(list, more, what = "") {
  const total = list.children.length;
  const n = countFitting(list);
  while (list.children.length > Math.max(n, 1)) list.lastElementChild.remove();
  const first = list.firstElementChild;
  if (n === 0 && first) {
    const text = first.querySelector(".wv-text, .wh-text") || first;
    shortenToFit(text, text.textContent, () => countFitting(list) === 1 && !anyOverflow(first));
  }
  if (more) more.textContent = moreText(total - list.children.length, what);
}

function fitVoteOpen(body) {
  const col = body.querySelector(".wv-col");
  const list = body.querySelector(".wv-options");
  if (!scaleToFit(col, () => !anyOverflow(col), { min: 0.55, max: 1 })) cutList(list, col.querySelector(".wall-more"), "options");
  const turnout = body.querySelector(".wv-turnout");
  scaleToFit(turnout, () => !anyOverflow(turnout), { min: 0.4, max: 1 });
}

/** A revealed vote: every option's result; type shrinks first, and only then is the list cut (with a count). */
function resultsView(step, limit = Infinity) {
  const spec = step.spec || {};
  const results = model.results.get(step.id) || { step_id: step.id, method: spec.method, voters: 0, options: step.options || [] };
  return h("div", { class: "wall-results" }, voteResults(localResults(results, step.options), spec, { limit }));
}

function fitResults(body, step, build = resultsView) {
  const fits = () => !anyOverflow(body);
  if (scaleToFit(body, fits, { min: 0.5, max: 1 })) return;
  const total = (step.options || []).length;
  for (let limit = total - 1; limit >= 1; limit -= 1) {
    body.replaceChildren(build(step, limit));
    if (scaleToFit(body, fits, { min: 0.5, max: 1 })) return;
  }
}

/** A harvest: what the room contributes, newest first, beside what it draws on (a vote, the marketplace or the themes). */
function harvestView(step, source) {
  const items = contributions(step);
  const side = sourceView(source);
  const list = h("ul", { class: "wh-list" }, items.slice(0, 40).map((idea) => h("li", { dataset: { ideaId: idea.id } },
    h("span", { class: "wh-text", text: idea.text }),
    h("span", { class: "wh-table", text: model.tableName(idea.table_id) }))));
  return h("div", { class: "wall-harvest", dataset: { split: String(Boolean(side)) } },
    h("section", { class: "wh-col", "aria-label": t("Contributions") },
      h("h3", { class: "wh-heading", text: items.length ? tn("{n} contribution", "{n} contributions", items.length) : t("Contributions") }),
      items.length ? list : h("p", { class: "wh-empty", text: t("Contributions appear here as they come in.") }),
      h("p", { class: "wall-more" })),
    side ? h("section", { class: "wh-source", "aria-label": source ? t("Results") : t("Themes") }, side) : null);
}

function sourceView(source) {
  if (source && source.type === "vote") {
    const spec = source.step.spec || {};
    return h("div", { class: "wh-source-body" }, h("h3", { text: spec.title || source.step.text }), resultsView(source.step));
  }
  if (source && source.type === "market") {
    const spec = source.step.spec || {};
    return h("div", { class: "wh-source-body" }, h("h3", { text: spec.title || t("Marketplace") }),
      marketGrid(spec, model.stepTopics(source.step.id), { caption: t("Topics by space and time") }));
  }
  const keep = shownOnWall;
  if (model.themes && themes.shownThemes(model.themes, keep).length) {
    const text = (id) => (model.ideas.get(id) || {}).text || "";
    return h("div", { class: "wh-source-body wh-themes" }, h("h3", { text: t("Themes") }), themes.themeList(model.themes, { keep, text, colours }));
  }
  return null;
}

function fitHarvest(body) {
  const col = body.querySelector(".wh-col");
  const list = col.querySelector(".wh-list");
  for (const text of col.querySelectorAll(".wh-text")) shortenToFit(text, text.textContent, () => !overflows(text));
  if (list) {
    // smaller type (down to 0.7) before any is left out
    scaleToFit(col, () => countFitting(list) === list.children.length, { min: 0.7, max: 1 });
    cutList(list, col.querySelector(".wall-more"));
  }
  const side = body.querySelector(".wh-source");
  if (side && side.querySelector(".th-list-box")) fitThemes(side);
  else if (side) scaleToFit(side, () => !anyOverflow(side), { min: 0.45, max: 1 });
}

/** The themes list fitted: each example idea on its line (shortened at a word), then fitList drops what does not fit. */
function fitThemes(root) {
  for (const li of root.querySelectorAll(".th-examples li")) shortenToFit(li, li.textContent, () => !overflows(li));
  for (const box of root.querySelectorAll(".th-list-box")) themes.fitList(box);
}

/** Common ground fitted: each idea's text on at most two lines (shortened at a word), then the type scaled. */
function fitGround(body) {
  for (const el of body.querySelectorAll(".cg-ideas .cg-idea, .cg-tallies .bar-label, .cg-lines .cg-idea")) {
    const box = el.closest(".cg-lines li") || el;
    el.dataset.full ??= el.textContent;
    shortenToFit(el, el.dataset.full, () => !overflows(box));
  }
  scaleToFit(body, () => !anyOverflow(body), { min: 0.5, max: 1 });
}

let fitted = ""; // the feature key last fitted (a rebuilt feature is fitted once, and again on resize)

function renderFeature() {
  const showThemes = themesShown();
  const latest = latestStep();
  const feature = showThemes ? { type: "themes", step: latest } : featureFor(localStep(model.mainStep()));
  const toggle = $("#themes-toggle");
  toggle.setAttribute("aria-pressed", String(showThemes));
  const section = $("#feature");
  section.hidden = !feature;
  $("#tables").hidden = Boolean(feature);
  document.body.dataset.mode = feature ? "feature" : "tables";
  if (feature) $("#page-note").textContent = ""; // (the tables' pages)
  if (!feature) {
    featureKey = "";
    $("#themes-status").textContent = "";
    return;
  }
  const { step } = feature;
  const spec = (step && step.spec) || {};
  const body = $("#feature-body");
  section.dataset.type = feature.type;
  let heading = "";
  let key = "";
  let build = null;
  if (feature.type === "rotate") {
    heading = rotationWords(spec);
    key = `rotate:${step.id}`;
    build = () => h("p", { class: "wall-move-detail", text: t("Each phone shows where its person goes next.") });
  } else if (feature.type === "themes") {
    const title = step && (step.kind === "cluster" || step.kind === "harvest") ? (step.spec && step.spec.title) || "" : "";
    heading = title ? tNodes("Themes · {title}", { title: titleEl(title) }) : t("Themes");
    key = `themes:${themesSeq}:${hiddenCount()}:${model.ideas.size}:${drill.themeId || ""}:${drillSeq}`;
    build = () => themesView(model.themes);
    // screen readers hear the number of themes and the largest, not every redraw
    const said = themes.headline(model.themes, shownOnWall);
    if ($("#themes-status").textContent !== said) $("#themes-status").textContent = said;
  } else if (feature.type === "ground") {
    heading = step.status === "active" ? t("Common ground · agree, disagree or pass on your phones") : t("Common ground");
    const a = model.commonGround;
    // redrawn when a new analysis comes (at most every 3 s), not with every presence tick
    key = `ground:${step.id}:${a ? a.reactions : 0}:${groundSeq}:${hiddenCount()}`;
    build = () => groundView(a);
    // screen readers hear a short line when the level or the number of groups changes, not every 3 s
    const said = ground.headline(a);
    if ($("#ground-status").textContent !== said) $("#ground-status").textContent = said;
  } else if (feature.type === "vote") {
    const title = spec.title || step.text;
    if (!revealed(step)) {
      heading = tNodes("Vote now on your phones: {title}", { title: titleEl(title) });
      const count = model.turnout.get(step.id) || {};
      key = `vote-open:${step.id}:${count.voters}:${count.eligible}`;
      build = () => voteOpenView(step);
    } else {
      heading = step.status === "ended" ? tNodes("Results: {title}", { title: titleEl(title) }) : tNodes("Results so far: {title}", { title: titleEl(title) });
      key = `vote:${step.id}:${step.status}:${JSON.stringify(model.results.get(step.id) || null)}`;
      build = () => resultsView(step);
    }
  } else if (feature.type === "harvest") {
    heading = spec.title ? [titleEl(spec.title)] : t("Harvest");
    const source = feature.source;
    const sourceKey = source ? `${source.step.id}:${JSON.stringify(source.type === "vote" ? model.results.get(source.step.id) : model.stepTopics(source.step.id))}` : `themes:${themesSeq}`;
    key = `harvest:${step.id}:${contributions(step).map((i) => i.id).join(",")}:${hiddenCount()}:${sourceKey}`;
    build = () => harvestView(step, source);
  } else {
    heading = tNodes("{title}: sign up on your phones", { title: spec.title ? titleEl(spec.title) : t("Marketplace") });
    key = `market:${step.id}:${JSON.stringify(model.stepTopics(step.id))}`;
    build = () => marketGrid(spec, model.stepTopics(step.id), { caption: t("Topics by space and time") });
  }
  if (featureKey !== key) {
    body.style.fontSize = "";
    body.replaceChildren(build());
    featureKey = key;
    fitted = "";
  }
  if (feature.type !== "themes") $("#themes-status").textContent = "";
  const headingEl = $("#feature-heading");
  const pieces = Array.isArray(heading) ? heading : [heading]; // a text, or tNodes' with the title isolated
  const full = pieces.map((p) => (typeof p === "string" ? p : p.textContent)).join("");
  if (headingEl.dataset.full !== full) {
    headingEl.dataset.full = full;
    headingEl.replaceChildren(...pieces);
    fitted = "";
  }
}

/** A step's title (free text) in a heading: isolated, and kept whole to be shortened again. */
function titleEl(title) {
  return bdi(title, { dataset: { full: title } });
}

/** The feature fitted to its box, once per build (and again after a resize). */
function fitFeature() {
  const section = $("#feature");
  if (section.hidden || fitted === featureKey) return;
  fitted = featureKey;
  const headingEl = $("#feature-heading");
  const title = headingEl.querySelector("bdi"); // only a step's title is shortened, the words around it kept
  if (title) shortenToFit(title, title.dataset.full, () => !overflows(headingEl));
  else shortenToFit(headingEl, headingEl.dataset.full || "", () => !overflows(headingEl));
  const body = $("#feature-body");
  const type = section.dataset.type;
  const step = localStep(model.steps.get((body.querySelector("[data-step-id]") || {}).dataset?.stepId || "") || null);
  if (type === "themes") fitThemes(body);
  else if (type === "ground") fitGround(body);
  else if (type === "harvest") fitHarvest(body);
  else if (type === "vote" && body.querySelector(".wall-vote")) fitVoteOpen(body);
  else if (type === "vote" && step) fitResults(body, step);
  else if (type === "market") scaleToFit(body, () => !anyOverflow(body), { min: 0.4, max: 1.6 });
  else scaleToFit(body, () => !anyOverflow(body), { min: 0.5, max: 1 });
}

function fitAll() {
  const slide = slideShown();
  if (slide) {
    fitSlide(slide);
    return;
  }
  fitHead();
  fitFeature();
}

setInterval(() => {
  if (model.tables.size > PAGE_SIZE) {
    page += 1;
    if (!slideShown()) renderTables();
  }
}, PAGE_MS);

const renderLater = batched(() => {
  renderHead();
  const slide = renderSlides();
  renderQuestion();
  tickClocks();
  renderFeature();
  if (!slide) renderTables();
  fitAll();
});

bindBadge($("#badge"), live);
// the question's box changes when the clock, the step's title or the mode does: fitted again
const refitHead = batched(() => {
  if (!slideShown()) fitHead();
});
new ResizeObserver(refitHead).observe($("#question"));
const tickClocks = startClocks(live, (id) => model.steps.get(id));

live.on("welcome", (msg) => {
  if (msg.snapshot) {
    model.load(msg.snapshot);
    followEventLanguage(model.event.language); // changed while this wall was away: load it again
    groundSeq += 1;
    themesSeq += 1;
    renderLater();
  }
});
live.on("entry", (entry) => {
  model.apply(entry);
  if (entry.kind === "event.language_set") followEventLanguage(entry.payload.language);
  // (an idea a moderator let through arrives here with its approval)
  if (entry.kind === "idea.submitted" || entry.kind === "idea.restored" || entry.kind === "idea.approved") {
    arrived.set(entry.payload.idea_id, Date.now());
    setTimeout(() => {
      arrived.delete(entry.payload.idea_id);
      const li = ideaEls.get(entry.payload.idea_id);
      if (li) li.classList.remove("arrived");
    }, HIGHLIGHT_MS);
  }
  renderLater();
});
live.on("results", (msg) => {
  model.applyResults(msg);
  renderLater();
});
live.on("turnout", (msg) => {
  model.applyTurnout(msg);
  renderLater();
});
live.on("common_ground", (msg) => {
  model.applyCommonGround(msg);
  groundSeq += 1;
  renderLater();
});
live.on("themes", (msg) => {
  model.applyThemes(msg);
  themesSeq += 1;
  if (drill.themeId) drill.follow(model.themes.themes.find((tb) => tb.id === drill.themeId) || null);
  renderLater();
});
live.on("presence", (msg) => {
  model.presence(msg);
  renderLater();
});
live.on("fatal", (err) => showBlocker(err.code === "open_elsewhere" ? t("Open in another tab") : t("This link does not work"), err.message || t("The server refused this wall link.")));

// a new size (another projector, a resized window): everything is fitted again
addEventListener("resize", () => {
  featureKey = "";
  renderLater();
});

// T (or the small button) shows the themes, or goes back; the next step follows the facilitator again
$("#themes-toggle").addEventListener("click", toggleThemes);
addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest("input, textarea, select, [contenteditable]")) return;
  if (e.key === "t" || e.key === "T") {
    e.preventDefault();
    closeDrill();
    toggleThemes();
  } else if (e.key === "Escape" && drill.themeId) {
    e.preventDefault();
    closeDrill();
  } else if (/^[1-8]$/.test(e.key) && themesShown()) {
    // the number of a theme in the list (as on the map): look at it more closely
    const shown = themes.shownThemes(model.themes, shownOnWall);
    const theme = shown[Number(e.key) - 1];
    if (theme) {
      e.preventDefault();
      openDrill(theme.id);
    }
  }
});

renderQuestion();
live.start();
