/* Glassbox Studio: the runs page (/), every run as a sortable, filterable table. The page holds the state (its
 * filters in the address: one lib/url-state.js store, panels/runs/runs-address.js), mounts its panels
 * (PANELS: panels/runs/, each declared with lib/panels.js's definePanel) and polls the run list. */
import { runs } from "../api.js";
import { clear, el } from "../lib/dom.js";
import { mountPanels } from "../lib/panels.js";
import { errorBox, ready } from "../lib/ui.js";
import { urlStore } from "../lib/url-state.js";
import { addressOf, applyAddress, RUNS_ADDRESS } from "../panels/runs/runs-address.js";
import { buildColumns, columnsSignature } from "../panels/runs/runs-columns.js";
import { runsErrorsPanel } from "../panels/runs/runs-errors.js";
import { parseHPFilter } from "../panels/runs/runs-filter.js";
import { runsFilterHintPanel } from "../panels/runs/runs-filter-hint.js";
import { runsHeadPanel } from "../panels/runs/runs-head.js";
import { runsState } from "../panels/runs/runs-state.js";
import { runsTablePanel } from "../panels/runs/runs-table.js";
import { runsToolbarPanel } from "../panels/runs/runs-toolbar.js";

/** @typedef {import("../panels/runs/runs-state.js").RunsContext} RunsContext */

/** The page, top to bottom. */
export const PANELS = [runsHeadPanel, runsErrorsPanel, runsToolbarPanel, runsFilterHintPanel, runsTablePanel];

/** A new run list: redraws the quick filters, and the columns when they changed, then the rows.
 * @param {RunsContext} ctx @param {import("../panels/runs/runs-state.js").ListedRun[]} list */
function takeRuns(ctx, list) {
  const state = ctx.state;
  for (const r of list) r._json = JSON.stringify(r);
  state.runs = list;
  ctx.renderQuickFilters();
  const cols = buildColumns(state.runs, state.colPrefs);
  const sig = columnsSignature(cols);
  if (sig !== state.colSig) {
    state.columns = cols;
    state.colSig = sig;
    state.rowCache.clear();
    ctx.renderColumnsMenu();
    ctx.renderHead();
  }
  state.loaded = true;
  ctx.render();
}

/** Reads the run list now and again (every 2 s while a run is live, else 8 s; 10 s in a hidden tab); a failure
 * after the first read shows a notice and retries (in the errors panel, ctx.errors). @param {RunsContext} ctx */
function poll(ctx) {
  const state = ctx.state, errors = ctx.errors;
  const schedule = () => {
    if (state.stopped) return;
    clearTimeout(state.timer);
    const live = state.runs.some((r) => r.status === "live");
    state.timer = setTimeout(load, document.hidden ? 10000 : live ? 2000 : 8000);
  };
  async function load() {
    try {
      const list = await runs();
      if (state.stopped) return;
      if (!Array.isArray(list)) throw new Error("The server's run list is not a list.");
      const json = JSON.stringify(list);
      if (state.errorNode) { state.errorNode.remove(); state.errorNode = null; }
      if (json !== state.lastJSON || !state.loaded) { state.lastJSON = json; takeRuns(ctx, list); } else ctx.render(); // relative times move on
      ready();
    } catch (err) {
      if (state.stopped) return;
      if (!state.loaded) {
        clear(errors).appendChild(errorBox(err, "Could not load the runs"));
        ready();
      } else if (!state.errorNode) {
        state.errorNode = el("div", { class: "notice warn", role: "status", text: "Lost contact with the server (" + err.message + "). Retrying…" });
        errors.appendChild(state.errorNode);
      }
    }
    schedule();
  }
  return load;
}

/** Draws the runs page into app; returns the function that stops it. @param {HTMLElement} app */
export function runsPage(app) {
  /** @type {RunsContext} */
  const ctx = /** @type {any} */ ({});
  // Back and Forward: the filters the address names, shown again
  const address = urlStore(RUNS_ADDRESS, (a) => {
    applyAddress(state, a);
    ctx.showFilters();
    ctx.render();
  });
  const state = ctx.state = runsState(address.get());
  ctx.saveQuery = () => address.set(addressOf(state), { silent: true });

  const page = el("div", { class: "page runs-page" });
  mountPanels(page, PANELS, state, ctx);
  app.appendChild(page);

  const load = poll(ctx);
  const onVisible = () => { if (!document.hidden && !state.stopped) { clearTimeout(state.timer); load(); } };
  document.addEventListener("visibilitychange", onVisible);
  load();
  return () => {
    state.stopped = true;
    clearTimeout(state.timer);
    document.removeEventListener("visibilitychange", onVisible);
    address.destroy();
  };
}

export { parseHPFilter };
