/* Glassbox report views, diff: which heads changed (#diff-heads): per-head maps of the change of each head's direct
 * logit attribution (#diff-dla-heads) and of how far its attention moved (#diff-attn-heads), the heads whose
 * attention moved most (#diff-heads-top), and a head's pattern in a, in b and their difference when clicked
 * (#diff-head-zoom, report-diff-head-zoom.js). */
import { colorScale } from "../../lib/colors.js";
import { el } from "../../lib/dom.js";
import { isNum } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { background, figHead, frame, saver, signed, themedLegend, v3 } from "./report-kit.js";
import { openDiffHead } from "./report-diff-head-zoom.js";
import { changeTag, changeText, sideText } from "./report-diff-sides.js";
import { tokenQuoted } from "./report-tokens.js";

/** An L x H map of vals (rows layers, columns heads); s.marked: the head marked; rows(l, k): the tooltip's rows;
 * pick(l, k) on a click. */
function headMap(v, s, spec) {
  const { id, name, title, vals, scaleName, max, rows, pick } = spec, { L, Hn } = s;
  const cell = Math.max(16, Math.min(40, Math.floor(320 / Math.max(L, Hn, 1)))), lw = 30, top = 22;
  const cellAt = (x, y) => [Math.floor((y - top) / cell), Math.floor((x - lw) / cell)];
  const inside = (l, k) => l >= 0 && l < L && k >= 0 && k < Hn;
  const D = v.doc;
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
      if (s.marked && !exporting) {
        const [l, k] = s.marked, x = lw + k * cell - 1, y = top + l * cell - 1;
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
  Object.assign(f.root.dataset, { rows: String(L), cols: String(Hn), cells: "0", max: String(max) });
  return f;
}

/** The heads whose attention moved most, ranked; pick(l, k) on a click. */
function rankedHeads(v, loadHead, pick) {
  const D = v.doc, ranked = (D.heads || []).slice(0, 12), mx = Math.max(1e-9, ...ranked.map((x) => x.mean_change));
  return el("table", { class: "v-alts v-rank", id: "diff-heads-top" }, [
    el("thead", {}, el("tr", {}, [el("th", {}), el("th", { class: "t", text: "head" }), el("th", { text: "attention moved (mean)" }), el("th", {}),
      el("th", { class: "num", title: "the largest change of one attention weight", text: "largest" }),
      el("th", { class: "num", title: "the change of its direct logit attribution to the target: " + changeText(v) }, ["DLA change ", changeTag(v)])])),
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
}

/** Per-head maps of what changed (rows layers, columns heads), the heads whose attention moved most beside them. */
export function diffHeads(v, loadHead) {
  const D = v.doc, M = D.dla_head_change, C = D.attention_change, L = M.length, Hn = L ? M[0].length : 0, tgt = tokenQuoted(v.tokenText(D.target_id));
  const p = v.panel("diff-heads", "Which heads changed",
    "Left: each head's direct logit attribution to " + tgt + " in b (" + v.sides.b.name + ") minus in a (" + v.sides.a.name + "). Right: how far each " +
    "head's attention pattern moved: the mean |A_b \u2212 A_a| over the positions it may look at (rows layers, columns heads).",
    "red heads push " + tgt + " up more in b than in a, blue heads less (or down), white ones did not change. On the right, dark " +
    "heads now look somewhere else, pale ones kept their pattern. The list ranks the heads whose attention moved most" +
    (loadHead ? "; click one to see its pattern in a and in b." : "; click one to mark it in both maps."), ["head", "dla", "pattern", "checkpoint"]);
  const byHead = new Map((D.heads || []).map((x) => [x.layer + ":" + x.head, x]));
  const s = { L, Hn, marked: null };
  const dmax = Math.max(1e-6, ...M.flat().filter(isNum).map(Math.abs)), amax = Math.max(1e-6, ...C.flat().filter(isNum));
  const dlaRows = (l, k) => [["DLA change (b \u2212 a)", signed(M[l][k])], ["in " + sideText(v, "a"), signed(D.a.heads[l][k])], ["in " + sideText(v, "b"), signed(D.b.heads[l][k])]];
  const attRows = (l, k) => { const x = byHead.get(l + ":" + k); return [["mean change |A_b \u2212 A_a|", v3(C[l][k])], x ? ["largest change", v3(x.max_change)] : null]; };
  const zoom = el("div", { class: "v-zoom v-diff-zoom", id: "diff-head-zoom" });
  const maps = [];
  const show = { figs: [], seq: 0 };
  function pick(l, k, fromMap) {
    s.marked = [l, k];
    for (const row of list.tBodies[0].rows) row.classList.toggle("sel", +row.dataset.layer === l && +row.dataset.head === k);
    for (const f of maps) f.requestDraw();
    p.dataset.marked = l + ":" + k;
    if (loadHead) openDiffHead(v, zoom, show, loadHead, l, k);
    else if (fromMap) tooltip.hide();
  }
  const dfig = headMap(v, s, { id: "diff-dla-heads", name: "dla_head_change", title: "Change of each head's direct logit attribution (" + changeText(v) + ")",
    vals: M, scaleName: "diverging", max: dmax, rows: dlaRows, pick });
  const afig = headMap(v, s, { id: "diff-attn-heads", name: "attention_change", title: "How far each head's attention pattern moved from a to b",
    vals: C, scaleName: "sequential", max: amax, rows: attRows, pick });
  maps.push(dfig, afig);
  const list = rankedHeads(v, loadHead, pick);
  const listSave = saver("Heads that changed most", "diff-heads", null,
    () => [["layer", "head", "mean_change", "max_change", "dla_change"]].concat((D.heads || []).map((x) => [x.layer, x.head, x.mean_change, x.max_change, x.dla_change])),
    () => ({ a: D.a.id, b: D.b.id, heads: D.heads || [] }));
  p.append(
    el("div", { class: "v-row" }, [
      el("div", { class: "v-fig" }, [figHead(["DLA change, ", changeTag(v)], dfig), dfig.root, themedLegend(v, "diverging", dmax, "change of the logit, " + changeText(v))]),
      el("div", { class: "v-fig" }, [figHead(["attention moved, ", changeTag(v)], afig), afig.root, themedLegend(v, "sequential", amax, "mean |A_b \u2212 A_a|")]),
      el("div", { class: "v-fig v-ranked" }, [figHead("The " + list.tBodies[0].rows.length + " heads whose attention moved most", listSave), list]),
    ]), zoom);
}
