// Printable table cards: table name, a QR code that seats the phone at that table, the join code.
import { $, api, h, say, showBlocker, showQr, staffToken } from "./ui.js";

const eventId = document.body.dataset.eventId;
const token = staffToken(eventId, "cards");

if (!token) {
  showBlocker("This page needs its link", "Open the cards from the facilitator console (the link carries the facilitator token).");
  throw new Error("no token");
}

function card(event, table) {
  const img = h("img", { alt: `QR code to join at ${table.name}`, width: 240, height: 240 });
  showQr(img, `/api/events/${encodeURIComponent(eventId)}/qr.svg?table=${encodeURIComponent(table.id)}`);
  return h("article", { class: "card", dataset: { tableId: table.id } },
    h("p", { class: "event", text: event.title }),
    h("h2", { text: table.name }),
    img,
    h("p", {}, "Join code ", h("span", { class: "join-code", text: event.join_code })),
    h("ol", {},
      h("li", { text: "Scan the QR code with your phone's camera." }),
      h("li", { text: `Or open ${location.host}/join and type the code.` }),
      h("li", { text: "Read the question, talk, and send your table's ideas." })));
}

async function load() {
  try {
    const snap = await api(`/api/events/${encodeURIComponent(eventId)}/snapshot`, { token });
    document.title = `Table cards · ${snap.event.title}`;
    $("#cards").replaceChildren(...snap.event.tables.map((t) => card(snap.event, t)));
  } catch (err) {
    say($("#message"), `Could not load the tables: ${err.message}`, "error");
  }
}

$("#print").addEventListener("click", () => print());
load();
