// Themes, drawn for the wall (and words shared with the console) from a `themes` message
// (docs/protocol.md, docs/themes.md): the theme list with breadth and example ideas, and a 2-D map
// of the ideas coloured by theme. Idea texts and labels come from people (or from their words):
// they only ever go in as textContent.

import { svg } from "./charts.js";
import { t, tn } from "./i18n.js";
import { ideaLang } from "./model.js";
import { h, isolate } from "./ui.js";

/**
 * Paul Tol's "light" qualitative scheme: eight colours told apart with the common colour-vision
 * deficiencies, light enough to read on the wall's dark background. Every coloured theme also
 * carries its number and its label on the map, so colour is never the only cue.
 */
export const COLOURS = ["#77aadd", "#ee8866", "#eedd88", "#ffaabb", "#99ddff", "#44bb99", "#bbcc33", "#dddddd"];
export const COLOURED = COLOURS.length;
let uid = 0;

/**
 * Colours that stay with their theme while the themes grow and reorder (a projector whose colours
 * swapped every time one theme overtook another would mislead). `memory` (a Map, kept by the page)
 * holds theme id -> colour index; the largest COLOURED themes get a colour, the others none.
 */
export function assignColours(themes, memory) {
  const top = themes.slice(0, COLOURED).map((tb) => tb.id);
  const keep = new Set(top);
  for (const id of [...memory.keys()]) if (!keep.has(id)) memory.delete(id);
  const used = new Set(memory.values());
  for (const id of top) {
    if (memory.has(id)) continue;
    let free = 0;
    while (used.has(free)) free += 1;
    memory.set(id, free);
    used.add(free);
  }
  return (id) => (memory.has(id) ? COLOURS[memory.get(id)] : null);
}

const ideas = (n) => tn("{n} idea", "{n} ideas", n);
const smallerThemes = (n) => tn("and {n} smaller theme", "and {n} smaller themes", n);
const themeCount = (n) => tn("{n} theme", "{n} themes", n);

/** "raised at 5 of 15 tables" (the console), from a theme's breadth. */
export function breadthWords(theme, tableCount) {
  if (tableCount) return tn("raised at {breadth} of {n} table", "raised at {breadth} of {n} tables", tableCount, { breadth: theme.breadth });
  return tn("raised at {n} table", "raised at {n} tables", theme.breadth);
}

/** Short for the projector: "3 tables". */
export function breadthShort(theme) {
  return tn("{n} table", "{n} tables", theme.breadth);
}

/** A theme's ideas that a screen may show (`keep(id)` false drops one: the wall never shows a hidden idea). */
export function shownIdeas(theme, keep) {
  return keep ? theme.idea_ids.filter(keep) : [...theme.idea_ids];
}

/** Themes with at least one idea the screen may show, biggest first (as the server sends them). */
export function shownThemes(view, keep) {
  if (!view) return [];
  return view.themes.map((tb) => ({ ...tb, idea_ids: shownIdeas(tb, keep) })).filter((tb) => tb.idea_ids.length);
}

/** One line on the themes (for a polite live region: it changes only with the themes themselves). */
export function headline(view, keep) {
  const themes = shownThemes(view, keep);
  if (!themes.length) return view ? t("No themes yet.") : t("Themes appear a few seconds after ideas arrive.");
  const top = themes[0];
  return t("{themes}. The largest: {label}, {breadth}.", { themes: themeCount(themes.length), label: top.label, breadth: breadthShort(top) });
}

/** The counts line: themes, ideas, unthemed. */
export function counts(view, keep) {
  if (!view) return "";
  const themes = shownThemes(view, keep);
  const inThemes = themes.reduce((n, tb) => n + tb.idea_ids.length, 0);
  const loose = (keep ? view.unthemed.filter(keep) : view.unthemed).length;
  const rest = loose ? " · " + tn("{n} idea not in a theme yet", "{n} ideas not in a theme yet", loose) : "";
  return t("{themes} from {ideas}", { themes: themeCount(themes.length), ideas: ideas(inThemes + loose) }) + rest;
}

/** Words for the map: each coloured theme with its size, for the SVG's description. */
export function mapWords(view, keep) {
  const themes = shownThemes(view, keep);
  const loose = (keep ? view.unthemed.filter(keep) : view.unthemed).length;
  const named = themes.slice(0, COLOURED).map((tb, i) => t("{i}, {label}: {ideas} from {breadth}", {
    i: i + 1, label: tb.label, ideas: ideas(tb.idea_ids.length), breadth: breadthShort(tb),
  }));
  const parts = [named.join("; ")];
  if (themes.length > COLOURED) parts.push(tn("{n} smaller theme in grey", "{n} smaller themes in grey", themes.length - COLOURED));
  if (loose) parts.push(tn("{n} idea not in a theme, as hollow grey circles", "{n} ideas not in a theme, as hollow grey circles", loose));
  return t("{themes}: {list}. Ideas that say similar things are close together.", { themes: themeCount(themes.length), list: parts.join("; ") });
}

