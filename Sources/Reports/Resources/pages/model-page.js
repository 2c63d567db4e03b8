/* Glassbox Studio: the model page (/models/{id}), a model's card: its size class, where its parameters are, its
 * architecture (a diagram and a tree), how its weights are stored (types and bytes) and statistics of every weight
 * matrix (a layers × kind heatmap; a click shows that matrix's histogram). The document is /api/models/ID/card
 * (docs/studio-api.md). GB.modelCard.render(root, card, opts) draws the panels; GB.modelPage(app, id) fetches and
 * frames them. Plain ES2020; needs core.js and charts.js (report.js's modelFacts when present).
 *
 * For tests: #model-page carries data-state (loading | shown | error); #size-class[data-class], #param-split,
 * #arch-diagram, #arch-tree (details.mt-node), #types-table, #weight-grid (td.wg-cell[data-name]), #weight-detail
 * [data-name], #weight-hist (a canvas; data-drawn, data-bins), #weights-table. */
import { Figure, chartTheme, linearTicks, measureText } from "../lib/charts.js";
import { fetchJSON } from "../api.js";
import { color, colorScale } from "../lib/colors.js";
import { append, clear, el } from "../lib/dom.js";
import { downloadJSON } from "../lib/download.js";
import { compact, int, isNum, num, slug } from "../lib/format.js";
import { store } from "../lib/storage.js";
import { tooltip } from "../lib/tooltip.js";
import { debounce, errorBox, icon, ready } from "../lib/ui.js";
import { views } from "../views/report-views.js";

const enc = encodeURIComponent;

// ---------------------------------------------------------------- what the numbers mean

/** The four size classes (by parameter count), as the server names them (ModelLoader.sizeClass). */
const SIZE_CLASSES = [
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
const PARTS = [
  { key: "embedding", label: "Embedding", color: 0, what: "a vector for every token of the vocabulary" },
  { key: "attention", label: "Attention", color: 1, what: "query, key, value and output matrices: how positions read from each other" },
  { key: "mlp", label: "MLP", color: 2, what: "the feed-forward matrices: what each position computes on its own" },
  { key: "norms", label: "Norms", color: 4, what: "a scale per channel" },
  { key: "unembedding", label: "Unembedding", color: 3, what: "turns the last vector into a score per token" },
  { key: "other", label: "Other", color: 9, what: "" },
];
function partOf(kind) {
  const k = String(kind || "");
  if (k === "embedding" || k === "position_embedding") return "embedding";
  if (k === "unembedding") return "unembedding";
  if (/norm/.test(k)) return "norms";
  if (/^attn/.test(k)) return "attention";
  if (/^mlp/.test(k)) return "mlp";
  return "other";
}
const partColor = (key) => color((PARTS.find((p) => p.key === key) || PARTS[5]).color);

/** Columns of the heatmap: the kinds inside a layer, in the order of the forward pass. */
const KIND_ORDER = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_qkv", "attn_o", "mlp_norm", "mlp_gate", "mlp_up", "mlp_down"];
const KIND_LABEL = {
  attn_q: "query", attn_k: "key", attn_v: "value", attn_qkv: "q k v", attn_o: "attn out", mlp_gate: "gate", mlp_up: "up",
  mlp_down: "down", attn_norm: "attn norm", mlp_norm: "MLP norm", embedding: "token embedding", position_embedding: "position embedding",
  final_norm: "final norm", unembedding: "unembedding",
};
const KIND_TITLE = {
  attn_q: "attention query: what each position looks for", attn_k: "attention key: what each position offers to be found by",
  attn_v: "attention value: what a position passes on when it is read", attn_qkv: "attention query, key and value in one matrix (GPT-2)",
  attn_o: "attention output: mixes the heads back into the residual stream", mlp_gate: "MLP gate: decides how much of each hidden unit passes",
  mlp_up: "MLP up: widens the vector into the hidden units", mlp_down: "MLP down: brings the hidden units back to the model's width",
  attn_norm: "the norm before attention: a scale per channel", mlp_norm: "the norm before the MLP: a scale per channel",
};

/** How a weight type stores its numbers. */
const TYPE_INFO = {
  F32: "32-bit floats: every number exactly as trained",
  F16: "16-bit floats: half the bytes, about 3 significant digits",
  BF16: "16-bit brain floats: the range of F32 with fewer digits",
  Q8_0: "blocks of 32 numbers as 8-bit codes and one scale",
  Q4_0: "blocks of 32 numbers as 4-bit codes and one scale",
  Q4_1: "blocks of 32 numbers as 4-bit codes, a scale and a minimum",
};
const isQuantised = (type) => !/^(F32|F16|BF16|F64)$/i.test(String(type));

const METRICS = [
  { key: "norm", label: "Frobenius norm", short: "norm", of: (w) => w.norm, help: "the length of the matrix as one long vector: √(sum of squares)" },
  { key: "rms", label: "RMS (norm ÷ √count)", short: "RMS", of: (w) => (w.parameters > 0 ? w.norm / Math.sqrt(w.parameters) : null), help: "the typical size of one weight: comparable across shapes" },
  { key: "std", label: "standard deviation", short: "std", of: (w) => w.std, help: "how widely the weights spread around their mean" },
  { key: "mean", label: "mean", short: "mean", of: (w) => w.mean, signed: true, help: "the average weight: near 0 for matrices, near 1 for norm scales" },
  { key: "absmax", label: "largest |weight|", short: "max |w|", of: (w) => Math.max(Math.abs(w.min), Math.abs(w.max)), help: "the biggest single number: outliers show here" },
];

// ---------------------------------------------------------------- formatting

/** 98362432 -> "98.4 MB" (decimal units, as file managers show them). */
function bytes(n) {
  if (!isNum(n)) return "–";
  const a = Math.abs(n);
  if (a < 1000) return n + " B";
  for (const [u, f] of [["GB", 1e9], ["MB", 1e6], ["kB", 1e3]]) if (a >= f) return num(n / f, 3) + " " + u;
  return n + " B";
}
const shapeText = (s) => (Array.isArray(s) && s.length ? s.map((d) => int(d)).join(" × ") : "–");
const pct = (a, b) => (b > 0 ? (100 * a) / b : 0);
const pctText = (v) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v > 0 ? "<1" : "0") + "%";
const stat = (v) => (isNum(v) ? num(v, 4) : "–");
const kindLabel = (k) => KIND_LABEL[k] || String(k).replace(/_/g, " ");

/** A panel in the views' style: a title, a plain-language line on how to read it, then the body. */
function panel(id, title, read, body, extra) {
  return el("section", { class: "card v-panel mc-panel", id }, [
    el("div", { class: "v-panel-head" }, [el("h2", { text: title }), el("span", { class: "spacer" }), extra || null]),
    read ? el("p", { class: "v-read" }, [el("b", { text: "How to read it: " }), read]) : null,
    body,
  ]);
}

