/* Glassbox report views, inspect: MLP neurons (#neurons): the largest activation per layer and token
 * (#neuron-heat), a cell's most active neurons (#neuron-details), and one neuron traced over every token
 * (#neuron-trace, #requested-trace). */
import { MONO_FAMILY, linearTicks, measureText } from "../../lib/charts.js";
import { colorScale } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { tooltip } from "../../lib/tooltip.js";
import { hookLabel } from "./report-glossary.js";
import { background, clip, figHead, signed, themedLegend, v3 } from "./report-kit.js";
import { docShown, reading, tokenChip } from "./report-tokens.js";

/** The peak activation per layer (rows) and token (columns); show(l, t) on a click. */
function neuronHeat(v, rd, show) {
  const D = v.doc, N = D.neurons, T = D.tokens.length, L = N.peak.length;
  // Token labels under the columns: flat when wide, slanted down to 11 px columns, position numbers below that.
  const cw = Math.max(3, Math.min(48, Math.floor(1100 / T))), ch = 12, slant = cw >= 11 && cw < 24;
  const slantW = slant ? Math.max(...D.tokens.map((_, i) => measureText(clip(rd.label(i), 10), "10px " + MONO_FAMILY))) : 0;
  const lw = slant ? Math.max(30, Math.ceil(slantW * 0.71) - 4) : 30, bottom = cw >= 24 ? 22 : slant ? Math.ceil(slantW * 0.71) + 14 : 18;
  const layerMax = N.peak.map((r) => Math.max(1e-6, ...r));
  const cellAt = (x, y) => [Math.floor(y / ch), Math.floor((x - lw) / cw)];
  const inside = (l, t) => l >= 0 && l < L && t >= 0 && t < T;
  return v.figure({
    id: "neuron-heat", className: "v-heat", name: "mlp-neurons", title: "Peak MLP activation per layer and token",
    size: () => [lw + T * cw + 4, L * ch + bottom],
    paint(pt, w, h) {
      const c = background(pt, w, h), sc = colorScale("sequential");
      for (let l = 0; l < L; l++) {
        if (l % 5 === 0 || l === L - 1) pt.text(String(l), lw - 6, l * ch + ch / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
        for (let t = 0; t < T; t++) pt.rect(lw + t * cw, l * ch, cw - (cw > 6 ? 1 : 0), ch - 1, sc.css(N.peak[l][t] / layerMax[l]));
      }
      if (cw >= 24) {
        for (let t = 0; t < T; t++) pt.text(clip(rd.label(t), Math.max(2, Math.floor(cw / 7))), lw + t * cw + cw / 2, L * ch + 5, { color: c.axis, font: "10px " + MONO_FAMILY, align: "center", baseline: "top" });
      } else if (slant) {
        for (let t = 0; t < T; t++) pt.text(clip(rd.label(t), 10), lw + t * cw + cw / 2 + 3, L * ch + 6, { color: c.axis, font: "10px " + MONO_FAMILY, align: "right", baseline: "middle", rotate: -45 });
      } else {
        for (const t of linearTicks(0, T - 1, Math.max(2, Math.round((T * cw) / 80))).filter(Number.isInteger)) pt.text(String(t), lw + t * cw + cw / 2, L * ch + 4, { color: c.axis, align: "center", baseline: "top", font: "10px system-ui" });
      }
    },
    tip(x, y) {
      const [l, t] = cellAt(x, y);
      if (!inside(l, t)) return null;
      return tooltip.content("layer " + l + " \u00b7 token #" + t + " " + rd.name(t), [["peak |activation|", v3(N.peak[l][t])]], [rd.title(t), "click for its most active neurons"]);
    },
    click(x, y) { const [l, t] = cellAt(x, y); if (inside(l, t)) show(l, t); },
    csv: () => {
      const rows = [["layer", "position", "token", "peak_abs_activation", "top_neurons"]];
      for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) rows.push([l, t, D.tokens[t].text, N.peak[l][t], N.top[l][t].map(([i, a]) => i + ":" + a).join(" ")]);
      return rows;
    },
    json: () => ({ tokens: D.tokens.map((t) => t.text), width: N.width, peak: N.peak, top: N.top }),
  });
}

