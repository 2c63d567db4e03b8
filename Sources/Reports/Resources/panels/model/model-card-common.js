/* Glassbox Studio, model page: what the card's panels share. What the numbers mean (size classes, the parts of a
 * model, kinds of weight, weight types, the statistics the heatmap colours by), how they are written (bytes,
 * shapes, shares), the panel frame, and the card context (`CardContext`) built once from the card document and
 * handed to every panel. */
import { color } from "../../lib/colors.js";
import { el } from "../../lib/dom.js";
import { int, isNum, num } from "../../lib/format.js";
import { store } from "../../lib/storage.js";

/**
 * @typedef {Object} CardWeight  one weight tensor of the card (docs/inspect-json.md, ModelCard)
 * @property {string} name
 * @property {string} label
 * @property {number|null} layer
 * @property {string} kind
 * @property {number[]} shape
 * @property {string} type
 * @property {number} bytes
 * @property {number} parameters
 * @property {number} norm
 * @property {number} mean
 * @property {number} std
 * @property {number} min
 * @property {number} max
 * @property {{lo: number, hi: number, counts: number[]}} [histogram]
 */
/** @typedef {{name: string, parameters: number, shape?: number[], tied?: boolean, children?: CardComponent[]}} CardComponent */
/** @typedef {{model: any, file_bytes?: number, types?: {type: string, parameters: number, bytes: number}[], components?: CardComponent, weights: CardWeight[]}} ModelCardDoc */
/** @typedef {{card: ModelCardDoc, weight: string}} CardState  what the card's panels are mounted with: the document and the weight shown first */

/**
 * @typedef {Object} CardContext  the card's facts, its view settings and the nodes its panels share
 * @property {ModelCardDoc} card
 * @property {any} m  card.model
 * @property {CardWeight[]} weights
 * @property {number} total  parameters
 * @property {Map<string, CardWeight>} byName
 * @property {Map<string, {total: number, layer: number}>} parts  parameters per part: in all, and in the first layer
 * @property {number[]} layerIds
 * @property {number|null} firstLayer
 * @property {number} counted  the parameters of all parts
 * @property {(p: {key: string, what: string}) => string} whatOf  what a part holds, in this model's terms
 * @property {boolean} gpt2  GPT-2 stores its matrices [in, out]
 * @property {{metric: string, ownScale: boolean, logCounts: boolean, selected: string|null}} S  the view's settings
 * @property {HTMLElement} root
 * @property {{weight?: string, onSelect?: (name: string) => void}} opts
 * @property {(() => void)[]} cleanups
 * @property {(name: string, fromUser: boolean) => void} select  shows one weight (set by the card)
 * @property {import("./model-weights-grid.js").WeightGrid} [grid]
 * @property {import("./model-weight-detail.js").WeightDetail} [detail]
 * @property {HTMLTableElement} [weightsTable]
 */

/** The four size classes (by parameter count), as the server names them (ModelLoader.sizeClass). */
export const SIZE_CLASSES = [
  { key: "small", upTo: 1e6, range: "up to 1 million parameters",
    text: "A toy you can train in minutes on a laptop's CPU, like the runs glassbox train makes. Small enough to look at every weight." },
  { key: "medium", upTo: 1e8, range: "1 million to 100 million",
    text: "Trains in hours on one machine and learns the spelling, grammar and style of its corpus." },
  { key: "large", upTo: 1e9, range: "100 million to 1 billion",
    text: "Pretrained models such as GPT-2 (124 million) and SmolLM2-135M: trained on a cluster over billions of tokens, yet they run on a laptop." },
  { key: "very large", upTo: Infinity, range: "over 1 billion",
    text: "Today's chat assistants (GPT-3 has 175 billion parameters): trained on thousands of GPUs, and usually run on GPUs too." },
];

