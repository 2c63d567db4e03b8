/* Glassbox views of an inspect, patch or diff document (the JSON that `glassbox inspect --json`, `glassbox patch --json`
 * and `glassbox diff --json` print): panels that mount into any container. GB.inspectView.render(container, doc),
 * GB.patchView.render(container, doc) and GB.diffView.render(container, doc) draw them and return {destroy()}; the
 * self-contained HTML report boots them
 * from its embedded document (the end of this file), and a studio page can call them with the same document.
 * Panels are built at once (cheap) and drawn when they first come into view, so that a 512-token prompt with
 * 30 layers x 9 heads opens at once. Plain ES2020; needs core.js and charts.js. */
import { CanvasPainter, Figure, MONO_FAMILY, chartTheme, downloadMenu, linearTicks, measureText, redrawAll, savePicture } from "../lib/charts.js";
import { color, colorScale, cssVar } from "../lib/colors.js";
import { clear, el } from "../lib/dom.js";
import { downloadCSV, downloadJSON } from "../lib/download.js";
import { compact, fixed, int, isNum, num } from "../lib/format.js";
import { currentTheme, themeToggle } from "../lib/theme.js";
import { tooltip } from "../lib/tooltip.js";
import { bindMenus, icon, logo } from "../lib/ui.js";

const MONO = "12px " + MONO_FAMILY;
const v3 = (v) => num(v, 3);                       // values: 3 significant digits
const signed = (v) => (v > 0 ? "+" : "") + v3(v);

// ---------------------------------------------------------------- tokens as shown

/** Token text made visible: newlines and tabs as arrows, an empty or all-space token as a symbol. */
function shown(t) {
  const v = String(t).replace(/\n/g, "\u21b5").replace(/\t/g, "\u21e5");
  return v === "" ? "\u2205" : /^ +$/.test(v) ? v.replace(/ /g, "\u2423") : v;
}
/** Quoted token text; byte escapes (a part of a character) stay as they are. */
const quoted = (t) => (/^(\\x[0-9A-F]{2})+$/.test(t) ? t : JSON.stringify(shown(t)));
/** A prompt token's label: a part of a character (most Chinese characters take two or three byte-level tokens)
 * as its byte escapes (the document's `shown`), otherwise its text made visible. */
const label = (t) => shown(t.shown !== undefined && t.shown !== null ? t.shown : t.decoded);
/** "part of 北" for a token whose character spans several tokens. */
const partOf = (t) => (t.group_text !== undefined && t.group_text !== null && t.group_text !== t.decoded ? "part of " + JSON.stringify(t.group_text) : "");
const clip = (t, n) => (t.length > n ? t.slice(0, n - 1) + "\u2026" : t);

// ---------------------------------------------------------------- hook names, in words

// TransformerLens hook names (what the documents and the CLI print) and what they hold, for a reader who does not
// know the convention; the layer is a number or the placeholder {L} (then "each layer").
const HOOKS = [
  [/^hook_embed$/, () => "the token embeddings"],
  [/^blocks\.(\d+|\{L\})\.hook_resid_pre$/, (l) => "the residual stream entering " + l],
  [/^blocks\.(\d+|\{L\})\.hook_resid_mid$/, (l) => "the residual stream in " + l + ", after its attention"],
  [/^blocks\.(\d+|\{L\})\.hook_resid_post$/, (l) => "the residual stream leaving " + l],
  [/^blocks\.(\d+|\{L\})\.attn\.hook_z$/, (l) => "the head outputs of " + l + ", one vector per head before they are mixed"],
  [/^blocks\.(\d+|\{L\})\.attn\.hook_pattern$/, (l) => "the attention pattern of " + l],
  [/^blocks\.(\d+|\{L\})\.attn\.hook_(q|k|v)$/, (l, x) => "the " + { q: "queries", k: "keys", v: "values" }[x] + " of " + l],
  [/^blocks\.(\d+|\{L\})\.hook_attn_out$/, (l) => "the attention output of " + l],
  [/^blocks\.(\d+|\{L\})\.mlp\.hook_pre$/, (l) => "the MLP neurons' inputs in " + l],
  [/^blocks\.(\d+|\{L\})\.mlp\.hook_post$/, (l) => "the MLP neuron activations of " + l],
  [/^blocks\.(\d+|\{L\})\.hook_mlp_out$/, (l) => "the MLP output of " + l],
  [/^ln_final\.hook_normalized$/, () => "the final norm's output"],
];
/** "blocks.5.hook_resid_pre" -> "the residual stream entering layer 5"; null for a name we do not know. */
function hookName(hook) {
  for (const [re, say] of HOOKS) {
    const m = re.exec(String(hook));
    if (m) return say(m[1] === "{L}" ? "each layer" : "layer " + m[1], m[2]);
  }
  return null;
}
/** A hook name as code with its meaning beside it. */
function hookLabel(hook) {
  const words = hookName(hook);
  return el("span", { class: "v-hook" }, [el("code", { text: hook }), words ? " (" + words + ")" : null]);
}

// ---------------------------------------------------------------- the glossary

// The words the panels use, for a reader new to interpretability: one plain sentence or two each.
const GLOSSARY = [
  ["token", "Token", "A piece of text the model reads or writes: a word, part of a word, a space with a word (\u201c Paris\u201d), " +
    "or one byte of a character that takes several (shown as \\xE5). The model only ever sees the tokens' numbers (ids)."],
  ["logit", "Logit", "The raw score the model gives every possible next token. Higher means more likely; only the differences " +
    "between logits matter, and the softmax turns them into probabilities."],
  ["probability", "Probability", "How likely the model thinks a token is to come next: the softmax of the logits, between 0 and 1, " +
    "adding up to 1 over the whole vocabulary."],
  ["entropy", "Entropy", "How spread out a distribution is, in nats: 0 means certain of one token; larger means unsure among many."],
  ["kl", "KL divergence", "How different two next-token distributions are, in nats: KL(a \u2016 b) = \u03a3 p_a log(p_a / p_b) over the " +
    "vocabulary. 0 means the same; it grows when b gives little probability to tokens that a finds likely."],
  ["residual", "Residual stream", "The vector each position carries up through the model. Every layer reads it and adds its " +
    "output back to it (x = x + attention(x), then x = x + MLP(x)), so it accumulates what the layers found."],
  ["lens", "Logit lens", "The final norm and unembedding applied to the residual stream after an earlier layer, as if the model " +
    "stopped there: what it would predict at that depth."],
  ["head", "Attention head", "One of several attention units working side by side in a layer. For every position a head chooses " +
    "which earlier positions to read from and copies information from them into the residual stream."],
  ["pattern", "Attention pattern", "A head's weights: for each query position (a row), how much it reads from each key position (a " +
    "column). Each row adds up to 1, and a position can only look back, so the part above the diagonal is empty."],
  ["mlp", "MLP", "The feed-forward part of each layer. It works on each position on its own (no mixing between tokens) and writes " +
    "its output back into the residual stream."],
  ["neuron", "Neuron", "One hidden unit of an MLP. Its activation says how strongly it fires on a token; some neurons respond " +
    "to features a person can recognise."],
  ["dla", "Direct logit attribution", "How much one part's output (a layer's attention or MLP, or one head), read straight through the " +
    "final norm and unembedding, raises or lowers one token's logit. It leaves out effects that go through later layers."],
  ["ig", "Integrated gradients", "A way to say which input tokens drove a prediction: the input is moved from a baseline to the " +
    "real prompt in small steps and the gradients of the target logit along the way are added up, token by token."],
  ["baseline", "Baseline", "The \u201cnothing here\u201d input that integrated gradients starts from (by default each token's " +
    "embedding replaced by the mean embedding). The attributions explain the difference between the prompt and the baseline."],
  ["gap", "Completeness gap", "Integrated gradients should add up to exactly f(prompt) \u2212 f(baseline). The gap is how far their " +
    "sum is from that; over 5% means too few steps, and the colours are only rough."],
  ["patching", "Activation patching", "Run a corrupted prompt, but copy one activation over from the run on the clean prompt. If " +
    "the clean answer comes back, that activation carried the information that matters."],
  ["restored", "Restored fraction", "(patched \u2212 corrupted) / (clean \u2212 corrupted), of the answer's logit over the wrong " +
    "answer's: 1 means patching that one activation brings the clean answer fully back, 0 means no effect, below 0 makes it worse."],
  ["graph", "Contribution graph", "For every residual-stream state, how much of it comes from each part that adds up to it: the " +
    "state below it, each token its attention reads, its MLP (Meta's LLM Transparency Tool). Following the strong edges back from " +
    "a prediction shows the routes the information took."],
  ["checkpoint", "Checkpoint", "The model's weights saved at one step of training. Two checkpoints of one run are the same model " +
    "at two moments: comparing them on one prompt shows what training changed inside."],
  ["hook", "Hook name", "The name of a place inside the model where an activation can be read or replaced, as TransformerLens " +
    "names them: blocks.5.hook_resid_pre is the residual stream entering layer 5 (layers count from 0)."],
];
const TERMS = new Map(GLOSSARY.map(([key, name, text]) => [key, { name, text }]));

/** The glossary: a closed section at the end of the views, each term with an anchor the "?" buttons open (id: the
 * inspect and the patch view differ, as a studio page shows both). entries: [key, name, text] rows of a view's own
 * words (classic.js) in place of these; its "?" buttons then read them. */
function glossary(v, id, entries) {
  if (entries) v.terms = new Map(entries.map(([key, name, text]) => [key, { name, text }]));
  const list = el("dl", { class: "v-gloss" }, (entries || GLOSSARY).map(([key, name, text]) => [
    el("dt", { "data-term": key, tabindex: "-1", text: name }), el("dd", { text: text })]));
  const box = el("details", { class: "card v-panel v-glossary", id }, [
    el("summary", {}, [el("h2", { text: "Glossary" }), el("span", { class: "v-caption", text: "the words on this page, in plain language" })]), list]);
  v.root.appendChild(box);
  v.glossary = box;
  return box;
}

/** A small "? term" beside a title: hover for the term's meaning, click to open it in the glossary. */
function helpButton(v, key) {
  const t = (v.terms || TERMS).get(key);
  if (!t) return null;
  const open = () => {
    if (!v.glossary) return;
    v.glossary.open = true;
    const dt = v.glossary.querySelector("dt[data-term='" + key + "']");
    if (!dt) return;
    dt.scrollIntoView({ block: "center" });
    dt.focus({ preventScroll: true });
    dt.classList.remove("flash"); void dt.offsetWidth; dt.classList.add("flash"); // restart the highlight
  };
  const name = /^[A-Z]{2}/.test(t.name) ? t.name : t.name.toLowerCase(); // "MLP", "KL divergence" stay as they are
  const b = el("button", { type: "button", class: "v-help", "data-term": key, "aria-label": "What is " + name + "? (glossary)", onclick: open },
    [el("span", { class: "v-help-q", "aria-hidden": "true", text: "?" }), name]);
  tooltip.attach(b, () => tooltip.content(t.name, [], [t.text]));
  return b;
}

// ---------------------------------------------------------------- drawing on first sight

/** Draws nodes when they first come near the viewport; after a theme change, again when next in view. */
class Lazy {
  constructor() {
    this.pending = new Map();
    this.done = new Map();
    this.io = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
      for (const en of entries) {
        if (!en.isIntersecting || !this.pending.has(en.target)) continue;
        const [draw, again] = this.pending.get(en.target);
        this.pending.delete(en.target);
        this.io.unobserve(en.target);
        if (again) this.done.set(en.target, draw);
        draw();
      }
    }, { rootMargin: "300px" }) : null;
  }
  /** again: draw it anew after a theme change (figures need not: redrawAll repaints them). */
  add(node, draw, again) {
    if (!this.io) { if (again) this.done.set(node, draw); draw(); return; }
    this.pending.set(node, [draw, again]);
    this.io.observe(node);
  }
  /** Theme changed: whatever was drawn draws again as it comes into view (at once where it is in view). */
  redo() {
    const done = [...this.done];
    this.done.clear();
    for (const [node, draw] of done) if (node.isConnected) this.add(node, draw, true);
  }
  destroy() { if (this.io) this.io.disconnect(); this.pending.clear(); this.done.clear(); }
}

// ---------------------------------------------------------------- a mounted view

class View {
  constructor(container, doc) {
    this.doc = doc;
    this.root = el("div", { class: "gb-views", dataset: { kind: doc.kind || "inspect" } });
    clear(container).appendChild(this.root);
    this.lazy = new Lazy();
    this.figures = [];
    this.repaint = [];           // DOM colours (token shading, lens cells) to set again after a theme change
    this.onTheme = () => { for (const f of this.repaint) f(); this.lazy.redo(); };
    document.addEventListener("gb-theme", this.onTheme);
  }
  destroy() {
    document.removeEventListener("gb-theme", this.onTheme);
    this.lazy.destroy();
    for (const f of this.figures) f.destroy();
    tooltip.hide();
  }
  tokenText(id) { const v = this.doc.vocab && this.doc.vocab[String(id)]; return v === undefined ? "#" + id : v; }
  /** A panel: its title with "?" buttons for the glossary terms it uses, what it shows (sub: text or nodes) and,
   * in plain words, how to read it. */
  panel(id, title, sub, read, terms) {
    const p = el("section", { class: "card v-panel", id }, [
      el("div", { class: "v-panel-head" }, [el("h2", { text: title }), el("span", { class: "v-helps" }, (terms || []).map((k) => helpButton(this, k)))]),
      sub ? el("p", { class: "v-sub" }, sub) : null,
      read ? el("p", { class: "v-read" }, [el("b", { text: "How to read it: " }), read]) : null,
    ]);
    if (this.glossary) this.root.insertBefore(p, this.glossary); else this.root.appendChild(p);
    return p;
  }
  /** A Figure drawn when it comes into view. */
  figure(opts) {
    const f = new Figure(Object.assign({ fileName: "glassbox-" + opts.name }, opts));
    this.figures.push(f);
    this.lazy.add(f.root, () => f.draw(), false);
    return f;
  }
}

/** A caption line over a picture, with its download menu on the right. */
function figHead(caption, saver) {
  return el("div", { class: "v-fig-head" }, [el("div", { class: "v-caption" }, caption), el("span", { class: "spacer" }), saver ? saver.menu() : null]);
}

/** A download menu for a picture that is not a Figure (HTML in the page, painted only for the download). */
function saver(title, name, picture, csv, json, kinds) {
  const base = "glassbox-" + name;
  const s = {
    opts: { title },
    download(kind) {
      if ((kind === "svg" || kind === "png") && picture) { const [w, h, paint] = picture(); savePicture(kind, base, w, h, paint); }
      else if (kind === "csv") downloadCSV(base + ".csv", csv());
      else if (kind === "json") downloadJSON(base + ".json", json());
    },
    menu() { return downloadMenu(s, kinds || (picture ? ["svg", "png"] : []).concat(csv ? ["csv"] : [], json ? ["json"] : [])); },
  };
  return s;
}

/**
 * A colour-scale legend: the bar with numbers under it, then a note. max: the value at the bar's strong end (the
 * diverging scale runs from -max to +max, the sequential one from 0 to max); fmt formats a tick (3 digits).
 */
function legend(scale, max, note, fmt) {
  const f = fmt || ((x) => (x === 0 ? "0" : (x > 0 && scale.domain[0] < 0 ? "+" : x < 0 ? "\u2212" : "") + v3(Math.abs(x))));
  const bar = el("span", { class: "v-scale-bar" });
  bar.style.backgroundImage = scale.gradient();
  const lo = scale.domain[0];
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => el("span", { style: { left: 100 * t + "%" }, text: f((lo + (1 - lo) * t) * max) }));
  return el("div", { class: "v-legend" }, [el("span", { class: "v-scale" }, [bar, el("span", { class: "v-ticks" }, ticks)]),
    note ? el("span", { class: "muted", text: note }) : null]);
}

/** A legend whose bar follows the theme. */
function themedLegend(v, name, max, note, fmt) {
  const node = legend(colorScale(name), max, note, fmt), bar = node.querySelector(".v-scale-bar");
  v.repaint.push(() => { bar.style.backgroundImage = colorScale(name).gradient(); });
  return node;
}

