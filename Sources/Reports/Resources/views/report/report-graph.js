/* Glassbox report views, inspect: the contribution graph (#contribution-graph) as Meta's LLM Transparency Tool
 * draws it, for one prediction: residual-stream states joined by the shares that flow between them
 * (report-graph-layout.js), painted on #graph-canvas (report-graph-paint.js), with a threshold (#graph-threshold),
 * the prediction to explain (#graph-start) and the details of what is clicked (report-graph-details.js). */
import { CanvasPainter, chartTheme } from "../../lib/charts.js";
import { el } from "../../lib/dom.js";
import { fixed } from "../../lib/format.js";
import { currentTheme } from "../../lib/theme.js";
import { tooltip } from "../../lib/tooltip.js";
import { background, clip, figHead } from "./report-kit.js";
import { graphDetails } from "./report-graph-details.js";
import { KINDS, graphItemAt, graphLayout, graphProbe, pruneGraph } from "./report-graph-layout.js";
import { markItem, paintGraph } from "./report-graph-paint.js";
import { docShown, reading, tokenQuoted } from "./report-tokens.js";

/** The panel's words; an old panel (the graph arriving later) is replaced in place and its figures dropped. */
function graphCard(v, old) {
  const p = v.panel("contribution-graph", "Contribution graph",
    "How information flowed to a prediction. Each dot is one token's residual stream at one depth (bottom: the embeddings, top: " +
    "the last layer's output); each edge carries a share of the state above it, from a token that attention read (blue), from " +
    "the MLP (orange), or from the same token's state below (grey).",
    "start at the highlighted dot at the top, where the prediction is made, and follow the thick edges down to the tokens it " +
    "came from. Thicker, darker edges carry a larger share; weaker edges, and edges that lead nowhere near the prediction, are " +
    "hidden (move the threshold to see more or fewer). Click an edge for the heads behind it, a dot for what the model " +
    "would predict there and its most active neurons.",
    ["graph", "residual", "head", "mlp"]);
  if (old) {
    old.node.replaceWith(p);
    for (const f of old.figures) f.destroy();
    v.figures = v.figures.filter((f) => !old.figures.includes(f));
  }
  return p;
}

/** The graph's figure: the static part cached as a bitmap, so that hovering over thousands of edges only redraws
 * the highlight. s: the graph's state {threshold, start, kept, hovered, selected}; choose(item) on a click. */
function graphFigure(v, g, rd, s, choose) {
  const D = v.doc, T = g.T;
  const tok = (q) => "#" + q + " " + rd.name(q);
  const say = () => { const pid = g.prediction(s.start); return "\u2192 " + (pid === null ? "?" : tokenQuoted(v.tokenText(pid))); };
  let base = null;
  return v.figure({
    id: "graph-canvas", className: "v-heat v-graph", name: "contribution-graph", title: "Contribution graph", size: () => [g.W, g.H],
    hover: (x, y) => { s.hovered = graphItemAt(g, s.kept, x, y); return s.hovered ? s.hovered.key : null; },
    paint(pt, w, h, exporting) {
      const c = g.theme(background(pt, w, h));
      if (exporting) { paintGraph(pt, w, h, c, g, s, say()); return; }
      const dpr = Math.max(1, window.devicePixelRatio || 1), key = [s.threshold, s.start, currentTheme(), w, h, dpr].join();
      if (!base || base.key !== key) {
        const canvas = base && base.canvas ? base.canvas : document.createElement("canvas"), bp = new CanvasPainter(canvas, w, h);
        paintGraph(bp, w, h, g.theme(chartTheme()), g, s, say());
        base = { key, canvas };
      }
      pt.image(base.canvas, 0, 0, w, h, false);
      markItem(pt, c, g, s.kept, s.selected, true);
      if (s.hovered && (!s.selected || s.hovered.key !== s.selected.key)) markItem(pt, c, g, s.kept, s.hovered, false);
    },
    tip(x, y) {
      const it = s.hovered || graphItemAt(g, s.kept, x, y);
      if (!it) return null;
      if (it.edge) {
        const e = it.edge;
        return tooltip.content(KINDS[e.kind] + " \u00b7 layer " + e.l, [["from", tok(e.k)], ["into", tok(e.q)],
          ["share of the state", fixed(e.w, 3)]], [e.kind === "attn" ? "click for the heads behind it" : e.kind === "mlp" ? "click for its most active neurons" : null]);
      }
      const LG = D.logit_lens_grid, lr = it.r % 2 ? -1 : it.r / 2;
      return tooltip.content(tok(it.q) + " \u00b7 " + g.stateName(it.r),
        LG && lr >= 0 ? [["logit lens top token", tokenQuoted(v.tokenText(LG.top[lr][it.q]))], ["its probability", fixed(LG.probability[lr][it.q], 3)]] : [],
        [s.kept.on[it.r * T + it.q] ? "on a path to the prediction" : "not on a kept path", rd.title(it.q), "click for its logit lens and neurons"]);
    },
    click(x, y) { const it = graphItemAt(g, s.kept, x, y); if (it) choose(it); },
    csv: () => [["kind", "layer", "from_position", "from_token", "to_position", "to_token", "share"]].concat(
      s.kept.edges.slice().reverse().map((e) => [KINDS[e.kind], e.l, e.k, D.tokens[e.k].text, e.q, D.tokens[e.q].text, e.w])),
    json: () => ({ threshold: s.threshold, prediction_position: s.start, tokens: D.tokens.map((t) => t.text),
      edges: s.kept.edges.slice().reverse().map((e) => ({ kind: KINDS[e.kind], layer: e.l, from: e.k, to: e.q, share: e.w })) }),
  });
}

