// The console's queue: ideas a premoderated step holds until a moderator lets them through. One
// tap each ("Let through" or "Hide"); after a tap the focus moves to the next idea in the queue.
import { t } from "./i18n.js";
import { $, h, reconcile } from "./ui.js";

export function initQueue({ model, run }) {
  const els = new Map();
  let refocus = null; // the queue position to focus after a tap removed an idea from it

  function act(idea, type) {
    const position = waiting().findIndex((i) => i.id === idea.id);
    const text = type === "idea.approve" ? t("Let through to the wall and the tables.") : t("Hidden: nobody else will see it.");
    run({ type, idea_id: idea.id }, text).then(() => { refocus = position; }, () => {});
  }

  function item(idea) {
    let li = els.get(idea.id);
    if (!li) {
      li = h("li", { dataset: { ideaId: idea.id } },
        h("p", { class: "idea-text" }),
        h("p", { class: "idea-meta" }, h("span", { class: "where muted" }),
          h("button", { type: "button", class: "small primary approve", text: t("Let through"), on: { click: () => act(idea, "idea.approve") } }),
          h("button", { type: "button", class: "small hide", text: t("Hide"), on: { click: () => act(idea, "idea.hide") } })));
      els.set(idea.id, li);
    }
    const text = idea.text == null ? t("(text not available)") : idea.text;
    li.querySelector(".idea-text").textContent = text;
    const who = idea.anonymous ? t("anonymous") : model.personName(idea.participant_id) || "";
    li.querySelector(".where").textContent = [model.tableName(idea.table_id), who].filter(Boolean).join(" · ");
    li.querySelector(".approve").setAttribute("aria-label", t("Let through: {text}", { text: text.slice(0, 60) }));
    li.querySelector(".hide").setAttribute("aria-label", t("Hide: {text}", { text: text.slice(0, 60) }));
    return li;
  }

  function waiting() {
    return [...model.ideas.values()].filter((i) => i.pending && !i.hidden).sort((a, b) => a.seq - b.seq);
  }

  function render() {
    const ideas = waiting();
    const holding = [...model.steps.values()].some((s) => s.premoderate && s.status === "active");
    $("#queue-panel").hidden = ideas.length === 0 && !holding;
    $("#queue-count").textContent = `(${ideas.length})`;
    $("#queue-empty").hidden = ideas.length > 0;
    for (const id of els.keys()) if (!ideas.some((i) => i.id === id)) els.delete(id);
    reconcile($("#queue"), ideas.map(item));
    if (refocus !== null) {
      const next = ideas[Math.min(refocus, ideas.length - 1)];
      (next ? els.get(next.id).querySelector(".approve") : $("#queue-heading")).focus();
      refocus = null;
    }
  }

  return { render };
}
