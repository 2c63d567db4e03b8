/* Glassbox Studio, probe timeline: the probe read-outs as the panels read them. The documents grouped by probe (each
 * with its checkpoints in step order and the first step at which each depth ranks the answer first), the selected
 * checkpoint and depth, links to the inspect page, and numbers and tokens as text: a token that is a part of a
 * character (a byte-level tokenizer splits most Chinese characters) reads as the character it completes or as its
 * bytes "‹E6 B3›", never as "\x" escapes. Pure (touches no `document`). */
import { compact, int, isNum } from "../../lib/format.js";
import { groupTokens, isPartial, partTitle, tokenLabel } from "../../lib/tokens.js";

/** @typedef {import("../../api.js").ProbeReadout} ProbeReadout */

/**
 * @typedef {Object} Probe  one probe with its read-outs
 * @property {number} index  the probe's number in the run
 * @property {ProbeReadout[]} snaps  its read-outs, one per checkpoint, in step order
 * @property {string} text
 * @property {string[]} tokens  each token as shown ("\xHH" escapes for a part of a character)
 * @property {string} answer  the last token (as shown)
 * @property {number} L  layers (depths are 0 ... L: the embeddings, then after each layer)
 * @property {number} H  heads per layer
 * @property {(number|null)[]} firstTop  for each depth, the index in snaps of the first read-out that ranks the answer first
 * @property {number} firstOut  that index at the output (-1: not yet)
 */

/** The probe documents grouped by probe, each with its snapshots in step order. @param {any} docs @returns {Probe[]} */
export function groupProbes(docs) {
  /** @type {Map<number, Probe>} */
  const by = new Map();
  for (const d of Array.isArray(docs) ? docs : []) {
    if (!d || !isNum(d.step) || !isNum(d.probe)) continue;
    if (!by.has(d.probe)) by.set(d.probe, /** @type {Probe} */ ({ index: d.probe, snaps: [] }));
    by.get(d.probe).snaps.push(d);
  }
  const out = [...by.values()].sort((a, b) => a.index - b.index);
  for (const P of out) {
    P.snaps.sort((a, b) => a.step - b.step);
    const last = P.snaps[P.snaps.length - 1];
    P.text = last.text;
    P.tokens = last.tokens || [];
    P.answer = P.tokens.length ? P.tokens[P.tokens.length - 1] : last.answer_text;
    P.L = Math.max(0, (last.lens || []).length - 1);
    P.H = (last.head_entropy && last.head_entropy[0]) ? last.head_entropy[0].length : 0;
    // first step at which each depth ranks the answer first (the output's is the headline)
    P.firstTop = [];
    for (let l = 0; l <= P.L; l++) {
      const j = P.snaps.findIndex((s) => s.lens && s.lens[l] && s.lens[l].rank === 0);
      P.firstTop.push(j < 0 ? null : j);
    }
    P.firstOut = P.snaps.findIndex((s) => s.answer_rank === 0);
  }
  return out;
}

/** The mean attention entropy of a head that spreads evenly over what it may see (causal: row i sees i + 1). @param {number} T */
export function uniformEntropy(T) {
  let s = 0;
  for (let i = 1; i <= T; i++) s += Math.log(i);
  return T > 0 ? s / T : 1;
}

// ---------------------------------------------------------------- numbers as text

/** A probability with three decimals ("<0.001", "1"). @param {any} p */
export const prob = (p) => (isNum(p) ? (p >= 0.9995 ? "1" : p < 0.0005 && p > 0 ? "<0.001" : p.toFixed(3)) : "–");
/** A probability in a lens cell (".42"). @param {any} p */
export const short = (p) => (isNum(p) ? (p >= 0.995 ? "1" : p < 0.005 ? "0" : p.toFixed(2).replace(/^0/, "")) : "");
/** A rank shown 1-based: rank 1 is the top. @param {any} r */
export const rankText = (r) => (isNum(r) && r >= 0 ? compact(r + 1) : "–");
/** "1st", "22nd", "1,013th" @param {number} n */
export const ordinal = (n) => {
  const s = ["th", "st", "nd", "rd"], v = n % 100;
  return int(n) + (s[(v - 20) % 10] || s[v] || s[0]);
};
/** A depth in words. @param {number} l @param {number} L */
export const depthName = (l, L) => (l === 0 ? "the embeddings" : l === L ? "after layer " + l + " (the output)" : "after layer " + l);
/** A depth as a row label. @param {number} l @param {number} L */
export const depthLabel = (l, L) => (l === 0 ? "embed" : l === L ? l + " · out" : String(l));

// ---------------------------------------------------------------- tokens as text

/** Token text made visible (newlines and tabs as arrows, spaces as ␣ when that is all there is). @param {string} t */
export const visible = (t) => {
  const v = String(t).replace(/\n/g, "\u21b5").replace(/\t/g, "\u21e5");
  return v === "" ? "\u2205" : /^ +$/.test(v) ? v.replace(/ /g, "\u2423") : v;
};
/** Whole text quoted and made visible. @param {string} t */
export const quoted = (t) => "\u201c" + visible(t) + "\u201d";

/** A vocabulary entry of a read-out, as shown ("#id" when the document lacks it). @param {ProbeReadout} s @param {number} id */
export function tokenText(s, id) {
  const v = s && s.vocab ? s.vocab[String(id)] : undefined;
  return v === undefined ? "#" + id : v;
}

