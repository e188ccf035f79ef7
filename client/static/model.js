// The client's fold: the one place where a snapshot plus transcript entries become the state a page
// draws, the same way the server folds them (docs/protocol.md, "Transcript entries", "Resume rules").
// `StaffModel` is the staff screens' view (console, wall, organiser: a staff snapshot), `PhoneModel`
// a phone's (a phone snapshot: its table, its step, its own choices). Both build steps, ideas and the
// event's state from entries with the same functions below; each page keeps only its drawing.
// `state()` on either gives what tests compare with the server's snapshot (window.__wholeroomState).

import { t } from "./i18n.js";
import { isolate } from "./ui.js";

// Entries that change what the room is doing; the latest is the flow a console's commands name
// (`expect_flow_seq`, docs/protocol.md "Co-facilitation")
const FLOW_KINDS = new Set(["step.pushed", "step.ended", "step.extended", "step.paused", "step.resumed", "session.step_skipped", "session.finished"]);

/** The step a `step.pushed` entry makes (either audience; staff add who premoderates a script step). */
export function pushedStep(entry) {
  const p = entry.payload;
  return {
    id: p.step_id, seq: entry.seq, text: p.text, collect_ideas: p.collect_ideas, audience: p.audience,
    pushed_at: entry.at, deadline: p.deadline, status: "active", ended_at: null, replaces: p.replaces,
    session_id: p.session_id || null, index: p.index ?? null, kind: p.kind || "custom", spec: p.spec || null,
    options: p.options || null, warn_ms: p.warn_ms || null, paused_remaining: null, premoderate: p.premoderate || null,
    ...(p.texts ? { texts: p.texts } : {}), // a script in several languages: its text in each (language.js)
  };
}

/** A step's timer after `step.extended`, `step.paused` or `step.resumed` (in place). */
function retime(step, entry) {
  const p = entry.payload;
  if (entry.kind === "step.extended") step.deadline = p.deadline;
  else if (entry.kind === "step.paused") Object.assign(step, { deadline: null, paused_remaining: p.remaining ?? null, paused: true });
  else if (entry.kind === "step.resumed") Object.assign(step, { deadline: p.deadline, paused_remaining: null, paused: false });
}

/** End an active step (in place); true when it was active. */
function endStep(step, at) {
  if (!step || step.status !== "active") return false;
  step.status = "ended";
  step.ended_at = at;
  return true;
}

/** The event as an entry leaves it, or null for an entry that does not change it. */
function changedEvent(event, entry) {
  const p = entry.payload;
  switch (entry.kind) {
    case "event.closed":
      return { ...event, closed_at: entry.at };
    case "event.reopened":
      return { ...event, closed_at: null };
    case "event.parts_set":
      return { ...event, parts: p.parts };
    case "event.language_set": // the wall's and console's (staff screens only; a phone keeps its own)
      return { ...event, language: p.language };
    case "theme.revealed":
      return { ...event, themes_revealed: Boolean(p.shown) };
    case "wall.shown":
      return { ...event, wall_slide: p.slide ?? null };
    case "followup.opened": // the organisers ask what has happened since: links work again
      return { ...event, closed_at: null, followup: { id: p.followup_id, step_id: p.step_id, question: p.question, privacy: p.privacy } };
    case "followup.closed":
      return { ...event, closed_at: entry.at, followup: null };
    default:
      return null;
  }
}

/** The idea an `idea.submitted` entry adds (text null: hidden from this screen). */
function submittedIdea(entry) {
  const p = entry.payload;
  return {
    id: p.idea_id, seq: entry.seq, participant_id: p.participant_id, table_id: p.table_id, step_id: p.step_id,
    text: p.text, at: entry.at, hidden: p.text == null, anonymous: Boolean(p.anonymous),
    visibility: p.visibility || null, pending: Boolean(p.pending), // pending: waiting for a moderator
  };
}

/** The idea an `idea.approved` entry brings to a screen that did not have it while it waited. */
function approvedIdea(entry) {
  const p = entry.payload;
  return {
    id: p.idea_id, seq: p.seq || entry.seq, participant_id: p.participant_id, table_id: p.table_id,
    step_id: p.step_id, text: p.text, at: p.at || entry.at, hidden: Boolean(p.hidden), anonymous: Boolean(p.anonymous),
    visibility: p.visibility || null, pending: false,
  };
}

/** The idea an `idea.restored` entry gives back to a screen that dropped it, or never had it. */
function restoredIdea(entry) {
  const p = entry.payload;
  return {
    id: p.idea_id, seq: Number(String(p.idea_id).slice(1)) || entry.seq, participant_id: p.participant_id ?? null,
    table_id: p.table_id, step_id: p.step_id ?? null, text: p.text, at: p.at ?? entry.at, hidden: false,
  };
}

