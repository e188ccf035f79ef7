// The console's Themes panel: the room's themes as the server groups them (label, breadth, ideas,
// pinned / curated), the facilitator's edits (rename, merge, split, pin, unpin, move an idea), and
// participants' flags ("this idea doesn't belong here") with the two decisions. Every edit carries
// the idea ids as shown here (docs/protocol.md, docs/themes.md). User text only goes in as textContent.

import { t, tn } from "./i18n.js";
import { $, h, reconcile, say } from "./ui.js";
import { Drill, breadthWords, headline } from "./themes.js";

const LABEL_MAX = 80;

// themes arrive every second or so while ideas come in: touch only what changed
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}
const ideas = (n) => tn("{n} idea", "{n} ideas", n);
const splitDone = (theme, n) => tn("Split “{theme}”: {n} idea forms a new theme.", "Split “{theme}”: {n} ideas form a new theme.", n, { theme });
const PENDING_LABEL_MS = 8000; // a rename shows at once; the server's next themes confirm it

/**
 * @param {object} o
 * @param {import("./live.js").Live} o.live
 * @param {import("./model.js").StaffModel} o.model
 * @param {string} o.eventId
 * @param {string} o.token
 */
export function initThemes({ live, model, eventId, token }) {
  const panel = $("#themes-panel");
  const message = $("#themes-message");
  const cards = new Map(); // theme id -> li
  const ideaRows = new Map(); // idea id -> li (moves between themes with its idea)
  const flagRows = new Map(); // flag id -> li
  const selected = new Set(); // theme ids ticked for merging
  const pendingLabels = new Map(); // theme id -> {label, until}
  const labelsSeen = new Map(); // theme id -> the last label shown (flags name the theme as it was)
  let splitting = null; // {themeId, chosen: Set of idea ids}
  let renaming = null; // theme id
  let moving = null; // {ideaId, flagId, host: element the form sits in}
  let shown = []; // the themes as drawn now: every command reads its ids from here
  let shownById = new Map();
  // one theme's sub-themes at a time, asked for again while its ideas change (the drill-down)
  const drill = new Drill(eventId, token, () => render());

  function send(command, okText) {
    return live.send(command).then((ack) => {
      if (okText) say(message, okText, "ok");
      return ack;
    }, (err) => {
      say(message, err.message || String(err), "error");
      throw err;
    });
  }

  const ideaText = (id) => {
    const idea = model.ideas.get(id);
    return idea && idea.text != null ? idea.text : t("(text not available)");
  };
  const short = (text, n = 60) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

  function labelOf(theme) {
    const pending = pendingLabels.get(theme.id);
    if (pending && pending.label !== theme.label && Date.now() < pending.until) return pending.label;
    pendingLabels.delete(theme.id);
    return theme.label;
  }

  // --- the move form: one at a time, under the idea (or the flag) it moves -------------------------

  const moveSelect = h("select", { id: "th-move-to" });
  const moveLabel = h("label", { for: "th-move-to" });
  const moveForm = h("form", { class: "th-move", novalidate: true },
    moveLabel,
    h("div", { class: "row nowrap" }, moveSelect,
      h("button", { type: "submit", class: "small primary", text: t("Move") }),
      h("button", { type: "button", class: "small", text: t("Cancel"), on: { click: () => closeMove(true) } })));
  moveForm.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      closeMove(true);
    }
  });

  function destinationOptions(ideaId) {
    const current = model.themeOf(ideaId);
    const options = shown.filter((th) => !current || th.id !== current.id)
      .map((th) => h("option", { value: th.id, text: t("{theme} ({ideas})", { theme: short(labelOf(th), 50), ideas: ideas(th.idea_ids.length) }) }));
    options.push(h("option", { value: "", text: t("Out of all themes") }));
    return options;
  }

  function openMove(ideaId, host, opener, flagId = null) {
    closeMove(false);
    moving = { ideaId, flagId, host, opener };
    moveLabel.textContent = t("Move “{idea}” to", { idea: short(ideaText(ideaId)) });
    moveSelect.replaceChildren(...destinationOptions(ideaId));
    host.append(moveForm);
    moveSelect.focus();
  }

  function closeMove(refocus) {
    if (!moving) return;
    const { opener } = moving;
    moving = null;
    moveForm.remove();
    if (refocus && opener && opener.isConnected) opener.focus();
  }

  moveForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!moving) return;
    const { ideaId, flagId, opener } = moving;
    const themeId = moveSelect.value || null;
    const dest = themeId ? shownById.get(themeId) : null;
    if (themeId && !dest) {
      say(message, t("That theme has just changed: choose again."), "error");
      moveSelect.replaceChildren(...destinationOptions(ideaId));
      return;
    }
    const command = { type: "theme.move_idea", idea_id: ideaId, theme_id: themeId, theme_idea_ids: dest ? [...dest.idea_ids] : [] };
    const idea = short(ideaText(ideaId), 40);
    const moved = dest ? t("Moved “{idea}” to “{theme}”.", { idea, theme: labelOf(dest) }) : t("Moved “{idea}” out of all themes.", { idea });
    try {
      await send(command);
      if (flagId) await send({ type: "theme.flag_resolve", flag_id: flagId, outcome: "moved" });
      say(message, moved, "ok");
      closeMove(false);
      if (flagId) focusAfterFlag(flagId);
      else if (opener && opener.isConnected) opener.focus();
      else $("#themes-heading").focus();
    } catch {
      // said in the message
    }
  });

  // --- a theme card ----------------------------------------------------------------------------------

  function card(themeId) {
    let li = cards.get(themeId);
    if (li) return li;
    const pick = h("input", { type: "checkbox", class: "th-pick-theme" });
    pick.addEventListener("change", () => {
      if (pick.checked) selected.add(themeId);
      else selected.delete(themeId);
      syncMerge();
    });
    const input = h("input", {
      type: "text", maxlength: String(LABEL_MAX), class: "th-rename-input", id: `th-rename-${themeId}`,
      "aria-describedby": `th-rename-error-${themeId}`, autocomplete: "off",
    });
    const renameForm = h("form", { class: "th-rename", novalidate: true, hidden: true },
      h("label", { for: input.id, class: "visually-hidden th-rename-label" }),
      h("div", { class: "row nowrap" }, input,
        h("button", { type: "submit", class: "small primary", text: t("Save") }),
        h("button", { type: "button", class: "small", text: t("Cancel"), on: { click: () => stopRename(themeId, true) } })),
      h("p", { class: "field-error th-rename-error", id: `th-rename-error-${themeId}` }));
    renameForm.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        stopRename(themeId, true);
      }
    });
    renameForm.addEventListener("submit", (e) => {
      e.preventDefault();
      rename(themeId, input.value);
    });
    li = h("li", { class: "th-card", dataset: { themeId } },
      h("div", { class: "th-card-head" },
        h("label", { class: "th-pick" }, pick, h("span", { class: "visually-hidden th-pick-label" })),
        h("h3", { class: "th-title", tabindex: "-1" }, h("span", { class: "th-name" })),
        renameForm),
      h("p", { class: "th-meta" },
        h("span", { class: "th-breadth" }), h("span", { class: "th-size" }),
        h("span", { class: "tag th-tag-pinned", text: t("pinned"), hidden: true }),
        h("span", { class: "tag th-tag-curated", text: t("curated"), hidden: true })),
      h("p", { class: "th-words muted" }),
      h("div", { class: "row th-actions" },
        h("button", { type: "button", class: "small th-rename-button", text: t("Rename"), on: { click: () => startRename(themeId) } }),
        h("button", { type: "button", class: "small th-pin-button", on: { click: () => pinToggle(themeId) } }),
        h("button", { type: "button", class: "small th-split-button", text: t("Split…"), on: { click: () => startSplit(themeId) } }),
        h("button", {
          type: "button", class: "small th-drill-button", text: t("Look closer"), "aria-expanded": "false",
          "aria-controls": `th-subs-${themeId}`, on: { click: () => toggleDrill(themeId) },
        })),
      h("div", { class: "th-subs", id: `th-subs-${themeId}`, hidden: true },
        h("p", { class: "th-subs-status", role: "status" }),
        h("ol", { class: "th-subs-list" })),
      h("div", { class: "th-split", hidden: true },
        h("p", { class: "hint", text: t("Tick the ideas that leave this theme; they become a new theme.") }),
        h("div", { class: "row" },
          h("button", { type: "button", class: "small primary th-split-go", on: { click: () => split(themeId) } }),
          h("button", { type: "button", class: "small", text: t("Cancel"), on: { click: () => stopSplit(true) } }))),
      h("ul", { class: "th-ideas" }));
    cards.set(themeId, li);
    return li;
  }

  function ideaRow(ideaId) {
    let li = ideaRows.get(ideaId);
    if (li) return li;
    const box = h("input", { type: "checkbox", class: "th-take" });
    box.addEventListener("change", () => {
      if (!splitting) return;
      if (box.checked) splitting.chosen.add(ideaId);
      else splitting.chosen.delete(ideaId);
      syncSplit();
    });
    const button = h("button", { type: "button", class: "small th-move-button", text: t("Move…") });
    button.addEventListener("click", () => openMove(ideaId, li, button));
    li = h("li", { class: "th-idea", dataset: { ideaId } },
      h("label", { class: "th-take-box", hidden: true }, box, h("span", { class: "visually-hidden th-take-label" })),
      h("span", { class: "th-idea-text" }),
      h("span", { class: "th-idea-table muted" }),
      button);
    ideaRows.set(ideaId, li);
    return li;
  }

  function drawIdea(ideaId, inSplit) {
    const li = ideaRow(ideaId);
    const text = ideaText(ideaId);
    setText(li.querySelector(".th-idea-text"), text);
    const idea = model.ideas.get(ideaId);
    setText(li.querySelector(".th-idea-table"), idea ? model.tableName(idea.table_id) : "");
    setAttr(li.querySelector(".th-move-button"), "aria-label", t("Move idea “{idea}” to another theme", { idea: short(text) }));
    const take = li.querySelector(".th-take-box");
    if (take.hidden === inSplit) take.hidden = !inSplit;
    if (inSplit) {
      take.querySelector("input").checked = splitting.chosen.has(ideaId);
      setText(take.querySelector(".th-take-label"), t("Take out into a new theme: {idea}", { idea: short(text) }));
    }
    return li;
  }

  function drawCard(theme) {
    const li = card(theme.id);
    const label = labelOf(theme);
    setText(li.querySelector(".th-name"), label);
    setText(li.querySelector(".th-pick-label"), t("Select “{theme}” to merge", { theme: label }));
    li.querySelector(".th-pick-theme").checked = selected.has(theme.id);
    setText(li.querySelector(".th-rename-label"), t("New name for the theme “{theme}”", { theme: label }));
    setText(li.querySelector(".th-breadth"), breadthWords(theme, model.tables.size));
    setText(li.querySelector(".th-size"), ideas(theme.idea_ids.length));
    li.querySelector(".th-tag-pinned").hidden = !theme.pinned;
    li.querySelector(".th-tag-curated").hidden = !theme.curated || theme.pinned;
    const words = (theme.keywords || []).join(" · ");
    setText(li.querySelector(".th-words"), words && words !== label ? t("Words: {words}", { words }) : "");
    const pin = li.querySelector(".th-pin-button");
    setText(pin, theme.pinned ? t("Unpin") : t("Pin"));
    setAttr(pin, "aria-label", theme.pinned ? t("Unpin the theme “{theme}”", { theme: label }) : t("Pin the theme “{theme}”", { theme: label }));
    setAttr(li.querySelector(".th-rename-button"), "aria-label", t("Rename the theme “{theme}”", { theme: label }));
    const splitButton = li.querySelector(".th-split-button");
    setAttr(splitButton, "aria-label", t("Split the theme “{theme}”", { theme: label }));
    splitButton.disabled = theme.idea_ids.length < 2;
    const inSplit = Boolean(splitting && splitting.themeId === theme.id);
    li.querySelector(".th-split").hidden = !inSplit;
    li.classList.toggle("splitting", inSplit);
    li.dataset.pinned = String(Boolean(theme.pinned));
    reconcile(li.querySelector(".th-ideas"), theme.idea_ids.map((id) => drawIdea(id, inSplit)));
    drawDrill(li, theme, label);
    return li;
  }

  // --- look closer: a theme's sub-themes ----------------------------------------------------------

  function toggleDrill(themeId) {
    if (drill.themeId === themeId) drill.close();
    else {
      drill.open(themeId);
      drill.follow(shownById.get(themeId) || null);
    }
    render();
  }

  function drawDrill(li, theme, label) {
    const open = drill.themeId === theme.id;
    const button = li.querySelector(".th-drill-button");
    setAttr(button, "aria-expanded", String(open));
    setAttr(button, "aria-label", open ? t("Hide the sub-themes of the theme “{theme}”", { theme: label }) : t("Look closer at the theme “{theme}”", { theme: label }));
    setText(button, open ? t("Hide sub-themes") : t("Look closer"));
    const box = li.querySelector(".th-subs");
    box.hidden = !open;
    if (!open) return;
    const data = drill.data;
    const parts = data ? data.subthemes : [];
    const subthemes = () => drill.loading
      ? tn("{n} sub-theme (updating…):", "{n} sub-themes (updating…):", parts.length)
      : tn("{n} sub-theme:", "{n} sub-themes:", parts.length);
    const said = drill.error
      ? t("Could not look closer: {problem}", { problem: drill.error })
      : !data ? t("Looking closer…")
        : parts.length ? subthemes() : data.note;
    setText(box.querySelector(".th-subs-status"), said);
    reconcile(box.querySelector(".th-subs-list"), parts.map((part) => {
      const some = part.idea_ids.slice(0, 3).map((id) => h("li", { text: short(ideaText(id), 90) }));
      const more = part.idea_ids.length - some.length;
      return h("li", { class: "th-sub", dataset: { subthemeId: part.id } },
        h("p", { class: "th-sub-head" },
          h("strong", { class: "th-sub-name", text: part.label }), " ",
          h("span", { class: "muted", text: [ideas(part.idea_ids.length), breadthWords(part, model.tables.size)].join(" · ") })),
        h("ul", { class: "th-sub-ideas" }, some, more > 0 ? h("li", { class: "muted", text: t("and {n} more", { n: more }) }) : null));
    }));
  }

  // --- rename -------------------------------------------------------------------------------------

  function startRename(themeId) {
    const theme = shownById.get(themeId);
    if (!theme) return;
    if (renaming && renaming !== themeId) stopRename(renaming, false);
    renaming = themeId;
    const li = cards.get(themeId);
    const form = li.querySelector(".th-rename");
    const input = form.querySelector("input");
    input.value = labelOf(theme);
    form.querySelector(".th-rename-error").textContent = "";
    input.removeAttribute("aria-invalid");
    li.querySelector(".th-title").hidden = true;
    li.querySelector(".th-rename-button").hidden = true;
    form.hidden = false;
    input.focus();
    input.select();
  }

  function stopRename(themeId, refocus) {
    const li = cards.get(themeId);
    if (renaming === themeId) renaming = null;
    if (!li) return;
    li.querySelector(".th-rename").hidden = true;
    li.querySelector(".th-title").hidden = false;
    const button = li.querySelector(".th-rename-button");
    button.hidden = false;
    if (refocus) button.focus();
  }

  async function rename(themeId, raw) {
    const label = raw.trim();
    const li = cards.get(themeId);
    const error = li.querySelector(".th-rename-error");
    const input = li.querySelector(".th-rename-input");
    if (!label || label.length > LABEL_MAX) {
      error.textContent = label ? t("At most {n} characters.", { n: LABEL_MAX }) : t("Write a name, or press Cancel.");
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    const theme = shownById.get(themeId);
    if (theme && label === labelOf(theme)) {
      stopRename(themeId, true);
      return;
    }
    try {
      // with its ideas as shown: the renamed theme keeps them together as well as its name
      const ideaIds = theme ? [...theme.idea_ids] : [];
      await send({ type: "theme.rename", theme_id: themeId, label, idea_ids: ideaIds }, t("Renamed to “{theme}”.", { theme: label }));
      pendingLabels.set(themeId, { label, until: Date.now() + PENDING_LABEL_MS });
      stopRename(themeId, true);
      render();
    } catch (err) {
      error.textContent = err.message || t("Not renamed.");
    }
  }

  // --- pin, split, merge ------------------------------------------------------------------------------

  function pinToggle(themeId) {
    const theme = shownById.get(themeId);
    if (!theme) return;
    const label = labelOf(theme);
    const command = theme.pinned
      ? { type: "theme.unpin", theme_id: themeId }
      : { type: "theme.pin", theme_id: themeId, idea_ids: [...theme.idea_ids], label };
    send(command, theme.pinned ? t("“{theme}” is no longer pinned: new ideas may join it.", { theme: label })
      : tn("“{theme}” is pinned: exactly this {n} idea, under this name.", "“{theme}” is pinned: exactly these {n} ideas, under this name.", theme.idea_ids.length, { theme: label }))
      .catch(() => {});
  }

  function startSplit(themeId) {
    splitting = { themeId, chosen: new Set() };
    render();
    const first = cards.get(themeId).querySelector(".th-take");
    if (first) first.focus();
  }

  function stopSplit(refocus) {
    const themeId = splitting && splitting.themeId;
    splitting = null;
    render();
    const li = themeId && cards.get(themeId);
    if (refocus && li) li.querySelector(".th-split-button").focus();
  }

  function syncSplit() {
    if (!splitting) return;
    const theme = shownById.get(splitting.themeId);
    const li = cards.get(splitting.themeId);
    if (!theme || !li) return;
    const n = [...splitting.chosen].filter((id) => theme.idea_ids.includes(id)).length;
    const go = li.querySelector(".th-split-go");
    go.textContent = n ? tn("Make a new theme of {n} idea", "Make a new theme of {n} ideas", n) : t("Make a new theme");
    go.disabled = n === 0 || n >= theme.idea_ids.length;
  }

  function newThemeId(first) {
    const base = `t-s-${first}`;
    const taken = new Set(shown.map((th) => th.id));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }

  async function split(themeId) {
    const theme = shownById.get(themeId);
    if (!theme || !splitting) return;
    const leaving = theme.idea_ids.filter((id) => splitting.chosen.has(id));
    const staying = theme.idea_ids.filter((id) => !splitting.chosen.has(id));
    if (!leaving.length || !staying.length) return;
    const command = { type: "theme.split", theme_id: themeId, new_theme_id: newThemeId(leaving[0]), idea_ids: leaving, remaining_ids: staying };
    try {
      await send(command, splitDone(labelOf(theme), leaving.length));
      stopSplit(true);
    } catch {
      // said in the message
    }
  }

  // --- reveal: phones may contest the themes ---------------------------------------------------------

  // a toggle: its name stays, aria-pressed and the hint say the state
  function syncReveal() {
    const shown = Boolean(model.event && model.event.themes_revealed);
    setAttr($("#reveal-button"), "aria-pressed", String(shown));
    setText($("#reveal-hint"), shown
      ? t("Revealed: phones offer “Doesn't belong here?” under their themed ideas; you decide each flag. Press again to take it back.")
      : t("Phones show the name of a theme under their table's ideas once it has settled. Revealing adds “Doesn't belong here?” so people can contest where an idea landed; you decide each flag."));
  }

  $("#reveal-button").addEventListener("click", () => {
    const shown = !(model.event && model.event.themes_revealed);
    send({ type: "theme.reveal", shown }, shown
      ? t("Revealed: phones now offer “Doesn't belong here?” under themed ideas.")
      : t("Hidden: phones no longer offer “Doesn't belong here?”.")).catch(() => {});
  });

  function syncMerge() {
    for (const id of [...selected]) if (!shownById.has(id)) selected.delete(id);
    const n = selected.size;
    const button = $("#merge-button");
    button.disabled = n < 2;
    button.textContent = n >= 2 ? tn("Merge {n} theme", "Merge {n} themes", n) : t("Merge selected themes");
  }

  $("#merge-button").addEventListener("click", async () => {
    const chosen = shown.filter((th) => selected.has(th.id)); // in the order shown: the first (largest) is kept
    if (chosen.length < 2) return;
    const [kept, ...rest] = chosen;
    const command = {
      type: "theme.merge", theme_id: kept.id, merged_theme_ids: rest.map((th) => th.id),
      idea_ids: chosen.flatMap((th) => th.idea_ids),
    };
    try {
      await send(command, tn("Merged {n} theme into “{theme}”.", "Merged {n} themes into “{theme}”.", chosen.length, { theme: labelOf(kept) }));
      selected.clear();
      syncMerge();
      render();
    } catch {
      // said in the message
    }
  });

  // --- suggestions: likely merges, misfits and splits, one tap each -------------------------------------
  // The server sends them with the themes (moderators' screens only). A tap issues the same commands
  // as doing the edit by hand, with the ideas as drawn now; "Dismiss" records theme.dismiss so the
  // suggestion is not made again.

  const suggestionRows = new Map(); // key -> li
  const suggestions = new Map(); // key -> the suggestion as last received (a row's buttons act on it)
  const acted = new Set(); // keys tapped or dismissed here: not drawn again (the server drops them too)

  /** What a suggestion does to the themes drawn now, or null when they have changed under it. */
  function applies(s) {
    const target = shownById.get(s.theme_id);
    if (!target || target.pinned) return null;
    if (s.kind === "merge") {
      const other = shownById.get(s.other_theme_id);
      return other && !other.pinned ? { target, other } : null;
    }
    if (s.kind === "move") {
      const sources = s.sources || [];
      const ids = s.idea_ids.filter((id, k) => {
        const from = shownById.get(sources[k] || s.other_theme_id);
        return from && from.id !== target.id && from.idea_ids.includes(id);
      });
      return ids.length ? { target, ids } : null;
    }
    const leaving = s.idea_ids.filter((id) => target.idea_ids.includes(id));
    const staying = target.idea_ids.filter((id) => !leaving.includes(id));
    return leaving.length && staying.length ? { target, leaving, staying } : null;
  }

  function actionOf(s, now) {
    const into = short(labelOf(now.target), 40);
    if (s.kind === "merge") {
      return { text: t("Merge"), label: t("Merge “{other}” into “{theme}”", { other: short(labelOf(now.other), 40), theme: into }) };
    }
    if (s.kind === "move") {
      const n = now.ids.length;
      if (n === 1) return { text: t("Move"), label: t("Move “{idea}” to “{theme}”", { idea: short(ideaText(now.ids[0]), 40), theme: into }) };
      return { text: tn("Move {n}", "Move {n}", n), label: tn("Move {n} idea to “{theme}”", "Move {n} ideas to “{theme}”", n, { theme: into }) };
    }
    return {
      text: t("Split"),
      label: tn("Split {n} idea off “{theme}” as a new theme", "Split {n} ideas off “{theme}” as a new theme", now.leaving.length, { theme: into }),
    };
  }

  async function tap(s) {
    if (!s) return;
    const now = applies(s);
    if (!now) {
      say(message, t("Those themes have just changed: the suggestion no longer applies."), "error");
      return;
    }
    acted.add(s.key);
    renderSuggestions();
    try {
      if (s.kind === "merge") {
        await send({
          type: "theme.merge", theme_id: now.target.id, merged_theme_ids: [now.other.id],
          idea_ids: [...now.target.idea_ids, ...now.other.idea_ids],
        }, t("Merged “{other}” into “{theme}”.", { other: labelOf(now.other), theme: labelOf(now.target) }));
      } else if (s.kind === "move") {
        let shownThere = [...now.target.idea_ids]; // each move names the destination as it then is
        for (const id of now.ids) {
          await send({ type: "theme.move_idea", idea_id: id, theme_id: now.target.id, theme_idea_ids: shownThere });
          shownThere = [...shownThere, id];
        }
        say(message, tn("Moved {n} idea to “{theme}”.", "Moved {n} ideas to “{theme}”.", now.ids.length, { theme: labelOf(now.target) }), "ok");
      } else {
        await send({
          type: "theme.split", theme_id: now.target.id, new_theme_id: newThemeId(now.leaving[0]),
          idea_ids: now.leaving, remaining_ids: now.staying,
        }, splitDone(labelOf(now.target), now.leaving.length));
      }
    } catch {
      acted.delete(s.key); // said in the message; the suggestion stays
      renderSuggestions();
    }
    focusSuggestions();
  }

  async function dismiss(s) {
    if (!s) return;
    acted.add(s.key);
    renderSuggestions();
    try {
      await send({ type: "theme.dismiss", keys: s.keys }, t("Dismissed: it will not be suggested again."));
    } catch {
      acted.delete(s.key);
      renderSuggestions();
    }
    focusSuggestions();
  }

  function focusSuggestions() {
    const first = $("#suggestions").querySelector("button");
    if (first) first.focus();
    else $("#themes-heading").focus();
  }

  function suggestionRow(s, now) {
    let li = suggestionRows.get(s.key);
    if (!li) {
      const key = s.key;
      const go = h("button", { type: "button", class: "small primary th-suggestion-go", on: { click: () => tap(suggestions.get(key)) } });
      const drop = h("button", {
        type: "button", class: "small th-suggestion-dismiss", text: t("Dismiss"), on: { click: () => dismiss(suggestions.get(key)) },
      });
      li = h("li", { class: "th-suggestion", dataset: { key: s.key, kind: s.kind } },
        h("p", { class: "th-suggestion-reason" }),
        h("ul", { class: "th-suggestion-ideas" }),
        h("div", { class: "row" }, go, drop));
      suggestionRows.set(s.key, li);
    }
    setText(li.querySelector(".th-suggestion-reason"), s.reason);
    const ids = s.kind === "move" ? now.ids : [];
    reconcile(li.querySelector(".th-suggestion-ideas"), ids.slice(0, 3).map((id) => h("li", { text: `“${short(ideaText(id), 80)}”` })));
    const action = actionOf(s, now);
    const go = li.querySelector(".th-suggestion-go");
    setText(go, action.text);
    setAttr(go, "aria-label", action.label);
    setAttr(li.querySelector(".th-suggestion-dismiss"), "aria-label", t("Dismiss: {suggestion}", { suggestion: action.label }));
    return li;
  }

  function renderSuggestions() {
    const view = model.themes;
    const rows = [];
    for (const s of (view && view.suggestions) || []) {
      if (acted.has(s.key)) continue;
      const now = applies(s);
      if (now) {
        suggestions.set(s.key, s);
        rows.push(suggestionRow(s, now));
      }
    }
    const keep = new Set(rows);
    for (const [key, li] of suggestionRows) {
      if (!keep.has(li)) {
        suggestionRows.delete(key);
        suggestions.delete(key);
      }
    }
    reconcile($("#suggestions"), rows);
    $("#suggestions-box").hidden = rows.length === 0;
    setText($("#suggestions-count"), rows.length ? `(${rows.length})` : "");
  }

  // --- flags -------------------------------------------------------------------------------------------

  function flagRow(flag) {
    let li = flagRows.get(flag.flag_id);
    if (!li) {
      const keep = h("button", { type: "button", class: "small th-keep", text: t("Keep it there") });
      const move = h("button", { type: "button", class: "small th-flag-move", text: t("Move it…") });
      keep.addEventListener("click", () => {
        send({ type: "theme.flag_resolve", flag_id: flag.flag_id, outcome: "kept" }, t("Kept where it is; the flag is closed."))
          .then(() => focusAfterFlag(flag.flag_id), () => {});
      });
      move.addEventListener("click", () => openMove(flag.idea_id, li, move, flag.flag_id));
      li = h("li", { class: "th-flag", dataset: { flagId: flag.flag_id, ideaId: flag.idea_id } },
        h("p", { class: "th-flag-idea" }),
        h("p", { class: "th-flag-where muted" }),
        h("p", { class: "th-flag-reason" }),
        h("div", { class: "row" }, keep, move));
      flagRows.set(flag.flag_id, li);
    }
    const text = ideaText(flag.idea_id);
    li.querySelector(".th-flag-idea").textContent = `“${text}”`;
    const was = flag.theme_id ? labelsSeen.get(flag.theme_id) : null;
    const now = model.themeOf(flag.idea_id);
    const idea = model.ideas.get(flag.idea_id);
    const parts = [];
    parts.push(flag.theme_id ? (was ? t("Flagged in “{theme}”", { theme: was }) : t("Flagged in a theme that has changed since")) : t("Flagged (no theme named)"));
    parts.push(now ? (flag.theme_id && now.id === flag.theme_id ? t("still there") : t("now in “{theme}”", { theme: labelOf(now) })) : t("now in no theme"));
    if (idea) parts.push(model.tableName(idea.table_id));
    if (idea && idea.hidden) parts.push(t("idea hidden"));
    li.querySelector(".th-flag-where").textContent = parts.join(" · ");
    li.querySelector(".th-flag-reason").textContent = flag.reason ? t("Why: {reason}", { reason: flag.reason }) : t("No reason given.");
    li.querySelector(".th-keep").setAttribute("aria-label", t("Keep “{idea}” where it is", { idea: short(text, 40) }));
    li.querySelector(".th-flag-move").setAttribute("aria-label", t("Move “{idea}” to another theme…", { idea: short(text, 40) }));
    return li;
  }

  function focusAfterFlag(flagId) {
    const ids = model.openFlags().map((f) => f.flag_id).filter((id) => id !== flagId);
    renderFlags();
    const next = ids.length ? flagRows.get(ids[0]) : null;
    if (next) next.querySelector(".th-keep").focus();
    else $("#themes-heading").focus();
  }

  function renderFlags() {
    const open = model.openFlags();
    if (moving && moving.flagId && !open.some((f) => f.flag_id === moving.flagId)) closeMove(false);
    const rows = open.map(flagRow);
    const keepRows = new Set(rows);
    for (const [id, li] of flagRows) if (!keepRows.has(li)) flagRows.delete(id);
    reconcile($("#flags"), rows);
    $("#flags-box").hidden = rows.length === 0;
    $("#flags-count").textContent = `(${open.length})`;
    const said = open.length ? tn("{n} open flag from participants.", "{n} open flags from participants.", open.length) : "";
    if ($("#flags-status").textContent !== said) $("#flags-status").textContent = said;
    syncVisible();
  }

  /** The flags kept in the transcript (the snapshot does not list them): read after each full snapshot. */
  async function loadFlags() {
    let after = 0;
    try {
      for (;;) {
        const response = await fetch(`/api/events/${encodeURIComponent(eventId)}/transcript?after=${after}&limit=10000`, {
          headers: { Authorization: `Bearer ${token}` },
        });
        if (!response.ok) return;
        const text = await response.text();
        const lines = text.split("\n").filter(Boolean);
        if (!lines.length) break;
        for (const line of lines) {
          const entry = JSON.parse(line);
          if (entry.kind === "theme.flagged" || entry.kind === "theme.flag_resolved") model.apply(entry);
          after = entry.seq;
        }
        const next = Number(response.headers.get("X-Next-After"));
        if (next && next > after) after = next;
      }
    } catch {
      return; // flags then come from the live entries only
    }
    renderFlags();
  }

  // --- the whole panel ---------------------------------------------------------------------------------

  function syncVisible() {
    panel.hidden = !(model.themes || model.ideas.size || model.openFlags().length);
  }

  function render() {
    const view = model.themes;
    for (const th of (view && view.themes) || []) labelsSeen.set(th.id, th.label);
    shown = view ? view.themes.filter((th) => th.idea_ids.length) : [];
    shownById = new Map(shown.map((th) => [th.id, th]));
    if (splitting && !shownById.has(splitting.themeId)) splitting = null;
    if (drill.themeId) drill.follow(shownById.get(drill.themeId) || null); // asks again if its ideas changed
    if (renaming && !shownById.has(renaming)) renaming = null;
    const nodes = shown.map(drawCard);
    // forget cards (and idea rows) no longer shown; a form open in them closes
    const keep = new Set(nodes);
    for (const [id, li] of cards) if (!keep.has(li)) cards.delete(id);
    const unthemed = view ? view.unthemed.filter((id) => model.ideas.has(id) && !model.ideas.get(id).hidden) : [];
    const ideaIds = new Set([...shown.flatMap((th) => th.idea_ids), ...unthemed]);
    if (moving && !moving.flagId && !ideaIds.has(moving.ideaId)) closeMove(false);
    for (const id of [...ideaRows.keys()]) if (!ideaIds.has(id)) ideaRows.delete(id);
    reconcile($("#theme-cards"), nodes);
    reconcile($("#unthemed"), unthemed.map((id) => drawIdea(id, false)));
    $("#unthemed-box").hidden = unthemed.length === 0;
    $("#unthemed-count").textContent = String(unthemed.length);
    $("#themes-empty").hidden = shown.length > 0;
    $("#themes-empty").textContent = view
      ? t("No themes yet: a theme needs at least two ideas that say similar things.")
      : t("Themes appear here a few seconds after ideas arrive (unless themes are switched off on this server).");
    const themes = tn("{n} theme", "{n} themes", shown.length);
    const counts = !view ? "" : unthemed.length
      ? tn("({themes}, {n} idea in none)", "({themes}, {n} ideas in none)", unthemed.length, { themes })
      : t("({themes})", { themes });
    $("#themes-count").textContent = counts;
    const said = headline(view);
    if ($("#themes-status").textContent !== said) $("#themes-status").textContent = said;
    if (moving) {
      // keep the destinations current unless the person is choosing one right now
      if (document.activeElement !== moveSelect) {
        const value = moveSelect.value;
        moveSelect.replaceChildren(...destinationOptions(moving.ideaId));
        if ([...moveSelect.options].some((o) => o.value === value)) moveSelect.value = value;
      }
    }
    syncMerge();
    syncSplit();
    syncReveal();
    renderSuggestions();
    renderFlags();
  }

  return { render, renderFlags, loadFlags };
}
