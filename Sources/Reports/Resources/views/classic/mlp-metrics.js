/* Glassbox's MLP view (glassbox train mlp): the panel "Accuracy and loss" (or "Error and loss"): both splits' numbers
 * at the chosen checkpoint, their curves across training, the gap between them and whether the run overfits. */
import { LineChart } from "../../lib/charts.js";
import { color } from "../../lib/colors.js";
import { append, clear, el } from "../../lib/dom.js";
import { fixed, int, isNum, num } from "../../lib/format.js";
import { pct, v3 } from "./mlp-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The gap between training and validation at one checkpoint, in words. */
function gapText(F, acc) {
  if (!isNum(F.train_metric) || !isNum(F.val_metric)) return [];
  if (acc) {
    const g = 100 * (F.train_metric - F.val_metric);
    return [Math.abs(g) < 0.05 ? "Training and validation accuracy are the same here." : g > 0
      ? ["Validation accuracy is ", el("b", { text: fixed(g, 1) + " points" }), " below training accuracy here", g > 5 ? ": a wide gap, the network does better on what it has seen." : "."]
      : ["Validation accuracy is ", el("b", { text: fixed(-g, 1) + " points" }), " above training accuracy here (it happens with few or easy validation points)."]];
  }
  const r = F.val_metric / Math.max(1e-12, F.train_metric);
  return [["Validation MSE is ", el("b", { text: fixed(r, 2) + "\u00d7" }), " the training MSE here", r > 1.5 ? ": the network does clearly better on what it has seen." : "."]];
}

/** Is the run overfitting? The validation loss's lowest point against the newest, with the training loss beside it. */
function overfitText(figs, i) {
  const ok = figs.filter((F) => isNum(F.val_loss) && isNum(F.train_loss));
  if (ok.length < 2) return ["One checkpoint so far: the curves need a second one."];
  let best = 0;
  ok.forEach((F, j) => { if (F.val_loss < ok[best].val_loss) best = j; });
  const last = ok[ok.length - 1], B = ok[best];
  const rose = last.val_loss > B.val_loss * 1.1 + 1e-6 && best < ok.length - 1;
  const trainFell = last.train_loss < B.train_loss;
  const at = (F) => el("b", { text: "step " + int(F.step) });
  const sel = figs[i];
  const after = sel && rose && sel.step > B.step ? [" The chosen checkpoint comes after that point: the network fits its training points more tightly than the data deserves."] : [];
  if (rose && trainFell) {
    return [el("span", { class: "badge v-warn mlp-verdict", text: "overfitting" }), " The validation loss was lowest at ", at(B), " (" + v3(B.val_loss) + ") and has risen to " +
      v3(last.val_loss) + " since, while the training loss kept falling (" + v3(B.train_loss) + " \u2192 " + v3(last.train_loss) + "). The network is memorising its training points; the checkpoint at ",
      at(B), " generalises best.", ...after];
  }
  if (rose) return [el("span", { class: "badge mlp-verdict", text: "unsettled" }), " Both losses rose after ", at(B), ": training became unstable (a learning rate too high?)."];
  if (best === ok.length - 1) return [el("span", { class: "badge v-ok mlp-verdict", text: "no overfitting" }), " The validation loss is still falling: it is lowest at the newest checkpoint, ", at(last), "."];
  return [el("span", { class: "badge v-ok mlp-verdict", text: "no overfitting" }), " The validation loss has levelled off (lowest at ", at(B), ", " + v3(B.val_loss) + "; now " + v3(last.val_loss) + "): training has converged without memorising."];
}

/** The chosen checkpoint's numbers: a row per measure, training in the charts' blue, validation in their orange. */
function numbersTable(name, lossIsMetric) {
  const cell = (id) => el("td", { class: "mlp-num", id });
  const cells = { trainM: cell("mlp-train-metric"), valM: cell("mlp-val-metric"), trainL: cell("mlp-train-loss"), valL: cell("mlp-val-loss") };
  const head = (cls, text) => el("th", { class: "mlp-split " + cls, scope: "col" }, [el("span", { class: "mlp-split-key" }), text]);
  const table = el("table", { class: "mlp-numbers", id: "mlp-numbers" }, [
    el("thead", {}, el("tr", {}, [el("th", {}), head("train", "training"), head("val", "validation")])),
    el("tbody", {}, [el("tr", {}, [el("th", { scope: "row", text: name }), cells.trainM, cells.valM]),
      el("tr", { hidden: lossIsMetric }, [el("th", { scope: "row", text: "loss" }), cells.trainL, cells.valL])]), // the MSE is the loss: one row
  ]);
  return { table, cells };
}

