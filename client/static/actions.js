// The console's action groups (follow-through): form them around the themes, the Open Space topics
// or by hand, see who joined, and name a convener. Emails people share never reach this screen:
// it only says who shares one with their group.

import { t, tn } from "./i18n.js";
import { $, h, say } from "./ui.js";

export function initActions({ live, model }) {
  const msg = $("#actions-message");

  async function send(command, done) {
    say(msg, t("Sending…"));
    try {
      const ack = await live.send(command);
      say(msg, done(ack), "ok");
    } catch (err) {
      say(msg, err.message, "error");
    }
  }

  const formed = (ack) => tn("{n} action group formed.", "{n} action groups formed.", ack.group_ids.length);
  $("#actions-from-themes").addEventListener("click", () => send({ type: "actions.form", source: "themes" }, formed));
  $("#actions-from-topics").addEventListener("click", () => send({ type: "actions.form", source: "topics" }, formed));
  $("#actions-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const titles = $("#actions-titles").value.split("\n").map((line) => line.trim()).filter(Boolean);
    if (!titles.length) {
      say(msg, t("Write one action group per line."), "error");
      return;
    }
    send({ type: "actions.form", source: "hand", titles }, (ack) => {
      $("#actions-titles").value = "";
      return formed(ack);
    });
  });

  function name(id) {
    const person = model.participants.get(id);
    return (person && person.name) || t("someone without a name ({id})", { id });
  }

  function render() {
    const groups = [...model.actionGroups.values()];
    $("#actions-count").textContent = groups.length ? `(${groups.length})` : "";
    $("#actions-list").replaceChildren(...groups.map((g) => {
      const about = [
        tn("{n} person", "{n} people", g.members.length),
        g.convener ? t("Convener: {name}", { name: name(g.convener) }) : t("No convener yet"),
        g.contacts.length ? tn("{n} shared an email with the group", "{n} shared an email with the group", g.contacts.length) : "",
      ].filter(Boolean);
      const select = h("select", { "aria-label": t("Convener of {group}", { group: g.title }) },
        h("option", { value: "", text: t("Name a convener…") }),
        ...g.members.map((m) => h("option", { value: m, text: name(m), selected: m === g.convener })));
      const button = h("button", { type: "button", class: "small", text: t("Appoint"), on: { click: () => {
        if (!select.value) return;
        send({ type: "action.convene", group_id: g.id, participant_id: select.value }, () => t("{name} convenes {group}.", { name: name(select.value), group: g.title }));
      } } });
      return h("li", { dataset: { groupId: g.id } },
        h("strong", { text: g.title }),
        h("span", { class: "muted", text: ` · ${about.join(" · ")}` }),
        g.members.length ? h("div", { class: "row nowrap" }, select, button) : null);
    }));
    $("#actions-empty").hidden = groups.length > 0;
  }

  return { render };
}
