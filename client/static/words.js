// Facilitation scripts in plain words: step kinds, audiences, groupings, captures, roles, vote methods.
// Every function returns text (the pages put it in with textContent).

import { formatDuration } from "./ui.js";

export const KIND_NAMES = {
  custom: "Step",
  prompt: "Prompt",
  ideas: "Ideas",
  discuss: "Discussion",
  break: "Break",
  vote: "Vote",
  cluster: "Clustering",
  rotate: "Change tables",
  harvest: "Harvest",
  signup: "Marketplace",
  react: "Reactions",
};

export const METHOD_NAMES = {
  dots: "Dot vote",
  score: "Score",
  agree_disagree_pass: "Agree / disagree / pass",
  rank: "Ranking",
  place: "Place on a grid",
  pass_and_score: "Pass and score",
};

const BUILT_IN_ROLES = { participant: "Participant", table_host: "Table host", scribe: "Scribe" };

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
  if (!audience || audience === "all") return "Everyone";
  if (audience === "table") return "Each table";
  if (audience === "group") return "Each group";
  if (audience === "facilitator") return "Facilitator only";
  if (audience.startsWith("role:")) return `${roleName(audience.slice(5))}s`;
  return audience;
}

/** A step's `groups` ({size} / {merge} / {by}) in words, or "" when it makes none. */
export function groupsWords(groups) {
  if (!groups) return "";
  if (groups.size === 1) return "On their own";
  if (groups.size === 2) return `Pairs in each table${groups.remainder === "trio" ? " (a trio if odd)" : ""}`;
  if (groups.size) return `Groups of ${groups.size} in each table`;
  if (groups.merge) return groups.merge === 2 ? "Groups join in twos (pairs → fours)" : `Groups join ${groups.merge} at a time`;
  if (groups.by === "self_select") return "People choose their group";
  if (groups.by === "stakeholder") return "By stakeholder group";
  if (groups.by === "mixed") return "Mixed groups";
  return "";
}

const SHAPES = { note: "notes", idea: "ideas", summary: "a summary", card: "cards", action: "actions" };
const VISIBILITY = {
  private: "kept private",
  group: "seen by the group",
  table: "seen by the table",
  room: "seen by the room",
  facilitator: "seen by the facilitator",
};

/** What a step captures ({who, shape, max_items, visibility}) in words, or "" for nothing. */
export function captureWords(capture) {
  if (!capture || capture.who === "none") return "";
  const who = capture.who === "each" ? "Each person" : capture.who === "any" ? "Anyone" : capture.who.startsWith("role:")
    ? `The ${roleName(capture.who.slice(5)).toLowerCase()}` : capture.who;
  const shape = SHAPES[capture.shape] || capture.shape || "ideas";
  const most = capture.max_items ? ` (up to ${capture.max_items})` : "";
  const seen = VISIBILITY[capture.visibility] ? `, ${VISIBILITY[capture.visibility]}` : "";
  return `${who}: ${shape}${most}${seen}`;
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
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** What a rotation asks of people, for the wall and the phones. */
export function rotationWords(spec) {
  const mode = spec && spec.mode;
  if (mode === "host_stays") {
    const stay = !spec.stay || spec.stay === "table_host" ? "host" : roleName(spec.stay).toLowerCase();
    return `Move now: ${stay}s stay`;
  }
  if (mode === "back_home") return "Move now: back to your home table";
  return "Move now: go to the table your phone shows";
}
