// The organiser page's first tab: a preview of the harvest report (GET /api/events/{id}/harvest,
// the model every export renders) for the audience chosen, and the downloads, each saying whom it
// is for. Texts from people only ever go in through textContent.

import { $, api, formatDuration, formatSpan, h, say } from "./ui.js";
import { KIND_NAMES } from "./words.js";

const AUDIENCE_TAGS = { shared: "For everyone", staff: "Staff only" };
const THEMES_SHOWN = 12;
const GROUND_SHOWN = 5;
const OPTIONS_SHOWN = 5;

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function seconds(s) {
  return s == null ? "open" : formatDuration(s * 1000);
}

function percent(x) {
  return `${Math.round((Number(x) || 0) * 100)}%`;
}

function dateText(ms) {
  if (!ms) return "";
  return new Date(ms).toLocaleString([], { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** A vote option's measures in words: "12 dots", "mean 3.4", "5 agree · 2 disagree"... */
function measuresText(measures) {
  return Object.entries(measures || {})
    .filter(([, v]) => v != null)
    .map(([k, v]) => `${k.replace(/_/g, " ")} ${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(1) : v}`)
    .join(" · ");
}

export function createHarvest({ eventId, token, onTitle = () => {} }) {
  const base = `/api/events/${encodeURIComponent(eventId)}`;
  const el = {
    preview: $("#harvest-preview"),
    notice: $("#harvest-notice"),
    numbers: $("#harvest-numbers"),
    arc: $("#harvest-arc"),
    arcNone: $("#harvest-arc-none"),
    themes: $("#harvest-themes"),
    themesNote: $("#harvest-themes-note"),
    ground: $("#harvest-ground"),
    groundNote: $("#harvest-ground-note"),
    votesPart: $("#harvest-votes-part"),
    votes: $("#harvest-votes"),
    followPart: $("#harvest-follow-part"),
    follow: $("#harvest-follow"),
    downloads: $("#downloads"),
    radios: [...document.querySelectorAll('input[name="harvest-audience"]')],
  };
  const cache = new Map(); // audience -> the harvest (read once per page)
  let requested = 0;
  let chosen = "shared";

  const audience = () => chosen;

  function drawTags() {
    for (const li of el.downloads.children) {
      const button = li.querySelector("[data-export]");
      const tag = li.querySelector(".audience-tag");
      let text;
      if (button.dataset.export === "jsonl") text = "Complete record · staff only";
      else if (button.dataset.csvTable === "reactions") text = "Staff only: each person's answers";
      else if (button.dataset.csvTable === "follow_through") text = chosen === "staff" ? "Staff: private commitments and names included" : "For everyone: no private commitment, no name";
      else text = AUDIENCE_TAGS[chosen];
      tag.textContent = text;
      tag.dataset.audience = button.dataset.export === "jsonl" || button.dataset.csvTable === "reactions" ? "staff" : chosen;
    }
  }

  async function load() {
    const id = ++requested;
    const forWhom = chosen;
    el.preview.setAttribute("aria-busy", "true");
    el.preview.dataset.ready = "false";
    try {
      let data = cache.get(forWhom);
      if (!data) {
        data = await api(`${base}/harvest?${new URLSearchParams({ audience: forWhom })}`, { token });
        cache.set(forWhom, data);
      }
      if (id !== requested) return; // the audience changed meanwhile
      draw(data);
    } catch (err) {
      if (id !== requested) return;
      say(el.notice, `Could not read the harvest: ${err.message}`, "error");
    } finally {
      if (id === requested) {
        el.preview.setAttribute("aria-busy", "false");
        el.preview.dataset.ready = "true";
        el.preview.dataset.audience = forWhom;
        performance.mark("harvest-drawn");
      }
    }
  }

  function draw(data) {
    onTitle(data.title);
    say(el.notice, data.notice || "", "info");
    drawNumbers(data);
    drawArc(data.steps || []);
    drawThemes(data);
    drawGround(data);
    drawVotes(data.votes || []);
    drawFollow(data.follow_through || {});
  }

  /** Commitments (private ones for staff only), action groups (names for staff only, never an email), follow-up rounds. */
  function drawFollow(ft) {
    const commitments = ft.commitments || [];
    const groups = ft.groups || [];
    const rounds = ft.followups || [];
    el.followPart.hidden = !(commitments.length || ft.private_commitments || groups.length || rounds.length);
    const parts = [];
    if (commitments.length || ft.private_commitments) {
      parts.push(h("h4", { text: "Commitments" }),
        h("ul", {}, ...commitments.map((c) => h("li", { text: c.author ? `${c.text} (${c.author}${c.visibility === "private" ? ", private" : ""})` : c.text }))));
      if (ft.private_commitments) parts.push(h("p", { class: "muted", text: `${plural(ft.private_commitments, "commitment")} made in private: only their writers and the organisers see them.` }));
    }
    if (groups.length) {
      parts.push(h("h4", { text: "Action groups" }), h("ul", {}, ...groups.map((g) => h("li", {},
        h("span", { text: g.title }),
        h("span", { class: "muted", text: ` · ${plural(g.members, "person", "people")} · ${g.convener ? `convener: ${g.convener}` : g.has_convener ? "has a convener" : "no convener yet"}${g.member_names && g.member_names.length ? ` · ${g.member_names.join(", ")}` : ""}` })))));
    }
    for (const r of rounds) {
      parts.push(h("h4", { text: `Follow-up: ${r.question}` }),
        h("p", { class: "muted", text: `${plural(r.answers, "answer")} (${r.privacy}) · opened ${dateText(r.opened_at)}${r.closed_at ? `, closed ${dateText(r.closed_at)}` : ", open now"}` }),
        h("ul", {}, ...(r.quoted || []).map((a) => h("li", { text: a.author ? `${a.text} (${a.author})` : a.text }))));
    }
    el.follow.replaceChildren(...parts);
  }

  function drawNumbers(data) {
    const steps = data.steps || [];
    const ground = data.ground;
    const unquoted = (data.unquoted && data.unquoted.total) || 0;
    const rows = [
      ["People", data.people ?? 0],
      ["Ideas shared", data.ideas ?? 0],
      ["Hidden by the facilitator", data.hidden ?? 0],
      ["Kept private, for a group or the facilitator", data.unshared ?? 0],
      ["Counted here, not quoted", unquoted],
      ["Steps", steps.length],
      ["Themes", (data.themes || []).length],
      ["Reactions", ground ? ground.reactions : 0],
      ["Length", data.ended_at && data.started_at ? formatSpan(data.ended_at - data.started_at) : "–"],
    ].map(([k, v]) => [k, String(v)]);
    el.numbers.replaceChildren(...rows.map(([k, v]) => h("div", {}, h("dt", { text: k }), h("dd", { text: v }))));
    const when = data.started_at ? `${dateText(data.started_at)} to ${dateText(data.ended_at)}` : "";
    el.numbers.setAttribute("aria-label", when ? `The event in numbers, ${when}` : "The event in numbers");
  }

  function drawArc(steps) {
    el.arcNone.hidden = steps.length > 0;
    el.arc.replaceChildren(...steps.map((s) => {
      const ran = s.actual_s != null ? `ran ${seconds(s.actual_s)}` : s.ended_at ? "ended" : "still running";
      const over = s.planned_s != null && s.actual_s != null && s.actual_s > s.planned_s * 1.1 ? "over" : null;
      return h("li", { dataset: { stepId: s.id, over: over ? "true" : "false" } },
        h("span", { class: "arc-kind tag", text: KIND_NAMES[s.kind] || s.kind || "Step" }),
        h("span", { class: "arc-text", text: s.text }),
        h("span", { class: "arc-time muted", text: `planned ${seconds(s.planned_s)}, ${ran}` }),
        h("span", { class: "arc-where muted", text: `${s.tables}; ${plural(s.ideas || 0, "idea")} from ${plural(s.writers || 0, "writer")}` }));
    }));
  }

  function drawThemes(data) {
    const themes = [...(data.themes || [])].sort((a, b) => size(b) - size(a));
    el.themesNote.textContent = data.themes_note || (themes.length > THEMES_SHOWN ? `The ${THEMES_SHOWN} largest of ${themes.length} themes; the reports list them all.` : "");
    el.themes.replaceChildren(...themes.slice(0, THEMES_SHOWN).map((t) =>
      h("li", { dataset: { themeId: t.id } },
        h("span", { class: "theme-label", text: t.label }),
        h("span", { class: "muted", text: ` · ${plural(size(t), "idea")} at ${plural(t.breadth || 0, "table")}` }),
        t.example ? h("q", { class: "theme-example", text: t.example }) : null)));
  }

  /** A theme's ideas: those this audience may read (`size`, whole even in a preview) and the rest. */
  function size(theme) {
    return (theme.size ?? (theme.idea_ids || []).length) + (theme.unquoted || 0);
  }

  function drawGround(data) {
    const ground = data.ground;
    if (!ground) {
      el.groundNote.textContent = data.ground_note || "No reactions: nothing to find common ground in.";
      el.ground.replaceChildren();
      return;
    }
    el.groundNote.textContent = [ground.notice, `${plural(ground.participants || 0, "person", "people")} reacted ${plural(ground.reactions || 0, "time")} to ${plural(ground.ideas || 0, "idea")}.`].filter(Boolean).join(" ");
    const items = [];
    for (const partition of ground.partitions || []) {
      const parts = (partition.parts || []).map((p) => `${p.name} (${p.size})${p.caveat ? `: ${p.caveat}` : ""}`).join("; ");
      const common = (partition.common_ground || []).slice(0, GROUND_SHOWN);
      items.push(h("li", { class: "ground-partition" },
        h("strong", { text: partition.title || partition.name }),
        parts ? h("p", { class: "muted", text: parts }) : null,
        common.length
          ? h("ol", {}, ...common.map((g) => h("li", {}, h("q", { text: g.idea.text }), h("span", { class: "muted", text: ` · consensus ${percent(g.consensus)}` }))))
          : h("p", { class: "muted", text: partition.note || "No idea had every part's support." })));
    }
    const leanings = [["Most agreed", ground.majority_agree], ["Most disagreed", ground.majority_disagree]];
    for (const [title, list] of leanings) {
      if (!list || !list.length) continue;
      items.push(h("li", { class: "ground-majority" }, h("strong", { text: title }),
        h("ol", {}, ...list.slice(0, 3).map((l) => h("li", {}, h("q", { text: l.idea.text }), h("span", { class: "muted", text: ` · ${percent(l.share)} of ${l.of}` }))))));
    }
    el.ground.replaceChildren(...items);
  }

  function drawVotes(votes) {
    el.votesPart.hidden = votes.length === 0;
    el.votes.replaceChildren(...votes.map((v) => h("div", { class: "harvest-vote" },
      h("h4", { text: v.title }),
      h("p", { class: "muted", text: `${v.method.replace(/_/g, " ")} · ${plural(v.voters || 0, "voter")} · ${v.status}${v.note ? ` · ${v.note}` : ""}` }),
      h("ol", {}, ...(v.options || []).slice(0, OPTIONS_SHOWN).map((o) => h("li", {}, h("span", { text: o.text }), h("span", { class: "muted", text: ` · ${measuresText(o.measures)}` })))))));
  }

  for (const radio of el.radios) {
    radio.addEventListener("change", () => {
      if (!radio.checked) return;
      chosen = radio.value;
      drawTags();
      load();
    });
  }
  drawTags();

  let shown = false;
  return {
    audience,
    show() {
      if (shown) return;
      shown = true;
      load();
    },
  };
}
