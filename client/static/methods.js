// The console's "Run a method" panel: pick a script from the library or upload a YAML file, fill
// its parameters, read its run sheet, and load it as a session (`session.load`). An uploaded file
// is checked by the server first (POST /api/scripts/check); while it has problems it cannot be
// loaded, and each problem is listed as FILE:LINE:COLUMN: message, as `wholeroom script check` prints.

import { t, tn } from "./i18n.js";
import { $, api, h, say } from "./ui.js";
import { audienceWords, captureWords, groupsWords, kindName, seconds } from "./words.js";

/** One problem of a script as the command line prints it. */
export function problemText(problem, filename) {
  const where = problem.path ? ` (${problem.path})` : "";
  return `${filename || problem.file}:${problem.line}:${problem.column}: ${problem.message}${where}`;
}

/** A run sheet (rows from the API or a session) as table rows: planned start, duration, who, groups, capture. */
export function previewRows(rows) {
  return rows.map((row, i) =>
    h("tr", { dataset: { index: String(i) } },
      h("td", { class: "num", text: String(i + 1) }),
      h("td", {}, h("strong", { text: row.title || row.id }), h("br"), h("span", { class: "muted", text: kindName(row.kind) })),
      h("td", {}, audienceWords(row.audience), row.groups ? h("br") : null, row.groups ? h("span", { class: "muted", text: groupsWords(row.groups) }) : null),
      h("td", { text: row.capture === undefined ? t("shown once loaded") : captureWords(row.capture) || "–" }),
      h("td", { class: "num", text: `+${seconds(row.planned_offset_s)}` }),
      h("td", { class: "num", text: seconds(row.planned_s) })));
}

