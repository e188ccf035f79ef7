// The admin page: create events with the admin secret, list them.
import { $, api, copyText, h, say } from "./ui.js";

const SECRET_KEY = "wholeroom:admin-secret";
const secretInput = $("#secret");

try {
  secretInput.value = sessionStorage.getItem(SECRET_KEY) || "";
} catch {
  // storage disabled
}

function keepSecret() {
  try {
    sessionStorage.setItem(SECRET_KEY, secretInput.value);
  } catch {
    // ignore
  }
}

function fieldError(name, text) {
  const input = $(`#${name}`);
  $(`#${name}-error`).textContent = text || "";
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function parseTables(raw) {
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text);
  return text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
}

function linkItem(label, url, note) {
  const copy = h("button", { type: "button", class: "small", text: "Copy" });
  copy.addEventListener("click", async () => {
    copy.textContent = (await copyText(url)) ? "Copied" : "Copy failed";
  });
  return h("li", {},
    h("strong", { text: `${label}: ` }),
    h("a", { href: url, target: "_blank", rel: "noopener", text: label === "Join" ? url : `open the ${label.toLowerCase()}` }), " ",
    copy,
    note ? h("p", { class: "hint", text: note }) : null,
    h("p", {}, h("code", { text: url })));
}

$("#create-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  for (const f of ["secret", "title", "tables", "language"]) fieldError(f, "");
  const message = $("#create-message");
  message.textContent = "";
  const secret = secretInput.value.trim();
  const title = $("#title").value.trim();
  const tables = parseTables($("#tables").value);
  if (!secret) return fieldError("secret", "Enter the admin secret."), secretInput.focus();
  if (!title) return fieldError("title", "Give the event a title."), $("#title").focus();
  if ((typeof tables === "number" && tables < 1) || (Array.isArray(tables) && !tables.length)) {
    return fieldError("tables", "Give a number of tables, or their names."), $("#tables").focus();
  }
  keepSecret();
  const button = $("#create-button");
  button.disabled = true;
  say(message, "Creating…");
  try {
    const body = { title, tables, language: $("#language").value, themes_encoder: $("#themes-encoder").value };
    const created = await api("/api/events", { method: "POST", token: secret, body });
    message.textContent = "";
    $("#result-title").textContent = created.title;
    $("#result-code").textContent = created.join_code;
    const cards = `${location.origin}/e/${encodeURIComponent(created.event_id)}/cards#token=${created.tokens.facilitator}`;
    $("#result-links").replaceChildren(
      linkItem("Console", created.urls.console, "For the facilitator: push steps, hide ideas, seat people."),
      linkItem("Wall", created.urls.wall, "For the projector: read-only."),
      linkItem("Transcript", created.urls.organiser, "For the organiser: read everything, change nothing."),
      linkItem("Table cards", cards, "Print one card per table, with its own QR code."),
      linkItem("Join", created.urls.join, "For everyone: the same as the QR code on the wall."),
    );
    $("#result").hidden = false;
    $("#result").focus();
    listEvents();
  } catch (err) {
    const field = { "": null, secret: "secret", title: "title", tables: "tables", language: "language" }[String(err.field || "").replace(/^body\./, "")];
    if (err.code === "bad_admin_secret" || err.code === "bad_authorization") fieldError("secret", err.message);
    else if (field) fieldError(field, err.message);
    else say(message, err.message, "error");
  } finally {
    button.disabled = false;
  }
});

async function listEvents() {
  const message = $("#list-message");
  const secret = secretInput.value.trim();
  if (!secret) {
    say(message, "Enter the admin secret above first.", "error");
    return;
  }
  keepSecret();
  say(message, "Loading…");
  try {
    const events = await api("/api/events", { token: secret });
    $("#events").replaceChildren(
      ...events
        .slice()
        .sort((a, b) => (b.created_at || 0) - (a.created_at || 0))
        .map((ev) =>
          h("tr", {},
            h("td", { text: ev.title }),
            h("td", {}, h("code", { text: ev.join_code })),
            h("td", { text: ev.created_at ? new Date(ev.created_at).toLocaleString() : "" }),
            h("td", {}, h("a", { href: `/join?code=${encodeURIComponent(ev.join_code)}`, text: "join page" })))),
    );
    $("#events-table").hidden = events.length === 0;
    say(message, events.length ? `${events.length} events.` : "No events yet.", "ok");
  } catch (err) {
    say(message, err.message, "error");
  }
}

$("#list-button").addEventListener("click", listEvents);
if (secretInput.value) listEvents();
