/* Glassbox report views: model text as characters. Byte-level tokenizers split most Chinese characters (and emoji)
 * into two or three tokens; the documents give such a token's text as byte escapes ("\xE6\xB3"). Here a prompt's
 * tokens are read as characters (lib/tokens.js): the first token of a character's group shows the character, the
 * others nothing (class tok-cont), and a tooltip gives the tokens and their bytes; a token on its own (a vocabulary
 * entry: an alternative, a lens cell, the target) shows a part of a character as its bytes, ‹E6 B3›. */
import { el } from "../../lib/dom.js";
import { groupIndex, groupTitle, groupTokens, isPartial, tokenLabel, vocabBytes } from "../../lib/tokens.js";

/** @typedef {import("../../lib/tokens.js").TokenGroup} TokenGroup */

/** Token text made visible: newlines and tabs as arrows, an empty or all-space token as a symbol. @param {any} t */
export function visible(t) {
  const v = String(t).replace(/\n/g, "\u21b5").replace(/\t/g, "\u21e5");
  return v === "" ? "\u2205" : /^ +$/.test(v) ? v.replace(/ /g, "\u2423") : v;
}

/** One vocabulary entry on its own (an alternative, a lens cell, the target): its text made visible, a part of a
 * character as its bytes (‹E6 B3›). @param {string} s */
export const tokenShown = (s) => (isPartial(s) ? tokenLabel(s) : visible(s));

/** The same in quotes (" Paris"); a part of a character as its bytes, ‹E6 B3›, unquoted. @param {string} s */
export const tokenQuoted = (s) => (isPartial(s) ? tokenLabel(s) : JSON.stringify(visible(s)));

const hex2 = (b) => "\\x" + b.toString(16).toUpperCase().padStart(2, "0");

/** A token in the "shown" form (byte escapes for a part of a character): its decoded text where
 * that is whole, else the bytes of its vocabulary string (GPT-2's byte alphabet, or SentencePiece's <0xE6>).
 * @param {string} vocab @param {string} decoded */
export function shownOf(vocab, decoded) {
  const d = String(decoded === undefined || decoded === null ? "" : decoded);
  if (!d.includes("\ufffd")) return d;
  const bytes = vocabBytes(vocab);
  if (!bytes) return d;
  try { return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes)); } catch (e) { return bytes.map(hex2).join(""); }
}

/** The shown texts of an inspect or diff document's tokens (`shown`: byte escapes for a part of a character; an
 * older document has only `decoded`). @param {any[]} tokens @returns {string[]} */
export const docShown = (tokens) => tokens.map((t) => (t.shown !== undefined && t.shown !== null ? t.shown : shownOf(t.text, t.decoded)));

/**
 * A sequence of tokens read as characters.
 * @typedef {Object} Reading
 * @property {string[]} shown  each token's shown text
 * @property {TokenGroup[]} groups  the character groups
 * @property {number[]} of  each token's group
 * @property {(i: number) => boolean} first  whether token i starts its group
 * @property {(i: number) => boolean} split  whether token i's group is not one whole token
 * @property {(i: number, from?: number) => string} label  token i's own element's text: its group's characters on
 *   the group's first token (or on `from`, the first token a window shows), "" on the others
 * @property {(i: number) => string} text  the characters of token i's group, made visible ("…" while unfinished)
 * @property {(i: number) => string} name  token i for prose and tooltips: "注" (token 1 of 2), or " Paris"
 * @property {(i: number) => string} short  the same unquoted and short: 注 (1/2)
 * @property {(i: number) => string} title  the tooltip of a split token's group (tokens and bytes), else ""
 */

/** @param {string[]} shownList @returns {Reading} */
export function reading(shownList) {
  const shown = shownList.map((s) => (s === undefined || s === null ? "" : String(s)));
  const groups = groupTokens(shown), of = groupIndex(groups, shown.length);
  const g = (i) => groups[of[i]];
  const split = (i) => { const x = g(i); return x.end > x.start || !x.complete || x.tokens.some(isPartial); };
  const text = (i) => (g(i).complete ? visible(g(i).text) : "\u2026");
  const part = (i) => { const x = g(i); return x.end > x.start ? [i - x.start + 1, x.end - x.start + 1] : null; };
  return {
    shown, groups, of, split, text,
    first: (i) => g(i).start === i,
    label: (i, from) => (g(i).start === i || i === from ? text(i) : ""),
    name(i) {
      if (!split(i)) return JSON.stringify(visible(shown[i]));
      if (!g(i).complete) return tokenLabel(shown[i]);
      const p = part(i);
      return JSON.stringify(visible(g(i).text)) + (p ? " (token " + p[0] + " of " + p[1] + ")" : "");
    },
    short(i) {
      if (!split(i)) return visible(shown[i]);
      if (!g(i).complete) return tokenLabel(shown[i]);
      const p = part(i);
      return visible(g(i).text) + (p ? " (" + p[0] + "/" + p[1] + ")" : "");
    },
    title: (i) => (split(i) ? groupTitle(g(i)) : ""),
  };
}

/**
 * Token i's element in a strip: class "tok" (and "tok-cont" on a character's later tokens), its group's characters
 * on the first, the group's tokens and bytes as its title. cls: more classes; attrs: more attributes (a title is put
 * before the group's); tipped: the strip has its own tooltip, which gives the group's (R.title): no title then.
 * @param {Reading} R @param {number} i @param {any[]} [cls] @param {Object<string, any>} [attrs] @param {boolean} [tipped]
 */
export function tokenChip(R, i, cls, attrs, tipped) {
  const a = Object.assign({}, attrs || {});
  const title = tipped ? "" : [a.title, R.title(i)].filter(Boolean).join("\n");
  a.class = ["tok", R.first(i) ? null : "tok-cont"].concat(cls || []);
  a.title = title || null;
  a.text = R.label(i);
  return el("span", a);
}
