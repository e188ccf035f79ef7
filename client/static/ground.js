// Common ground, drawn for the console and the wall from a `common_ground` analysis
// (docs/protocol.md, docs/common-ground.md). Four views side by side, never one ranking:
// what every group supports (with each group's support), what sets each group apart (both
// directions), what people pass on, and the opinion map. Below the thresholds: the notice and
// plain tallies. Idea texts come from people: they only ever go in as textContent.

import { svg } from "./charts.js";
import { formatNumber, t, tn, tNodes } from "./i18n.js";
import { bdi, h } from "./ui.js";
import { roleName } from "./words.js";

/** Group letters in the order the server gives them (A is the largest). */
export const LETTERS = ["A", "B", "C", "D", "E"];
/** One shape per group as well as a colour, so the map reads without colour too. */
const SHAPES = { A: "circle", B: "square", C: "triangle", D: "diamond", E: "cross" };
let uid = 0;

const people = (n) => tn("{n} person", "{n} people", n);
const opinionGroups = (n) => tn("{n} opinion group", "{n} opinion groups", n);

function percent(part, whole) {
  return whole > 0 ? formatNumber(part / whole, { style: "percent" }) : "–";
}

function seqOf(id) {
  return Number(String(id).replace(/^\D+/, "")) || 0;
}

/** A path for one marker of `shape` centred on (x, y), radius r (SVG path data). */
function marker(shape, x, y, r) {
  const f = (v) => v.toFixed(2);
  switch (shape) {
    case "square": {
      const s = r * 0.9;
      return `M${f(x - s)} ${f(y - s)}h${f(2 * s)}v${f(2 * s)}h${f(-2 * s)}z`;
    }
    case "triangle": {
      const s = r * 1.25;
      return `M${f(x)} ${f(y - s)}L${f(x + s * 0.95)} ${f(y + s * 0.7)}L${f(x - s * 0.95)} ${f(y + s * 0.7)}z`;
    }
    case "diamond": {
      const s = r * 1.25;
      return `M${f(x)} ${f(y - s)}L${f(x + s)} ${f(y)}L${f(x)} ${f(y + s)}L${f(x - s)} ${f(y)}z`;
    }
    case "cross": {
      const a = r * 1.15;
      const b = r * 0.42;
      return `M${f(x - b)} ${f(y - a)}h${f(2 * b)}v${f(a - b)}h${f(a - b)}v${f(2 * b)}h${f(b - a)}v${f(a - b)}h${f(-2 * b)}v${f(b - a)}h${f(b - a)}v${f(-2 * b)}h${f(a - b)}z`;
    }
    default:
      return `M${f(x - r)} ${f(y)}a${f(r)} ${f(r)} 0 1 0 ${f(2 * r)} 0a${f(r)} ${f(r)} 0 1 0 ${f(-2 * r)} 0z`;
  }
}

/** A small inline key for a group: its shape in its colour, then (unless `bare`) the letter. */
export function groupKey(letter, { bare = false } = {}) {
  const icon = svg("svg", { viewBox: "0 0 10 10", class: `cg-key grp-${letter}`, "aria-hidden": "true", focusable: "false" },
    svg("path", { d: marker(SHAPES[letter] || "circle", 5, 5, 3.4) }));
  return h("span", { class: "cg-group-key" }, icon, bare ? null : h("span", { class: "cg-letter", text: letter }));
}

/** Which partition a view shows: "opinion", "tables", "roles" or "parts" (of the system). */
export function partitionOf(analysis, which) {
  if (!analysis) return null;
  if (which === "opinion") return analysis.opinion || null;
  return (analysis.by && analysis.by[which]) || null;
}

// What one part of each partition is called ("opinion group": the support list says "group")
const EVERY = {
  opinion: t("every opinion group"), tables: t("every table"), roles: t("every role"), parts: t("every part of the system"),
};
const SUPPORT_IN_EACH = {
  opinion: t("Support in each group"), tables: t("Support in each table"), roles: t("Support in each role"),
  parts: t("Support in each part of the system"),
};

