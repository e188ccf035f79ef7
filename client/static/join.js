// The join page: code -> table -> (name) -> token in localStorage -> the phone page.
import { chosenParts, partsChoice } from "./parts.js";
import { t, tn, tNodes } from "./i18n.js";
import { $, api, bdi, h, normaliseCode, readSession, say, showText, writeSession } from "./ui.js";

const form = $("#join-form");
const codeInput = $("#code");
const tableSelect = $("#table");
const nameInput = $("#name");
const message = $("#form-message");
const wantedTable = form.dataset.table || "";
const INVITE_KEY = "wholeroom:invite";
const invite = takeInvite(); // the token of a personal link (#invite=...), or null
let invited = null; // the answer of POST /api/invitation

/** The personal link's token: from the #invite= fragment (then kept for this tab and taken out of
 * the address bar), or from this tab's storage after a reload of the same link (the same code). */
function takeInvite() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("invite");
  const code = normaliseCode(codeInput.value);
  try {
    if (fromHash) {
      sessionStorage.setItem(INVITE_KEY, JSON.stringify({ token: fromHash, code }));
      history.replaceState(history.state, "", location.pathname + location.search);
      return fromHash;
    }
    const kept = JSON.parse(sessionStorage.getItem(INVITE_KEY) || "null");
    return kept && kept.code === code ? kept.token : null; // another event's join page: not this invitation
  } catch {
    return fromHash;
  }
}

let event = null; // the answer of GET /api/join/{code}
let lookupFor = ""; // the normalised code the current lookup is for
let lookup = null; // its promise
let locked = false;

