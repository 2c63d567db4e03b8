/* Glassbox Studio, inspect page: the inspect document made ready for report-views.js's views. Fills in what an
 * older server leaves out (every layer's attention, the token texts of `vocab`) and adds the texts of the tokens
 * the attributions explain. Token texts are kept in the documents' "shown" form (byte escapes for a part of a
 * character), which the views turn into characters (lib/tokens.js). */

// GPT-2's byte alphabet (a printable character for every byte), reversed: for a vocabulary string such as
// "\u0120Paris" where the document brings no decoded text (a server without report=1).
const BYTE_OF = (() => {
  const m = new Map();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    m.set(printable ? b : 256 + n++, b);
  }
  return m;
})();

/** A token's text in the "shown" form from its vocabulary string: the text when its bytes are whole characters,
 * else its bytes as "\xHH" escapes (a part of a character; lib/tokens.js shows it readably). A vocabulary that is
 * not byte-level (a character-level model) gives the string as it is. @param {string} s */
export function shownFromVocab(s) {
  s = String(s);
  const bytes = [];
  for (const ch of s) {
    const b = BYTE_OF.get(ch.codePointAt(0));
    if (b === undefined) return s;
    bytes.push(b);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
  } catch (e) {
    return bytes.map((b) => "\\x" + b.toString(16).toUpperCase().padStart(2, "0")).join("");
  }
}

/**
 * Attention of the layers the document holds in full (`attention`: H x T x T each), in the compressed form the
 * report's attention grid reads (`attention_compact`), for a server that does not send every layer's. The layers'
 * own numbers go along (layer_numbers).
 * @param {{layer: number, pattern: number[][][]}[]} layers @param {number} T
 */
function compactFrom(layers, T) {
  const out = layers.map((entry) => entry.pattern.map((head) => {
    const parts = [];
    for (let i = 0; i < T; i++) {
      const row = head[i] || [];
      const bytes = [];
      for (let j = 0; j <= i; j++) bytes.push(j & 255, j >> 8, Math.max(0, Math.min(255, Math.round((row[j] || 0) * 255))));
      parts.push(String.fromCharCode.apply(null, bytes));
    }
    return btoa(parts.join(""));
  }));
  return { positions: T, keys_per_row: T, layers: out, layer_numbers: layers.map((e) => e.layer) };
}

/** Fills in what the views need and an older server leaves out (report=1: every layer's attention, token texts).
 * Returns notes on what is missing. @param {any} doc @returns {string[]} */
export function prepare(doc) {
  const notes = [];
  if (!doc.vocab) {
    doc.vocab = {};
    notes.push("This server sends no token texts for the predictions (the API's report=1), so predicted tokens outside the prompt show as #id.");
  }
  for (const t of doc.tokens || []) {
    if (!(String(t.id) in doc.vocab)) doc.vocab[String(t.id)] = typeof t.shown === "string" ? t.shown : t.decoded;
  }
  if (!doc.attention_compact && Array.isArray(doc.attention) && doc.attention.length && doc.tokens) {
    doc.attention_compact = compactFrom(doc.attention, doc.tokens.length);
    notes.push("This server sends the attention of layers " + doc.attention_compact.layer_numbers.join(" and ") + " only (every layer needs the API's report=1).");
  }
  return notes;
}

/** Adds the texts an attributions answer brings (and those of its target and contrast) to the document's vocab.
 * @param {Object<string, string>} vocab @param {any} got the answer @param {any} A its attributions */
export function addAttributionTexts(vocab, got, A) {
  if (got.vocab) for (const k of Object.keys(got.vocab)) vocab[k] = got.vocab[k];
  if (!(String(A.target_id) in vocab) && A.target_text !== undefined) vocab[String(A.target_id)] = shownFromVocab(A.target_text);
  if (A.contrast_id !== undefined && A.contrast_id !== null && !(String(A.contrast_id) in vocab) && typeof A.contrast_text === "string") {
    vocab[String(A.contrast_id)] = shownFromVocab(A.contrast_text);
  }
}