/** A part's name as people read it: "Group A", "Table 2", "Table hosts". */
function partName(part, which) {
  if (which === "opinion") return t("Group {letter}", { letter: part.label });
  if (which === "roles") return roleName(part.name || part.label);
  return part.name || part.label;
}

/** Short part label for small bars: the letter, or the name. */
function partShort(part, which) {
  return which === "opinion" ? part.label : partName(part, which);
}

function ideaText(idea, { tagHidden }) {
  const p = h("p", { class: "cg-idea", dir: "auto", text: idea.text || t("(text not available)") });
  if (tagHidden && tagHidden(idea.idea_id)) p.append(" ", h("span", { class: "tag", text: t("hidden") }));
  return p;
}

/** An agree / disagree / pass stacked bar (aria-hidden: the numbers are in the text beside it). */
function stackBar(agree, disagree, pass, total) {
  const track = h("span", { class: "cg-track", "aria-hidden": "true" });
  for (const [name, n] of [["agree", agree], ["disagree", disagree], ["pass", pass]]) {
    if (!n) continue;
    const bar = h("span", { class: `cg-bar part-${name}` });
    bar.style.width = `${((100 * n) / Math.max(1, total)).toFixed(2)}%`;
    track.append(bar);
  }
  return track;
}

/**
 * Keep only ideas a screen may list: `keep(idea_id)` false drops it (the wall never shows a
 * hidden idea, nor one it does not know).
 */
function kept(list, keep) {
  return keep ? (list || []).filter((x) => keep(x.idea_id)) : list || [];
}

// --- common ground ---------------------------------------------------------------------------

/** Ideas every part supports, each with every part's support as a small bar. */
export function commonGround(view, which, { limit = Infinity, keep = null, tagHidden = null, short = false } = {}) {
  const parts = view.parts || [];
  const all = kept(view.common_ground, keep);
  const items = all.slice(0, limit);
  const box = h("div", { class: "cg-list cg-common" });
  if (!items.length) {
    const who = EVERY[which] || EVERY.parts;
    box.append(h("p", { class: "empty", text: t("No idea has the support of {who} yet (at least {share} agreeing in each, from at least {n} reactions).", {
      who, share: formatNumber(0.6, { style: "percent" }), n: 3,
    }) }));
    return box;
  }
  const order = parts.map((part, i) => [part, i]);
  if (which !== "opinion") order.sort(([a], [b]) => partName(a, which).localeCompare(partName(b, which), undefined, { numeric: true }));
  box.append(h("ol", { class: "cg-ideas" }, items.map((c) => h("li", { dataset: { ideaId: c.idea_id } },
    ideaText(c, { tagHidden }),
    h("ul", { class: "cg-support", "aria-label": SUPPORT_IN_EACH[which] || SUPPORT_IN_EACH.parts },
      order.map(([part, i]) => {
        const s = c.support[i] || { agree: 0, disagree: 0, pass: 0, seen: 0 };
        return h("li", { class: which === "opinion" ? `grp grp-${part.label}` : "", dataset: { part: part.label } },
          h("span", { class: "cg-part" },
            which === "opinion" ? groupKey(part.label) : h("span", { class: "cg-part-name", dir: "auto", text: partShort(part, which) }),
            h("span", { class: "cg-size", text: ` · ${part.size}` }),
            h("span", { class: "visually-hidden", text: " " + (which === "opinion" ? t("people in group {letter}:", { letter: part.label }) : t("people:")) })),
          stackBar(s.agree, s.disagree, s.pass, s.seen),
          h("span", { class: "cg-value", text: short ? percent(s.agree, s.seen) : t("{share} agree", { share: percent(s.agree, s.seen) }) }),
          short ? h("span", { class: "visually-hidden", text: " " + t("agree") }) : null,
          h("span", { class: "visually-hidden", text: " " + t("({agree} of {seen}; {disagree} disagree, {pass} pass)", s) }));
      }))))));
  if (all.length > items.length) box.append(h("p", { class: "muted more", text: t("and {n} more", { n: all.length - items.length }) }));
  return box;
}

