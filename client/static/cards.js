// Printable table cards: table name, a QR code that seats the phone at that table, the join code.
import { t, tNodes } from "./i18n.js";
import { $, api, h, say, showBlocker, showQr, staffToken } from "./ui.js";

const eventId = document.body.dataset.eventId;
const token = staffToken(eventId, "cards");

if (!token) {
  showBlocker(t("This page needs its link"), t("Open the cards from the facilitator console (the link carries the facilitator token)."));
  throw new Error("no token");
}

function card(event, table) {
  const img = h("img", { alt: t("QR code to join at {table}", { table: table.name }), width: 240, height: 240 });
  showQr(img, `/api/events/${encodeURIComponent(eventId)}/qr.svg?table=${encodeURIComponent(table.id)}`);
  return h("article", { class: "card", dataset: { tableId: table.id } },
    h("p", { class: "event", text: event.title }),
    h("h2", { text: table.name }),
    img,
    h("p", {}, ...tNodes("Join code {code}", { code: h("span", { class: "join-code", dir: "ltr", text: event.join_code }) })),
    h("ol", {},
      h("li", { text: t("Scan the QR code with your phone's camera.") }),
      h("li", {}, ...tNodes("Or open {url} and type the code.", { url: h("span", { dir: "ltr", text: `${location.host}/join` }) })),
      h("li", { text: t("Read the question, talk, and send your table's ideas.") })));
}

async function load() {
  try {
    const snap = await api(`/api/events/${encodeURIComponent(eventId)}/snapshot`, { token });
    document.title = t("Table cards · {title}", { title: snap.event.title });
    $("#cards").replaceChildren(...snap.event.tables.map((table) => card(snap.event, table)));
  } catch (err) {
    say($("#message"), t("Could not load the tables: {error}", { error: err.message }), "error");
  }
}

$("#print").addEventListener("click", () => print());
load();
