/* Glassbox's MLP view (glassbox train mlp): the panel "First layer": the weights of the first layer's hidden units
 * (a column per unit, a row per input, the biases in a row of their own) at the chosen checkpoint, one colour scale
 * for the whole run. */
import { measureText } from "../../lib/charts.js";
import { colorScale } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { checksum, int, isNum, num } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { v3 } from "./mlp-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The tooltip of unit u, row r (an input, or I: the bias): the value and, with few inputs, the unit's sum. */
function weightTip(F, feats, act, u, r) {
  const I = feats.length;
  const val = r < I ? (F.first_layer[u] || [])[r] : (F.first_layer_bias || [])[u];
  const w = F.first_layer[u] || [];
  return tooltip.content("hidden unit " + u + " \u00b7 " + (r < I ? "weight on " + feats[r] : "bias"), [[r < I ? "weight" : "bias", v3(val)]],
    [I <= 4 ? "this unit: " + w.map((q, k) => (k ? (q < 0 ? " \u2212 " : " + ") : q < 0 ? "\u2212" : "") + num(Math.abs(q), 2) + "\u00b7" + feats[k]).join("") +
      " " + ((F.first_layer_bias || [])[u] < 0 ? "\u2212 " : "+ ") + num(Math.abs((F.first_layer_bias || [])[u] || 0), 2) + ", then " + act : null]);
}

/**
 * The weights as a Figure: the columns share the width of wrap (numbers in the cells when they fit). g: the
 * geometry that does not change (labelW, ch, top, rowY, H, units, feats).
 */
function weightsFigure(ctx, g, wrap, act) {
  const { v, V, cur, D } = ctx, { labelW, ch, top, rowY, units, feats } = g, I = feats.length;
  let cw = 12, numbers = false;
  const size = () => {
    cw = Math.max(9, Math.min(44, Math.floor(((wrap.clientWidth || 760) - labelW - 12) / Math.max(1, units))));
    numbers = cw >= 34;
    return [labelW + units * cw + 12, g.H];
  };
  return v.figure({
    id: "mlp-first-layer-map", name: "first-layer", className: "mlp-weights", title: "First layer weights", svg: false,
    size,
    paint(pt, w, h, exporting, figure) {
      const F = cur(), c = V.background(pt, w, h), sc = colorScale("diverging"), max = D().weightMax;
      const Wt = F.first_layer || [], B = F.first_layer_bias || [];
      const every = [1, 2, 4, 8, 16, 32, 64].find((k) => k * cw >= 26) || 64;
      for (let u = 0; u < units; u += every) pt.text(String(u), labelW + u * cw + cw / 2, top - 7, { color: c.axis, align: "center", font: "10px system-ui" });
      for (let r = 0; r <= I; r++) {
        const y = rowY(r);
        pt.text(r < I ? feats[r] : "bias", labelW - 8, y + ch / 2, { color: r < I ? c.ink : c.muted, align: "right", baseline: "middle", font: "11px system-ui" });
        for (let u = 0; u < units; u++) {
          const val = r < I ? (Wt[u] || [])[r] : B[u];
          const t = isNum(val) ? val / max : 0;
          pt.rect(labelW + u * cw, y, cw - 1, ch - 1, isNum(val) ? sc.css(t) : c.empty);
          if (numbers && isNum(val)) pt.text(num(val, 2), labelW + u * cw + cw / 2, y + ch / 2 + 0.5, { color: sc.ink(t), align: "center", baseline: "middle", font: "10px system-ui" });
        }
        V.frame(pt, labelW, y, units * cw - 1, ch - 1, c);
      }
      if (!exporting && figure) {
        figure.root.dataset.step = String(F.step);
        figure.root.dataset.units = String(units);
        figure.root.dataset.inputs = String(I);
        figure.root.dataset.checksum = checksum(Wt.flat().concat(B));
      }
    },
    tip(x, y) {
      const u = Math.floor((x - labelW) / cw);
      let r = -1;
      for (let k = 0; k <= I; k++) if (y >= rowY(k) && y < rowY(k) + ch) r = k;
      if (u < 0 || u >= units || r < 0) return null;
      return weightTip(cur(), feats, act, u, r);
    },
    csv: () => {
      const F = cur(), rows = [["step", "unit"].concat(feats, ["bias"])];
      (F.first_layer || []).forEach((w, u) => rows.push([F.step, u].concat(w, [(F.first_layer_bias || [])[u]])));
      return rows;
    },
    json: () => ({ step: cur().step, features: feats, first_layer: cur().first_layer, first_layer_bias: cur().first_layer_bias }),
  });
}

/** The first layer's weights: one column per hidden unit, one row per input, the biases in a row of their own. @param {ClassicContext} ctx */
export function firstLayerPanel(ctx) {
  const { v, V, cur, D } = ctx;
  const F0 = cur(), feats = F0.features || [];
  const units = (F0.first_layer || []).length, I = feats.length;
  const act = ctx.cfg.activation || "the activation";
  const p = v.panel("mlp-first-layer", "First layer",
    ["Each of the " + units + " hidden units of the first layer (columns) adds up the inputs (rows) times these weights, plus its bias (the bottom row), " +
      "then applies " + act + ". The inputs are standardised first, so the weights of different inputs compare fairly."],
    "red weights make the unit fire more as that input grows, blue ones less, white ones ignore it. Training starts from small random " +
    "weights: watch the colours grow stronger as the units take on a direction each.", ["weight", "activation", "standardisation"]);
  p.classList.add("mlp-wide");
  const labelW = Math.ceil(Math.max(40, ...feats.concat(["bias"]).map((f) => measureText(f, "11px system-ui")))) + 14;
  const ch = 26, top = 22, gapB = 8, H = top + (I + 1) * ch + gapB + 8;
  const rowY = (r) => top + r * ch + (r === I ? gapB : 0);
  const wrap = el("div", { class: "v-scroll" });
  const fig = weightsFigure(ctx, { labelW, ch, top, rowY, H, units, feats }, wrap, act);
  const lg = el("div", { class: "v-legend-row", id: "mlp-first-layer-legend" });
  let lgMax = null;
  const legendNow = () => { lgMax = D().weightMax; clear(lg).appendChild(V.legend(colorScale("diverging"), lgMax, "weight or bias (one scale for the whole run)")); };
  legendNow();
  v.repaint.push(legendNow);
  const caption = el("span");
  wrap.appendChild(fig.root);
  p.append(el("div", { class: "v-fig" }, [V.figHead(caption, fig), wrap, lg]));
  let seen = 0;
  const ro = new ResizeObserver(() => { if (wrap.clientWidth !== seen) { seen = wrap.clientWidth; fig.requestDraw(); } });
  ro.observe(wrap);
  ctx.observers.push(ro);
  ctx.onSelect.push(() => {
    const F = cur();
    if (D().weightMax !== lgMax) legendNow();
    clear(caption).append("weights at step ", el("b", { text: int(F.step) }), " \u00b7 " + units + " units \u00d7 " + I + (I === 1 ? " input" : " inputs") + ", and the biases");
    fig.opts.fileName = "glassbox-first-layer-step-" + F.step;
    fig.requestDraw();
  });
  return p;
}
