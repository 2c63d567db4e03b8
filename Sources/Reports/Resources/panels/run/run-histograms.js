/* Glassbox Studio, run page: the Histograms section: a tensor's weight or gradient histogram as quantile bands
 * over the steps (a picker of the tensors; read again when a checkpoint writes new ones). */
import * as api from "../../api.js";
import { HistogramChart } from "../../lib/charts.js";
import { color } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { store } from "../../lib/storage.js";
import { emptyState } from "../../lib/ui.js";
import { isLive, later, showError } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */

/** The tensor picker: weights, gradients and others in groups. @param {string[]} tags */
function tagSelect(tags) {
  const weights = tags.filter((t) => t.startsWith("weight/")), grads = tags.filter((t) => t.startsWith("grad/"));
  const other = tags.filter((t) => !t.startsWith("weight/") && !t.startsWith("grad/"));
  const select = el("select", { id: "histogram-tag", class: "select wide", "aria-label": "Histogram" }, [
    weights.length ? el("optgroup", { label: "Weights" }, weights.map((t) => el("option", { value: t, text: t.slice(7) }))) : null,
    grads.length ? el("optgroup", { label: "Gradients" }, grads.map((t) => el("option", { value: t, text: t.slice(5) }))) : null,
    other.length ? el("optgroup", { label: "Other" }, other.map((t) => el("option", { value: t, text: t }))) : null,
  ]);
  const preferred = store.get("histogram", null);
  select.value = tags.includes(preferred) ? preferred : (weights.find((t) => /h\.0\.attn\.c_attn\.weight/.test(t)) || tags[0]);
  return select;
}

/** Draws the section S.ui.hists again (its picker and chart, or why there is none). @param {RunState} S */
export function renderHistograms(S) {
  const section = S.ui.hists;
  const tags = (S.runs[0].detail.histogram_tags || []).slice();
  if (S.hist.chart) { S.hist.chart.destroy(); S.hist.chart = null; }
  clear(section);
  section.appendChild(el("div", { class: "section-head" }, [el("h2", { class: "section-title", text: "Histograms" }),
    el("span", { class: "section-sub", text: "quantile bands over steps" })]));
  if (!tags.length) {
    section.appendChild(el("div", { class: "card" }, emptyState("No histograms recorded" + (isLive(S) ? " yet." : "."), [
      el("p", { class: "muted", text: "Weight and gradient histograms are written with the checkpoints." })])));
    return;
  }
  const select = tagSelect(tags);
  const chart = new HistogramChart({ name: "histogram", title: select.value, color: color(4), height: 260, fileName: S.runs[0].name + "-histogram" });
  chart.root.id = "histogram-chart";
  S.hist.chart = chart;
  S.hist.select = select;
  select.addEventListener("change", () => { store.set("histogram", select.value); loadHistogram(S); });
  section.appendChild(el("div", { class: "toolbar" }, [el("label", { class: "control" }, [el("span", { class: "control-label", text: "Tensor" }), select])]));
  section.appendChild(chart.root);
  loadHistogram(S);
}

/** Histograms are written with the checkpoints: look again (once the burst of writes is over). @param {RunState} S */
export function scheduleHistograms(S) {
  if (S.pending.hists || S.compare) return;
  S.pending.hists = later(S, async () => {
    S.pending.hists = null;
    try {
      const d = await api.run(S.runs[0].id);
      if (S.stopped) return;
      const before = (S.runs[0].detail.histogram_tags || []).length;
      S.runs[0].detail.histogram_tags = d.histogram_tags || [];
      if (!before && S.runs[0].detail.histogram_tags.length) renderHistograms(S);
      else if (S.hist.chart) loadHistogram(S);
    } catch (err) { showError(S, err, "Could not refresh the histograms"); }
  }, 1500);
}

/** Reads the chosen tensor's histograms and draws them. @param {RunState} S */
async function loadHistogram(S) {
  const tag = S.hist.select.value;
  const seq = ++S.hist.seq;
  S.hist.chart.setTitle(tag);
  try {
    const res = await api.histograms(S.runs[0].id, tag, 200);
    if (seq !== S.hist.seq || S.stopped) return;
    S.hist.chart.setData(res.steps || []);
  } catch (err) { showError(S, err, "Could not load the histogram " + tag); }
}

/** The histograms of one weight across the checkpoints. */
export const histogramsPanel = definePanel({
  id: "run/histograms", title: "A weight's histogram across the checkpoints", needs: ["runs"],
  /** @param {RunState} S */
  when: (S) => !S.compare,
  render(S) {
    S.ui.hists = el("section", { class: "section hists", id: "histograms" });
    renderHistograms(S);
    return S.ui.hists;
  },
});
