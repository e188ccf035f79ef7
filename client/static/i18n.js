// Interface languages for the modules: t() and tn() look a message up in the page's catalogue, a
// static file the server makes from client/locale's .po files (server/web/i18n.py) and the page
// names in <html data-catalogue> (none in English). It is loaded before any module that imports
// this one runs (top-level await; the page preloads it), and kept a year under its hashed name.
// The English text is the key, and what shows when a message has no translation. Placeholders are {name}; plurals pick their form by the browser's CLDR rules
// (Intl.PluralRules), mapped by the server to the catalogue's gettext forms. Numbers and dates go
// through Intl in the page's language.

const EMPTY = { lang: "en", dir: "ltr", plural: { one: 0, other: 1 }, messages: {} };

async function readCatalogue() {
  const url = typeof document !== "undefined" ? document.documentElement.dataset.catalogue : null;
  if (!url) return EMPTY;
  try {
    const response = await fetch(url);
    if (response.ok) return { ...EMPTY, ...(await response.json()) };
  } catch {
    // no catalogue (offline at the first visit): the messages as written
  }
  return EMPTY;
}

const catalogue = await readCatalogue();
export const lang = catalogue.lang;
export const dir = catalogue.dir;
// Intl's locale: the page's language; for English, the browser's own English (dates as its person
// reads them), and lists without the serial comma (the house style: "a, b and c")
const browserEnglish = typeof navigator !== "undefined" && (navigator.languages || []).find((l) => /^en\b/i.test(l));
const intlLocale = lang === "en" ? browserEnglish || "en-GB" : lang;
const plurals = new Intl.PluralRules(lang);
const numbers = new Intl.NumberFormat(intlLocale);

function fill(text, vars) {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in vars)) return whole;
    const value = vars[name];
    return typeof value === "number" ? numbers.format(value) : String(value);
  });
}

/** The message in the page's language: t("Join at {url}", {url}). */
export function t(message, vars) {
  const found = catalogue.messages[message];
  return fill(typeof found === "string" ? found : message, vars);
}

/** A message whose placeholders are elements: tNodes("You are at {table}", {table: strongEl}) gives
 *  ["You are at ", strongEl] in the language's own order (for h() and replaceChildren); a number or
 *  a text may fill a placeholder too. Free text (names, titles, ideas) goes in as an element of its
 *  own direction, a <bdi> (ui.js bdi()), never as a bare text: see docs/architecture.md. */
export function tNodes(message, nodes) {
  const parts = [];
  for (const piece of t(message).split(/(\{\w+\})/)) {
    const name = piece.startsWith("{") ? piece.slice(1, -1) : null;
    if (name && name in nodes) parts.push(typeof nodes[name] === "number" ? numbers.format(nodes[name]) : nodes[name]);
    else if (piece) parts.push(piece);
  }
  return parts;
}

/** The plural form for count n: tn("{n} idea", "{n} ideas", n, {…}); {n} is n, as a number in the language. */
export function tn(singular, plural, n, vars) {
  const forms = catalogue.messages[singular];
  let text;
  if (Array.isArray(forms)) text = forms[catalogue.plural[plurals.select(n)] ?? forms.length - 1] ?? plural;
  else text = new Intl.PluralRules("en").select(n) === "one" ? singular : plural;
  return fill(text, { n, ...vars });
}

/** A number as the page's language writes it. */
export function formatNumber(n, options) {
  return options ? new Intl.NumberFormat(intlLocale, options).format(n) : numbers.format(n);
}

/** A date and time in the page's language ({dateStyle, timeStyle} of Intl.DateTimeFormat). */
export function formatDate(ms, options = { dateStyle: "medium", timeStyle: "short" }) {
  return new Intl.DateTimeFormat(intlLocale, options).format(new Date(ms));
}

/** A list in the page's language: "a, b and c" (type "unit": "a, b, c"). */
export function formatList(items, type = "conjunction") {
  const style = type === "unit" ? "short" : "long";
  return new Intl.ListFormat(lang === "en" ? "en-GB" : lang, { style, type }).format(items.map(String));
}

/** The same list as pieces: {type: "element" | "literal", value} (Intl.ListFormat's formatToParts),
 *  so each item can go into an element of its own (a name in a <bdi>). */
export function formatListParts(items, type = "conjunction") {
  const style = type === "unit" ? "short" : "long";
  return new Intl.ListFormat(lang === "en" ? "en-GB" : lang, { style, type }).formatToParts(items.map(String));
}

const COOKIE = "wholeroom-lang"; // read by the server (server/web/i18n.py) to render the page in it

/** The language switch (client/templates/language_switch.html): the choice is kept a year, the page reloads in it. */
function wireSwitch() {
  const select = typeof document !== "undefined" ? document.getElementById("lang-switch") : null;
  if (!select) return;
  select.addEventListener("change", () => {
    document.cookie = `${COOKIE}=${encodeURIComponent(select.value)}; path=/; max-age=31536000; samesite=lax`;
    location.reload();
  });
}
wireSwitch();
