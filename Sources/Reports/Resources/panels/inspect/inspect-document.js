/* Glassbox Studio, inspect page: the inspect document made ready for report-views.js's views. Fills in what an
 * older server leaves out (every layer's attention, the token texts of `vocab`) and adds the texts of the tokens
 * the attributions explain. Token texts are kept in the documents' "shown" form (byte escapes for a part of a
 * character), which the views turn into characters (lib/tokens.js). */
import { shownFromVocab } from "../../lib/tokens.js";

export { shownFromVocab };

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
