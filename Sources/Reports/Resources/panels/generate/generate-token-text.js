/* Glassbox Studio, generate page: model text as a person writes it. Byte-level tokens that split a character
 * (Chinese, emoji) keep their own elements, but the first token of a character's group shows the character and the
 * others show nothing (class tok-cont); while a character is still streaming in its first token shows "…". A lone
 * part of a character (an alternative, a logit-lens entry) reads as its bytes "‹E4 BD›", or as the character it
 * completes after the bytes before it. Never "\x" escapes, never U+FFFD. */
import { el } from "../../lib/dom.js";
import { fixed } from "../../lib/format.js";
import { groupTitle, groupTokens, tokenLabel } from "../../lib/tokens.js";
import { paint, quoted, visible } from "./generate-common.js";

/** @typedef {import("../../lib/tokens.js").TokenGroup} TokenGroup */
/** @typedef {import("./generate-common.js").Gen} Gen */
/** @typedef {import("./generate-common.js").TokenEvent} TokenEvent */

const ESCAPES = /^(\\x[0-9A-Fa-f]{2})+$/;
/** Whether a shown text is byte escapes (a part of a character). @param {string} s */
export const isPart = (s) => typeof s === "string" && ESCAPES.test(s);

/** A token event's shown text (escapes for a part of a character). @param {TokenEvent} t */
export const shownOf = (t) => (t.shown !== undefined && t.shown !== null ? t.shown : t.text || "");
/** A prompt token's shown text (the inspect document's TokenInfo, or a start event's prompt token). @param {any} tk */
export const tokShown = (tk) => (tk.shown !== undefined && tk.shown !== null ? tk.shown : tk.decoded !== undefined ? tk.decoded : tk.text || "");

/** Groups of shown texts with token indices from `offset` on. @param {string[]} list @param {number} offset @returns {TokenGroup[]} */
export function groupsFrom(list, offset) {
  return groupTokens(list).map((grp) => Object.assign({}, grp, { start: grp.start + offset, end: grp.end + offset }));
}

/** groupTitle with tokens counted from 1, as the page counts them. @param {TokenGroup} grp */
export const titleOf = (grp) => groupTitle(Object.assign({}, grp, { start: grp.start + 1, end: grp.end + 1 }));
/** Whether a group needs its tooltip (several tokens, or a part of a character). @param {TokenGroup} grp */
export const split = (grp) => grp.end > grp.start || !grp.complete || grp.tokens.some(isPart);

/** A whole token quoted, a part of a character as its bytes "‹E6 B3›". @param {string} shown */
export const tokenQuoted = (shown) => (isPart(shown) ? tokenLabel(shown) : quoted(shown));

/**
 * A candidate token at a step (an alternative, a logit-lens entry) as text: a whole token quoted; a part of a
 * character as its bytes, and the character it completes after `pending`, the shown texts of the tokens before it
 * that left a character unfinished ("你 ‹A0›"). Returns [label, title, plain]: plain is the label unquoted.
 * @param {string[]} pending @param {string} shown @returns {[string, string, string]}
 */
export function candidate(pending, shown) {
  if (!isPart(shown)) return [quoted(shown), "", visible(shown)];
  const bytes = tokenLabel(shown);
  if (pending.length) {
    const groups = groupTokens(pending.concat([shown]));
    if (groups.length === 1 && groups[0].complete) {
      const label = groups[0].text + " " + bytes;
      return [label, "completes " + JSON.stringify(groups[0].text) + " after the bytes " + pending.map(tokenLabel).join(" ") + " before it", label];
    }
  }
  return [bytes, "a part of a character (its bytes)", bytes];
}

/** The shown texts of the tokens of g before token i that belong to i's character group. @param {Gen} g @param {number} i */
export function pendingBefore(g, i) {
  const grp = g.groupOf[i];
  return grp ? g.shown.slice(grp.start, i) : [];
}

/** Text for the output (pre-wrap): newlines and tabs shown as arrows before them. @param {string} t */
const streamText = (t) => String(t).replace(/\n/g, "\u21b5\n").replace(/\t/g, "\u21e5\t");

