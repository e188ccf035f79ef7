// Printable seating chart: an A-Z index (name -> table) for the door, and each table's names.
// Names only: the parts of the system people come from stay on staff screens (docs/privacy.md).
import { $, api, byTableId, formatTime, h, say, showBlocker, staffToken } from "./ui.js";

const eventId = document.body.dataset.eventId;
const token = staffToken(eventId, "seating");

if (!token) {
  showBlocker("This page needs its link", "Open the seating chart from the facilitator console (the link carries the facilitator token).");
  throw new Error("no token");
}

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

function displayName(person) {
  return person.name || `Unnamed (${person.id.slice(0, 4)})`;
}

function render(snap) {
  const tables = [...snap.event.tables].sort(byTableId);
  const names = new Map(tables.map((t) => [t.id, t.name]));
  const people = [...(snap.participants || [])].sort((a, b) => collator.compare(displayName(a), displayName(b)));
  document.title = `Seating chart · ${snap.event.title}`;
  $("#seating-title").textContent = `Seating · ${snap.event.title}`;
  $("#seating-when").textContent = `${people.length} ${people.length === 1 ? "person" : "people"} at ${tables.length} tables · as at ${formatTime(Date.now())}`;
  $("#seating-index").replaceChildren(...people.map((p) =>
    h("li", {}, h("span", { class: "who", text: displayName(p) }), " ",
      h("span", { class: "where", text: names.get(p.table_id) || p.table_id }))));
  $("#seating-tables").replaceChildren(...tables.map((t) => {
    const here = people.filter((p) => p.table_id === t.id);
    const label = `${t.name}: ${here.length} ${here.length === 1 ? "person" : "people"}`;
    return h("article", { class: "seating-table", dataset: { tableId: t.id }, "aria-label": label },
      h("h4", {}, t.name, " ", h("span", { class: "muted", text: `(${here.length})` })),
      here.length
        ? h("ul", {}, ...here.map((p) => h("li", { text: p.role && p.role !== "participant" ? `${displayName(p)} (${p.role})` : displayName(p) })))
        : h("p", { class: "muted", text: "Nobody yet" }));
  }));
}

async function load() {
  try {
    render(await api(`/api/events/${encodeURIComponent(eventId)}/snapshot`, { token }));
    say($("#message"), "");
  } catch (err) {
    say($("#message"), `Could not load the seating: ${err.message}`, "error");
  }
}

$("#print").addEventListener("click", () => print());
$("#refresh").addEventListener("click", load);
load();