function fieldError(input, errorEl, text) {
  showText(errorEl, text || ""); // a text, or tNodes' pieces
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function clearErrors() {
  fieldError(codeInput, $("#code-error"), "");
  fieldError(tableSelect, $("#table-error"), "");
  fieldError(nameInput, $("#name-error"), "");
  $("#parts-error").textContent = "";
  message.textContent = "";
}

function resetTables(placeholder) {
  event = null;
  $("#event-title").textContent = "";
  $("#continue").hidden = true;
  $("#table-locked").hidden = true;
  $("#table-suggested").hidden = true;
  tableSelect.replaceChildren(h("option", { value: "", text: placeholder }));
  tableSelect.disabled = true;
  $("#parts-field").hidden = true;
  $("#parts-choice").replaceChildren();
}

/** The event's parts of the system to tick (several allowed), when it declared any. */
function showParts(parts) {
  const before = $("#parts-choice fieldset");
  const ticked = before ? chosenParts(before) : invited && invited.event_id === (event && event.event_id) ? invited.parts : [];
  $("#parts-choice").replaceChildren(parts.length ? partsChoice(parts, ticked, {
    hint: t("Which part of the system you come from. Tick all that apply. The facilitator sees it; "
      + "nobody else does, and your ideas are never labelled with it."),
  }) : "");
  $("#parts-field").hidden = !parts.length;
}

function showEvent(found) {
  event = found;
  $("#event-title").replaceChildren(t("Event:") + " ", h("strong", { dir: "auto", text: found.title }));
  const options = [h("option", { value: "", text: t("Choose your table") })];
  for (const table of found.tables) options.push(h("option", { value: table.id, dir: "auto", text: table.name }));
  const previous = tableSelect.value;
  tableSelect.replaceChildren(...options);
  tableSelect.disabled = false;
  showParts(found.parts || []);
  locked = false;
  $("#table-locked").hidden = true;
  if (wantedTable) {
    const table = found.tables.find((tb) => tb.id === wantedTable);
    if (table) {
      tableSelect.value = table.id;
      tableSelect.disabled = true;
      locked = true;
      showText($("#table-locked-text"), tNodes("You are joining {table} (from your table's QR code).", { table: bdi(table.name) }));
      $("#table-locked").hidden = false;
    } else {
      fieldError(tableSelect, $("#table-error"), tNodes("This event has no table \"{table}\". Please choose your table.", { table: bdi(wantedTable) }));
    }
  } else if (previous && found.tables.some((tb) => tb.id === previous)) {
    tableSelect.value = previous;
  } else if (invited && invited.event_id === found.event_id && invited.suggested_table) {
    const table = found.tables.find((tb) => tb.id === invited.suggested_table);
    if (table) {
      tableSelect.value = table.id;
      showText($("#table-suggested"), invited.home_table === table.id
        ? tNodes("{table} is your table: the organisers have seated you there.", { table: bdi(table.name) })
        : tNodes("{table} is where the mix needs you most.", { table: bdi(table.name) }));
      $("#table-suggested").hidden = false;
    }
  }
  const session = readSession(found.event_id);
  if (session) {
    const table = found.tables.find((tb) => tb.id === session.table_id);
    const vars = { name: bdi(session.name || ""), table: bdi(table ? table.name : "") };
    showText($("#continue-text"), session.name
      ? (table ? tNodes("You joined as {name} at {table}.", vars) : tNodes("You joined as {name}.", vars))
      : (table ? tNodes("You joined anonymously at {table}.", vars) : t("You joined anonymously.")));
    $("#continue-link").href = `/e/${encodeURIComponent(found.event_id)}/phone`;
    $("#continue").hidden = false;
  }
}

async function lookUp(code) {
  try {
    const found = await api(`/api/join/${encodeURIComponent(code)}`);
    if (lookupFor === code) showEvent(found);
    return found;
  } catch (err) {
    if (lookupFor === code) {
      resetTables(t("Enter the join code first"));
      fieldError(codeInput, $("#code-error"), err.message);
    }
    return null;
  }
}

function onCodeChange() {
  const code = normaliseCode(codeInput.value);
  if (code === lookupFor) return;
  lookupFor = code;
  fieldError(codeInput, $("#code-error"), "");
  if (code.length < 6) {
    lookup = null;
    resetTables(t("Enter the join code first"));
    return;
  }
  if (code.length > 6) {
    lookup = null;
    resetTables(t("Enter the join code first"));
    const says = tn("A join code has 6 characters; this has {n}.", "A join code has 6 characters; this has {n}.", code.length);
    fieldError(codeInput, $("#code-error"), says);
    return;
  }
  resetTables(t("Looking up the code…"));
  lookup = lookUp(code);
}

codeInput.addEventListener("input", onCodeChange);

$("#table-unlock").addEventListener("click", () => {
  locked = false;
  tableSelect.disabled = false;
  $("#table-locked").hidden = true;
  tableSelect.focus();
});

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  clearErrors();
  const code = normaliseCode(codeInput.value);
  if (code.length !== 6) {
    fieldError(codeInput, $("#code-error"), code ? t("A join code has 6 characters.") : t("Enter the join code."));
    codeInput.focus();
    return;
  }
  if (!event || lookupFor !== code) {
    lookupFor = "";
    onCodeChange();
  }
  if (lookup) await lookup;
  if (!event) {
    codeInput.focus();
    return;
  }
  const tableId = tableSelect.value;
  if (!tableId) {
    fieldError(tableSelect, $("#table-error"), t("Choose your table."));
    tableSelect.focus();
    return;
  }
  const button = $("#join-button");
  button.disabled = true;
  message.textContent = t("Joining…");
  message.dataset.kind = "info";
  const name = nameInput.value.trim();
  const set = $("#parts-choice fieldset");
  const parts = set ? chosenParts(set) : [];
  try {
    const personal = invited && invited.event_id === event.event_id ? { invite } : {};
    const joined = await api("/api/join", {
      method: "POST",
      body: { code, table_id: tableId, ...(name ? { name } : {}), ...(parts.length ? { parts } : {}), ...personal },
    });
    writeSession(joined.event_id, {
      token: joined.token,
      participant_id: joined.participant_id,
      event_id: joined.event_id,
      table_id: joined.table_id,
      name: name || null,
      join_code: event.join_code,
      expires_at: joined.expires_at,
    });
    message.textContent = t("Joined. Opening your table…");
    location.assign(joined.phone_url || `/e/${encodeURIComponent(joined.event_id)}/phone`);
  } catch (err) {
    button.disabled = false;
    message.textContent = "";
    if (String(err.field || "").startsWith("parts") && set) {
      $("#parts-error").textContent = err.message;
      set.querySelector("input").focus();
      return;
    }
    const target = {
      code: [codeInput, "#code-error"],
      table_id: [tableSelect, "#table-error"],
      name: [nameInput, "#name-error"],
    }[String(err.field || "").replace(/^body\./, "")];
    if (target) {
      if (target[0] === tableSelect && locked) $("#table-unlock").click();
      fieldError(target[0], $(target[1]), err.message);
      target[0].focus();
    } else {
      message.textContent = err.message;
      message.dataset.kind = "error";
    }
  }
});

