// The organiser's replay viewer: the whole event on a timeline, the room as it stood at any instant,
// one table's journey through the event, and the server's exports as downloads.
//
// Every state on screen is the server's (GET /api/events/{id}/replay/state?view=room): it folds the
// transcript with the same code as the live room, so this page never re-implements the rules; it only
// draws the room at the chosen instant. User text only ever goes in through textContent.
//
// At the speed of a hand (docs/performance.md): the room answer holds numbers for every table and one
// page of ideas (a few kilobytes, not the megabytes of every table's ideas); a seek is asked at once
// (no debounce) but only one is in flight: moves made meanwhile are folded into the next request,
// and an answer slower than STALE_MS is abandoned (aborted) for the newest instant. An answer never
// replaces a newer one on screen. Drawing reuses every element and only writes what changed.

import { $, api, ApiError, byTableId, formatDuration, formatSpan, formatTime, h, reconcile, say } from "./ui.js";
import { KIND_NAMES } from "./words.js";

const STALE_MS = 250; // an answer still out this long while the hand has moved on is abandoned, once
const ROOM_IDEAS = 20; // ideas in a room answer; "Show more" asks for more
const TABLE_IDEAS = 50; // ideas of a followed table
const MAX_IDEAS = 1000; // the server's limit
const PLAY_TICK_MS = 100;
const TIMELINE_REFRESH_MS = 2000; // a live event: read the timeline again this long after new entries
const SPEEDS = [1, 5, 15, 30, 60, 120];
const NICE_STEPS_MS = [1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];

const METHOD_NAMES = {
  dots: "dot vote",
  score: "scores",
  pass_and_score: "pass and score",
  agree_disagree_pass: "agree / disagree / pass",
  rank: "ranking",
  place: "placement",
};