/** The shown texts of the tokens before index `at` that leave a character unfinished (the bytes a next token
 * would complete). @param {string[]} tokens @param {number} at */
export function pendingBefore(tokens, at) {
  const groups = groupTokens(tokens.slice(0, Math.max(0, at)));
  const g = groups[groups.length - 1];
  return g && !g.complete ? g.tokens : [];
}

/**
 * A token read on its own after the tokens `pending` (see pendingBefore): quoted when whole; a part of a character
 * as the character it completes with its bytes ("“北” ‹8C›"), or its bytes alone. Returns [label, title].
 * @param {string[]} pending @param {string} shown @returns {[string, string]}
 */
export function tokenAfter(pending, shown) {
  if (!isPartial(shown)) return [quoted(shown), ""];
  const bytes = tokenLabel(shown);
  if (pending.length) {
    const groups = groupTokens(pending.concat([shown]));
    if (groups.length === 1 && groups[0].complete) {
      return [quoted(groups[0].text) + " " + bytes, "completes " + JSON.stringify(groups[0].text) + " after the bytes " + pending.map(tokenLabel).join(" ") + " before it"];
    }
  }
  return [bytes, partTitle(shown) || "a part of a character (its bytes)"];
}

/** The probe's answer as text, and its title. @param {Probe} P @returns {[string, string]} */
export const answerLabel = (P) => tokenAfter(pendingBefore(P.tokens, P.tokens.length - 1), P.answer);

/** A prediction at the answer position (a vocabulary id), as text and its title. @param {Probe} P @param {ProbeReadout} s @param {number} id @returns {[string, string]} */
export const predictionLabel = (P, s, id) => tokenAfter(pendingBefore(P.tokens, P.tokens.length - 1), tokenText(s, id));

/** The text the read-outs are taken after (the token before the answer, or the character it completes), quoted. @param {Probe} P */
export function contextLabel(P) {
  const before = P.tokens.slice(0, Math.max(0, P.tokens.length - 1));
  if (!before.length) return quoted("");
  const g = groupTokens(before).pop();
  return g.complete ? quoted(g.text) : g.tokens.map(tokenLabel).join(" ");
}

// ---------------------------------------------------------------- the selection and links

/**
 * The selected checkpoint's index in P.snaps and the selected depth (sel null: the newest at the output).
 * @param {Probe} P @param {{step: number, l: number}|null} sel @returns {{j: number, l: number}}
 */
export function selectionOf(P, sel) {
  let j = P.snaps.length - 1, l = P.L;
  if (sel) {
    const k = P.snaps.findIndex((s) => s.step === sel.step);
    if (k >= 0) j = k;
    if (isNum(sel.l)) l = Math.max(0, Math.min(P.L, sel.l));
  }
  return { j, l };
}

const enc = encodeURIComponent;

/** "&prompt=...&target=..." for the probe without its answer (when its text ends with the answer's). @param {Probe} P */
function promptQuery(P) {
  const last = P && P.snaps[P.snaps.length - 1];
  if (last && typeof last.answer_text === "string" && last.answer_text && P.text.endsWith(last.answer_text) && P.text.length > last.answer_text.length) {
    return "&prompt=" + enc(P.text.slice(0, P.text.length - last.answer_text.length)) + "&target=" + enc(last.answer_text);
  }
  return "";
}

/** The inspect page on a checkpoint, with the probe as its prompt and the answer as the token to explain.
 * @param {string} runId @param {number} step @param {Probe} P */
export function inspectHref(runId, step, P) {
  return "/inspect?model=" + enc(runId + "@" + step) + promptQuery(P);
}

/** The inspect page's compare tab: the checkpoint `prev` against `step`, on the probe without its answer.
 * @param {string} runId @param {number} prev @param {number} step @param {Probe} P */
export function diffHref(runId, prev, step, P) {
  const q = promptQuery(P);
  return "/inspect?tab=diff&a=" + enc(runId + "@" + prev) + "&b=" + enc(runId + "@" + step) + (q || (P && P.text ? "&prompt=" + enc(P.text) : ""));
}

// ---------------------------------------------------------------- the lens grid

/** The value of a cell on [0, 1] of the colour scale: the rank on a log scale (rank 1 = 1). @param {Probe} P */
export function rankScale(P) {
  let worst = 10;
  for (const s of P.snaps) for (const e of s.lens || []) if (isNum(e.rank) && e.rank + 1 > worst) worst = e.rank + 1;
  const lg = Math.log(worst);
  return { worst, t: (r) => (isNum(r) && r >= 0 ? 1 - Math.log(r + 1) / lg : null) };
}

/** The depth that ranks the answer best in a read-out (the highest of equals). @param {ProbeReadout} s */
export function bestDepth(s) {
  let best = 0;
  (s.lens || []).forEach((e, l) => { if (e.rank >= 0 && e.rank <= s.lens[best].rank) best = l; });
  return best;
}

/** The lens table's row labels and its last column, in pixels. */
export const LAB_W = 64, END_W = 96;
/** The width of a checkpoint's column, shared by the lens table and the heads canvas (so that a step lines up in
 * both). @param {number} wrapWidth @param {number} C */
export function columnWidth(wrapWidth, C) {
  const W = Math.max(320, wrapWidth || 900);
  return Math.max(14, Math.min(64, Math.floor((W - LAB_W - END_W - 4) / C) - 1));
}