function clip(text, max) {
  const str = String(text || "");
  return str.length > max ? `${str.slice(0, max - 1).trimEnd()}…` : str;
}

/** A label in one or two lines of at most `width` characters (split at " · " or a space). */
function labelLines(text, width) {
  const str = String(text || "");
  if (str.length <= width) return [str];
  const cuts = [];
  for (let i = 0; i < str.length; i += 1) if (str[i] === " ") cuts.push(i);
  const mid = str.length / 2;
  const best = cuts.sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid))[0];
  if (best == null) return [clip(str, width)];
  let first = str.slice(0, best).replace(/\s*·$/, "");
  let second = str.slice(best + 1).replace(/^·\s*/, "");
  first = clip(first, width);
  second = clip(second, width);
  return [first, second];
}

/**
 * The map as an SVG: each idea a dot in its theme's colour (the 8 largest themes coloured, with
 * their number at their centre and their name beside them where it fits; smaller themes grey dots;
 * unthemed ideas hollow grey circles), a faint disc around each coloured theme. role="img" with a
 * title and a description that lists the themes.
 */
export function themeMap(view, { keep = null, width = 150, height = 100, colours = new Map() } = {}) {
  const themes = shownThemes(view, keep);
  const colourOf = assignColours(themes, colours);
  const positions = view.positions || {};
  const loose = (keep ? view.unthemed.filter(keep) : view.unthemed).filter((i) => positions[i]);
  const id = `th-map-${++uid}`;
  // zoom on the ideas there are (one scale for both axes: distances stay true), leaving room for labels
  const all = [...themes.flatMap((tb) => tb.idea_ids), ...loose].map((i) => positions[i]).filter(Boolean);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = all.length ? [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)] : [0, 1, 0, 1];
  const spanX = Math.max(maxX - minX, 0.2);
  const spanY = Math.max(maxY - minY, 0.2);
  const padX = 24;
  const padY = 14;
  const scale = Math.min((width - 2 * padX) / spanX, (height - 2 * padY) / spanY);
  const midX = (minX + maxX) / 2;
  const midY = (minY + maxY) / 2;
  const at = ([x, y]) => [width / 2 + (x - midX) * scale, height / 2 + (y - midY) * scale];
  const total = all.length;
  const r = Math.max(0.9, Math.min(2.6, 16 / Math.sqrt(Math.max(1, total))));
  const f = (v) => v.toFixed(2);
  const dot = ([x, y], radius) => `M${f(x - radius)} ${f(y)}a${f(radius)} ${f(radius)} 0 1 0 ${f(2 * radius)} 0a${f(radius)} ${f(radius)} 0 1 0 ${f(-2 * radius)} 0z`;

  const discs = [];
  const layers = [];
  const groups = []; // coloured themes: {i, cx, cy, disc, colour, theme}
  themes.forEach((theme, i) => {
    const pts = theme.idea_ids.filter((idea) => positions[idea]).map((idea) => at(positions[idea]));
    if (!pts.length) return;
    const colour = colourOf(theme.id);
    layers.push(svg("path", {
      d: pts.map((p) => dot(p, r)).join(""),
      class: colour ? "th-dots" : "th-dots th-other",
      style: colour ? `--th: ${colour}` : null,
    }));
    if (!colour) return;
    const cx = pts.reduce((sum, p) => sum + p[0], 0) / pts.length;
    const cy = pts.reduce((sum, p) => sum + p[1], 0) / pts.length;
    const disc = Math.max(...pts.map(([x, y]) => Math.hypot(x - cx, y - cy))) + r * 2;
    discs.push(svg("circle", { cx: f(cx), cy: f(cy), r: f(disc), class: "th-disc", style: `--th: ${colour}` }));
    groups.push({ i, cx, cy, disc, colour, theme });
  });

  // At each coloured theme's centre its number (as in the list); its name beside the disc where it
  // covers no other theme, number or name (else the number alone says which theme it is).
  const badge = 3.1;
  const fs = 4.6;
  const boxes = groups.map((g) => [g.cx - badge, g.cy - badge, g.cx + badge, g.cy + badge]);
  const overlaps = (a, b) => a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1];
  const hitsDisc = (box, g) => {
    const nx = Math.max(box[0], Math.min(g.cx, box[2]));
    const ny = Math.max(box[1], Math.min(g.cy, box[3]));
    return Math.hypot(nx - g.cx, ny - g.cy) < g.disc;
  };
  const names = [];
  for (const g of groups) {
    const lines = labelLines(g.theme.label, 22);
    const w = Math.max(...lines.map((l) => l.length)) * fs * 0.56 + 1.5;
    const hgt = lines.length * fs * 1.15 + 0.6;
    const gap = 0.6;
    const tries = [
      [g.cx, g.cy - g.disc - gap - hgt / 2], [g.cx, g.cy + g.disc + gap + hgt / 2],
      [g.cx + g.disc + gap + w / 2, g.cy], [g.cx - g.disc - gap - w / 2, g.cy],
      [g.cx + g.disc * 0.7 + w / 2, g.cy - g.disc * 0.7 - hgt / 2], [g.cx - g.disc * 0.7 - w / 2, g.cy - g.disc * 0.7 - hgt / 2],
      [g.cx + g.disc * 0.7 + w / 2, g.cy + g.disc * 0.7 + hgt / 2], [g.cx - g.disc * 0.7 - w / 2, g.cy + g.disc * 0.7 + hgt / 2],
    ];
    for (const [tx, ty] of tries) {
      const box = [tx - w / 2, ty - hgt / 2, tx + w / 2, ty + hgt / 2];
      if (box[0] < 0.5 || box[2] > width - 0.5 || box[1] < 0.5 || box[3] > height - 0.5) continue;
      if (boxes.some((b) => overlaps(box, b))) continue;
      if (groups.some((o) => o !== g && hitsDisc(box, o))) continue;
      boxes.push(box);
      const top = ty - ((lines.length - 1) * fs * 1.15) / 2;
      names.push(svg("text", { x: f(tx), y: f(top), "text-anchor": "middle", class: "th-label", "font-size": fs },
        // each line isolated: an Arabic label (or its "…") reads right to left in a left-to-right map
        lines.map((line, n) => svg("tspan", { x: f(tx), dy: n ? f(fs * 1.15) : "0.35em", text: isolate(line) }))));
      break;
    }
  }
  const badges = groups.map((g) => svg("g", { class: "th-badge", style: `--th: ${g.colour}` },
    svg("circle", { cx: f(g.cx), cy: f(g.cy), r: f(badge) }),
    svg("text", { x: f(g.cx), y: f(g.cy), dy: "0.36em", "text-anchor": "middle", "font-size": 4, text: String(g.i + 1) })));
  const plot = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "th-map", role: "img", "aria-labelledby": `${id}-t ${id}-d`,
    preserveAspectRatio: "xMidYMid meet",
  },
  svg("title", { id: `${id}-t`, text: t("Map of the ideas by theme") }),
  svg("desc", { id: `${id}-d`, text: mapWords(view, keep) }),
  svg("rect", { x: 0.3, y: 0.3, width: width - 0.6, height: height - 0.6, rx: 2, class: "th-map-area" }),
  discs,
  loose.length ? svg("path", { d: loose.map((i) => dot(at(positions[i]), r * 0.85)).join(""), class: "th-loose" }) : null,
  layers,
  badges,
  names);
  return plot;
}