/** "Tue 26 Nov, 14:03:21": the instant the viewer shows (the page's locale); `year` for the ends. */
export function formatInstant(ms, { year = false } = {}) {
  if (ms == null) return "–";
  return new Date(ms).toLocaleString([], {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: year ? "numeric" : undefined,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** Elapsed time, rounded down: "0:07", "1:02:03", "12 days". */
function elapsedText(ms) {
  return formatSpan(Math.max(0, Math.floor(ms / 1000) * 1000));
}

/** A step's timer as it stood at `at` (the viewer's instant, not now). */
export function clockAt(step, at) {
  if (!step) return { state: "none", text: "" };
  if (step.status === "ended") return { state: "ended", text: step.ended_at ? `Ended at ${formatTime(step.ended_at)}` : "Ended" };
  if (step.paused_remaining != null) return { state: "paused", text: `Paused, ${formatDuration(step.paused_remaining)} left` };
  if (step.deadline == null) return { state: "none", text: "No time limit" };
  const left = step.deadline - at;
  if (left <= 0) return { state: "up", text: "Time was up" };
  if (step.warn_ms && left <= step.warn_ms) return { state: "warn", text: `${formatDuration(left)} left` };
  return { state: "running", text: `${formatDuration(left)} left` };
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function stepLabel(step) {
  const title = step.spec && step.spec.title;
  return title || step.text;
}

function roleName(role) {
  return String(role).replace(/_/g, " ");
}

/**
 * Keep one element per key under `parent`, in the order of `items`: reused elements are only
 * updated (so the polite live region announces what changed, not the whole view again).
 */
function keyed(parent, items, key, make, update) {
  const old = parent._keyed || new Map();
  const next = new Map();
  const nodes = items.map((item) => {
    const k = key(item);
    const el = old.get(k) || make(item);
    update(el, item);
    next.set(k, el);
    return el;
  });
  parent._keyed = next;
  reconcile(parent, nodes);
}

export function createReplay({ eventId, token, live }) {
  const base = `/api/events/${encodeURIComponent(eventId)}`;
  const el = {
    view: $("#view-replay"),
    span: $("#replay-span"),
    when: $("#replay-when"),
    elapsed: $("#replay-elapsed"),
    strip: $("#replay-strip"),
    density: $("#replay-density"),
    marks: $("#replay-marks"),
    cursor: $("#replay-cursor"),
    scrubber: $("#replay-scrubber"),
    startLabel: $("#replay-start-label"),
    endLabel: $("#replay-end-label"),
    keys: $("#replay-keys"),
    start: $("#replay-start"),
    prev: $("#replay-prev"),
    play: $("#replay-play"),
    next: $("#replay-next"),
    end: $("#replay-end"),
    speed: $("#replay-speed"),
    table: $("#replay-table"),
    message: $("#replay-message"),
    state: $("#replay-state"),
    summary: $("#replay-summary"),
    current: $("#replay-current"),
    noStep: $("#replay-no-step"),
    tables: $("#replay-tables"),
    tablesHeading: $("#replay-tables-heading"),
    tablesHint: $("#replay-tables-hint"),
    allTables: $("#replay-all-tables"),
    ideas: $("#replay-ideas"),
    ideasHeading: $("#replay-ideas-heading"),
    ideasCount: $("#replay-ideas-count"),
    noIdeas: $("#replay-no-ideas"),
    moreIdeas: $("#replay-more-ideas"),
    perStep: $("#replay-per-step"),
    perStepHeading: $("#replay-per-step-heading"),
    perStepNone: $("#replay-per-step-none"),
    resultsPanel: $("#replay-results-panel"),
    results: $("#replay-results"),
    topicsPanel: $("#replay-topics-panel"),
    topics: $("#replay-topics"),
    sessionsPanel: $("#replay-sessions-panel"),
    sessions: $("#replay-sessions"),
    journey: $("#replay-journey"),
    journeyHeading: $("#replay-journey-heading"),
    journeyHint: $("#replay-journey-hint"),
  };

  let timeline = null; // the answer of GET /replay
  let first = 0;
  let last = 1;
  let cursor = 0; // the instant shown, ms
  let following = true; // at the end of a live event: stay at the end as it grows
  let visible = false;
  let loading = null;
  let stale = false;
  let refreshTimer = null;

  let playing = false;
  let playTimer = null;
  let playClock = 0;

  let requested = 0; // id of the latest state request
  let shownId = 0; // id of the answer on screen
  let inflight = null; // {id, at, table, ideas, controller, sentAt}: at most one request out
  let abandoned = false; // an answer was abandoned since the last one drawn (abandon at most one in a row)
  let staleTimer = null;
  let shown = null; // {id, at, table, ideas, data}
  let ideasWanted = ROOM_IDEAS; // the page of ideas asked for ("Show more" grows it)
  let failed = null; // the wish whose request failed: not asked again until the hand moves

  let tableNames = new Map(); // id -> name, from the snapshots
  let tableIds = [];
  let filter = ""; // "" = all tables, else one table's journey
  let visibleMarks = []; // marks for the chosen table
  let stepTimes = []; // sorted unique instants of visible step marks
  let journeyItems = []; // [{mark, li}]
  let currentJourney = null;

  const tableName = (id) => tableNames.get(id) || `Table ${id}`;
  const span = () => last - first;

  // --- the timeline ------------------------------------------------------------------------

  async function loadTimeline() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const data = await api(`${base}/replay`, { token });
        const wasAtEnd = !timeline || cursor >= last;
        timeline = data;
        first = data.first_at ?? Date.now();
        last = Math.max(data.last_at ?? first, first + 1);
        stale = false;
        el.scrubber.min = String(first);
        el.scrubber.max = String(last);
        for (const button of [el.start, el.prev, el.play, el.next, el.end]) button.disabled = false;
        el.scrubber.disabled = false;
        el.table.disabled = false;
        setText(el.startLabel, `Start: ${formatInstant(first, { year: true })}`);
        setText(el.endLabel, `End: ${formatInstant(last, { year: true })}`);
        const steps = data.marks.filter((m) => m.kind === "step").length;
        const sessions = data.marks.filter((m) => m.kind === "session").length;
        setText(el.span, `${elapsedText(last - first)} long, ${plural(steps, "step")}, ${plural(sessions, "session")}, ${plural(data.last_seq, "entry", "entries")}.`);
        setText(el.keys, `Drag the slider or use the arrow keys (${keyStepText()} a press); Page Up and Page Down move ten times as far, Home and End go to the start and the end.`);
        drawDensity();
        applyFilter();
        if (wasAtEnd && following) setCursor(last);
        else setCursor(Math.min(cursor, last));
      } catch (err) {
        say(el.message, `Could not read the timeline: ${err.message}`, "error");
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  function drawDensity() {
    const svg = el.density;
    while (svg.firstChild) svg.firstChild.remove();
    const buckets = timeline.activity || [];
    if (!buckets.length) return;
    const max = Math.max(...buckets.map(([, n]) => n));
    const width = Math.max((60_000 / span()) * 1000, 2);
    const ns = "http://www.w3.org/2000/svg";
    for (const [minute, n] of buckets) {
      const x = ((minute - first) / span()) * 1000;
      const height = 12 + (88 * n) / max;
      const rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", String(Math.max(0, x)));
      rect.setAttribute("y", String(100 - height));
      rect.setAttribute("width", String(Math.min(width, 1000 - Math.max(0, x))));
      rect.setAttribute("height", String(height));
      svg.append(rect);
    }
  }

  const pct = (at) => `${(((at - first) / span()) * 100).toFixed(3)}%`;

  function markShows(mark) {
    return !filter || mark.tables == null || mark.tables.includes(filter);
  }

  function audienceText(mark) {
    if (mark.kind === "session") return "session";
    if (mark.tables == null) return "every table";
    return mark.tables.map(tableName).join(", ");
  }

  /** The marks for the chosen table: drawn on the strip, listed as its journey, used by the jumps. */
  function applyFilter() {
    if (!timeline) return;
    visibleMarks = timeline.marks.filter(markShows);
    stepTimes = [...new Set(visibleMarks.filter((m) => m.kind === "step").map((m) => m.at))].sort((a, b) => a - b);
    const drawn = visibleMarks.map((m) =>
      h("span", {
        class: `mark mark-${m.kind === "session" ? "session" : m.tables == null ? "step" : "some"}`,
        style: `left: ${pct(m.at)}`,
        title: `${formatTime(m.at)} ${m.kind === "session" ? "Session" : "Step"}: ${m.label}`,
      }),
    );
    el.marks.replaceChildren(...drawn);

    setText(el.journeyHeading, filter ? `${tableName(filter)}: its journey` : "Steps and sessions");
    setText(el.journeyHint, filter
      ? `The steps ${tableName(filter)} was shown, and the sessions. Choose one to jump to the moment it started.`
      : "Choose one to jump to the moment it started.");
    journeyItems = visibleMarks.map((mark) => {
      const button = h("button", { type: "button", class: "journey-jump", on: { click: () => jumpTo(mark.at) } },
        h("span", { class: "journey-time", text: formatTime(mark.at) }),
        h("span", { class: `tag kind-${mark.kind}`, text: mark.kind === "session" ? "Session" : "Step" }),
        h("span", { class: "journey-label", text: mark.label }),
        h("span", { class: "journey-audience muted", text: audienceText(mark) }));
      return { mark, li: h("li", { dataset: { seq: String(mark.seq), kind: mark.kind } }, button) };
    });
    el.journey.replaceChildren(...journeyItems.map((item) => item.li));
    if (!journeyItems.length) el.journey.append(h("li", { class: "empty", text: "No steps yet." }));
    currentJourney = null;
    drawCursor();
  }

  // --- the cursor --------------------------------------------------------------------------

  function keyStep() {
    const wanted = span() / 100;
    if (wanted <= 1000) return Math.max(1, Math.round(wanted));
    return NICE_STEPS_MS.reduce((best, s) => (Math.abs(s - wanted) < Math.abs(best - wanted) ? s : best));
  }

  function keyStepText() {
    const s = keyStep();
    if (s < 1000) return `${s} ms`;
    if (s < 60_000) return plural(s / 1000, "second");
    if (s < 3_600_000) return plural(s / 60_000, "minute");
    return plural(s / 3_600_000, "hour");
  }

  function setCursor(at, { fromScrubber = false } = {}) {
    cursor = Math.min(Math.max(Math.round(at), first), last);
    following = cursor >= last;
    if (!fromScrubber) el.scrubber.value = String(cursor);
    drawCursor();
    requestState();
  }

  function drawCursor() {
    const when = formatInstant(cursor);
    el.scrubber.setAttribute("aria-valuetext", when);
    setText(el.when, when);
    setText(el.elapsed, timeline ? `${elapsedText(cursor - first)} after the start` : "");
    el.cursor.style.left = pct(cursor);
    el.prev.disabled = !timeline || !stepTimes.some((t) => t < cursor);
    el.next.disabled = !timeline || !stepTimes.some((t) => t > cursor);
    // the journey's current mark: the last one at or before the cursor
    let current = null;
    for (const item of journeyItems) {
      if (item.mark.at <= cursor) current = item;
      else break;
    }
    if (current !== currentJourney) {
      if (currentJourney) currentJourney.li.querySelector("button").removeAttribute("aria-current");
      if (current) current.li.querySelector("button").setAttribute("aria-current", "step");
      currentJourney = current;
    }
    drawClocks();
  }

  function jumpTo(at) {
    setCursor(at);
  }

  // --- playing -----------------------------------------------------------------------------

  function play() {
    if (!timeline || playing) return;
    if (cursor >= last) setCursor(first);
    playing = true;
    playClock = performance.now();
    drawPlay();
    playTimer = setInterval(tick, PLAY_TICK_MS);
  }

  function pause() {
    if (!playing) return;
    playing = false;
    clearInterval(playTimer);
    drawPlay();
    requestState(); // the exact room where it stopped
  }

  function drawPlay() {
    // the button's name says what it will do: "Play" or "Pause"
    setText(el.play.querySelector(".icon"), playing ? "❚❚" : "▶");
    setText(el.play.querySelector(".label"), playing ? "Pause" : "Play");
    el.play.dataset.playing = String(playing);
  }

  function tick() {
    const now = performance.now();
    const speed = Number(el.speed.value) || 1;
    const next = cursor + (now - playClock) * speed;
    playClock = now;
    setCursor(next); // one request at a time: the room follows as fast as the server answers
    if (cursor >= last) pause();
  }

  // --- the room at the cursor ----------------------------------------------------------------

  const wish = () => ({ at: cursor, table: filter, ideas: ideasWanted });
  const same = (x, y) => x && y && x.at === y.at && x.table === y.table && x.ideas === y.ideas;

  function setBusy() {
    const want = wish();
    el.state.setAttribute("aria-busy", String(Boolean(inflight) || !(same(shown, want) || same(failed, want))));
  }

  /** The view should show the cursor: ask now, or fold this into the request after the one out. */
  function requestState() {
    if (!timeline) return;
    const want = wish();
    if (same(failed, want)) return;
    if (!inflight) {
      if (!same(shown, want)) send(want);
      else if (el.message.dataset.kind === "error") say(el.message, ""); // back where the screen is right
      setBusy();
      return;
    }
    if (same(inflight, want)) return;
    if (inflight.table !== want.table || inflight.ideas !== want.ideas) {
      abandon(); // an answer for another view is of no use
      send(want);
      return;
    }
    // the answer out will be drawn, then the newest instant asked; unless it is slow
    if (!staleTimer && !abandoned) {
      staleTimer = setTimeout(() => {
        staleTimer = null;
        if (inflight && !same(inflight, wish())) {
          abandoned = true;
          abandon();
          send(wish());
        }
      }, Math.max(0, STALE_MS - (performance.now() - inflight.sentAt)));
    }
    setBusy();
  }

  function abandon() {
    clearTimeout(staleTimer);
    staleTimer = null;
    if (inflight) inflight.controller.abort();
    inflight = null;
  }

  async function send(want) {
    const id = ++requested;
    const controller = new AbortController();
    const request = { ...want, id, controller, sentAt: performance.now() };
    inflight = request;
    setBusy();
    const query = new URLSearchParams({ view: "room", at: String(want.at), ideas: String(want.ideas) });
    if (want.table) query.set("table", want.table);
    let data = null;
    try {
      const response = await fetch(`${base}/replay/state?${query}`, {
        headers: { Authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      if (!response.ok) {
        let body = null;
        try {
          body = await response.json();
        } catch {
          // not JSON
        }
        throw new ApiError(response.status, body);
      }
      data = await response.json();
    } catch (err) {
      if (err.name === "AbortError") return; // abandoned for a newer instant
      failed = want;
      if (id > shownId) say(el.message, `Could not show the room at ${formatInstant(want.at)}: ${err.message}`, "error");
    } finally {
      if (inflight === request) {
        inflight = null;
        clearTimeout(staleTimer);
        staleTimer = null;
      }
    }
    if (data && id > shownId) {
      // an answer older than the one on screen never replaces it
      shownId = id;
      abandoned = false;
      failed = null;
      shown = { id, at: want.at, table: want.table, ideas: want.ideas, data };
      if (el.message.dataset.kind === "error") say(el.message, "");
      drawState();
    }
    if (!inflight) requestState(); // the hand moved meanwhile: now the newest instant
    setBusy();
  }

  function learnTables(snap) {
    const tables = snap.event.tables || [];
    const ids = tables.map((t) => t.id).sort(byTableId);
    tableNames = new Map(tables.map((t) => [t.id, t.name]));
    if (ids.join("\n") === tableIds.join("\n")) return;
    tableIds = ids;
    const options = [h("option", { value: "", text: "All tables" }), ...ids.map((id) => h("option", { value: id, text: tableName(id) }))];
    el.table.replaceChildren(...options);
    el.table.value = filter;
    // one tile per table, made once: a seek only updates their numbers
    tiles = new Map(ids.map((id) => [id, makeTile(id)]));
    el.tables.replaceChildren(...tiles.values());
    applyFilter(); // the journey names tables
  }

  function drawState() {
    const { data, table } = shown;
    const snap = data.snapshot;
    learnTables(snap);
    const steps = new Map(snap.steps.map((s) => [s.id, s]));
    shown.steps = steps;
    const shownTables = table ? [table] : tableIds;

    const joined = shownTables.reduce((n, t) => n + (snap.joined[t] || 0), 0);
    const ideas = shownTables.reduce((n, t) => n + (snap.idea_counts[t] || 0), 0);
    const where = table ? `At ${tableName(table)}: ` : "";
    const change = data.at ? `; the last change was at ${formatTime(data.at)}` : "";
    setText(el.summary, `${where}${plural(joined, "person", "people")} had joined and ${plural(ideas, "idea")} had been shared. After entry ${data.seq} of ${timeline ? timeline.last_seq : "?"}${change}.`);

    drawCurrent(snap, steps, shownTables);
    drawTiles(snap, steps, table);
    drawIdeas(snap, steps, table);
    drawPerStep(snap, table);
    drawResults(snap, steps);
    drawTopics(snap);
    drawSessions(snap);
    drawClocks();
    // last, once everything is drawn: what the page shows now (tests and bench.replay_browser read these)
    el.state.dataset.at = String(shown.at);
    el.state.dataset.seq = String(data.seq);
    el.state.dataset.table = table;
  }

  /** The steps the phones and the wall showed: one card per step, with the tables it was at. */
  function drawCurrent(snap, steps, shownTables) {
    const byStep = new Map();
    for (const t of shownTables) {
      for (const [role, sid] of Object.entries(snap.current[t] || {})) {
        const step = steps.get(sid);
        if (!step) continue;
        if (!byStep.has(sid)) byStep.set(sid, { step, tables: new Set(), roles: new Set() });
        byStep.get(sid).tables.add(t);
        if (role !== "*") byStep.get(sid).roles.add(role);
      }
    }
    const items = [...byStep.values()].sort((a, b) => b.step.seq - a.step.seq);
    el.noStep.hidden = items.length > 0;
    keyed(el.current, items, (item) => item.step.id, (item) => {
      const li = h("li", { class: "replay-step", dataset: { stepId: item.step.id } },
        h("p", { class: "replay-step-title" }),
        h("p", { class: "replay-step-text" }),
        h("p", { class: "replay-step-meta" },
          h("span", { class: "replay-step-where" }),
          h("span", { class: "replay-clock", dataset: { clock: item.step.id } })));
      return li;
    }, (li, item) => {
      const { step } = item;
      const kind = KIND_NAMES[step.kind] || step.kind;
      const title = step.spec && step.spec.title ? `${kind}: ${step.spec.title}` : kind;
      setText(li.querySelector(".replay-step-title"), title);
      setText(li.querySelector(".replay-step-text"), step.text);
      const all = !shown.table && item.tables.size === tableIds.length;
      const few = [...item.tables].sort(byTableId);
      const named = few.length > 12 ? `${few.slice(0, 12).map(tableName).join(", ")} and ${few.length - 12} more` : few.map(tableName).join(", ");
      const tables = all ? "At every table" : `At ${named}`;
      const roles = item.roles.size ? `, for ${[...item.roles].map(roleName).join(" and ")}s` : "";
      setText(li.querySelector(".replay-step-where"), `${tables}${roles} · pushed at ${formatTime(step.pushed_at)}`);
      if (li.dataset.status !== step.status) li.dataset.status = step.status;
    });
  }

  let tiles = new Map(); // table id -> li, made once per set of tables

  function makeTile(id) {
    const button = h("button", { type: "button", class: "replay-tile", "aria-pressed": "false", on: { click: () => follow(filter === id ? "" : id) } },
      h("span", { class: "tile-name", text: tableName(id) }),
      h("span", { class: "tile-counts" }),
      h("span", { class: "tile-step" }));
    const li = h("li", { dataset: { tableId: id } }, button);
    li._parts = { button, counts: button.children[1], step: button.children[2] };
    return li;
  }

  /** A tile per table: people and ideas then, and the step it was shown; the followed one alone. */
  function drawTiles(snap, steps, table) {
    setText(el.tablesHeading, table ? `${tableName(table)}` : `Tables (${tableIds.length})`);
    el.allTables.hidden = !table;
    el.tablesHint.hidden = Boolean(table);
    el.tables.classList.toggle("one", Boolean(table));
    for (const [id, li] of tiles) {
      const on = !table || id === table;
      if (li.hidden === on) li.hidden = !on;
      if (!on) continue;
      const { button, counts, step } = li._parts;
      setText(counts, `${plural(snap.joined[id] || 0, "person", "people")} · ${plural(snap.idea_counts[id] || 0, "idea")}`);
      const slots = snap.current[id] || {};
      const everyone = steps.get(slots["*"]);
      const label = everyone ? `${stepLabel(everyone).slice(0, 80)}${everyone.status === "ended" ? " (ended)" : ""}` : "No step yet";
      setText(step, label);
      const pressed = String(id === table);
      if (button.getAttribute("aria-pressed") !== pressed) button.setAttribute("aria-pressed", pressed);
    }
  }

  /** One page of ideas, newest first: the room's latest, or the followed table's. */
  function drawIdeas(snap, steps, table) {
    const list = snap.ideas || [];
    const names = snap.names || {};
    const total = snap.ideas_total || 0;
    setText(el.ideasHeading, table ? `${tableName(table)}: its ideas, newest first` : "The latest ideas in the room");
    setText(el.ideasCount, list.length < total ? `The latest ${list.length} of ${total}; the ideas CSV has them all.` : plural(total, "idea"));
    el.noIdeas.hidden = list.length > 0;
    el.moreIdeas.hidden = list.length >= total || shown.ideas >= MAX_IDEAS;
    keyed(el.ideas, list, (idea) => idea.id, (idea) =>
      h("li", { dataset: { ideaId: idea.id } },
        h("p", { class: "idea-text" }),
        h("p", { class: "idea-meta" }, h("span", { class: "idea-when" }), h("span", { class: "idea-where" }), h("span", { class: "idea-who" }),
          h("span", { class: "idea-step" }), h("span", { class: "tag hidden-tag", text: "Hidden" }))),
    (li, idea) => {
      const hidden = Boolean(idea.hidden);
      if (li.dataset.hidden !== String(hidden)) {
        li.classList.toggle("hidden-idea", hidden);
        li.dataset.hidden = String(hidden);
        li.querySelector(".hidden-tag").hidden = !hidden;
      }
      setText(li.querySelector(".idea-text"), idea.text ?? "");
      setText(li.querySelector(".idea-when"), formatTime(idea.at));
      setText(li.querySelector(".idea-where"), table ? "" : tableName(idea.table_id));
      setText(li.querySelector(".idea-who"), (!idea.anonymous && names[idea.participant_id]) || "anonymous");
      const step = steps.get(idea.step_id);
      setText(li.querySelector(".idea-step"), step ? `on “${stepLabel(step).slice(0, 60)}”` : "");
    });
  }

  /** Ideas each step had drawn (the followed table's, or the room's): the steps pushed by then, newest first. */
  function drawPerStep(snap, table) {
    const counts = snap.step_ideas || {};
    const steps = visibleMarks.filter((m) => m.kind === "step" && m.seq <= shown.data.seq && counts[m.step_id]).reverse(); // newest first
    const top = Math.max(1, ...steps.map((m) => counts[m.step_id]));
    setText(el.perStepHeading, table ? `${tableName(table)}: ideas per step` : "Ideas per step");
    el.perStepNone.hidden = steps.length > 0;
    keyed(el.perStep, steps, (m) => m.step_id, (m) =>
      h("li", { dataset: { stepId: m.step_id } },
        h("span", { class: "bar-label", text: m.label }),
        h("span", { class: "bar-track", "aria-hidden": "true" }, h("span", { class: "bar" })),
        h("span", { class: "bar-value" })),
    (li, m) => {
      const n = counts[m.step_id];
      setText(li.lastElementChild, plural(n, "idea"));
      const width = `${((n / top) * 100).toFixed(1)}%`;
      const bar = li.children[1].firstElementChild;
      if (bar.style.width !== width) bar.style.width = width;
    });
  }

  function bar(fraction, part = "") {
    return h("span", { class: `bar${part ? ` part-${part}` : ""}`, style: `width: ${(Math.max(0, Math.min(1, fraction)) * 100).toFixed(1)}%` });
  }

  function resultRows(result, step) {
    const method = result.method;
    const options = result.options || [];
    const scale = step && step.spec && Array.isArray(step.spec.scale) ? step.spec.scale : null;
    const top = (key) => Math.max(1, ...options.map((o) => Number(o[key]) || 0));
    return options.map((o) => {
      let bars;
      let value;
      if (method === "agree_disagree_pass") {
        const n = Math.max(1, (o.agree || 0) + (o.disagree || 0) + (o.pass || 0));
        bars = [bar((o.agree || 0) / n, "agree"), bar((o.disagree || 0) / n, "disagree"), bar((o.pass || 0) / n, "pass")];
        value = `${o.agree || 0} agree · ${o.disagree || 0} disagree · ${o.pass || 0} pass`;
      } else if (method === "dots") {
        bars = [bar((o.dots || 0) / top("dots"))];
        value = `${plural(o.dots || 0, "dot")} from ${plural(o.voters || 0, "person", "people")}`;
      } else if (method === "score" || method === "pass_and_score") {
        const max = scale ? scale[1] : top("mean");
        bars = [bar((o.mean || 0) / max)];
        value = o.mean == null ? "no scores" : `mean ${o.mean.toFixed(1)}${scale ? ` of ${max}` : ""} from ${plural(o.scores, "score")}, total ${o.total}`;
      } else if (method === "rank") {
        bars = [bar((o.points || 0) / top("points"))];
        value = `${plural(o.points || 0, "point")}, ranked by ${o.ranked || 0}${o.mean_rank != null ? `, mean rank ${o.mean_rank.toFixed(1)}` : ""}`;
      } else if (method === "place") {
        bars = [bar((o.placed || 0) / top("placed"))];
        value = o.placed ? `placed by ${o.placed}, mean at (${o.x.toFixed(2)}, ${o.y.toFixed(2)})` : "not placed";
      } else {
        bars = [];
        value = "";
      }
      return h("li", {},
        h("span", { class: "bar-label", text: o.text }),
        h("span", { class: "bar-track", "aria-hidden": "true" }, ...bars),
        h("span", { class: "bar-value", text: value }));
    });
  }

  function drawResults(snap, steps) {
    const results = snap.results || [];
    el.resultsPanel.hidden = results.length === 0;
    keyed(el.results, results, (r) => r.step_id, () =>
      h("div", { class: "replay-result" }, h("h4", {}), h("p", { class: "muted" }), h("ul", { class: "replay-bars" })),
    (div, r) => {
      const step = steps.get(r.step_id);
      setText(div.querySelector("h4"), step ? stepLabel(step) : r.step_id);
      const status = step && step.status === "ended" ? "closed" : "open";
      setText(div.querySelector("p"), `${METHOD_NAMES[r.method] || r.method || "vote"} · ${plural(r.voters, "voter")} · ${status}`);
      const rows = resultRows(r, step);
      const ul = div.querySelector("ul");
      const signature = JSON.stringify(r.options);
      if (ul.dataset.signature !== signature) {
        ul.replaceChildren(...rows);
        ul.dataset.signature = signature;
      }
    });
  }

  function drawTopics(snap) {
    const topics = snap.topics || [];
    el.topicsPanel.hidden = topics.length === 0;
    keyed(el.topics, topics, (t) => t.id, () => h("li", {}, h("strong", {}), h("span", { class: "muted" })), (li, t) => {
      setText(li.querySelector("strong"), t.title);
      setText(li.querySelector("span"), ` · ${t.slot}, ${t.space} · ${plural(t.count, "person", "people")}`);
    });
  }

  function sessionRowState(row, session) {
    if (row.skipped) return "skipped";
    if (row.started_at && row.ended_at) return "done";
    if (row.started_at) return session.status === "paused" ? "paused" : "running";
    return "upcoming";
  }

  function drawSessions(snap) {
    const sessions = snap.sessions || [];
    el.sessionsPanel.hidden = sessions.length === 0;
    keyed(el.sessions, sessions, (s) => s.id, () =>
      h("div", { class: "replay-session" },
        h("h4", {}, h("span", { class: "name" }), " ", h("span", { class: "tag state" })),
        h("div", { class: "sheet-scroll" },
          h("table", { class: "list runsheet" },
            h("thead", {}, h("tr", {},
              h("th", { scope: "col", text: "#" }), h("th", { scope: "col", text: "Step" }), h("th", { scope: "col", text: "Kind" }),
              h("th", { scope: "col", text: "Planned" }), h("th", { scope: "col", text: "Actual" }), h("th", { scope: "col", text: "State" }))),
            h("tbody", {})))),
    (div, s) => {
      setText(div.querySelector(".name"), s.title);
      setText(div.querySelector(".tag.state"), s.status);
      const rows = (s.runsheet || []).map((row) => {
        const state = sessionRowState(row, s);
        const planned = `${formatDuration(row.planned_offset_s * 1000)} + ${row.planned_s != null ? formatDuration(row.planned_s * 1000) : "open"}`;
        let actual = "";
        if (row.started_at) {
          const end = row.ended_at || shown.at;
          actual = `${formatTime(row.started_at)}, ${elapsedText(end - row.started_at)}${row.ended_at ? "" : " so far"}`;
        }
        return h("tr", { dataset: { state } },
          h("td", { class: "num", text: String(row.index + 1) }),
          h("td", { text: row.title }),
          h("td", { text: KIND_NAMES[row.kind] || row.kind }),
          h("td", { class: "num", text: planned }),
          h("td", { class: "actual", text: actual }),
          h("td", {}, h("span", { class: "tag state", text: state })));
      });
      const tbody = div.querySelector("tbody");
      const signature = JSON.stringify([s.runsheet, s.status, rows.some((r) => r.dataset.state === "running") ? shown.at : 0]);
      if (tbody.dataset.signature !== signature) {
        tbody.replaceChildren(...rows);
        tbody.dataset.signature = signature;
      }
    });
  }

  /** Step timers as they stood at the cursor (deadline minus the instant shown). */
  function drawClocks() {
    if (!shown || !shown.steps) return;
    const steps = shown.steps;
    for (const clock of el.current.querySelectorAll("[data-clock]")) {
      const { state, text } = clockAt(steps.get(clock.dataset.clock), cursor);
      setText(clock, text);
      clock.dataset.state = state;
    }
  }

  // --- controls ------------------------------------------------------------------------------

  el.scrubber.addEventListener("input", () => setCursor(Number(el.scrubber.value), { fromScrubber: true }));
  el.scrubber.addEventListener("keydown", (event) => {
    const moves = {
      ArrowLeft: -keyStep(),
      ArrowDown: -keyStep(),
      ArrowRight: keyStep(),
      ArrowUp: keyStep(),
      PageDown: -10 * keyStep(),
      PageUp: 10 * keyStep(),
    };
    if (event.key === "Home") setCursor(first);
    else if (event.key === "End") setCursor(last);
    else if (event.key in moves) setCursor(cursor + moves[event.key]);
    else return;
    event.preventDefault(); // our steps, not the browser's (the range's step is "any")
  });

  // the drawn timeline answers the mouse and touch too (the range input is its accessible twin)
  const seekFromPointer = (event) => {
    const box = el.strip.getBoundingClientRect();
    if (!box.width) return;
    setCursor(first + ((event.clientX - box.left) / box.width) * span());
  };
  el.strip.addEventListener("pointerdown", (event) => {
    if (!timeline) return;
    el.strip.setPointerCapture(event.pointerId);
    seekFromPointer(event);
  });
  el.strip.addEventListener("pointermove", (event) => {
    if (el.strip.hasPointerCapture(event.pointerId)) seekFromPointer(event);
  });

  el.play.addEventListener("click", () => (playing ? pause() : play()));
  el.start.addEventListener("click", () => jumpTo(first));
  el.end.addEventListener("click", () => jumpTo(last));
  el.next.addEventListener("click", () => {
    const at = stepTimes.find((t) => t > cursor);
    if (at != null) jumpTo(at);
  });
  el.prev.addEventListener("click", () => {
    const before = stepTimes.filter((t) => t < cursor);
    if (before.length) jumpTo(before[before.length - 1]);
  });
  el.speed.addEventListener("change", () => {
    if (!SPEEDS.includes(Number(el.speed.value))) el.speed.value = "60";
  });
  function follow(table) {
    filter = table;
    ideasWanted = table ? TABLE_IDEAS : ROOM_IDEAS;
    if (el.table.value !== table) el.table.value = table;
    applyFilter();
    requestState();
  }
  el.table.addEventListener("change", () => follow(el.table.value));
  el.allTables.addEventListener("click", () => follow(""));
  el.moreIdeas.addEventListener("click", () => {
    ideasWanted = Math.min(MAX_IDEAS, ideasWanted * 2);
    requestState();
  });

  // a live event grows: read the timeline again a little after new entries (and stay at the end
  // if that is where the viewer was)
  live.on("entry", () => {
    if (!timeline) return;
    stale = true;
    if (!visible || refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      if (visible && stale) loadTimeline();
    }, TIMELINE_REFRESH_MS);
  });

  return {
    show() {
      visible = true;
      if (!timeline || stale) loadTimeline();
    },
    hide() {
      visible = false;
      pause();
    },
  };
}

// --- exports ---------------------------------------------------------------------------------

function fileName(disposition) {
  const match = /filename="?([^";]+)"?/i.exec(disposition || "");
  return match ? match[1] : null;
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The audience a download is for: the reactions file and the transcript are for staff only. */
export function exportAudience(button, chosen) {
  if (button.dataset.export === "jsonl") return null; // the complete record: no audience
  if (button.dataset.csvTable === "reactions") return "staff"; // each person's answers
  return chosen;
}

/**
 * Each [data-export] button downloads GET /export?format=... (with the token) as a file, for the
 * audience `audience()` returns ("shared" or "staff"; none: the server's default).
 */
export function bindExports({ eventId, token, buttons, message, audience = () => null }) {
  for (const button of buttons) {
    button.addEventListener("click", async () => {
      const format = button.dataset.export;
      const query = new URLSearchParams({ format });
      if (button.dataset.csvTable) query.set("csv_table", button.dataset.csvTable);
      const forWhom = exportAudience(button, audience());
      if (forWhom) query.set("audience", forWhom);
      const label = button.textContent.trim();
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      say(message, `Preparing ${label}…`);
      try {
        const response = await api(`/api/events/${encodeURIComponent(eventId)}/export?${query}`, { token, raw: true });
        const blob = await response.blob();
        const suffix = button.dataset.csvTable ? `-${button.dataset.csvTable}` : "";
        const name = fileName(response.headers.get("Content-Disposition")) || `wholeroom-${eventId}${suffix}.${format}`;
        const url = URL.createObjectURL(blob);
        const link = h("a", { href: url, download: name });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        say(message, `Saved ${name} (${sizeText(blob.size)}).`, "ok");
      } catch (err) {
        say(message, `Could not export ${label}: ${err.message}`, "error");
      } finally {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    });
  }
}
