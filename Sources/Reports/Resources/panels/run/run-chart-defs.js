/* Glassbox Studio, run and compare pages: which main charts a run gets (loss, learning rate, gradient norm,
 * throughput, MFU; an MLP, seq2seq or fine-tuning run's own), as chart definitions. */
import { compact, num } from "../../lib/format.js";
import { ALLREDUCE_TAG, isFinetune, isMLP, isSeq2seq, rankInfo } from "./run-state.js";

/** @typedef {import("./run-state.js").ChartDef} ChartDef */
/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").RunEntry} RunEntry */

/** The charts every run gets; any other scalar tag gets one in "More scalars". @type {ChartDef[]} */
export const MAIN_CHARTS = [
  { key: "loss", title: "Loss", tags: ["train/loss", "val/loss"], height: 300, wide: true, subtitle: "train and validation" },
  { key: "lr", title: "Learning rate", tags: ["train/lr"], height: 190, subtitle: "train/lr", colorIndex: 4 },
  { key: "grad_norm", title: "Gradient norm", tags: ["train/grad_norm"], height: 190, subtitle: "train/grad_norm", colorIndex: 2 },
  { key: "throughput", title: "Throughput", tags: ["train/tokens_per_s"], height: 190, subtitle: "train/tokens_per_s", colorIndex: 1, yFormat: (v) => compact(v) + " tok/s" },
  { key: "mfu", title: "Model FLOPs utilisation", tags: ["train/mfu"], height: 190, subtitle: "train/mfu, of the FMA peak", colorIndex: 3, yFormat: (v) => num(v * 100, 3) + "%" },
];

/** @type {ChartDef} */
const EXAMPLES_THROUGHPUT = { key: "throughput", title: "Throughput", tags: ["train/examples_per_s"], height: 190, subtitle: "train/examples_per_s", colorIndex: 1, yFormat: (v) => compact(v) + " ex/s" };

/** The charts of MLP runs: accuracy (or MSE) beside the loss, examples per second for throughput, no MFU.
 * @param {RunEntry[]} runs @returns {ChartDef[]} */
function mlpCharts(runs) {
  const tags = new Set(runs.flatMap((r) => r.detail.tags || []));
  const mse = tags.has("val/mse") || tags.has("train/mse") ||
    (!tags.has("val/accuracy") && !tags.has("train/accuracy") && runs.every((r) => (r.detail.hyper_parameters || {}).loss === "mse"));
  return [
    MAIN_CHARTS[0],
    mse ? { key: "mse", title: "Mean squared error", tags: ["train/mse", "val/mse"], height: 190, subtitle: "train and validation", pair: true }
      : { key: "accuracy", title: "Accuracy", tags: ["train/accuracy", "val/accuracy"], height: 190, subtitle: "train and validation", pair: true, yFormat: (v) => num(v * 100, 3) + "%" },
    MAIN_CHARTS[1], MAIN_CHARTS[2], EXAMPLES_THROUGHPUT,
  ];
}

/** The charts of seq2seq runs: the held-out exact match beside the loss, examples per second for throughput, no MFU.
 * @returns {ChartDef[]} */
function seq2seqCharts() {
  return [
    MAIN_CHARTS[0],
    { key: "exact", title: "Exact match (held-out)", tags: ["val/exact_match"], height: 190, subtitle: "val/exact_match: whole outputs right, as glassbox train seq2seq prints it", colorIndex: 2, yFormat: (v) => num(v * 100, 3) + "%" },
    MAIN_CHARTS[1], MAIN_CHARTS[2], EXAMPLES_THROUGHPUT,
  ];
}

/** The charts of fine-tuning runs: examples per second for throughput, the peak memory in place of MFU. @returns {ChartDef[]} */
function finetuneCharts() {
  return [
    MAIN_CHARTS[0], MAIN_CHARTS[1], MAIN_CHARTS[2], EXAMPLES_THROUGHPUT,
    { key: "memory", title: "Peak memory", tags: ["memory/peak_rss_mb", "memory/peak_tensor_mb"], height: 190, subtitle: "resident and tensors, MB", colorIndex: 3, yFormat: (v) => compact(v) + " MB" },
  ];
}

/** Sets what kind of runs the page shows (every run an MLP, a seq2seq or a fine-tuning run; a data-parallel run)
 * and so its main charts and the tags they take. @param {RunState} S */
export function chooseCharts(S) {
  S.defs = MAIN_CHARTS;
  S.mlp = S.runs.every((r) => isMLP(r.detail));
  S.s2s = !S.mlp && S.runs.every((r) => isSeq2seq(r.detail));
  S.ft = !S.mlp && !S.s2s && S.runs.every((r) => isFinetune(r.detail));
  if (S.mlp) S.defs = mlpCharts(S.runs);
  else if (S.s2s) S.defs = seq2seqCharts();
  else if (S.ft) S.defs = finetuneCharts();
  S.mainTags = new Set(S.defs.flatMap((c) => c.tags));
  S.rk = S.compare ? null : rankInfo(S.runs[0].detail);
  if (S.rk) for (const t of S.rk.tags.concat([ALLREDUCE_TAG])) S.mainTags.add(t);
}