/**
 * A theme divided finer, on demand (docs/protocol.md, `GET .../themes/{id}/subthemes`):
 * `{theme_id, label, subthemes: [theme...], note}`. Throws an Error with the server's words.
 */
export async function fetchSubthemes(eventId, token, themeId) {
  const url = `/api/events/${encodeURIComponent(eventId)}/themes/${encodeURIComponent(themeId)}/subthemes`;
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((body.error && body.error.message) || t("The server answered {status}.", { status: String(response.status) }));
  return body;
}

/**
 * Keeps one theme's sub-themes current while it is open: asks again when the theme's ideas change,
 * one request at a time (a change during a request is asked for after it). `onChange` redraws.
 */
export class Drill {
  constructor(eventId, token, onChange) {
    Object.assign(this, { eventId, token, onChange });
    this.themeId = null;
    this.data = null; // the last answer for the open theme
    this.error = "";
    this.loading = false;
    this.asked = ""; // the ideas of the theme when last asked
    this.wanted = "";
  }

  open(themeId) {
    Object.assign(this, { themeId, data: null, error: "", asked: "", wanted: "" });
  }

  close() {
    this.themeId = null;
    this.data = null;
  }

  /** The open theme as it is now on screen (null: it is gone, so the drill-down closes). */
  follow(theme) {
    if (!this.themeId) return;
    if (!theme) {
      this.close();
      return;
    }
    this.wanted = [...theme.idea_ids].sort().join(" ");
    if (this.wanted !== this.asked && !this.loading) this.ask();
  }