export class StaffModel {
  constructor() {
    this.load(null);
  }

  /** Replace everything with a welcome snapshot (staff shape). */
  load(snapshot) {
    const s = snapshot || {};
    this.seq = s.seq || 0;
    this.event = s.event || { id: "", title: "", join_code: "", tables: [] };
    this.tables = new Map(this.event.tables.map((tb) => [tb.id, tb]));
    this.steps = new Map((s.steps || []).map((step) => [step.id, { ...step }]));
    this.current = {};
    for (const [table, slots] of Object.entries(s.current || {})) this.current[table] = { ...slots };
    this.joined = { ...(s.joined || {}) };
    // ideas per table, whatever their visibility: exact on moderators' screens, which hear of every
    // idea; the wall's count only adds the ideas it is sent after its snapshot
    this.ideaCounts = { ...(s.idea_counts || {}) };
    this.countedTo = this.seq; // the counts hold every idea up to this seq
    this.connected = {};
    this.staff = 0;
    // the room's latest change of flow {seq, at, actor, kind, step_id, session_id, index}, or null
    this.flow = s.flow || null;
    this.ideas = new Map();
    for (const idea of s.ideas || []) this.ideas.set(idea.id, { ...idea, hidden: idea.hidden || idea.text == null });
    this.participants = new Map((s.participants || []).map((p) => [p.id, { ...p, parts: p.parts || [] }]));
    // the wall's counts of each part of the system per table (it never learns who)
    this.partsPresence = s.presence || null;
    // facilitation scripts: sessions with their run sheets, groups, vote results, marketplace topics
    this.sessions = new Map((s.sessions || []).map((x) => [x.id, { ...x, runsheet: (x.runsheet || []).map((r) => ({ ...r })) }]));
    this.groups = new Map((s.groups || []).map((g) => [g.id, { ...g, members: [...g.members] }]));
    this.results = new Map((s.results || []).map((r) => [r.step_id, r]));
    // sealed votes (results not yet revealed): how many have voted, of how many ({step_id, voters, eligible})
    this.turnout = new Map((s.turnout || []).map((tb) => [tb.step_id, tb]));
    this.topics = new Map((s.topics || []).map((tb) => [tb.id, { ...tb }]));
    // action groups (follow-through): for moderators with members, convener and who shares an email
    this.actionGroups = new Map((s.action_groups || []).map((g) => [g.id, { members: [], contacts: [], ...g }]));
    // the latest common-ground analysis (reaction steps); `common_ground` messages replace it
    this.commonGround = s.common_ground || null;
    // the latest themes ({themes, unthemed, positions, model}); `themes` messages replace them
    this.themes = s.themes || null;
    // participants' flags ("this idea doesn't belong here"): the snapshot does not list them, so
    // they are kept from entries across snapshots (the console reads the transcript after a load)
    if (!this.flags) this.flags = new Map(); // flag id -> {flag_id, idea_id, theme_id, participant_id, reason, at}
    if (!this.flagOutcomes) this.flagOutcomes = new Map(); // flag id -> "kept" | "moved"
  }

  /** A `themes` message: the latest themes of the room. */
  applyThemes(msg) {
    this.themes = {
      model: msg.model, themes: msg.themes || [], unthemed: msg.unthemed || [], positions: msg.positions || {},
      langs: msg.langs || {}, // idea id -> its language, where known (docs/themes.md, "Reading across languages")
      suggestions: msg.suggestions || [], // curation suggestions: moderators' screens only (docs/themes.md)
    };
    return "themes";
  }

  /**
   * An idea's language ("pl") for its language tag, or "" when it is not known or the room's ideas
   * are all in one language (a tag on every idea would say nothing).
   */
  langOf(ideaId) {
    return ideaLang(this.themes, ideaId);
  }

  /** Flags nobody has decided on yet, oldest first. */
  openFlags() {
    return [...this.flags.values()].filter((f) => !this.flagOutcomes.has(f.flag_id)).sort((a, b) => a.seq - b.seq);
  }

  /** The theme an idea is in now (from the latest themes), or null. */
  themeOf(ideaId) {
    for (const theme of (this.themes && this.themes.themes) || []) if (theme.idea_ids.includes(ideaId)) return theme;
    return null;
  }

  /** A `common_ground` message: the latest analysis of the room's reactions. */
  applyCommonGround(msg) {
    this.commonGround = msg.analysis || null;
    return "ground";
  }

  /** Whether the event has had a reaction step (so the common-ground views have a place). */
  hasReactions() {
    return Boolean(this.commonGround) || [...this.steps.values()].some((s) => s.kind === "react");
  }