/** Painter helpers shared by the pictures below. */
function background(p, w, h) { const c = chartTheme(); p.rect(0, 0, w, h, c.bg); return c; }
/** A hairline around a heat map: its cells of 0 are the background colour. */
function frame(p, x, y, w, h, c) { p.poly([[x - 0.5, y - 0.5], [x + w + 0.5, y - 0.5], [x + w + 0.5, y + h + 0.5], [x - 0.5, y + h + 0.5]], { stroke: c.line, width: 1 }); }
function legendPaint(p, scale, x, y, w, lo, hi, c) {
  const n = 40;
  for (let k = 0; k < n; k++) p.rect(x + (w * k) / n, y, w / n + 0.5, 8, scale.css(scale.domain[0] + ((1 - scale.domain[0]) * (k + 0.5)) / n));
  p.text(lo, x - 6, y + 4, { color: c.axis, align: "right", baseline: "middle" });
  p.text(hi, x + w + 6, y + 4, { color: c.axis, baseline: "middle" });
}

// ---------------------------------------------------------------- facts about the model (the report's header)

function modelFacts(m) {
  m = m || {};
  const parts = [];
  if (m.name) parts.push([null, m.name]);
  if (m.architecture) parts.push(["", m.architecture]);
  if (m.parameters) parts.push(["parameters", compact(m.parameters)]);
  if (m.layers) parts.push(["layers", m.layers]);
  if (m.heads) parts.push(["heads", m.heads + (m.kv_heads && m.kv_heads !== m.heads ? " (" + m.kv_heads + " kv)" : "")]);
  if (m.dim) parts.push(["width", m.dim, true]);
  if (m.vocab) parts.push(["vocabulary", int(m.vocab), true]);
  // "135M parameters", "30 layers", but "width 576": counts read value first
  return parts.map(([k, v, first]) => el("span", { class: "v-fact", title: k === null ? m.path || "" : null },
    k === null || k === "" ? el("b", { text: String(v) }) : first ? [k + " ", el("b", { text: String(v) })] : [el("b", { text: String(v) }), " " + k]));
}

// ================================================================ inspect

/**
 * opts.pending: a node shown in the prompt panel while the document has no attributions yet (a studio page
 * computes them after the rest). The returned view's setAttributions(A) adds them later, redrawing that panel only.
 * opts.graphPending: likewise for the contribution graph (setGraph(G)); without it and without a graph in the
 * document, there is no graph panel.
 */
function renderInspect(container, doc, opts) {
  opts = opts || {};
  const v = new View(container, doc);
  glossary(v, "glossary"); // first: the panels go in above it
  let attention = null;
  const openHead = (l, k) => (attention ? attention.open(l, k, true) : null);
  let tokens = tokensPanel(v, opts.pending, null);
  lensPanel(v);
  let graph = graphPanel(v, opts.graphPending, null, openHead);
  attention = attentionPanel(v);
  dlaPanel(v);
  neuronPanel(v);
  return {
    destroy: () => v.destroy(),
    openHead,
    /** The attributions arrived (or are gone again, A = null: pending shows instead): the prompt panel is drawn anew in place. */
    setAttributions(A, pending) {
      if (A) doc.attributions = A; else delete doc.attributions;
      tokens = tokensPanel(v, pending, tokens);
    },
    /** The contribution graph arrived (G), or pending replaces what the graph panel shows: drawn anew in place. */
    setGraph(G, pending) {
      if (G) doc.contribution_graph = G;
      graph = graphPanel(v, pending, graph, openHead);
    },
  };
}

// ---------------------------------------------------------------- prompt and attributions

/** The prompt's tokens, coloured by their attributions when the document has them; old: the panel it replaces. */
function tokensPanel(v, pending, old) {
  const D = v.doc, A = D.attributions || null, T = D.tokens.length;
  const lastTop = D.positions[T - 1] && D.positions[T - 1].top[0];
  const targetID = A ? A.target_id : D.direct_logit_attribution ? D.direct_logit_attribution.target_id : lastTop ? lastTop[0] : null;
  // With a contrast the attributed quantity is logit(target) − logit(contrast): "why this rather than that". Before the
  // attributions come, the direct logit attribution (asked for with the same contrast) names it.
  const Q = D.direct_logit_attribution, has = (x) => x !== undefined && x !== null;
  const contrastID = A ? (has(A.contrast_id) ? A.contrast_id : null) : Q && has(Q.contrast_id) && Q.target_id === targetID ? Q.contrast_id : null;
  const target = quoted(targetID === null ? "?" : v.tokenText(targetID)) + (contrastID === null ? "" : " rather than " + quoted(v.tokenText(contrastID)));
  const what = contrastID === null ? "the logit of " + target
    : "logit(" + quoted(v.tokenText(targetID)) + ") \u2212 logit(" + quoted(v.tokenText(contrastID)) + ")";
  const p = v.panel("tokens", "Prompt and attributions", A
    ? "Each token coloured by how much it drove " + (contrastID === null ? "the logit of " + target : "the choice of " + target + " (the logit difference)") +
      " at the last position (integrated gradients: red raises it, blue lowers it). " +
      "Click a token for the model's next-token alternatives there."
    : "Once the attributions are computed, each token is coloured by how much it drove " + (contrastID === null ? "the logit of " + target : "the choice of " + target) +
      " at the last position. Click a token for the model's next-token alternatives there.",
    "red tokens pushed the model towards " + target + ", blue ones away from it, white ones hardly mattered. The completeness " +
    "gap says how far to trust the colours: green (under 5%) means they add up.", ["token", "logit", "ig", "baseline", "gap"]);
  if (old) {
    old.node.replaceWith(p);
    v.repaint = v.repaint.filter((f) => f !== old.paint);
  }
  const methods = [["scores", "Integrated gradients", "IG"], ["gradient_x_input", "Gradient \u00d7 input", "grad\u00d7input"]];
  let method = "scores";
  if (A) {
    const rel = A.completeness_relative_gap, gapOK = Math.abs(rel) <= 0.05;
    const buttons = methods.map(([key, label]) => el("button", {
      type: "button", "data-method": key, class: key === method ? "on" : null, "aria-pressed": key === method ? "true" : "false", text: label,
      onclick: () => { method = key; for (const b of buttons) { const on = b.dataset.method === key; b.classList.toggle("on", on); b.setAttribute("aria-pressed", on ? "true" : "false"); } paint(); },
    }));
    const toggle = el("div", { class: "v-seg", id: "method", role: "group", "aria-label": "Attribution method" }, buttons);
    const gap = el("span", { class: ["badge", gapOK ? "v-ok" : "v-warn"], id: "gap", title: "How far the attributions' sum is from f(x) \u2212 f(baseline)" },
      "completeness gap " + v3(A.completeness_gap) + " (" + fixed(100 * rel, 1) + "% of f(x) \u2212 f(baseline) = " + v3(A.f_input - A.f_baseline) + ")");
    const facts = el("div", { class: "v-facts" }, [
      el("span", {}, ["baseline ", el("b", { text: A.baseline })]),
      el("span", {}, [el("b", { text: String(A.steps) }), " gradient points (" + A.rule + ")"]),
      el("span", {}, ["f(x) ", el("b", { text: v3(A.f_input) })]),
      el("span", {}, ["f(baseline) ", el("b", { text: v3(A.f_baseline) })]),
      gap,
    ]);
    p.append(el("div", { class: "v-toolbar" }, [toggle, facts]));
    if (!gapOK) p.append(el("div", { class: "notice warn v-notice", role: "note", text: "The attributions do not add up to the change in the logit: the path integral is not resolved. Treat the colours as rough; rerun with more --steps." }));
  } else if (pending) {
    p.append(pending);
  }

  const kept = new Set(A ? A.kept_positions || [] : []);
  const chips = D.tokens.map((t, i) => el("span", {
    class: ["tok", kept.has(i) ? "kept" : null], "data-pos": i, tabindex: "0", role: "button", "aria-label": "token " + i + " " + label(t), title: partOf(t) || null,
    text: label(t),
  }));
  const targetChip = el("span", { class: "tok target", title: A ? "the attributed token" : "the token the attributions will explain", text: shown(targetID === null ? "?" : v.tokenText(targetID)) });
  const strip = el("div", { class: ["v-tokens", A ? null : "v-plain"], id: "token-strip", dataset: { attributed: A ? "1" : "0" } },
    [chips, el("span", { class: "v-arrow", text: "\u2192" }), targetChip]);
  const chipAt = (e) => { const c = e.target.closest && e.target.closest(".tok[data-pos]"); return c ? +c.dataset.pos : -1; };
  strip.addEventListener("click", (e) => { const i = chipAt(e); if (i >= 0) select(i); });
  strip.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { const i = chipAt(e); if (i >= 0) { e.preventDefault(); select(i); } } });
  tooltip.attach(strip, (e) => {
    const i = chipAt(e);
    if (i < 0) return null;
    const t = D.tokens[i], m = methods.find((x) => x[0] === method);
    return tooltip.content("#" + i + "  " + JSON.stringify(t.text), [["id", t.id], A ? [m[2], v3(A[method][i])] : null],
      [kept.has(i) ? "kept at its own embedding by the baseline (attention sink)" : null]);
  });
  const legendBox = el("div", { class: "v-legend-row" });
  const methodName = () => methods.find((x) => x[0] === method)[1];
  const caption = el("span", { text: A ? "" : "The prompt's " + T + " token" + (T === 1 ? "" : "s") });
  const save = A ? saver("Attributions", "attributions", () => stripPicture(), () =>
    [["position", "token", "id", "integrated_gradients", "gradient_x_input", "gradient_norm", "kept"]].concat(D.tokens.map((t, i) =>
      [i, t.text, t.id, A.scores[i], A.gradient_x_input[i], A.gradient_norms ? A.gradient_norms[i] : null, kept.has(i) ? 1 : 0])),
  () => ({ target: { id: A.target_id, text: v.tokenText(A.target_id) }, tokens: D.tokens, attributions: A, positions: D.positions })) : null;
  const details = el("div", { class: "v-details", id: "token-details" });
  p.append(el("div", { class: "v-fig" }, [figHead(caption, save), strip, legendBox]), details);

  function paint() {
    if (!A) return;
    const vals = A[method], max = Math.max(1e-9, ...vals.map(Math.abs)), sc = colorScale("diverging");
    chips.forEach((c, i) => { c.style.backgroundColor = sc.css(vals[i] / max); c.style.color = sc.ink(vals[i] / max); });
    caption.textContent = methodName() + " attributions to " + what;
    clear(legendBox).appendChild(legend(sc, max, "attribution (logit units); they sum to " + v3(vals.reduce((a, b) => a + b, 0))));
  }
  function select(i) {
    chips.forEach((c, j) => c.classList.toggle("sel", j === i));
    const P = D.positions[i];
    const rows = P.top.map(([id, pr]) => el("tr", {}, [
      el("td", { class: "t", text: quoted(v.tokenText(id)) }),
      el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, 100 * pr) + "%" } })),
      el("td", { class: "num", text: fixed(pr, 3) }),
    ]));
    const actual = P.actual_next_rank !== undefined
      ? el("div", { class: "v-line" }, ["actual next token ", el("b", { text: quoted(D.tokens[i + 1].decoded) }), " has rank ",
        el("b", { text: int(P.actual_next_rank + 1) }), ", probability ", el("b", { text: v3(P.actual_next_probability) })])
      : el("div", { class: "v-line" }, "after the last token: the model's prediction");
    clear(details).append(
      el("div", { class: "v-line" }, ["after token #" + i + " ", el("b", { text: quoted(D.tokens[i].decoded) }),
        " \u2014 entropy ", el("b", { text: fixed(P.entropy, 2) }), " nats"]),
      el("table", { class: "v-alts" }, el("tbody", {}, rows)), actual);
  }
  // The strip for the download: chips wrapped into lines as on the page, the target after an arrow.
  function stripPicture() {
    const vals = A[method], max = Math.max(1e-9, ...vals.map(Math.abs)), W = 900, gap = 4, hgt = 22, pad = 12;
    const items = D.tokens.map((t, i) => ({ text: label(t), v: vals[i] / max, kept: kept.has(i) }))
      .concat([{ text: "\u2192", arrow: true }, { text: shown(v.tokenText(A.target_id)), target: true }]);
    let x = pad, y = 40;
    for (const it of items) {
      it.w = measureText(it.text, MONO) + (it.arrow ? 4 : 12);
      if (x + it.w > W - pad && x > pad) { x = pad; y += hgt + gap; }
      it.x = x; it.y = y; x += it.w + gap;
    }
    const H = y + hgt + 44;
    return [W, H, (pt, w, h) => {
      const c = background(pt, w, h), sc = colorScale("diverging");
      pt.text(methodName() + " attributions to " + what + "  \u00b7  completeness gap " + v3(A.completeness_gap) +
        " (" + fixed(100 * A.completeness_relative_gap, 1) + "%)", pad, 20, { color: c.ink, font: "bold 12px system-ui" });
      for (const it of items) {
        if (it.arrow) { pt.text(it.text, it.x + 2, it.y + hgt / 2, { color: c.muted, font: MONO, baseline: "middle" }); continue; }
        if (it.target) pt.poly([[it.x, it.y], [it.x + it.w, it.y], [it.x + it.w, it.y + hgt], [it.x, it.y + hgt]], { stroke: c.ink, width: 1 });
        else pt.rect(it.x, it.y, it.w, hgt, sc.css(it.v));
        if (it.kept) pt.line([[it.x + 2, it.y + hgt - 3], [it.x + it.w - 2, it.y + hgt - 3]], { color: c.muted, width: 1, dash: [2, 2] });
        pt.text(it.text, it.x + 6, it.y + hgt / 2 + 0.5, { color: it.target ? c.ink : sc.ink(it.v), font: MONO, baseline: "middle" });
      }
      legendPaint(pt, sc, pad + 40, h - 22, 160, "\u2212" + v3(max), "+" + v3(max), c);
    }];
  }
  v.repaint.push(paint);
  paint();
  select(T - 1);
  return { node: p, paint };
}

// ---------------------------------------------------------------- logit lens

