/* Glassbox's MLP view (glassbox train mlp): the panel "Which inputs matter": per input, its permutation importance
 * and its mean |gradient × input| at the chosen checkpoint, as bars scaled to their largest over the whole run. */
import { clear, el } from "../../lib/dom.js";
import { fixed, int, isNum } from "../../lib/format.js";
import { v3 } from "./mlp-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The table: a group of rows per measure, a row per input (cells: the map "input:method" to its [bar, number]). */
function importanceTable(feats, order, acc) {
  const cells = new Map();
  const row = (j, method) => {
    const b = el("div", { class: ["mlp-bar", method === "gradient" ? "b" : null] });
    const n = el("td", { class: "num" });
    cells.set(j + ":" + method, [b, n]);
    return el("tr", { dataset: { feature: feats[j], method } }, [el("td", { class: "t", text: feats[j] }), el("td", { class: "bar" }, el("div", { class: "mlp-bar-track" }, b)), n]);
  };
  const group = (method, title, sub) => [
    el("tr", { class: "mlp-imp-group" }, el("th", { colspan: "3" }, [el("span", { class: "mlp-imp-key " + method }), el("b", { text: title }), " \u00b7 " + sub])),
    order.map((j) => row(j, method))];
  const table = el("table", { class: "v-alts mlp-imp", id: "mlp-importance-table" }, el("tbody", {}, [
    group("permutation", "Permutation importance", "the change in validation " + (acc ? "accuracy" : "MSE") + " when the input is shuffled"),
    group("gradient", "Gradient \u00d7 input", "mean |gradient \u00d7 input| over the validation points"),
  ]));
  return { table, cells };
}

/** Per input, both importance measures as bars (each scaled to its largest over the whole run, so they grow). @param {ClassicContext} ctx */
export function importancePanel(ctx) {
  const { v, V, S, cur, D } = ctx;
  const F0 = cur(), acc = F0.metric !== "mse";
  const p = v.panel("mlp-importance", "Which inputs matter",
    "Two ways to measure how much the network relies on each input, at the chosen checkpoint.",
    "a long bar means the network leans on that input. Permutation importance shuffles one input among the validation points and " +
    "measures how much worse the network gets; gradient \u00d7 input measures how strongly the output moves with the input. " +
    "When both say an input hardly matters, the network has learned to ignore it.",
    ["permutation", "gradxinput", "standardisation"]);
  p.classList.add("mlp-half");
  const feats = F0.features || [];
  // rows in the order of the newest checkpoint's permutation importance (fixed, so rows do not jump while playing)
  const last = S.figs[S.figs.length - 1];
  const order = feats.map((_, j) => j).sort((a, b) => ((last.permutation_importance || [])[b] || 0) - ((last.permutation_importance || [])[a] || 0));
  const { table, cells } = importanceTable(feats, order, acc);
  const save = V.saver("Which inputs matter", "importance", null,
    () => [["step", "input", "permutation_importance", "gradient_x_input"]].concat(S.figs.flatMap((F) => (F.features || []).map((f, j) => [F.step, f, F.permutation_importance[j], F.gradient_input[j]]))),
    () => S.figs.map((F) => ({ step: F.step, features: F.features, permutation_importance: F.permutation_importance, gradient_input: F.gradient_input })));
  const caption = el("span");
  p.append(el("div", { class: "v-fig" }, [V.figHead(caption, save), el("div", { class: "v-scroll" }, table)]));
  ctx.onSelect.push(() => {
    const F = cur(), d = D();
    clear(caption).append("at step ", el("b", { text: int(F.step) }), " \u00b7 bars scaled to the largest value over training");
    feats.forEach((_, j) => {
      const pi = (F.permutation_importance || [])[j], gi = (F.gradient_input || [])[j];
      const [pb, pn] = cells.get(j + ":permutation"), [gb, gn] = cells.get(j + ":gradient");
      pb.style.width = (isNum(pi) && pi > 0 ? Math.max(0.5, (100 * pi) / d.permMax) : 0) + "%";
      pn.textContent = !isNum(pi) ? "\u2013" : acc ? (pi > 0 ? "\u2212" : pi < 0 ? "+" : "") + fixed(100 * Math.abs(pi), 1) + " points" : (pi > 0 ? "+" : "") + v3(pi);
      pn.title = acc ? "validation accuracy " + (pi >= 0 ? "falls" : "rises") + " by " + fixed(100 * Math.abs(pi || 0), 1) + " percentage points when " + feats[j] + " is shuffled" : "validation MSE changes by " + v3(pi) + " when " + feats[j] + " is shuffled";
      gb.style.width = (isNum(gi) && gi > 0 ? Math.max(0.5, (100 * gi) / d.gradMax) : 0) + "%";
      gn.textContent = isNum(gi) ? v3(gi) : "\u2013";
    });
  });
  return p;
}
