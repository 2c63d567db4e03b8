/* Glassbox report views, inspect: an attention head enlarged (report-attention.js opens it in #head-zoom): its
 * weights with the tokens on both axes (#zoom-canvas) and the head view, lines from each query to the keys it
 * reads (#head-view). Split characters show once, on their first token (report-tokens.js). */
import { Figure, measureText } from "../../lib/charts.js";
import { color } from "../../lib/colors.js";
import { fixed } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { MONO, background, clip } from "./report-kit.js";

/** The pattern of layer entry l (the model's layer `layer`), head k: P its dense weights; pats: headPatterns(C);
 * rd: the prompt read as characters. */
export function zoomFigure(D, C, pats, rd, l, layer, k, P) {
  const T = C.positions;
  // Eight pixels a token up to 480; a longer prompt gets a pixel a token (up to 720) before it is shrunk.
  const size = T <= 480 ? Math.min(480, Math.max(240, T * 8)) : Math.min(T, 720);
  const n = Math.min(T, 2 * size); // drawn at up to 2x for sharp downloads and HiDPI screens
  const labels = T <= 48;
  const axis = (i) => clip(rd.label(i), 12);
  const lw = labels ? Math.min(110, Math.ceil(Math.max(...D.tokens.map((_, i) => measureText(axis(i), MONO)))) + 12) : 0;
  const top = labels ? Math.min(90, lw * 0.72 + 8) : 0;
  const box = { x: lw, y: top, s: size };
  const cellAt = (x, y) => [Math.floor(((y - box.y) / box.s) * T), Math.floor(((x - box.x) / box.s) * T)];
  const tok = (i) => "#" + i + " " + rd.name(i);
  return new Figure({
    id: "zoom-canvas", className: "v-heat", name: "attention-L" + layer + "-H" + k, fileName: "glassbox-attention-L" + layer + "-H" + k,
    title: "Attention of layer " + layer + " head " + k, size: () => [box.x + size + (labels ? Math.max(8, top - 10) : 8), box.y + size + 8],
    hover: (x, y) => { const [i, j] = cellAt(x, y); return i >= 0 && j >= 0 && i < T && j < T ? i + ":" + j : null; },
    paint(pt, w, h, exporting, f) {
      const c = background(pt, w, h);
      pt.image(pats.held(l, k, n), box.x, box.y, size, size, n > size * Math.max(1, window.devicePixelRatio || 1));
      pt.poly([[box.x, box.y], [box.x + size, box.y], [box.x + size, box.y + size], [box.x, box.y + size]], { stroke: c.line, width: 1 });
      const cs = size / T;
      if (labels) {
        for (let i = 0; i < T; i++) {
          const s = axis(i);
          if (!s) continue; // a later token of a split character
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
      return tooltip.content("weight " + fixed(P[i * T + j], 3), [["query", tok(i)], ["key", tok(j)]]);
    },
    csv: () => [["query \\ key"].concat(D.tokens.map((t, j) => j + " " + t.text))].concat(
      Array.from({ length: T }, (_, i) => [i + " " + D.tokens[i].text].concat(Array.from(P.subarray(i * T, (i + 1) * T))))),
    json: () => ({ layer, head: k, tokens: D.tokens.map((t) => t.text), keys_per_row: C.keys_per_row,
      weights: Array.from({ length: T }, (_, i) => Array.from(P.subarray(i * T, i * T + i + 1))) }),
  });
}

/** Lines from each query (left) to the keys it attends to (right), for the last 40 tokens. */
export function headView(T, rd, layer, k, P) {
  const n = Math.min(T, 40), first = T - n, rowH = 17, W = 380, Hh = n * rowH + 26, xl = 120, xr = W - 120;
  const rowAt = (y) => { const a = Math.floor((y - 26 + rowH / 2 + 4) / rowH); return a >= 0 && a < n ? a : null; };
  return new Figure({
    id: "head-view", className: "v-headview", name: "head-view-L" + layer + "-H" + k, fileName: "glassbox-head-view-L" + layer + "-H" + k,
    title: "Head view of layer " + layer + " head " + k, size: () => [W, Hh],
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
        const s = clip(rd.label(first + a, first), 14), y = 26 + a * rowH;
        if (!s) continue;
        pt.text(s, xl, y, { color: only !== null && a !== only ? c.faint : c.ink, font: MONO, align: "right" });
        pt.text(s, xr, y, { color: c.ink, font: MONO });
      }
    },
  });
}
