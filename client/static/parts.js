// Parts of the system (residents, GPs, the police...): ticking yours (join page, phone), and how
// many of each part are in the room (console, organiser: against the target; the wall: counts per
// table, never who). docs/protocol.md, "Parts of the system".
import { formatList, t, tn } from "./i18n.js";
import { h } from "./ui.js";

export const PREFER_NOT = "prefer_not_to_say";

let made = 0;

/** Checkboxes for the declared parts (several allowed) and "Prefer not to say", which goes alone. */
export function partsChoice(parts, chosen = [], { legend = t("Where you come from"), hint = "" } = {}) {
  const prefix = `part-${++made}`;
  const box = (value, text) => {
    const id = `${prefix}-${value}`;
    const input = h("input", { type: "checkbox", id, value, name: "parts" });
    input.checked = chosen.includes(value);
    return h("div", { class: "check" }, input, h("label", { for: id, text }));
  };
  const hintId = `${prefix}-hint`;
  const set = h("fieldset", { class: "parts-choice", "aria-describedby": hint ? hintId : null },
    h("legend", {}, legend, " ", h("span", { class: "muted", text: t("(optional)") })),
    hint ? h("p", { class: "hint", id: hintId, text: hint }) : null,
    parts.map((p) => box(p.id, p.name)),
    box(PREFER_NOT, t("Prefer not to say")));
  set.addEventListener("change", (e) => {
    const changed = e.target;
    if (!changed.checked) return;
    for (const input of set.querySelectorAll("input[type=checkbox]")) {
      if (input !== changed && (changed.value === PREFER_NOT || input.value === PREFER_NOT)) input.checked = false;
    }
  });
  return set;
}

/** The ids ticked in a `partsChoice`. */
export function chosenParts(set) {
  return [...set.querySelectorAll("input[type=checkbox]:checked")].map((input) => input.value);
}

/** "Residents, GPs" (or "Prefer not to say", or "–"). */
export function partNames(ids, parts) {
  if (!ids || !ids.length) return "–";
  if (ids.includes(PREFER_NOT)) return t("Prefer not to say");
  const names = new Map(parts.map((p) => [p.id, p.name]));
  return ids.map((id) => names.get(id) || id).join(", ");
}

/** Coverage for staff: per part, joined against the target (a table, and the same as bars). */
export function coverageView(coverage) {
  if (!coverage || !coverage.parts.length) return h("p", { class: "muted", text: t("No parts of the system declared.") });
  const rows = coverage.parts;
  const table = h("table", { class: "coverage-table" },
    h("caption", { text: t("Parts of the system: joined against the target") }),
    h("thead", {}, h("tr", {}, [t("Part"), t("Joined"), t("Target"), t("Still missing")].map((head) => h("th", { scope: "col", text: head })))),
    h("tbody", {}, rows.map((r) => h("tr", { dataset: { part: r.id, missing: coverage.missing.includes(r.id) ? "yes" : "no" } },
      h("th", { scope: "row", text: r.name }),
      h("td", { text: String(r.joined) }),
      h("td", { text: r.target == null ? "–" : String(r.target) }),
      h("td", { text: r.target == null ? (r.joined ? "–" : t("nobody yet")) : String(r.missing) })))));
  const most = Math.max(1, ...rows.map((r) => Math.max(r.joined, r.target || 0)));
  const bars = h("ol", { class: "bars coverage-bars", "aria-hidden": "true" }, rows.map((r) => {
    const track = h("div", { class: "bar-track" });
    const bar = h("div", { class: "bar" });
    bar.style.width = `${((100 * r.joined) / most).toFixed(2)}%`;
    track.append(bar);
    if (r.target != null) {
      const mark = h("div", { class: "target-mark" });
      mark.style.left = `${((100 * r.target) / most).toFixed(2)}%`;
      track.append(mark);
    }
    return h("li", {}, h("span", { class: "bar-label", text: r.name }), track,
      h("span", { class: "bar-value", text: r.target == null ? `${r.joined}` : t("{joined} of {target}", { joined: r.joined, target: r.target }) }));
  }));
  const missing = coverage.missing.map((id) => rows.find((r) => r.id === id).name);
  return h("div", { class: "coverage" },
    h("p", { class: "coverage-missing", role: "status" },
      missing.length ? t("Still missing: {parts}.", { parts: formatList(missing, "unit") }) : t("Every part is in the room.")),
    bars,
    table,
    h("p", { class: "muted", text: tn("{n} person joined; {prefer} preferred not to say, {silent} did not say.",
      "{n} people joined; {prefer} preferred not to say, {silent} did not say.", coverage.people,
      { prefer: coverage.prefer_not_to_say, silent: coverage.not_said }) }));
}

/** The wall's "Who is in the room": parts by tables, counts only (in all only, past `maxTables`). */
export function presenceView(presence, parts, tables, { maxTables = 10 } = {}) {
  const at = tables.filter((table) => parts.some((p) => (presence[p.id] || {})[table.id]));
  const used = at.length > maxTables ? [] : at;
  return h("table", { class: "presence-table" },
    h("caption", { text: t("Who is in the room: people of each part at each table") }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: t("Part") }),
      used.map((table) => h("th", { scope: "col", text: table.name })), h("th", { scope: "col", text: t("In all") }))),
    h("tbody", {}, parts.map((p) => {
      const at = presence[p.id] || {};
      const total = Object.values(at).reduce((a, b) => a + b, 0);
      return h("tr", { dataset: { part: p.id } }, h("th", { scope: "row", text: p.name }),
        used.map((table) => h("td", { text: at[table.id] ? String(at[table.id]) : "" })), h("td", { text: String(total) }));
    })));
}
