// Making text fit its box on the projector, measured in the browser: type scaled down within
// bounds, lists cut where they stop fitting (the caller says how many are left out), and a text
// that cannot fit even at the smallest size shortened at a word, with "…". Nothing is clipped out of
// sight: after these, no box's content is larger than the box (what tests/browser/test_wall.py checks).

import { tn } from "./i18n.js";

const SLACK = 1; // px: sub-pixel rounding

/** Whether `el`'s content is larger than its box (a box with no size, e.g. inline, never is). */
export function overflows(el) {
  const w = el.clientWidth;
  const h = el.clientHeight;
  if (!w && !h) return false;
  return el.scrollWidth > w + SLACK || el.scrollHeight > h + SLACK;
}

/** Whether `root` or any element inside it overflows (SVG drawings, and text only for screen readers, apart). */
export function anyOverflow(root) {
  if (overflows(root)) return true;
  for (const el of root.querySelectorAll("*")) {
    if (el instanceof SVGElement || el.closest(".visually-hidden")) continue;
    if (overflows(el)) return true;
  }
  return false;
}

/**
 * The largest font size (in em, between `min` and `max`) at which `fits()` holds, set on `el`.
 * Returns false when it does not hold even at `min` (left at `min`: the caller cuts something).
 */
export function scaleToFit(el, fits, { min = 0.6, max = 1, steps = 7 } = {}) {
  const set = (size) => { el.style.fontSize = `${size.toFixed(3)}em`; };
  set(max);
  if (fits()) return true;
  set(min);
  if (!fits()) return false;
  let lo = min;
  let hi = max;
  for (let i = 0; i < steps; i += 1) {
    const mid = (lo + hi) / 2;
    set(mid);
    if (fits()) lo = mid;
    else hi = mid;
  }
  set(lo);
  return true;
}

/**
 * Shorten `el`'s text to the most words of `text` that fit its box, ending with "…" (the full text
 * stays in its title). Returns whether it had to.
 */
export function shortenToFit(el, text, fits = () => !overflows(el)) {
  el.textContent = text;
  el.removeAttribute("title");
  if (fits()) return false;
  const words = text.split(/\s+/).filter(Boolean);
  let lo = 0;
  let hi = words.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    el.textContent = `${words.slice(0, mid).join(" ")}…`;
    if (fits()) lo = mid;
    else hi = mid - 1;
  }
  if (lo > 0) {
    el.textContent = `${words.slice(0, lo).join(" ")}…`;
  } else {
    // one word longer than the box (a long link): as many characters as fit
    const word = words[0] || "";
    let n = word.length;
    el.textContent = `${word.slice(0, n)}…`;
    while (n > 1 && !fits()) {
      n = Math.floor(n * 0.8);
      el.textContent = `${word.slice(0, n)}…`;
    }
  }
  el.title = text;
  return true;
}

/**
 * How many of `list`'s children, from the first, fit inside it (the list's own height bounds them:
 * give it `flex: 1; min-height: 0` or a height). Reads layout only; the caller removes the rest.
 */
export function countFitting(list) {
  const limit = list.clientHeight + SLACK;
  const widthLimit = list.clientWidth + SLACK;
  const top = list.getBoundingClientRect().top;
  const left = list.getBoundingClientRect().left;
  let n = 0;
  for (const item of list.children) {
    const r = item.getBoundingClientRect();
    if (r.bottom - top > limit || r.right - left > widthLimit) break;
    n += 1;
  }
  return n;
}

/** "+3 more" (or "" for none). */
export function moreText(n, what = "") {
  if (n <= 0) return "";
  if (what === "options") return tn("+{n} more option", "+{n} more options", n);
  return tn("+{n} more", "+{n} more", n);
}
