// The projector wall: the room's question, a big countdown, how to join, ideas arriving by table;
// for a facilitation script also the results of a vote (once revealed), the marketplace grid, and
// a big notice when a rotation moves people. Themes (a list and a map of the ideas) during a
// cluster or harvest step, or whenever the operator presses T.
import { marketGrid, voteResults } from "./charts.js";
import * as ground from "./ground.js";
import { Live } from "./live.js";
import { StaffModel } from "./model.js";
import * as themes from "./themes.js";
import { $, batched, bindBadge, h, reconcile, showBlocker, showQr, staffToken, startClocks } from "./ui.js";
import { rotationWords } from "./words.js";

const eventId = document.body.dataset.eventId;
const token = staffToken(eventId, "wall");
const HIGHLIGHT_MS = 4000;

if (!token) {
  showBlocker("This page needs its link", "Open the wall with the full link you got when the event was created (it ends with #token=…).");
  throw new Error("no token");
}

const live = new Live({ token });
const model = new StaffModel();
const arrived = new Map(); // idea id -> when it arrived live (for the highlight)
const tableEls = new Map();
const ideaEls = new Map();

const PER_TABLE = 8; // at most this many ideas per table in the page; the layout clips the oldest
const PAGE_SIZE = 24; // more tables than this: show them a page at a time
const PAGE_MS = 15_000;
let page = 0;

/** Columns and rows so that every table on screen fits without scrolling. */
function layout(n) {
  if (n <= 4) return [Math.max(n, 1), 1];
  if (n <= 6) return [3, 2];
  if (n <= 8) return [4, 2];
  if (n <= 10) return [5, 2];
  if (n <= 12) return [4, 3];
  if (n <= 15) return [5, 3];
  if (n <= 18) return [6, 3];
  return [6, 4];
}

function renderHead() {
  const ev = model.event;
  $("#event-title").textContent = ev.title;
  document.title = `Wall · ${ev.title || "Wholeroom"}`;
  $("#join-code").textContent = ev.join_code;
  $("#join-url").textContent = `${location.host}/join`;
  if (!$("#join-qr").getAttribute("src")) showQr($("#join-qr"), `/api/events/${encodeURIComponent(eventId)}/qr.svg`);
}

function renderQuestion() {
  const step = model.mainStep();
  const question = $("#question");
  const clock = $("#clock");
  const title = $("#step-title");
  const titleText = step && step.spec && step.spec.title && step.spec.title !== step.text ? step.spec.title : "";
  title.hidden = !titleText;
  if (title.textContent !== titleText) title.textContent = titleText;
  if (!step) {
    question.textContent = "Welcome! The first question will appear here.";
    question.classList.add("waiting");
    clock.removeAttribute("data-step-clock");
    clock.textContent = "";
    return;
  }
  question.classList.remove("waiting");
  if (question.textContent !== step.text) question.textContent = step.text;
  question.dataset.length = step.text.length > 160 ? "very-long" : step.text.length > 80 ? "long" : "short";
  // while a cluster or harvest step shows the themes (facilitator-only: no table's step), its clock counts
  const latest = latestStep();
  const timed = latest && (latest.kind === "cluster" || latest.kind === "harvest") && themesShown() ? latest : step;
  clock.dataset.stepClock = timed.id;
}

function ideaEl(idea) {
  let li = ideaEls.get(idea.id);
  if (!li) {
    li = h("li", { dataset: { ideaId: idea.id }, text: idea.text });
    ideaEls.set(idea.id, li);
  } else if (li.textContent !== idea.text) {
    li.textContent = idea.text;
  }
  const at = arrived.get(idea.id);
  li.classList.toggle("arrived", Boolean(at && Date.now() - at < HIGHLIGHT_MS));
  return li;
}