/** The parts a weight belongs to (by its kind), in the order of the forward pass, with their colours. */
export const PARTS = [
  { key: "embedding", label: "Embedding", color: 0, what: "a vector for every token of the vocabulary" },
  { key: "attention", label: "Attention", color: 1, what: "query, key, value and output matrices: how positions read from each other" },
  { key: "mlp", label: "MLP", color: 2, what: "the feed-forward matrices: what each position computes on its own" },
  { key: "norms", label: "Norms", color: 4, what: "a scale per channel" },
  { key: "unembedding", label: "Unembedding", color: 3, what: "turns the last vector into a score per token" },
  { key: "other", label: "Other", color: 9, what: "" },
];
/** The part of a kind of weight. @param {string} kind */
export function partOf(kind) {
  const k = String(kind || "");
  if (k === "embedding" || k === "position_embedding") return "embedding";
  if (k === "unembedding") return "unembedding";
  if (/norm/.test(k)) return "norms";
  if (/^attn/.test(k)) return "attention";
  if (/^mlp/.test(k)) return "mlp";
  return "other";
}
/** @param {string} key */
export const partColor = (key) => color((PARTS.find((p) => p.key === key) || PARTS[5]).color);

/** Columns of the heatmap: the kinds inside a layer, in the order of the forward pass. */
export const KIND_ORDER = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_qkv", "attn_o", "mlp_norm", "mlp_gate", "mlp_up", "mlp_down"];
export const KIND_LABEL = {
  attn_q: "query", attn_k: "key", attn_v: "value", attn_qkv: "q k v", attn_o: "attn out", mlp_gate: "gate", mlp_up: "up",
  mlp_down: "down", attn_norm: "attn norm", mlp_norm: "MLP norm", embedding: "token embedding", position_embedding: "position embedding",
  final_norm: "final norm", unembedding: "unembedding",
};
export const KIND_TITLE = {
  attn_q: "attention query: what each position looks for", attn_k: "attention key: what each position offers to be found by",
  attn_v: "attention value: what a position passes on when it is read", attn_qkv: "attention query, key and value in one matrix (GPT-2)",
  attn_o: "attention output: mixes the heads back into the residual stream", mlp_gate: "MLP gate: decides how much of each hidden unit passes",
  mlp_up: "MLP up: widens the vector into the hidden units", mlp_down: "MLP down: brings the hidden units back to the model's width",
  attn_norm: "the norm before attention: a scale per channel", mlp_norm: "the norm before the MLP: a scale per channel",
};

/** How a weight type stores its numbers. */
export const TYPE_INFO = {
  F32: "32-bit floats: every number exactly as trained",
  F16: "16-bit floats: half the bytes, about 3 significant digits",
  BF16: "16-bit brain floats: the range of F32 with fewer digits",
  Q8_0: "blocks of 32 numbers as 8-bit codes and one scale",
  Q4_0: "blocks of 32 numbers as 4-bit codes and one scale",
  Q4_1: "blocks of 32 numbers as 4-bit codes, a scale and a minimum",
};
/** @param {string} type */
export const isQuantised = (type) => !/^(F32|F16|BF16|F64)$/i.test(String(type));

/** @typedef {{key: string, label: string, short: string, of: (w: CardWeight) => number|null, help: string, signed?: boolean}} Metric */
/** @type {Metric[]} */
export const METRICS = [
  { key: "norm", label: "Frobenius norm", short: "norm", of: (w) => w.norm, help: "the length of the matrix as one long vector: √(sum of squares)" },
  { key: "rms", label: "RMS (norm ÷ √count)", short: "RMS", of: (w) => (w.parameters > 0 ? w.norm / Math.sqrt(w.parameters) : null), help: "the typical size of one weight: comparable across shapes" },
  { key: "std", label: "standard deviation", short: "std", of: (w) => w.std, help: "how widely the weights spread around their mean" },
  { key: "mean", label: "mean", short: "mean", of: (w) => w.mean, signed: true, help: "the average weight: near 0 for matrices, near 1 for norm scales" },
  { key: "absmax", label: "largest |weight|", short: "max |w|", of: (w) => Math.max(Math.abs(w.min), Math.abs(w.max)), help: "the biggest single number: outliers show here" },
];

// ---------------------------------------------------------------- formatting

