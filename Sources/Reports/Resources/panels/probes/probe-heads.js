/* Glassbox Studio, probe timeline: heads forming (#probe-heads-canvas). The mean attention entropy of each head on
 * the probe (rows: L layer, H head) at each checkpoint (columns, lined up with the lens table's), strong where a
 * head has learned to focus; a read-out on hover, a click selects the checkpoint; the legend (#probe-heads-legend)
 * and which head sharpened the most (#probe-heads-finding). */
import { Figure, chartTheme } from "../../lib/charts.js";
import { colorScale } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { int, isNum, num } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { columnWidth, LAB_W, selectionOf, uniformEntropy } from "./probe-data.js";
import { legend } from "./probe-widgets.js";

/** @typedef {import("./probe-state.js").ProbeContext} ProbeContext */
/** @typedef {import("./probe-data.js").Probe} Probe */

/**
 * The heatmap's layout for a probe: rows (layers x heads), columns (checkpoints), the row height, each head's
 * entropy at a read-out, the cell under a point. @param {ProbeContext} ctx @param {Probe} P
 */
function headsGrid(ctx, P) {
  const rows = P.L * P.H, C = P.snaps.length;
  // the columns line up with the lens table's (its cells are 1px apart, after its row labels)
  const rh = rows <= 16 ? 18 : rows <= 48 ? 12 : rows <= 144 ? 7 : 4, top = 4, bottom = 22;
  const geom = (w) => ({ cw: columnWidth(ctx.lensWrap.clientWidth, C) + 1, x0: LAB_W + 2, y0: top, w, h: top + rows * rh + bottom });
  const width = () => LAB_W + 2 + (columnWidth(ctx.lensWrap.clientWidth, C) + 1) * C + 8;
  const at = (x, y) => {
    const g = geom(width());
    const j = Math.floor((x - g.x0) / g.cw), r = Math.floor((y - g.y0) / rh);
    return j >= 0 && j < C && r >= 0 && r < rows && x >= g.x0 ? { j, r } : null;
  };
  return {
    rows, C, rh, geom, width, at, emax: uniformEntropy(P.tokens.length),
    name: (r) => "L" + Math.floor(r / P.H) + " H" + (r % P.H),
    ent: (s, r) => { const h = s.head_entropy && s.head_entropy[Math.floor(r / P.H)]; return h ? h[r % P.H] : null; },
  };
}

/** Paints the heatmap: the cells, the selected checkpoint, the hovered cell and the step labels.
 * @param {ProbeContext} ctx @param {Probe} P @param {ReturnType<typeof headsGrid>} G */
function painter(ctx, P, G) {
  const { rows, C, rh, ent, name, emax } = G;
  return (p, w, h, exporting, fig) => {
    const c = chartTheme(), sc = colorScale("sequential"), g = G.geom(w), labW = LAB_W;
    p.rect(0, 0, w, h, c.bg);
    const sel = selectionOf(ctx.cur(), ctx.S.sel);
    const gap = g.cw >= 6 && rh >= 7 ? 1 : 0;
    // cells of even attention are the panel's colour: hairlines between the cells keep them visible
    if (gap) p.rect(g.x0 - 1, g.y0 - 1, C * g.cw + 1, rows * rh + 1, c.line);
    for (let r = 0; r < rows; r++) {
      const y = g.y0 + r * rh;
      if (rh >= 7) p.text(name(r), labW - 6, y + rh / 2, { color: c.axis, align: "right", baseline: "middle", font: (rh >= 12 ? 11 : 9) + "px system-ui, sans-serif" });
      for (let j = 0; j < C; j++) {
        const v = ent(P.snaps[j], r);
        const x0 = Math.floor(g.x0 + j * g.cw), x1 = Math.floor(g.x0 + (j + 1) * g.cw);
        p.rect(x0, y, Math.max(1, x1 - x0 - gap), rh - gap, isNum(v) ? sc.css(1 - Math.min(1, v / emax)) : c.empty);
      }
    }
    // the selected checkpoint, and the hovered cell
    const xs = g.x0 + sel.j * g.cw;
    if (ctx.S.sel) p.poly([[xs - 0.5, g.y0 - 1.5], [xs + g.cw - 0.5, g.y0 - 1.5], [xs + g.cw - 0.5, g.y0 + rows * rh + 0.5], [xs - 0.5, g.y0 + rows * rh + 0.5]], { stroke: c.accent, width: 1.5 });
    const hv = !exporting && fig && fig.hover ? fig.hover.split(",").map(Number) : null;
    if (hv) {
      const hx = Math.floor(g.x0 + hv[0] * g.cw), hy = g.y0 + hv[1] * rh;
      p.poly([[hx - 0.5, hy - 0.5], [hx + Math.max(2, g.cw) - 0.5, hy - 0.5], [hx + Math.max(2, g.cw) - 0.5, hy + rh - 0.5], [hx - 0.5, hy + rh - 0.5]], { stroke: c.ink, width: 1 });
    }
    // step labels, newest anchored at the right
    const every = Math.max(1, Math.ceil((String(P.snaps[C - 1].step).length * 7 + 12) / g.cw));
    for (let j = C - 1; j >= 0; j -= every) {
      p.text(String(P.snaps[j].step), g.x0 + (j + 0.5) * g.cw, g.y0 + rows * rh + 5, { color: c.axis, align: "center", baseline: "top" });
    }
    p.text("step", labW - 6, g.y0 + rows * rh + 5, { color: c.axis, align: "right", baseline: "top" });
  };
}

