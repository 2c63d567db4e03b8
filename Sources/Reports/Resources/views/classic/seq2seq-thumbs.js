/* Glassbox's seq2seq view (glassbox train seq2seq): the small heatmaps of "Every layer and head": one attention
 * pattern of a transformer (a layer's head of one kind) painted on a canvas, and its tooltip. */
import { MONO_FAMILY, chartTheme } from "../../lib/charts.js";
import { colorScale } from "../../lib/colors.js";
import { fixed, isNum } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { charLabel, quotedChar } from "./seq2seq-words.js";

/** @typedef {{input_tokens: string[], output_tokens: string[], weights: number[][]}} Pattern  seq2seq-words.js's patternOf */

/** A small heatmap's geometry: cells of 3 to 12 pixels, room for the labels, every how many rows and columns a label. @param {Pattern} P */
export function thumbGeometry(P) {
  const n = P.input_tokens.length, m = P.output_tokens.length;
  const cell = Math.max(3, Math.min(12, Math.floor(132 / Math.max(n, m, 1))));
  const left = 18, top = 14;
  return { n, m, cell, left, top, W: left + n * cell + 3, H: top + m * cell + 3, every: Math.max(1, Math.ceil(9 / cell)) };
}

/** One small heatmap: cells in the sequential scale (exactly 0 the panel colour), a few labels on each axis. @param {HTMLCanvasElement} canvas @param {Pattern} P */
export function paintThumb(canvas, P) {
  const g = thumbGeometry(P), dpr = Math.max(1, window.devicePixelRatio || 1);
  canvas.width = Math.round(g.W * dpr); canvas.height = Math.round(g.H * dpr);
  canvas.style.width = g.W + "px"; canvas.style.height = g.H + "px";
  const x = canvas.getContext("2d"), c = chartTheme(), sc = colorScale("sequential");
  x.setTransform(dpr, 0, 0, dpr, 0, 0);
  x.fillStyle = c.bg; x.fillRect(0, 0, g.W, g.H);
  for (let r = 0; r < g.m; r++) {
    const row = P.weights[r] || [];
    for (let k = 0; k < g.n; k++) {
      const w = row[k];
      if (!(isNum(w) && w > 0)) continue;
      x.fillStyle = sc.css(w);
      x.fillRect(g.left + k * g.cell, g.top + r * g.cell, g.cell, g.cell);
    }
  }
  x.strokeStyle = c.line; x.lineWidth = 1;
  x.strokeRect(g.left - 0.5, g.top - 0.5, g.n * g.cell + 1, g.m * g.cell + 1);
  x.font = "8.5px " + MONO_FAMILY; x.fillStyle = c.muted;
  const lab = (t) => (t === "<s>" ? "\u25b8" : t === "</s>" ? "\u25aa" : charLabel(t));
  x.textAlign = "center"; x.textBaseline = "alphabetic";
  for (let k = 0; k < g.n; k += g.every) x.fillText(lab(P.input_tokens[k]), g.left + (k + 0.5) * g.cell, g.top - 4);
  x.textAlign = "right"; x.textBaseline = "middle";
  for (let r = 0; r < g.m; r += g.every) x.fillText(lab(P.output_tokens[r]), g.left - 4, g.top + (r + 0.5) * g.cell);
}

/** Cells above the diagonal with any weight (0 for a causal pattern), for tests and the tooltip. @param {Pattern} P */
export const aboveDiagonal = (P) => P.weights.reduce((a, row, r) => a + row.filter((w, k) => k > r && w > 0).length, 0);

/**
 * A thumbnail's tooltip on the grid: the layer, the head and the cell under the pointer. patternOf(button): the
 * pattern a thumbnail shows (null: none); kindOf(): the kind shown (TF_KINDS's entry).
 * @param {HTMLElement} grid @param {(b: HTMLElement) => (Pattern|null)} patternOf @param {() => any} kindOf
 */
export function attachThumbTips(grid, patternOf, kindOf) {
  tooltip.attach(grid, (e) => {
    const t = /** @type {HTMLElement} */ (e.target);
    const b = t.closest ? /** @type {HTMLElement} */ (t.closest(".s2s-thumb")) : null;
    const P = b ? patternOf(b) : null;
    if (!P) return null;
    const g = thumbGeometry(P), box = b.querySelector("canvas").getBoundingClientRect();
    const k = Math.floor((e.clientX - box.left - g.left) / g.cell), r = Math.floor((e.clientY - box.top - g.top) / g.cell);
    const K = kindOf();
    const cellRows = r >= 0 && r < g.m && k >= 0 && k < g.n
      ? [[K.words.row + " " + quotedChar(P.output_tokens[r]) + " \u2190 " + K.words.col + " " + quotedChar(P.input_tokens[k]), fixed((P.weights[r] || [])[k], 3)]] : [];
    return tooltip.content(K.label + " \u00b7 layer " + b.dataset.layer + ", head " + b.dataset.head, cellRows, ["click to enlarge"]);
  });
}