function lensPanel(v) {
  const D = v.doc, G = D.logit_lens_grid, T = D.tokens.length;
  const p = v.panel("logit-lens", "Logit lens",
    ["What each layer would predict: the final norm and unembedding applied to ", hookLabel("blocks.{L}.hook_resid_post"),
      "; row 0 applies them to the embeddings. Cells show the top token, shaded by its probability; hover for the rank of the " +
      "model's final prediction."],
    "read a column from the bottom up to watch the prediction after that token take shape, layer by layer: dark cells are " +
    "confident, pale ones unsure. The top row is the model's real prediction.", ["lens", "residual", "probability"]);
  const L = G.top.length, win = 24;
  let start = Math.max(0, T - win);
  const prev = el("button", { type: "button", class: "btn small", onclick: () => { start = Math.max(0, start - win); draw(); } }, [icon("left"), "Earlier"]);
  const next = el("button", { type: "button", class: "btn small", onclick: () => { start = Math.min(Math.max(0, T - win), start + win); draw(); } }, ["Later", icon("right")]);
  const range = el("span", { class: "v-caption" });
  const wrap = el("div", { class: "v-scroll" });
  const save = saver("Logit lens", "logit-lens", () => lensPicture(),
    () => {
      const rows = [["layer", "position", "token", "top_id", "top_token", "probability", "final_prediction_rank"]];
      for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) rows.push([l, t, D.tokens[t].text, G.top[l][t], v.tokenText(G.top[l][t]), G.probability[l][t], G.final_rank[l][t] + 1]);
      return rows;
    },
    () => ({ tokens: D.tokens.map((t) => t.text), grid: G, last_position: D.logit_lens }));
  const legendBox = el("div", { class: "v-legend-row" });
  p.append(el("div", { class: "v-fig" }, [
    el("div", { class: "v-fig-head" }, [el("div", { class: "v-pager" }, [prev, next, range]), el("span", { class: "spacer" }), save.menu()]),
    wrap, legendBox]));
  tooltip.attach(wrap, (e) => {
    const td = e.target.closest && e.target.closest("td[data-l]");
    if (!td) return null;
    const l = +td.dataset.l, t = +td.dataset.t, id = G.top[l][t];
    return tooltip.content((l === 0 ? "embeddings" : "layer " + l) + " \u00b7 position " + t + " " + quoted(D.tokens[t].decoded),
      [["top token", quoted(v.tokenText(id))], ["probability", fixed(G.probability[l][t], 3)],
        ["final prediction", quoted(v.tokenText(G.top[L - 1][t]))], ["its rank here", int(G.final_rank[l][t] + 1)]]);
  });
  function draw() {
    const end = Math.min(T, start + win), sc = colorScale("sequential");
    const head = el("tr", {}, [el("th", { class: "l", text: "layer" }),
      Array.from({ length: end - start }, (_, k) => el("th", { title: "position " + (start + k), text: label(D.tokens[start + k]) }))]);
    const rows = [];
    for (let l = L - 1; l >= 0; l--) {
      const tds = [];
      for (let t = start; t < end; t++) {
        const pr = G.probability[l][t];
        tds.push(el("td", { "data-l": l, "data-t": t, style: { backgroundColor: sc.css(pr), color: sc.ink(pr) }, text: shown(v.tokenText(G.top[l][t])) }));
      }
      rows.push(el("tr", {}, [el("th", { class: "l", text: l === 0 ? "embed" : String(l) }), tds]));
    }
    clear(wrap).appendChild(el("table", { class: "v-lens", id: "lens-table" }, [el("thead", {}, head), el("tbody", {}, rows)]));
    prev.disabled = start === 0;
    next.disabled = end >= T;
    range.textContent = "positions " + start + "\u2013" + (end - 1) + " of " + T;
    clear(legendBox).appendChild(legend(sc, 1, "probability of the top token"));
  }
  function lensPicture() {
    const end = Math.min(T, start + win), cols = end - start;
    const texts = (l) => Array.from({ length: cols }, (_, k) => clip(shown(v.tokenText(G.top[l][start + k])), 9));
    let cw = 36;
    for (let k = 0; k < cols; k++) cw = Math.max(cw, measureText(clip(label(D.tokens[start + k]), 9), MONO) + 10);
    for (let l = 0; l < L; l++) for (const s of texts(l)) cw = Math.max(cw, measureText(s, MONO) + 10);
    cw = Math.min(cw, 90);
    const lw = 48, top = 44, ch = 18, W = lw + cols * cw + 12, H = top + L * ch + 40;
    return [W, H, (pt, w, h) => {
      const c = background(pt, w, h), sc = colorScale("sequential");
      pt.text("Logit lens: top token per layer, positions " + start + "\u2013" + (end - 1), 8, 16, { color: c.ink, font: "bold 12px system-ui" });
      for (let k = 0; k < cols; k++) pt.text(clip(label(D.tokens[start + k]), 9), lw + k * cw + cw / 2, top - 8, { color: c.axis, font: MONO, align: "center" });
      for (let l = L - 1, r = 0; l >= 0; l--, r++) {
        const y = top + r * ch;
        pt.text(l === 0 ? "embed" : String(l), lw - 6, y + ch / 2, { color: c.axis, align: "right", baseline: "middle" });
        const tx = texts(l);
        for (let k = 0; k < cols; k++) {
          const pr = G.probability[l][start + k];
          pt.rect(lw + k * cw, y, cw - 2, ch - 2, sc.css(pr));
          pt.text(tx[k], lw + k * cw + 4, y + ch / 2, { color: sc.ink(pr), font: MONO, baseline: "middle" });
        }
      }
      legendPaint(pt, sc, lw + 20, h - 22, 160, "0", "1", c);
    }];
  }
  v.lazy.add(wrap, draw, true);
  rankFigure(v, p);
}

/** The rank of the final prediction at the last position, layer by layer (log scale, rank 1 at the top). */
function rankFigure(v, p) {
  const D = v.doc, E = D.logit_lens, n = E.length;
  const ranks = E.map((e) => e.final_token_rank + 1);
  const fin = E[n - 1].top[0][0];
  const W = 600, H = 210, box = { x: 46, y: 12, w: W - 46 - 16, h: H - 12 - 40 };
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(10, ...ranks))));
  const X = (i) => box.x + (box.w * i) / Math.max(1, n - 1);
  const Y = (r) => box.y + (box.h * Math.log10(r)) / decades;
  const near = (x) => Math.max(0, Math.min(n - 1, Math.round(((x - box.x) / box.w) * (n - 1))));
  const fig = v.figure({
    id: "rank-chart", name: "final-prediction-rank", title: "Rank of the final prediction through the layers", svg: true,
    size: () => [W, H],
    paint(pt, w, h) {
      const c = background(pt, w, h), accent = color(0);
      for (let k = 0; k <= decades; k++) {
        const y = Math.round(Y(10 ** k)) + 0.5;
        pt.line([[box.x, y], [box.x + box.w, y]], { color: c.grid, width: 1 });
        pt.text(k < 3 ? String(10 ** k) : k < 6 ? 10 ** (k - 3) + "k" : 10 ** (k - 6) + "M", box.x - 8, y, { color: c.axis, align: "right", baseline: "middle" });
      }
      for (const t of linearTicks(0, n - 1, Math.min(n - 1, 10)).filter(Number.isInteger)) {
        const x = Math.round(X(t)) + 0.5;
        pt.line([[x, box.y + box.h], [x, box.y + box.h + 4]], { color: c.axis, width: 1 });
        pt.text(String(t), x, box.y + box.h + 7, { color: c.axis, align: "center", baseline: "top" });
      }
      pt.text("layer (0: the embeddings), at the last position", box.x + box.w / 2, h - 8, { color: c.muted, align: "center" });
      pt.line(ranks.map((r, i) => [X(i), Y(r)]), { color: accent, width: 2 });
      ranks.forEach((r, i) => pt.circle(X(i), Y(r), 3, { fill: accent, stroke: c.bg, width: 1 }));
    },
    tip(x, y) {
      if (x < box.x - 8 || x > box.x + box.w + 8 || y > box.y + box.h + 6) return null;
      const i = near(x), top = E[i].top[0];
      return tooltip.content(i === 0 ? "embeddings" : "layer " + i, [["rank of " + quoted(v.tokenText(fin)), int(ranks[i])],
        ["top token here", quoted(v.tokenText(top[0]))], ["its probability", fixed(top[1], 3)]]);
    },
    csv: () => [["layer", "final_prediction_rank", "top_id", "top_token", "top_probability"]].concat(E.map((e, i) => [i, ranks[i], e.top[0][0], v.tokenText(e.top[0][0]), e.top[0][1]])),
    json: () => ({ final_prediction: { id: fin, text: v.tokenText(fin) }, layers: E }),
  });
  p.append(el("div", { class: "v-fig" }, [
    figHead(["Rank of the final prediction ", el("b", { text: quoted(v.tokenText(fin)) }), " through the layers (log scale)"], fig), fig.root]));
}

// ---------------------------------------------------------------- contribution graph

const MONO10 = "10px " + MONO_FAMILY;
const KINDS = { attn: "attention", mlp: "MLP", res: "residual" };

/** Distance from (x, y) to a polyline. */
function distToPath(x, y, pts) {
  let best = Infinity;
  for (let i = 1; i < pts.length; i++) {
    const [ax, ay] = pts[i - 1], [bx, by] = pts[i], dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len)) : 0;
    best = Math.min(best, Math.hypot(x - ax - t * dx, y - ay - t * dy));
  }
  return best;
}

/** Each head's attention weight from query q to key k in layer l, from the compressed patterns (null where the
 * document does not hold that layer); a key outside a row's kept weights counts 0. */
function headWeights(C, l, q, k) {
  if (!C) return null;
  const li = C.layer_numbers ? C.layer_numbers.indexOf(l) : l;
  if (li < 0 || li >= C.layers.length) return null;
  const K = C.keys_per_row;
  let row = 0;
  for (let i = 0; i < q; i++) row += Math.min(i + 1, K);
  return C.layers[li].map((b64) => {
    const raw = atob(b64);
    for (let j = 0, o = 3 * row; j < Math.min(q + 1, K); j++, o += 3) {
      if ((raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8)) === k) return raw.charCodeAt(o + 2) / 255;
    }
    return 0;
  });
}

/**
 * The contribution graph as Meta's LLM Transparency Tool draws it, for one prediction. Nodes are residual-stream
 * states, positions left to right and depth bottom to top: row 2l is the stream entering layer l (row 0: the
 * embeddings), row 2l + 1 the same after layer l's attention, row 2L the last layer's output. Every edge joins a
 * row to the next, weighted by the share of the upper state that comes from the lower one (docs/inspect-json.md):
 * an attention edge from each key token, an MLP edge, residual edges (the state carried up as it was). Only edges
 * of at least the threshold on a path down from the chosen prediction are kept, found row by row from the top as
 * the tool's path pruning does. pending: shown while the document has no graph; old: the panel this replaces;
 * openHead(l, h): opens a head in the attention panel.
 */
