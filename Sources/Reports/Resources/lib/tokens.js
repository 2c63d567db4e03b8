/* Glassbox front end: model text as a person writes it. Byte-level tokenizers split most Chinese characters (and
 * emoji) into two or three tokens of a few UTF-8 bytes each; the server shows such a token's text as byte escapes
 * ("\xE6\xB3"). These functions give the bytes back, group the tokens that together make whole characters, and
 * label a lone part of a character without escapes. Pure: tested by Node (tests/js/tokens.test.js). */

const ESCAPES = /^(\\x[0-9A-Fa-f]{2})+$/;
const encoder = new TextEncoder();

/**
 * @typedef {Object} TokenGroup  consecutive tokens whose bytes together form whole characters
 * @property {number} start  the first token's index
 * @property {number} end  the last token's index (inclusive)
 * @property {string} text  the characters ("" while the group is unfinished)
 * @property {boolean} complete  false only for an unfinished last group (tokens still streaming in)
 * @property {string[]} tokens  the tokens' shown texts
 * @property {number[][]} bytes  each token's bytes
 */

/** Whether a token's shown text is byte escapes (a part of a character). @param {string} shown */
export function isPartial(shown) { return typeof shown === "string" && ESCAPES.test(shown); }

/** A token's bytes from its shown text: "\xHH" escapes for a part of a character, else the text's UTF-8.
 * @param {string} shown @returns {number[]} */
export function tokenBytes(shown) {
  const s = shown === undefined || shown === null ? "" : String(shown);
  if (isPartial(s)) {
    const out = [];
    for (let i = 0; i < s.length; i += 4) out.push(parseInt(s.slice(i + 2, i + 4), 16));
    return out;
  }
  return Array.from(encoder.encode(s));
}

/** The length of the UTF-8 sequence a lead byte starts (1 for a stray continuation byte). @param {number} b */
function sequenceLength(b) {
  if (b < 0x80) return 1;
  if ((b & 0xe0) === 0xc0) return 2;
  if ((b & 0xf0) === 0xe0) return 3;
  if ((b & 0xf8) === 0xf0) return 4;
  return 1;
}

/** Whether `bytes` end inside a multi-byte character (its continuation bytes have not all come). @param {number[]} bytes */
export function endsInsideCharacter(bytes) {
  let i = bytes.length - 1, continuation = 0;
  while (i >= 0 && (bytes[i] & 0xc0) === 0x80 && continuation < 3) { continuation++; i--; }
  if (i < 0) return false; // only continuation bytes: nothing can complete them
  return continuation + 1 < sequenceLength(bytes[i]);
}

/** The text of bytes; a byte that cannot be part of a character becomes "‹HH›" rather than U+FFFD.
 * @param {number[]} bytes */
export function decodeBytes(bytes) {
  let out = "", i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes[i]);
    const seq = bytes.slice(i, i + n);
    let ok = seq.length === n && (n === 1 ? bytes[i] < 0x80 : seq.slice(1).every((b) => (b & 0xc0) === 0x80));
    let text = "";
    if (ok) {
      try { text = new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(seq)); } catch (e) { ok = false; }
    }
    if (ok) { out += text; i += n; } else { out += "\u2039" + hex([bytes[i]]) + "\u203a"; i += 1; }
  }
  return out;
}

/** "E6 B3" @param {number[]} bytes */
export function hex(bytes) { return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, "0")).join(" "); }

/**
 * Groups tokens (by their shown texts) into whole characters: a group ends where its bytes end on a character
 * boundary. A last group that ends inside a character is unfinished (complete: false, text "").
 * @param {string[]} shownList @returns {TokenGroup[]}
 */
