// The phone's ballot for a vote step, by the step's method (spec.method):
//   dots           tap + / − on options; N dots in all, at most M on one option
//   score          a score per option (buttons low..high); pass_and_score the same
//   agree_disagree_pass  one statement at a time; each answer is sent at once and can be changed
//   rank           move options up and down, then send the order
//   place          tap where each option belongs on a grid with the step's two axes
// Votes need a live connection (they are not queued offline): a refused or unsent vote is shown
// next to the control, in the server's words, and the ballot goes back to what the server has.

import { t, tn, tNodes } from "./i18n.js";
import { bdi, h, say } from "./ui.js";

/**
 * Build the ballot for `step`. Returns {el, update(confirmed, closed)}: update is called with the
 * ballot the server has (or null) when it changes or the vote closes; the person's unsent changes
 * are kept meanwhile. `onSaved(ballot)` hears each ballot the server acknowledged, as recorded.
 */
export function makeBallot(step, live, onSaved = () => {}) {
  const spec = step.spec || {};
  const options = step.options || [];
  const message = h("p", { class: "message ballot-message", role: "status", "aria-live": "polite" });
  const ctx = { step, spec, options, live, message, closed: false, confirmed: null };
  ctx.saved = (ballot) => {
    ctx.confirmed = ballot;
    onSaved(ballot);
  };

  function send(ballot, okText) {
    say(message, t("Sending…"));
    return live.send({ type: "vote.cast", step_id: step.id, ballot }).then(
      (ack) => {
        say(message, okText || t("Saved."), "ok");
        return ack;
      },
      (err) => {
        say(message, err.message || t("Not sent."), "error");
        throw err;
      },
    );
  }
  ctx.send = send;

  if (!options.length) {
    return {
      el: h("p", { class: "empty", text: t("This vote has no options yet.") }),
      update() {},
    };
  }
  const builders = { dots, score, pass_and_score: score, agree_disagree_pass: agreeDisagreePass, rank, place };
  const build = builders[spec.method];
  if (!build) {
    return { el: h("p", { class: "empty", text: t("This phone cannot show this kind of vote.") }), update() {} };
  }
  const ui = build(ctx);
  const el = h("div", { class: "ballot", dataset: { method: spec.method } }, ui.el, message);
  return {
    el,
    update(confirmed, closed) {
      ctx.confirmed = confirmed ?? null;
      ctx.closed = Boolean(closed);
      el.classList.toggle("closed", ctx.closed);
      ui.update();
    },
  };
}

// --- dots ----------------------------------------------------------------------------------

