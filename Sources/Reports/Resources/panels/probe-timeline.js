/* Glassbox Studio: the probe timeline on the run page. What the model makes of fixed prompts (train --probe) at
 * every checkpoint: the answer's probability and rank through the layers (logit lens), the step it first comes out
 * on top, the loss on the probe, attention heads sharpening, and the top predictions.
 *   probeTimeline(container, runId) -> {refresh(), destroy(), root}
 * It reads the run's probe read-outs (api.js probes) and follows the run's event stream (`checkpoint`: read
 * again). The state and the panels are in panels/probes/. */
import { append, clear, el } from "../lib/dom.js";
import { tooltip } from "../lib/tooltip.js";
import { icon } from "../lib/ui.js";
import { definePanel } from "../lib/panels.js";
import { renderCell } from "./probes/probe-cell.js";
import { probeCharts, renderCharts, renderMarkers } from "./probes/probe-charts.js";
import { selectionOf } from "./probes/probe-data.js";
import { renderHeads } from "./probes/probe-heads.js";
import { buildProbeLayout } from "./probes/probe-layout.js";
import { bindLens, renderLens } from "./probes/probe-lens.js";
import { followRun, loadProbes } from "./probes/probe-live.js";
import { renderPredictions } from "./probes/probe-predictions.js";
import { probeState } from "./probes/probe-state.js";
import { renderSummary } from "./probes/probe-summary.js";

/** @typedef {import("./probes/probe-state.js").ProbeContext} ProbeContext */

/** What to say when the run has no read-outs (yet). @param {ProbeContext} ctx */
function renderEmpty(ctx) {
  const S = ctx.S;
  ctx.parts = null;
  ctx.root.dataset.state = S.state === "error" ? "error" : "empty";
  ctx.root.dataset.probes = "0";
  clear(ctx.body).appendChild(el("div", { class: "card probe-empty" }, [
    el("p", {}, [S.status === "live" ? "No probe read-outs yet: they come with each checkpoint. " : "No probe read-outs in this run. ",
      "Training reads a few fixed prompts out at every checkpoint (", el("code", { text: "glassbox train --probe \"TEXT\"" }),
      "; by default the start of the validation split), so you can watch the model learn them: the answer's rank through the layers, the loss on the prompt and the heads sharpening."]),
  ]));
}

/** Draws the timeline anew (the cards are built once and redrawn after). @param {ProbeContext} ctx */
function render(ctx) {
  const S = ctx.S, root = ctx.root;
  if (S.stopped) return;
  tooltip.hide();
  if (!S.probes.length) { renderEmpty(ctx); return; }
  if (S.index >= S.probes.length) S.index = 0;
  const P = ctx.cur();
  root.dataset.state = "shown";
  root.dataset.probes = String(S.probes.length);
  root.dataset.probe = String(P.index);
  root.dataset.checkpoints = String(P.snaps.length);
  root.dataset.layers = String(P.L + 1);
  root.dataset.heads = String(P.L * P.H);
  root.dataset.firstTop = P.firstOut >= 0 ? String(P.snaps[P.firstOut].step) : "";
  if (!ctx.parts) buildProbeLayout(ctx);
  renderSummary(ctx, P);
  renderLens(ctx, false);
  renderCell(ctx);
  renderCharts(ctx, P);
  renderHeads(ctx, P);
  renderPredictions(ctx);
}

/** Selects a checkpoint (by step) and a depth (null: keep the depth). @param {ProbeContext} ctx @param {number} step @param {number|null} l */
function select(ctx, step, l) {
  const P = ctx.cur();
  if (!P) return;
  const prev = selectionOf(P, ctx.S.sel);
  const k = P.snaps.findIndex((s) => s.step === step);
  if (k < 0) return;
  const depth = l === null ? prev.l : l;
  ctx.S.sel = k === P.snaps.length - 1 && depth === P.L ? null : { step, l: depth };
  renderLens(ctx, true);
  renderCell(ctx);
  renderMarkers(ctx);
  renderPredictions(ctx);
  if (ctx.headsFigure) ctx.headsFigure.requestDraw();
}