/** The Figure's options: painting, hover read-out, click, CSV and JSON. @param {ProbeContext} ctx @param {Probe} P @param {ReturnType<typeof headsGrid>} G */
function figureOptions(ctx, P, G) {
  const { rows, ent, name, emax, at } = G;
  return {
    title: "Heads forming: attention entropy per head and checkpoint", name: "probe-heads", id: "probe-heads-canvas", className: "probe-heads-canvas",
    fileName: ctx.runId + "-probe-" + P.index + "-heads",
    size: () => { const g = G.geom(G.width()); return [g.w, g.h]; },
    paint: painter(ctx, P, G),
    hover: (x, y) => { const q = at(x, y); return q ? q.j + "," + q.r : null; },
    tip: (x, y) => {
      const q = at(x, y);
      if (!q) return null;
      const s = P.snaps[q.j], v = ent(s, q.r), v0 = ent(P.snaps[0], q.r);
      return tooltip.content(name(q.r) + " \u00b7 step " + int(s.step), [
        ["attention entropy", isNum(v) ? num(v, 3) + " nats" : "–"],
        ["spread evenly, it would be", num(emax, 3) + " nats"],
        q.j > 0 && isNum(v) && isNum(v0) ? ["since step " + int(P.snaps[0].step), (v - v0 > 0 ? "+" : "\u2212") + num(Math.abs(v - v0), 3)] : null,
      ], [isNum(v) ? (v < emax * 0.35 ? "focused: it looks at a few tokens" : v > emax * 0.8 ? "diffuse: it looks at nearly everything" : "in between") : null]);
    },
    click: (x, y) => { const q = at(x, y); if (q) ctx.select(P.snaps[q.j].step, null); },
    csv: () => [["step", "layer", "head", "entropy"]].concat(P.snaps.flatMap((s) => Array.from({ length: rows }, (_, r) => [s.step, Math.floor(r / P.H), r % P.H, ent(s, r)]))),
    json: () => ({ run: ctx.runId, probe: P.index, text: P.text, uniform_entropy: emax, steps: P.snaps.map((s) => s.step), head_entropy: P.snaps.map((s) => s.head_entropy) }),
  };
}

/** Which head sharpened the most from the first checkpoint to the newest, and which are focused now.
 * @param {Probe} P @param {ReturnType<typeof headsGrid>} G */
function headsFinding(P, G) {
  const { rows, C, ent, name, emax } = G;
  if (C < 2) return "One checkpoint so far: with two or more you can see heads sharpen.";
  let best = null;
  for (let r = 0; r < rows; r++) {
    const a = ent(P.snaps[0], r), b = ent(P.snaps[C - 1], r);
    if (isNum(a) && isNum(b) && (!best || a - b > best.d)) best = { r, a, b, d: a - b };
  }
  const focused = [];
  for (let r = 0; r < rows; r++) { const b = ent(P.snaps[C - 1], r); if (isNum(b) && b < emax * 0.35) focused.push(name(r)); }
  return (best && best.d > 0.05
    ? name(best.r) + " sharpened the most: from " + num(best.a, 3) + " nats at step " + int(P.snaps[0].step) + " to " + num(best.b, 3) + " at step " + int(P.snaps[C - 1].step) + ". "
    : "No head has sharpened much yet. ") +
    (focused.length ? "Focused now (under a third of even spread): " + focused.slice(0, 8).join(", ") + (focused.length > 8 ? " and " + (focused.length - 8) + " more." : ".") : "No head is strongly focused yet.");
}

/** Draws the heads heatmap anew (a new Figure), its legend and its finding. @param {ProbeContext} ctx @param {Probe} P */
export function renderHeads(ctx, P) {
  const parts = ctx.parts, wrap = ctx.headsWrap;
  const G = headsGrid(ctx, P);
  wrap.dataset.rows = String(G.rows);
  wrap.dataset.cols = String(G.C);
  if (!G.rows) {
    clear(wrap).appendChild(el("p", { class: "muted", text: "No attention entropies in these read-outs." }));
    clear(parts.headsLegend);
    parts.headsFind.textContent = "";
    return;
  }
  if (ctx.headsFigure) ctx.headsFigure.destroy();
  const fig = new Figure(figureOptions(ctx, P, G));
  ctx.headsFigure = fig;
  fig.root.dataset.rows = String(G.rows);
  fig.root.dataset.cols = String(G.C);
  clear(wrap).appendChild(fig.root);
  clear(parts.headsMenu).appendChild(fig.menu());
  fig.draw();
  clear(parts.headsLegend).appendChild(legend((t) => num((1 - t) * G.emax, 2), "nats of mean attention entropy: faint = spread evenly over the tokens before it, strong = focused"));
  parts.headsFind.textContent = headsFinding(P, G);
}