function renderTables() {
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
  grid.style.setProperty("--idea-size", ["1.25em", "1.1em", "0.95em", "0.85em"][rows - 1]);
  $("#page-note").textContent =
    pages > 1 ? `Tables ${page * PAGE_SIZE + 1}–${page * PAGE_SIZE + shown.length} of ${ids.length}` : "";
  const sections = [];
  for (const tableId of shown) {
    const ideas = byTable.get(tableId);
    let section = tableEls.get(tableId);
    if (!section) {
      section = h("section", { class: "wall-table", dataset: { tableId } },
        h("h2", {}, h("span", { class: "name" }), h("span", { class: "here" })),
        h("ul", { class: "wall-ideas" }),
        h("p", { class: "empty-note", text: "No ideas yet" }));
      tableEls.set(tableId, section);
    }
    section.querySelector(".name").textContent = model.tableName(tableId);
    const here = model.connected[tableId] ?? 0;
    const count = ideas.length === 1 ? "1 idea" : `${ideas.length} ideas`;
    section.querySelector(".here").textContent = `${here} here · ${count}`;
    ideas.sort((a, b) => b.seq - a.seq);
    reconcile(section.querySelector("ul"), ideas.slice(0, PER_TABLE).map(ideaEl));
    section.querySelector(".empty-note").hidden = ideas.length > 0;
    sections.push(section);
  }
  reconcile(grid, sections);
  for (const id of ideaEls.keys()) {
    const idea = model.ideas.get(id);
    if (!idea || idea.hidden) ideaEls.delete(id);
  }
}

// --- script steps: a vote's results, the marketplace, a rotation -----------------------------

/** Results may be shown on the wall: a live vote, or one that has ended (protocol: "once revealed"). */
function revealed(step) {
  return (step.spec || {}).reveal === "live" || step.status === "ended";
}

/** What the wall shows instead of the ideas for `step`, or null for the ideas. */
function featureFor(step) {
  if (!step || !step.kind) return null;
  if (step.kind === "rotate" && step.status === "active") return { type: "rotate", step };
  if (step.kind === "react") return { type: "ground", step };
  if (step.kind === "signup") return { type: "market", step };
  if (step.kind === "vote") return { type: "vote", step };
  if (step.kind === "harvest") {
    // a harvest that draws on a vote or a marketplace shows it (the latest of its sources)
    const session = model.sessions.get(step.session_id);
    const sources = (step.spec && step.spec.sources) || [];
    for (const id of [...sources].reverse()) {
      const row = session && session.runsheet.find((r) => r.id === id);
      const source = row && row.step_id ? model.steps.get(row.step_id) : null;
      if (source && source.kind === "vote" && revealed(source) && model.results.has(source.id)) return { type: "vote", step: source };
      if (source && source.kind === "signup") return { type: "market", step: source };
    }
  }
  return null;
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

/** Common ground for the projector: the map big, what every group supports, what sets each apart. */
function groundView(a) {
  const keep = shownOnWall;
  const summary = h("p", { class: "wg-summary" },
    a && a.level === "groups" ? h("span", { class: "wg-headline", text: ground.headline(a) }) : null,
    a && a.level === "groups" ? " " : null,
    h("span", { class: "wg-counts", text: a ? ground.counts(a) : "No reactions yet." }));
  if (!a) {
    return h("div", { class: "wall-ground", dataset: { level: "none" } }, summary,
      h("p", { class: "wg-notice", text: "Answers appear here as phones react to ideas from other tables." }));
  }
  if (a.level !== "groups") {
    const map = a.level === "undivided" ? ground.opinionMap(a, { big: true }) : null;
    return h("div", { class: "wall-ground", dataset: { level: a.level } }, summary,
      h("p", { class: "wg-notice", text: a.notice }),
      h("div", { class: map ? "wg-grid" : "wg-single" },
        map ? h("div", { class: "wg-map" }, map) : null,
        h("section", { class: "wg-col", "aria-label": "Tallies per idea" },
          h("h3", { text: "Answers so far" }),
          ground.tallies(a, { limit: map ? 6 : 10, keep }))));
  }
  const view = a.opinion;
  return h("div", { class: "wall-ground", dataset: { level: a.level, groups: String(view.parts.length) } }, summary,
    h("div", { class: "wg-grid wg-three" },
      h("div", { class: "wg-map" }, ground.opinionMap(a, { big: true })),
      h("section", { class: "wg-col wg-common" },
        h("h3", { text: "Every group agrees" }),
        h("p", { class: "wg-hint", text: "Share of each group that agrees" }),
        ground.commonGround(view, "opinion", { limit: 3, keep, short: true })),
      h("section", { class: "wg-col wg-diff" },
        h("h3", { text: "What sets each group apart" }),
        ground.differences(view, "opinion", { limit: 1, keep, compact: true }))));
}

/** The step pushed last (a facilitator-only cluster step is no table's step, yet it is the moment). */
function latestStep() {
  let latest = null;
  for (const step of model.steps.values()) if (!latest || step.seq > latest.seq) latest = step;
  return latest;
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
  drill.follow((model.themes && model.themes.themes || []).find((t) => t.id === themeId) || null);
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
      h("p", { class: "wg-notice", text: "Themes appear here a few seconds after ideas arrive from the tables." }));
  }
  const text = (id) => (model.ideas.get(id) || {}).text || "";
  const shown = themes.shownThemes(view, keep);
  const open = drill.themeId ? shown.findIndex((t) => t.id === drill.themeId) : -1;
  if (open >= 0) return drillView(view, shown[open], open, text);
  return h("div", { class: "wall-themes" }, summary,
    h("div", { class: "wth-grid" },
      h("section", { class: "wth-col", "aria-label": "Themes, biggest first" }, themes.themeList(view, { keep, text, colours, drill: openDrill })),
      h("div", { class: "wth-map" }, themes.themeMap(view, { keep, colours }))));
}

