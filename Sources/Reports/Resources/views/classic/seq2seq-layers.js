/* Glassbox's seq2seq view (glassbox train seq2seq): the panel "Every layer and head" of a transformer run: for the
 * chosen example at the chosen checkpoint, a switch between encoder self-attention, decoder self-attention and
 * cross-attention, a grid of small heatmaps (rows layers, columns heads) and, below it, the one clicked, enlarged. */
import { clear, el } from "../../lib/dom.js";
import { checksum, fixed, int } from "../../lib/format.js";
import { aboveDiagonal, attachThumbTips, paintThumb, thumbGeometry } from "./seq2seq-thumbs.js";
import { TF_KINDS, headsOf, patternOf } from "./seq2seq-words.js";
import { headZoom } from "./seq2seq-zoom.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The panel's parts: the kind switch (setKind(key) on a click), the note, the grid with its caption and legend, the zoom. */
function layersParts(ctx, setKind) {
  const { v, V } = ctx;
  const seg = el("div", { class: "v-seg s2s-kinds", id: "s2s-kinds", role: "group", "aria-label": "Which attention" }, TF_KINDS.map((K) =>
    el("button", { type: "button", id: "s2s-kind-" + K.key, dataset: { kind: K.key }, title: K.short, onclick: () => setKind(K.key) }, [K.label,
      el("span", { class: "s2s-kind-dims", text: K.short })])));
  const note = el("div", { class: "s2s-layers-note", id: "s2s-layers-note", hidden: true });
  const caption = el("span");
  const grid = el("div", { class: "s2s-heads", id: "s2s-heads" });
  const legend = V.themedLegend(v, "sequential", 1, "attention weight (each row adds up to 1; exactly 0, as above the diagonal of a causal mask, is the panel colour)",
    (x) => (x === 0 ? "0" : x === 1 ? "1" : fixed(x, 2)));
  legend.id = "s2s-layers-legend";
  const body = el("div", { class: "s2s-layers-body" }, [el("div", { class: "v-fig" }, [el("div", { class: "v-fig-head" }, el("div", { class: "v-caption" }, caption)),
    el("div", { class: "v-scroll" }, grid), legend])]);
  // the enlarged pattern: the same drawing as the alignment above, with its own words
  const zoom = el("div", { class: "v-zoom s2s-zoom", id: "s2s-zoom" });
  return { seg, note, caption, grid, body, zoom };
}

/** The note for an example without its layers: which examples have them, and a button to the first. */
function noLayersNote(ctx, note) {
  const withL = ctx.examples().map((X, k) => (X.layers ? k : -1)).filter((k) => k >= 0);
  clear(note).append(el("p", {}, ["The checkpoints record every layer and head only for the first " + (withL.length || 3) + " examples (marked ",
    el("span", { class: "s2s-ex-tag", text: "all heads" }), " in the list above); this one has just the averaged alignment."]),
  withL.length ? el("button", { type: "button", class: "btn small", id: "s2s-layers-first", text: "Show example " + (withL[0] + 1), onclick: () => ctx.pickExample(withL[0]) }) : null);
}

/**
 * The transformer's attention patterns of the chosen example. Only the first examples of each checkpoint carry them
 * (`layers`); the others get a note. @param {ClassicContext} ctx
 */