  async ask() {
    const themeId = this.themeId;
    this.asked = this.wanted;
    this.loading = true;
    queueMicrotask(this.onChange); // not from inside the caller's own drawing
    try {
      const data = await fetchSubthemes(this.eventId, this.token, themeId);
      if (this.themeId === themeId) Object.assign(this, { data, error: "" });
    } catch (err) {
      if (this.themeId === themeId) this.error = err.message || String(err);
    } finally {
      this.loading = false;
    }
    if (this.themeId === themeId && this.wanted !== this.asked) this.ask();
    else this.onChange();
  }
}

/** The wall's theme list: number and colour, label, breadth, a few example ideas; with `drill`,
 * each name is a button that opens that theme's sub-themes. */
/** An example idea, with its language (a tag, and the `lang` screen readers pronounce it in). */
function exampleItem(view, ideaId, text) {
  const lang = ideaLang(view, ideaId);
  return h("li", { text, dir: "auto", lang: lang || null, dataset: lang ? { lang } : {} }); // an idea: its own direction
}

export function themeList(view, { keep = null, limit = COLOURED, text = (id) => id, colours = new Map(), drill = null } = {}) {
  const themes = shownThemes(view, keep);
  const colourOf = assignColours(themes, colours);
  const shown = themes.slice(0, limit);
  // as many example ideas as fit beside the map: fewer as the themes grow in number
  const examples = (i) => (shown.length <= 3 ? 3 : shown.length <= 5 ? 2 : i < 4 ? 1 : 0);
  const list = h("ol", { class: "th-list", dataset: { count: String(shown.length) } }, shown.map((theme, i) => {
    const first = theme.example_idea_id && theme.idea_ids.includes(theme.example_idea_id) ? [theme.example_idea_id] : [];
    const ids = [...first, ...theme.idea_ids.filter((x) => !first.includes(x))].slice(0, examples(i));
    const li = h("li", { class: "th-theme", dataset: { themeId: theme.id } },
      h("span", { class: "th-num", "aria-hidden": "true", text: String(i + 1) }),
      h("div", { class: "th-body" },
        h("p", { class: "th-label-line" },
          h("span", { class: "visually-hidden", text: t("Theme {i}:", { i: i + 1 }) + " " }),
          drill
            ? h("button", {
              type: "button", class: "th-name th-drill", dir: "auto", text: theme.label,
              "aria-label": t("Look closer at theme {i}, {label} (key {i})", { i: i + 1, label: theme.label }),
              on: { click: () => drill(theme.id) },
            })
            : h("span", { class: "th-name", dir: "auto", text: theme.label }),
          h("span", { class: "th-breadth", text: breadthShort(theme) }),
          h("span", { class: "th-size", text: ideas(theme.idea_ids.length) })),
        ids.length ? h("ul", { class: "th-examples", "aria-label": t("For example") }, ids.map((idea) => exampleItem(view, idea, text(idea)))) : null));
    li.style.setProperty("--th", colourOf(theme.id) || "#5f6475");
    return li;
  }));
  const box = h("div", { class: "th-list-box", dataset: { total: String(themes.length) } }, list,
    h("p", { class: "th-more", hidden: themes.length <= shown.length, text: smallerThemes(themes.length - shown.length) }));
  return box;
}

/**
 * Once the list is on screen: make it fit without scrolling. Example ideas go first, from the
 * smallest theme up, then whole themes from the bottom; the
 * "and N smaller themes" line counts what is left out.
 */
export function fitList(box) {
  const list = box && box.querySelector(".th-list");
  if (!list) return;
  const fits = () => list.scrollHeight <= list.clientHeight + 1;
  for (let guard = 0; guard < 200 && !fits(); guard += 1) {
    const items = [...list.children];
    const several = items.filter((li) => li.querySelectorAll(".th-examples li").length > 1).pop();
    const item = several || items.filter((li) => li.querySelector(".th-examples li")).pop();
    if (item) {
      const examples = item.querySelector(".th-examples");
      if (examples.children.length > 1) examples.lastElementChild.remove();
      else examples.remove();
    } else if (items.length > 1) {
      items[items.length - 1].remove();
    } else {
      break;
    }
  }
  const left = Number(box.dataset.total) - list.children.length;
  const more = box.querySelector(".th-more");
  more.hidden = left <= 0;
  more.textContent = left === Number(box.dataset.total) ? tn("and {n} theme", "and {n} themes", left) : smallerThemes(left);
}