// --- differences -------------------------------------------------------------------------------

/** For each part, the ideas that set it apart: agrees more, disagrees more than the rest. */
export function differences(view, which, { limit = 5, keep = null, tagHidden = null, compact = false } = {}) {
  const parts = [...(view.parts || [])];
  if (which !== "opinion") parts.sort((a, b) => partName(a, which).localeCompare(partName(b, which), undefined, { numeric: true }));
  return h("div", { class: "cg-list cg-differences" }, parts.map((part) => {
    const name = partName(part, which);
    const head = h("h4", { class: "cg-part-head" },
      which === "opinion" ? groupKey(part.label, { bare: true }) : null,
      h("span", { dir: "auto", text: name }),
      h("span", { class: "muted cg-size", text: ` · ${people(part.size)}` }));
    if (compact) {
      // the projector: one short line per direction, both under the group's name
      const lines = [[t("agrees more"), part.agrees_more, "agree"], [t("disagrees more"), part.disagrees_more, "disagree"]]
        .flatMap(([tag, list, verb]) => kept(list, keep).slice(0, limit).map((d) => h("li", { class: `cg-${verb}`, dataset: { ideaId: d.idea_id } },
          h("span", { class: "cg-dir", text: tag }), " ",
          h("span", { class: "cg-value", text: formatNumber(d.share, { style: "percent" }) }),
          h("span", { class: "visually-hidden", text: " " + (verb === "agree" ? t("of group {letter} agree:", { letter: part.label })
            : t("of group {letter} disagree:", { letter: part.label })) }), " ",
          h("span", { class: "cg-idea", dir: "auto", text: d.text || t("(text not available)") }))));
      return h("section", { class: which === "opinion" ? `cg-block compact grp grp-${part.label}` : "cg-block compact", dataset: { part: part.label } },
        head,
        lines.length ? h("ul", { class: "cg-lines" }, lines) : h("p", { class: "empty", text: t("Nothing sets this group apart yet.") }));
    }
    const block = (title, list, verb) => {
      const ideas = kept(list, keep).slice(0, limit);
      return h("div", { class: `cg-direction cg-${verb}` },
        h("p", { class: "cg-direction-title", text: title }),
        ideas.length
          ? h("ul", { class: "cg-ideas" }, ideas.map((d) => h("li", { dataset: { ideaId: d.idea_id } },
            ideaText(d, { tagHidden }),
            h("p", { class: "cg-value" }, ...(verb === "agree"
              ? tNodes("{share} of {part} agree", { share: formatNumber(d.share, { style: "percent" }), part: bdi(which === "opinion" ? part.label : name) })
              : tNodes("{share} of {part} disagree", { share: formatNumber(d.share, { style: "percent" }), part: bdi(which === "opinion" ? part.label : name) }))))))
          : h("p", { class: "empty" }, ...tNodes("Nothing sets {part} apart this way.", { part: bdi(name) })));
    };
    return h("section", { class: which === "opinion" ? `cg-block grp grp-${part.label}` : "cg-block", dataset: { part: part.label } },
      head,
      block(t("Agrees more than the rest"), part.agrees_more, "agree"),
      block(t("Disagrees more than the rest"), part.disagrees_more, "disagree"));
  }));
}

// --- uncertainty and tallies ---------------------------------------------------------------------

/** Ideas people often pass on. */
export function uncertainty(analysis, { limit = 5, keep = null, tagHidden = null } = {}) {
  const items = kept(analysis.uncertainty, keep).slice(0, limit);
  if (!items.length) return h("p", { class: "empty", text: t("No idea is passed on by more than {share} of the people who saw it.", { share: formatNumber(0.3, { style: "percent" }) }) });
  return h("ul", { class: "cg-ideas cg-uncertain" }, items.map((u) => h("li", { dataset: { ideaId: u.idea_id } },
    ideaText(u, { tagHidden }),
    h("p", { class: "cg-value", text: t("{passed} of {seen} passed ({share})", { passed: u.passed, seen: u.seen, share: percent(u.passed, u.seen) }) }))));
}

