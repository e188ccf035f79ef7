// "Your contributions": a participant's own ideas, votes, answers and topics (GET .../mine), shown
// as a readable list on the phone's end screen and saved as files to keep: a web page to read
// (HTML, no script, opens in any browser) or the data itself (JSON).
import { dir, formatDate, lang, t, tn } from "./i18n.js";
import { api, h, isolate, isolated, readSession } from "./ui.js";

const eventId = document.body.dataset.eventId;
const cacheKey = `wholeroom:${eventId}:mine`;

const ANSWER_WORDS = { agree: t("agree"), disagree: t("disagree"), pass: t("pass") };

/** One of my answers in a vote, in words: "2 dots", "score 4", "agree", "1st", "placed". */
export function answerText(method, value) {
  if (method === "dots") return tn("{n} dot", "{n} dots", value);
  if (method === "score" || method === "pass_and_score") return t("score {n}", { n: value });
  if (method === "agree_disagree_pass") return ANSWER_WORDS[value] || String(value);
  if (method === "rank") return t("ranked number {n}", { n: value });
  if (method === "place" && Array.isArray(value)) {
    return t("placed at ({x}, {y})", { x: Number(value[0]).toFixed(2), y: Number(value[1]).toFixed(2) });
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function when(ms) {
  return ms ? formatDate(ms) : "";
}

/** The sections of my contributions: [{title, items: [{text, note}]}] (empty ones left out); in a
 *  note, free text (a table, an option, a place) is between isolate()'s marks. */
export function mineSections(data) {
  const ideas = (data.ideas || []).map((i) => ({
    text: i.text ?? t("(removed)"),
    note: [i.table ? isolate(i.table) : "", when(i.at), i.hidden ? t("hidden by the facilitator") : "", i.visibility === "private" ? t("only you saw it") : ""]
      .filter(Boolean).join(" · "),
    question: i.step,
  }));
  const votes = (data.ballots || []).map((b) => ({
    text: b.title || b.step,
    note: (b.choices || []).map((c) => `${isolate(c.option)}: ${answerText(b.method, c.value)}`).join("; ") || t("no answer"),
  }));
  const reactions = (data.reactions || []).map((r) => ({
    text: r.idea ?? t("(an idea the facilitator hid)"),
    note: t("you answered {answer}", { answer: ANSWER_WORDS[r.value] || r.value }),
  }));
  const topics = (data.topics || []).map((topic) => ({ text: topic.title, note: [topic.slot, topic.space].filter(Boolean).map(isolate).join(" · ") }));
  return [
    { title: t("Your ideas"), items: ideas },
    { title: t("Your votes"), items: votes },
    { title: t("Your answers to other ideas"), items: reactions },
    { title: t("Sessions you joined"), items: topics },
  ].filter((s) => s.items.length);
}

/** My contributions as elements for a page (headings and lists; user text as text only). */
export function mineList(data) {
  const sections = mineSections(data);
  if (!sections.length) return [h("p", { class: "muted", text: t("You did not send anything this time.") })];
  return sections.map((s) =>
    h("section", { class: "mine-section" },
      h("h3", { text: t("{title} ({n})", { title: s.title, n: s.items.length }) }),
      h("ul", { class: "mine-list" }, s.items.map((item) =>
        h("li", {}, h("p", { class: "mine-text", dir: "auto", text: item.text }), item.note ? h("p", { class: "mine-note muted" }, ...isolated(item.note)) : null)))));
}

/** A translated message as HTML, each placeholder's free text in a <bdi>. */
function withBdi(message, vars) {
  return message.split(/(\{\w+\})/).map((piece) => {
    const name = piece.startsWith("{") ? piece.slice(1, -1) : null;
    return name && name in vars ? `<bdi>${escape(vars[name])}</bdi>` : escape(piece);
  }).join("");
}

/** A text with isolate()'s marks as HTML: each isolated run in a <bdi>. */
function bdiHtml(text) {
  return escape(text).replace(/\u2068([^\u2068\u2069]*)\u2069/g, "<bdi>$1</bdi>");
}

function escape(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** A whole web page of my contributions, to keep: no script, no outside resources. */
export function mineHtml(data) {
  // free text isolated: a <bdi> in the page, FSI/PDI in its <title>
  const event = data.event?.title || "Wholeroom";
  const title = t("My contributions · {event}", { event: isolate(event) });
  const heading1 = withBdi(t("My contributions · {event}"), { event });
  const by = data.name ? withBdi(t("By {name}."), { name: data.name }) : "";
  const who = by ? `<p>${by}</p>` : "";
  const heading = (s) => t("{title} ({n})", { title: s.title, n: s.items.length });
  const body = mineSections(data).map((s) => `<h2>${escape(heading(s))}</h2>\n<ul>\n${s.items.map((item) =>
    `  <li><p dir="auto">${escape(item.text)}</p>${item.note ? `<p class="note">${bdiHtml(item.note)}</p>` : ""}</li>`).join("\n")}\n</ul>`).join("\n");
  const nothing = t("You did not send anything this time.");
  const saved = t("Saved {when} from Wholeroom.", { when: when(Date.now()) });
  return `<!doctype html>
<html lang="${lang}" dir="${dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
body { font: 1.05rem/1.5 system-ui, sans-serif; max-width: 40rem; margin: 1.5rem auto; padding: 0 1rem; color: #1b1b1b; }
li { margin-bottom: 0.8rem; } li p { margin: 0; white-space: pre-wrap; } .note { color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
<h1>${heading1}</h1>
${who}
${body || `<p>${escape(nothing)}</p>`}
<p class="note">${escape(saved)}</p>
</body>
</html>
`;
}

export function saveFile(name, text, type) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** My contributions from the server (kept on this phone too, for after the event's links expire). */
export async function fetchMine() {
  const session = readSession(eventId);
  if (!session) {
    const kept = cachedMine();
    if (kept) return kept;
    throw new Error(t("This phone is no longer joined to the event."));
  }
  const data = await api(`/api/events/${encodeURIComponent(eventId)}/mine`, { token: session.token });
  try {
    localStorage.setItem(cacheKey, JSON.stringify(data));
  } catch {
    // storage full: the page still shows them
  }
  return data;
}

export function cachedMine() {
  try {
    return JSON.parse(localStorage.getItem(cacheKey) || "null");
  } catch {
    return null;
  }
}

/** Wire a pair of buttons (readable page, data) and a status line to save my contributions. */
export function wireDownloads(pageButton, dataButton, message) {
  if (!pageButton || pageButton.dataset.wired) return;
  pageButton.dataset.wired = "true";
  const save = async (kind) => {
    message.textContent = t("Preparing…");
    try {
      const data = await fetchMine().catch((err) => cachedMine() || Promise.reject(err));
      if (kind === "page") saveFile(`my-contributions-${eventId}.html`, mineHtml(data), "text/html");
      else saveFile(`my-contributions-${eventId}.json`, JSON.stringify(data, null, 2), "application/json");
      const n = (data.ideas || []).length;
      message.textContent = (data.ballots || []).length
        ? tn("Saved: {n} idea, your votes.", "Saved: {n} ideas, your votes.", n)
        : tn("Saved: {n} idea.", "Saved: {n} ideas.", n);
    } catch (err) {
      message.textContent = err?.message || t("Could not save right now; try again.");
    }
  };
  pageButton.addEventListener("click", () => save("page"));
  dataButton?.addEventListener("click", () => save("data"));
}

wireDownloads(document.getElementById("mine-download"), document.getElementById("mine-data"), document.getElementById("mine-message"));
