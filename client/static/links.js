// The organiser's facilitator links: issue one with a name ("Ana – co-facilitator"), see them all,
// revoke one (it stops at once, and the consoles open with it close). A new link is shown once.
import { $, api, copyText, formatTime, h, reconcile, say } from "./ui.js";

export function initLinks({ eventId, token }) {
  const base = `/api/events/${encodeURIComponent(eventId)}/facilitators`;
  const form = $("#facilitator-form");
  const message = $("#facilitator-message");
  const rows = new Map();

  function row(link) {
    let li = rows.get(link.id);
    if (!li) {
      const revoke = h("button", { type: "button", class: "small danger revoke", text: "Revoke" });
      revoke.addEventListener("click", () => revokeLink(link));
      li = h("li", { dataset: { linkId: link.id } }, h("strong", { class: "name" }), " ", h("span", { class: "muted when" }), " ", revoke);
      rows.set(link.id, li);
    }
    const name = link.name || "The first facilitator link (made with the event)";
    li.querySelector(".name").textContent = name;
    const made = `made ${formatTime(link.created_at)}`;
    li.querySelector(".when").textContent = link.revoked_at ? `${made}, revoked ${formatTime(link.revoked_at)}` : made;
    li.dataset.state = link.revoked_at ? "revoked" : "working";
    const revoke = li.querySelector(".revoke");
    revoke.hidden = Boolean(link.revoked_at);
    revoke.setAttribute("aria-label", `Revoke ${name}`);
    return li;
  }

  async function load() {
    try {
      const { links } = await api(base, { token });
      reconcile($("#facilitator-links"), links.map(row));
    } catch (err) {
      // the page opened with a facilitator link: issuing links is the organiser's, so the part goes
      if (err.status === 403) form.closest("section").hidden = true;
      else say(message, err.message, "error");
    }
  }

  async function revokeLink(link) {
    try {
      await api(`${base}/${encodeURIComponent(link.id)}`, { method: "DELETE", token });
      say(message, `Revoked “${link.name || "the first facilitator link"}”: it no longer works, and its consoles were closed.`, "ok");
      $("#facilitator-name").focus();
    } catch (err) {
      say(message, err.message, "error");
    }
    await load();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("#facilitator-name");
    const name = input.value.trim();
    $("#facilitator-name-error").textContent = "";
    input.removeAttribute("aria-invalid");
    if (!name) {
      $("#facilitator-name-error").textContent = "Write who the link is for.";
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    try {
      const made = await api(base, { method: "POST", token, body: { name } });
      $("#new-facilitator-link").value = made.link;
      $("#new-facilitator-box").hidden = false;
      $("#new-facilitator-label").textContent = `Link for ${made.name}`;
      input.value = "";
      say(message, `Made a link for “${made.name}”. Copy it now: it is not shown again.`, "ok");
      $("#new-facilitator-link").focus();
      $("#new-facilitator-link").select();
    } catch (err) {
      if (err.field === "name") {
        $("#facilitator-name-error").textContent = err.message;
        input.setAttribute("aria-invalid", "true");
        input.focus();
      } else say(message, err.message, "error");
    }
    await load();
  });
  $("#copy-facilitator-link").addEventListener("click", async () => {
    const ok = await copyText($("#new-facilitator-link").value);
    $("#copy-facilitator-link").textContent = ok ? "Copied" : "Select and copy";
  });

  load();
  return { load };
}
