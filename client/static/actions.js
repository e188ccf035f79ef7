// The console's action groups (follow-through): form them around the themes, the Open Space topics
// or by hand, see who joined, and name a convener. Emails people share never reach this screen:
// it only says who shares one with their group.

import { $, h, say } from "./ui.js";

export function initActions({ live, model }) {
  const msg = $("#actions-message");

  async function send(command, done) {
    say(msg, "Sending…");
    try {
      const ack = await live.send(command);
      say(msg, done(ack), "ok");
    } catch (err) {
      say(msg, err.message, "error");
    }
  }

  const formed = (ack) => `${ack.group_ids.length === 1 ? "1 action group" : `${ack.group_ids.length} action groups`} formed.`;
  $("#actions-from-themes").addEventListener("click", () => send({ type: "actions.form", source: "themes" }, formed));
  $("#actions-from-topics").addEventListener("click", () => send({ type: "actions.form", source: "topics" }, formed));
  $("#actions-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const titles = $("#actions-titles").value.split("\n").map((t) => t.trim()).filter(Boolean);
    if (!titles.length) {
      say(msg, "Write one action group per line.", "error");
      return;
    }
    send({ type: "actions.form", source: "hand", titles }, (ack) => {
      $("#actions-titles").value = "";
      return formed(ack);
    });
  });

  function name(id) {
    const person = model.participants.get(id);
    return (person && person.name) || `someone without a name (${id})`;
  }

  function render() {
    const groups = [...model.actionGroups.values()];
    $("#actions-count").textContent = groups.length ? `(${groups.length})` : "";
    $("#actions-list").replaceChildren(...groups.map((g) => {
      const convener = g.convener ? `Convener: ${name(g.convener)}` : "No convener yet";
      const contacts = g.contacts.length ? ` · ${g.contacts.length} shared an email with the group` : "";
      const select = h("select", { "aria-label": `Convener of ${g.title}` },
        h("option", { value: "", text: "Name a convener…" }),
        ...g.members.map((m) => h("option", { value: m, text: name(m), selected: m === g.convener })));
      const button = h("button", { type: "button", class: "small", text: "Name", on: { click: () => {
        if (!select.value) return;
        send({ type: "action.convene", group_id: g.id, participant_id: select.value }, () => `${name(select.value)} convenes ${g.title}.`);
      } } });
      return h("li", { dataset: { groupId: g.id } },
        h("strong", { text: g.title }),
        h("span", { class: "muted", text: ` · ${g.members.length === 1 ? "1 person" : `${g.members.length} people`} · ${convener}${contacts}` }),
        g.members.length ? h("div", { class: "row nowrap" }, select, button) : null);
    }));
    $("#actions-empty").hidden = groups.length > 0;
  }

  return { render };
}