/** The section's head, error line and body. @param {HTMLElement} root */
function frame(root) {
  root.classList.add("probes");
  root.id = root.id || "probes";
  root.dataset.state = "loading";
  const errorsNode = el("div", { class: "page-errors", "aria-live": "polite" });
  const body = el("div", { class: "probe-body", id: "probe-body" }, el("p", { class: "muted small-text", text: "Loading the probes…" }));
  clear(root);
  append(root, [
    el("div", { class: "section-head" }, [
      el("h2", { class: "section-title", id: "probes-title", text: "Probe timeline" }),
      el("span", { class: "section-sub", text: "what the model makes of fixed prompts, checkpoint by checkpoint" }),
    ]),
    errorsNode, body,
  ]);
  root.setAttribute("aria-labelledby", "probes-title");
  return { errorsNode, body };
}

/** Shows an error over the timeline, with a button to dismiss it. @param {HTMLElement} node @param {any} err @param {string} title */
function showError(node, err, title) {
  clear(node).appendChild(el("div", { class: "notice error", role: "alert" }, [
    el("span", { class: "notice-text", text: (title ? title + ": " : "") + (err && err.message ? err.message : String(err)) }),
    el("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss", title: "Dismiss", onclick: () => clear(node) }, icon("close")),
  ]));
}

/**
 * The probe timeline of a run in container (a section): reads the read-outs and follows the run.
 * @param {HTMLElement} container @param {string} runId @returns {{refresh: () => Promise<any[]|null>, destroy: () => void, root: HTMLElement}}
 */
export function probeTimeline(container, runId) {
  const { errorsNode, body } = frame(container);
  /** @type {ProbeContext} */
  const ctx = /** @type {any} */ ({
    runId, S: probeState(), root: container, body, errorsNode, parts: null, headsFigure: null, lensWidth: 0,
    headsWrap: el("div", { class: "probe-heads-wrap", id: "probe-heads" }),
    lensWrap: el("div", { class: "v-scroll probe-lens-wrap" }),
  });
  const S = ctx.S;
  Object.assign(ctx, probeCharts(runId, (step) => select(ctx, step, null)));
  ctx.cur = () => S.probes[Math.min(S.index, S.probes.length - 1)] || null;
  ctx.select = (step, l) => select(ctx, step, l);
  ctx.render = () => render(ctx);
  bindLens(ctx);
  S.resize = new ResizeObserver(() => {
    if (!ctx.parts || ctx.lensWrap.clientWidth === ctx.lensWidth) return;
    renderLens(ctx, false);
    if (ctx.headsFigure) ctx.headsFigure.requestDraw();
  });
  S.resize.observe(ctx.lensWrap);

  const load = () => loadProbes(ctx, (err, title) => showError(errorsNode, err, title));
  const onTheme = () => { if (ctx.parts) { renderLens(ctx, false); const P = ctx.cur(); if (P) renderHeads(ctx, P); } };
  document.addEventListener("gb-theme", onTheme);
  function destroy() {
    S.stopped = true;
    if (S.es) S.es.close();
    for (const t of S.timers) clearTimeout(t);
    S.timers.clear();
    if (S.resize) S.resize.disconnect();
    ctx.lossChart.destroy();
    ctx.probChart.destroy();
    if (ctx.headsFigure) ctx.headsFigure.destroy();
    document.removeEventListener("gb-theme", onTheme);
  }
  window.addEventListener("pagehide", destroy, { once: true });

  load().then(() => { if (!S.stopped) followRun(ctx, load); });
  return { refresh: load, destroy, root: container };
}

/** The run page's probe timeline (an MLP, a seq2seq model and a fine-tuning run read no probe prompts). */
export const probesPanel = definePanel({
  id: "run/probes", title: "What the model makes of fixed prompts at each checkpoint", needs: ["runs"],
  /** @param {import("./run/run-state.js").RunState} S */
  when: (S) => !S.compare && !S.mlp && !S.s2s && !S.ft,
  /** @param {import("./run/run-state.js").RunState} S */
  render(S) {
    const section = el("section", { class: "section", id: "probes" });
    S.probeView = probeTimeline(section, S.runs[0].id);
    return section;
  },
});