  tableName(id) {
    const table = this.tables.get(id);
    return table ? table.name : t("Table {id}", { id });
  }

  personName(id) {
    const p = this.participants.get(id);
    return p && p.name ? p.name : null;
  }

  /** Roles people can hold: the built-in ones, then those the loaded scripts declare. */
  tableRoles() {
    const roles = ["participant", "table_host", "scribe"];
    for (const session of this.sessions.values()) {
      for (const role of Object.keys(session.roles || {})) if (!roles.includes(role)) roles.push(role);
    }
    return roles;
  }

  /** Topics of one marketplace step. */
  stepTopics(stepId) {
    return [...this.topics.values()].filter((tb) => tb.step_id === stepId);
  }

  /** The session's row for the step with this id, or null. */
  rowOfStep(stepId) {
    const step = this.steps.get(stepId);
    const session = step && step.session_id ? this.sessions.get(step.session_id) : null;
    return session ? session.runsheet[step.index] || null : null;
  }

  /** A `results` message: the latest tally of a vote, or the counts of a marketplace. */
  applyResults(msg) {
    if (msg.kind === "vote") {
      this.results.set(msg.step_id, msg.results);
      return "results";
    }
    if (msg.kind === "signup") {
      for (const topic of msg.results.topics || []) {
        const known = this.topics.get(topic.id);
        this.topics.set(topic.id, { ...(known || {}), ...topic });
      }
      return "results";
    }
    return null;
  }

  /** A `turnout` message: how many have voted in a sealed vote (never what). */
  applyTurnout(msg) {
    this.turnout.set(msg.step_id, { step_id: msg.step_id, voters: msg.voters, eligible: msg.eligible });
    return "results";
  }

  /** The step shown to everyone at `table` (its "*" slot), or null. */
  tableStep(table) {
    const id = this.current[table] && this.current[table]["*"];
    return id ? this.steps.get(id) || null : null;
  }

  /** Every step that is some table's current step, newest first: [{step, tables: [ids]}]. */
  currentSteps() {
    const byStep = new Map();
    for (const [table, slots] of Object.entries(this.current)) {
      for (const stepId of Object.values(slots)) {
        if (!byStep.has(stepId)) byStep.set(stepId, []);
        byStep.get(stepId).push(table);
      }
    }
    return [...byStep.entries()]
      .map(([id, tables]) => ({ step: this.steps.get(id), tables }))
      .filter((x) => x.step)
      .sort((a, b) => b.step.seq - a.step.seq);
  }

  /** The question for the whole room: the step pushed to all tables, or the most common current one. */
  mainStep() {
    const counts = new Map();
    for (const table of this.tables.keys()) {
      const step = this.tableStep(table);
      if (step) counts.set(step.id, (counts.get(step.id) || 0) + 1);
    }
    let best = null;
    let bestCount = 0;
    for (const [id, count] of counts) {
      const step = this.steps.get(id);
      if (count > bestCount || (count === bestCount && best && step.seq > best.seq)) {
        best = step;
        bestCount = count;
      }
    }
    return best;
  }

  /** Advance by one entry; returns what changed: "event" | "people" | "steps" | "ideas". */
  apply(entry) {
    const changed = this._apply(entry);
    if (FLOW_KINDS.has(entry.kind)) {
      const p = entry.payload;
      const step = this.steps.get(p.step_id) || null;
      this.flow = {
        seq: entry.seq, at: entry.at, actor: entry.actor, kind: entry.kind, step_id: step ? step.id : null,
        session_id: p.session_id || (step && step.session_id) || null, index: p.index ?? (step ? step.index : null),
      };
    }
    return changed;
  }