/** The charts across training: accuracy (or MSE) and loss, a line per split, one point per checkpoint. */
function metricCharts(ctx, acc) {
  const { S, run } = ctx;
  // one point per checkpoint, as the line chart's one-point buckets
  const series = (key, scale) => S.figs.filter((F) => isNum(F[key])).map((F) => {
    const y = F[key] * scale;
    return { first_step: F.step, last_step: F.step, min: y, max: y, mean: y, last: y, count: 1, smoothed: y };
  });
  const mk = (id, title, sub, keys, scale, fmt) => {
    const ch = new LineChart({ name: id, title, subtitle: sub, height: 168, legend: true, yFormat: fmt, fileName: (run.name || "mlp") + "-" + id,
      onClick: (step) => { ctx.stop(); const j = S.figs.findIndex((F) => F.step === step); if (j >= 0) ctx.select(j); } });
    ch.root.id = id;
    const refresh = () => ch.setSeries([
      { key: keys[0], label: "training", color: color(0), buckets: series(keys[0], scale), dots: true },
      { key: keys[1], label: "validation", color: color(1), buckets: series(keys[1], scale), dots: true }]);
    refresh();
    ctx.refreshers.push(refresh);
    ctx.charts.push(ch);
    return ch;
  };
  const same = ctx.D().lossIsMetric; // regression with the MSE as its loss: one chart says it all
  const list = [];
  if (acc) list.push(mk("mlp-metric-chart", "Accuracy", "%", ["train_metric", "val_metric"], 100, (x) => num(x, 3) + "%"));
  else if (!same) list.push(mk("mlp-metric-chart", "Mean squared error", "lower is better", ["train_metric", "val_metric"], 1, (x) => num(x, 3)));
  list.push(mk("mlp-loss-chart", same ? "Loss (mean squared error)" : "Loss", acc ? "cross-entropy" : "", ["train_loss", "val_loss"], 1, (x) => num(x, 3)));
  return list;
}

/** Accuracy (or MSE) and loss on both splits: at the chosen checkpoint, and across training. @param {ClassicContext} ctx */
export function metricsPanel(ctx) {
  const { v, S, cur } = ctx;
  const acc = cur().metric !== "mse";
  const p = v.panel("mlp-metrics", acc ? "Accuracy and loss" : "Error and loss",
    "Measured on the training points and, separately, on the validation points at every checkpoint; the vertical line marks the chosen one.",
    "training numbers say how well the network fits the points it learns from, validation numbers how well it does on points it never saw. " +
    "When the validation loss turns up while the training loss keeps falling, the network has started to memorise the training points: it is overfitting.",
    ["validation", "loss", acc ? "accuracy" : "mse", "overfitting"]);
  p.classList.add("mlp-metrics-panel");
  const { table, cells } = numbersTable(acc ? "accuracy" : "MSE", ctx.D().lossIsMetric);
  const gap = el("p", { class: "mlp-gap", id: "mlp-gap" });
  const finding = el("p", { class: "mlp-finding", id: "mlp-finding" });
  p.append(table, gap);
  const list = metricCharts(ctx, acc);
  // beside a map the charts stack (as tall as the map), across the panel's width when it has the row to itself
  p.append(el("div", { class: ["mlp-charts", list.length === 1 || ctx.kind !== "table" ? "one" : null] }, list.map((c) => c.root)), finding);
  const fmt = acc ? pct : v3;
  ctx.onSelect.push(() => {
    const F = cur();
    cells.trainM.textContent = fmt(F.train_metric);
    cells.valM.textContent = fmt(F.val_metric);
    cells.trainL.textContent = v3(F.train_loss);
    cells.valL.textContent = v3(F.val_loss);
    append(clear(gap), gapText(F, acc));
    for (const c of list) c.setMarkers([{ step: F.step, kind: "selected", text: "step " + F.step }]);
    append(clear(finding), overfitText(S.figs, S.i));
  });
  return p;
}
