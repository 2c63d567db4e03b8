/* Glassbox's seq2seq view (glassbox train seq2seq): its words (the glossaries of the LSTM and of the transformer, the
 * three kinds of attention inside a transformer), the run's model in a few words, and the small pieces its panels
 * share: a character as a label, an attention pattern of an example, the output line against the target. */
import { el } from "../../lib/dom.js";
import { isNum } from "../../lib/format.js";

const S2S_GLOSSARY = [
  ["checkpoint", "Checkpoint", "The model saved at one step of training (every --checkpoint-interval steps and at the end). Each " +
    "checkpoint here also holds what the model wrote for a few held-out inputs then, and where it looked, so the pictures can replay training."],
  ["encoder", "Encoder", "The half of the model that reads. A bidirectional LSTM runs over the input characters forwards and " +
    "backwards and keeps one vector per input position: that character, described together with its neighbours."],
  ["decoder", "Decoder", "The half of the model that writes. An LSTM produces the output one character at a time, each time " +
    "taking in the character it wrote before, until it writes the end mark (</s>, shown as \u201cend\u201d)."],
  ["attention", "Attention", "Before writing each character the decoder scores every input position against its own state, turns " +
    "the scores into weights that add up to 1 (a softmax) and reads the weighted average of the encoder's vectors. Bahdanau " +
    "attention scores with a small network (additive), Luong with a product (bilinear). Without attention the decoder only gets " +
    "one vector for the whole input."],
  ["alignment", "Alignment", "Which input characters each output character was written from: the attention weights as a grid, " +
    "output characters down the side, input characters along the top. A sharp alignment has one dark cell per row."],
  ["exact", "Exact match", "The share of inputs whose whole output equals the target, character for character. It is strict: one " +
    "wrong digit makes the whole answer wrong."],
  ["teacher", "Teacher forcing", "While training, the decoder is given the right previous character, not the one it wrote. Here " +
    "(and on the held-out set) it is given its own, as it would be in use, so one early mistake can lead to more."],
  ["heldout", "Held-out set", "Inputs kept out of training (--held-out, 1,000 by default): no training batch ever holds one, so " +
    "how well the model does on them shows how it does on inputs it has never seen. The examples here are from it."],
];

/** The transformer's words: its encoder, decoder and attention, and the terms of "Every layer and head". */
const TF_GLOSSARY = {
  encoder: ["encoder", "Encoder", "The half of the model that reads: a stack of transformer layers over the input characters. In each layer " +
    "every input character looks at every other (self-attention), so each position ends up with a vector that describes its character in context."],
  decoder: ["decoder", "Decoder", "The half of the model that writes, one character at a time until the end mark (</s>, shown as \u201cend\u201d). " +
    "Each of its layers first looks at the characters already written (causal self-attention), then at the input (cross-attention)."],
  attention: ["attention", "Attention", "Each position asks a question (its query), scores it against every position it may look at (their keys), turns the " +
    "scores into weights that add up to 1 (a softmax) and reads the weighted average of what those positions hold. A transformer has many " +
    "such patterns: one per layer, head and kind (encoder self-attention, decoder self-attention, cross-attention)."],
  alignment: ["alignment", "Alignment", "Which input characters each output character was written from: here the last decoder layer's cross-attention, " +
    "averaged over its heads, as a grid (output characters down the side, input characters along the top). A sharp alignment has one dark cell per row."],
  extra: [
    ["selfatt", "Self-attention", "Attention of a sequence over itself: every position of the input (in the encoder), or of the answer written so far " +
      "(in the decoder), reads from the other positions of the same sequence."],
    ["crossatt", "Cross-attention", "Attention from the decoder to the encoder: each character being written reads from the input characters. It is " +
      "where the decoder reads the input; the big grid above is the last layer's, averaged over its heads."],
    ["causal", "Causal mask", "The rule that a decoder position may look only at itself and at earlier positions, never at characters not written yet " +
      "(when the model is used, there are none). Its weights above the diagonal are exactly 0."],
    ["head", "Head", "One of several attention patterns a layer computes side by side, each with its own query and key weights, so that one layer " +
      "can look at several things at once (one head the day, another the year). Their results are joined and mixed."],
    ["layer", "Layer", "One block of the transformer: attention (and, in the decoder, cross-attention) then a small feed-forward network, each added to " +
      "the position's running vector. Encoder and decoder each stack several; layer 0 is the first, nearest the characters."],
  ],
};
export function glossaryOf(tf) {
  if (!tf) return S2S_GLOSSARY;
  return S2S_GLOSSARY.map((e) => TF_GLOSSARY[e[0]] || e).concat(TF_GLOSSARY.extra);
}