function dots(ctx) {
  const { spec, options } = ctx;
  const total = spec.dots || 1;
  const perOption = spec.max_per_option || total;
  let draft = null; // option id -> dots, while the person's taps are not yet confirmed
  let timer = null;
  const left = h("p", { class: "dots-left", "aria-live": "polite" });
  const rows = new Map();
  const list = h("ul", { class: "ballot-options" });
  for (const option of options) {
    const count = h("span", { class: "dot-count" });
    const minus = h("button", { type: "button", class: "step-button", text: "−", "aria-label": t("Take a dot off: {option}", { option: option.text }) });
    const plus = h("button", { type: "button", class: "step-button", text: "+", "aria-label": t("Put a dot on: {option}", { option: option.text }) });
    minus.addEventListener("click", () => change(option.id, -1));
    plus.addEventListener("click", () => change(option.id, 1));
    const li = h("li", { dataset: { optionId: option.id } },
      h("span", { class: "option-text", dir: "auto", text: option.text }),
      h("span", { class: "dot-controls" }, minus, count, plus));
    rows.set(option.id, { li, count, minus, plus });
    list.append(li);
  }

  const current = () => draft || ctx.confirmed || {};
  const used = (ballot) => Object.values(ballot).reduce((a, b) => a + b, 0);

  function change(id, delta) {
    if (ctx.closed) return;
    const ballot = { ...current() };
    const next = (ballot[id] || 0) + delta;
    if (next < 0 || next > perOption || (delta > 0 && used(ballot) >= total)) return;
    ballot[id] = next;
    draft = ballot;
    draw();
    clearTimeout(timer);
    say(ctx.message, t("Not sent yet…"));
    timer = setTimeout(flush, 450); // one message for a burst of taps
  }

  function flush() {
    if (!draft) return;
    const ballot = Object.fromEntries(options.map((o) => [o.id, draft[o.id] || 0]));
    const sent = draft;
    const n = used(sent);
    ctx.send(ballot, tn("Saved: {n} dot placed.", "Saved: {n} dots placed.", n)).then(
      () => {
        if (draft === sent) draft = null;
        ctx.saved(Object.fromEntries(Object.entries(sent).filter(([, v]) => v)));
        draw();
      },
      () => {
        if (draft === sent) draft = null; // back to what the server has
        draw();
      },
    );
  }

  function draw() {
    const ballot = current();
    const remaining = total - used(ballot);
    const text = ctx.closed ? t("The vote has closed.") : tn("{n} dot left of {total}.", "{n} dots left of {total}.", remaining, { total });
    if (left.textContent !== text) left.textContent = text;
    for (const [id, row] of rows) {
      const n = ballot[id] || 0;
      row.count.textContent = n ? `${"●".repeat(Math.min(n, 10))} ${n}` : "0";
      row.count.setAttribute("aria-label", tn("{n} dot on this", "{n} dots on this", n));
      row.li.classList.toggle("chosen", n > 0);
      row.minus.disabled = ctx.closed || n === 0;
      row.plus.disabled = ctx.closed || n >= perOption || remaining <= 0;
    }
  }

  return {
    el: h("div", {}, left, list, perOption < total ? h("p", { class: "hint", text: t("At most {n} on one option.", { n: perOption }) }) : null),
    update: draw,
  };
}

// --- score (and pass and score) ------------------------------------------------------------

function score(ctx) {
  const { spec, options } = ctx;
  const [low, high] = spec.scale || [1, 5];
  let draft = null;
  const groups = new Map();
  const list = h("div", { class: "ballot-options" });
  for (const option of options) {
    const buttons = [];
    for (let n = low; n <= high; n += 1) {
      const b = h("button", { type: "button", class: "score-button", text: String(n), "aria-pressed": "false", "aria-label": t("Score {n} of {high}: {option}", { n, high, option: option.text }) });
      b.addEventListener("click", () => choose(option.id, n));
      buttons.push(b);
    }
    const fieldset = h("fieldset", { class: "score-option", dataset: { optionId: option.id } },
      h("legend", { dir: "auto", text: option.text }),
      h("div", { class: "score-buttons" }, buttons));
    groups.set(option.id, { fieldset, buttons });
    list.append(fieldset);
  }
  const current = () => draft || ctx.confirmed || {};

  function choose(id, n) {
    if (ctx.closed) return;
    const ballot = { ...current(), [id]: n };
    draft = ballot;
    draw();
    const scored = Object.keys(ballot).length;
    ctx.send(ballot, t("Saved: {scored} of {n} scored.", { scored, n: options.length })).then(
      () => {
        if (draft === ballot) draft = null;
        ctx.saved(ballot);
        draw();
      },
      () => {
        if (draft === ballot) draft = null;
        draw();
      },
    );
  }

  function draw() {
    const ballot = current();
    for (const [id, g] of groups) {
      g.buttons.forEach((b, i) => {
        const pressed = ballot[id] === low + i;
        b.setAttribute("aria-pressed", String(pressed));
        b.disabled = ctx.closed;
      });
      g.fieldset.classList.toggle("chosen", ballot[id] != null);
    }
  }
  return {
    el: h("div", {}, h("p", { class: "hint", text: t("{low} is lowest, {high} highest. Each tap is sent at once; tap again to change.", { low, high }) }), list),
    update: draw,
  };
}