  _apply(entry) {
    const p = entry.payload;
    this.seq = Math.max(this.seq, entry.seq);
    switch (entry.kind) {
      case "event.created":
        this.event = { id: entry.event_id, title: p.title, join_code: p.join_code, tables: p.tables, parts: p.parts || [], language: p.language || "en" };
        this.tables = new Map(p.tables.map((tb) => [tb.id, tb]));
        return "event";
      case "participant.joined":
        this.participants.set(p.participant_id, {
          id: p.participant_id,
          name: p.name,
          table_id: p.table_id,
          role: p.role,
          joined_at: entry.at,
          parts: p.parts || [],
        });
        this.joined[p.table_id] = (this.joined[p.table_id] || 0) + 1;
        return "people";
      case "participant.seated": {
        const person = this.participants.get(p.participant_id);
        if (person) {
          this.joined[person.table_id] = Math.max(0, (this.joined[person.table_id] || 0) - 1);
          person.table_id = p.table_id;
        }
        this.joined[p.table_id] = (this.joined[p.table_id] || 0) + 1;
        return "people";
      }
      case "participant.parts_set": {
        const person = this.participants.get(p.participant_id);
        if (person) person.parts = p.parts;
        return "people";
      }
      case "event.parts_set":
        this.event = changedEvent(this.event, entry);
        return "people";
      case "participant.role_set": {
        const person = this.participants.get(p.participant_id);
        if (person) person.role = p.role;
        return "people";
      }
      case "participant.removed": {
        const person = this.participants.get(p.participant_id);
        if (person) this.joined[person.table_id] = Math.max(0, (this.joined[person.table_id] || 0) - 1);
        this.participants.delete(p.participant_id);
        return "people";
      }
      case "event.closed":
      case "event.reopened":
      case "event.language_set":
      case "wall.shown":
      case "followup.opened":
      case "followup.closed":
        this.event = changedEvent(this.event, entry);
        return "event";
      case "step.pushed": {
        const step = pushedStep(entry);
        // who lets its ideas through (a script step says it in its capture)
        if (!step.premoderate && p.spec && p.spec.capture && p.spec.capture.premoderate) step.premoderate = "script";
        this.steps.set(step.id, step);
        if (p.replaces) this._end(p.replaces, entry.at);
        const session = step.session_id ? this.sessions.get(step.session_id) : null;
        if (session) {
          session.index = step.index;
          session.status = "running";
          if (session.started_at == null) session.started_at = entry.at;
          const row = session.runsheet[step.index];
          if (row) Object.assign(row, { step_id: step.id, started_at: entry.at, ended_at: null, skipped: false });
        }
        const tables = p.audience.tables ?? [...this.tables.keys()];
        for (const table of tables) {
          if (!this.current[table] || p.audience.role == null) this.current[table] = {};
          this.current[table][p.audience.role ?? "*"] = step.id;
        }
        return "steps";
      }
      case "step.extended": {
        const step = this.steps.get(p.step_id);
        if (step) retime(step, entry);
        return "steps";
      }
      case "step.ended":
        this._end(p.step_id, entry.at);
        return "steps";
      case "step.paused": {
        const step = this.steps.get(p.step_id);
        if (step) retime(step, entry);
        const session = this.sessions.get(p.session_id);
        if (session) session.status = "paused";
        return "steps";
      }
      case "step.resumed": {
        const step = this.steps.get(p.step_id);
        if (step) retime(step, entry);
        const session = this.sessions.get(p.session_id);
        if (session) session.status = "running";
        return "steps";
      }
      case "session.loaded": {
        let offset = 0;
        const script = p.script || {};
        const runsheet = (script.steps || []).map((spec, index) => {
          const row = {
            index, id: spec.id, kind: spec.kind, title: spec.title || spec.id, audience: spec.audience,
            groups: spec.groups ?? null, capture: spec.capture ?? null, planned_offset_s: offset,
            planned_s: spec.duration ?? null, optional: Boolean(spec.optional), step_id: null, started_at: null,
            ended_at: null, skipped: false,
            // a script in several languages: the title in each, as the server's run sheet has it
            ...(spec.texts ? { texts: Object.fromEntries(Object.entries(spec.texts).map(([code, t]) => [code, t.title || spec.id])) } : {}),
          };
          offset += spec.duration || 0;
          return row;
        });
        this.sessions.set(p.session_id, {
          id: p.session_id, title: p.title, status: "loaded", index: -1, started_at: null, params: p.params || {},
          method: script.method || null, roles: script.roles || {}, runsheet,
        });
        return "sessions";
      }
      case "session.step_skipped": {
        const row = this.sessions.get(p.session_id)?.runsheet[p.index];
        if (row) Object.assign(row, { step_id: null, started_at: null, ended_at: null, skipped: true });
        return "sessions";
      }
      case "session.finished": {
        const session = this.sessions.get(p.session_id);
        if (session) {
          session.status = "finished";
          session.index = session.runsheet.length;
        }
        return "sessions";
      }
      case "groups.formed":
        this.groups = new Map((p.groups || []).map((g) => [g.id, { ...g, members: [...g.members] }]));
        return "groups";
      case "vote.cast":
        return "votes"; // the tally arrives in `results` messages (at most once a second)
      case "topic.posted":
        // a participant who convenes is signed up for their own topic (the next `results` corrects
        // the count of a topic they left in that slot)
        this.topics.set(p.topic_id, {
          id: p.topic_id, step_id: p.step_id, title: p.title, convener: p.convener, slot: p.slot, space: p.space,
          count: this.topics.get(p.topic_id)?.count ?? (p.convener === "facilitator" ? 0 : 1),
        });
        return "topics";
      case "topic.joined": {
        for (const id of p.left || []) {
          const left = this.topics.get(id);
          if (left) left.count = Math.max(0, left.count - 1);
        }
        const topic = this.topics.get(p.topic_id);
        if (topic) topic.count += 1;
        return "topics";
      }
      case "topic.left": {
        const topic = this.topics.get(p.topic_id);
        if (topic) topic.count = Math.max(0, topic.count - 1);
        return "topics";
      }
      case "participants.moved":
        for (const move of p.moves || []) {
          const person = this.participants.get(move.participant_id);
          if (person) person.table_id = move.to;
          this.joined[move.from] = Math.max(0, (this.joined[move.from] || 0) - 1);
          this.joined[move.to] = (this.joined[move.to] || 0) + 1;
        }
        return "people";
      case "roles.assigned":
        for (const [pid, role] of Object.entries(p.assignments || {})) {
          const person = this.participants.get(pid);
          if (person) person.role = role;
        }
        return "people";
      case "idea.submitted":
        this.ideas.set(p.idea_id, submittedIdea(entry));
        // every idea written at a table counts there, as the server counts them (snapshot `idea_counts`)
        this.ideaCounts[p.table_id] = (this.ideaCounts[p.table_id] || 0) + 1;
        return "ideas";
      case "idea.approved": {
        // staff screens had it waiting; the wall gets it now, with the approval
        const idea = this.ideas.get(p.idea_id);
        if (idea) idea.pending = false;
        else if (p.text != null) {
          const approved = approvedIdea(entry);
          this.ideas.set(p.idea_id, approved);
          // held since before this screen's snapshot: already in its counts
          if (approved.seq > this.countedTo) this.ideaCounts[p.table_id] = (this.ideaCounts[p.table_id] || 0) + 1;
        }
        return "ideas";
      }
      case "idea.hidden": {
        const idea = this.ideas.get(p.idea_id);
        if (idea) idea.hidden = true;
        return "ideas";
      }
      case "idea.restored": {
        const idea = this.ideas.get(p.idea_id);
        if (idea) {
          idea.hidden = false;
          idea.text = p.text;
        } else {
          this.ideas.set(p.idea_id, restoredIdea(entry));
        }
        return "ideas";
      }
      case "theme.flagged":
        if (!this.flags.has(p.flag_id)) this.flags.set(p.flag_id, { ...p, seq: entry.seq, at: entry.at });
        return "flags";
      case "theme.flag_resolved":
        this.flagOutcomes.set(p.flag_id, p.outcome);
        return "flags";
      case "theme.revealed":
        this.event = changedEvent(this.event, entry);
        return "themes";
      case "actions.formed":
        for (const g of p.groups) {
          const topic = g.source && g.source.startsWith("topic:") ? this.topics.get(g.source.slice(6)) : null;
          const title = g.title ?? (topic ? topic.title : g.id);
          if (g.convener) this._leaveAction(g.convener);
          const members = g.convener ? [g.convener] : [];
          this.actionGroups.set(g.id, { id: g.id, title, source: g.source, members, convener: g.convener || null, contacts: [], count: members.length, has_convener: Boolean(g.convener) });
        }
        return "actions";
      case "action.joined": {
        this._leaveAction(p.participant_id);
        const group = this.actionGroups.get(p.group_id);
        if (group) group.members.push(p.participant_id);
        this._countAction(group);
        return "actions";
      }
      case "action.left":
        this._leaveAction(p.participant_id);
        return "actions";
      case "action.convener_set": {
        const group = this.actionGroups.get(p.group_id);
        if (group) group.convener = p.participant_id;
        this._countAction(group);
        return "actions";
      }
      case "action.contact_set": {
        const group = this.actionGroups.get(p.group_id);
        if (group) {
          group.contacts = group.contacts.filter((id) => id !== p.participant_id);
          if (p.shared) group.contacts.push(p.participant_id);
        }
        return "actions";
      }
      default:
        return null;
    }
  }