// ---------------------------------------------------------------- the card's panels

/**
 * Draws a model card into root. opts: {id, title, onSelect(name)} (onSelect: a weight was chosen, for the address),
 * weight: the name of the weight to show first. Returns {select(name), destroy()}.
 */
function render(root, card, opts) {
  opts = opts || {};
  const m = card.model || {};
  const weights = Array.isArray(card.weights) ? card.weights : [];
  const total = m.parameters || weights.reduce((a, w) => a + (w.parameters || 0), 0);
  const byName = new Map(weights.map((w) => [w.name, w]));
  const cleanups = [];
  const S = { metric: store.get("modelcard.metric", "norm"), ownScale: store.get("modelcard.ownScale", true), logCounts: false, selected: null };
  if (!METRICS.some((q) => q.key === S.metric)) S.metric = "norm";

  // parts: parameters per part, over the whole model and in layer 0
  const parts = new Map(PARTS.map((p) => [p.key, { total: 0, layer: 0 }]));
  const layerIds = [...new Set(weights.filter((w) => isNum(w.layer)).map((w) => w.layer))].sort((a, b) => a - b);
  const firstLayer = layerIds.length ? layerIds[0] : null;
  for (const w of weights) {
    const p = parts.get(partOf(w.kind));
    p.total += w.parameters || 0;
    if (w.layer === firstLayer && firstLayer !== null) p.layer += w.parameters || 0;
  }
  const counted = [...parts.values()].reduce((a, p) => a + p.total, 0);
  // what each part holds, in this model's terms
  const what = {
    embedding: "a vector for every token of the vocabulary" + (weights.some((w) => w.kind === "position_embedding") ? " and for every position" : ""),
    norms: "a scale" + (weights.some((w) => partOf(w.kind) === "norms" && /bias$/.test(w.name)) ? " and a shift" : "") + " per channel",
  };
  const whatOf = (p) => what[p.key] || p.what;

  // ------------------------------------------------------------ size class
  function sizePanel() {
    const cls = m.size_class || SIZE_CLASSES.find((c) => total <= c.upTo).key;
    const i = Math.max(0, SIZE_CLASSES.findIndex((c) => c.key === cls));
    // where the count sits on the scale: four equal segments, log-spaced within each (1e4 .. 1e6 .. 1e8 .. 1e9 .. 1e12)
    const edges = [4, 6, 8, 9, 12];
    const lg = Math.log10(Math.max(1, total));
    const within = Math.max(0, Math.min(1, (lg - edges[i]) / (edges[i + 1] - edges[i])));
    const pos = ((i + within) / 4) * 100;
    const marker = el("span", { class: "sc-marker", title: int(total) + " parameters" });
    marker.style.left = pos.toFixed(2) + "%";
    const scale = el("div", { class: "sc-scale", role: "img", "aria-label": "Size classes: " + cls + " of small, medium, large, very large" }, [
      SIZE_CLASSES.map((c, k) => el("span", { class: ["sc-seg", k === i ? "on" : ""], text: c.key })),
      marker,
    ]);
    const ticks = el("div", { class: "sc-ticks", "aria-hidden": "true" }, ["", "1M", "100M", "1B", ""].map((t, k) => {
      const s = el("span", { text: t });
      s.style.left = (k * 25) + "%";
      return s;
    }));
    const list = el("dl", { class: "sc-list" }, SIZE_CLASSES.map((c, k) => el("div", { class: ["sc-item", k === i ? "on" : ""], "aria-current": k === i ? "true" : null, dataset: { class: c.key } }, [
      el("dt", {}, [el("b", { text: c.key }), el("span", { class: "muted", text: " · " + c.range })]),
      el("dd", { text: c.text }),
    ])));
    return panel("size-panel", "Size class",
      "parameters are the numbers a model learned. Their count says roughly how much it can store, how much memory it needs and how fast it runs. Glassbox sorts models into four classes by that count.",
      el("div", { class: "sc-body" }, [
        el("div", { class: "sc-head", id: "size-class", dataset: { class: cls } }, [
          el("span", { class: "sc-badge", text: cls }),
          el("span", { class: "sc-count" }, [el("b", { text: compact(total) }), " parameters"]),
          el("span", { class: "muted sc-exact", text: int(total) }),
        ]),
        el("div", { class: "sc-scale-wrap" }, [scale, ticks]),
        list,
      ]));
  }

  // ------------------------------------------------------------ where the parameters are
  function splitPanel() {
    const shown = PARTS.filter((p) => parts.get(p.key).total > 0);
    const bar = el("div", { class: "ps-bar", role: "img", "aria-label": shown.map((p) => p.label + " " + pctText(pct(parts.get(p.key).total, counted))).join(", ") },
      shown.map((p) => {
        const seg = el("span", { class: "ps-seg", dataset: { part: p.key } });
        seg.style.width = pct(parts.get(p.key).total, counted) + "%";
        seg.style.background = partColor(p.key);
        return seg;
      }));
    tooltip.attach(bar, (e) => {
      const seg = e.target.closest(".ps-seg");
      if (!seg) return null;
      const p = PARTS.find((q) => q.key === seg.dataset.part), n = parts.get(p.key).total;
      return tooltip.content(p.label, [["parameters", int(n)], ["share", pctText(pct(n, counted))]], [whatOf(p)]);
    });
    const tied = findTied(card.components);
    const rows = shown.map((p) => {
      const n = parts.get(p.key);
      const sw = el("span", { class: "ps-swatch" });
      sw.style.background = partColor(p.key);
      return el("tr", { dataset: { part: p.key } }, [
        el("th", { scope: "row" }, [sw, p.label]),
        el("td", { class: "num", title: int(n.total) }, compact(n.total)),
        el("td", { class: "num" }, pctText(pct(n.total, counted))),
        el("td", { class: "num muted", title: "in each layer" }, n.layer ? compact(n.layer) : ""),
        el("td", { class: "ps-what muted", text: whatOf(p) }),
      ]);
    });
    if (tied && !parts.get("unembedding").total) {
      const sw = el("span", { class: "ps-swatch hollow" });
      sw.style.borderColor = partColor("unembedding");
      rows.push(el("tr", { dataset: { part: "unembedding" } }, [el("th", { scope: "row" }, [sw, "Unembedding"]), el("td", { class: "num", text: "0" }), el("td", { class: "num", text: "–" }), el("td", {}),
        el("td", { class: "ps-what muted", text: "tied: it reuses the embedding's matrix, so it adds no parameters" })]));
    }
    return panel("split-panel", "Where the parameters are",
      "the bar splits every learned number by the part of the model that holds it. Attention moves information between positions, the MLP transforms each position on its own, and norms only rescale, so they hold few numbers.",
      el("div", { class: "ps-body", id: "param-split" }, [bar,
        el("table", { class: "mc-table ps-table" }, [
          el("thead", {}, el("tr", {}, [el("th", { scope: "col", text: "Part" }), el("th", { class: "num", scope: "col", text: "Parameters" }), el("th", { class: "num", scope: "col", text: "Share" }),
            el("th", { class: "num", scope: "col", text: firstLayer !== null ? "Per layer" : "" }), el("th", { scope: "col", text: "What it is" })])),
          el("tbody", {}, rows)])]));
  }

  function findTied(node) {
    if (!node) return null;
    if (node.tied) return node;
    for (const c of node.children || []) { const t = findTied(c); if (t) return t; }
    return null;
  }

  // ------------------------------------------------------------ architecture: a diagram and a tree
  const gpt2 = /^gpt/i.test(String(m.architecture || ""));
  function archPanel() {
    const kinds = new Map(); // outside the layers: the first tensor of each kind, and what all of that kind hold
    const kindParams = new Map();
    for (const w of weights) if (!isNum(w.layer)) {
      if (!kinds.has(w.kind)) kinds.set(w.kind, w);
      kindParams.set(w.kind, (kindParams.get(w.kind) || 0) + (w.parameters || 0));
    }
    const box = (part, title, detail, count, note) => {
      const b = el("div", { class: ["af-box", part ? "part" : "io"], dataset: { part: part || "" } }, [
        el("div", { class: "af-title" }, [el("b", { text: title }), count !== null && count !== undefined ? el("span", { class: "af-count", title: int(count) + " parameters", text: compact(count) }) : null]),
        detail ? el("div", { class: "af-detail", text: detail }) : null,
        note ? el("div", { class: "af-note", text: note }) : null,
      ]);
      if (part) b.style.setProperty("--c", partColor(part));
      return b;
    };
    const arrow = () => el("div", { class: "af-arrow", "aria-hidden": "true" });
    const tok = kinds.get("embedding"), posE = kinds.get("position_embedding"), unemb = kinds.get("unembedding"), fnorm = kinds.get("final_norm");
    const tied = findTied(card.components);
    const nL = m.layers || layerIds.length;
    const hasGate = weights.some((w) => w.kind === "mlp_gate");
    const per = (k) => parts.get(k).layer;
    const embDetail = [tok ? "tokens " + shapeText(tok.shape) : null, posE ? "positions " + shapeText(posE.shape) : null].filter(Boolean).join(" + ");
    const diagram = el("div", { class: "af-flow", id: "arch-diagram" }, [
      box(null, "Tokens", "ids from a vocabulary of " + int(m.vocab)),
      arrow(),
      box("embedding", "Embedding", embDetail || (int(m.vocab) + " × " + int(m.dim)), parts.get("embedding").total),
      arrow(),
      el("div", { class: "af-stack" }, [
        el("div", { class: "af-stack-label" }, [el("b", { text: "× " + int(nL) }), " layers, one after another"]),
        box("attention", "Attention", int(m.heads) + " heads" + (m.kv_heads && m.kv_heads !== m.heads ? " sharing " + int(m.kv_heads) + " key/value heads" : "") +
          ", " + int(m.dim && m.heads ? m.dim / m.heads : 0) + " wide each", per("attention"), "per layer"),
        arrow(),
        box("mlp", "MLP", int(m.dim) + " → " + int(m.mlp_width) + (hasGate ? " (gated)" : "") + " → " + int(m.dim), per("mlp"), "per layer"),
        el("div", { class: "af-stack-note", text: "Each block starts with a norm (" + compact(per("norms")) + " parameters per layer) and adds its output back onto the vector it read: the residual stream." }),
      ]),
      arrow(),
      box("norms", "Final norm", fnorm ? "a scale" + (kindParams.get("final_norm") > fnorm.parameters ? " and a shift" : "") + " per channel, " + int(fnorm.parameters) + " channels" : "", fnorm ? kindParams.get("final_norm") : null),
      arrow(),
      box("unembedding", "Unembedding", unemb ? shapeText(unemb.shape) : tied ? "tied: reuses the embedding's matrix" : "", unemb ? kindParams.get("unembedding") : tied ? 0 : null),
      arrow(),
      box(null, "Next-token scores", "one logit per token of the vocabulary"),
    ]);

    const tree = el("div", { class: "mt-tree", id: "arch-tree", role: "group", "aria-label": "Components and their parameters" });
    const rootNode = card.components;
    function node(c, depth, path) {
      const share = el("span", { class: "mt-share", "aria-hidden": "true" }, el("span", { class: "mt-share-fill" }));
      share.firstChild.style.width = Math.max(c.parameters > 0 ? 0.5 : 0, pct(c.parameters, total)).toFixed(2) + "%";
      const line = [
        el("span", { class: "mt-name", text: c.name }),
        c.shape ? el("code", { class: "mt-shape", title: "shape as stored: " + (gpt2 ? "[in, out]" : "[out, in]") + " for a matrix", text: shapeText(c.shape) }) : null,
        c.tied ? el("span", { class: "mt-tied", text: "tied to the embedding" }) : null,
        el("span", { class: "spacer" }),
        el("span", { class: "mt-count", title: int(c.parameters) + " parameters (" + pctText(pct(c.parameters, total)) + ")", text: compact(c.parameters) }),
        share,
      ];
      const kids = c.children || [];
      if (!kids.length) return el("div", { class: "mt-row mt-leaf", dataset: { path } }, line);
      const open = depth === 0 || (depth === 1 && c.name === "layers");
      return el("details", { class: "mt-node", open, dataset: { path, depth: String(depth) } }, [
        el("summary", { class: "mt-row" }, line),
        el("div", { class: "mt-kids" }, kids.map((k) => node(k, depth + 1, path + "/" + k.name))),
      ]);
    }
    if (rootNode) tree.appendChild(node(rootNode, 0, rootNode.name));
    // the first layer open (and its parts), to show what each layer holds
    const firstLayerNode = tree.querySelector('details[data-depth="1"][open] > .mt-kids > details');
    if (firstLayerNode) {
      firstLayerNode.open = true;
      for (const d of firstLayerNode.querySelectorAll(":scope > .mt-kids > details")) d.open = true;
    }
    const setAll = (open) => { for (const d of tree.querySelectorAll("details")) d.open = open || d.dataset.depth === "0"; };
    const tools = el("span", { class: "mt-tools" }, [
      el("button", { type: "button", class: "btn small ghost", id: "tree-expand", text: "Expand all", onclick: () => setAll(true) }),
      el("button", { type: "button", class: "btn small ghost", id: "tree-collapse", text: "Collapse all", onclick: () => setAll(false) }),
    ]);
    return panel("arch-panel", "Architecture",
      "text flows from top to bottom. Each token becomes a vector (the embedding), passes through the same kind of layer again and again (attention, then an MLP), and the last vector becomes a score for every token of the vocabulary. The tree on the right counts the parameters of every part; open a layer to see its matrices and their shapes as the file stores them" +
        (gpt2 ? " (GPT-2: inputs × outputs)." : " (outputs × inputs)."),
      el("div", { class: "arch-body" }, [diagram, el("div", { class: "mt-wrap" }, [tree])]), tools);
  }

  // ------------------------------------------------------------ weight types and bytes
  function typesPanel() {
    const types = (card.types || []).slice().sort((a, b) => b.bytes - a.bytes);
    const allBytes = types.reduce((a, t) => a + t.bytes, 0);
    const allParams = types.reduce((a, t) => a + t.parameters, 0);
    const colours = new Map(types.map((t, k) => [t.type, color([5, 6, 7, 10, 11, 12][k % 6])]));
    const bar = el("div", { class: "ps-bar types-bar", role: "img", "aria-label": "bytes by type: " + types.map((t) => t.type + " " + pctText(pct(t.bytes, allBytes))).join(", ") },
      types.map((t) => {
        const seg = el("span", { class: "ps-seg", dataset: { type: t.type } });
        seg.style.width = pct(t.bytes, allBytes) + "%";
        seg.style.background = colours.get(t.type);
        return seg;
      }));
    tooltip.attach(bar, (e) => {
      const seg = e.target.closest(".ps-seg");
      const t = seg && types.find((q) => q.type === seg.dataset.type);
      return t ? tooltip.content(t.type, [["bytes", bytes(t.bytes)], ["share of the bytes", pctText(pct(t.bytes, allBytes))], ["parameters", compact(t.parameters)]], [TYPE_INFO[t.type] || ""]) : null;
    });
    const rows = types.map((t) => {
      const sw = el("span", { class: "ps-swatch" });
      sw.style.background = colours.get(t.type);
      const bits = t.parameters > 0 ? (8 * t.bytes) / t.parameters : null;
      return el("tr", { dataset: { type: t.type } }, [
        el("th", { scope: "row" }, [sw, el("code", { text: t.type })]),
        el("td", { class: "muted", text: TYPE_INFO[t.type] || (isQuantised(t.type) ? "a quantised type" : "") }),
        el("td", { class: "num", title: int(t.parameters) }, compact(t.parameters)),
        el("td", { class: "num", title: int(t.bytes) + " bytes" }, bytes(t.bytes)),
        el("td", { class: "num" }, bits !== null ? num(bits, 3) : "–"),
        el("td", { class: "num" }, pctText(pct(t.bytes, allBytes))),
      ]);
    });
    const f32 = allParams * 4;
    const facts = el("p", { class: "types-facts" }, [
      "Weights: ", el("b", { text: bytes(allBytes) }),
      card.file_bytes ? [" · the file on disk: ", el("b", { text: bytes(card.file_bytes), title: int(card.file_bytes) + " bytes" })] : null,
      allBytes && Math.abs(f32 - allBytes) / f32 > 0.02 ? [" · as 32-bit floats they would take ", el("b", { text: bytes(f32) }), " (" + num(f32 / allBytes, 2) + " times as much)"] : null,
    ]);
    return panel("types-panel", "Weight types and bytes",
      "a type is how the numbers are stored. F32 spends 32 bits on every number; quantised types such as Q4_1 store blocks of 32 numbers as small integer codes plus a scale, so the file is several times smaller at a small cost in precision. The model turns them back into floats (dequantises) when it computes.",
      el("div", { class: "types-body" }, [facts, bar,
        el("table", { class: "mc-table types-table", id: "types-table" }, [
          el("thead", {}, el("tr", {}, [el("th", { scope: "col", text: "Type" }), el("th", { scope: "col", text: "How it stores numbers" }), el("th", { class: "num", scope: "col", text: "Parameters" }),
            el("th", { class: "num", scope: "col", text: "Bytes" }), el("th", { class: "num", scope: "col", text: "Bits per weight" }), el("th", { class: "num", scope: "col", text: "Share" })])),
          el("tbody", {}, rows)])]));
  }

  // ------------------------------------------------------------ per-layer weight statistics
  // columns: the kinds within a layer; a kind with several tensors per layer (GPT-2's weight and bias) gets one
  // column per tensor, named by the end of its name
  const inLayers = weights.filter((w) => isNum(w.layer));
  const tail = (name) => String(name).split(".").pop();
  const multi = new Set();
  { const seen = new Map(); for (const w of inLayers) { const k = w.layer + "|" + w.kind; seen.set(k, (seen.get(k) || 0) + 1); if (seen.get(k) > 1) multi.add(w.kind); } }
  const colKey = (w) => (multi.has(w.kind) ? w.kind + "." + tail(w.name) : w.kind);
  const cols = [...new Set(inLayers.map(colKey))].sort((a, b) => {
    const ka = KIND_ORDER.indexOf(a.split(".")[0]), kb = KIND_ORDER.indexOf(b.split(".")[0]);
    if (ka !== kb) return (ka < 0 ? 99 : ka) - (kb < 0 ? 99 : kb);
    return a.localeCompare(b) * (a.endsWith("bias") || b.endsWith("bias") ? -1 : 1); // weight before bias
  });
  const cell = new Map(); // "layer|col" -> weight
  for (const w of inLayers) cell.set(w.layer + "|" + colKey(w), w);
  const colLabel = (c) => { const [k, t] = c.split("."); return kindLabel(k) + (t && t !== "weight" ? " " + t : ""); };
  const outside = weights.filter((w) => !isNum(w.layer));

  const outsideKinds = new Map();
  for (const w of outside) outsideKinds.set(w.kind, (outsideKinds.get(w.kind) || 0) + 1);
  const chipLabel = (w) => (KIND_LABEL[w.kind] ? KIND_LABEL[w.kind] + (outsideKinds.get(w.kind) > 1 ? " " + tail(w.name) : "") : w.label);

  let grid, legend, detail, histFig = null, histWrap, histObserver = null, weightsTable;
  const metric = () => METRICS.find((q) => q.key === S.metric) || METRICS[0];

  function weightsPanel() {
    const metricSelect = el("select", { id: "weight-metric", class: "select", "aria-label": "Statistic" }, METRICS.map((q) => el("option", { value: q.key, text: q.label })));
    metricSelect.value = S.metric;
    metricSelect.addEventListener("change", () => { S.metric = metricSelect.value; store.set("modelcard.metric", S.metric); paintGrid(); });
    const own = el("input", { type: "checkbox", id: "weight-own-scale", checked: S.ownScale });
    own.addEventListener("change", () => { S.ownScale = own.checked; store.set("modelcard.ownScale", S.ownScale); paintGrid(); });

    grid = el("table", { class: "wg-grid", id: "weight-grid", role: "grid", "aria-label": "Weight statistics, a row per layer and a column per kind of matrix" }, [
      el("thead", {}, el("tr", {}, [el("th", { scope: "col", class: "wg-corner", text: "layer" }),
        cols.map((c) => el("th", { scope: "col", title: KIND_TITLE[c.split(".")[0]] || colLabel(c), dataset: { col: c } }, colLabel(c)))])),
      el("tbody", {}, layerIds.map((l) => el("tr", {}, [el("th", { scope: "row", text: String(l) }),
        cols.map((c) => {
          const w = cell.get(l + "|" + c);
          return w ? el("td", { class: "wg-cell", role: "gridcell", tabindex: "-1", dataset: { name: w.name, layer: String(l), col: c }, "aria-label": w.label })
            : el("td", { class: "wg-cell empty", role: "gridcell", "aria-label": "none" });
        })]))),
    ]);
    grid.addEventListener("click", (e) => { const td = e.target.closest("td.wg-cell[data-name]"); if (td) select(td.dataset.name, true); });
    grid.addEventListener("keydown", onGridKey);
    tooltip.attach(grid, (e) => {
      const td = e.target.closest("td.wg-cell[data-name]");
      const w = td && byName.get(td.dataset.name);
      if (!w) return null;
      const q = metric();
      return tooltip.content(w.label, [[q.label, stat(q.of(w))], ["shape", shapeText(w.shape)], ["type", w.type]], [w.name + " · click for its histogram"]);
    });
    legend = el("div", { class: "wg-legend", id: "weight-legend" });
    const outsideRow = outside.length ? el("div", { class: "wg-outside" }, [el("span", { class: "field-label", text: "Outside the layers" }),
      outside.map((w) => el("button", { type: "button", class: "wg-chip", dataset: { name: w.name }, title: w.name, onclick: () => select(w.name, true) }, [
        el("span", { class: "ps-swatch" }), chipLabel(w)]))]) : null;
    if (outsideRow) for (const b of outsideRow.querySelectorAll(".wg-chip")) b.firstChild.style.background = partColor(partOf(byName.get(b.dataset.name).kind));

    detail = el("div", { class: "wd", id: "weight-detail", "aria-live": "polite" });
    histWrap = el("div", { class: "wd-hist" });
    histObserver = new ResizeObserver(() => { if (histFig) histFig.requestDraw(); });
    histObserver.observe(histWrap);
    cleanups.push(() => histObserver.disconnect());

    const controls = el("div", { class: "toolbar wg-controls" }, [
      el("label", { class: "control" }, [el("span", { class: "control-label", text: "Colour by" }), metricSelect]),
      el("label", { class: "control check", title: "Each column coloured between its own smallest and largest value: layers compare within a kind" }, [own, el("span", { text: "Each column on its own scale" })]),
    ]);
    const body = el("div", { class: "wg-body" }, [
      el("div", { class: "wg-left" }, [controls, layerIds.length ? el("div", { class: "wg-scroll" }, grid) : el("p", { class: "muted", text: "This model has no per-layer weights." }), legend, outsideRow]),
      detail,
    ]);
    paintGrid();
    return panel("weights-panel", "Weights, layer by layer",
      "each cell is one weight matrix: a row per layer, a column per kind. The darker the cell, the larger the chosen statistic, compared within its column, so a layer that stands out is easy to spot. Click a cell (or move with the arrow keys and press Enter) to see how its numbers are spread.",
      body);
  }

  function paintGrid() {
    const q = metric();
    const scale = colorScale(q.signed ? "diverging" : "sequential");
    const values = new Map();
    const ranges = new Map();
    let glo = Infinity, ghi = -Infinity, gabs = 0;
    for (const [key, w] of cell) {
      const v = q.of(w);
      if (!isNum(v)) continue;
      values.set(key, v);
      const c = key.slice(key.indexOf("|") + 1);
      const r = ranges.get(c) || { lo: Infinity, hi: -Infinity, abs: 0 };
      r.lo = Math.min(r.lo, v); r.hi = Math.max(r.hi, v); r.abs = Math.max(r.abs, Math.abs(v));
      ranges.set(c, r);
      glo = Math.min(glo, v); ghi = Math.max(ghi, v); gabs = Math.max(gabs, Math.abs(v));
    }
    const t = (v, c) => {
      const r = S.ownScale ? ranges.get(c) : { lo: glo, hi: ghi, abs: gabs };
      if (q.signed) return r.abs > 0 ? v / r.abs : 0;
      return r.hi > r.lo ? 0.1 + (0.9 * (v - r.lo)) / (r.hi - r.lo) : 0.55;
    };
    for (const td of grid.querySelectorAll("td.wg-cell[data-name]")) {
      const key = td.dataset.layer + "|" + td.dataset.col;
      const v = values.get(key);
      if (!isNum(v)) { td.textContent = "–"; td.style.background = ""; continue; }
      const x = t(v, td.dataset.col);
      td.style.background = scale.css(x);
      td.style.color = scale.ink(x);
      td.textContent = num(v, 3);
      td.dataset.value = String(v);
    }
    clear(legend);
    const bar = el("span", { class: "heat-bar" });
    bar.style.backgroundImage = scale.gradient();
    append(legend, [el("span", { text: q.signed ? "negative" : "low" }), bar, el("span", { text: q.signed ? "positive" : "high" }),
      el("span", { class: "muted", text: (S.ownScale ? "each column on its own scale" : "one scale: " + num(glo, 3) + " … " + num(ghi, 3)) + " · " + q.label + ": " + q.help })]);
    grid.dataset.metric = q.key;
  }

  function onGridKey(e) {
    const td = e.target.closest("td.wg-cell");
    if (!td) return;
    const tr = td.parentNode;
    const rows = [...grid.tBodies[0].rows];
    let r = rows.indexOf(tr), c = [...tr.cells].indexOf(td);
    const move = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Home: [0, -99], End: [0, 99] }[e.key];
    if (move) {
      e.preventDefault();
      r = Math.max(0, Math.min(rows.length - 1, r + move[0]));
      c = Math.max(1, Math.min(rows[r].cells.length - 1, c + move[1]));
      const next = rows[r].cells[c];
      if (next && next.dataset.name) { for (const x of grid.querySelectorAll("td[tabindex='0']")) x.tabIndex = -1; next.tabIndex = 0; next.focus(); }
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (td.dataset.name) select(td.dataset.name, true);
    }
  }

  /** Shows one weight: its facts and histogram; marks its cell, chip and table row. */
  function select(name, fromUser) {
    const w = byName.get(name);
    if (!w) return;
    S.selected = name;
    for (const n of root.querySelectorAll(".wg-cell.sel, .wg-chip.sel, #weights-table tr.sel")) n.classList.remove("sel");
    const td = grid && grid.querySelector('td.wg-cell[data-name="' + CSS.escape(name) + '"]');
    if (td) {
      td.classList.add("sel");
      for (const x of grid.querySelectorAll("td[tabindex='0']")) x.tabIndex = -1;
      td.tabIndex = 0;
    }
    const chip = root.querySelector('.wg-chip[data-name="' + CSS.escape(name) + '"]');
    if (chip) chip.classList.add("sel");
    const row = weightsTable && weightsTable.querySelector('tr[data-name="' + CSS.escape(name) + '"]');
    if (row) row.classList.add("sel");
    renderDetail(w);
    if (fromUser && opts.onSelect) opts.onSelect(name);
  }

  function renderDetail(w) {
    clear(detail);
    detail.dataset.name = w.name;
    const quant = isQuantised(w.type);
    const fact = (label, value, title) => el("div", { class: "wd-fact" }, [el("dt", { text: label }), el("dd", { title: title || null }, value)]);
    if (histFig) { histFig.destroy(); histFig = null; }
    histFig = histogramFigure(w);
    clear(histWrap).appendChild(histFig.root);
    const logBox = el("input", { type: "checkbox", id: "hist-log", checked: S.logCounts, onchange: () => { S.logCounts = logBox.checked; histFig.requestDraw(); } });
    append(detail, [
      el("div", { class: "wd-head" }, [
        el("div", { class: "wd-title" }, [el("h3", { text: w.label }), el("code", { class: "wd-name", text: w.name })]),
        el("span", { class: "spacer" }),
        histFig.menu(),
      ]),
      el("p", { class: "wd-kind muted", text: KIND_TITLE[w.kind] || "" }),
      histWrap,
      el("div", { class: "wd-under" }, [
        el("label", { class: "control check" }, [logBox, el("span", { text: "Log count axis" })]),
        el("span", { class: "spacer" }),
        el("span", { class: "wd-key" }, [el("span", { class: "wd-key-mean" }), "mean", el("span", { class: "wd-key-zero" }), "zero"]),
      ]),
      quant ? el("p", { class: "wd-note", id: "weight-dequant" }, [el("b", { text: "After dequantisation: " }),
        "these are the values the model computes with, rebuilt from the " + w.type + " codes, not the stored codes themselves."]) : null,
      el("dl", { class: "wd-facts" }, [
        fact("shape", shapeText(w.shape), w.shape && w.shape.length === 2 ? (gpt2 ? "[in, out]: " + int(w.shape[1]) + " outputs, each reading " + int(w.shape[0]) + " inputs (GPT-2 stores its matrices transposed)"
          : "[out, in]: " + int(w.shape[0]) + " outputs, each reading " + int(w.shape[1]) + " inputs") : null),
        fact("type", w.type, TYPE_INFO[w.type] || null),
        fact("parameters", int(w.parameters)),
        fact("bytes", bytes(w.bytes), int(w.bytes) + " bytes"),
        fact("norm", stat(w.norm), "Frobenius norm: √(sum of squares)"),
        fact("mean", stat(w.mean)),
        fact("std", stat(w.std), "standard deviation"),
        fact("min", stat(w.min)),
        fact("max", stat(w.max)),
      ]),
      el("p", { class: "v-read wd-read" }, [el("b", { text: "How to read it: " }),
        "how many of the matrix's numbers fall in each range" + (quant ? " (after dequantisation)" : "") + ". Trained matrices mostly cluster around zero in a bell shape; norm scales often sit nearer one. Long tails and lone spikes are worth a look."]),
    ]);
    histFig.draw();
  }

  function histogramFigure(w) {
    const h = w.histogram || { lo: w.min, hi: w.max, counts: [] };
    const counts = h.counts || [];
    const n = counts.length;
    const totalCount = counts.reduce((a, c) => a + c, 0);
    const color = partColor(partOf(w.kind));
    let L = null;
    const fig = new Figure({
      title: "Histogram of " + w.label, name: "histogram", id: "weight-hist", className: "wd-canvas",
      fileName: "histogram-" + w.name,
      size: () => [Math.max(260, Math.floor(histWrap.clientWidth || 420)), 210],
      paint(p, W, H) {
        const c = chartTheme();
        p.rect(0, 0, W, H, c.bg);
        const lo = h.lo, hi = h.hi > h.lo ? h.hi : h.lo + 1e-6;
        const maxC = Math.max(1, ...counts);
        const yv = (k) => (S.logCounts ? Math.log10(1 + k) : k);
        let yt;
        if (S.logCounts) { yt = [0]; for (let v = 1; v <= maxC; v *= 10) yt.push(v); } else yt = linearTicks(0, maxC, 4).filter((t) => Number.isInteger(t));
        const yl = yt.map((t) => compact(t));
        const left = Math.ceil(Math.max(24, ...yl.map((s) => measureText(s)))) + 10;
        const plot = { x: left, y: 14, w: W - left - 12, h: H - 14 - 26 };
        const X = (v) => plot.x + ((v - lo) / (hi - lo)) * plot.w;
        const Y = (k) => plot.y + plot.h - (yv(k) / yv(maxC)) * plot.h;
        L = { plot, X, lo, hi, bw: (hi - lo) / Math.max(1, n) };
        yt.forEach((t, k) => {
          const y = Math.round(Y(t)) + 0.5;
          p.line([[plot.x, y], [plot.x + plot.w, y]], { color: c.grid, width: 1 });
          p.text(yl[k], plot.x - 6, y, { color: c.axis, align: "right", baseline: "middle" });
        });
        for (let i = 0; i < n; i++) {
          if (!counts[i]) continue;
          const x0 = X(lo + i * L.bw), x1 = X(lo + (i + 1) * L.bw);
          const y = Y(counts[i]);
          p.rect(x0 + 0.5, y, Math.max(1, x1 - x0 - 1), plot.y + plot.h - y, color, fig.hover === i ? 1 : 0.78);
        }
        if (n && !(h.hi > h.lo)) p.text("every value is " + num(h.lo, 4), plot.x + plot.w / 2, plot.y + 10, { color: c.muted, align: "center", baseline: "top" });
        const xt = linearTicks(lo, hi, Math.max(2, Math.round(plot.w / 90)));
        const step = xt.length > 1 ? xt[1] - xt[0] : 1;
        for (const t of xt) {
          const x = Math.round(X(t)) + 0.5;
          if (x < plot.x - 1 || x > plot.x + plot.w + 1) continue;
          p.line([[x, plot.y + plot.h], [x, plot.y + plot.h + 4]], { color: c.axis, width: 1 });
          const label = t === 0 ? "0" : Math.abs(t) < 1e-3 || Math.abs(t) >= 1e5 ? num(t, 2) : t.toFixed(Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))));
          p.text(label, x, plot.y + plot.h + 7, { color: c.axis, align: "center", baseline: "top" });
        }
        p.line([[plot.x, plot.y + plot.h + 0.5], [plot.x + plot.w, plot.y + plot.h + 0.5]], { color: c.axis, width: 1, alpha: 0.6 });
        if (lo < 0 && h.hi > 0) { const x = Math.round(X(0)) + 0.5; p.line([[x, plot.y - 4], [x, plot.y + plot.h]], { color: c.axis, width: 1, dash: [3, 3], alpha: 0.8 }); }
        if (isNum(w.mean) && w.mean >= lo && w.mean <= hi) {
          const x = Math.round(X(w.mean)) + 0.5;
          p.line([[x, plot.y - 4], [x, plot.y + plot.h]], { color: c.ink, width: 1.5 });
        }
        if (!n) p.text("no histogram", plot.x + plot.w / 2, plot.y + plot.h / 2, { color: c.muted, align: "center", baseline: "middle" });
      },
      hover(x, y) {
        if (!L || x < L.plot.x || x > L.plot.x + L.plot.w || y < L.plot.y - 6 || y > L.plot.y + L.plot.h + 4) return null;
        const i = Math.floor(((x - L.plot.x) / L.plot.w) * n);
        return i >= 0 && i < n ? i : null;
      },
      tip(x, y) {
        const i = this.hover(x, y);
        if (i === null) return null;
        const a = L.lo + i * L.bw, b = a + L.bw;
        return tooltip.content(num(a, 3) + " … " + num(b, 3), [["weights", int(counts[i])], ["share", pctText(pct(counts[i], totalCount))]]);
      },
      csv: () => [["from", "to", "count"]].concat(counts.map((k, i) => [h.lo + (i * (h.hi - h.lo)) / n, h.lo + ((i + 1) * (h.hi - h.lo)) / n, k])),
      json: () => w,
    });
    fig.root.dataset.bins = String(n);
    return fig;
  }

  // ------------------------------------------------------------ every weight, as a table
  function tablePanel() {
    const filter = el("input", { type: "search", class: "input", id: "weights-filter", placeholder: "Filter: a name, a kind, a layer…", "aria-label": "Filter the weights" });
    let sortKey = "index", sortDir = 1;
    const columns = [
      ["label", "Weight", (w) => w.label], ["name", "File name", (w) => w.name], ["shape", "Shape", (w) => w.parameters], ["type", "Type", (w) => w.type],
      ["parameters", "Parameters", (w) => w.parameters, true], ["bytes", "Bytes", (w) => w.bytes, true], ["norm", "Norm", (w) => w.norm, true],
      ["std", "Std", (w) => w.std, true], ["min", "Min", (w) => w.min, true], ["max", "Max", (w) => w.max, true],
    ];
    const head = el("tr", {}, columns.map(([key, label, , num]) => el("th", { scope: "col", class: num ? "num" : "", "aria-sort": "none", dataset: { key } },
      el("button", { type: "button", class: "sort", text: label, onclick: () => { if (sortKey === key) sortDir = -sortDir; else { sortKey = key; sortDir = num ? -1 : 1; } fill(); } }))));
    const body = el("tbody");
    weightsTable = el("table", { class: "mc-table weights-table", id: "weights-table" }, [el("thead", {}, head), body]);
    const index = new Map(weights.map((w, i) => [w.name, i]));
    function fill() {
      const q = filter.value.trim().toLowerCase();
      const col = columns.find((c) => c[0] === sortKey);
      const list = weights.filter((w) => !q || (w.label + " " + w.name + " " + w.kind + " " + w.type).toLowerCase().includes(q));
      list.sort((a, b) => {
        if (!col) return index.get(a.name) - index.get(b.name);
        const x = col[2](a), y = col[2](b);
        return (typeof x === "number" ? x - y : String(x).localeCompare(String(y))) * sortDir || index.get(a.name) - index.get(b.name);
      });
      for (const th of head.children) th.setAttribute("aria-sort", th.dataset.key === sortKey ? (sortDir > 0 ? "ascending" : "descending") : "none");
      clear(body);
      const frag = document.createDocumentFragment();
      for (const w of list) {
        frag.appendChild(el("tr", { class: w.name === S.selected ? "sel" : "", dataset: { name: w.name } }, [
          el("td", {}, el("button", { type: "button", class: "v-link wt-pick", text: w.label, title: "Show its histogram" })),
          el("td", {}, el("code", { text: w.name })),
          el("td", { class: "mono", text: shapeText(w.shape) }),
          el("td", { class: "mono", text: w.type }),
          el("td", { class: "num", text: int(w.parameters) }),
          el("td", { class: "num", text: bytes(w.bytes) }),
          el("td", { class: "num", text: stat(w.norm) }),
          el("td", { class: "num", text: stat(w.std) }),
          el("td", { class: "num", text: stat(w.min) }),
          el("td", { class: "num", text: stat(w.max) }),
        ]));
      }
      body.appendChild(frag);
      if (!list.length) body.appendChild(el("tr", {}, el("td", { colspan: String(columns.length), class: "muted", text: "No weight matches “" + filter.value + "”." })));
      count.textContent = list.length === weights.length ? int(weights.length) + " tensors" : int(list.length) + " of " + int(weights.length);
    }
    const count = el("span", { class: "muted wt-count" });
    filter.addEventListener("input", debounce(fill, 120));
    body.addEventListener("click", (e) => {
      const tr = e.target.closest("tr[data-name]");
      if (!tr) return;
      select(tr.dataset.name, true);
      const wp = document.getElementById("weight-detail");
      if (wp && e.target.closest(".wt-pick")) wp.scrollIntoView({ block: "nearest", behavior: "smooth" });
    });
    fill();
    return panel("table-panel", "Every weight tensor",
      "one row per tensor as the file names it, with its shape, how it is stored and its statistics (after dequantisation for quantised types). Sort by a column's title; a row shows its histogram above.",
      el("div", {}, [el("div", { class: "toolbar wt-tools" }, [filter, count]), el("div", { class: "wt-scroll" }, weightsTable)]));
  }

  // ------------------------------------------------------------ put together
  const view = el("div", { class: "mc-view" }, [
    el("div", { class: "mc-row two" }, [sizePanel(), splitPanel()]),
    archPanel(),
    typesPanel(),
    weightsPanel(),
    tablePanel(),
  ]);
  root.appendChild(view);

  const first = (opts.weight && byName.has(opts.weight)) ? opts.weight
    : (cell.get(firstLayer + "|" + cols.find((c) => /attn_q|attn_qkv/.test(c))) || cell.get(firstLayer + "|" + cols[0]) || weights[0] || {}).name;
  if (first) select(first, false);

  const onTheme = () => { paintGrid(); if (histFig) histFig.requestDraw(); };
  document.addEventListener("gb-theme", onTheme);
  cleanups.push(() => document.removeEventListener("gb-theme", onTheme));

  return {
    select: (name) => select(name, false),
    destroy() { for (const f of cleanups) f(); if (histFig) histFig.destroy(); },
  };
}