export function layersPanel(ctx) {
  const { v, S } = ctx;
  const read = el("span", { id: "s2s-layers-read" });
  const p = v.panel("s2s-layers", "Every layer and head",
    ["Every attention pattern inside the transformer for the chosen example at the chosen checkpoint: one small grid per ", el("b", { text: "layer" }),
      " (rows) and ", el("b", { text: "head" }), " (columns), rows the positions that look (queries), columns the positions they look at (keys). Click one to enlarge it."],
    read, ["selfatt", "crossatt", "causal", "head", "layer"]);
  p.classList.add("s2s-layers-panel");
  const kindOf = () => TF_KINDS.find((K) => K.key === S.kind) || TF_KINDS[2];
  const { seg, note, caption, grid, body, zoom } = layersParts(ctx, (k) => { if (k !== S.kind) { S.kind = k; build(); } });
  p.append(el("div", { class: "s2s-layers-tools" }, seg), note, body, zoom);
  /** @type {HTMLElement[]} */
  let thumbs = [];
  const patterns = new Map(); // a thumbnail's pattern (null: none)
  const zoomer = headZoom(ctx, zoom, kindOf, () => thumbs);

  /** One thumbnail: layer l's head h of kind K, a button that enlarges it. */
  function thumb(E, K, l, h) {
    const P = patternOf(E, K.key, l, h);
    const canvas = el("canvas", { "aria-hidden": "true" });
    const b = el("button", { type: "button", class: ["s2s-thumb", S.zoom && S.zoom.l === l && S.zoom.h === h ? "sel" : null], onclick: () => zoomer.open(l, h, true),
      "aria-label": K.label + ", layer " + l + ", head " + h + ": enlarge",
      dataset: { layer: String(l), head: String(h), kind: K.key, rows: String(P ? P.output_tokens.length : 0), cols: String(P ? P.input_tokens.length : 0),
        above: P ? String(aboveDiagonal(P)) : "", checksum: P ? checksum(P.weights.flat()) : "" } }, canvas);
    if (P) paintThumb(canvas, P);
    patterns.set(b, P);
    return b;
  }
  /** The grid of the chosen example and kind: the head numbers on top, a row per layer. */
  function fillGrid(E, K) {
    const L = E.layers.length, H = headsOf(E, ctx.cfg), g = thumbGeometry(patternOf(E, K.key, 0, 0));
    clear(caption).append(el("b", { text: K.label }), " (" + K.short + ") \u00b7 " + L + " layers \u00d7 " + H + " heads \u00b7 input ",
      el("b", { class: "mono", text: "\u201c" + E.input + "\u201d" }), " at step ", el("b", { text: int(ctx.cur().step) }));
    grid.style.gridTemplateColumns = "auto repeat(" + H + ", " + (g.W + 6) + "px)";
    clear(grid).append(el("div"), ...Array.from({ length: H }, (_, h) => el("div", { class: "s2s-hlab", text: "head " + h })));
    thumbs = [];
    patterns.clear();
    for (let l = 0; l < L; l++) {
      grid.append(el("div", { class: "s2s-llab", text: "layer " + l }));
      for (let h = 0; h < H; h++) {
        const b = thumb(E, K, l, h);
        thumbs.push(b);
        grid.append(b);
      }
    }
    grid.dataset.layers = String(L); grid.dataset.heads = String(H); grid.dataset.kind = K.key;
    grid.dataset.checksum = checksum([].concat(...thumbs.map((b) => (patterns.get(b) ? patterns.get(b).weights.flat() : []))));
    if (S.zoom) zoomer.open(Math.min(S.zoom.l, L - 1), Math.min(S.zoom.h, H - 1), false);
  }
  function build() {
    const E = ctx.example(), K = kindOf();
    p.dataset.kind = K.key;
    for (const b of /** @type {HTMLElement[]} */ (Array.from(seg.children))) {
      const on = b.dataset.kind === K.key;
      b.classList.toggle("on", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    }
    clear(read).append(K.read);
    const has = !!(E && E.layers && E.layers.length);
    p.dataset.layers = has ? "1" : "0";
    body.hidden = !has;
    note.hidden = has;
    if (has) { fillGrid(E, K); return; }
    noLayersNote(ctx, note);
    clear(grid); thumbs = [];
    patterns.clear();
    zoomer.close();
  }
  attachThumbTips(grid, (b) => patterns.get(b) || null, kindOf);
  v.repaint.push(() => { for (const b of thumbs) if (patterns.get(b)) paintThumb(b.querySelector("canvas"), patterns.get(b)); });
  ctx.onSelect.push(build);
}