  _leaveAction(participantId) {
    for (const group of this.actionGroups.values()) {
      if (!group.members.includes(participantId)) continue;
      group.members = group.members.filter((id) => id !== participantId);
      group.contacts = group.contacts.filter((id) => id !== participantId);
      if (group.convener === participantId) group.convener = null;
      this._countAction(group);
    }
  }

  _countAction(group) {
    if (!group) return;
    group.count = group.members.length;
    group.has_convener = Boolean(group.convener);
  }

  /** The declared parts of the system [{id, name, target}]. */
  get parts() {
    return this.event.parts || [];
  }

  /** Per part: how many joined against the target (staff screens, who know everyone's parts). */
  coverage() {
    const counts = new Map(this.parts.map((part) => [part.id, 0]));
    let declined = 0;
    let unsaid = 0;
    for (const person of this.participants.values()) {
      const said = person.parts || [];
      if (!said.length) unsaid += 1;
      else if (said.length === 1 && said[0] === "prefer_not_to_say") declined += 1;
      for (const id of said) if (counts.has(id)) counts.set(id, counts.get(id) + 1);
    }
    const parts = this.parts.map((part) => {
      const joined = counts.get(part.id);
      return { ...part, joined, missing: part.target == null ? null : Math.max(part.target - joined, 0) };
    });
    return {
      parts,
      missing: parts.filter((r) => r.joined === 0 || (r.missing || 0) > 0).map((r) => r.id),
      prefer_not_to_say: declined,
      not_said: unsaid,
      people: this.participants.size,
    };
  }

