/* Glassbox report views, inspect: direct logit attribution (#dla): how much each layer's attention and MLP output,
 * read straight through the final norm and unembedding, adds to the target's logit (#dla-chart), and each head's
 * share (#dla-heads). */
import { linearTicks, measureText } from "../../lib/charts.js";
import { color, colorScale } from "../../lib/colors.js";
import { el } from "../../lib/dom.js";
import { fixed } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { background, figHead, paintYGrid, frame, signed, themedLegend } from "./report-kit.js";
import { tokenQuoted } from "./report-tokens.js";

export function dlaPanel(v) {
  const D = v.doc, Q = D.direct_logit_attribution;
  if (!Q) return;
  // A contrastive document explains logit(target) − logit(contrast): "why this rather than that".
  const what = Q.contrast_id !== undefined && Q.contrast_id !== null
    ? "the logit difference " + tokenQuoted(v.tokenText(Q.target_id)) + " \u2212 " + tokenQuoted(v.tokenText(Q.contrast_id)) + " (why the first rather than the second)"
    : "the logit of " + tokenQuoted(v.tokenText(Q.target_id));
  const p = v.panel("dla", "Direct logit attribution",
    "How much each layer's attention and MLP output, read straight through the final norm and unembedding, adds to " +
    what + " (" + fixed(Q.logit, 2) + " = embedding " + fixed(Q.embedding, 2) +
    (Q.bias ? " + final-norm bias " + fixed(Q.bias, 2) : "") + " + the bars).",
    "bars above zero push " + tokenQuoted(v.tokenText(Q.target_id)) + (Q.contrast_id !== undefined && Q.contrast_id !== null ? " up against " + tokenQuoted(v.tokenText(Q.contrast_id)) : " up") +
    ", bars below push it down; the tallest are the parts that " +
    "write the answer most directly. In the grid, red heads raise it, blue heads lower it, white ones do nothing.", ["dla", "logit", "head", "mlp"]);
  const bars = dlaBars(v, Q), [heads, hmax] = dlaHeads(v, Q);
  const lg = themedLegend(v, "diverging", hmax, Q.contrast_id !== undefined && Q.contrast_id !== null ? "change of the logit difference" : "change of the logit");
  p.append(el("div", { class: "v-row" }, [
    el("div", { class: "v-fig" }, [figHead("per layer: attention and MLP", bars), bars.root]),
    el("div", { class: "v-fig" }, [figHead("per head (rows layers, columns heads)", heads), heads.root, lg]),
  ]));
}

/** Per layer: the attention's and the MLP's bars side by side. */
function dlaBars(v, Q) {
  const L = Q.attention.length;
  // The value axis spans the bars (and zero), padded a little: most layers add little, a few add a lot.
  const all = Q.attention.concat(Q.mlp);
  let lo = Math.min(0, ...all), hi = Math.max(0, ...all);
  if (!(hi > lo)) hi = lo + 1;
  const padV = (hi - lo) * 0.06;
  if (lo < 0) lo -= padV;
  if (hi > 0) hi += padV;
  const W = Math.max(540, L * 24 + 70), H = Math.max(230, Math.min(340, L * 11)), box = { x: 52, y: 30, w: W - 52 - 14, h: H - 30 - 44 };
  const yt = linearTicks(lo, hi, 6);
  const Y = (val) => box.y + box.h - ((val - lo) / (hi - lo)) * box.h;
  const bw = box.w / L;
  const names = [["attention", color(0)], ["MLP", color(1)]];
  const bars = v.figure({
    id: "dla-chart", name: "direct-logit-attribution", title: "Direct logit attribution per layer", svg: true,
    size: () => [W, H],
    paint(pt, w, h) {
      const c = background(pt, w, h);
      paintYGrid(pt, c, yt, box, Y);
      for (let l = 0; l < L; l++) {
        const bar = Math.max(1, Math.min(bw / 2 - 3, 22)), x0 = box.x + l * bw + bw / 2 - bar - 1; // a pair, centred in its slot
        [Q.attention[l], Q.mlp[l]].forEach((val, k) => {
          const y0 = Y(0), y1 = Y(val);
          pt.rect(x0 + k * (bar + 2), Math.min(y0, y1), bar, Math.max(0.5, Math.abs(y1 - y0)), names[k][1]);
        });
        if (L <= 40 || l % 5 === 0) pt.text(String(l), box.x + l * bw + bw / 2, box.y + box.h + 8, { color: c.axis, align: "center", baseline: "top" });
      }
      let lx = box.x;
      for (const [name, col] of names) {
        pt.rect(lx, 10, 10, 10, col);
        pt.text(name, lx + 15, 15, { color: c.muted, baseline: "middle" });
        lx += 24 + measureText(name);
      }
      pt.text("layer", box.x + box.w / 2, h - 6, { color: c.muted, align: "center" });
    },
    tip(x, y) {
      const l = Math.floor((x - box.x) / bw);
      if (l < 0 || l >= L || y < box.y - 10 || y > box.y + box.h + 20) return null;
      return tooltip.content("layer " + l, [["attention", signed(Q.attention[l])], ["MLP", signed(Q.mlp[l])]]);
    },
    csv: () => [["layer", "attention", "mlp"]].concat(Q.attention.map((a, l) => [l, a, Q.mlp[l]])),
    json: () => ({ target: { id: Q.target_id, text: v.tokenText(Q.target_id) }, logit: Q.logit, embedding: Q.embedding, bias: Q.bias, attention: Q.attention, mlp: Q.mlp }),
  });
  return bars;
}

/** Per head: a layer x head map in the diverging scale; returns it with its largest |value|. */
function dlaHeads(v, Q) {
  const L = Q.attention.length, Hn = Q.heads[0].length;
  const cell = 16, lw = 30, top = 22, hmax = Math.max(1e-6, ...Q.heads.flat().map(Math.abs));
  const cellAt = (x, y) => [Math.floor((y - top) / cell), Math.floor((x - lw) / cell)];
  const heads = v.figure({
    id: "dla-heads", className: "v-heat", name: "direct-logit-attribution-heads", title: "Direct logit attribution per head",
    size: () => [lw + Hn * cell + 4, top + L * cell + 4],
    paint(pt, w, h) {
      const c = background(pt, w, h), sc = colorScale("diverging");
      for (let k = 0; k < Hn; k++) pt.text("h" + k, lw + k * cell + cell / 2, top - 6, { color: c.axis, align: "center", font: "10px system-ui" });
      for (let l = 0; l < L; l++) {
        if (L <= 40 || l % 5 === 0) pt.text(String(l), lw - 6, top + l * cell + cell / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
        for (let k = 0; k < Hn; k++) pt.rect(lw + k * cell, top + l * cell, cell - 1, cell - 1, sc.css(Q.heads[l][k] / hmax));
      }
      frame(pt, lw, top, Hn * cell - 1, L * cell - 1, c); // zero is white: the frame keeps the map's edge
    },
    tip(x, y) {
      const [l, k] = cellAt(x, y);
      return l >= 0 && l < L && k >= 0 && k < Hn ? tooltip.content("layer " + l + " \u00b7 head " + k, [["direct logit attribution", signed(Q.heads[l][k])]]) : null;
    },
    csv: () => [["layer", "head", "direct_logit_attribution"]].concat(Q.heads.flatMap((r, l) => r.map((val, k) => [l, k, val]))),
    json: () => ({ target: { id: Q.target_id, text: v.tokenText(Q.target_id) }, heads: Q.heads }),
  });
  return [heads, hmax];
}