function graphPanel(v, pending, old, openHead) {
  const D = v.doc, G = D.contribution_graph || null;
  if (!G && !pending) { if (old) old.node.remove(); return null; }
  const p = v.panel("contribution-graph", "Contribution graph",
    "How information flowed to a prediction. Each dot is one token's residual stream at one depth (bottom: the embeddings, top: " +
    "the last layer's output); each edge carries a share of the state above it, from a token that attention read (blue), from " +
    "the MLP (orange), or from the same token's state below (grey).",
    "start at the highlighted dot at the top, where the prediction is made, and follow the thick edges down to the tokens it " +
    "came from. Thicker, darker edges carry a larger share; weaker edges, and edges that lead nowhere near the prediction, are " +
    "hidden (move the threshold to see more or fewer). Click an edge for the heads behind it, a dot for what the model " +
    "would predict there and its most active neurons.",
    ["graph", "residual", "head", "mlp"]);
  const figs = [];
  if (old) {
    old.node.replaceWith(p);
    for (const f of old.figures) f.destroy();
    v.figures = v.figures.filter((f) => !old.figures.includes(f));
  }
  if (!G) { p.append(pending); return { node: p, figures: figs }; }

  const L = G.layers.length, T = G.positions, R = 2 * L + 1;
  const num = (x) => (typeof x === "number" ? x : 0); // "NaN" (a string in the JSON) carries nothing
  const tok = (q) => (D.tokens[q] ? D.tokens[q].decoded : "#" + q);
  // Geometry: a column per position, a row per state; labels under the embeddings, flat when the columns allow.
  const cw = Math.max(16, Math.min(72, Math.floor(1080 / T)));
  const rh = Math.max(9, Math.min(26, Math.floor(840 / (R - 1))));
  const flat = cw >= 56;
  const names = D.tokens.map((t) => label(t));
  const tickText = (q) => (flat ? clip(names[q], Math.max(2, Math.floor((cw - 6) / 7))) : clip(names[q], 12));
  const tickW = Math.max(10, ...names.map((_, q) => measureText(tickText(q), MONO10)));
  // a wide graph scrolls (to its right end, where the prediction is): the layer names on both sides
  const lw = 64, top = 42, bottom = (flat ? 20 : Math.ceil(tickW * 0.71) + 16) + 4, both = T * cw > 1000;
  const W = lw + T * cw + (both ? 60 : 28), Hgt = top + (R - 1) * rh + bottom;
  const X = (q) => lw + q * cw + cw / 2, Y = (r) => top + (R - 1 - r) * rh;
  const mlpBox = (r, q) => [X(q) + Math.min(11, cw * 0.32), (Y(r - 1) + Y(r)) / 2];
  // Width and opacity grow with the square root of the share, so that the many small shares still show; the
  // residual edges (mostly large: a state is mostly the state below it) stay light, behind the routes between tokens.
  // Shares are drawn in ten steps, so that the edges of one kind and step go out as one path (tens of strokes for
  // tens of thousands of edges: a low threshold stays quick).
  const step = (e) => Math.round(10 * Math.sqrt(Math.max(0, Math.min(1, e.w)))) / 10;
  const width = (e) => 0.7 + 4.3 * step(e);
  const opacity = (e) => (e.kind === "res" ? 0.16 + 0.4 * step(e) * step(e) : 0.35 + 0.65 * step(e));
  const colour = (kind, c) => (kind === "attn" ? c.attn : kind === "mlp" ? c.mlp : c.muted);
  /** The chart theme with the edge colours of the theme in force (report.css: --graph-attn, --graph-mlp). */
  const theme = (c) => Object.assign(c, { attn: cssVar("--graph-attn") || color(0), mlp: cssVar("--graph-mlp") || color(1) });
  const layerOf = (r) => (r - 1) >> 1;
  const hookOf = (r) => (r === R - 1 ? "blocks." + (L - 1) + ".hook_resid_post" : r % 2 ? "blocks." + layerOf(r) + ".hook_resid_mid" : "blocks." + r / 2 + ".hook_resid_pre");
  const stateName = (r) => (r === 0 ? "the embeddings" : r === R - 1 ? "the last layer's output" : r % 2
    ? "layer " + layerOf(r) + " after its attention" : "after layer " + (r / 2 - 1) + " (entering layer " + r / 2 + ")");
  const prediction = (q) => { const P = D.positions[q]; return P && P.top[0] ? P.top[0][0] : null; };

  /** The drawn path of an edge: attention as an S-curve from key to query (a token's edge to itself bulges left
   * of the residual line it would hide), the MLP through its box on the right, the residual straight up. */
  function path(e) {
    const x0 = X(e.k), y0 = Y(e.r - 1), x1 = X(e.q), y1 = Y(e.r);
    if (e.kind === "res") return [[x0, y0], [x1, y1]];
    if (e.kind === "mlp") return [[x0, y0], mlpBox(e.r, e.q), [x1, y1]];
    const bend = e.k === e.q ? -0.45 * cw : 0, a = [x0 + bend, y0 - rh * 0.6], b = [x1 + bend, y1 + rh * 0.6], pts = [];
    for (let i = 0; i <= 12; i++) {
      const t = i / 12, u = 1 - t, A = u * u * u, B = 3 * u * u * t, C = 3 * u * t * t, E = t * t * t;
      pts.push([A * x0 + B * a[0] + C * b[0] + E * x1, A * y0 + B * a[1] + C * b[1] + E * y1]);
    }
    return pts;
  }
  const edgeKey = (e) => "e:" + e.kind + ":" + e.r + ":" + e.q + ":" + e.k;

  // ------------------------------------------------ pruning
  let threshold = 0.04, start = T - 1, kept = { edges: [], on: new Uint8Array(R * T), byKey: new Map() };
  function prune() {
    const on = new Uint8Array(R * T), edges = [];
    on[(R - 1) * T + start] = 1;
    const keep = (kind, l, r, q, k, w) => { edges.push({ kind, l, r, q, k, w }); on[(r - 1) * T + k] = 1; };
    for (let r = R - 1; r > 0; r--) {
      const l = layerOf(r), C = G.layers[l];
      for (let q = 0; q < T; q++) {
        if (!on[r * T + q]) continue;
        if (r % 2 === 0) { // leaving layer l: the state halfway through it plus the MLP's output
          if (num(C.mlp[q]) >= threshold) keep("mlp", l, r, q, q, C.mlp[q]);
          if (num(C.mlp_resid[q]) >= threshold) keep("res", l, r, q, q, C.mlp_resid[q]);
        } else { // halfway through layer l: the state entering it plus what attention brought from each key
          const row = C.attn_tokens[q];
          for (let k = 0; k <= q; k++) if (num(row[k]) >= threshold) keep("attn", l, r, q, k, row[k]);
          if (num(C.attn_resid[q]) >= threshold) keep("res", l, r, q, q, C.attn_resid[q]);
        }
      }
    }
    edges.sort((a, b) => a.w - b.w); // the strongest drawn last, on top
    kept = { edges, on, byKey: new Map(edges.map((e) => [edgeKey(e), e])) };
    let nodes = 0;
    for (const x of on) nodes += x;
    fig.root.dataset.edges = String(edges.length);
    fig.root.dataset.threshold = String(threshold);
    fig.root.dataset.probe = JSON.stringify(probe());
    count.textContent = edges.length + " edge" + (edges.length === 1 ? "" : "s") + " and " + nodes + " states on paths to the prediction";
  }

  // ------------------------------------------------ hit testing
  function nodeAt(x, y) {
    const q = Math.round((x - X(0)) / cw), r = R - 1 - Math.round((y - top) / rh);
    if (q < 0 || q >= T || r < 0 || r >= R) return null;
    return Math.hypot(x - X(q), y - Y(r)) <= Math.max(4.5, Math.min(8, rh * 0.42)) ? { key: "n:" + r + ":" + q, r, q } : null;
  }
  function edgeAt(x, y) {
    let best = null, bd = Infinity;
    for (const e of kept.edges) {
      if (y < Y(e.r) - 3 || y > Y(e.r - 1) + 3) continue;
      if (x < Math.min(X(e.k), X(e.q)) - cw || x > Math.max(X(e.k), X(e.q)) + cw) continue;
      const d = distToPath(x, y, path(e)) - width(e) / 2;
      if (d <= bd) { bd = d; best = e; } // ties: the later (stronger, drawn on top) wins
    }
    return bd <= 4 ? { key: edgeKey(best), edge: best } : null;
  }
  const itemAt = (x, y) => nodeAt(x, y) || edgeAt(x, y);
  /** For tests (data-probe): a point that hits the strongest attention edge there is a clear point on, and the
   * prediction's node, in the canvas' own pixels. */
  function probe() {
    let attention = null;
    const attn = kept.edges.filter((e) => e.kind === "attn").reverse().slice(0, 4);
    for (const e of attn) {
      const pts = path(e);
      const hit = [6, 4].map((i) => pts[i]).find(([x, y]) => { const it = itemAt(x, y); return it && it.key === edgeKey(e); });
      if (hit) { attention = hit.map(Math.round); break; }
    }
    return { attention, node: [X(start), Y(R - 1)].map(Math.round) };
  }
  let hovered = null, selected = null;

  // ------------------------------------------------ painting (the static part cached as a bitmap, so that
  // hovering over a graph of thousands of edges only redraws the highlight)
  let base = null;
  function paintGraph(pt, w, h, c) {
    for (let r = 0; r < R; r += 2) pt.line([[lw - 4, Y(r)], [lw + T * cw + 4, Y(r)]], { color: c.grid, width: 1 });
    for (let r = 0; r < R; r++) {
      const name = r === 0 ? "embed" : r === R - 1 ? "output" : r % 2 ? "L" + layerOf(r) : null;
      if (!name || !(rh >= 12 || r % 2 === 0 || layerOf(r) % 2 === 0)) continue;
      pt.text(name, lw - 12, Y(r), { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
      if (both) pt.text(name, lw + T * cw + 14, Y(r), { color: c.axis, baseline: "middle", font: "10px system-ui" });
    }
    for (let r = 0; r < R; r++) for (let q = 0; q < T; q++) if (!kept.on[r * T + q]) pt.rect(X(q) - 1, Y(r) - 1, 2, 2, c.faint, 0.6);
    // residual edges first (behind), then the rest from the weakest step to the strongest; one path per group
    const groups = new Map();
    for (const e of kept.edges) {
      const key = (e.kind === "res" ? 0 : 1) * 100 + Math.round(10 * step(e)) + ":" + e.kind;
      if (!groups.has(key)) groups.set(key, { order: parseInt(key, 10), e, pts: [] });
      const g = groups.get(key);
      for (const pnt of path(e)) g.pts.push(pnt);
      g.pts.push(null);
    }
    for (const g of [...groups.values()].sort((a, b) => a.order - b.order)) pt.line(g.pts, { color: colour(g.e.kind, c), width: width(g.e), alpha: opacity(g.e) });
    for (const e of kept.edges) if (e.kind === "mlp") { const [bx, by] = mlpBox(e.r, e.q); pt.rect(bx - 2.5, by - 2.5, 5, 5, colour("mlp", c)); }
    for (let r = 0; r < R; r++) for (let q = 0; q < T; q++) {
      if (kept.on[r * T + q] && !(r === R - 1 && q === start)) pt.circle(X(q), Y(r), r % 2 ? 2 : 2.8, { fill: c.bg, stroke: c.axis, width: 1.1 });
    }
    pt.circle(X(start), Y(R - 1), 4.5, { fill: c.accent, stroke: c.bg, width: 1.5 });
    const pid = prediction(start), say = "\u2192 " + (pid === null ? "?" : quoted(v.tokenText(pid)));
    const sw = measureText(say, "bold 12px system-ui"), sx = Math.min(X(start), w - 6 - sw / 2);
    pt.text(say, Math.max(sx, 6 + sw / 2), top - 14, { color: c.ink, align: "center", font: "bold 12px system-ui" });
    pt.text("predicted next", Math.max(sx, 6 + sw / 2), top - 28, { color: c.muted, align: "center", font: "10px system-ui" });
    for (let q = 0; q < T; q++) {
      const s = tickText(q), y = Y(0) + 10, on = q === start;
      if (flat) pt.text(s, X(q), y, { color: on ? c.ink : c.axis, align: "center", baseline: "top", font: MONO10 });
      else pt.text(s, X(q) + 3, y, { color: on ? c.ink : c.axis, align: "right", baseline: "middle", font: MONO10, rotate: -45 });
    }
  }
  function mark(pt, c, it, strong) {
    if (!it) return;
    if (it.edge) {
      const e = kept.byKey.get(it.key);
      if (!e) return;
      pt.line(path(e), { color: c.accent, width: width(e) + 6, alpha: strong ? 0.4 : 0.25 });
      pt.line(path(e), { color: colour(e.kind, c), width: width(e) });
    } else pt.circle(X(it.q), Y(it.r), 6.5, { stroke: c.accent, width: strong ? 2.2 : 1.5 });
  }

  const fig = v.figure({
    id: "graph-canvas", className: "v-heat v-graph", name: "contribution-graph", title: "Contribution graph", size: () => [W, Hgt],
    hover: (x, y) => { hovered = itemAt(x, y); return hovered ? hovered.key : null; },
    paint(pt, w, h, exporting) {
      const c = theme(background(pt, w, h));
      if (exporting) { paintGraph(pt, w, h, c); return; }
      const dpr = Math.max(1, window.devicePixelRatio || 1), key = [threshold, start, currentTheme(), w, h, dpr].join();
      if (!base || base.key !== key) {
        const canvas = base && base.canvas ? base.canvas : document.createElement("canvas"), bp = new CanvasPainter(canvas, w, h);
        paintGraph(bp, w, h, theme(chartTheme()));
        base = { key, canvas };
      }
      pt.image(base.canvas, 0, 0, w, h, false);
      mark(pt, c, selected, true);
      if (hovered && (!selected || hovered.key !== selected.key)) mark(pt, c, hovered, false);
    },
    tip(x, y) {
      const it = hovered || itemAt(x, y);
      if (!it) return null;
      if (it.edge) {
        const e = it.edge;
        return tooltip.content(KINDS[e.kind] + " \u00b7 layer " + e.l, [["from", "#" + e.k + " " + quoted(tok(e.k))], ["into", "#" + e.q + " " + quoted(tok(e.q))],
          ["share of the state", fixed(e.w, 3)]], [e.kind === "attn" ? "click for the heads behind it" : e.kind === "mlp" ? "click for its most active neurons" : null]);
      }
      const LG = D.logit_lens_grid, lr = it.r % 2 ? -1 : it.r / 2;
      return tooltip.content("#" + it.q + " " + quoted(tok(it.q)) + " \u00b7 " + stateName(it.r),
        LG && lr >= 0 ? [["logit lens top token", quoted(v.tokenText(LG.top[lr][it.q]))], ["its probability", fixed(LG.probability[lr][it.q], 3)]] : [],
        [kept.on[it.r * T + it.q] ? "on a path to the prediction" : "not on a kept path", "click for its logit lens and neurons"]);
    },
    click(x, y) { const it = itemAt(x, y); if (it) choose(it); },
    csv: () => [["kind", "layer", "from_position", "from_token", "to_position", "to_token", "share"]].concat(
      kept.edges.slice().reverse().map((e) => [KINDS[e.kind], e.l, e.k, D.tokens[e.k].text, e.q, D.tokens[e.q].text, e.w])),
    json: () => ({ threshold, prediction_position: start, tokens: D.tokens.map((t) => t.text),
      edges: kept.edges.slice().reverse().map((e) => ({ kind: KINDS[e.kind], layer: e.l, from: e.k, to: e.q, share: e.w })) }),
  });
  figs.push(fig);
  fig.root.tabIndex = 0;
  fig.root.setAttribute("aria-label", "Contribution graph: arrow keys move between states, the details show below");

  // ------------------------------------------------ details of what was clicked
  const details = el("div", { class: "v-details v-graph-details", id: "graph-details", dataset: { kind: "none" } },
    el("div", { class: "v-line", text: "Click an edge for the heads behind it, or a dot for its logit lens and neurons." }));
  function choose(it) {
    selected = it;
    fig.requestDraw();
    if (it.edge) showEdge(it.edge); else showNode(it.r, it.q);
  }
  const tokB = (q) => [el("b", { text: "#" + q + " " + quoted(tok(q)) })];
  function neuronTable(l, q) {
    const N = D.neurons;
    if (!N || !N.top[l] || !N.top[l][q]) return null;
    const top = N.top[l][q].slice(0, 6), mx = Math.max(1e-9, ...top.map(([, a]) => Math.abs(num(a))));
    return el("table", { class: "v-alts", id: "graph-neurons" }, el("tbody", {}, top.map(([i, a]) => el("tr", {}, [
      el("td", { class: "t", text: "L" + l + ".n" + i }),
      el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(1, (100 * Math.abs(num(a))) / mx) + "%" } })),
      el("td", { class: "num", text: signed(a) })]))));
  }
  function showNode(r, q) {
    const LG = D.logit_lens_grid, lr = r % 2 ? -1 : r / 2, out = [];
    out.push(el("div", { class: "v-line" }, [...tokB(q), " \u2014 " + stateName(r)]), el("div", { class: "v-line" }, hookLabel(hookOf(r))));
    if (LG && lr >= 0 && LG.top[lr]) {
      const fin = LG.top[LG.top.length - 1][q];
      out.push(el("div", { class: "v-line", id: "graph-lens" }, ["Logit lens: the top token here is ", el("b", { text: quoted(v.tokenText(LG.top[lr][q])) }),
        " with probability ", el("b", { text: fixed(LG.probability[lr][q], 3) }), "; the model's final prediction at this position, ",
        el("b", { text: quoted(v.tokenText(fin)) }), ", ranks ", el("b", { text: int(LG.final_rank[lr][q] + 1) }), " here."]));
    } else if (r % 2) {
      out.push(el("div", { class: "v-line", id: "graph-lens", text: "The logit lens reads the stream between layers; this state is halfway through layer " + layerOf(r) + "." }));
    }
    const nl = r % 2 ? layerOf(r) : r / 2 - 1, table = nl >= 0 ? neuronTable(nl, q) : null;
    if (table) out.push(el("div", { class: "v-line" }, r % 2 ? "Most active neurons of the MLP of layer " + nl + ", which reads this state:" : "Most active neurons of the MLP of layer " + nl + ", which wrote into this state:"), table);
    else if (nl < 0) out.push(el("div", { class: "v-line", text: "The embeddings come before any neuron." }));
    details.dataset.kind = "node";
    clear(details).append(...out);
  }
  function showEdge(e) {
    const out = [el("div", { class: "v-line" }, [el("b", { text: KINDS[e.kind] }), " in layer " + e.l + ": from ", ...tokB(e.k), " into ", ...tokB(e.q),
      " \u2014 ", el("b", { text: fixed(e.w, 3) }), " of the state " + (e.kind === "mlp" ? "leaving layer " + e.l : e.kind === "attn" ? "after the attention" : "above it")])];
    if (e.kind === "attn") {
      const shares = G.layers[e.l].attn_heads[e.q].map((s, h) => [h, num(s)]).sort((a, b) => b[1] - a[1]);
      const mx = Math.max(1e-9, shares[0][1]), wts = headWeights(D.attention_compact, e.l, e.q, e.k);
      out.push(el("div", { class: "v-line" }, "The heads of layer " + e.l + " ranked by their share of the state at #" + e.q + " (over every token they read)" +
        (wts ? "; the last column is each head's attention weight from #" + e.q + " to #" + e.k + "." : ".")));
      out.push(el("table", { class: "v-alts v-rank", id: "graph-heads" }, el("tbody", {}, shares.slice(0, 12).map(([h, s]) => el("tr", { "data-head": h }, [
        el("td", { class: "t" }, openHead ? el("button", { type: "button", class: "v-link", title: "Open this head's attention pattern", text: "L" + e.l + " H" + h,
          onclick: () => openHead(e.l, h) }) : "L" + e.l + " H" + h),
        el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, (100 * s) / mx) + "%" } })),
        el("td", { class: "num", text: fixed(s, 3) }),
        wts ? el("td", { class: "num", title: "attention weight #" + e.q + " \u2192 #" + e.k, text: "\u2192#" + e.k + " " + fixed(wts[h], 2) }) : null])))));
    } else if (e.kind === "mlp") {
      const table = neuronTable(e.l, e.q);
      if (table) out.push(el("div", { class: "v-line", text: "Most active neurons of this MLP at #" + e.q + ":" }), table);
    } else {
      out.push(el("div", { class: "v-line", text: "The residual connection: this share of the state is the state below it, passed up unchanged (x + f(x))." }));
    }
    details.dataset.kind = KINDS[e.kind].toLowerCase();
    clear(details).append(...out);
  }

  // keyboard: arrows move between states, as a click would
  fig.root.addEventListener("keydown", (e) => {
    const d = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [1, 0], ArrowDown: [-1, 0] }[e.key];
    if (!d) return;
    e.preventDefault();
    const at = selected && !selected.edge ? selected : { r: R - 1, q: start };
    const r = Math.max(0, Math.min(R - 1, at.r + d[0])), q = Math.max(0, Math.min(T - 1, at.q + d[1]));
    choose({ key: "n:" + r + ":" + q, r, q });
  });

  // ------------------------------------------------ controls
  const slider = el("input", { type: "range", id: "graph-threshold", min: "0.01", max: "0.25", step: "0.005", value: String(threshold), "aria-label": "Threshold: the smallest share an edge must carry" });
  const shownValue = el("span", { class: "range-value", text: fixed(threshold, 3) });
  slider.addEventListener("input", () => {
    threshold = Number(slider.value);
    shownValue.textContent = fixed(threshold, 3);
    prune();
    fig.requestDraw();
  });
  const startSelect = el("select", { class: "select v-graph-start", id: "graph-start", "aria-label": "The prediction to explain" },
    D.tokens.map((t, q) => el("option", { value: String(q), selected: q === start, text: "after #" + q + " " + clip(label(t), 16) + (prediction(q) === null ? "" : " \u2192 " + clip(quoted(v.tokenText(prediction(q))), 18)) })));
  const wrap = el("div", { class: "v-scroll" }, fig.root);
  const toStart = () => { wrap.scrollLeft = Math.max(0, X(start) + (both ? 80 : 120) - wrap.clientWidth); };
  startSelect.addEventListener("change", () => {
    start = Number(startSelect.value);
    selected = null;
    prune();
    fig.requestDraw();
    toStart();
  });
  const count = el("span", { class: "v-caption", id: "graph-count" });
  const keyLine = (cls, text) => el("span", { class: "v-key" }, [el("span", { class: "v-key-line " + cls }), text]);
  // the details beside a narrow graph, under a wide one
  p.append(
    el("div", { class: "v-toolbar v-graph-tools" }, [
      el("label", { class: "v-control" }, [el("span", { text: "Explain the prediction" }), startSelect]),
      el("label", { class: "v-control" }, [el("span", { text: "Threshold" }), slider, shownValue]),
    ]),
    el("div", { class: "v-row v-graph-row" }, [
      el("div", { class: "v-fig" }, [figHead(count, fig), wrap,
        el("div", { class: "v-keys", style: { maxWidth: Math.max(W, 360) + "px" } }, [keyLine("attn", "attention: from a token it reads"), keyLine("mlp", "MLP (the square)"),
          keyLine("res", "residual: the same token's state below"), el("span", { class: "muted", text: "width and darkness: the share, 0 to 1" })])]),
      details]));
  prune();
  v.lazy.add(wrap, () => requestAnimationFrame(toStart), false);
  return { node: p, figures: figs };
}