/** Creates generated token i's element: .gen-tok[data-i][data-id][data-v], shaded by its probability.
 * @param {Gen} g @param {TokenEvent} t @param {number} i */
function tokenSpan(g, t, i) {
  const s = el("span", { class: "gen-tok", dataset: { i: String(i), id: String(t.id), v: String(t.probability), scale: "sequential", gen: String(g.key) } });
  if (g.interactive) {
    s.tabIndex = 0;
    s.setAttribute("role", "button");
  }
  paint(s);
  return s;
}

/** Writes a group's text into its tokens' elements: the first shows the characters (or "…" while unfinished),
 * the others nothing (tok-cont). @param {Gen} g @param {TokenGroup} grp */
function drawGroup(g, grp) {
  for (let k = grp.start; k <= grp.end; k++) {
    const s = g.spans[k], t = g.tokens[k], first = k === grp.start;
    g.groupOf[k] = grp;
    const text = !first ? "" : !grp.complete ? "\u2026" : grp.text !== "" ? streamText(grp.text) : t.token || "";
    s.textContent = text;
    s.classList.toggle("tok-cont", !first);
    s.classList.toggle("partial", first && !grp.complete);
    if (g.interactive) s.setAttribute("aria-label", "token " + (k + 1) + ", " + (grp.complete ? JSON.stringify(grp.text) : "part of a character") + ", probability " + fixed(t.probability, 2));
  }
}

/** Adds a streamed token to g (its element in g.box, before the caret) and redraws its character group.
 * @param {Gen} g @param {TokenEvent} t */
export function addToken(g, t) {
  const i = g.tokens.length;
  g.tokens.push(t);
  g.shown.push(shownOf(t));
  const span = tokenSpan(g, t, i);
  g.spans.push(span);
  g.box.insertBefore(span, g.caret && g.caret.parentNode === g.box ? g.caret : null);
  if (g.pending < 0) g.pending = i;
  const groups = groupsFrom(g.shown.slice(g.pending), g.pending);
  for (const grp of groups) drawGroup(g, grp);
  const last = groups[groups.length - 1];
  g.pending = last.complete ? -1 : last.start;
}

/** A fresh generation's token bookkeeping. @returns {{tokens: TokenEvent[], shown: string[], spans: HTMLElement[], groupOf: TokenGroup[], pending: number}} */
export const emptyTokens = () => ({ tokens: [], shown: [], spans: [], groupOf: [], pending: -1 });

/**
 * Chips for a sequence of prompt tokens (the attention and attribution strips): one element per token from
 * make(j, group), the first of a character's group showing the characters, the others none (tok-cont), each with
 * the group's tooltip after its own title; the tokens of a character the sequence ends inside show their bytes. @param {string[]} shownList
 * @param {(j: number, grp: TokenGroup) => {node: HTMLElement, title: string}} make @returns {HTMLElement[]}
 */
export function tokenStrip(shownList, make) {
  const out = [];
  for (const grp of groupsFrom(shownList, 0)) {
    for (let j = grp.start; j <= grp.end; j++) {
      const { node, title } = make(j, grp);
      const first = j === grp.start;
      // an unfinished character at the end (its last bytes come with the token being explained): each token's bytes
      if (!grp.complete) node.textContent = tokenLabel(shownList[j]);
      else node.textContent = first ? visible(grp.text) : "";
      if (!first && grp.complete) node.classList.add("tok-cont");
      node.title = title + (split(grp) ? "\n" + groupTitle(grp) : "");
      out.push(node);
    }
  }
  return out;
}

/** Prompt position j named for a list: "#3 "用"", or "#4 "你" (1/2)" for a token of a split character ("#5 ‹E4 BD›"
 * in a character the sequence ends inside).
 * @param {TokenGroup[]} groups @param {number[]} index  each position's group @param {number} j */
export function positionLabel(groups, index, j) {
  const grp = groups[index[j]];
  if (!grp) return "#" + j;
  const text = grp.complete ? quoted(grp.text) : tokenLabel(grp.tokens[j - grp.start]);
  return "#" + j + " " + text + (grp.end > grp.start ? " (" + (j - grp.start + 1) + "/" + (grp.end - grp.start + 1) + ")" : "");
}
