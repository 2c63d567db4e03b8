/* Glassbox report views, diff: the MLP neurons whose activation at the last position changed most (#diff-neurons,
 * #diff-neuron-table): a's and b's value as bars from zero, in the sides' colours. */
import { el } from "../../lib/dom.js";
import { isNum } from "../../lib/format.js";
import { hookLabel } from "./report-glossary.js";
import { figHead, saver, signed } from "./report-kit.js";
import { changeTag, changeText, sideChip, sideText, sidesLegend } from "./report-diff-sides.js";

export function diffNeurons(v) {
  const D = v.doc, R = D.neurons || [], S = v.sides;
  if (!R.length) return;
  const p = v.panel("diff-neurons", "Neurons that changed most",
    ["The " + R.length + " MLP hidden units, ", hookLabel("blocks.{L}.mlp.hook_post"), ", whose activation at the last position changed most from a (" +
      S.a.name + ") to b (" + S.b.name + ") (L = layer, n = the neuron's index in it)."],
    "the upper bar of each row is the neuron's activation in a, the lower one in b, both from zero (the line): to the right it fires, " +
    "to the left it is negative. A neuron that fires in b and not in a may have learned to pick up something in this prompt.", ["neuron", "mlp", "checkpoint"]);
  const vals = R.flatMap((x) => [x.a, x.b]).filter(isNum);
  const lo = Math.min(0, ...vals), hi = Math.max(1e-9, ...vals), span = hi - lo || 1;
  const zero = (100 * -lo) / span;
  const bar = (k, val) => el("div", { class: "v-nbar v-nbar-" + k,
    style: { left: (100 * (Math.min(0, val) - lo)) / span + "%", width: Math.max(0.4, (100 * Math.abs(val)) / span) + "%", background: S[k].colour } });
  const rows = R.map((x) => el("tr", { "data-layer": x.layer, "data-index": x.index }, [
    el("td", { class: "t", text: "L" + x.layer + ".n" + x.index }),
    el("td", { class: "num", title: "in " + sideText(v, "a"), text: signed(x.a) }),
    el("td", { class: "v-ntrack-cell" }, el("div", { class: "v-ntrack", title: sideText(v, "a") + ": " + signed(x.a) + "\n" + sideText(v, "b") + ": " + signed(x.b) },
      [el("div", { class: "v-nzero", style: { left: zero + "%" } }), bar("a", x.a), bar("b", x.b)])),
    el("td", { class: "num", title: "in " + sideText(v, "b"), text: signed(x.b) }),
    el("td", { class: ["num", x.b - x.a > 0 ? "v-up" : "v-down"], title: changeText(v), text: signed(x.b - x.a) }),
  ]));
  const save = saver("Neurons that changed most", "diff-neurons", null,
    () => [["layer", "neuron", "a", "b", "change"]].concat(R.map((x) => [x.layer, x.index, x.a, x.b, x.b - x.a])), () => ({ a: D.a.id, b: D.b.id, neurons: R }));
  p.append(el("div", { class: "v-fig v-fit" }, [
    figHead([sidesLegend(v), " \u00b7 activation at the last position"], save),
    el("table", { class: "v-alts v-diff-neurons", id: "diff-neuron-table" }, [
      el("thead", {}, el("tr", {}, [el("th", { class: "t", text: "neuron" }), el("th", { class: "num", title: "in " + sideText(v, "a") }, sideChip(v, "a")), el("th", {}),
        el("th", { class: "num", title: "in " + sideText(v, "b") }, sideChip(v, "b")), el("th", { class: "num" }, ["change ", changeTag(v)])])),
      el("tbody", {}, rows)])]));
}
