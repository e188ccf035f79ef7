// The phone during a reaction step: one idea at a time from other tables, answered agree,
// disagree or pass with one tap (docs/protocol.md: `reaction.next`, `reaction.cast`, `reaction`).
//
// The server chooses the next idea. The phone asks for it when the step appears (and after every
// reconnect); after each answer the server sends the next one by itself. Answers are never queued
// offline (like votes): without a connection the buttons are off and the panel says so. A short
// history of this step's answers (kept on the phone) lets the person go back and change one: the
// new answer replaces the old one on the server.
import { t } from "./i18n.js";
import { $, say, showText } from "./ui.js";

const LABEL = { agree: t("Agree"), disagree: t("Disagree"), pass: t("Pass") };
const HOLD_MS = 450; // the tapped button shows that the answer was taken before the next idea appears
const HISTORY = 30; // answers one can step back through
const RECHECK_MS = 30_000; // when every idea is answered, look for new ones this often (a read)

/**
 * @param {object} o
 * @param {import("./live.js").Live} o.live
 * @param {string} o.eventId
 * @param {(idea: {id, text, table_id}) => string | Array<string | Node>} o.origin  "From Table 2" (tNodes), "Your own idea"...
 */
export function initReactions({ live, eventId, origin }) {
  const key = `wholeroom:${eventId}:reactions`;
  const state = {
    step: null, // the reaction step shown (null: none)
    stepId: null, // the step the last `reaction` message was about
    idea: null, // the idea to answer next, or null when none is left
    reacted: 0,
    remaining: 0,
    fresh: false, // the idea above came on this connection...
    heardFor: null, // ...while the phone showed this step
    asking: false,
    history: loadHistory(), // [{step_id, idea, value}], newest last
    at: null, // index in this step's history while changing an earlier answer, else null
    sending: null, // {id, value} on its way
    awaiting: false, // answered: the server's next idea has not come yet
    taken: null, // {idea, value, until}: just answered, shown a moment longer
    lastShown: null, // the idea id last drawn on the card (to announce a new one once)
  };
  const buttons = [...document.querySelectorAll("#react-answers .answer")];
  const message = $("#react-message");
  let recheck = null;

  function loadHistory() {
    try {
      const data = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(data) ? data : [];
    } catch {
      return [];
    }
  }

  function saveHistory() {
    try {
      localStorage.setItem(key, JSON.stringify(state.history.slice(-HISTORY)));
    } catch {
      // storage full or off: going back still works until the page is closed
    }
  }

  /** This step's answers given on this phone, oldest first. */
  function answered() {
    return state.step ? state.history.filter((h) => h.step_id === state.step.id) : [];
  }

  function heard() {
    return Boolean(state.step && state.fresh && state.heardFor === state.step.id);
  }

  function active() {
    // the server may know first that the step is over (it answers with no step)
    if (heard() && state.stepId == null) return false;
    return Boolean(state.step && state.step.status === "active");
  }

  function ask() {
    if (!active() || live.state !== "live" || state.asking) return;
    state.asking = true;
    live.send({ type: "reaction.next" }).then(
      () => {},
      (err) => {
        if (err.code !== "offline" && err.code !== "connection_lost") say(message, err.message, "error");
      },
    ).finally(() => {
      state.asking = false;
    });
  }

  function answer(value) {
    if (!active() || live.state !== "live" || state.sending) return;
    if (state.taken && Date.now() < state.taken.until) return; // the next idea is on its way
    const list = answered();
    const reviewing = state.at != null ? list[state.at] : null;
    const idea = reviewing ? reviewing.idea : state.idea;
    if (!idea) return;
    if (reviewing && reviewing.value === value) {
      state.at = null;
      say(message, t("Kept your answer: {answer}.", { answer: LABEL[value] }), "ok");
      render();
      return;
    }
    state.sending = { id: idea.id, value };
    say(message, ""); // the button says "Sending…"; the line speaks again once it is taken (or not)
    render();
    live.send({ type: "reaction.cast", idea_id: idea.id, value }).then(
      () => {
        if (reviewing) {
          reviewing.value = value;
          state.at = null;
          say(message, t("Changed to {answer}.", { answer: LABEL[value] }), "ok");
        } else {
          state.history.push({ step_id: state.step.id, idea, value });
          if (state.idea && state.idea.id === idea.id) {
            state.idea = null; // answered: never offer it again, whatever comes next
            state.awaiting = true;
          }
          state.history = state.history.slice(-HISTORY);
          state.taken = { idea, value, until: Date.now() + HOLD_MS };
          setTimeout(render, HOLD_MS + 20);
          say(message, t("✓ {answer}: taken.", { answer: LABEL[value] }), "ok");
        }
        saveHistory();
      },
      (err) => {
        say(message, err.message, "error");
        // the idea was hidden meanwhile, or the step ended: ask what to show now
        if (err.code === "unknown_idea" || err.code === "not_reacting") {
          state.fresh = false;
          ask();
        }
      },
    ).finally(() => {
      state.sending = null;
      render();
    });
  }

  buttons.forEach((b) => b.addEventListener("click", () => answer(b.dataset.value)));
  $("#react-back").addEventListener("click", () => {
    const list = answered();
    if (!list.length) return;
    state.at = state.at == null ? list.length - 1 : Math.max(0, state.at - 1);
    say(message, "");
    render();
    $("#react-idea").focus();
  });
  $("#react-forward").addEventListener("click", () => {
    state.at = null;
    say(message, "");
    render();
    $("#react-idea").focus();
  });
  $("#react-check").addEventListener("click", () => {
    state.fresh = false;
    say(message, t("Looking…"));
    ask();
  });

  live.on("reaction", (msg) => {
    if (msg.step_id != null && state.step && msg.step_id !== state.step.id) {
      // an answer about the step before (this phone has moved on since): ask again, once the
      // request in flight has settled
      state.fresh = false;
      setTimeout(() => render(), 0);
      return;
    }
    state.stepId = msg.step_id;
    state.idea = msg.step_id == null ? null : msg.idea;
    if (msg.step_id != null) {
      state.reacted = msg.reacted;
      state.remaining = msg.remaining;
    }
    state.fresh = true;
    state.awaiting = false;
    state.heardFor = state.step ? state.step.id : null;
    if (message.textContent === t("Looking…")) say(message, msg.idea ? "" : t("No new ideas yet."));
    render();
  });
  live.on("welcome", () => {
    state.fresh = false; // ask again: ideas may have come or gone while away
    state.awaiting = false;
    setTimeout(() => render(), 0);
  });
  live.on("state", () => render());

  /** Draw the panel for `step` (the phone's current step; pass nothing to redraw). */
  function render(step = state.step) {
    state.step = step && step.kind === "react" ? step : null;
    const panel = $("#react-panel");
    panel.hidden = !state.step;
    if (!state.step) {
      clearInterval(recheck);
      recheck = null;
      return;
    }
    const open = active();
    const online = live.state === "live";
    if (open && online && !heard()) ask();

    const list = answered();
    if (state.at != null && state.at >= list.length) state.at = null;
    const got = heard() && state.stepId === state.step.id;
    const held = state.taken && Date.now() < state.taken.until ? state.taken : null;
    const reviewing = state.at != null ? list[state.at] : null;
    let shown = null; // {idea, value, kicker}
    if (reviewing) {
      shown = { idea: reviewing.idea, value: reviewing.value, kicker: t("You answered {answer}. Tap another answer to change it.", { answer: LABEL[reviewing.value] }) };
    } else if (held) {
      shown = { idea: held.idea, value: held.value, kicker: origin(held.idea) };
    } else if (got && state.idea) {
      shown = { idea: state.idea, value: null, kicker: origin(state.idea) };
    }
    const done = open && got && !state.idea && !state.awaiting && !reviewing && !held;

    // the card
    const card = $("#react-card");
    const kicker = $("#react-kicker");
    const text = $("#react-idea");
    card.hidden = done || (!open && !reviewing);
    card.dataset.mode = reviewing ? "review" : "next";
    let words = "";
    if (!open) words = t("Reactions are closed for this step. Thank you.");
    else if (shown) words = shown.idea.text;
    else if (!online) words = t("Waiting for the connection…");
    else words = t("Finding an idea for you…");
    if (text.textContent !== words) text.textContent = words;
    if (shown) text.setAttribute("dir", "auto"); // an idea reads in its own direction
    else text.removeAttribute("dir");
    text.classList.toggle("waiting", !shown);
    showText(kicker, shown ? shown.kicker : ""); // a text, or tNodes' pieces with a table's name isolated

    // the buttons: off while offline or with nothing to answer; while an answer is on its way they
    // only say so (aria-disabled), so that keyboard focus stays on the button just pressed
    $("#react-answers").hidden = done || !open;
    const busy = Boolean(state.sending) || Boolean(held);
    $("#react-answers").dataset.busy = String(busy);
    for (const b of buttons) {
      const value = b.dataset.value;
      const sending = state.sending && state.sending.value === value;
      b.setAttribute("aria-pressed", String(Boolean(shown && shown.value === value)));
      b.disabled = !open || !online || !shown;
      b.setAttribute("aria-disabled", String(busy));
      b.dataset.sending = String(Boolean(sending));
      b.textContent = sending ? t("Sending…") : LABEL[value];
      b.setAttribute("aria-label", shown ? `${LABEL[value]}: ${shown.idea.text.slice(0, 80)}` : LABEL[value]);
    }
    $("#react-offline").hidden = online || !open;

    // progress and the end
    let progress = "";
    if (got) {
      progress = state.idea ? t("{done} answered, {left} to go", { done: state.reacted, left: state.remaining })
        : t("{done} answered", { done: state.reacted });
    }
    if (reviewing) progress = t("Changing an earlier answer ({at} of {n})", { at: state.at + 1, n: list.length });
    const progressEl = $("#react-progress");
    if (progressEl.textContent !== progress) progressEl.textContent = progress;
    $("#react-done").hidden = !done;
    if (done && online) {
      recheck = recheck || setInterval(() => {
        if (document.visibilityState === "visible") ask();
      }, RECHECK_MS);
    } else {
      clearInterval(recheck);
      recheck = null;
    }

    // going back to change an answer, and forward again
    const back = $("#react-back");
    back.hidden = !open || !list.length;
    back.disabled = Boolean(state.sending) || (reviewing ? state.at === 0 : false);
    back.textContent = reviewing ? t("← Earlier answer") : t("← Change my previous answer");
    $("#react-forward").hidden = !reviewing;
    $("#react-forward").textContent = state.idea ? t("Back to the next idea →") : t("Done changing →");

    // one short announcement per new idea (not for every redraw)
    const status = $("#react-status");
    const nowId = shown && !reviewing && !held ? shown.idea.id : done ? "done" : null;
    if (nowId && nowId !== state.lastShown) {
      state.lastShown = nowId;
      if (nowId === "done" && message.dataset.kind === "ok") say(message, ""); // the end says it all
      status.textContent = nowId === "done"
        ? t("You have answered every idea.")
        : t("Next idea. {kicker}: {idea}", { kicker: plain(shown.kicker), idea: shown.idea.text });
    }
  }

  return { render };
}

/** tNodes' pieces as one plain text, for an announcement (spoken, not drawn: nothing to isolate). */
function plain(pieces) {
  if (!Array.isArray(pieces)) return pieces;
  return pieces.map((p) => (typeof p === "string" ? p : p.textContent)).join("");
}
