/* Glassbox's seq2seq view (glassbox train seq2seq): the alignment heatmap (output characters down the side, input
 * characters along the top, each cell an attention weight), shared by the held-out examples, the enlarged head of
 * "Every layer and head" and "Try your own input". */
import { MONO_FAMILY } from "../../lib/charts.js";
import { colorScale } from "../../lib/colors.js";
import { checksum, fixed, isNum } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { views } from "../report-views.js";
import { charLabel, quotedChar as qc } from "./seq2seq-words.js";

/**
 * The alignment heatmap of one example (ex() -> {input_tokens, output_tokens, weights, target?}): output characters
 * down the side, input characters along the top, each cell the attention weight (sequential scale; exactly 0 the
 * panel colour). A Figure, drawn when it comes into view; its size follows the example.
 * @param {any} v @param {string} id @param {string} name @param {() => any} ex
 * @param {{title?: string, row?: string, col?: string, rowLong?: string, colLong?: string}} [words]
 */
export function alignmentFigure(v, id, name, ex, words) {
  // words: what the rows and columns are, for another attention pattern than the alignment (the enlarged head)
  const W = Object.assign({ title: "Attention of each output character over the input characters", row: "output", col: "input", rowLong: "output character", colLong: "input character" }, words || {});
  const V = views;
  const geom = () => {
    const E = ex() || { input_tokens: [], output_tokens: [] };
    const n = Math.max(1, E.input_tokens.length), m = Math.max(1, E.output_tokens.length);
    const cell = Math.max(14, Math.min(38, Math.floor(640 / n)));
    const left = 50, top = 30;
    return { E, n, m, cell, left, top, W: left + n * cell + 12, H: top + m * cell + 10 };
  };
  const at = (g, x, y) => {
    const c = Math.floor((x - g.left) / g.cell), r = Math.floor((y - g.top) / g.cell);
    return c >= 0 && c < g.n && r >= 0 && r < g.m ? [r, c] : null;
  };
  const MONO = "13px " + MONO_FAMILY;
  return v.figure({
    id, name, className: "s2s-heat", title: W.title,
    size: () => { const g = geom(); return [g.W, g.H]; },
    hover: (x, y) => { const q = at(geom(), x, y); return q ? q.join(":") : null; },
    paint(pt, w, h, exporting, figure) {
      const g = geom(), E = g.E, c = V.background(pt, w, h), sc = colorScale("sequential");
      const Wt = E.weights || [], target = E.target !== undefined && E.target !== null ? Array.from(E.target) : null;
      const hv = !exporting && figure && figure.hover ? figure.hover.split(":").map(Number) : null;
      const numbers = g.cell >= 24;
      for (let r = 0; r < g.m; r++) {
        const row = Wt[r] || [];
        for (let k = 0; k < g.n; k++) {
          const wt = row[k];
          const x = g.left + k * g.cell, y = g.top + r * g.cell;
          pt.rect(x, y, g.cell, g.cell, isNum(wt) && wt > 0 ? sc.css(wt) : c.bg);
          if (numbers && isNum(wt) && wt >= 0.095) {
            pt.text(wt >= 0.995 ? "1" : fixed(wt, 2).replace(/^0/, ""), x + g.cell / 2, y + g.cell / 2 + 0.5, { color: sc.ink(wt), align: "center", baseline: "middle", font: "9.5px system-ui" });
          }
        }
      }
      V.frame(pt, g.left, g.top, g.n * g.cell, g.m * g.cell, c);
      // the labels: input characters along the top, output characters down the side (wrong ones in red)
      for (let k = 0; k < g.n; k++) {
        const t = E.input_tokens[k], on = hv && hv[1] === k;
        const mark = t === "<s>" || t === "</s>";
        pt.text(charLabel(t), g.left + (k + 0.5) * g.cell, g.top - 9, { color: on ? c.accent : t === " " ? c.faint : mark ? c.muted : c.ink, align: "center",
          font: (on ? "bold " : "") + (mark ? (g.cell < 30 ? "9px system-ui" : "11px system-ui") : MONO) });
      }
      for (let r = 0; r < g.m; r++) {
        const t = E.output_tokens[r], on = hv && hv[0] === r;
        const outChars = E.output_tokens.filter((q) => q !== "</s>");
        const bad = target && t !== "</s>" ? target[r] !== t : target && t === "</s>" ? outChars.length !== target.length : false;
        pt.text(charLabel(t), g.left - 10, g.top + (r + 0.5) * g.cell, { color: on ? c.accent : bad ? c.danger : t === "</s>" ? c.muted : c.ink, align: "right", baseline: "middle",
          font: (on || bad ? "bold " : "") + (t === "</s>" || t === "<s>" ? "11px system-ui" : MONO) });
      }
      if (hv) {
        const [r, k] = hv, x0 = g.left, y0 = g.top;
        pt.poly([[x0, y0 + r * g.cell], [x0 + g.n * g.cell, y0 + r * g.cell], [x0 + g.n * g.cell, y0 + (r + 1) * g.cell], [x0, y0 + (r + 1) * g.cell]], { stroke: c.accent, width: 1 });
        pt.poly([[x0 + k * g.cell, y0], [x0 + (k + 1) * g.cell, y0], [x0 + (k + 1) * g.cell, y0 + g.m * g.cell], [x0 + k * g.cell, y0 + g.m * g.cell]], { stroke: c.accent, width: 1 });
      }
      if (!exporting && figure) {
        figure.root.dataset.rows = String(E.output_tokens.length);
        figure.root.dataset.cols = String(E.input_tokens.length);
        figure.root.dataset.input = E.input_tokens.join("");
        figure.root.dataset.checksum = checksum(Wt.flat());
        Object.assign(figure.root.dataset, { cell: String(g.cell), left: String(g.left), top: String(g.top) }); // the grid's place, in CSS pixels
      }
    },
    tip(x, y) {
      const g = geom(), q = at(g, x, y);
      if (!q) return null;
      const [r, k] = q, E = g.E, row = (E.weights || [])[r] || [];
      let best = 0;
      row.forEach((wt, j) => { if (wt > row[best]) best = j; });
      return tooltip.content(W.row + " " + qc(E.output_tokens[r]) + " \u2190 " + W.col + " " + qc(E.input_tokens[k]) + ": " + fixed(row[k], 3),
        [["attention weight", fixed(row[k], 3)], [W.rowLong, (r + 1) + " of " + g.m], [W.colLong, (k + 1) + " of " + g.n]],
        [best !== k && isNum(row[best]) ? "this row looks most at " + qc(E.input_tokens[best]) + " (" + W.colLong + " " + (best + 1) + ", " + fixed(row[best], 2) + ")" : "the " + W.colLong + " this row looks at most"]);
    },
    csv: () => { const E = ex(); return [[W.row + " \\ " + W.col].concat(E.input_tokens)].concat(E.output_tokens.map((t, r) => [t].concat((E.weights || [])[r] || []))); },
    json: () => { const E = ex(); return { input: E.input, output: E.output, target: E.target, input_tokens: E.input_tokens, output_tokens: E.output_tokens, weights: E.weights }; },
  });
}