/**
 * Plain tallies per idea: agree / disagree / pass bars, in the order the ideas came (never ranked).
 * With a `limit`, the most-answered ideas are kept (still shown in their own order).
 */
export function tallies(analysis, { limit = Infinity, keep = null, tagHidden = null } = {}) {
  let rows = kept(analysis.tallies, keep).filter((tb) => tb.seen > 0);
  const total = rows.length;
  if (rows.length > limit) rows = [...rows].sort((a, b) => b.seen - a.seen).slice(0, limit);
  rows = [...rows].sort((a, b) => seqOf(a.idea_id) - seqOf(b.idea_id));
  if (!rows.length) return h("p", { class: "empty", text: t("No reactions yet.") });
  const max = Math.max(1, ...rows.map((tb) => tb.seen));
  const list = h("ol", { class: "bars cg-tallies" }, rows.map((tb) => {
    const track = h("div", { class: "bar-track", "aria-hidden": "true" });
    for (const name of ["agree", "disagree", "pass"]) {
      const bar = h("div", { class: `bar part-${name}` });
      bar.style.width = `${((100 * (tb[name] || 0)) / max).toFixed(2)}%`;
      track.append(bar);
    }
    const label = h("span", { class: "bar-label", dir: "auto", text: tb.text || t("(text not available)") });
    if (tagHidden && tagHidden(tb.idea_id)) label.append(" ", h("span", { class: "tag", text: t("hidden") }));
    return h("li", { dataset: { ideaId: tb.idea_id } }, label, track,
      h("span", { class: "bar-value", text: t("{agree} agree · {disagree} disagree · {pass} pass", tb) }));
  }));
  return h("div", { class: "cg-list cg-tally-box" }, list,
    total > rows.length ? h("p", { class: "muted more", text: t("Showing the {n} ideas with the most answers, of {total}.", { n: rows.length, total }) }) : null);
}

// --- the opinion map --------------------------------------------------------------------------------

/** Words for the map: its groups and their sizes (the SVG's description, and the summary line). */
export function mapWords(analysis) {
  const map = analysis && analysis.map;
  if (!map) return "";
  const sizes = Object.entries(map.sizes || {}).sort(([a], [b]) => a.localeCompare(b));
  const loose = map.points.filter((p) => p[2] == null).length;
  const groups = sizes.length
    ? t("{groups}: {sizes}", { groups: opinionGroups(sizes.length), sizes: sizes.map(([l, n]) => t("{letter}, {people}", { letter: l, people: people(n) })).join("; ") })
    : t("no opinion groups stand out");
  const vars = { people: people(map.points.length), groups };
  return loose ? tn("{people} on the map, {groups}; {n} more person not in a group yet.", "{people} on the map, {groups}; {n} more people not in a group yet.", loose, vars)
    : t("{people} on the map, {groups}.", vars);
}

/**
 * The opinion map as an SVG: each person a point, coloured and shaped by group, a big letter at
 * each group's centre, and a legend with group sizes. role="img" with a title and a description.
 */