export function initMethods({ live, model, onLoaded }) {
  const panel = $("#methods-panel");
  const select = $("#library-select");
  const card = $("#library-card");
  const form = $("#load-form");
  const paramsBox = $("#params");
  const sheet = $("#preview-rows");
  const loadButton = $("#load-button");
  const loadMessage = $("#load-message");
  const fileInput = $("#upload-file");
  const problemsBox = $("#upload-problems");
  const catalogue = new Map();
  // what the load button would load: {library} or {script, source}, plus its title and params
  let chosen = null;
  let checkSeq = 0; // a newer choice makes an older answer stale

  function mode() {
    return panel.querySelector("input[name=script-source]:checked").value;
  }

  function syncMode() {
    const library = mode() === "library";
    $("#library-part").hidden = !library;
    $("#upload-part").hidden = library;
    clearChoice();
    if (library && select.value) chooseLibrary(select.value);
    else if (!library && fileInput.files.length) checkFile(fileInput.files[0]);
  }

  function clearChoice() {
    chosen = null;
    form.hidden = true;
    loadMessage.textContent = "";
    checkSeq += 1;
  }

  function showProblems(problems, filename) {
    problemsBox.replaceChildren();
    if (!problems || !problems.length) {
      problemsBox.hidden = true;
      fileInput.removeAttribute("aria-invalid");
      return;
    }
    problemsBox.hidden = false;
    fileInput.setAttribute("aria-invalid", "true");
    problemsBox.append(
      h("p", { class: "problems-head", text: tn("{file} has {n} problem; fix it and choose the file again. Nothing was loaded.",
        "{file} has {n} problems; fix them and choose the file again. Nothing was loaded.", problems.length, { file: filename }) }),
      h("ol", { class: "problems" }, problems.map((p) => h("li", {}, h("code", { text: problemText(p, filename) })))),
    );
  }

  function showChoice({ title, params, runsheet, label }) {
    paramsBox.replaceChildren(h("legend", { text: t("Parameters") }));
    const names = Object.keys(params || {});
    for (const name of names) {
      const param = params[name];
      const id = `param-${name}`;
      const input = h("textarea", { id, name, rows: 2, class: "param", dataset: { param: name } });
      input.value = param.default || "";
      paramsBox.append(h("div", { class: "field" },
        h("label", { for: id, text: param.label || name }),
        input));
    }
    paramsBox.hidden = names.length === 0;
    sheet.replaceChildren(...previewRows(runsheet || []));
    const total = (runsheet || []).reduce((sum, row) => sum + (row.planned_s || 0), 0);
    $("#preview-total").textContent = tn("{n} step, {time} in all.", "{n} steps, {time} in all.", (runsheet || []).length, { time: seconds(total) });
    loadButton.textContent = t("Load “{title}”", { title });
    loadButton.dataset.label = label || title;
    form.hidden = false;
  }

  async function loadCatalogue() {
    try {
      const scripts = await api("/api/scripts");
      for (const s of scripts) catalogue.set(s.id, s);
      select.replaceChildren(
        h("option", { value: "", text: scripts.length ? t("Choose a method…") : t("The library is empty") }),
        ...scripts.map((s) => h("option", { value: s.id, text: t("{title} ({n} min)", { title: s.title, n: s.minutes }) })),
      );
    } catch (err) {
      say($("#library-message"), t("Could not read the library: {problem}", { problem: err.message }), "error");
    }
  }

  async function chooseLibrary(id) {
    clearChoice();
    card.replaceChildren();
    if (!id) return;
    const entry = catalogue.get(id);
    if (entry) {
      const fit = entry.fit || {};
      const method = entry.method || {};
      card.append(
        h("p", {}, h("strong", { text: method.name || entry.title }), " · ", h("span", { text: method.origin || "" })),
        entry.purpose ? h("p", { text: entry.purpose }) : null,
        h("p", { class: "muted", text: [
          tn("{n} step, about {minutes} min", "{n} steps, about {minutes} min", entry.steps, { minutes: entry.minutes }),
          fit.people ? t("{min}–{max} people", { min: fit.people[0], max: fit.people[1] }) : "",
          fit.table_size ? t("tables of {min}–{max}", { min: fit.table_size[0], max: fit.table_size[1] }) : "",
        ].filter(Boolean).join(" · ") }),
      );
    }
    const mine = ++checkSeq;
    say($("#library-message"), t("Reading the run sheet…"));
    try {
      const data = await api(`/api/scripts/${encodeURIComponent(id)}`);
      if (mine !== checkSeq) return;
      $("#library-message").textContent = "";
      chosen = { command: { library: id }, title: data.title };
      showChoice({ title: data.title, params: data.params, runsheet: data.runsheet });
    } catch (err) {
      if (mine === checkSeq) say($("#library-message"), err.message, "error");
    }
  }

  async function checkFile(file) {
    clearChoice();
    showProblems(null);
    const status = $("#upload-status");
    if (!file) {
      status.textContent = "";
      return;
    }
    const mine = ++checkSeq;
    let text;
    try {
      text = await file.text();
    } catch {
      say(status, t("This file could not be read."), "error");
      return;
    }
    if (text.length > 60_000) {
      say(status, t("{file} is too long: scripts are at most {n} characters.", { file: file.name, n: 60_000 }), "error");
      return;
    }
    say(status, t("Checking {file}…", { file: file.name }));
    try {
      const data = await api("/api/scripts/check", { method: "POST", body: { script: text, tables: model.tables.size || undefined } });
      if (mine !== checkSeq) return;
      say(status, t("{file} is a valid script: {title}.", { file: file.name, title: data.title }), "ok");
      chosen = { command: { script: text, source: file.name }, title: data.title, filename: file.name };
      showChoice({ title: data.title, params: data.params, runsheet: data.runsheet });
    } catch (err) {
      if (mine !== checkSeq) return;
      if (err.code === "bad_script" && err.details) {
        status.textContent = "";
        showProblems(err.details, file.name);
      } else {
        say(status, err.message, "error");
      }
    }
  }

  select.addEventListener("change", () => chooseLibrary(select.value));
  fileInput.addEventListener("change", () => checkFile(fileInput.files[0]));
  for (const radio of panel.querySelectorAll("input[name=script-source]")) radio.addEventListener("change", syncMode);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!chosen) return;
    const params = {};
    for (const input of paramsBox.querySelectorAll("[data-param]")) params[input.dataset.param] = input.value.trim();
    loadButton.disabled = true;
    say(loadMessage, t("Loading…"));
    try {
      const ack = await live.send({ type: "session.load", ...chosen.command, params });
      say(loadMessage, tn("Loaded “{title}” ({n} step). Start it in the session panel above.", "Loaded “{title}” ({n} steps). Start it in the session panel above.", ack.steps, { title: chosen.title }), "ok");
      onLoaded(ack.session_id);
    } catch (err) {
      if (err.code === "bad_script" && err.details) {
        showProblems(err.details, chosen.filename || t("the script"));
        form.hidden = true;
        chosen = null;
      } else {
        say(loadMessage, err.message, "error");
      }
    } finally {
      loadButton.disabled = false;
    }
  });

  loadCatalogue();
  return {
    /** Fold the panel away once a session runs (it stays one click away). */
    collapse(open) {
      $("#methods-details").open = open;
    },
  };
}