export function groupTokens(shownList) {
  /** @type {TokenGroup[]} */
  const groups = [];
  let current = null, buffer = [];
  shownList.forEach((shown, i) => {
    const b = tokenBytes(shown);
    if (!current) { current = { start: i, end: i, text: "", complete: false, tokens: [], bytes: [] }; buffer = []; }
    current.end = i;
    current.tokens.push(String(shown === undefined || shown === null ? "" : shown));
    current.bytes.push(b);
    buffer = buffer.concat(b);
    // A group ends on a character boundary, or when it cannot be completed any more (over 4 bytes of one character).
    if (!endsInsideCharacter(buffer) || buffer.length > 64) {
      current.text = decodeBytes(buffer);
      current.complete = true;
      groups.push(current);
      current = null;
    }
  });
  if (current) groups.push(current);
  return groups;
}

/** For each token index, the index of its group. @param {TokenGroup[]} groups @param {number} count @returns {number[]} */
export function groupIndex(groups, count) {
  const out = new Array(count).fill(-1);
  groups.forEach((g, k) => { for (let i = g.start; i <= g.end && i < count; i++) out[i] = k; });
  return out;
}

/** A group's tooltip: its characters, then each token with its bytes ("token 3: E6 B3 (part of a character)").
 * @param {TokenGroup} group */
export function groupTitle(group) {
  const lines = [group.complete ? JSON.stringify(group.text) : "an unfinished character (its last bytes have not come yet)"];
  if (group.end > group.start || group.tokens.some(isPartial)) {
    lines.push((group.end - group.start + 1) + " tokens make " + (group.complete ? "it" : "it so far") + ":");
    group.bytes.forEach((b, k) => {
      const whole = !isPartial(group.tokens[k]);
      lines.push("token " + (group.start + k) + ": " + (whole ? JSON.stringify(group.tokens[k]) + " = " : "") + "bytes " + hex(b) + (whole ? "" : " (part of a character)"));
    });
  }
  return lines.join("\n");
}

/** One token shown on its own (an alternative, a top-k entry, a vocabulary entry): its text when whole, else its
 * bytes as "‹E6 B3›" (a part of a character, never "\x" escapes). @param {string} shown */
export function tokenLabel(shown) {
  if (!isPartial(shown)) return shown === undefined || shown === null ? "" : String(shown);
  return "\u2039" + hex(tokenBytes(shown)) + "\u203a";
}

/** A tooltip line for a lone token that is a part of a character. @param {string} shown */
export function partTitle(shown) {
  if (!isPartial(shown)) return "";
  const b = tokenBytes(shown), lead = b.length ? sequenceLength(b[0]) : 1;
  return "bytes " + hex(b) + ": " + ((b[0] & 0xc0) === 0x80 ? "the end of a character begun by the token before"
    : "the first " + b.length + " of the " + lead + " bytes of a character, which the next token completes");
}

/** A whole sequence of tokens as text, split characters joined (for labels and titles). @param {string[]} shownList */
export function groupedText(shownList) {
  return groupTokens(shownList).map((g) => (g.complete ? g.text : "\u2026")).join("");
}

// GPT-2's byte alphabet (a printable character for every byte), reversed: the bytes of a byte-level vocabulary string
// such as "\u0120Paris", for a document that gives a token's vocabulary string but not its shown text.
const BYTE_OF = (() => {
  const m = new Map();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    m.set(printable ? b : 256 + n++, b);
  }
  return m;
})();

/** The bytes of a vocabulary string (GPT-2's byte alphabet, or SentencePiece's byte token "<0xE6>"); null for a
 * string of another vocabulary (a character-level model's). @param {string} s @returns {number[]|null} */
export function vocabBytes(s) {
  const text = String(s === undefined || s === null ? "" : s), piece = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
  if (piece) return [parseInt(piece[1], 16)];
  const bytes = [];
  for (const ch of text) {
    const b = BYTE_OF.get(ch.codePointAt(0));
    if (b === undefined) return null;
    bytes.push(b);
  }
  return bytes;
}

/** A token's shown text from its vocabulary string: the text when its bytes are whole characters, else the bytes
 * as "\xHH" escapes; a string of another vocabulary as it is. @param {string} s */
export function shownFromVocab(s) {
  const bytes = vocabBytes(s);
  if (!bytes) return String(s);
  try { return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes)); } catch (e) { return bytes.map((b) => "\\x" + hex([b])).join(""); }
}