/** A neuron's activation on every token as a shaded strip: .set(name, values, why-blank) fills it, .paint() colours it. */
function traceStrip(v, rd, node) {
  const D = v.doc;
  let vals = [], chips = [], mx = 1;
  /** @type {(t: number) => string} why a token has no value */
  let missing = () => "";
  tooltip.attach(node, (e) => {
    const c = e.target.closest && e.target.closest(".tok[data-pos]");
    if (!c) return null;
    const t = +c.dataset.pos;
    return tooltip.content("#" + t + " " + rd.name(t), vals[t] === null ? [] : [["activation", signed(vals[t])]], [vals[t] === null ? missing(t) : null, rd.title(t)]);
  });
  const strip = {
    set(name, values, why) {
      vals = values; missing = why;
      mx = Math.max(1e-6, ...vals.filter((x) => x !== null).map(Math.abs));
      chips = D.tokens.map((_, t) => tokenChip(rd, t, [vals[t] === null ? "na" : null], { "data-pos": t }, true));
      clear(node).append(el("span", { class: "v-strip-label", text: name }), ...chips);
      strip.paint();
    },
    paint() {
      const sc = colorScale("diverging");
      chips.forEach((c, t) => { if (vals[t] !== null) { c.style.backgroundColor = sc.css(vals[t] / mx); c.style.color = sc.ink(vals[t] / mx); } });
    },
  };
  v.repaint.push(() => strip.paint());
  return strip;
}

export function neuronPanel(v) {
  const D = v.doc, N = D.neurons, T = D.tokens.length;
  if (!N) return;
  const L = N.peak.length, rd = reading(docShown(D.tokens));
  const p = v.panel("neurons", "MLP neurons",
    ["The largest |activation| of the MLP hidden units, ", hookLabel("blocks.{L}.mlp.hook_post"), ", per layer (rows) and token " +
      "(columns), shaded relative to each layer's largest (first tokens often carry massive activations). Click a cell for its most active neurons."],
    "a dark cell is a token on which some neuron of that layer fires hard, compared with the rest of the layer. Click it to list " +
    "those neurons, and Trace one to see on which other tokens it fires.", ["neuron", "mlp"]);
  const heat = neuronHeat(v, rd, (l, t) => show(l, t));
  const out = el("div", { class: "v-details", id: "neuron-details" }, el("div", { class: "v-line", text: "Click a cell for its most active neurons." }));
  const trace = el("div", { class: "v-tokens", id: "neuron-trace" });
  p.append(el("div", { class: "v-fig" }, [
    figHead("layers 0 (top) to " + (L - 1) + " (bottom); tokens left to right", heat), el("div", { class: "v-scroll" }, heat.root),
    themedLegend(v, "sequential", 1, "|activation| as a fraction of the layer's largest")]), out);

  const traced = traceStrip(v, rd, trace);
  function show(l, t) {
    const rows = N.top[l][t].map(([i, a]) => el("tr", {}, [
      el("td", { class: "t", text: "L" + l + ".n" + i }), el("td", { class: "num", text: signed(a) }),
      el("td", {}, el("button", { type: "button", class: "btn small ghost", text: "Trace", title: "This neuron on every token", onclick: () => {
        // From the per-cell top lists: blank where the neuron is not among them.
        const vals = Array.from({ length: T }, (_, s) => { const f = N.top[l][s].find(([j]) => j === i); return f ? f[1] : null; });
        traced.set("L" + l + ".n" + i, vals, (s) => "not among the top " + N.top[l][s].length + " here");
      } })),
    ]));
    clear(out).append(el("div", { class: "v-line" }, ["layer " + l + ", token #" + t + " ", el("b", { text: rd.name(t) }), " \u2014 most active neurons"]),
      el("table", { class: "v-alts" }, el("tbody", {}, rows)), trace);
  }
  if (D.neuron_trace) {
    const nt = D.neuron_trace, req = el("div", { class: "v-tokens", id: "requested-trace" });
    p.append(el("div", { class: "v-line v-gap" }, ["Neuron ", el("b", { text: "L" + nt.layer + ".n" + nt.neuron }), " on every token:"]), req);
    traceStrip(v, rd, req).set("L" + nt.layer + ".n" + nt.neuron, nt.activations, () => "");
  }
}
