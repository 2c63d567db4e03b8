/* Glassbox Studio, run page: the text sample card beside the loss chart (the newest sample, or the one nearest a
 * step clicked on the loss chart; a pager through them; new ones arrive live). */
import * as api from "../../api.js";
import { append, clear, el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { icon } from "../../lib/ui.js";
import { updateMarkers } from "./run-charts.js";
import { showError } from "./run-state.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").Sample} Sample */

/** Reads the run's samples (keeping any that arrived live meanwhile). @param {RunState} S */
export async function loadSamples(S) {
  try {
    const list = await api.samples(S.runs[0].id);
    if (S.stopped) return;
    S.samples = (Array.isArray(list) ? list : []).concat(S.samples.filter((s) => !list.some((q) => q.step === s.step))).sort((a, b) => a.step - b.step);
    if (S.followLatest || S.sampleIndex < 0) S.sampleIndex = S.samples.length - 1;
    renderSamples(S);
  } catch (err) { showError(S, err, "Could not load the text samples"); }
}

/** A sample of the event stream. @param {RunState} S @param {Sample} d */
export function addSample(S, d) {
  if (!S.samples.some((s) => s.step === d.step)) { S.samples.push(d); S.samples.sort((a, b) => a.step - b.step); }
  if (S.followLatest) S.sampleIndex = S.samples.length - 1;
  renderSamples(S);
}

/** Shows the sample nearest a step (a click on the loss chart), and flashes the card. @param {RunState} S @param {number} step */
export function showSampleNear(S, step) {
  const panel = S.ui.samples;
  if (!panel || !S.samples.length) return;
  let best = 0;
  S.samples.forEach((s, i) => { if (Math.abs(s.step - step) < Math.abs(S.samples[best].step - step)) best = i; });
  S.sampleIndex = best;
  S.followLatest = best === S.samples.length - 1;
  renderSamples(S);
  updateMarkers(S);
  panel.classList.remove("flash");
  void panel.offsetWidth;
  panel.classList.add("flash");
}

/** Draws the card S.ui.samples again. @param {RunState} S */
export function renderSamples(S) {
  const panel = S.ui.samples;
  if (!panel) return;
  clear(panel);
  const n = S.samples.length;
  const i = S.sampleIndex;
  const s = S.samples[i];
  const go = (j) => { S.sampleIndex = Math.max(0, Math.min(n - 1, j)); S.followLatest = S.sampleIndex === n - 1; renderSamples(S); updateMarkers(S); };
  panel.dataset.samples = String(n);
  panel.dataset.step = s ? String(s.step) : "";
  append(panel, [
    el("header", { class: "chart-head" }, [
      el("h3", { class: "chart-title", text: "Text sample" }),
      s ? el("span", { class: "chart-sub", id: "sample-step", text: "step " + int(s.step) }) : null,
      el("span", { class: "spacer" }),
      n ? el("div", { class: "pager" }, [
        el("button", { type: "button", class: "icon-btn", id: "sample-prev", "aria-label": "Previous sample", title: "Previous sample", disabled: i <= 0, onclick: () => go(i - 1) }, icon("left")),
        el("span", { class: "pager-text", text: (i + 1) + " / " + n }),
        el("button", { type: "button", class: "icon-btn", id: "sample-next", "aria-label": "Next sample", title: "Next sample", disabled: i >= n - 1, onclick: () => go(i + 1) }, icon("right")),
      ]) : null,
    ]),
    s ? el("pre", { class: "sample-text", id: "sample-text", tabindex: "0", text: s.text }) :
      el("div", { class: "empty small" }, [el("p", { text: "No text samples yet." }),
        el("p", { class: "muted" }, ["A sample is written every ", el("code", { text: "--sample-interval" }), " steps."])]),
    n ? el("p", { class: "hint", text: "Click a point on the loss chart to see the sample nearest that step." }) : null,
  ]);
}