// where a point is on the grid, in words (up-across)
const PLACES = {
  "top-left": t("the top left"), "top-": t("the top"), "top-right": t("the top right"),
  "-left": t("the left"), "-": t("the middle"), "-right": t("the right"),
  "bottom-left": t("the bottom left"), "bottom-": t("the bottom"), "bottom-right": t("the bottom right"),
};

// --- agree / disagree / pass: one statement at a time --------------------------------------

const ANSWERS = [["agree", t("Agree")], ["disagree", t("Disagree")], ["pass", t("Pass")]];
const ANSWERED = { agree: t("agree"), disagree: t("disagree"), pass: t("pass") };

function agreeDisagreePass(ctx) {
  const { options } = ctx;
  let at = 0;
  let placedFirst = false;
  const answers = {}; // sent and acknowledged here, merged with the server's
  const counter = h("p", { class: "muted ballot-counter" });
  const text = h("p", { class: "statement", dir: "auto", "aria-live": "polite" }); // an option: its own direction
  const buttons = ANSWERS.map(([value, label]) => {
    const b = h("button", { type: "button", class: `answer answer-${value}`, text: label, "aria-pressed": "false" });
    b.addEventListener("click", () => answer(value));
    return b;
  });
  const prev = h("button", { type: "button", class: "small", text: t("← Previous") });
  const next = h("button", { type: "button", class: "small", text: t("Next →") });
  prev.addEventListener("click", () => go(at - 1));
  next.addEventListener("click", () => go(at + 1));

  const mine = () => ({ ...(ctx.confirmed || {}), ...answers });

  function go(index) {
    at = Math.max(0, Math.min(options.length - 1, index));
    draw();
    buttons[0].focus();
  }

  function answer(value) {
    if (ctx.closed) return;
    const option = options[at];
    buttons.forEach((b) => (b.disabled = true));
    ctx.send({ [option.id]: value }, tNodes("Saved: {answer} — “{option}”", { answer: ANSWERED[value], option: bdi(option.text.slice(0, 60)) })).then(
      () => {
        answers[option.id] = value;
        ctx.saved(mine());
        // on to the next statement not yet answered (or stay on the last), if the person is still
        // on this one: the server's copy of the ballot may have come first and moved them on
        // already, or they may have moved themselves
        const from = options.indexOf(option);
        if (at === from) {
          const all = mine();
          const nextOpen = options.findIndex((o, i) => i > from && !all[o.id]);
          if (nextOpen >= 0) at = nextOpen;
          else if (at < options.length - 1) at += 1;
        }
        draw();
        buttons[0].focus();
      },
      () => draw(),
    );
  }

  function draw() {
    const all = mine();
    if (!placedFirst && ctx.confirmed) {
      // start at the first statement this person has not answered yet
      placedFirst = true;
      const open = options.findIndex((o) => !all[o.id]);
      at = open >= 0 ? open : 0;
    }
    const option = options[at];
    const answered = options.filter((o) => all[o.id]).length;
    counter.textContent = t("Statement {at} of {n} · you answered {answered}", { at: at + 1, n: options.length, answered });
    if (text.textContent !== option.text) text.textContent = option.text;
    buttons.forEach((b, i) => {
      b.setAttribute("aria-pressed", String(all[option.id] === ANSWERS[i][0]));
      b.setAttribute("aria-label", `${ANSWERS[i][1]}: ${option.text}`);
      b.disabled = ctx.closed;
    });
    prev.disabled = at === 0;
    next.disabled = at === options.length - 1;
  }
  return {
    el: h("div", {}, counter, text, h("div", { class: "answers" }, buttons), h("div", { class: "row between" }, prev, next)),
    update: draw,
  };
}

// --- rank ----------------------------------------------------------------------------------