/** One theme more closely: its sub-themes listed beside the map of its ideas, coloured by sub-theme. */
function drillView(view, theme, index, text) {
  const keep = shownOnWall;
  const data = drill.data;
  const parts = data ? data.subthemes : [];
  const words = drill.error
    ? `Could not look closer: ${drill.error}`
    : !data ? "Looking closer…" : parts.length ? `${themes.plural(parts.length, "sub-theme")} of ${themes.plural(theme.idea_ids.length, "idea")}` : data.note;
  const back = h("button", { type: "button", class: "wall-toggle wth-back", text: "All themes (Esc)", on: { click: closeDrill } });
  const head = h("div", { class: "wth-drill-head" },
    h("p", { class: "wth-summary", text: `Theme ${index + 1}, ${theme.label}, more closely: ${words}` }), back);
  const subview = { themes: parts, unthemed: [], positions: view.positions };
  const body = parts.length
    ? h("div", { class: "wth-grid" },
      h("section", { class: "wth-col", "aria-label": `Sub-themes of ${theme.label}, biggest first` }, themes.themeList(subview, { keep, text, colours: subColours })),
      h("div", { class: "wth-map" }, themes.themeMap(subview, { keep, colours: subColours })))
    : h("div", { class: "wth-grid" },
      h("section", { class: "wth-col", "aria-label": theme.label }, themes.themeList({ ...view, themes: [theme] }, { keep, text, colours })),
      h("div", { class: "wth-map" }, themes.themeMap({ ...view, themes: [theme], unthemed: [] }, { keep, colours })));
  return h("div", { class: "wall-themes", dataset: { drill: theme.id } }, head, body);
}

