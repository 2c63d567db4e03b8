/* Glassbox Studio, run page: the Parameters section: two heatmaps, the gradient norm and the update / weight ratio
 * of each parameter over the steps (the largest value in each step bucket), read again as live points arrive. */
import * as api from "../../api.js";
import { Heatmap } from "../../lib/charts.js";
import { append, el } from "../../lib/dom.js";
import { isNum } from "../../lib/format.js";
import { isLive, later, showError } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */

/** A parameter's name without the model's prefixes. @param {string} n */
const shortParam = (n) => n.replace(/^transformer\./, "").replace(/^h\./, "h").replace(/^base_model\.model\.(model\.)?/, "");

/** Reads the statistics again in a while (live points of them have come). @param {RunState} S */
export function scheduleParameters(S) {
  if (S.pending.params || S.compare) return;
  S.pending.params = later(S, () => { S.pending.params = null; loadParameters(S); }, 10000);
}

/** The section's head and its two heatmaps (S.heat), the first time. @param {RunState} S */
function buildHeatmaps(S) {
  const logBox = el("input", { type: "checkbox", id: "heat-log", checked: true, onchange: () => {
    for (const h of [S.heat.grad, S.heat.ratio]) { h.opts.log = logBox.checked; h.legendSig = null; h.requestDraw(); }
  } });
  const name = S.runs[0].name;
  const grad = new Heatmap({ name: "grad-norm-heatmap", title: "Gradient norm", subtitle: "per parameter × step", rowLabel: shortParam, fileName: name + "-grad-norm" });
  const ratio = new Heatmap({ name: "update-ratio-heatmap", title: "Update / weight ratio", subtitle: "per parameter × step", rowLabel: shortParam, fileName: name + "-update-ratio" });
  grad.root.id = "heatmap-grad-norm";
  ratio.root.id = "heatmap-update-ratio";
  S.heat = { grad, ratio };
  append(S.ui.params, [
    el("div", { class: "section-head" }, [el("h2", { class: "section-title", text: "Parameters" }),
      el("span", { class: "section-sub", text: "the largest value in each step bucket" }),
      el("span", { class: "spacer" }),
      el("label", { class: "control check" }, [logBox, el("span", { text: "Log colour scale" })])]),
    el("div", { class: "charts-grid two" }, [grad.root, ratio.root]),
  ]);
}

/** Reads the per-parameter statistics (as many step buckets as the heatmap has room for) and draws them. @param {RunState} S */
export async function loadParameters(S) {
  if (!S.ui.params) return;
  if (!S.heat.grad) buildHeatmaps(S);
  const { grad, ratio } = S.heat;
  try {
    const width = Math.max(60, Math.min(600, grad.box.clientWidth - 200));
    const res = await api.parameters(S.runs[0].id, Math.round(width / 3));
    if (S.stopped) return;
    const names = res.parameters || [];
    const steps = res.steps || [], gn = res.grad_norm || [], ur = res.update_ratio || [];
    // step buckets that hold no value in either matrix (finer buckets than recorded steps) are left out
    const keep = steps.map((_, j) => gn.some((row) => row && isNum(row[j])) || ur.some((row) => row && isNum(row[j])));
    const pick = (m) => m.map((row) => (row || []).filter((_, j) => keep[j]));
    grad.opts.emptyText = ratio.opts.emptyText = "No per-parameter statistics recorded" + (isLive(S) ? " yet" : "");
    grad.setData({ rows: names, cols: steps.filter((_, j) => keep[j]), values: pick(gn) });
    ratio.setData({ rows: names, cols: steps.filter((_, j) => keep[j]), values: pick(ur) });
  } catch (err) { showError(S, err, "Could not load the per-parameter statistics"); }
}

/** The per-parameter statistics (filled by loadParameters once the page is drawn). */
export const parametersPanel = definePanel({
  id: "run/parameters", title: "Gradient norm and update ratio per parameter over the steps", needs: ["runs", "heat"],
  /** @param {RunState} S */
  when: (S) => !S.compare,
  render: (S) => (S.ui.params = el("section", { class: "section params", id: "parameters" })),
});
