/* Glassbox's seq2seq view (glassbox train seq2seq): the enlarged head of "Every layer and head": the pattern of the
 * thumbnail clicked, drawn as the alignment heatmap with its own words, with previous and next head and Close. */
import { clear, el } from "../../lib/dom.js";
import { icon } from "../../lib/ui.js";
import { alignmentFigure } from "./seq2seq-alignment-figure.js";
import { headsOf, patternOf } from "./seq2seq-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/**
 * The zoom of the layers panel in zoom (the #s2s-zoom element): open(l, h, scroll) shows layer l's head h of the
 * kind kindOf() (S.zoom records it), close() hides it. thumbs(): the grid's thumbnail buttons (the chosen one is
 * marked "sel").
 * @param {ClassicContext} ctx @param {HTMLElement} zoom @param {() => any} kindOf @param {() => HTMLElement[]} thumbs
 */
export function headZoom(ctx, zoom, kindOf, thumbs) {
  const { v, V, S } = ctx;
  const zoomed = () => (S.zoom ? patternOf(ctx.example(), S.kind, S.zoom.l, S.zoom.h) : null);
  let zfig = null;

  function close() {
    S.zoom = null;
    zoom.classList.remove("open");
    delete zoom.dataset.layer; delete zoom.dataset.head;
  }
  /** @param {number} l @param {number} h @param {boolean} scroll */
  function open(l, h, scroll) {
    const E = ctx.example(), L = E && E.layers ? E.layers.length : 0, H = headsOf(E, ctx.cfg);
    if (l < 0 || l >= L || h < 0 || h >= H) return;
    S.zoom = { l, h };
    for (const b of thumbs()) b.classList.toggle("sel", b.dataset.layer === String(l) && b.dataset.head === String(h));
    const K = kindOf(), idx = l * H + h, go = (d) => { const j = idx + d; open(Math.floor(j / H), j % H, false); };
    if (zfig) { zfig.destroy(); v.figures = v.figures.filter((f) => f !== zfig); }
    zfig = alignmentFigure(v, "s2s-zoom-heat", "attention-" + K.key + "-L" + l + "-H" + h, zoomed, K.words);
    zfig.opts.fileName = "glassbox-" + K.key.replace("_", "-") + "-layer-" + l + "-head-" + h + "-step-" + ctx.cur().step + "-example-" + S.ex;
    const prev = el("button", { type: "button", class: "icon-btn", id: "s2s-zoom-prev", title: "Previous head", "aria-label": "Previous head", disabled: idx === 0, onclick: () => go(-1) }, icon("left"));
    const next = el("button", { type: "button", class: "icon-btn", id: "s2s-zoom-next", title: "Next head", "aria-label": "Next head", disabled: idx === L * H - 1, onclick: () => go(1) }, icon("right"));
    const closeButton = el("button", { type: "button", class: "btn small ghost", id: "s2s-zoom-close", text: "Close", onclick: () => { close(); for (const b of thumbs()) b.classList.remove("sel"); } });
    clear(zoom).append(
      el("div", { class: "v-zoom-head" }, [el("h3", { text: K.label + ", layer " + l + ", head " + h }), el("span", { class: "v-stepper" }, [prev, next]),
        el("span", { class: "muted", text: K.short }), el("span", { class: "spacer" }), closeButton]),
      el("div", { class: "v-fig" }, [V.figHead(["rows: ", el("b", { text: K.words.rowLong }), ", columns: ", el("b", { text: K.words.colLong }), " \u00b7 hover a cell for its weight"], zfig),
        el("div", { class: "v-scroll" }, zfig.root)]));
    zoom.classList.add("open");
    zoom.dataset.layer = String(l); zoom.dataset.head = String(h); zoom.dataset.kind = K.key;
    zfig.draw();
    if (scroll) zoom.scrollIntoView({ block: "nearest" });
  }
  return { open, close };
}
