/* Glassbox Studio: the inspect page (/inspect?model=ID&prompt=TEXT[&target=TEXT][&contrast=TEXT][&steps=N], with
 * tab=patch&clean=..&corrupted=..&answer=..&wrong=.. the patching form, with
 * tab=diff&a=ID&b=ID&prompt=..[&target=..][&chat=0] the comparison of two models: two checkpoints of a run, in model
 * a's chat template unless chat=0). The page asks the server for the quick analyses first (one forward pass: logit
 * lens, attention, direct logit attribution, neurons, the contribution graph) and draws them at once with
 * report-views.js's views, then streams the integrated-gradient attributions (the slow part: their real progress
 * and an estimate of the time left show as they compute) and colours the prompt when they come. This module holds
 * the state (the address in one lib/url-state.js store: INSPECT_ADDRESS in panels/inspect/inspect-common.js; a run
 * pushes a history entry, and Back and Forward show what the address names) and mounts the panels of
 * panels/inspect/ in order (PANELS): the head, the model picker's notes, the tabs and each tab's form, progress and
 * output.
 *
 * For tests: #inspect-page carries data-phase (empty | running | shown | error | cancelled), data-attr (none |
 * running | done | cancelled | error), data-graph (none | first | running | done | offered | error | cancelled: how
 * the contribution graph came), data-patch (none | running | streaming | done | error | cancelled) with
 * data-patch-rows (the groups of layers drawn as they came), data-diff (none | running | done | error | cancelled) and
 * data-tab. A streamed analysis's progress line (#attr-progress, #graph-progress, #patch-progress) carries
 * data-part, data-done, data-total and data-fraction; the diff tab's switch is #diff-chat and what the models read
 * #diff-prompt-text[data-chat]. */
import { clear, el } from "../lib/dom.js";
import { mountPanels } from "../lib/panels.js";
import { ready } from "../lib/ui.js";
import { parseState, urlStore } from "../lib/url-state.js";
import { fromAddress } from "../panels/inspect/inspect-address.js";
import { INSPECT_ADDRESS, addressState } from "../panels/inspect/inspect-common.js";
import { diffEmpty, diffFormPanel } from "../panels/inspect/inspect-diff-form.js";
import { diffDefaults, diffModelsUnknown, fillDiffModels } from "../panels/inspect/inspect-diff-models.js";
import { runDiff, stopDiff } from "../panels/inspect/inspect-diff-run.js";
import { inspectFormPanel } from "../panels/inspect/inspect-form.js";
import { headPanel, showSummary } from "../panels/inspect/inspect-head.js";
import { loadModels, modelPickerPanel } from "../panels/inspect/inspect-model-picker.js";
import { patchFormPanel } from "../panels/inspect/inspect-patch-form.js";
import { runPatch, stopPatch } from "../panels/inspect/inspect-patch-run.js";
import { runInspect, stopRun } from "../panels/inspect/inspect-run.js";
import { showTab, tabsPanel } from "../panels/inspect/inspect-tabs.js";

/** @typedef {import("../panels/inspect/inspect-common.js").InspectContext} InspectContext */

/** The page's panels, in the order it reads. */
export const PANELS = [headPanel, modelPickerPanel, tabsPanel, inspectFormPanel, patchFormPanel, diffFormPanel];

/** The page's context: its state (the address's, from the page's one urlStore), what runs, and its actions; mounting
 * the panels adds their parts. @returns {{ctx: InspectContext, store: ReturnType<typeof urlStore>}} */
function context() {
  const live = { run: null, patch: null, diff: null, view: null, patchView: null, diffView: null, models: [], runs: null, timers: new Set(), stopped: false };
  const ctx = /** @type {InspectContext} */ ({ live });
  // Back and Forward show what the address names
  const store = urlStore(INSPECT_ADDRESS, (fields) => { if (!live.stopped) fromAddress(ctx, addressState(fields), false); });
  ctx.state = addressState(store.get());
  ctx.act = {
    inspect: (push) => { runInspect(ctx, push); },
    patch: (push) => { runPatch(ctx, push); },
    diff: (push) => { runDiff(ctx, push); },
    showSummary: () => showSummary(ctx),
    showTab: (name, focus) => showTab(ctx, name, focus),
    // a tab's fields, every other one at its default: the address names that run alone
    address: (fields, push) => { store.set(Object.assign(parseState("", INSPECT_ADDRESS), fields), { push, silent: true }); },
  };
  return { ctx, store };
}

/** The models listed, the address shown. @param {InspectContext} ctx @param {ReturnType<typeof urlStore>} store */
async function start(ctx, store) {
  const { state, live } = ctx;
  const groups = await loadModels(ctx);
  if (groups) fillDiffModels(ctx, groups); else diffModelsUnknown(ctx);
  if (live.stopped) return;
  diffDefaults(ctx);
  if (!live.diff) clear(ctx.diffForm.out).appendChild(diffEmpty(ctx)); // now with the runs to try
  fromAddress(ctx, addressState(store.get()), true);
  ctx.picker.syncCardLink();
  ready();
  if (!state.prompt && state.tab === "inspect") ctx.form.prompt.focus({ preventScroll: true });
  if (!state.prompt && state.tab === "diff") ctx.diffForm.prompt.focus({ preventScroll: true });
}

/** Draws the inspect page into app; returns what ends it. @param {HTMLElement} app */
export function inspectPage(app) {
  const { ctx, store } = context();
  const { state, live } = ctx;
  ctx.page = el("div", { class: "page inspect-page", id: "inspect-page", dataset: { phase: "empty", attr: "none", graph: "none", patch: "none", diff: "none", tab: state.tab } });
  mountPanels(ctx.page, PANELS, state, ctx);
  clear(app).appendChild(ctx.page);
  showTab(ctx, state.tab);
  start(ctx, store);

  return () => {
    live.stopped = true;
    store.destroy();
    stopRun(live.run);
    stopPatch(ctx);
    stopDiff(ctx);
    for (const id of live.timers) clearInterval(id);
    if (live.view) live.view.destroy();
    if (live.patchView) live.patchView.destroy();
    if (live.diffView) live.diffView.destroy();
  };
}
