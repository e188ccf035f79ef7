// Facilitation scripts in plain words: step kinds, audiences, groupings, captures, roles, vote methods.
// Every function returns text (the pages put it in with textContent).

import { formatList, formatListParts, t } from "./i18n.js";
import { bdi, formatDuration } from "./ui.js";

export const KIND_NAMES = {
  custom: t("Step"),
  prompt: t("Prompt"),
  ideas: t("Ideas"),
  discuss: t("Discussion"),
  break: t("Break"),
  vote: t("Vote"),
  cluster: t("Clustering"),
  rotate: t("Change tables"),
  harvest: t("Harvest"),
  signup: t("Marketplace"),
  react: t("Reactions"),
};

export const METHOD_NAMES = {
  dots: t("Dot vote"),
  score: t("Score"),
  agree_disagree_pass: t("Agree / disagree / pass"),
  rank: t("Ranking"),
  place: t("Place on a grid"),
  pass_and_score: t("Pass and score"),
};

const BUILT_IN_ROLES = { participant: t("Participant"), table_host: t("Table host"), scribe: t("Scribe") };

/** "table_host" -> "Table host"; roles a script declares read the same way. */
export function roleName(role) {
  if (!role) return "";
  if (BUILT_IN_ROLES[role]) return BUILT_IN_ROLES[role];
  const words = String(role).replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function kindName(kind) {
  return KIND_NAMES[kind] || roleName(kind);
}

/** A script audience ("all", "table", "group", "facilitator", "role:scribe") in words. */
export function audienceWords(audience) {
  if (!audience || audience === "all") return t("Everyone");
  if (audience === "table") return t("Each table");
  if (audience === "group") return t("Each group");
  if (audience === "facilitator") return t("Facilitator only");
  if (audience.startsWith("role:")) return t("Every {role}", { role: roleName(audience.slice(5)).toLowerCase() });
  return audience;
}

/** A step's `groups` ({size} / {merge} / {by}) in words, or "" when it makes none. */
export function groupsWords(groups) {
  if (!groups) return "";
  if (groups.size === 1) return t("On their own");
  if (groups.size === 2) return groups.remainder === "trio" ? t("Pairs in each table (a trio if odd)") : t("Pairs in each table");
  if (groups.size) return t("Groups of {n} in each table", { n: groups.size });
  if (groups.merge) return groups.merge === 2 ? t("Groups join in twos (pairs → fours)") : t("Groups join {n} at a time", { n: groups.merge });
  if (groups.by === "self_select") return t("People choose their group");
  if (groups.by === "stakeholder") return t("By stakeholder group");
  if (groups.by === "mixed") return t("Mixed groups");
  return "";
}

const SHAPES = { note: t("notes"), idea: t("ideas"), summary: t("a summary"), card: t("cards"), action: t("actions") };
const VISIBILITY = {
  private: t("kept private"),
  group: t("seen by the group"),
  table: t("seen by the table"),
  room: t("seen by the room"),
  facilitator: t("seen by the facilitator"),
};

/** What a step captures ({who, shape, max_items, visibility}) in words, or "" for nothing. */
export function captureWords(capture) {
  if (!capture || capture.who === "none") return "";
  const who = capture.who === "each" ? t("Each person") : capture.who === "any" ? t("Anyone") : capture.who.startsWith("role:")
    ? t("The {role}", { role: roleName(capture.who.slice(5)).toLowerCase() }) : capture.who;
  const shape = SHAPES[capture.shape] || capture.shape || t("ideas");
  const what = capture.max_items ? t("{what} (up to {n})", { what: shape, n: capture.max_items }) : shape;
  const seen = VISIBILITY[capture.visibility];
  return seen ? t("{who}: {what}, {seen}", { who, what, seen }) : t("{who}: {what}", { who, what });
}

/** Seconds as "4:00" / "1:15:00"; "–" for none. */
export function seconds(s) {
  return s == null ? "–" : formatDuration(s * 1000);
}

/** Milliseconds between two times as "+3:05" (or "−0:10"). */
export function offset(ms) {
  if (ms == null) return "";
  return `${ms < 0 ? "−" : "+"}${formatDuration(Math.abs(ms))}`;
}

/** Names joined for a sentence: "Ana", "Ana and Bo", "Ana, Bo and Cy". */
export function listWords(names) {
  return formatList(names);
}

/** The same for the page: each name in a <bdi> (free text, its direction kept to itself). */
export function listNodes(names) {
  return formatListParts(names).map((part) => (part.type === "element" ? bdi(part.value) : part.value));
}

/** What a rotation asks of people, for the wall and the phones. */
export function rotationWords(spec) {
  const mode = spec && spec.mode;
  if (mode === "host_stays") {
    if (!spec.stay || spec.stay === "table_host") return t("Move now: hosts stay");
    return t("Move now: every {role} stays", { role: roleName(spec.stay).toLowerCase() });
  }
  if (mode === "back_home") return t("Move now: back to your home table");
  return t("Move now: go to the table your phone shows");
}
