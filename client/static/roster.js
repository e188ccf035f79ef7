// The organiser's People tab: import the participant list (CSV, checked whole: problems by line and
// column, nothing kept unless all is right), coverage of the parts before and during the event
// (invited, coming, here, still missing), each person's answer and arrival, their personal link
// (renew, revoke), erasure, and the printable invitation cards. docs/participants.md.
import { $, api, copyText, formatTime, h, say } from "./ui.js";

const ANSWER = { yes: "Coming", no: "Not coming" };

export function initRoster({ eventId, token }) {
  const base = `/api/events/${encodeURIComponent(eventId)}/people`;
  const message = $("#people-message");
  const problems = $("#import-problems");
  const fileInput = $("#people-file");
  let parts = [];
  let loaded = false;
  let reading = null;
  let again = false;

  $("#print-invitations").href = `/e/${encodeURIComponent(eventId)}/invitations#token=${encodeURIComponent(token)}`;

  const partName = (id) => (parts.find((p) => p.id === id) || { name: id }).name;

  function drawCoverage(coverage) {
    parts = coverage.parts;
    const box = $("#people-coverage");
    const totals = $("#people-totals");
    totals.textContent = coverage.invited
      ? `${coverage.invited} invited: ${coverage.coming} coming, ${coverage.not_coming} not coming, ${coverage.no_answer} no answer yet; ${coverage.arrived} arrived.`
      : "Nobody is on the list yet.";
    if (!coverage.parts.length) {
      box.replaceChildren(h("p", { class: "muted", text: "No parts of the system declared: coverage needs them." }));
      return;
    }
    const missing = coverage.missing.map(partName);
    box.replaceChildren(
      h("p", { class: "coverage-missing", id: "people-missing", role: "status" },
        missing.length ? `Still missing: ${missing.join(", ")}.` : "Every part is covered by who is coming and who is here."),
      h("table", { class: "coverage-table", id: "people-coverage-table" },
        h("caption", { text: "Parts of the system: invited, coming and here, against the target" }),
        h("thead", {}, h("tr", {}, ["Part", "Invited", "Coming", "Here", "Target", "Still missing"].map((t) => h("th", { scope: "col", text: t })))),
        h("tbody", {}, coverage.parts.map((r) => h("tr", { dataset: { part: r.id, missing: coverage.missing.includes(r.id) ? "yes" : "no" } },
          h("th", { scope: "row", text: r.name }),
          h("td", { text: String(r.invited) }),
          h("td", { text: String(r.coming) }),
          h("td", { text: String(r.here) }),
          h("td", { text: r.target == null ? "–" : String(r.target) }),
          h("td", { text: r.target == null ? (r.here + r.coming ? "–" : "nobody yet") : String(r.missing) }))))));
  }

  function personRow(p) {
    const actions = h("td", { class: "actions" },
      h("button", { type: "button", class: "small", dataset: { act: "renew" }, text: p.link ? "New link" : "Make a link" }),
      p.link ? h("button", { type: "button", class: "small", dataset: { act: "revoke" }, text: "Revoke link" }) : null,
      h("button", { type: "button", class: "small danger", dataset: { act: "erase" }, text: "Erase" }));
    return h("tr", { dataset: { person: p.id } },
      h("th", { scope: "row", text: p.name }),
      h("td", { text: p.email || "–" }),
      h("td", { text: p.parts.length ? p.parts.map(partName).join(", ") : "–" }),
      h("td", { text: p.access_needs || "–" }),
      h("td", { class: "home-table", text: p.table || "–" }),
      h("td", { class: "answer", text: ANSWER[p.rsvp] || "No answer" }),
      h("td", { class: "arrived", text: p.arrived ? "Arrived" : "–" }),
      h("td", { class: "mailed", text: p.invited_at ? formatTime(p.invited_at) : "–" }),
      actions);
  }

  function draw(data) {
    drawCoverage(data.coverage);
    $("#people-rows").replaceChildren(...data.people.map(personRow));
    $("#people-table").hidden = !data.people.length;
    $("#erase-all").hidden = !data.people.length;
    $("#mail-row").hidden = !(data.mail && data.people.length);
  }

  /** Read the list again (one request at a time; a call during one reads once more after it). */
  function refresh() {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      try {
        draw(await api(base, { token }));
        loaded = true;
      } catch (err) {
        say(message, `Could not read the list: ${err.message}`, "error");
      } finally {
        reading = null;
        if (again) {
          again = false;
          refresh();
        }
      }
    })();
    return reading;
  }

  function showProblems(err) {
    const details = err.details || [];
    problems.replaceChildren(...details.map((d) =>
      h("li", {}, h("strong", { text: `Line ${d.line}${d.column ? `, ${d.column}` : ""}: ` }), d.message)));
    problems.hidden = !details.length;
  }

  async function send(dryRun) {
    problems.hidden = true;
    const file = fileInput.files && fileInput.files[0];
    if (!file) {
      say(message, "Choose a CSV file first.", "error");
      fileInput.focus();
      return;
    }
    let text;
    try {
      text = await file.text();
    } catch {
      say(message, "Could not read that file.", "error");
      return;
    }
    say(message, dryRun ? "Checking…" : "Importing…");
    try {
      const done = await api(`${base}/import`, { method: "POST", token, body: { csv: text, dry_run: dryRun } });
      const what = `${done.added} new, ${done.updated} updated, ${done.unchanged} unchanged`;
      say(message, dryRun ? `The file is right: importing it would make ${what}.` : `Imported: ${what}. ${done.listed} people on the list.`, "ok");
      if (!dryRun) draw(done);
    } catch (err) {
      showProblems(err);
      say(message, err.message, "error");
      if (!problems.hidden) problems.focus();
    }
  }

  $("#people-form").addEventListener("submit", (e) => {
    e.preventDefault();
    send(false);
  });
  $("#people-check").addEventListener("click", () => send(true));

  $("#people-rows").addEventListener("click", async (e) => {
    const button = e.target.closest("button[data-act]");
    if (!button) return;
    const row = button.closest("tr");
    const id = row.dataset.person;
    const name = row.querySelector("th").textContent;
    const act = button.dataset.act;
    if (act === "erase" && !confirm(`Erase ${name} from the list, with their email, access needs, answer and link?`)) return;
    button.disabled = true;
    try {
      if (act === "renew") {
        const made = await api(`${base}/${encodeURIComponent(id)}/link`, { method: "POST", token });
        $("#new-person-link").value = made.link;
        $("#new-person-label").textContent = `New personal link for ${name} (the one before no longer works)`;
        $("#new-person-box").hidden = false;
        say(message, `${name} has a new personal link; print their card again.`, "ok");
      } else if (act === "revoke") {
        await api(`${base}/${encodeURIComponent(id)}/link`, { method: "DELETE", token });
        say(message, `${name}'s personal link no longer works.`, "ok");
      } else {
        await api(`${base}/${encodeURIComponent(id)}`, { method: "DELETE", token });
        say(message, `${name} was erased from the list.`, "ok");
      }
    } catch (err) {
      say(message, err.message, "error");
    } finally {
      button.disabled = false;
      refresh();
    }
  });

  $("#copy-person-link").addEventListener("click", async () => {
    await copyText($("#new-person-link").value);
    say(message, "Link copied.", "ok");
  });

  $("#send-invitations").addEventListener("click", async () => {
    const button = $("#send-invitations");
    button.disabled = true;
    say(message, "Sending the invitations…");
    try {
      const done = await api(`/api/events/${encodeURIComponent(eventId)}/invitations/send`, { method: "POST", token, body: {} });
      const s = done.skipped;
      const failed = done.failed.map((f) => `${f.name} (${f.reason})`).join("; ");
      say(message, `Sent ${done.sent}. Skipped: ${s.no_email} without an e-mail, ${s.no_link} without a link, ${s.already_sent} sent before.`
        + (failed ? ` Not sent: ${failed}.` : ""), failed ? "error" : "ok");
    } catch (err) {
      say(message, err.message, "error");
    } finally {
      button.disabled = false;
      refresh();
    }
  });

  $("#erase-all").addEventListener("click", async () => {
    if (!confirm("Erase the whole list: every name, email, access need, answer and personal link? This cannot be undone.")) return;
    try {
      const done = await api(base, { method: "DELETE", token });
      say(message, `Erased ${done.erased} people from the list.`, "ok");
    } catch (err) {
      say(message, err.message, "error");
    }
    refresh();
  });

  $("#people-refresh").addEventListener("click", () => refresh());
  // answers arrive without an entry in the event: read them again now and then while the tab is open
  let shown = false;
  setInterval(() => {
    if (shown && loaded && !document.hidden) refresh();
  }, 30_000);

  return {
    show() {
      shown = true;
      if (!loaded) refresh();
    },
    hide() {
      shown = false;
    },
    /** Someone joined or changed parts: arrivals and coverage move (read again if the tab was opened). */
    changed() {
      if (loaded) refresh();
    },
  };
}
