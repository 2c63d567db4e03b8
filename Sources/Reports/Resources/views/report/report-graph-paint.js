/* Glassbox report views, inspect: painting the contribution graph (report-graph.js): the layer names, the states,
 * the kept edges grouped by kind and strength, the prediction explained, the token labels under the embeddings,
 * and the highlight of what is hovered or chosen. */
import { measureText } from "../../lib/charts.js";
import { MONO10 } from "./report-kit.js";

/** The graph's static part. s: {kept, start}; say: the prediction's words ("→ \" Paris\""). */
export function paintGraph(pt, w, h, c, g, s, say) {
  const { T, NR, cw, lw, top, X, Y, rh } = g, kept = s.kept, start = s.start;
  for (let r = 0; r < NR; r += 2) pt.line([[lw - 4, Y(r)], [lw + T * cw + 4, Y(r)]], { color: c.grid, width: 1 });
  for (let r = 0; r < NR; r++) {
    const name = r === 0 ? "embed" : r === NR - 1 ? "output" : r % 2 ? "L" + g.layerOf(r) : null;
    if (!name || !(rh >= 12 || r % 2 === 0 || g.layerOf(r) % 2 === 0)) continue;
    pt.text(name, lw - 12, Y(r), { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
    if (g.both) pt.text(name, lw + T * cw + 14, Y(r), { color: c.axis, baseline: "middle", font: "10px system-ui" });
  }
  for (let r = 0; r < NR; r++) for (let q = 0; q < T; q++) if (!kept.on[r * T + q]) pt.rect(X(q) - 1, Y(r) - 1, 2, 2, c.faint, 0.6);
  // residual edges first (behind), then the rest from the weakest step to the strongest; one path per group
  const groups = new Map();
  for (const e of kept.edges) {
    const key = (e.kind === "res" ? 0 : 1) * 100 + Math.round(10 * g.step(e)) + ":" + e.kind;
    if (!groups.has(key)) groups.set(key, { order: parseInt(key, 10), e, pts: [] });
    const grp = groups.get(key);
    for (const pnt of g.path(e)) grp.pts.push(pnt);
    grp.pts.push(null);
  }
  for (const grp of [...groups.values()].sort((a, b) => a.order - b.order)) pt.line(grp.pts, { color: g.colour(grp.e.kind, c), width: g.width(grp.e), alpha: g.opacity(grp.e) });
  for (const e of kept.edges) if (e.kind === "mlp") { const [bx, by] = g.mlpBox(e.r, e.q); pt.rect(bx - 2.5, by - 2.5, 5, 5, g.colour("mlp", c)); }
  for (let r = 0; r < NR; r++) for (let q = 0; q < T; q++) {
    if (kept.on[r * T + q] && !(r === NR - 1 && q === start)) pt.circle(X(q), Y(r), r % 2 ? 2 : 2.8, { fill: c.bg, stroke: c.axis, width: 1.1 });
  }
  pt.circle(X(start), Y(NR - 1), 4.5, { fill: c.accent, stroke: c.bg, width: 1.5 });
  const sw = measureText(say, "bold 12px system-ui"), sx = Math.min(X(start), w - 6 - sw / 2);
  pt.text(say, Math.max(sx, 6 + sw / 2), top - 14, { color: c.ink, align: "center", font: "bold 12px system-ui" });
  pt.text("predicted next", Math.max(sx, 6 + sw / 2), top - 28, { color: c.muted, align: "center", font: "10px system-ui" });
  for (let q = 0; q < T; q++) {
    const text = g.tickText(q), y = Y(0) + 10, on = q === start;
    if (!text) continue; // a later token of a split character: its first token shows the character
    if (g.flat) pt.text(text, X(q), y, { color: on ? c.ink : c.axis, align: "center", baseline: "top", font: MONO10 });
    else pt.text(text, X(q) + 3, y, { color: on ? c.ink : c.axis, align: "right", baseline: "middle", font: MONO10, rotate: -45 });
  }
}

/** The highlight of an item (a state or an edge): strong for the chosen one, light for the hovered one. */
export function markItem(pt, c, g, kept, it, strong) {
  if (!it) return;
  if (it.edge) {
    const e = kept.byKey.get(it.key);
    if (!e) return;
    pt.line(g.path(e), { color: c.accent, width: g.width(e) + 6, alpha: strong ? 0.4 : 0.25 });
    pt.line(g.path(e), { color: g.colour(e.kind, c), width: g.width(e) });
  } else pt.circle(g.X(it.q), g.Y(it.r), 6.5, { stroke: c.accent, width: strong ? 2.2 : 1.5 });
}