export function opinionMap(analysis, { big = false } = {}) {
  const map = analysis && analysis.map;
  if (!map || !map.points.length) return null;
  const id = `cg-map-${++uid}`;
  const pts = map.points;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const span = Math.max(x1 - x0, y1 - y0, 1e-9); // one scale for both axes: distances stay true
  const size = 100;
  const pad = 12; // room for the group letters above (or below) their points
  const scale = (size - 2 * pad) / span;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const at = (x, y) => [size / 2 + (x - cx) * scale, size / 2 - (y - cy) * scale];
  const r = Math.max(0.7, Math.min(big ? 2.2 : 2, 16 / Math.sqrt(pts.length)));
  const paths = new Map(); // letter or "" -> path data
  const sums = new Map(); // letter -> [sx, sy, n, top, bottom]
  for (const [x, y, g] of pts) {
    const [px, py] = at(x, y);
    const letter = g || "";
    paths.set(letter, (paths.get(letter) || "") + marker(letter ? SHAPES[letter] || "circle" : "circle", px, py, letter ? r : r * 0.8));
    if (letter) {
      const s = sums.get(letter) || [0, 0, 0, Infinity, -Infinity];
      sums.set(letter, [s[0] + px, s[1] + py, s[2] + 1, Math.min(s[3], py), Math.max(s[4], py)]);
    }
  }
  const letters = [...sums.keys()].sort();
  const plot = svg("svg", {
    viewBox: `0 0 ${size} ${size}`, class: `cg-map${big ? " big" : ""}`, role: "img",
    "aria-labelledby": `${id}-t ${id}-d`, preserveAspectRatio: "xMidYMid meet",
  },
  svg("title", { id: `${id}-t`, text: t("Opinion map") }),
  svg("desc", { id: `${id}-d`, text: mapWords(analysis) + " " + t("Each point is one person; people who reacted alike are close together.") }),
  svg("rect", { x: 0.5, y: 0.5, width: size - 1, height: size - 1, rx: 2, class: "cg-map-area" }),
  paths.has("") ? svg("path", { d: paths.get(""), class: "cg-loose" }) : null,
  letters.map((l) => svg("path", { d: paths.get(l), class: `cg-points grp-${l}` })),
  letters.map((l) => {
    // the letter sits just above its group's highest point (below its lowest, near the top edge),
    // so it never hides the group's own points
    const [sx, , n, top, bottom] = sums.get(l);
    const y = top - r - 4.5 >= 5 ? top - r - 4.5 : bottom + r + 4.5;
    const x = Math.max(5, Math.min(size - 5, sx / n));
    return svg("text", { x: x.toFixed(2), y: y.toFixed(2), dy: "0.35em", "text-anchor": "middle", class: `cg-map-letter grp-${l}`, text: l });
  }));
  const loose = pts.filter((p) => p[2] == null).length;
  const legend = h("ul", { class: "cg-legend", "aria-hidden": "true" },
    letters.map((l) => h("li", {}, groupKey(l), " ", h("span", { text: people((map.sizes || {})[l] ?? sums.get(l)[2]) }))),
    loose ? h("li", { class: "muted" }, h("span", { class: "cg-loose-key", "aria-hidden": "true" }), " ",
      h("span", { text: letters.length ? tn("{n} person not in a group yet", "{n} people not in a group yet", loose) : people(loose) })) : null);
  return h("figure", { class: `cg-map-box${big ? " big" : ""}` }, plot, legend);
}

// --- summary ------------------------------------------------------------------------------------------

/** One line on the state of the analysis (for a polite live region: changes only when it matters). */
export function headline(analysis) {
  if (!analysis) return t("No reactions yet.");
  if (analysis.level === "groups") {
    const k = analysis.opinion ? analysis.opinion.parts.length : 0;
    return tn("{n} opinion group found.", "{n} opinion groups found.", k);
  }
  if (analysis.level === "undivided") return t("No opinion groups stand out yet: the room is shown whole.");
  return t("Not enough reactions for opinion groups yet: showing plain tallies.");
}

/** The counts line: people, reactions, ideas. */
export function counts(analysis) {
  if (!analysis) return "";
  const grouped = analysis.level === "tallies" ? "" : " · " + t("{n} counted for groups", { n: analysis.clustered });
  const reacted = tn("{n} person reacted", "{n} people reacted", analysis.participants);
  const on = t("{reactions} on {ideas}", {
    reactions: tn("{n} reaction", "{n} reactions", analysis.reactions), ideas: tn("{n} idea", "{n} ideas", analysis.ideas),
  });
  return `${reacted} · ${on}${grouped}`;
}