// --- a personal link: the person's invitation, their answer, and their name and parts to join with ---

const ANSWERED = {
  yes: t("You said you are coming. Thank you!"),
  no: t("You said you can't come. Thank you for telling us; you can change your mind here."),
};

function showInvite() {
  $("#invite").hidden = false;
  const who = { name: bdi(invited.name), event: bdi(invited.title) };
  showText($("#invite-text"), invited.arrived
    ? tNodes("Welcome, {name}: you have arrived at {event}.", who)
    : tNodes("{name}, you are invited to {event}.", who));
  $("#invite-rsvp").hidden = invited.closed || invited.arrived;
  $("#invite-hint").hidden = invited.closed || invited.arrived;
  $("#invite-back").hidden = !invited.arrived;
  $("#invite-answer").textContent = ANSWERED[invited.rsvp] || t("Will you come? Tell the organisers here.");
  $("#rsvp-yes").setAttribute("aria-pressed", String(invited.rsvp === "yes"));
  $("#rsvp-no").setAttribute("aria-pressed", String(invited.rsvp === "no"));
}

async function answer(coming) {
  try {
    const done = await api("/api/invitation/rsvp", { method: "POST", body: { token: invite, coming } });
    invited.rsvp = done.rsvp;
    showInvite();
  } catch (err) {
    $("#invite-answer").textContent = err.message;
  }
}

/** The link has joined before (another phone, or weeks ago): the same person again, on this phone. */
async function comeBack() {
  const said = $("#invite-back-message");
  $("#invite-open").disabled = true;
  say(said, t("Opening your page…"));
  try {
    const back = await api("/api/invitation/return", { method: "POST", body: { token: invite } });
    writeSession(back.event_id, {
      token: back.token,
      participant_id: back.participant_id,
      event_id: back.event_id,
      table_id: back.table_id,
      name: invited.name || null,
      join_code: invited.join_code,
      expires_at: back.expires_at,
    });
    location.assign(back.phone_url);
  } catch (err) {
    $("#invite-open").disabled = false;
    say(said, err.message, "error");
  }
}

$("#invite-open").addEventListener("click", comeBack);
$("#rsvp-yes").addEventListener("click", () => answer(true));
$("#rsvp-no").addEventListener("click", () => answer(false));

async function readInvite() {
  try {
    invited = await api("/api/invitation", { method: "POST", body: { token: invite } });
  } catch (err) {
    message.textContent = err.message;
    message.dataset.kind = "error";
    try {
      sessionStorage.removeItem(INVITE_KEY);
    } catch {
      // storage disabled
    }
    return;
  }
  if (!nameInput.value) nameInput.value = invited.name;
  showInvite();
  if (normaliseCode(codeInput.value) !== invited.join_code) codeInput.value = invited.join_code;
  lookupFor = "";
  onCodeChange();
}

if (invite) readInvite();
else if (codeInput.value) onCodeChange();
