/* Glassbox Studio: the inspect page (/inspect?model=ID&prompt=TEXT[&target=TEXT][&contrast=TEXT][&steps=N], with
 * tab=patch&clean=..&corrupted=..&answer=..&wrong=.. the patching form, with
 * tab=diff&a=ID&b=ID&prompt=..[&target=..][&chat=0] the comparison of two models: two checkpoints of a run, in model
 * a's chat template unless chat=0). The page asks the server for the quick analyses first (one forward pass: logit
 * lens, attention, direct logit attribution, neurons, the contribution graph) and draws them at once with
 * report-views.js's views, then streams the integrated-gradient attributions (the slow part: their real progress
 * and an estimate of the time left show as they compute) and colours the prompt when they come. This module builds
 * the state from the address and mounts the panels of panels/inspect/: the head, the model picker, the tabs and
 * each tab's form, progress and output.
 *
 * For tests: #inspect-page carries data-phase (empty | running | shown | error | cancelled), data-attr (none |
 * running | done | cancelled | error), data-graph (none | first | running | done | offered | error | cancelled: how
 * the contribution graph came), data-patch (none | running | streaming | done | error | cancelled) with
 * data-patch-rows (the groups of layers drawn as they came), data-diff (none | running | done | error | cancelled) and
 * data-tab. A streamed analysis's progress line (#attr-progress, #graph-progress, #patch-progress) carries
 * data-part, data-done, data-total and data-fraction; the diff tab's switch is #diff-chat and what the models read
 * #diff-prompt-text[data-chat]. */
import { clear, el } from "../lib/dom.js";
import { ready } from "../lib/ui.js";
import { fromAddress } from "../panels/inspect/inspect-address.js";
import { readURL } from "../panels/inspect/inspect-common.js";
import { diffEmpty, diffForm } from "../panels/inspect/inspect-diff-form.js";
import { diffDefaults, diffModelsUnknown, fillDiffModels } from "../panels/inspect/inspect-diff-models.js";
import { runDiff, stopDiff } from "../panels/inspect/inspect-diff-run.js";
import { inspectEmpty, inspectForm } from "../panels/inspect/inspect-form.js";
import { inspectHead, showSummary } from "../panels/inspect/inspect-head.js";
import { loadModels, modelPicker } from "../panels/inspect/inspect-model-picker.js";
import { patchEmpty, patchForm } from "../panels/inspect/inspect-patch-form.js";
import { runPatch, stopPatch } from "../panels/inspect/inspect-patch-run.js";
import { runInspect, stopRun } from "../panels/inspect/inspect-run.js";
import { bindTabs, inspectTabs, showTab } from "../panels/inspect/inspect-tabs.js";

/** @typedef {import("../panels/inspect/inspect-common.js").InspectContext} InspectContext */

/** The page's context: its state, what runs, and its panels' parts (filled in by inspectPage). @returns {InspectContext} */
function context() {
  const state = readURL();
  const live = { run: null, patch: null, diff: null, view: null, patchView: null, diffView: null, models: [], runs: null, timers: new Set(), stopped: false };
  const ctx = /** @type {InspectContext} */ ({ state, live });
  ctx.act = {
    inspect: (push) => { runInspect(ctx, push); },
    patch: (push) => { runPatch(ctx, push); },
    diff: (push) => { runDiff(ctx, push); },
    showSummary: () => showSummary(ctx),
    showTab: (name, focus) => showTab(ctx, name, focus),
  };
  return ctx;
}

/** The models listed, the address shown. @param {InspectContext} ctx */
async function start(ctx) {
  const { state, live } = ctx;
  const groups = await loadModels(ctx);
  if (groups) fillDiffModels(ctx, groups); else diffModelsUnknown(ctx);
  if (live.stopped) return;
  diffDefaults(ctx);
  if (!live.diff) clear(ctx.diffForm.out).appendChild(diffEmpty(ctx)); // now with the runs to try
  fromAddress(ctx, true);
  ctx.picker.syncCardLink();
  ready();
  if (!state.prompt && state.tab === "inspect") ctx.form.prompt.focus({ preventScroll: true });
  if (!state.prompt && state.tab === "diff") ctx.diffForm.prompt.focus({ preventScroll: true });
}

/** Draws the inspect page into app; returns what ends it. @param {HTMLElement} app */
export function inspectPage(app) {
  const ctx = context();
  const { state, live } = ctx;
  ctx.head = inspectHead(ctx);
  ctx.picker = modelPicker(ctx);
  ctx.tabs = inspectTabs();
  ctx.form = inspectForm(ctx);
  ctx.patchForm = patchForm(ctx);
  ctx.diffForm = diffForm(ctx);
  ctx.page = el("div", { class: "page inspect-page", id: "inspect-page", dataset: { phase: "empty", attr: "none", graph: "none", patch: "none", diff: "none", tab: state.tab } }, [
    ctx.head.node, ctx.picker.notes, ctx.tabs.node, ctx.form.panel, ctx.patchForm.panel, ctx.diffForm.panel,
  ]);
  clear(app).appendChild(ctx.page);
  bindTabs(ctx);
  // a prompt typed in the inspect tab goes along to an empty compare form
  ctx.tabs.buttons.diff.addEventListener("click", () => {
    const f = ctx.diffForm;
    if (!f.prompt.value.trim() && ctx.form.prompt.value.trim()) { f.prompt.value = ctx.form.prompt.value; if (!f.target.value) f.target.value = ctx.form.target.value; }
  });
  const onPop = () => fromAddress(ctx, false);
  window.addEventListener("popstate", onPop);

  ctx.form.out.appendChild(inspectEmpty(ctx));
  ctx.patchForm.out.appendChild(patchEmpty(ctx));
  ctx.diffForm.out.appendChild(diffEmpty(ctx));
  showTab(ctx, state.tab);
  if (state.tab !== "diff") ctx.form.prompt.value = state.prompt;
  start(ctx);

  return () => {
    live.stopped = true;
    window.removeEventListener("popstate", onPop);
    stopRun(live.run);
    stopPatch(ctx);
    stopDiff(ctx);
    for (const id of live.timers) clearInterval(id);
    if (live.view) live.view.destroy();
    if (live.patchView) live.patchView.destroy();
    if (live.diffView) live.diffView.destroy();
  };
}