  _end(stepId, at) {
    if (endStep(this.steps.get(stepId), at)) {
      const row = this.rowOfStep(stepId);
      if (row && row.step_id === stepId && row.ended_at == null) row.ended_at = at;
    }
  }

  /** What the fold holds, as plain data in the snapshot's terms: what tests compare with the server's
   * snapshot for this screen (window.__wholeroomState). A copy: changing it changes nothing. */
  state() {
    return structuredClone({
      seq: this.seq,
      event: { closed_at: this.event.closed_at ?? null, themes_revealed: Boolean(this.event.themes_revealed) },
      steps: [...this.steps.values()].map((s) => ({ id: s.id, status: s.status, deadline: s.deadline })),
      current: this.current,
      joined: this.joined,
      idea_counts: this.ideaCounts,
      ideas: [...this.ideas.values()].map((i) => ({
        id: i.id, text: i.text, table_id: i.table_id, step_id: i.step_id, hidden: Boolean(i.hidden), pending: Boolean(i.pending),
      })),
      participants: [...this.participants.values()].map((p) => ({ id: p.id, table_id: p.table_id, role: p.role })),
      topics: [...this.topics.values()].map((tb) => ({ id: tb.id, count: tb.count })),
      sessions: [...this.sessions.values()].map((x) => ({ id: x.id, status: x.status, index: x.index })),
      ground: this.commonGround && { reactions: this.commonGround.reactions, participants: this.commonGround.participants },
    });
  }

  presence(msg) {
    this.connected = msg.connected || {};
    if (msg.joined) this.joined = { ...msg.joined };
    if (msg.parts) this.partsPresence = msg.parts; // counts of each part of the system per table
    this.staff = msg.staff || 0;
    this.facilitators = msg.facilitators ?? null; // facilitator screens open (this one included)
    this.drivers = msg.drivers || null; // the names of their links (null: a link without a name)
  }
}

/** A phone's view: a phone snapshot advanced by the entries its table and its person are sent. Besides
 * what the server sends, it keeps a few things the phone page sets itself (`moveCard`, `knownSessions`). */
export class PhoneModel {
  constructor(me, joinCode = "") {
    this.ready = false; // a snapshot has been loaded
    this.seq = 0; // the last entry applied (or the snapshot's)
    this.event = { title: "", tables: [], join_code: joinCode };
    this.me = { ...me, role: "participant" };
    this.slots = {}; // "*" or role -> step: the latest step pushed to everyone here / to my role here
    this.ideas = new Map(); // id -> idea (visible ones only)
    this.group = null; // {id, members: [{id, name}]} of the latest grouping, at my table
    this.groupPending = false; // a step that forms groups has started; my group is on its way
    this.volunteerRoles = {}; // role -> how many per table, that people may take on themselves
    this.knownSessions = new Set(); // sessions whose roles are in volunteerRoles
    this.ballots = new Map(); // vote step id -> my ballot as the server has it
    this.voteOptions = new Map(); // vote step id -> the options this phone votes on (its table's, or its dealt cards)
    this.results = new Map(); // vote step id -> results, once revealed
    this.topics = new Map(); // topic id -> {id, step_id, title, convener, slot, space, count, joined}
    this.ideaThemes = {}; // idea id -> {theme_id, label}: the theme each of my table's ideas is in
    this.flagged = new Set(); // idea ids I flagged (from my theme.flagged entries and acks)
    this.roleHolders = {}; // volunteer role -> ids of the people at my table who hold it
    this.voteSteps = new Map(); // vote step id -> the step, for results that come in after it has ended
    this.pastVote = null; // {step, results}: the latest revealed vote that is no longer on this phone
    this.moveCard = null; // {to, by: "you" | "facilitator" | "rotation", stepId}: "Move to ..." until dismissed
    this.actionGroups = []; // [{id, title, count, has_convener}]: the event's action groups
    this.myAction = null; // my action group: {id, title, convener, shared, members: [{id, name, convener, contact}]}
  }