// ---------------------------------------------------------------- attention

/**
 * Paints one head's pattern, straight from the compressed rows, into the RGBA pixels of an n x n image (n <= T) in
 * the scale's colours. Shrinking keeps each block's largest weight: averaging would fade the sparse strong
 * weights that make a pattern (a long prompt's thumbnail would look empty). best: n * n bytes of scratch.
 */
function fillPattern(pixels, best, n, C, l, k, scale) {
  const T = C.positions, K = C.keys_per_row, col = scale.u32, raw = atob(C.layers[l][k]);
  best.fill(0);
  let o = 0;
  for (let i = 0; i < T; i++) {
    const row = Math.floor((i * n) / T) * n, m = Math.min(i + 1, K);
    for (let q = 0; q < m; q++, o += 3) {
      const at = row + Math.floor(((raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8)) * n) / T), w = raw.charCodeAt(o + 2);
      if (w > best[at]) best[at] = w;
    }
  }
  for (let p = 0; p < n * n; p++) pixels[p] = col[best[p]];
}

function attentionPanel(v) {
  const D = v.doc, C = D.attention_compact;
  if (!C) return null;
  const L = C.layers.length, H = C.layers[0].length, T = C.positions;
  // layer_numbers: the model's layer of each entry, where the document holds only some layers (all by default)
  const ln = (l) => (C.layer_numbers ? C.layer_numbers[l] : l);
  const p = v.panel("attention", "Attention",
    (C.layer_numbers ? "Layers " + C.layer_numbers.join(", ") + ", every head" : "Every layer and head") +
    ": rows are queries, columns keys. Click a head to enlarge it and see where each token looks." +
    (C.keys_per_row < T ? " (Each query keeps its " + C.keys_per_row + " largest weights.)" : ""),
    "each square is one head; row i shows where token i looks, dark for strong. A dark line just below the diagonal means " +
    "\u201clook at the previous token\u201d; a dark first column means \u201clook at the start\u201d (often a resting place). " +
    "Hover a square for the tokens under the pointer.", ["head", "pattern"]);

  // An n x n bitmap per size in use, reused for every head painted at that size (one at a time).
  const bitmaps = new Map();
  /** Head (l, k) as an n x n bitmap (n = T, or fewer pixels for a picture smaller than the prompt). */
  function bitmap(l, k, n) {
    n = Math.max(1, Math.min(T, Math.round(n || T)));
    let b = bitmaps.get(n);
    if (!b) {
      const canvas = document.createElement("canvas");
      canvas.width = n; canvas.height = n;
      const ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n);
      b = { canvas, ctx, img, pixels: new Uint32Array(img.data.buffer), best: new Uint8Array(n * n) };
      bitmaps.set(n, b);
    }
    fillPattern(b.pixels, b.best, n, C, l, k, colorScale("sequential"));
    b.ctx.putImageData(b.img, 0, 0);
    return b.canvas;
  }
  // The enlarged head's bitmap, kept while it is open (it redraws on hover), made anew after a theme change.
  let held = null;
  function heldBitmap(l, k, n) {
    const scale = colorScale("sequential"), key = l + ":" + k + ":" + n;
    if (!held || held.key !== key || held.scale !== scale) {
      const src = bitmap(l, k, n), c = document.createElement("canvas");
      c.width = src.width; c.height = src.height;
      c.getContext("2d").drawImage(src, 0, 0);
      held = { key, scale, canvas: c };
    }
    return held.canvas;
  }

  // Dense weights for the enlarged head and its hover read-out (a few kept).
  const dense = new Map();
  function pattern(l, k) {
    const key = l + ":" + k;
    if (dense.has(key)) return dense.get(key);
    const K = C.keys_per_row, raw = atob(C.layers[l][k]), out = new Float32Array(T * T);
    let o = 0;
    for (let i = 0; i < T; i++) {
      const n = Math.min(i + 1, K);
      for (let q = 0; q < n; q++, o += 3) out[i * T + (raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8))] = raw.charCodeAt(o + 2) / 255;
    }
    if (dense.size >= 8) dense.delete(dense.keys().next().value);
    dense.set(key, out);
    return out;
  }
  const stats = (l, k) => { const S = D.heads && D.heads[ln(l)] && D.heads[ln(l)].heads[k]; return S || null; };
  const statRows = (S) => (S ? [["entropy", fixed(S.entropy, 2)], ["previous token", fixed(S.previous_token, 2)], ["first token", fixed(S.first_token, 2)], ["same token", fixed(S.same_token, 2)]] : []);
  const tok = (i) => (D.tokens[i] ? D.tokens[i].decoded : "#" + i);

  const side = Math.max(40, Math.min(84, Math.floor(1120 / H) - 6));
  const grid = el("div", { class: "v-heads", id: "head-grid", style: { gridTemplateColumns: "44px repeat(" + H + ", " + (side + 4) + "px)" } });
  grid.append(el("div", {}), ...Array.from({ length: H }, (_, k) => el("div", { class: "v-lab top", text: "h" + k })));
  const thumbs = [];
  function paintThumb(c, l, k) {
    const dpr = Math.max(1, window.devicePixelRatio || 1), px = Math.round(side * dpr);
    if (c.width !== px) { c.width = px; c.height = px; }
    const g = c.getContext("2d");
    g.imageSmoothingEnabled = false; // at most one cell per pixel (max-pooled): crisp
    g.drawImage(bitmap(l, k, px), 0, 0, px, px);
  }
  for (let l = 0; l < L; l++) {
    grid.append(el("div", { class: "v-lab", text: "L" + ln(l) }));
    for (let k = 0; k < H; k++) {
      const c = el("canvas", { class: "thumb", width: side, height: side, style: { width: side + "px", height: side + "px" },
        "data-layer": l, "data-head": k, tabindex: "0", role: "button", "aria-label": "layer " + ln(l) + " head " + k });
      v.lazy.add(c, () => paintThumb(c, l, k), true);
      thumbs.push(c);
      grid.append(c);
    }
  }
  const thumbAt = (e) => (e.target.closest ? e.target.closest(".thumb") : null);
  // A click opens the head below the grid and brings it into view (a long grid would hide it otherwise).
  grid.addEventListener("click", (e) => { const c = thumbAt(e); if (c) open(+c.dataset.layer, +c.dataset.head, true); });
  grid.addEventListener("keydown", (e) => {
    const c = thumbAt(e);
    if (c && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); open(+c.dataset.layer, +c.dataset.head, true); }
  });
  // A thumbnail is too small for token labels: the tooltip names the query and key under the pointer.
  tooltip.attach(grid, (e) => {
    const c = thumbAt(e);
    if (!c) return null;
    const l = +c.dataset.layer, k = +c.dataset.head, box = c.getBoundingClientRect();
    const i = Math.min(T - 1, Math.floor(((e.clientY - box.top) / box.height) * T)), j = Math.min(T - 1, Math.floor(((e.clientX - box.left) / box.width) * T));
    const at = i >= 0 && j >= 0 && j <= i
      ? [["query #" + i, quoted(tok(i))], ["key #" + j, quoted(tok(j))], ["weight", fixed(pattern(l, k)[i * T + j], 3)]] : [];
    return tooltip.content("layer " + ln(l) + " \u00b7 head " + k, at.concat(statRows(stats(l, k))), ["click to enlarge"]);
  });
  const gridSave = saver("All attention heads", "attention-heads", () => gridPicture(),
    () => [["layer", "head", "entropy", "previous_token", "first_token", "same_token"]].concat(
      (D.heads || []).flatMap((r, l) => r.heads.map((S, k) => [l, k, S.entropy, S.previous_token, S.first_token, S.same_token]))),
    () => ({ tokens: D.tokens.map((t) => t.text), heads: D.heads || [] }),
    (T <= 128 ? ["svg", "png"] : ["png"]).concat(["csv", "json"])); // SVG embeds every head's bitmap: small prompts only
  const zoom = el("div", { class: "v-zoom", id: "head-zoom" });
  p.append(el("div", { class: "v-fig" }, [
    figHead(L + " layers \u00d7 " + H + " heads, " + T + " positions", gridSave),
    el("div", { class: "v-scroll" }, grid)]), zoom);

  function gridPicture() {
    const cell = Math.max(24, Math.min(64, Math.floor(880 / H) - 4)), lw = 36, top = 40, gap = 4;
    const W = lw + H * (cell + gap) + 8, Hh = top + L * (cell + gap) + 8;
    return [W, Hh, (pt, w, h) => {
      const c = background(pt, w, h);
      pt.text("Attention patterns, every layer and head (rows queries, columns keys)", 8, 16, { color: c.ink, font: "bold 12px system-ui" });
      for (let k = 0; k < H; k++) pt.text("h" + k, lw + k * (cell + gap) + cell / 2, top - 6, { color: c.axis, align: "center" });
      for (let l = 0; l < L; l++) {
        const y = top + l * (cell + gap);
        pt.text("L" + ln(l), lw - 6, y + cell / 2, { color: c.axis, align: "right", baseline: "middle" });
        for (let k = 0; k < H; k++) pt.image(bitmap(l, k, 2 * cell), lw + k * (cell + gap), y, cell, cell, T > 2 * cell);
      }
    }];
  }

  let selected = null, figs = [];
  function open(l, k, scroll) {
    if (l < 0 || l >= L || k < 0 || k >= H) return;
    const c = thumbs[l * H + k];
    if (selected) selected.classList.remove("sel");
    selected = c; c.classList.add("sel");
    for (const f of figs) f.destroy();
    v.figures = v.figures.filter((f) => !figs.includes(f));
    const P = pattern(l, k), S = stats(l, k);
    const zf = zoomFigure(l, k, P), hv = headView(l, k, P);
    figs = [zf, hv];
    v.figures.push(zf, hv);
    const idx = l * H + k, step = (d) => { const j = idx + d; open(Math.floor(j / H), j % H); };
    const prev = el("button", { type: "button", class: "icon-btn", title: "Previous head", "aria-label": "Previous head", disabled: idx === 0, onclick: () => step(-1) }, icon("left"));
    const next = el("button", { type: "button", class: "icon-btn", title: "Next head", "aria-label": "Next head", disabled: idx === L * H - 1, onclick: () => step(1) }, icon("right"));
    clear(zoom).append(
      el("div", { class: "v-zoom-head" }, [el("h3", { text: "Layer " + ln(l) + ", head " + k }), el("span", { class: "v-stepper" }, [prev, next]),
        S ? el("div", { class: "v-facts" }, statRows(S).map(([a, b]) => el("span", {}, [a + " ", el("b", { text: b })]))) : null]),
      el("div", { class: "v-row" }, [
        el("div", { class: "v-fig" }, [figHead("weights (rows queries, columns keys)", zf), zf.root]),
        el("div", { class: "v-fig" }, [figHead("head view" + (T > 40 ? " (last 40 tokens)" : "") + ": hover a query token", hv), hv.root]),
      ]));
    zoom.classList.add("open");
    zf.draw(); hv.draw();
    if (scroll) zoom.scrollIntoView({ block: "nearest" });
  }

  function zoomFigure(l, k, P) {
    // Eight pixels a token up to 480; a longer prompt gets a pixel a token (up to 720) before it is shrunk.
    const size = T <= 480 ? Math.min(480, Math.max(240, T * 8)) : Math.min(T, 720);
    const n = Math.min(T, 2 * size); // drawn at up to 2x for sharp downloads and HiDPI screens
    const labels = T <= 48;
    const lw = labels ? Math.min(110, Math.ceil(Math.max(...D.tokens.map((t) => measureText(clip(label(t), 12), MONO)))) + 12) : 0;
    const top = labels ? Math.min(90, lw * 0.72 + 8) : 0;
    const box = { x: lw, y: top, s: size };
    const cellAt = (x, y) => [Math.floor(((y - box.y) / box.s) * T), Math.floor(((x - box.x) / box.s) * T)];
    return new Figure({
      id: "zoom-canvas", className: "v-heat", name: "attention-L" + ln(l) + "-H" + k, fileName: "glassbox-attention-L" + ln(l) + "-H" + k,
      title: "Attention of layer " + ln(l) + " head " + k, size: () => [box.x + size + (labels ? Math.max(8, top - 10) : 8), box.y + size + 8],
      hover: (x, y) => { const [i, j] = cellAt(x, y); return i >= 0 && j >= 0 && i < T && j < T ? i + ":" + j : null; },
      paint(pt, w, h, exporting, f) {
        const c = background(pt, w, h);
        pt.image(heldBitmap(l, k, n), box.x, box.y, size, size, n > size * Math.max(1, window.devicePixelRatio || 1));
        pt.poly([[box.x, box.y], [box.x + size, box.y], [box.x + size, box.y + size], [box.x, box.y + size]], { stroke: c.line, width: 1 });
        const cs = size / T;
        if (labels) {
          for (let i = 0; i < T; i++) {
            const s = clip(shown(tok(i)), 12);
            pt.text(s, box.x - 6, box.y + (i + 0.5) * cs, { color: c.axis, font: MONO, align: "right", baseline: "middle" });
            pt.text(s, box.x + (i + 0.5) * cs, box.y - 6, { color: c.axis, font: MONO, rotate: -45 });
          }
        }
        if (!exporting && f.hover) { // the hovered query's row and key's column
          const [i, j] = f.hover.split(":").map(Number);
          pt.poly([[box.x, box.y + i * cs], [box.x + size, box.y + i * cs], [box.x + size, box.y + (i + 1) * cs], [box.x, box.y + (i + 1) * cs]], { stroke: c.accent, width: 1 });
          pt.poly([[box.x + j * cs, box.y], [box.x + (j + 1) * cs, box.y], [box.x + (j + 1) * cs, box.y + size], [box.x + j * cs, box.y + size]], { stroke: c.accent, width: 1 });
        }
      },
      tip(x, y) {
        const [i, j] = cellAt(x, y);
        if (i < 0 || j < 0 || i >= T || j >= T) return null;
        return tooltip.content("weight " + fixed(P[i * T + j], 3), [["query #" + i, quoted(tok(i))], ["key #" + j, quoted(tok(j))]]);
      },
      csv: () => [["query \\ key"].concat(D.tokens.map((t, j) => j + " " + t.text))].concat(
        Array.from({ length: T }, (_, i) => [i + " " + D.tokens[i].text].concat(Array.from(P.subarray(i * T, (i + 1) * T))))),
      json: () => ({ layer: ln(l), head: k, tokens: D.tokens.map((t) => t.text), keys_per_row: C.keys_per_row,
        weights: Array.from({ length: T }, (_, i) => Array.from(P.subarray(i * T, i * T + i + 1))) }),
    });
  }

  // Lines from each query (left) to the keys it attends to (right), for the last 40 tokens.
  function headView(l, k, P) {
    const n = Math.min(T, 40), first = T - n, rowH = 17, W = 380, Hh = n * rowH + 26, xl = 120, xr = W - 120;
    const rowAt = (y) => { const a = Math.floor((y - 26 + rowH / 2 + 4) / rowH); return a >= 0 && a < n ? a : null; };
    return new Figure({
      id: "head-view", className: "v-headview", name: "head-view-L" + ln(l) + "-H" + k, fileName: "glassbox-head-view-L" + ln(l) + "-H" + k,
      title: "Head view of layer " + ln(l) + " head " + k, size: () => [W, Hh],
      hover: (x, y) => (x < W / 2 ? rowAt(y) : null),
      paint(pt, w, h, exporting, f) {
        const c = background(pt, w, h), only = exporting ? null : f.hover, accent = color(0);
        pt.text("query", xl, 10, { color: c.muted, align: "right" });
        pt.text("key", xr, 10, { color: c.muted });
        for (let a = 0; a < n; a++) {
          if (only !== null && a !== only) continue;
          const i = first + a;
          for (let b = 0; b <= a; b++) {
            const wt = P[i * T + first + b];
            if (wt < 0.02) continue;
            pt.line([[xl + 6, 22 + a * rowH], [xr - 6, 22 + b * rowH]], { color: accent, alpha: Math.min(1, wt * (only === null ? 0.9 : 1.2)), width: 1 + 2 * wt });
          }
        }
        for (let a = 0; a < n; a++) {
          const s = clip(shown(tok(first + a)), 14), y = 26 + a * rowH;
          pt.text(s, xl, y, { color: only !== null && a !== only ? c.faint : c.ink, font: MONO, align: "right" });
          pt.text(s, xr, y, { color: c.ink, font: MONO });
        }
      },
    });
  }

  return { open };
}