/** The threshold slider and the prediction picker; onChange() after either moves. */
function graphControls(v, g, rd, s, onThreshold, onStart) {
  const slider = el("input", { type: "range", id: "graph-threshold", min: "0.01", max: "0.25", step: "0.005", value: String(s.threshold), "aria-label": "Threshold: the smallest share an edge must carry" });
  const shownValue = el("span", { class: "range-value", text: fixed(s.threshold, 3) });
  slider.addEventListener("input", () => {
    s.threshold = Number(slider.value);
    shownValue.textContent = fixed(s.threshold, 3);
    onThreshold();
  });
  const startSelect = el("select", { class: "select v-graph-start", id: "graph-start", "aria-label": "The prediction to explain" },
    v.doc.tokens.map((t, q) => el("option", { value: String(q), selected: q === s.start,
      text: "after #" + q + " " + clip(rd.short(q), 16) + (g.prediction(q) === null ? "" : " \u2192 " + clip(tokenQuoted(v.tokenText(g.prediction(q))), 18)) })));
  startSelect.addEventListener("change", () => { s.start = Number(startSelect.value); onStart(); });
  return el("div", { class: "v-toolbar v-graph-tools" }, [
    el("label", { class: "v-control" }, [el("span", { text: "Explain the prediction" }), startSelect]),
    el("label", { class: "v-control" }, [el("span", { text: "Threshold" }), slider, shownValue]),
  ]);
}

/**
 * The contribution graph panel. pending: shown while the document has no graph; old: the panel this replaces;
 * openHead(l, h): opens a head in the attention panel. Returns {node, figures}, or null without graph and pending.
 */
export function graphPanel(v, pending, old, openHead) {
  const D = v.doc, G = D.contribution_graph || null;
  if (!G && !pending) { if (old) old.node.remove(); return null; }
  const p = graphCard(v, old), figs = [];
  if (!G) { p.append(pending); return { node: p, figures: figs }; }
  const rd = reading(docShown(D.tokens)), g = graphLayout(D, rd);
  const s = { threshold: 0.04, start: g.T - 1, kept: { edges: [], on: new Uint8Array(g.NR * g.T), nodes: 0, byKey: new Map() }, hovered: null, selected: null };
  const details = graphDetails(v, g, rd, openHead);
  const choose = (it) => {
    s.selected = it;
    fig.requestDraw();
    if (it.edge) details.showEdge(it.edge); else details.showNode(it.r, it.q);
  };
  const fig = graphFigure(v, g, rd, s, choose);
  figs.push(fig);
  fig.root.tabIndex = 0;
  fig.root.setAttribute("aria-label", "Contribution graph: arrow keys move between states, the details show below");
  const count = el("span", { class: "v-caption", id: "graph-count" });
  const prune = () => {
    s.kept = pruneGraph(g, s.threshold, s.start);
    fig.root.dataset.edges = String(s.kept.edges.length);
    fig.root.dataset.threshold = String(s.threshold);
    fig.root.dataset.probe = JSON.stringify(graphProbe(g, s.kept, s.start));
    const n = s.kept.edges.length;
    count.textContent = n + " edge" + (n === 1 ? "" : "s") + " and " + s.kept.nodes + " states on paths to the prediction";
  };
  // keyboard: arrows move between states, as a click would
  fig.root.addEventListener("keydown", (e) => {
    const d = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [1, 0], ArrowDown: [-1, 0] }[e.key];
    if (!d) return;
    e.preventDefault();
    const at = s.selected && !s.selected.edge ? s.selected : { r: g.NR - 1, q: s.start };
    const r = Math.max(0, Math.min(g.NR - 1, at.r + d[0])), q = Math.max(0, Math.min(g.T - 1, at.q + d[1]));
    choose({ key: "n:" + r + ":" + q, r, q });
  });
  const wrap = el("div", { class: "v-scroll" }, fig.root);
  const toStart = () => { wrap.scrollLeft = Math.max(0, g.X(s.start) + (g.both ? 80 : 120) - wrap.clientWidth); };
  const tools = graphControls(v, g, rd, s, () => { prune(); fig.requestDraw(); }, () => { s.selected = null; prune(); fig.requestDraw(); toStart(); });
  const keyLine = (cls, text) => el("span", { class: "v-key" }, [el("span", { class: "v-key-line " + cls }), text]);
  // the details beside a narrow graph, under a wide one
  p.append(tools,
    el("div", { class: "v-row v-graph-row" }, [
      el("div", { class: "v-fig" }, [figHead(count, fig), wrap,
        el("div", { class: "v-keys", style: { maxWidth: Math.max(g.W, 360) + "px" } }, [keyLine("attn", "attention: from a token it reads"), keyLine("mlp", "MLP (the square)"),
          keyLine("res", "residual: the same token's state below"), el("span", { class: "muted", text: "width and darkness: the share, 0 to 1" })])]),
      details.node]));
  prune();
  v.lazy.add(wrap, () => requestAnimationFrame(toStart), false);
  return { node: p, figures: figs };
}
