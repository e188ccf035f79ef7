// Printable seating chart: an A-Z index (name -> table) for the door, and each table's names.
// Names only: the parts of the system people come from stay on staff screens (docs/privacy.md).
import { lang, t, tn } from "./i18n.js";
import { $, api, byTableId, formatTime, h, say, showBlocker, staffToken } from "./ui.js";
import { roleName } from "./words.js";

const eventId = document.body.dataset.eventId;
const token = staffToken(eventId, "seating");

if (!token) {
  showBlocker(t("This page needs its link"), t("Open the seating chart from the facilitator console (the link carries the facilitator token)."));
  throw new Error("no token");
}

const collator = new Intl.Collator(lang, { sensitivity: "base", numeric: true });

function displayName(person) {
  return person.name || t("Unnamed ({id})", { id: person.id.slice(0, 4) });
}

function render(snap) {
  const tables = [...snap.event.tables].sort(byTableId);
  const names = new Map(tables.map((table) => [table.id, table.name]));
  const people = [...(snap.participants || [])].sort((a, b) => collator.compare(displayName(a), displayName(b)));
  document.title = t("Seating chart · {title}", { title: snap.event.title });
  $("#seating-title").textContent = t("Seating · {title}", { title: snap.event.title });
  const who = tn("{n} person", "{n} people", people.length);
  const where = tn("{n} table", "{n} tables", tables.length);
  $("#seating-when").textContent = t("{people} at {tables} · as at {time}", { people: who, tables: where, time: formatTime(Date.now()) });
  $("#seating-index").replaceChildren(...people.map((p) =>
    h("li", {}, h("span", { class: "who", text: displayName(p) }), " ",
      h("span", { class: "where", text: names.get(p.table_id) || p.table_id }))));
  $("#seating-tables").replaceChildren(...tables.map((table) => {
    const here = people.filter((p) => p.table_id === table.id);
    const label = t("{table}: {people}", { table: table.name, people: tn("{n} person", "{n} people", here.length) });
    return h("article", { class: "seating-table", dataset: { tableId: table.id }, "aria-label": label },
      h("h4", {}, table.name, " ", h("span", { class: "muted", text: `(${here.length})` })),
      here.length
        ? h("ul", {}, ...here.map((p) => h("li", { text: p.role && p.role !== "participant" ? t("{name} ({role})", { name: displayName(p), role: roleName(p.role) }) : displayName(p) })))
        : h("p", { class: "muted", text: t("Nobody yet") }));
  }));
}

async function load() {
  try {
    render(await api(`/api/events/${encodeURIComponent(eventId)}/snapshot`, { token }));
    say($("#message"), "");
  } catch (err) {
    say($("#message"), t("Could not load the seating: {error}", { error: err.message }), "error");
  }
}

$("#print").addEventListener("click", () => print());
$("#refresh").addEventListener("click", load);
load();
