/* Glassbox report views, diff: which layers write the target, before and after (#diff-layers): the target's direct
 * logit attribution per layer in a and in b as paired bars in the sides' colours, one chart for attention
 * (#diff-dla-attention) and one for the MLPs (#diff-dla-mlp). */
import { linearTicks, measureText } from "../../lib/charts.js";
import { el } from "../../lib/dom.js";
import { fixed, isNum } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { background, figHead, paintYGrid, signed } from "./report-kit.js";
import { sideText, sidesLegend } from "./report-diff-sides.js";
import { tokenQuoted } from "./report-tokens.js";

/** The value axis: it spans the bars of both sides (and zero), padded a little. */
function valueAxis(A, B) {
  const all = A.attention.concat(A.mlp, B.attention, B.mlp).filter(isNum);
  let lo = Math.min(0, ...all), hi = Math.max(0, ...all);
  if (!(hi > lo)) hi = lo + 1;
  const padV = (hi - lo) * 0.06;
  if (lo < 0) lo -= padV;
  if (hi > 0) hi += padV;
  return [lo, hi];
}

/** One chart of paired bars (a left, b right) for key "attention" or "mlp". */
function pairChart(v, key, title, L) {
  const D = v.doc, A = D.a, B = D.b, S = v.sides;
  const [lo, hi] = valueAxis(A, B);
  const slot = Math.max(14, Math.min(48, Math.floor(480 / L)));
  const W = Math.max(320, 52 + L * slot + 14), H = 264, box = { x: 52, y: 48, w: W - 52 - 14, h: H - 48 - 40 };
  const yt = linearTicks(lo, hi, 6);
  const Y = (val) => box.y + box.h - ((val - lo) / (hi - lo)) * box.h;
  return v.figure({
    id: "diff-dla-" + key, name: "diff-dla-" + key, title: title + ": direct logit attribution per layer, a and b", svg: true, className: "v-diff-bars",
    size: () => [W, H],
    paint(pt, w, h) {
      const c = background(pt, w, h);
      paintYGrid(pt, c, yt, box, Y);
      const bw = box.w / L, bar = Math.max(1, Math.min(bw / 2 - 2, 20));
      for (let l = 0; l < L; l++) {
        const x0 = box.x + l * bw + bw / 2 - bar - 1;
        [A[key][l], B[key][l]].forEach((val, k) => {
          const y0 = Y(0), y1 = Y(isNum(val) ? val : 0);
          pt.rect(x0 + k * (bar + 2), Math.min(y0, y1), bar, Math.max(0.5, Math.abs(y1 - y0)), k ? S.b.colour : S.a.colour);
        });
        if (L <= 40 || l % 5 === 0) pt.text(String(l), box.x + l * bw + bw / 2, box.y + box.h + 8, { color: c.axis, align: "center", baseline: "top" });
      }
      // the title, then the sides' colours and names on a line of their own (each clipped to half of it)
      pt.text(title, box.x, 12, { color: c.ink, font: "600 12px system-ui", baseline: "middle" });
      let lx = box.x;
      for (const k of ["a", "b"]) {
        pt.rect(lx, 25, 10, 10, S[k].colour);
        // a long name loses its start, which both sides share ("…@20", "…@60")
        let name = S[k].name, s = sideText(v, k);
        while (name.length > 4 && measureText(s) > (w - box.x) / 2 - 30) { name = name.slice(1); s = k + " \u00b7 \u2026" + name; }
        pt.text(s, lx + 15, 30, { color: c.muted, baseline: "middle" });
        lx += 28 + measureText(s);
      }
      pt.text("layer", box.x + box.w / 2, h - 6, { color: c.muted, align: "center" });
    },
    tip(x, y) {
      const l = Math.floor(((x - box.x) / box.w) * L);
      if (l < 0 || l >= L || y < box.y - 10 || y > box.y + box.h + 20) return null;
      const d = B[key][l] - A[key][l];
      return tooltip.content(title + " of layer " + l, [[sideText(v, "a"), signed(A[key][l])], [sideText(v, "b"), signed(B[key][l])], ["change (b \u2212 a)", signed(d)]]);
    },
    csv: () => [["layer", "a", "b", "change"]].concat(A[key].map((x, l) => [l, x, B[key][l], B[key][l] - x])),
    json: () => ({ target: { id: D.target_id, text: v.tokenText(D.target_id) }, part: key, a: { id: A.id, values: A[key] }, b: { id: B.id, values: B[key] } }),
  });
}

/** The target's direct logit attribution per layer, a and b side by side: one chart for attention, one for the MLPs. */
export function diffLayers(v) {
  const D = v.doc, A = D.a, B = D.b, S = v.sides, L = A.attention.length, tgt = tokenQuoted(v.tokenText(D.target_id));
  const p = v.panel("diff-layers", "Which layers write the target, before and after",
    "How much each layer's attention and MLP output, read straight through the final norm and unembedding, adds to the logit of " + tgt +
    " (" + fixed(A.logit, 2) + " in a, " + S.a.name + "; " + fixed(B.logit, 2) + " in b, " + S.b.name + "). For each layer, a's bar on the left and b's on the right.",
    "where b's bar is taller than a's, that layer now writes " + tgt + " more directly; a pair on opposite sides of zero flipped from " +
    "pushing it up to pushing it down. Pairs of equal bars are layers whose direct effect did not change (their effect through later " +
    "layers may still have).", ["dla", "logit", "mlp", "checkpoint"]);
  const att = pairChart(v, "attention", "Attention", L), mlp = pairChart(v, "mlp", "MLP", L);
  for (const f of [att, mlp]) { f.root.dataset.layers = String(L); }
  p.append(el("div", { class: "v-row" }, [
    el("div", { class: "v-fig" }, [figHead(["attention output, per layer: ", sidesLegend(v)], att), att.root]),
    el("div", { class: "v-fig" }, [figHead(["MLP output, per layer: ", sidesLegend(v)], mlp), mlp.root]),
  ]));
}
