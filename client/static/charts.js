// Results of votes and Open Space marketplaces, drawn for the console, the wall and the phones.
// Bars are plain elements (the numbers are text, so screen readers read them); a place vote is a
// small SVG scatter. Option texts and topic titles come from people: they only go in as textContent.

import { t, tn, tNodes } from "./i18n.js";
import { bdi, h } from "./ui.js";

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element; attributes are set as strings, never markup. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") el.textContent = value;
    else if (key === "class") el.setAttribute("class", value);
    else if (key === "style") el.style.cssText = value; // the CSSOM: the CSP refuses style attributes
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

function round(value, digits = 1) {
  if (value == null) return "–";
  const factor = 10 ** digits;
  return String(Math.round(value * factor) / factor);
}

/**
 * Rows of a vote's results as {id, text, fraction (0..1, the bar), parts?, words}, in the order to
 * show them: most support first, except agree / disagree / pass (statements keep their order).
 */
export function resultRows(results, spec = {}) {
  const method = results.method || spec.method;
  const options = results.options || [];
  const share = (value, max) => (max > 0 ? Math.max(0, Math.min(1, value / max)) : 0);
  let rows;
  if (method === "dots") {
    const max = Math.max(1, ...options.map((o) => o.dots || 0));
    rows = options.map((o) => ({
      ...o, key: o.dots || 0, fraction: share(o.dots || 0, max),
      words: t("{dots} from {people}", {
        dots: tn("{n} dot", "{n} dots", o.dots || 0), people: tn("{n} person", "{n} people", o.voters || 0),
      }),
    }));
  } else if (method === "score" || method === "pass_and_score") {
    const [low, high] = spec.scale || [1, 5];
    rows = options.map((o) => ({
      ...o, key: o.mean ?? -Infinity,
      // a mean at the bottom of the scale still shows a sliver, so "scored low" differs from "no scores"
      fraction: o.mean == null ? 0 : 0.04 + 0.96 * share(o.mean - low, high - low),
      words: o.mean == null ? t("no scores yet") : tn("mean {mean} of {high} from {n} score", "mean {mean} of {high} from {n} scores",
        o.scores || 0, { mean: round(o.mean), high }),
    }));
  } else if (method === "agree_disagree_pass") {
    const max = Math.max(1, ...options.map((o) => (o.agree || 0) + (o.disagree || 0) + (o.pass || 0)));
    rows = options.map((o) => ({
      ...o, key: null,
      parts: ["agree", "disagree", "pass"].map((name) => [name, share(o[name] || 0, max)]),
      words: t("{agree} agree · {disagree} disagree · {pass} pass", { agree: o.agree || 0, disagree: o.disagree || 0, pass: o.pass || 0 }),
    }));
  } else if (method === "rank") {
    const max = Math.max(1, ...options.map((o) => o.points || 0));
    rows = options.map((o) => ({
      ...o, key: o.points || 0, fraction: share(o.points || 0, max),
      words: o.mean_rank != null
        ? tn("{n} point · mean place {place}", "{n} points · mean place {place}", o.points || 0, { place: round(o.mean_rank) })
        : tn("{n} point", "{n} points", o.points || 0),
    }));
  } else {
    rows = options.map((o) => ({ ...o, key: null, fraction: 0, words: "" }));
  }
  if (rows.some((r) => r.key != null)) rows.sort((a, b) => b.key - a.key);
  return rows;
}

/** Bars for a dots, score, agree/disagree/pass or rank vote (the first `limit` rows, then a count). */
function bars(results, spec, limit = Infinity) {
  const all = resultRows(results, spec);
  const rows = all.slice(0, limit);
  const more = all.length - rows.length;
  const list = h("ol", { class: "bars", dataset: { method: results.method || "" } },
    rows.map((row) => {
      const track = h("div", { class: "bar-track", "aria-hidden": "true" });
      for (const [name, fraction] of row.parts || [["", row.fraction]]) {
        const bar = h("div", { class: name ? `bar part-${name}` : "bar" });
        bar.style.width = `${(100 * fraction).toFixed(2)}%`;
        track.append(bar);
      }
      return h("li", { dataset: { optionId: row.id } },
        h("span", { class: "bar-label", dir: "auto", text: row.text }),
        track,
        h("span", { class: "bar-value", text: row.words }));
    }));
  return more > 0 ? h("div", {}, list, h("p", { class: "muted more", text: t("and {n} more", { n: more }) })) : list;
}

