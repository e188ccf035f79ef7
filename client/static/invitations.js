// Printable invitation cards: per person on the list, their name, the event, a QR code of their
// personal link and the join code as a fallback (docs/participants.md). The organiser token opens it.
import { t, tn, tNodes } from "./i18n.js";
import { $, api, h, say, showBlocker, staffToken } from "./ui.js";

const eventId = document.body.dataset.eventId;
const token = staffToken(eventId, "invitations");

if (!token) {
  showBlocker(t("This page needs its link"), t("Open the invitation cards from the organiser page (its People tab)."));
  throw new Error("no token");
}

const DRAWING_AT_ONCE = 4; // QR codes fetched together (each is drawn by the server on request)

function card(data, person) {
  const img = h("img", { alt: t("QR code of {name}'s personal link", { name: person.name }), width: 240, height: 240 });
  return h("article", { class: "card invitation", dataset: { personId: person.id } },
    h("p", { class: "event", text: data.title }),
    h("h2", { text: person.name }),
    img,
    h("p", {}, ...tNodes("Join code {code}", { code: h("span", { class: "join-code", dir: "ltr", text: data.join_code }) })),
    h("ol", {},
      h("li", { text: t("Before the event: scan the QR code to say whether you are coming.") }),
      h("li", { text: t("On the day: scan it again to join at your table, checked in.") }),
      h("li", {}, ...tNodes("No camera? Open {url} and type the code.", { url: h("span", { dir: "ltr", text: data.join_url }) }))));
}

/** Fetch each card's QR code with the organiser token, a few at a time; Print waits for all. */
async function drawAll(cards, summary) {
  const button = $("#print");
  const queue = [...cards];
  let drawn = 0;
  let failed = 0;
  const progress = () => say($("#message"), drawn + failed < cards.length
    ? t("Drawing the QR codes: {drawn} of {total}…", { drawn, total: cards.length })
    : failed ? [summary, tn("{n} QR code could not be drawn: reload the page.", "{n} QR codes could not be drawn: reload the page.", failed)].join(" ") : summary,
  failed ? "error" : "info");
  async function worker() {
    while (queue.length) {
      const [person, article] = queue.shift();
      try {
        const url = `/api/events/${encodeURIComponent(eventId)}/people/${encodeURIComponent(person.id)}/qr.svg`;
        const svg = await (await api(url, { token, raw: true })).blob();
        const img = article.querySelector("img");
        await new Promise((resolve) => {
          img.addEventListener("load", resolve, { once: true });
          img.addEventListener("error", resolve, { once: true });
          img.src = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
        });
        drawn += 1;
      } catch {
        failed += 1;
      }
      progress();
    }
  }
  button.disabled = true;
  progress();
  await Promise.all(Array.from({ length: DRAWING_AT_ONCE }, worker));
  button.disabled = false;
  document.body.dataset.drawn = "true";
}

async function load() {
  try {
    const data = await api(`/api/events/${encodeURIComponent(eventId)}/invitations`, { token });
    document.title = t("Invitation cards · {title}", { title: data.title });
    const pairs = data.cards.map((c) => [c, card(data, c)]);
    $("#cards").replaceChildren(...pairs.map(([, article]) => article));
    const summary = [tn("{n} card.", "{n} cards.", data.cards.length)];
    if (data.without_link) {
      summary.push(tn("{n} person has no working link (revoked) and no card.", "{n} people have no working link (revoked) and no card.", data.without_link));
    }
    if (!data.cards.length) summary.push(t("Nobody on the list has a personal link yet: import the list on the organiser page."));
    await drawAll(pairs, summary.join(" "));
  } catch (err) {
    say($("#message"), t("Could not load the invitations: {error}", { error: err.message }), "error");
  }
}

$("#print").addEventListener("click", () => print());
load();
