// Printable invitation cards: per person on the list, their name, the event, a QR code of their
// personal link and the join code as a fallback (docs/participants.md). The organiser token opens it.
import { $, api, h, say, showBlocker, staffToken } from "./ui.js";

const eventId = document.body.dataset.eventId;
const token = staffToken(eventId, "invitations");

if (!token) {
  showBlocker("This page needs its link", "Open the invitation cards from the organiser page (its People tab).");
  throw new Error("no token");
}

function card(data, person) {
  const img = h("img", {
    alt: `QR code of ${person.name}'s personal link`,
    width: 240,
    height: 240,
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(person.qr_svg)}`,
  });
  return h("article", { class: "card invitation", dataset: { personId: person.id } },
    h("p", { class: "event", text: data.title }),
    h("h2", { text: person.name }),
    img,
    h("p", {}, "Join code ", h("span", { class: "join-code", text: data.join_code })),
    h("ol", {},
      h("li", { text: "Before the event: scan the QR code to say whether you are coming." }),
      h("li", { text: "On the day: scan it again to join at your table, checked in." }),
      h("li", { text: `No camera? Open ${data.join_url} and type the code.` })));
}

async function load() {
  try {
    const data = await api(`/api/events/${encodeURIComponent(eventId)}/invitations`, { token });
    document.title = `Invitation cards · ${data.title}`;
    $("#cards").replaceChildren(...data.cards.map((c) => card(data, c)));
    const none = data.cards.length ? "" : "Nobody on the list has a personal link yet: import the list on the organiser page.";
    const revoked = data.without_link ? ` ${data.without_link} ${data.without_link === 1 ? "person has" : "people have"} no working link (revoked) and no card.` : "";
    say($("#message"), `${data.cards.length} ${data.cards.length === 1 ? "card" : "cards"}.${revoked} ${none}`.trim());
  } catch (err) {
    say($("#message"), `Could not load the invitations: ${err.message}`, "error");
  }
}

$("#print").addEventListener("click", () => print());
load();