/**
 * A place vote as a scatter on the step's two axes: each option's mean as a numbered dot, every
 * placement as a faint point, and a numbered legend (long texts would overlap on the grid).
 */
export function scatter(results, spec, { small = false } = {}) {
  const axes = spec.axes || ["", ""];
  const size = 100;
  const pos = ([x, y]) => [((x + 1) / 2) * size, ((1 - y) / 2) * size];
  const plot = svg("svg", {
    viewBox: `-4 -4 ${size + 8} ${size + 8}`, class: "scatter", role: "img",
    "aria-label": t("Where people placed the options: across, {x}; up, {y}", { x: axes[0], y: axes[1] }),
  },
  svg("rect", { x: 0, y: 0, width: size, height: size, class: "plot-area" }),
  svg("line", { x1: size / 2, y1: 0, x2: size / 2, y2: size, class: "axis" }),
  svg("line", { x1: 0, y1: size / 2, x2: size, y2: size / 2, class: "axis" }));
  const options = results.options || [];
  options.forEach((option) => {
    for (const point of option.points || []) {
      const [cx, cy] = pos(point);
      plot.append(svg("circle", { cx, cy, r: 1.2, class: "point" }));
    }
  });
  options.forEach((option, i) => {
    if (option.x == null || option.y == null) return;
    const [cx, cy] = pos([option.x, option.y]);
    plot.append(svg("g", { class: "mean" },
      svg("circle", { cx, cy, r: small ? 4 : 3.4 }),
      svg("text", { x: cx, y: cy, dy: "0.35em", "text-anchor": "middle", text: String(i + 1) })));
  });
  const legend = h("ol", { class: "scatter-legend" },
    options.map((option) => h("li", { dataset: { optionId: option.id } },
      h("span", { dir: "auto", text: option.text }),
      h("span", { class: "muted", text: " " + (option.placed ? tn("({n} placement)", "({n} placements)", option.placed) : t("(not placed yet)")) }))));
  return h("div", { class: "scatter-box" },
    h("div", { class: "scatter-frame" },
      h("p", { class: "axis-label y", text: `↑ ${axes[1]}` }),
      plot,
      h("p", { class: "axis-label x", text: `${axes[0]} →` })),
    legend);
}

/**
 * A vote's results: bars, or a scatter for a place vote; with how many voted (unless
 * `voters: false`). `limit`: at most this many bars.
 */
export function voteResults(results, spec = {}, options = {}) {
  const method = results.method || spec.method;
  const body = method === "place" ? scatter(results, spec, options) : bars(results, spec, options.limit);
  return h("div", { class: "vote-results", dataset: { stepId: results.step_id, method } },
    options.voters === false ? null : h("p", { class: "voters", text: tn("{n} person voted", "{n} people voted", results.voters || 0) }),
    body);
}

/**
 * The marketplace as a time x space grid (columns are slots, rows spaces): each cell a topic with
 * how many signed up, or free. `cell(slot, space, topic)` may return extra content for the cell.
 */
export function marketGrid(spec, topics, { convenerName = () => null, cell = null, caption = t("Marketplace") } = {}) {
  const bySlotSpace = new Map(topics.map((tb) => [`${tb.slot}\u0000${tb.space}`, tb]));
  const slots = spec.slots || [];
  const spaces = spec.spaces || [];
  return h("div", { class: "market-scroll" },
    h("table", { class: "market" },
      h("caption", { class: "visually-hidden", text: caption }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: t("Space") }), slots.map((slot) => h("th", { scope: "col", text: slot })))),
      h("tbody", {}, spaces.map((space) => h("tr", {},
        h("th", { scope: "row", text: space }),
        slots.map((slot) => {
          const topic = bySlotSpace.get(`${slot}\u0000${space}`);
          const td = h("td", { class: topic ? "taken" : "free", dataset: { slot, space } });
          if (topic) {
            const who = convenerName(topic.convener);
            td.append(
              h("span", { class: "topic-title", dir: "auto", text: topic.title }),
              h("span", { class: "topic-count", text: tn("{n} person", "{n} people", topic.count || 0) }),
            );
            if (who) td.append(h("span", { class: "topic-convener" }, ...tNodes("convened by {name}", { name: bdi(who) })));
          } else {
            td.append(h("span", { class: "free-note", text: t("free") }));
          }
          const extra = cell ? cell(slot, space, topic) : null;
          if (extra) td.append(extra);
          return td;
        }))))));
}
