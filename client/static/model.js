// The staff screens' view of an event (console, wall, organiser): a staff snapshot, advanced by
// transcript entries the same way the server folds them (docs/protocol.md, "Transcript entries").

// Entries that change what the room is doing; the latest is the flow a console's commands name
// (`expect_flow_seq`, docs/protocol.md "Co-facilitation")
const FLOW_KINDS = new Set(["step.pushed", "step.ended", "step.extended", "step.paused", "step.resumed", "session.step_skipped", "session.finished"]);

export class StaffModel {
  constructor() {
    this.load(null);
  }

  /** Replace everything with a welcome snapshot (staff shape). */
  load(snapshot) {
    const s = snapshot || {};
    this.seq = s.seq || 0;
    this.event = s.event || { id: "", title: "", join_code: "", tables: [] };
    this.tables = new Map(this.event.tables.map((t) => [t.id, t]));
    this.steps = new Map((s.steps || []).map((step) => [step.id, { ...step }]));
    this.current = {};
    for (const [table, slots] of Object.entries(s.current || {})) this.current[table] = { ...slots };
    this.joined = { ...(s.joined || {}) };
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
    this.turnout = new Map((s.turnout || []).map((t) => [t.step_id, t]));
    this.topics = new Map((s.topics || []).map((t) => [t.id, { ...t }]));
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
      suggestions: msg.suggestions || [], // curation suggestions: moderators' screens only (docs/themes.md)
    };
    return "themes";
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
    return table ? table.name : `Table ${id}`;
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
    return [...this.topics.values()].filter((t) => t.step_id === stepId);
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
        this.event = { id: entry.event_id, title: p.title, join_code: p.join_code, tables: p.tables, parts: p.parts || [] };
        this.tables = new Map(p.tables.map((t) => [t.id, t]));
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
        this.event = { ...this.event, parts: p.parts };
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
        this.event = { ...this.event, closed_at: entry.kind === "event.closed" ? entry.at : null };
        return "event";
      case "step.pushed": {
        const step = {
          id: p.step_id,
          seq: entry.seq,
          text: p.text,
          collect_ideas: p.collect_ideas,
          audience: p.audience,
          pushed_at: entry.at,
          deadline: p.deadline,
          status: "active",
          ended_at: null,
          replaces: p.replaces,
          session_id: p.session_id || null,
          index: p.index ?? null,
          kind: p.kind || "custom",
          spec: p.spec || null,
          options: p.options || null,
          warn_ms: p.warn_ms || null,
          paused_remaining: null,
          // who lets its ideas through (a script step says it in its capture)
          premoderate: p.premoderate || (p.spec && p.spec.capture && p.spec.capture.premoderate ? "script" : null),
        };
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
        if (step) step.deadline = p.deadline;
        return "steps";
      }
      case "step.ended":
        this._end(p.step_id, entry.at);
        return "steps";
      case "step.paused": {
        const step = this.steps.get(p.step_id);
        if (step) {
          step.deadline = null;
          step.paused_remaining = p.remaining ?? null;
          step.paused = true;
        }
        const session = this.sessions.get(p.session_id);
        if (session) session.status = "paused";
        return "steps";
      }
      case "step.resumed": {
        const step = this.steps.get(p.step_id);
        if (step) {
          step.deadline = p.deadline;
          step.paused_remaining = null;
          step.paused = false;
        }
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
        this.ideas.set(p.idea_id, {
          id: p.idea_id,
          seq: entry.seq,
          participant_id: p.participant_id,
          table_id: p.table_id,
          step_id: p.step_id,
          text: p.text,
          at: entry.at,
          hidden: p.text == null,
          anonymous: Boolean(p.anonymous),
          pending: Boolean(p.pending), // waiting for a moderator (the step premoderates)
        });
        return "ideas";
      case "idea.approved": {
        // staff screens had it waiting; the wall gets it now, with the approval
        const idea = this.ideas.get(p.idea_id);
        if (idea) idea.pending = false;
        else if (p.text != null) {
          this.ideas.set(p.idea_id, {
            id: p.idea_id, seq: p.seq || entry.seq, participant_id: p.participant_id, table_id: p.table_id,
            step_id: p.step_id, text: p.text, at: p.at || entry.at, hidden: Boolean(p.hidden), anonymous: Boolean(p.anonymous),
            pending: false,
          });
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
          this.ideas.set(p.idea_id, {
            id: p.idea_id,
            seq: Number(String(p.idea_id).slice(1)) || entry.seq,
            participant_id: null,
            table_id: p.table_id,
            step_id: null,
            text: p.text,
            at: entry.at,
            hidden: false,
          });
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
        this.event = { ...this.event, themes_revealed: Boolean(p.shown) };
        return "themes";
      case "wall.shown":
        this.event = { ...this.event, wall_slide: p.slide ?? null };
        return "event";
      case "followup.opened":
        this.event = { ...this.event, closed_at: null, followup: { id: p.followup_id, step_id: p.step_id, question: p.question, privacy: p.privacy } };
        return "event";
      case "followup.closed":
        this.event = { ...this.event, closed_at: entry.at, followup: null };
        return "event";
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
    const step = this.steps.get(stepId);
    if (step && step.status === "active") {
      step.status = "ended";
      step.ended_at = at;
      const row = this.rowOfStep(stepId);
      if (row && row.step_id === stepId && row.ended_at == null) row.ended_at = at;
    }
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

/** Who a step is for, in words. */
export function audienceText(model, audience) {
  const tables = audience && audience.tables;
  const where = tables == null ? "All tables" : tables.map((t) => model.tableName(t)).join(", ");
  const role = audience && audience.role;
  const who = { table_host: "table hosts", scribe: "scribes", participant: "participants" }[role];
  return who ? `${where} (${who} only)` : where;
}