/** 98362432 -> "98.4 MB" (decimal units, as file managers show them). @param {number} n */
export function bytes(n) {
  if (!isNum(n)) return "–";
  const a = Math.abs(n);
  if (a < 1000) return n + " B";
  for (const [u, f] of /** @type {[string, number][]} */ ([["GB", 1e9], ["MB", 1e6], ["kB", 1e3]])) if (a >= f) return num(n / f, 3) + " " + u;
  return n + " B";
}
/** "576 × 49152" @param {number[]} s */
export const shapeText = (s) => (Array.isArray(s) && s.length ? s.map((d) => int(d)).join(" × ") : "–");
/** @param {number} a @param {number} b */
export const pct = (a, b) => (b > 0 ? (100 * a) / b : 0);
/** @param {number} v */
export const pctText = (v) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v > 0 ? "<1" : "0") + "%";
/** @param {number} v */
export const stat = (v) => (isNum(v) ? num(v, 4) : "–");
/** @param {string} k */
export const kindLabel = (k) => KIND_LABEL[k] || String(k).replace(/_/g, " ");

/** A panel in the views' style: a title, a plain-language line on how to read it, then the body.
 * @param {string} id @param {string} title @param {string} read @param {any} body @param {any} [extra] */
export function panel(id, title, read, body, extra) {
  return el("section", { class: "card v-panel mc-panel", id }, [
    el("div", { class: "v-panel-head" }, [el("h2", { text: title }), el("span", { class: "spacer" }), extra || null]),
    read ? el("p", { class: "v-read" }, [el("b", { text: "How to read it: " }), read]) : null,
    body,
  ]);
}

/** The component tied to the embedding (the unembedding that reuses its matrix), if any. @param {CardComponent} node @returns {CardComponent|null} */
export function findTied(node) {
  if (!node) return null;
  if (node.tied) return node;
  for (const c of node.children || []) { const t = findTied(c); if (t) return t; }
  return null;
}

/** Parameters per part, over the whole model and in its first layer. @param {CardWeight[]} weights @param {number|null} firstLayer */
function partCounts(weights, firstLayer) {
  const parts = new Map(PARTS.map((p) => [p.key, { total: 0, layer: 0 }]));
  for (const w of weights) {
    const p = parts.get(partOf(w.kind));
    p.total += w.parameters || 0;
    if (w.layer === firstLayer && firstLayer !== null) p.layer += w.parameters || 0;
  }
  return parts;
}

/**
 * The card's context from its document (the view's settings from the last visit).
 * @param {HTMLElement} root @param {ModelCardDoc} card @param {CardContext["opts"]} opts @returns {CardContext}
 */
export function cardContext(root, card, opts) {
  const m = card.model || {};
  const weights = Array.isArray(card.weights) ? card.weights : [];
  const total = m.parameters || weights.reduce((a, w) => a + (w.parameters || 0), 0);
  const S = { metric: store.get("modelcard.metric", "norm"), ownScale: store.get("modelcard.ownScale", true), logCounts: false, selected: null };
  if (!METRICS.some((q) => q.key === S.metric)) S.metric = "norm";
  const layerIds = [...new Set(weights.filter((w) => isNum(w.layer)).map((w) => w.layer))].sort((a, b) => a - b);
  const firstLayer = layerIds.length ? layerIds[0] : null;
  const parts = partCounts(weights, firstLayer);
  const counted = [...parts.values()].reduce((a, p) => a + p.total, 0);
  // what each part holds, in this model's terms
  const what = {
    embedding: "a vector for every token of the vocabulary" + (weights.some((w) => w.kind === "position_embedding") ? " and for every position" : ""),
    norms: "a scale" + (weights.some((w) => partOf(w.kind) === "norms" && /bias$/.test(w.name)) ? " and a shift" : "") + " per channel",
  };
  return {
    card, m, weights, total, byName: new Map(weights.map((w) => [w.name, w])), parts, layerIds, firstLayer, counted,
    whatOf: (p) => what[p.key] || p.what, gpt2: /^gpt/i.test(String(m.architecture || "")), S, root, opts: opts || {}, cleanups: [],
    select: () => {},
  };
}