  /** The step this phone shows: the latest pushed to everyone at my table or to my role there. */
  currentStep() {
    const candidates = [this.slots["*"], this.slots[this.me.role]].filter(Boolean);
    return candidates.sort((a, b) => b.seq - a.seq)[0] || null;
  }

  tableName(id) {
    const table = this.event.tables.find((tb) => tb.id === id);
    return table ? table.name : t("Table {id}", { id });
  }

  /** Replace the server's part of the view with a welcome snapshot (phone shape). */
  load(snap) {
    this.ready = true;
    this.seq = snap.seq || 0;
    this.event = snap.event;
    this.me = snap.me;
    this.slots = {};
    if (snap.step) this.slots[snap.step.audience.role ?? "*"] = { ...snap.step };
    this.ideas = new Map(snap.ideas.filter((i) => i.text != null && !i.hidden).map((i) => [i.id, { ...i }]));
    this.group = snap.group || null;
    this.groupPending = false;
    this.volunteerRoles = snap.volunteer_roles || {};
    this.roleHolders = snap.role_holders || {};
    this.ideaThemes = snap.idea_themes || {};
    this.actionGroups = snap.action_groups || [];
    this.myAction = snap.my_action || null;
    const past = snap.past_results;
    this.pastVote = past ? { step: { id: past.step_id, spec: past.spec, title: past.title }, results: past.results } : null;
    if (snap.step && snap.step.session_id) this.knownSessions.add(snap.step.session_id);
    if (snap.step && snap.step.kind === "vote") {
      this.voteSteps.set(snap.step.id, { ...snap.step });
      this.ballots.set(snap.step.id, snap.ballot ?? null);
      if (Array.isArray(snap.options)) this.voteOptions.set(snap.step.id, snap.options);
      if (snap.results) this.results.set(snap.step.id, snap.results);
    }
    if (snap.step && snap.topics) {
      for (const tb of [...this.topics.values()]) if (tb.step_id === snap.step.id) this.topics.delete(tb.id);
      for (const tb of snap.topics) this.topics.set(tb.id, { ...tb, step_id: tb.step_id || snap.step.id });
    }
  }

  _eachStep(fn) {
    for (const step of Object.values(this.slots)) fn(step);
  }

  /** Advance by one entry this phone was sent. */
  apply(entry) {
    const p = entry.payload;
    this.seq = Math.max(this.seq, entry.seq);
    const event = changedEvent(this.event, entry);
    if (event) {
      this.event = event;
      return;
    }
    switch (entry.kind) {
      case "step.pushed": {
        const before = this.currentStep();
        this._eachStep((s) => {
          if (s.id === p.replaces) endStep(s, entry.at);
        });
        const aud = p.audience;
        if (aud.tables && !aud.tables.includes(this.me.table_id)) break;
        const step = pushedStep(entry);
        if (aud.role == null) this.slots = { "*": step };
        else this.slots[aud.role] = step;
        if (step.kind === "vote") {
          this.voteSteps.set(step.id, step);
          this.pastVote = null; // a new vote: the last one's results give way to it
        } else if (before && before.kind === "vote" && this.results.has(before.id)) {
          this.pastVote = { step: before, results: this.results.get(before.id) };
        }
        // a rotation that moves me, or new groups, arrive next as a fresh welcome
        this.me = { ...this.me, moved: false };
        const groups = step.spec && step.spec.groups;
        if (groups && (groups.size || groups.merge || groups.from)) this.groupPending = true;
        break;
      }
      case "step.extended":
      case "step.paused":
      case "step.resumed":
        this._eachStep((s) => {
          if (s.id === p.step_id) retime(s, entry);
        });
        break;
      case "step.ended":
        this._eachStep((s) => {
          if (s.id === p.step_id) endStep(s, entry.at);
        });
        break;
      case "idea.submitted":
        if (p.text != null && p.table_id === this.me.table_id) this.ideas.set(p.idea_id, { ...submittedIdea(entry), client_id: p.client_id });
        break;
      case "idea.approved": // let through by a moderator: mine stops waiting; others' arrive now
        if (this.ideas.has(p.idea_id)) this.ideas.get(p.idea_id).pending = false;
        else if (p.text != null && !p.hidden && p.table_id === this.me.table_id) this.ideas.set(p.idea_id, approvedIdea(entry));
        break;
      case "idea.hidden":
        this.ideas.delete(p.idea_id);
        break;
      case "idea.restored":
        if (p.text != null && p.table_id === this.me.table_id) {
          const old = this.ideas.get(p.idea_id);
          this.ideas.set(p.idea_id, old ? { ...old, table_id: p.table_id, text: p.text, hidden: false } : restoredIdea(entry));
        }
        break;
      case "participant.parts_set": // only mine reach this phone
        if (p.participant_id === this.me.id) this.me = { ...this.me, parts: p.parts };
        break;
      case "participant.role_set":
        // mine: a fresh welcome follows; someone else's at my table: that role may now be filled
        if (p.participant_id !== this.me.id) {
          for (const role of Object.keys(this.roleHolders)) {
            this.roleHolders[role] = this.roleHolders[role].filter((id) => id !== p.participant_id);
          }
          if (p.role && p.role in this.volunteerRoles) this.roleHolders[p.role] = [...(this.roleHolders[p.role] || []), p.participant_id];
        }
        break;
      case "vote.cast":
        if (p.participant_id === this.me.id) this.ballots.set(p.step_id, p.ballot);
        break;
      case "theme.flagged":
        if (p.participant_id === this.me.id) this.flagged.add(p.idea_id);
        break;
      case "topic.posted": {
        // a convener is signed up for their own topic (and leaves any other of that slot)
        const mine = p.convener === this.me.id;
        if (mine) {
          for (const tb of this.topics.values()) {
            if (tb.step_id === p.step_id && tb.slot === p.slot && tb.joined) Object.assign(tb, { joined: false, count: Math.max(0, tb.count - 1) });
          }
        }
        this.topics.set(p.topic_id, {
          id: p.topic_id, step_id: p.step_id, title: p.title, convener: p.convener, slot: p.slot, space: p.space,
          count: this.topics.get(p.topic_id)?.count ?? (p.convener === "facilitator" ? 0 : 1), joined: mine,
        });
        break;
      }
      case "topic.joined": {
        if (p.participant_id !== this.me.id) break;
        for (const id of p.left || []) {
          const left = this.topics.get(id);
          if (left && left.joined) Object.assign(left, { joined: false, count: Math.max(0, left.count - 1) });
        }
        const topic = this.topics.get(p.topic_id);
        if (topic && !topic.joined) Object.assign(topic, { joined: true, count: topic.count + 1 });
        break;
      }
      case "topic.left": {
        const topic = this.topics.get(p.topic_id);
        if (topic && p.participant_id === this.me.id && topic.joined) {
          Object.assign(topic, { joined: false, count: Math.max(0, topic.count - 1) });
        }
        break;
      }
      default:
        break; // participant.seated and the like: a fresh welcome with my new view follows
    }
  }