// ---------------------------------------------------------------- direct logit attribution

function dlaPanel(v) {
  const D = v.doc, Q = D.direct_logit_attribution;
  if (!Q) return;
  const L = Q.attention.length, Hn = Q.heads[0].length;
  // A contrastive document explains logit(target) − logit(contrast): "why this rather than that".
  const what = Q.contrast_id !== undefined && Q.contrast_id !== null
    ? "the logit difference " + quoted(v.tokenText(Q.target_id)) + " \u2212 " + quoted(v.tokenText(Q.contrast_id)) + " (why the first rather than the second)"
    : "the logit of " + quoted(v.tokenText(Q.target_id));
  const p = v.panel("dla", "Direct logit attribution",
    "How much each layer's attention and MLP output, read straight through the final norm and unembedding, adds to " +
    what + " (" + fixed(Q.logit, 2) + " = embedding " + fixed(Q.embedding, 2) +
    (Q.bias ? " + final-norm bias " + fixed(Q.bias, 2) : "") + " + the bars).",
    "bars above zero push " + quoted(v.tokenText(Q.target_id)) + (Q.contrast_id !== undefined && Q.contrast_id !== null ? " up against " + quoted(v.tokenText(Q.contrast_id)) : " up") +
    ", bars below push it down; the tallest are the parts that " +
    "write the answer most directly. In the grid, red heads raise it, blue heads lower it, white ones do nothing.", ["dla", "logit", "head", "mlp"]);
  // The value axis spans the bars (and zero), padded a little: most layers add little, a few add a lot.
  const all = Q.attention.concat(Q.mlp);
  let lo = Math.min(0, ...all), hi = Math.max(0, ...all);
  if (!(hi > lo)) hi = lo + 1;
  const padV = (hi - lo) * 0.06;
  if (lo < 0) lo -= padV;
  if (hi > 0) hi += padV;
  const W = Math.max(540, L * 24 + 70), H = Math.max(230, Math.min(340, L * 11)), box = { x: 52, y: 30, w: W - 52 - 14, h: H - 30 - 44 };
  const yt = linearTicks(lo, hi, 6);
  const Y = (val) => box.y + box.h - ((val - lo) / (hi - lo)) * box.h;
  const bw = box.w / L;
  const names = [["attention", color(0)], ["MLP", color(1)]];
  const bars = v.figure({
    id: "dla-chart", name: "direct-logit-attribution", title: "Direct logit attribution per layer", svg: true,
    size: () => [W, H],
    paint(pt, w, h) {
      const c = background(pt, w, h);
      for (const t of yt) {
        const y = Math.round(Y(t)) + 0.5;
        pt.line([[box.x, y], [box.x + box.w, y]], { color: t === 0 ? c.axis : c.grid, width: 1, alpha: t === 0 ? 0.7 : 1 });
        pt.text(t === 0 ? "0" : num(t, 3), box.x - 8, y, { color: c.axis, align: "right", baseline: "middle" });
      }
      for (let l = 0; l < L; l++) {
        const bar = Math.max(1, Math.min(bw / 2 - 3, 22)), x0 = box.x + l * bw + bw / 2 - bar - 1; // a pair, centred in its slot
        [Q.attention[l], Q.mlp[l]].forEach((val, k) => {
          const y0 = Y(0), y1 = Y(val);
          pt.rect(x0 + k * (bar + 2), Math.min(y0, y1), bar, Math.max(0.5, Math.abs(y1 - y0)), names[k][1]);
        });
        if (L <= 40 || l % 5 === 0) pt.text(String(l), box.x + l * bw + bw / 2, box.y + box.h + 8, { color: c.axis, align: "center", baseline: "top" });
      }
      let lx = box.x;
      for (const [name, col] of names) {
        pt.rect(lx, 10, 10, 10, col);
        pt.text(name, lx + 15, 15, { color: c.muted, baseline: "middle" });
        lx += 24 + measureText(name);
      }
      pt.text("layer", box.x + box.w / 2, h - 6, { color: c.muted, align: "center" });
    },
    tip(x, y) {
      const l = Math.floor((x - box.x) / bw);
      if (l < 0 || l >= L || y < box.y - 10 || y > box.y + box.h + 20) return null;
      return tooltip.content("layer " + l, [["attention", signed(Q.attention[l])], ["MLP", signed(Q.mlp[l])]]);
    },
    csv: () => [["layer", "attention", "mlp"]].concat(Q.attention.map((a, l) => [l, a, Q.mlp[l]])),
    json: () => ({ target: { id: Q.target_id, text: v.tokenText(Q.target_id) }, logit: Q.logit, embedding: Q.embedding, bias: Q.bias, attention: Q.attention, mlp: Q.mlp }),
  });

  const cell = 16, lw = 30, top = 22, hmax = Math.max(1e-6, ...Q.heads.flat().map(Math.abs));
  const cellAt = (x, y) => [Math.floor((y - top) / cell), Math.floor((x - lw) / cell)];
  const heads = v.figure({
    id: "dla-heads", className: "v-heat", name: "direct-logit-attribution-heads", title: "Direct logit attribution per head",
    size: () => [lw + Hn * cell + 4, top + L * cell + 4],
    paint(pt, w, h) {
      const c = background(pt, w, h), sc = colorScale("diverging");
      for (let k = 0; k < Hn; k++) pt.text("h" + k, lw + k * cell + cell / 2, top - 6, { color: c.axis, align: "center", font: "10px system-ui" });
      for (let l = 0; l < L; l++) {
        if (L <= 40 || l % 5 === 0) pt.text(String(l), lw - 6, top + l * cell + cell / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
        for (let k = 0; k < Hn; k++) pt.rect(lw + k * cell, top + l * cell, cell - 1, cell - 1, sc.css(Q.heads[l][k] / hmax));
      }
      frame(pt, lw, top, Hn * cell - 1, L * cell - 1, c); // zero is white: the frame keeps the map's edge
    },
    tip(x, y) {
      const [l, k] = cellAt(x, y);
      return l >= 0 && l < L && k >= 0 && k < Hn ? tooltip.content("layer " + l + " \u00b7 head " + k, [["direct logit attribution", signed(Q.heads[l][k])]]) : null;
    },
    csv: () => [["layer", "head", "direct_logit_attribution"]].concat(Q.heads.flatMap((r, l) => r.map((val, k) => [l, k, val]))),
    json: () => ({ target: { id: Q.target_id, text: v.tokenText(Q.target_id) }, heads: Q.heads }),
  });
  const lg = themedLegend(v, "diverging", hmax, Q.contrast_id !== undefined && Q.contrast_id !== null ? "change of the logit difference" : "change of the logit");
  p.append(el("div", { class: "v-row" }, [
    el("div", { class: "v-fig" }, [figHead("per layer: attention and MLP", bars), bars.root]),
    el("div", { class: "v-fig" }, [figHead("per head (rows layers, columns heads)", heads), heads.root, lg]),
  ]));
}

// ---------------------------------------------------------------- MLP neurons

function neuronPanel(v) {
  const D = v.doc, N = D.neurons, T = D.tokens.length;
  if (!N) return;
  const L = N.peak.length;
  const p = v.panel("neurons", "MLP neurons",
    ["The largest |activation| of the MLP hidden units, ", hookLabel("blocks.{L}.mlp.hook_post"), ", per layer (rows) and token " +
      "(columns), shaded relative to each layer's largest (first tokens often carry massive activations). Click a cell for its most active neurons."],
    "a dark cell is a token on which some neuron of that layer fires hard, compared with the rest of the layer. Click it to list " +
    "those neurons, and Trace one to see on which other tokens it fires.", ["neuron", "mlp"]);
  // Token labels under the columns: flat when wide, slanted down to 11 px columns, position numbers below that.
  const cw = Math.max(3, Math.min(48, Math.floor(1100 / T))), ch = 12, slant = cw >= 11 && cw < 24;
  const slantW = slant ? Math.max(...D.tokens.map((t) => measureText(clip(label(t), 10), "10px " + MONO_FAMILY))) : 0;
  const lw = slant ? Math.max(30, Math.ceil(slantW * 0.71) - 4) : 30, bottom = cw >= 24 ? 22 : slant ? Math.ceil(slantW * 0.71) + 14 : 18;
  const layerMax = N.peak.map((r) => Math.max(1e-6, ...r));
  const cellAt = (x, y) => [Math.floor(y / ch), Math.floor((x - lw) / cw)];
  const inside = (l, t) => l >= 0 && l < L && t >= 0 && t < T;
  const heat = v.figure({
    id: "neuron-heat", className: "v-heat", name: "mlp-neurons", title: "Peak MLP activation per layer and token",
    size: () => [lw + T * cw + 4, L * ch + bottom],
    paint(pt, w, h) {
      const c = background(pt, w, h), sc = colorScale("sequential");
      for (let l = 0; l < L; l++) {
        if (l % 5 === 0 || l === L - 1) pt.text(String(l), lw - 6, l * ch + ch / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
        for (let t = 0; t < T; t++) pt.rect(lw + t * cw, l * ch, cw - (cw > 6 ? 1 : 0), ch - 1, sc.css(N.peak[l][t] / layerMax[l]));
      }
      if (cw >= 24) {
        for (let t = 0; t < T; t++) pt.text(clip(label(D.tokens[t]), Math.max(2, Math.floor(cw / 7))), lw + t * cw + cw / 2, L * ch + 5, { color: c.axis, font: "10px " + MONO_FAMILY, align: "center", baseline: "top" });
      } else if (slant) {
        for (let t = 0; t < T; t++) pt.text(clip(label(D.tokens[t]), 10), lw + t * cw + cw / 2 + 3, L * ch + 6, { color: c.axis, font: "10px " + MONO_FAMILY, align: "right", baseline: "middle", rotate: -45 });
      } else {
        for (const t of linearTicks(0, T - 1, Math.max(2, Math.round((T * cw) / 80))).filter(Number.isInteger)) pt.text(String(t), lw + t * cw + cw / 2, L * ch + 4, { color: c.axis, align: "center", baseline: "top", font: "10px system-ui" });
      }
    },
    tip(x, y) {
      const [l, t] = cellAt(x, y);
      if (!inside(l, t)) return null;
      return tooltip.content("layer " + l + " \u00b7 token #" + t + " " + quoted(D.tokens[t].decoded), [["peak |activation|", v3(N.peak[l][t])]], ["click for its most active neurons"]);
    },
    click(x, y) { const [l, t] = cellAt(x, y); if (inside(l, t)) show(l, t); },
    csv: () => {
      const rows = [["layer", "position", "token", "peak_abs_activation", "top_neurons"]];
      for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) rows.push([l, t, D.tokens[t].text, N.peak[l][t], N.top[l][t].map(([i, a]) => i + ":" + a).join(" ")]);
      return rows;
    },
    json: () => ({ tokens: D.tokens.map((t) => t.text), width: N.width, peak: N.peak, top: N.top }),
  });
  const out = el("div", { class: "v-details", id: "neuron-details" }, el("div", { class: "v-line", text: "Click a cell for its most active neurons." }));
  const trace = el("div", { class: "v-tokens", id: "neuron-trace" });
  p.append(el("div", { class: "v-fig" }, [
    figHead("layers 0 (top) to " + (L - 1) + " (bottom); tokens left to right", heat), el("div", { class: "v-scroll" }, heat.root),
    themedLegend(v, "sequential", 1, "|activation| as a fraction of the layer's largest")]), out);

  // A neuron's activation on every token as a shaded strip: .set(label, values, why-blank) fills it, .paint() colours it.
  function traceStrip(node) {
    let vals = [], chips = [], missing = () => "", mx = 1;
    tooltip.attach(node, (e) => {
      const c = e.target.closest && e.target.closest(".tok[data-pos]");
      if (!c) return null;
      const t = +c.dataset.pos;
      return tooltip.content("#" + t + " " + quoted(D.tokens[t].decoded), vals[t] === null ? [] : [["activation", signed(vals[t])]], vals[t] === null ? [missing(t)] : []);
    });
    const strip = {
      set(label, values, why) {
        vals = values; missing = why;
        mx = Math.max(1e-6, ...vals.filter((x) => x !== null).map(Math.abs));
        chips = D.tokens.map((tk, t) => el("span", { class: ["tok", vals[t] === null ? "na" : null], "data-pos": t, text: label(tk) }));
        clear(node).append(el("span", { class: "v-strip-label", text: label }), ...chips);
        strip.paint();
      },
      paint() {
        const sc = colorScale("diverging");
        chips.forEach((c, t) => { if (vals[t] !== null) { c.style.backgroundColor = sc.css(vals[t] / mx); c.style.color = sc.ink(vals[t] / mx); } });
      },
    };
    v.repaint.push(() => strip.paint());
    return strip;
  }
  const traced = traceStrip(trace);
  function show(l, t) {
    const rows = N.top[l][t].map(([i, a]) => el("tr", {}, [
      el("td", { class: "t", text: "L" + l + ".n" + i }), el("td", { class: "num", text: signed(a) }),
      el("td", {}, el("button", { type: "button", class: "btn small ghost", text: "Trace", title: "This neuron on every token", onclick: () => {
        // From the per-cell top lists: blank where the neuron is not among them.
        const vals = Array.from({ length: T }, (_, s) => { const f = N.top[l][s].find(([j]) => j === i); return f ? f[1] : null; });
        traced.set("L" + l + ".n" + i, vals, (s) => "not among the top " + N.top[l][s].length + " here");
      } })),
    ]));
    clear(out).append(el("div", { class: "v-line" }, ["layer " + l + ", token #" + t + " ", el("b", { text: quoted(D.tokens[t].decoded) }), " \u2014 most active neurons"]),
      el("table", { class: "v-alts" }, el("tbody", {}, rows)), trace);
  }
  if (D.neuron_trace) {
    const nt = D.neuron_trace, req = el("div", { class: "v-tokens", id: "requested-trace" });
    p.append(el("div", { class: "v-line v-gap" }, ["Neuron ", el("b", { text: "L" + nt.layer + ".n" + nt.neuron }), " on every token:"]), req);
    traceStrip(req).set("L" + nt.layer + ".n" + nt.neuron, nt.activations, () => "");
  }
}

// ================================================================ patch

function renderPatch(container, doc) {
  const v = new View(container, doc), P = doc;
  glossary(v, "patch-glossary"); // first: the panels go in above it
  // a scan streaming in (the studio draws it as each group of layers arrives): rows of nulls are still to come
  const pending = [P.residual.restored, P.heads.restored].some((M) => M.some((r) => r.some((x) => !isNum(x))));
  const info = v.panel("patch-info", "Activation patching",
    "The corrupted prompt is run with one activation taken from the clean run; cells show the restored fraction of " + P.metric +
    " (1 = the clean answer fully restored, 0 = no effect).",
    "the maps below show, for each place in the model, how much of the clean answer comes back when only that place is " +
    "copied from the clean run: red cells (near 1) carry the answer, white cells make no difference, blue ones make it worse.",
    ["patching", "restored", "logit"]);
  info.append(el("div", { class: "v-facts" }, [
    el("span", {}, ["clean ", el("b", { text: fixed(P.clean_metric, 2) })]),
    el("span", {}, ["corrupted ", el("b", { text: fixed(P.corrupted_metric, 2) })]),
    el("span", {}, ["answer ", el("b", { text: quoted(P.answer.decoded) }), " vs ", el("b", { text: quoted(P.wrong.decoded) })]),
  ]));
  const strip = (label, toks, other) => el("div", { class: "v-prompt" }, [el("span", { class: "v-strip-label", text: label }),
    el("div", { class: "v-tokens" }, toks.map((t, i) => el("span", { class: ["tok", other[i] !== t ? "differs" : null], title: other[i] !== t ? "differs from the other prompt" : null, text: shown(t) })))]);
  info.append(strip("clean", P.clean_decoded, P.corrupted_decoded), strip("corrupted", P.corrupted_decoded, P.clean_decoded));
  if (pending) info.append(el("p", { class: "v-sub", id: "patch-pending", text: "The maps fill in as the scan runs, from the last layers (the quickest) to the first; grey cells are still to come." }));
  const hook = (h, fallback) => (h ? hookLabel(h) : fallback);
  patchHeat(v, "patch-residual", "Residual stream",
    ["Patching ", hook(P.residual.hook, "the residual stream"), " at one position (rows layers, columns positions)."],
    "a red cell says that at this layer the answer's information sits at this position. Going down the layers, watch it move " +
    "from the token where the prompts differ to the last position, where the prediction is made.", ["residual", "hook"],
    P.residual.restored, P.corrupted_decoded.map(shown), "position", P.residual.hook, false);
  patchHeat(v, "patch-heads", "Attention heads",
    ["Patching one head's output, ", hook(P.heads.hook, "hook_z"), ", at every position (rows layers, columns heads)."],
    "red heads carry the clean answer into the prediction; the list beside the map ranks the ten that restore the most. " +
    "Click a name to find its cell.", ["head", "hook"],
    P.heads.restored, P.heads.restored[0].map((_, k) => "h" + k), "head", P.heads.hook, true);
  return { destroy: () => v.destroy() };
}

/** A patching scan as a heat map (rows layers); ranked: with the ten cells that restore the most beside it. */
function patchHeat(v, id, title, sub, read, terms, M, cols, colName, hook, ranked) {
  const p = v.panel(id, title, sub, read, terms);
  const L = M.length, C = cols.length;
  const cw = Math.max(26, Math.min(60, Math.floor(900 / C))), ch = 16, lw = 40;
  const labelW = Math.min(90, Math.max(...cols.map((c) => measureText(clip(c, 12)))));
  const top = Math.ceil(labelW * 0.71) + 16;
  const max = Math.max(1, ...M.flat().filter(isNum).map(Math.abs));
  const cellAt = (x, y) => [Math.floor((y - top) / ch), Math.floor((x - lw) / cw)];
  const name = (l, j) => (colName === "head" ? "L" + l + " H" + j : "layer " + l + " \u00b7 " + colName + " " + cols[j]);
  let marked = null; // [layer, column] picked in the ranked list
  const fig = v.figure({
    id: id + "-svg", name: id, title, svg: true, size: () => [lw + C * cw + Math.max(10, labelW * 0.71 - cw / 2 + 6), top + L * ch + 10],
    paint(pt, w, h, exporting) {
      const c = background(pt, w, h), sc = colorScale("diverging");
      cols.forEach((s, j) => pt.text(clip(s, 12), lw + j * cw + cw / 2, top - 6, { color: c.axis, rotate: -45 }));
      for (let l = 0; l < L; l++) {
        pt.text(String(l), lw - 6, top + l * ch + ch / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
        // a cell not computed yet (a scan still streaming in) is drawn in the empty-cell grey, apart from 0's white
        for (let j = 0; j < C; j++) pt.rect(lw + j * cw, top + l * ch, cw - 1, ch - 1, isNum(M[l][j]) ? sc.css(M[l][j] / max) : c.empty);
      }
      frame(pt, lw, top, C * cw - 1, L * ch - 1, c);
      if (marked && !exporting) {
        const [l, j] = marked, x = lw + j * cw - 1, y = top + l * ch - 1;
        pt.poly([[x, y], [x + cw + 1, y], [x + cw + 1, y + ch + 1], [x, y + ch + 1]], { stroke: c.ink, width: 2 });
      }
    },
    tip(x, y) {
      const [l, j] = cellAt(x, y);
      if (!(l >= 0 && l < L && j >= 0 && j < C)) return null;
      return tooltip.content(name(l, j), [["restored fraction", isNum(M[l][j]) ? v3(M[l][j]) : "not computed yet"]]);
    },
    csv: () => [["layer"].concat(cols)].concat(M.map((r, l) => [l].concat(r))),
    json: () => ({ hook, columns: cols, restored: M }),
  });
  const lg = themedLegend(v, "diverging", max, "restored fraction");
  const heat = el("div", { class: "v-fig" }, [figHead("restored fraction by layer and " + colName, fig), lg, el("div", { class: "v-scroll" }, fig.root)]);
  if (!ranked) { p.append(heat); return; }
  const top10 = M.flatMap((r, l) => r.map((val, j) => [l, j, val])).filter((x) => isNum(x[2])).sort((a, b) => b[2] - a[2]).slice(0, 10);
  const mx = Math.max(1e-9, ...top10.map((x) => Math.abs(x[2])));
  const mark = (l, j, tr) => {
    marked = [l, j];
    for (const row of list.querySelectorAll("tr")) row.classList.toggle("sel", row === tr);
    fig.requestDraw();
  };
  const list = el("table", { class: "v-alts v-rank", id: id + "-top" }, el("tbody", {}, top10.map(([l, j, val], i) => {
    const tr = el("tr", { "data-layer": l, "data-col": j }, [
      el("td", { class: "num v-rank-n", text: String(i + 1) }),
      el("td", { class: "t" }, el("button", { type: "button", class: "v-link", title: "Mark its cell in the map", text: name(l, j), onclick: () => mark(l, j, tr) })),
      el("td", { class: "bar" }, el("div", { class: ["v-pbar", val < 0 ? "neg" : null], style: { width: Math.max(0.5, (100 * Math.abs(val)) / mx) + "%" } })),
      el("td", { class: "num", text: fixed(val, 3) })]);
    return tr;
  })));
  p.append(el("div", { class: "v-row" }, [heat, el("div", { class: "v-fig v-ranked" }, [
    el("div", { class: "v-fig-head" }, el("div", { class: "v-caption", text: "The " + top10.length + " " + colName + "s that restore the most" })), list])]));
}

// ================================================================ diff: two versions of one model on one prompt

// The two sides' colours (bars, legends): blue for a (before), orange for b (after), as the CSS's --diff-a/--diff-b.
const SIDE = { a: color(0), b: color(1) };

/** "tiny@40" -> "step 40" when both sides are checkpoints of one run, else the id as it is. */
function sideNames(doc) {
  const m = (id) => /^(.*)@(\d+)$/.exec(String(id || ""));
  const ma = m(doc.a.id), mb = m(doc.b.id);
  const same = ma && mb && ma[1] === mb[1];
  const name = (S, mm) => (same ? "step " + int(+mm[2]) : S.id || (S.model && S.model.name) || "?");
  return { a: name(doc.a, ma), b: name(doc.b, mb), run: same ? ma[1] : null };
}

/** A small "a" or "b" chip in the side's colour. */
const sideChip = (k) => el("span", { class: "v-side v-side-" + k, text: k });

/**
 * The diff document (glassbox diff --json, /api/diff): the two next-token distributions and their KL divergence,
 * the target's direct logit attribution per layer in a and in b, per-head maps of what changed (DLA and attention),
 * the heads whose attention moved most, the neurons that changed most. opts.loadHead(l, h) -> Promise of
 * {a, b} (each head's T x T attention in a and in b; a studio page fetches them): with it a head in the ranked
 * list opens both patterns; without it a click only marks the head in the maps.
 */
function renderDiff(container, doc, opts) {
  opts = opts || {};
  const v = new View(container, doc);
  v.root.dataset.kind = "diff";
  v.names = sideNames(doc);
  glossary(v, "diff-glossary"); // first: the panels go in above it
  diffPredictions(v);
  diffLayers(v);
  diffHeads(v, opts.loadHead || null);
  diffNeurons(v);
  return { destroy: () => v.destroy() };
}

function diffPredictions(v) {
  const D = v.doc, A = D.a, B = D.b, N = v.names, tgt = quoted(v.tokenText(D.target_id));
  const p = v.panel("diff-predictions", "What each model predicts",
    ["The next token after the prompt, in a (", el("b", { text: N.a }), ") and in b (", el("b", { text: N.b }), "): each model's most likely " +
      "tokens and their probabilities. The rest of the page explains the token ", el("b", { text: tgt }), " (marked \u25c6)."],
    "the KL divergence says how far apart the two predictions are: 0 means they are the same, around 0.1 nats a small shift, above 1 " +
    "a real disagreement. The target's logit going up from a to b means b is more sure of it.", ["kl", "probability", "logit", "entropy", "checkpoint"]);
  const kl = D.kl_divergence, dl = B.logit - A.logit;
  p.append(
    el("div", { class: "v-prompt v-diff-prompt" }, [el("span", { class: "v-strip-label", text: "prompt" }),
      el("div", { class: "v-tokens", id: "diff-tokens" }, [D.tokens.map((t) => el("span", { class: "tok", title: partOf(t) || null, text: label(t) })),
        el("span", { class: "v-arrow", text: "\u2192" }), el("span", { class: "tok target", title: "the target: the token the page explains", text: shown(v.tokenText(D.target_id)) })])]),
    el("div", { class: "v-facts v-diff-facts" }, [
      el("span", { id: "diff-kl", dataset: { kl: String(kl) }, title: "KL(a \u2016 b) of the next-token distributions at the last position" },
        ["KL(a \u2016 b) ", el("b", { text: num(kl, 3) }), " nats"]),
      el("span", { id: "diff-logit", dataset: { a: String(A.logit), b: String(B.logit) } },
        ["logit of " + tgt + " ", el("b", { text: fixed(A.logit, 2) }), " \u2192 ", el("b", { text: fixed(B.logit, 2) }),
          el("span", { class: dl > 0 ? "v-up" : dl < 0 ? "v-down" : null, text: " (" + (dl > 0 ? "+" : dl < 0 ? "\u2212" : "\u00b1") + fixed(Math.abs(dl), 2) + ")" })]),
      el("span", {}, ["entropy ", el("b", { text: fixed(A.entropy, 2) }), " \u2192 ", el("b", { text: fixed(B.entropy, 2) }), " nats"]),
    ]));
  // one scale for both sides' bars, up to the larger top probability (a small model's spread-out guesses still show)
  const pmax = Math.max(1e-9, ...A.top.concat(B.top).map(([, pr]) => pr));
  const side = (k, S) => {
    const rows = S.top.map(([id, pr]) => el("tr", { class: id === D.target_id ? "v-is-target" : null }, [
      el("td", { class: "t", text: (id === D.target_id ? "\u25c6 " : "") + quoted(v.tokenText(id)) }),
      el("td", { class: "bar" }, el("div", { class: "v-pbar v-pbar-" + k, style: { width: Math.max(0.5, (100 * pr) / pmax) + "%" } })),
      el("td", { class: "num", text: fixed(pr, 3) }),
    ]));
    const has = S.top.some(([id]) => id === D.target_id);
    return el("div", { class: "v-fig v-diff-side" }, [
      el("div", { class: "v-fig-head" }, el("div", { class: "v-caption" }, [sideChip(k), " ", el("b", { text: N[k] }), " \u00b7 top " + S.top.length])),
      el("table", { class: "v-alts", id: "diff-top-" + k }, el("tbody", {}, rows)),
      has ? null : el("div", { class: "v-line v-gap", text: "The target " + tgt + " is not among its top " + S.top.length + " (its logit: " + fixed(S.logit, 2) + ")." }),
    ]);
  };
  p.append(el("div", { class: "v-row" }, [side("a", A), side("b", B)]),
    el("div", { class: "v-line v-gap muted", text: "Both sides' bars share one scale: the longest is probability " + fixed(pmax, 3) + "." }));
}

/** The target's direct logit attribution per layer, a and b side by side: one chart for attention, one for the MLPs. */
function diffLayers(v) {
  const D = v.doc, A = D.a, B = D.b, N = v.names, L = A.attention.length, tgt = quoted(v.tokenText(D.target_id));
  const p = v.panel("diff-layers", "Which layers write the target, before and after",
    "How much each layer's attention and MLP output, read straight through the final norm and unembedding, adds to the logit of " + tgt +
    " (" + fixed(A.logit, 2) + " in a, " + fixed(B.logit, 2) + " in b). For each layer, a's bar on the left and b's on the right.",
    "where b's bar is taller than a's, that layer now writes " + tgt + " more directly; a pair on opposite sides of zero flipped from " +
    "pushing it up to pushing it down. Pairs of equal bars are layers whose direct effect did not change (their effect through later " +
    "layers may still have).", ["dla", "logit", "mlp", "checkpoint"]);
  const all = A.attention.concat(A.mlp, B.attention, B.mlp).filter(isNum);
  let lo = Math.min(0, ...all), hi = Math.max(0, ...all);
  if (!(hi > lo)) hi = lo + 1;
  const padV = (hi - lo) * 0.06;
  if (lo < 0) lo -= padV;
  if (hi > 0) hi += padV;
  const slot = Math.max(14, Math.min(48, Math.floor(480 / L)));
  const W = Math.max(320, 52 + L * slot + 14), H = 250, box = { x: 52, y: 34, w: W - 52 - 14, h: H - 34 - 40 };
  const yt = linearTicks(lo, hi, 6);
  const Y = (val) => box.y + box.h - ((val - lo) / (hi - lo)) * box.h;
  const chart = (key, title) => v.figure({
    id: "diff-dla-" + key, name: "diff-dla-" + key, title: title + ": direct logit attribution per layer, a and b", svg: true, className: "v-diff-bars",
    size: () => [W, H],
    paint(pt, w, h) {
      const c = background(pt, w, h);
      for (const t of yt) {
        const y = Math.round(Y(t)) + 0.5;
        pt.line([[box.x, y], [box.x + box.w, y]], { color: t === 0 ? c.axis : c.grid, width: 1, alpha: t === 0 ? 0.7 : 1 });
        pt.text(t === 0 ? "0" : num(t, 3), box.x - 8, y, { color: c.axis, align: "right", baseline: "middle" });
      }
      const bw = box.w / L, bar = Math.max(1, Math.min(bw / 2 - 2, 20));
      for (let l = 0; l < L; l++) {
        const x0 = box.x + l * bw + bw / 2 - bar - 1;
        [A[key][l], B[key][l]].forEach((val, k) => {
          const y0 = Y(0), y1 = Y(isNum(val) ? val : 0);
          pt.rect(x0 + k * (bar + 2), Math.min(y0, y1), bar, Math.max(0.5, Math.abs(y1 - y0)), k ? SIDE.b : SIDE.a);
        });
        if (L <= 40 || l % 5 === 0) pt.text(String(l), box.x + l * bw + bw / 2, box.y + box.h + 8, { color: c.axis, align: "center", baseline: "top" });
      }
      pt.text(title, box.x, 14, { color: c.ink, font: "600 12px system-ui", baseline: "middle" });
      let lx = box.x + measureText(title, "600 12px system-ui") + 16;
      for (const k of ["a", "b"]) {
        pt.rect(lx, 9, 10, 10, SIDE[k]);
        const s = k + " \u00b7 " + N[k];
        pt.text(s, lx + 15, 14, { color: c.muted, baseline: "middle" });
        lx += 28 + measureText(s);
      }
      pt.text("layer", box.x + box.w / 2, h - 6, { color: c.muted, align: "center" });
    },
    tip(x, y) {
      const l = Math.floor(((x - box.x) / box.w) * L);
      if (l < 0 || l >= L || y < box.y - 10 || y > box.y + box.h + 20) return null;
      const d = B[key][l] - A[key][l];
      return tooltip.content(title + " of layer " + l, [["a \u00b7 " + N.a, signed(A[key][l])], ["b \u00b7 " + N.b, signed(B[key][l])], ["change", signed(d)]]);
    },
    csv: () => [["layer", "a", "b", "change"]].concat(A[key].map((x, l) => [l, x, B[key][l], B[key][l] - x])),
    json: () => ({ target: { id: D.target_id, text: v.tokenText(D.target_id) }, part: key, a: { id: A.id, values: A[key] }, b: { id: B.id, values: B[key] } }),
  });
  const att = chart("attention", "Attention"), mlp = chart("mlp", "MLP");
  for (const f of [att, mlp]) { f.root.dataset.layers = String(L); }
  p.append(el("div", { class: "v-row" }, [
    el("div", { class: "v-fig" }, [figHead("attention output, per layer", att), att.root]),
    el("div", { class: "v-fig" }, [figHead("MLP output, per layer", mlp), mlp.root]),
  ]));
}

/** Per-head maps of what changed (rows layers, columns heads), the heads whose attention moved most beside them. */
function diffHeads(v, loadHead) {
  const D = v.doc, M = D.dla_head_change, C = D.attention_change, L = M.length, Hn = L ? M[0].length : 0, tgt = quoted(v.tokenText(D.target_id));
  const p = v.panel("diff-heads", "Which heads changed",
    "Left: each head's direct logit attribution to " + tgt + " in b minus in a. Right: how far each head's attention pattern moved: " +
    "the mean |A_b \u2212 A_a| over the positions it may look at (rows layers, columns heads).",
    "red heads push " + tgt + " up more in b than in a, blue heads less (or down), white ones did not change. On the right, dark " +
    "heads now look somewhere else, pale ones kept their pattern. The list ranks the heads whose attention moved most" +
    (loadHead ? "; click one to see its pattern in a and in b." : "; click one to mark it in both maps."), ["head", "dla", "pattern", "checkpoint"]);
  const byHead = new Map((D.heads || []).map((x) => [x.layer + ":" + x.head, x]));
  const cell = Math.max(16, Math.min(40, Math.floor(320 / Math.max(L, Hn, 1)))), lw = 30, top = 22;
  const cellAt = (x, y) => [Math.floor((y - top) / cell), Math.floor((x - lw) / cell)];
  const inside = (l, k) => l >= 0 && l < L && k >= 0 && k < Hn;
  let marked = null;
  const heat = (id, name, title, vals, scaleName, max, rows) => {
    const f = v.figure({
      id, className: "v-heat v-diff-heat", name, title, svg: true,
      size: () => [lw + Hn * cell + 4, top + L * cell + 4],
      paint(pt, w, h, exporting) {
        const c = background(pt, w, h), sc = colorScale(scaleName);
        let n = 0;
        for (let k = 0; k < Hn; k++) pt.text("h" + k, lw + k * cell + cell / 2, top - 6, { color: c.axis, align: "center", font: "10px system-ui" });
        for (let l = 0; l < L; l++) {
          if (L <= 40 || l % 5 === 0) pt.text(String(l), lw - 6, top + l * cell + cell / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
          for (let k = 0; k < Hn; k++) { pt.rect(lw + k * cell, top + l * cell, cell - 1, cell - 1, sc.css((isNum(vals[l][k]) ? vals[l][k] : 0) / max)); n++; }
        }
        frame(pt, lw, top, Hn * cell - 1, L * cell - 1, c); // zero is the panel colour: the frame keeps the map's edge
        if (marked && !exporting) {
          const [l, k] = marked, x = lw + k * cell - 1, y = top + l * cell - 1;
          pt.poly([[x, y], [x + cell + 1, y], [x + cell + 1, y + cell + 1], [x, y + cell + 1]], { stroke: c.ink, width: 2 });
        }
        if (!exporting) f.root.dataset.cells = String(n);
      },
      tip(x, y) {
        const [l, k] = cellAt(x, y);
        return inside(l, k) ? tooltip.content("layer " + l + " \u00b7 head " + k, rows(l, k)) : null;
      },
      click(x, y) { const [l, k] = cellAt(x, y); if (inside(l, k)) pick(l, k, true); },
      csv: () => [["layer", "head", name]].concat(vals.flatMap((r, l) => r.map((x, k) => [l, k, x]))),
      json: () => ({ target: { id: D.target_id, text: v.tokenText(D.target_id) }, a: D.a.id, b: D.b.id, values: vals }),
    });
    Object.assign(f.root.dataset, { rows: String(L), cols: String(Hn), cells: "0" });
    return f;
  };
  const dmax = Math.max(1e-6, ...M.flat().filter(isNum).map(Math.abs)), amax = Math.max(1e-6, ...C.flat().filter(isNum));
  const dlaRows = (l, k) => [["DLA change (b \u2212 a)", signed(M[l][k])], ["in a", signed(D.a.heads[l][k])], ["in b", signed(D.b.heads[l][k])]];
  const attRows = (l, k) => { const x = byHead.get(l + ":" + k); return [["mean change", v3(C[l][k])], x ? ["largest change", v3(x.max_change)] : null]; };
  const dfig = heat("diff-dla-heads", "dla_head_change", "Change of each head's direct logit attribution (b \u2212 a)", M, "diverging", dmax, dlaRows);
  const afig = heat("diff-attn-heads", "attention_change", "How far each head's attention pattern moved", C, "sequential", amax, attRows);
  dfig.root.dataset.max = String(dmax);
  afig.root.dataset.max = String(amax);

  const ranked = (D.heads || []).slice(0, 12), mx = Math.max(1e-9, ...ranked.map((x) => x.mean_change));
  const list = el("table", { class: "v-alts v-rank", id: "diff-heads-top" }, [
    el("thead", {}, el("tr", {}, [el("th", {}), el("th", { class: "t", text: "head" }), el("th", { text: "attention moved (mean)" }), el("th", {}),
      el("th", { class: "num", title: "the largest change of one attention weight", text: "largest" }),
      el("th", { class: "num", title: "the change of its direct logit attribution to the target (b \u2212 a)", text: "DLA change" })])),
    el("tbody", {}, ranked.map((x, i) => el("tr", { "data-layer": x.layer, "data-head": x.head }, [
      el("td", { class: "num v-rank-n", text: String(i + 1) }),
      el("td", { class: "t" }, el("button", { type: "button", class: "v-link", text: "L" + x.layer + " H" + x.head,
        title: loadHead ? "Its attention pattern in a and in b" : "Mark it in both maps", onclick: () => pick(x.layer, x.head, false) })),
      el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, (100 * x.mean_change) / mx) + "%" } })),
      el("td", { class: "num", text: v3(x.mean_change) }),
      el("td", { class: "num", text: v3(x.max_change) }),
      el("td", { class: ["num", x.dla_change > 0 ? "v-up" : x.dla_change < 0 ? "v-down" : null], text: signed(x.dla_change) }),
    ]))),
  ]);
  const listSave = saver("Heads that changed most", "diff-heads", null,
    () => [["layer", "head", "mean_change", "max_change", "dla_change"]].concat((D.heads || []).map((x) => [x.layer, x.head, x.mean_change, x.max_change, x.dla_change])),
    () => ({ a: D.a.id, b: D.b.id, heads: D.heads || [] }));
  const zoom = el("div", { class: "v-zoom v-diff-zoom", id: "diff-head-zoom" });
  p.append(
    el("div", { class: "v-row" }, [
      el("div", { class: "v-fig" }, [figHead("DLA change, b \u2212 a", dfig), dfig.root, themedLegend(v, "diverging", dmax, "change of the logit")]),
      el("div", { class: "v-fig" }, [figHead("attention moved", afig), afig.root, themedLegend(v, "sequential", amax, "mean |A_b \u2212 A_a|")]),
      el("div", { class: "v-fig v-ranked" }, [figHead("The " + ranked.length + " heads whose attention moved most", listSave), list]),
    ]), zoom);

  let figs = [], seq = 0;
  function pick(l, k, fromMap) {
    marked = [l, k];
    for (const row of list.querySelectorAll("tbody tr")) row.classList.toggle("sel", +row.dataset.layer === l && +row.dataset.head === k);
    dfig.requestDraw(); afig.requestDraw();
    p.dataset.marked = l + ":" + k;
    if (loadHead) openHead(l, k);
    else if (fromMap) tooltip.hide();
  }
  /** The head's pattern in a and in b, and their difference, below the maps (fetched by the page). */
  async function openHead(l, k) {
    const mine = ++seq;
    for (const f of figs) f.destroy();
    v.figures = v.figures.filter((f) => !figs.includes(f));
    figs = [];
    zoom.classList.add("open");
    zoom.dataset.state = "loading";
    clear(zoom).append(el("div", { class: "v-zoom-head" }, el("h3", { text: "Layer " + l + ", head " + k + " in a and in b" })),
      el("div", { class: "v-line", text: "Loading its attention in both models\u2026" }));
    let got;
    try { got = await loadHead(l, k); } catch (err) {
      if (mine !== seq) return;
      zoom.dataset.state = "error";
      clear(zoom).append(el("div", { class: "v-zoom-head" }, el("h3", { text: "Layer " + l + ", head " + k })),
        el("div", { class: "notice warn", role: "alert" }, el("span", { class: "notice-text", text: "Could not load its attention: " + (err && err.message ? err.message : err) })));
      return;
    }
    if (mine !== seq || !got) return;
    const T = D.tokens.length, diff = got.a.map((r, i) => r.map((x, j) => (got.b[i] ? got.b[i][j] || 0 : 0) - x));
    const dm = Math.max(1e-6, ...diff.flat().map(Math.abs));
    const size = Math.max(120, Math.min(260, T * 12)), cs = size / T, lab = T <= 24 ? Math.min(80, 10 + Math.max(...D.tokens.map((t) => measureText(clip(label(t), 8), MONO10)))) : 0;
    const pattern = (key, P, scaleName, max, caption) => {
      const f = new Figure({
        id: "diff-head-" + key, className: "v-heat", name: "attention-L" + l + "-H" + k + "-" + key, fileName: "glassbox-diff-attention-L" + l + "-H" + k + "-" + key,
        title: caption, size: () => [lab + size + 6, lab + size + 6],
        paint(pt, w, h) {
          const c = background(pt, w, h), sc = colorScale(scaleName);
          let n = 0;
          for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++, n++) pt.rect(lab + j * cs, lab + i * cs, cs + 0.3, cs + 0.3, sc.css((P[i] ? P[i][j] || 0 : 0) / max));
          frame(pt, lab, lab, size, size, c);
          f.root.dataset.cells = String(n); // the causal part, T (T + 1) / 2 cells: for tests
          if (lab) for (let i = 0; i < T; i++) {
            const s = clip(label(D.tokens[i]), 8);
            pt.text(s, lab - 4, lab + (i + 0.5) * cs, { color: c.axis, font: MONO10, align: "right", baseline: "middle" });
            pt.text(s, lab + (i + 0.5) * cs, lab - 4, { color: c.axis, font: MONO10, rotate: -45 });
          }
        },
        tip(x, y) {
          const i = Math.floor((y - lab) / cs), j = Math.floor((x - lab) / cs);
          if (i < 0 || j < 0 || i >= T || j > i) return null;
          return tooltip.content("query #" + i + " " + quoted(D.tokens[i].decoded) + " \u2192 key #" + j + " " + quoted(D.tokens[j].decoded),
            [["a", fixed(got.a[i][j], 3)], ["b", fixed(got.b[i][j], 3)], ["b \u2212 a", signed(diff[i][j])]]);
        },
        csv: () => [["query \\ key"].concat(D.tokens.map((t, j) => j + " " + t.text))].concat(P.map((r, i) => [i + " " + D.tokens[i].text].concat(r))),
      });
      figs.push(f);
      v.figures.push(f);
      return el("div", { class: "v-fig" }, [figHead(caption, f), f.root]);
    };
    const nodes = [pattern("a", got.a, "sequential", 1, "a \u00b7 " + v.names.a), pattern("b", got.b, "sequential", 1, "b \u00b7 " + v.names.b),
      pattern("change", diff, "diverging", dm, "b \u2212 a")];
    const x = byHead.get(l + ":" + k);
    clear(zoom).append(
      el("div", { class: "v-zoom-head" }, [el("h3", { text: "Layer " + l + ", head " + k + " in a and in b" }),
        el("div", { class: "v-facts" }, [el("span", {}, ["mean change ", el("b", { text: v3(C[l][k]) })]), x ? el("span", {}, ["largest ", el("b", { text: v3(x.max_change) })]) : null,
          el("span", {}, ["DLA change ", el("b", { text: signed(M[l][k]) })])])]),
      el("p", { class: "v-read" }, [el("b", { text: "How to read it: " }), "rows are queries, columns keys: row i shows where token i looks, dark for strong. " +
        "In the third map, red cells get more attention in b than in a, blue ones less."]),
      el("div", { class: "v-row" }, nodes),
      el("div", { class: "v-legends" }, [themedLegend(v, "sequential", 1, "attention weight"), themedLegend(v, "diverging", dm, "b \u2212 a")]));
    for (const f of figs) f.draw();
    zoom.dataset.state = "shown";
    zoom.scrollIntoView({ block: "nearest" });
  }
}