function renderFeature() {
  const showThemes = themesShown();
  const latest = latestStep();
  const feature = showThemes ? { type: "themes", step: latest } : featureFor(model.mainStep());
  const toggle = $("#themes-toggle");
  toggle.setAttribute("aria-pressed", String(showThemes));
  const section = $("#feature");
  section.hidden = !feature;
  $("#tables").hidden = Boolean(feature);
  $("#question").classList.toggle("with-feature", Boolean(feature)); // a long text gives the chart room
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
  if (feature.type === "rotate") {
    heading = rotationWords(spec);
    const key = `rotate:${step.id}`;
    if (featureKey !== key) {
      body.replaceChildren(h("p", { class: "wall-move-detail", text: "Each phone shows where its person goes next." }));
    }
    featureKey = key;
  } else if (feature.type === "themes") {
    const title = step && (step.kind === "cluster" || step.kind === "harvest") ? (step.spec && step.spec.title) || "" : "";
    heading = title ? `Themes · ${title}` : "Themes";
    const key = `themes:${themesSeq}:${hiddenCount()}:${model.ideas.size}:${drill.themeId || ""}:${drillSeq}`;
    if (featureKey !== key) {
      body.replaceChildren(themesView(model.themes));
      themes.fitList(body.querySelector(".th-list-box")); // on screen now: drop what does not fit
    }
    // screen readers hear the number of themes and the largest, not every redraw
    const said = themes.headline(model.themes, shownOnWall);
    if ($("#themes-status").textContent !== said) $("#themes-status").textContent = said;
    featureKey = key;
  } else if (feature.type === "ground") {
    heading = step.status === "active" ? "Common ground · agree, disagree or pass on your phones" : "Common ground";
    const a = model.commonGround;
    // redrawn when a new analysis comes (at most every 3 s), not with every presence tick
    const key = `ground:${step.id}:${a ? a.reactions : 0}:${groundSeq}:${hiddenCount()}`;
    if (featureKey !== key) body.replaceChildren(groundView(a));
    // screen readers hear a short line when the level or the number of groups changes, not every 3 s
    const said = ground.headline(a);
    if ($("#ground-status").textContent !== said) $("#ground-status").textContent = said;
    featureKey = key;
  } else if (feature.type === "vote") {
    const title = spec.title || step.text;
    if (!revealed(step)) {
      heading = `Vote now on your phones: ${title}`;
      const key = `vote-hidden:${step.id}`;
      if (featureKey !== key) body.replaceChildren(h("p", { class: "wall-move-detail", text: "The results appear here when the vote ends." }));
      featureKey = key;
    } else {
      heading = `${step.status === "ended" ? "Results" : "Results so far"}: ${title}`;
      featureKey = `vote:${step.id}`;
      const results = model.results.get(step.id) || { step_id: step.id, method: spec.method, voters: 0, options: step.options || [] };
      body.replaceChildren(voteResults(results, spec, { limit: 10 }));
    }
  } else {
    heading = `${spec.title || "Marketplace"}: sign up on your phones`;
    featureKey = `market:${step.id}`;
    const grid = marketGrid(spec, model.stepTopics(step.id), { caption: "Topics by space and time" });
    // every space on screen: the more rows, the smaller the type (from the back of the hall it still reads)
    grid.style.fontSize = `${Math.min(1.2, 7.5 / ((spec.spaces || []).length + 1)).toFixed(2)}em`;
    body.replaceChildren(grid);
  }
  if (feature.type !== "themes") $("#themes-status").textContent = "";
  const headingEl = $("#feature-heading");
  if (headingEl.textContent !== heading) headingEl.textContent = heading;
}

setInterval(() => {
  if (model.tables.size > PAGE_SIZE) {
    page += 1;
    renderTables();
  }
}, PAGE_MS);

const renderLater = batched(() => {
  renderHead();
  renderQuestion();
  tickClocks();
  renderFeature();
  renderTables();
});

bindBadge($("#badge"), live);
const tickClocks = startClocks(live, (id) => model.steps.get(id));

live.on("welcome", (msg) => {
  if (msg.snapshot) {
    model.load(msg.snapshot);
    groundSeq += 1;
    themesSeq += 1;
    renderLater();
  }
});
live.on("entry", (entry) => {
  model.apply(entry);
  if (entry.kind === "idea.submitted" || entry.kind === "idea.restored") {
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
live.on("common_ground", (msg) => {
  model.applyCommonGround(msg);
  groundSeq += 1;
  renderLater();
});
live.on("themes", (msg) => {
  model.applyThemes(msg);
  themesSeq += 1;
  if (drill.themeId) drill.follow(model.themes.themes.find((t) => t.id === drill.themeId) || null);
  renderLater();
});
live.on("presence", (msg) => {
  model.presence(msg);
  renderLater();
});
live.on("fatal", (err) => showBlocker(err.code === "open_elsewhere" ? "Open in another tab" : "This link does not work", err.message || "The server refused this wall link."));

// a new size (another projector, a resized window): the themes list is fitted again
addEventListener("resize", () => {
  if (featureKey.startsWith("themes:")) featureKey = "";
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
