/* Glassbox Studio, probe timeline: the loss on the probe (#probe-loss-chart) and the answer's probability
 * (#probe-prob-chart), one point per checkpoint, with the selected checkpoint marked; a click selects a checkpoint.
 * Under them the change from the first checkpoint to the newest, in words (#probe-charts-finding). */
import { LineChart } from "../../lib/charts.js";
import { color } from "../../lib/colors.js";
import { int, isNum, num } from "../../lib/format.js";
import { prob, selectionOf } from "./probe-data.js";

/** @typedef {import("./probe-state.js").ProbeContext} ProbeContext */
/** @typedef {import("./probe-data.js").Probe} Probe */

/** The two charts (they live across redraws). @param {string} runId @param {(step: number) => void} onClick */
export function probeCharts(runId, onClick) {
  const lossChart = new LineChart({
    name: "probe-loss", title: "Loss on the probe", subtitle: "mean next-token cross-entropy, nats", height: 190,
    fileName: runId + "-probe-loss", emptyText: "No checkpoints yet", legend: false, onClick,
    yFormat: (v) => num(v, 4) + " nats",
  });
  const probChart = new LineChart({
    name: "probe-probability", title: "Answer probability", subtitle: "p(answer) at the output", height: 190,
    fileName: runId + "-probe-probability", emptyText: "No checkpoints yet", legend: false, onClick,
    yFormat: (v) => prob(v),
  });
  lossChart.root.id = "probe-loss-chart";
  probChart.root.id = "probe-prob-chart";
  return { lossChart, probChart };
}

/** Marks the selected checkpoint on both charts (nothing while the newest is). @param {ProbeContext} ctx */
export function renderMarkers(ctx) {
  const P = ctx.cur();
  if (!P) return;
  const { j } = selectionOf(P, ctx.S.sel);
  const m = ctx.S.sel ? [{ step: P.snaps[j].step, kind: "selected", text: "selected: step " + P.snaps[j].step }] : [];
  ctx.lossChart.setMarkers(m);
  ctx.probChart.setMarkers(m);
}

/** From the first checkpoint to the newest, in words. @param {Probe} P */
function chartsFinding(P) {
  const first = P.snaps[0], last = P.snaps[P.snaps.length - 1];
  if (P.snaps.length < 2) return "One checkpoint so far; the lines grow with each new one.";
  const dl = last.loss - first.loss;
  const same = (a, b, f) => f(a) === f(b);
  return "From step " + int(first.step) + " to " + int(last.step) + " the loss on the probe " +
    (same(first.loss, last.loss, (v) => num(v, 3)) ? "stayed at " + num(last.loss, 3) + " nats" :
      "went " + (dl < 0 ? "down" : "up") + " from " + num(first.loss, 3) + " to " + num(last.loss, 3) + " nats") + ", and the answer's probability " +
    (same(first.answer_probability, last.answer_probability, prob) ? "stayed at " + prob(last.answer_probability) :
      "went from " + prob(first.answer_probability) + " to " + prob(last.answer_probability)) + ".";
}

/** The probe's loss and answer probability at each checkpoint. @param {ProbeContext} ctx @param {Probe} P */
export function renderCharts(ctx, P) {
  const pts = (f) => P.snaps.map((s) => { const v = f(s); return { first_step: s.step, last_step: s.step, mean: v, min: v, max: v, last: v, count: 1, wall_time: 0 }; })
    .filter((b) => isNum(b.mean));
  ctx.lossChart.setSeries([{ key: "loss", label: "loss on the probe", color: color(0), buckets: pts((s) => s.loss), dots: true }]);
  ctx.probChart.setSeries([{ key: "p", label: "p(answer)", color: color(2), buckets: pts((s) => s.answer_probability), dots: true }]);
  renderMarkers(ctx);
  ctx.parts.chartsFind.textContent = chartsFinding(P);
}
