// Script texts in several languages (docs/scripts.md, "Languages"): a step of such a script
// carries its text in each (`texts`), its spec's texts per language (`spec.texts`) and each
// option's (`texts`). A screen shows them in its page language (<html lang>), falling back to the
// language without its region (es-MX -> es) and then to the script's default (the plain fields).

/** The language this page is shown in: <html lang>, set by the page (a phone's choice, the event's). */
export function screenLanguage() {
  return document.documentElement.lang || "";
}

const RELOADED = "wholeroom-event-language"; // the language this tab last reloaded into (sessionStorage)

/**
 * The wall and console are drawn in the event's language by the server (<html lang>): when the
 * event's is another (an `event.language_set` entry, or a snapshot that says so after the screen
 * was away), load the page again, once per language, so a page still served in the old one never
 * reloads in a loop.
 */
export function followEventLanguage(language) {
  if (!language || typeof document === "undefined") return;
  try {
    if (language === screenLanguage()) {
      sessionStorage.removeItem(RELOADED);
      return;
    }
    if (sessionStorage.getItem(RELOADED) === language) return;
    sessionStorage.setItem(RELOADED, language);
  } catch {
    return; // no storage (a locked-down browser): the page keeps its language until it is loaded again
  }
  location.reload();
}

/** Which key of `texts` (a mapping language -> anything) serves `lang`, or null. */
function matching(texts, lang) {
  if (!texts || !lang) return null;
  if (Object.hasOwn(texts, lang)) return lang;
  const base = lang.split("-")[0].toLowerCase();
  if (Object.hasOwn(texts, base)) return base;
  return Object.keys(texts).find((code) => code.split("-")[0].toLowerCase() === base) || null;
}

/** The text of `texts` for `lang`, or `fallback` (the default language's) when it has none. */
export function pick(texts, lang, fallback) {
  const code = matching(texts, lang);
  return code == null ? fallback : texts[code];
}

/** A list of options ({id, text, texts?}) or result rows, with each text in `lang`. */
export function localOptions(options, lang = screenLanguage()) {
  if (!Array.isArray(options)) return options;
  return options.map((o) => (o && o.texts ? { ...o, text: pick(o.texts, lang, o.text) } : o));
}

/** The spec of a script step with its texts (title, question, text, axes...) in `lang`. */
export function localSpec(spec, lang = screenLanguage()) {
  if (!spec || !spec.texts) return spec;
  const code = matching(spec.texts, lang);
  return code == null ? spec : { ...spec, ...spec.texts[code] };
}

/**
 * A step (as a screen keeps it) shown in `lang`. It keeps every language (`texts`, `spec.texts`,
 * the options' `texts`), so it can be shown again in another: the first language of `texts` is
 * the script's default, and the fallback.
 */
export function localStep(step, lang = screenLanguage()) {
  if (!step || !step.texts) return step;
  const fallback = Object.values(step.texts)[0] ?? step.text;
  return { ...step, text: pick(step.texts, lang, fallback), spec: localSpec(step.spec, lang), options: localOptions(step.options, lang) };
}

/** Result rows of a vote in `lang`: each row's text from the step's options (the rows carry only ids). */
export function localResults(results, options, lang = screenLanguage()) {
  if (!results || !Array.isArray(results.options) || !Array.isArray(options)) return results;
  const byId = new Map(options.filter((o) => o && o.texts).map((o) => [o.id, o.texts]));
  if (byId.size === 0) return results;
  return { ...results, options: results.options.map((r) => (byId.has(r.id) ? { ...r, text: pick(byId.get(r.id), lang, r.text) } : r)) };
}

/** A session with its run sheet's titles in `lang` (each row of a script in several languages has `texts`). */
export function localSession(session, lang = screenLanguage()) {
  if (!session || !Array.isArray(session.runsheet) || !session.runsheet.some((r) => r.texts)) return session;
  return { ...session, runsheet: session.runsheet.map((r) => (r.texts ? { ...r, title: pick(r.texts, lang, r.title) } : r)) };
}

/** Call `fn` whenever the page's language changes (a phone's language chosen on the page). */
export function onLanguageChange(fn) {
  new MutationObserver(fn).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
}