function rank(ctx) {
  const { options } = ctx;
  let order = null; // the person's order (option ids), once they start moving things
  let sentOrder = null;
  const list = h("ol", { class: "ballot-options rank-list" });
  const items = new Map();
  const sendButton = h("button", { type: "button", class: "primary big", text: t("Send my ranking") });
  for (const option of options) {
    const up = h("button", { type: "button", class: "step-button", text: "↑", "aria-label": t("Move up: {option}", { option: option.text }) });
    const down = h("button", { type: "button", class: "step-button", text: "↓", "aria-label": t("Move down: {option}", { option: option.text }) });
    up.addEventListener("click", () => move(option.id, -1, up));
    down.addEventListener("click", () => move(option.id, 1, down));
    const li = h("li", { dataset: { optionId: option.id } },
      h("span", { class: "option-text", dir: "auto", text: option.text }),
      h("span", { class: "rank-controls" }, up, down));
    items.set(option.id, { li, up, down });
  }

  function base() {
    const confirmed = Array.isArray(ctx.confirmed) ? ctx.confirmed : [];
    return [...confirmed.filter((id) => items.has(id)), ...options.map((o) => o.id).filter((id) => !confirmed.includes(id))];
  }

  function move(id, delta, button) {
    if (ctx.closed) return;
    const now = [...(order || base())];
    const i = now.indexOf(id);
    const j = i + delta;
    if (j < 0 || j >= now.length) return;
    [now[i], now[j]] = [now[j], now[i]];
    order = now;
    say(ctx.message, t("Not sent yet: press Send my ranking."));
    draw();
    // keep the focus on the moved option's button (or its other one at the ends)
    const item = items.get(id);
    (button.disabled ? (button === item.up ? item.down : item.up) : button).focus();
  }

  sendButton.addEventListener("click", () => {
    if (ctx.closed) return;
    const ballot = order || base();
    sentOrder = ballot;
    ctx.send(ballot, t("Saved: your ranking is in.")).then(
      () => {
        ctx.saved(ballot);
        if (order === sentOrder) order = null;
        draw();
      },
      () => draw(),
    );
  });

  function draw() {
    const now = order || base();
    now.forEach((id, i) => {
      const item = items.get(id);
      item.up.disabled = ctx.closed || i === 0;
      item.down.disabled = ctx.closed || i === now.length - 1;
    });
    const nodes = now.map((id) => items.get(id).li);
    nodes.forEach((node, i) => {
      if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null);
    });
    sendButton.disabled = ctx.closed;
    sendButton.textContent = Array.isArray(ctx.confirmed) && !order ? t("Send my ranking again") : t("Send my ranking");
  }
  return {
    el: h("div", {}, h("p", { class: "hint", text: t("Best first. Move options with the arrows, then send.") }), list, sendButton),
    update: draw,
  };
}

// --- place on a grid -----------------------------------------------------------------------