export const modelCard = { render, SIZE_CLASSES, partOf };

// ---------------------------------------------------------------- the page

export function modelPage(app, id) {
  let stopped = false, view = null;
  const ctrl = new AbortController();
  const params = new URLSearchParams(location.search);
  const crumbs = el("nav", { class: "crumbs", "aria-label": "Breadcrumb" });
  const title = el("h1", { id: "model-title", text: id });
  const summary = el("div", { class: "summary ins-summary", id: "model-summary" });
  const picker = el("select", { id: "model-pick", class: "select", "aria-label": "Another model", disabled: true }, el("option", { value: id, text: id }));
  picker.addEventListener("change", () => { if (picker.value && picker.value !== id) location.href = "/models/" + enc(picker.value); });
  const inspectLink = el("a", { class: "btn primary", id: "model-inspect", href: "/inspect?model=" + enc(id), title: "Run this model on a prompt and look at what it computes" }, "Look inside");
  const dataBtn = el("button", { type: "button", class: "btn small ghost", id: "model-data", hidden: true }, [icon("download"), "Data"]);
  const status = el("div", { class: "ins-status", id: "model-status", role: "status", "aria-live": "polite" });
  const out = el("div", { class: "mc-out", id: "model-out" });
  const page = el("div", { class: "page model-page", id: "model-page", dataset: { state: "loading", model: id } }, [
    crumbs,
    el("div", { class: "page-head mc-head" }, [
      el("div", { class: "ins-title" }, [el("div", { class: "mc-kicker", text: "Model card" }), title, summary]),
      el("div", { class: "mc-actions" }, [el("label", { class: "field mc-pick" }, [el("span", { class: "field-label", text: "Model" }), picker]), inspectLink, dataBtn]),
    ]),
    status, out,
  ]);
  clear(app).appendChild(page);

  function setCrumbs(entry) {
    clear(crumbs);
    const sep = () => el("span", { class: "crumb-sep", "aria-hidden": "true", text: "/" });
    if (entry && entry.kind === "checkpoint" && entry.run) {
      const runName = String(entry.name || "").replace(/ step \d+$/, "") || entry.run;
      append(crumbs, [el("a", { href: "/", text: "Runs" }), sep(), el("a", { href: "/runs/" + enc(entry.run), text: runName }), sep(),
        el("span", { text: "checkpoint at step " + int(entry.step) })]);
    } else {
      append(crumbs, [el("a", { href: "/inspect?model=" + enc(id), text: "Inspect" }), sep(), el("span", { text: "model card" })]);
    }
  }
  setCrumbs(null);

  async function loadModels() {
    let list;
    try { list = await fetchJSON("/api/models", { signal: ctrl.signal }); } catch (err) { return null; }
    list = Array.isArray(list) ? list : [];
    clear(picker);
    const groups = [];
    const group = (label) => { let g = groups.find((x) => x.label === label); if (!g) { g = { label, items: [] }; groups.push(g); } return g; };
    for (const m of list) {
      if (m.kind === "bundled") group("Bundled").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
      else if (m.kind === "given") group("Given to glassbox serve").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
      else group("Run " + (String(m.name).replace(/ step \d+$/, "") || m.run) + " · checkpoints").items.push([m.id, isNum(m.step) ? "step " + int(m.step) : m.name]);
    }
    for (const g of groups) picker.appendChild(el("optgroup", { label: g.label }, g.items.map(([v, t]) => el("option", { value: v, text: t }))));
    if (!list.some((m) => m.id === id)) picker.appendChild(el("option", { value: id, text: id }));
    picker.value = id;
    picker.disabled = false;
    return list.find((m) => m.id === id) || null;
  }

  function busy() {
    const clock = el("b", { class: "ins-clock" });
    const t0 = performance.now();
    const tick = () => { clock.textContent = ((performance.now() - t0) / 1000).toFixed(1) + " s"; };
    tick();
    const timer = setInterval(tick, 250);
    const node = el("div", { class: "ins-busy", id: "model-busy" }, [
      el("div", { class: "ins-busy-line" }, [el("span", { class: "ins-busy-text" }, [el("span", { class: "ins-busy-title", text: "Reading the weights" }), " ", clock])]),
      el("div", { class: "progress indeterminate", role: "progressbar", "aria-label": "Reading the weights" }, el("span", { class: "progress-fill" })),
      el("div", { class: "ins-busy-detail", text: "Every matrix is read once (and dequantised if it is quantised) for its statistics: a few seconds for a model of a hundred million parameters." }),
    ]);
    node.stop = () => clearInterval(timer);
    return node;
  }

  async function start() {
    const b = busy();
    status.appendChild(b);
    const [entry, card] = await Promise.all([
      loadModels(),
      fetchJSON("/api/models/" + enc(id) + "/card", { signal: ctrl.signal }).catch((err) => ({ error: err })),
    ]);
    b.stop();
    if (stopped) return;
    clear(status);
    setCrumbs(entry);
    if (card.error) {
      const err = card.error;
      if (err.name === "AbortError") return;
      page.dataset.state = "error";
      const box = errorBox(err, err.status === 404 ? "There is no model '" + id + "' here" : "Could not read this model's card");
      status.appendChild(box);
      ready();
      return;
    }
    const m = card.model || {};
    const name = entry ? (entry.kind === "checkpoint" ? entry.name : String(entry.name || m.name).replace(/\.gguf$/i, "")) : m.name || id;
    title.textContent = name;
    document.title = name + " · model card · Glassbox Studio";
    clear(summary);
    if (views && views.modelFacts) summary.appendChild(el("span", { class: "ins-facts" }, views.modelFacts(Object.assign({}, m, { name: null }))));
    else summary.textContent = [m.architecture, compact(m.parameters) + " parameters", m.layers + " layers"].join(" · ");
    dataBtn.hidden = false;
    dataBtn.onclick = () => downloadJSON(slug("model-card-" + name) + ".json", card);
    view = render(out, card, {
      id, weight: params.get("weight") || "",
      onSelect(w) {
        const q = new URLSearchParams(location.search);
        q.set("weight", w);
        history.replaceState(null, "", location.pathname + "?" + q.toString());
      },
    });
    page.dataset.state = "shown";
    requestAnimationFrame(() => requestAnimationFrame(() => ready()));
  }

  start().catch((err) => {
    if (stopped || (err && err.name === "AbortError")) return;
    page.dataset.state = "error";
    status.appendChild(errorBox(err));
    ready();
  });

  return () => {
    stopped = true;
    ctrl.abort();
    if (view) view.destroy();
  };
};