/** The MLP neurons whose activation at the last position changed most: a's and b's value as bars from zero. */
function diffNeurons(v) {
  const D = v.doc, R = D.neurons || [], N = v.names;
  if (!R.length) return;
  const p = v.panel("diff-neurons", "Neurons that changed most",
    ["The " + R.length + " MLP hidden units, ", hookLabel("blocks.{L}.mlp.hook_post"), ", whose activation at the last position changed most from a to b " +
      "(L = layer, n = the neuron's index in it)."],
    "the upper bar of each row is the neuron's activation in a, the lower one in b, both from zero (the line): to the right it fires, " +
    "to the left it is negative. A neuron that fires in b and not in a may have learned to pick up something in this prompt.", ["neuron", "mlp", "checkpoint"]);
  const vals = R.flatMap((x) => [x.a, x.b]).filter(isNum);
  const lo = Math.min(0, ...vals), hi = Math.max(1e-9, ...vals), span = hi - lo || 1;
  const zero = (100 * -lo) / span;
  const bar = (k, val) => el("div", { class: "v-nbar v-nbar-" + k, style: { left: (100 * (Math.min(0, val) - lo)) / span + "%", width: Math.max(0.4, (100 * Math.abs(val)) / span) + "%" } });
  const rows = R.map((x) => el("tr", { "data-layer": x.layer, "data-index": x.index }, [
    el("td", { class: "t", text: "L" + x.layer + ".n" + x.index }),
    el("td", { class: "num", title: "in a", text: signed(x.a) }),
    el("td", { class: "v-ntrack-cell" }, el("div", { class: "v-ntrack", title: "a " + signed(x.a) + " \u2192 b " + signed(x.b) },
      [el("div", { class: "v-nzero", style: { left: zero + "%" } }), bar("a", x.a), bar("b", x.b)])),
    el("td", { class: "num", title: "in b", text: signed(x.b) }),
    el("td", { class: ["num", x.b - x.a > 0 ? "v-up" : "v-down"], title: "b \u2212 a", text: signed(x.b - x.a) }),
  ]));
  const save = saver("Neurons that changed most", "diff-neurons", null,
    () => [["layer", "neuron", "a", "b", "change"]].concat(R.map((x) => [x.layer, x.index, x.a, x.b, x.b - x.a])), () => ({ a: D.a.id, b: D.b.id, neurons: R }));
  p.append(el("div", { class: "v-fig v-fit" }, [
    figHead([sideChip("a"), " " + N.a + "  ", sideChip("b"), " " + N.b + " \u00b7 activation at the last position"], save),
    el("table", { class: "v-alts v-diff-neurons", id: "diff-neuron-table" }, [
      el("thead", {}, el("tr", {}, [el("th", { class: "t", text: "neuron" }), el("th", { class: "num", text: "a" }), el("th", {}), el("th", { class: "num", text: "b" }),
        el("th", { class: "num", text: "change" })])),
      el("tbody", {}, rows)])]));
}

export const inspectView = { render: renderInspect };
export const diffView = { render: renderDiff };
export const patchView = { render: renderPatch };
// The panel kit, for views in other files (classic.js): they render after every file has loaded.
export const views = { shown, modelFacts, hookName, hookLabel, View, glossary, helpButton, figHead, saver, legend, themedLegend, background, frame, legendPaint };

// ================================================================ the self-contained report

/** Reads the embedded document, dresses the header (model, data download, theme switch) and mounts the views. */