  /** A `results` message: a vote's tally once revealed, or a marketplace's counts. */
  applyResults(msg) {
    if (msg.kind === "vote") {
      this.results.set(msg.step_id, msg.results);
      // the results of a vote that has just given way to the next step (they follow its end)
      const step = this.voteSteps.get(msg.step_id);
      const now = this.currentStep();
      if (step && (!now || now.id !== msg.step_id) && step.seq >= (this.pastVote ? this.pastVote.step.seq || 0 : 0)) {
        this.pastVote = { step, results: msg.results };
      }
    } else if (msg.kind === "signup") {
      for (const topic of msg.results.topics || []) {
        const known = this.topics.get(topic.id);
        this.topics.set(topic.id, { joined: false, ...(known || {}), ...topic });
      }
    }
  }

  /** What the fold holds, in the phone snapshot's terms (see StaffModel.state). */
  state() {
    const step = this.currentStep();
    return structuredClone({
      seq: this.seq,
      event: { closed_at: this.event.closed_at ?? null, themes_revealed: Boolean(this.event.themes_revealed) },
      me: { id: this.me.id, table_id: this.me.table_id, role: this.me.role },
      step: step ? { id: step.id, status: step.status, deadline: step.deadline } : null,
      ideas: [...this.ideas.values()].map((i) => ({ id: i.id, text: i.text, table_id: i.table_id, step_id: i.step_id, pending: Boolean(i.pending) })),
      topics: [...this.topics.values()].map((tb) => ({ id: tb.id, count: tb.count, joined: Boolean(tb.joined) })),
    });
  }
}

/** Who a step is for, in words (each table's name isolated: it keeps its own direction in the sentence). */
export function audienceText(model, audience) {
  const tables = audience && audience.tables;
  const where = tables == null ? t("All tables") : tables.map((tb) => isolate(model.tableName(tb))).join(", ");
  const role = audience && audience.role;
  const who = { table_host: t("table hosts"), scribe: t("scribes"), participant: t("participants") }[role];
  return who ? t("{where} ({who} only)", { where, who }) : where;
}

/** The language tag of an idea in a themes view: "" unless the view's ideas are in several languages. */
export function ideaLang(view, ideaId) {
  const langs = (view && view.langs) || {};
  const lang = langs[ideaId] || "";
  if (!lang) return "";
  for (const other of Object.values(langs)) if (other !== lang) return lang;
  return "";
}