/** The three kinds of attention inside the transformer: what the rows and columns of each are, and how to read it. */
export const TF_KINDS = [
  { key: "encoder_self", label: "Encoder self-attention", short: "input \u00d7 input",
    words: { title: "Encoder self-attention: each input character over the input characters", row: "input", col: "input", rowLong: "input character (query)", colLong: "input character (key)" },
    read: "each row is one input character and the columns are the input characters it reads to describe itself (a row adds up to 1). " +
      "Nothing is masked: every character may look both ways. Heads of the first layer often look at a neighbour or at characters of the " +
      "same kind (the digits of the year, the letters of the month); the next layer combines what they gathered." },
  { key: "decoder_self", label: "Decoder self-attention", short: "output \u00d7 output, causal",
    words: { title: "Decoder self-attention: each output character over the characters written before it", row: "writing", col: "written", rowLong: "output character (query)", colLong: "written before (key)" },
    read: "each row is one character the decoder writes; the columns are the start mark and the characters it has already written. It may " +
      "not look ahead (the causal mask), so everything above the diagonal is empty; the diagonal cell is the character written just before. " +
      "Heads here keep track of where in the answer the decoder is (in the year, after a dash)." },
  { key: "cross", label: "Cross-attention", short: "output \u00d7 input",
    words: { title: "Cross-attention: each output character over the input characters", row: "output", col: "input", rowLong: "output character (query)", colLong: "input character (key)" },
    read: "each row is one character the decoder writes and the columns are the input characters: this is where the decoder reads the input. " +
      "The big grid above is the last layer's, averaged over its heads; here each head is on its own, and heads often split the work " +
      "(one reads the day, another the year), while the first layer's are often blurrier." },
];

/** One attention pattern of an example as the heatmap draws it: rows (queries), columns (keys) and weights. */
export function patternOf(E, kind, l, h) {
  const L = E && E.layers && E.layers[l];
  const W = L && L[kind] && L[kind][h];
  if (!W) return null;
  const out = E.output_tokens || [], inp = E.input_tokens || [];
  const rows = kind === "encoder_self" ? inp : out;
  const cols = kind === "encoder_self" || kind === "cross" ? inp : ["<s>"].concat(out.slice(0, Math.max(0, out.length - 1)));
  return { input_tokens: cols, output_tokens: rows, weights: W };
}

export const S2S_CHIPS = {
  dates: ["twenty-third of November 2026", "23 Nov 2026", "11/23/2026", "Monday, November 23, 2026"],
  reverse: ["3141592", "2718281828", "1234567", "907"],
  sort: ["3141592", "2718281828", "9876543210", "5051"],
};

/** A character as a label: a space as "·", the end mark as "end". */
export const charLabel = (t) => (t === " " ? "\u00b7" : t === "</s>" ? "end" : t === "<s>" ? "start" : t);
export const attentionName = (a) => (a === "bahdanau" ? "Bahdanau (additive)" : a === "luong" ? "Luong (bilinear)" : a === "transformer" ? "transformer cross-" : a || "none");

/** A transformer run (its config's arch, or a figure's attention): its `attention` setting means nothing then. */
export const isTransformer = (cfg, fig) => (cfg && cfg.arch === "transformer") || (fig && fig.attention === "transformer");

/** "LSTM, bahdanau attention" (or "LSTM, no attention"): the run's model in a few words. */
export function seq2seqModel(cfg) {
  cfg = cfg || {};
  if (isTransformer(cfg)) {
    const L = isNum(cfg.layers) ? cfg.layers : 2;
    return "Transformer, " + L + " + " + L + " layers \u00d7 " + (isNum(cfg.heads) ? cfg.heads : 4) + " heads \u00d7 " + (isNum(cfg.width) ? cfg.width : 64) + " wide";
  }
  const arch = String(cfg.arch || "lstm").toUpperCase();
  return arch + ", " + (!cfg.attention || cfg.attention === "none" ? "no attention" : cfg.attention + " attention");
}

/** The output line (each character, the wrong ones marked) and, when there is one, the target under it. */
export function outputLines(output, target) {
  const chars = (s, other, cls) => Array.from(s).map((ch, k) => {
    const bad = other !== null && other !== undefined && Array.from(other)[k] !== ch;
    return el("span", { class: ["s2s-ch", bad ? cls : null], title: bad ? (cls === "bad" ? "wrong: the target has " + (Array.from(other)[k] !== undefined ? "\u201c" + Array.from(other)[k] + "\u201d" : "nothing") + " here" : "missed") : null, text: charLabel(ch) });
  });
  const hasT = target !== null && target !== undefined;
  const ok = hasT && output === target;
  const wrong = hasT ? Math.max(Array.from(output).length, Array.from(target).length) - Array.from(output).filter((ch, k) => Array.from(target)[k] === ch).length : 0;
  return el("div", { class: "s2s-lines", dataset: hasT ? { ok: ok ? "1" : "0" } : null }, [
    el("div", { class: "s2s-line" }, [el("span", { class: "s2s-lab", text: "output" }), el("span", { class: "s2s-text out" }, chars(output, hasT ? target : null, "bad")),
      hasT ? el("span", { class: ["badge", "s2s-verdict", ok ? "v-ok" : "s2s-no"], text: ok ? "\u2713 exact match" : "\u2717 " + wrong + (wrong === 1 ? " character" : " characters") + " wrong" }) : null]),
    hasT ? el("div", { class: "s2s-line" }, [el("span", { class: "s2s-lab", text: "target" }), el("span", { class: "s2s-text" }, chars(target, output, "missed"))]) : null,
  ]);
}


/** The heads of a transformer's layer: from the example's patterns, else the run's settings (4 by default). */
export function headsOf(E, cfg) {
  const L = E && E.layers && E.layers[0];
  return L && L.cross ? L.cross.length : cfg && isNum(cfg.heads) ? cfg.heads : 4;
}

/** A token as the tooltips name it: the marks as words, a character in quotes. */
export const quotedChar = (t) => (t === "</s>" ? "end" : t === "<s>" ? "start" : "\u201c" + charLabel(t) + "\u201d");