function place(ctx) {
  const { spec, options } = ctx;
  const axes = spec.axes || ["", ""];
  let at = 0;
  let draft = null; // option id -> [x, y], while not yet confirmed
  let cursor = [0, 0]; // where the keyboard marker is
  const counter = h("p", { class: "muted ballot-counter" });
  const text = h("p", { class: "statement", dir: "auto", "aria-live": "polite" }); // an option: its own direction
  const marks = h("div", { class: "place-marks", "aria-hidden": "true" });
  const instructions = t("Tap where it belongs. Across: {x}. Up: {y}. With a keyboard: arrow keys move the marker, Enter places it.",
    { x: axes[0], y: axes[1] });
  const grid = h("div", {
    class: "place-grid", tabindex: "0", role: "application",
    "aria-roledescription": t("grid to place the option on"), "aria-label": instructions,
  }, h("div", { class: "quadrant-lines", "aria-hidden": "true" }), marks);
  const where = h("p", { class: "hint place-where", "aria-live": "polite" });
  const prev = h("button", { type: "button", class: "small", text: t("← Previous") });
  const next = h("button", { type: "button", class: "small", text: t("Next →") });
  prev.addEventListener("click", () => go(at - 1));
  next.addEventListener("click", () => go(at + 1));

  const current = () => draft || ctx.confirmed || {};
  const clamp = (v) => Math.max(-1, Math.min(1, Math.round(v * 100) / 100));

  function go(index) {
    at = Math.max(0, Math.min(options.length - 1, index));
    cursor = current()[options[at].id] || [0, 0];
    draw();
  }

  function put(point) {
    if (ctx.closed) return;
    const option = options[at];
    const ballot = { ...current(), [option.id]: point };
    draft = ballot;
    cursor = point;
    draw();
    ctx.send(ballot, tNodes("Saved: “{option}” placed.", { option: bdi(option.text.slice(0, 60)) })).then(
      () => {
        if (draft === ballot) draft = null;
        ctx.saved(ballot);
        // on to the next option not yet placed, if the person is still on this one
        const from = options.indexOf(option);
        const nextOpen = at === from ? options.findIndex((o, i) => i > from && !ballot[o.id]) : -1;
        if (nextOpen >= 0) go(nextOpen);
        else draw();
      },
      () => {
        if (draft === ballot) draft = null;
        draw();
      },
    );
  }

  grid.addEventListener("click", (e) => {
    const box = grid.getBoundingClientRect();
    const x = clamp(((e.clientX - box.left) / box.width) * 2 - 1);
    const y = clamp(1 - ((e.clientY - box.top) / box.height) * 2);
    put([x, y]);
  });
  grid.addEventListener("keydown", (e) => {
    const moves = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, 0.1], ArrowDown: [0, -0.1] };
    if (moves[e.key]) {
      e.preventDefault();
      cursor = [clamp(cursor[0] + moves[e.key][0]), clamp(cursor[1] + moves[e.key][1])];
      draw(true);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      put(cursor);
    }
  });

  function marker(point, label, kind) {
    const dot = h("span", { class: `place-mark ${kind}`, text: label });
    dot.style.left = `${((point[0] + 1) / 2) * 100}%`;
    dot.style.top = `${((1 - point[1]) / 2) * 100}%`;
    return dot;
  }

  function describe([x, y]) {
    const across = x < -0.2 ? "left" : x > 0.2 ? "right" : "";
    const up = y < -0.2 ? "bottom" : y > 0.2 ? "top" : "";
    return PLACES[`${up}-${across}`];
  }

  function draw(moving = false) {
    const ballot = current();
    const option = options[at];
    const placed = options.filter((o) => ballot[o.id]).length;
    counter.textContent = t("Option {at} of {n} · you placed {placed}", { at: at + 1, n: options.length, placed });
    if (text.textContent !== option.text) text.textContent = option.text;
    const children = [];
    options.forEach((o, i) => {
      if (ballot[o.id] && o.id !== option.id) children.push(marker(ballot[o.id], String(i + 1), "other"));
    });
    if (ballot[option.id] && !moving) children.push(marker(ballot[option.id], String(at + 1), "this"));
    if (moving || (document.activeElement === grid && !ballot[option.id])) children.push(marker(cursor, String(at + 1), "cursor"));
    marks.replaceChildren(...children);
    where.textContent = moving ? t("Marker at {place}; press Enter to place it.", { place: describe(cursor) })
      : ballot[option.id] ? t("Placed at {place}. Tap again to move it.", { place: describe(ballot[option.id]) }) : t("Not placed yet.");
    grid.classList.toggle("closed", ctx.closed);
    grid.setAttribute("aria-disabled", String(ctx.closed));
    prev.disabled = at === 0;
    next.disabled = at === options.length - 1;
  }
  grid.addEventListener("focus", () => draw());
  grid.addEventListener("blur", () => draw());

  return {
    el: h("div", {}, counter, text,
      h("p", { class: "axis-label y", text: `↑ ${axes[1]}` }),
      grid,
      h("p", { class: "axis-label x", text: `${axes[0]} →` }),
      where,
      h("div", { class: "row between" }, prev, next)),
    update: () => {
      if (!draft) cursor = current()[options[at].id] || cursor;
      draw();
    },
  };
}
