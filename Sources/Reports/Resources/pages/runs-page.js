/* Glassbox Studio: the runs page (/), every run as a sortable, filterable table. The page holds the state and the
 * polling of the run list; its panels are in panels/runs/: the filter bar, the Columns menu, the table and the
 * comparison selection. */
import { runs } from "../api.js";
import { append, clear, el } from "../lib/dom.js";
import { errorBox, ready } from "../lib/ui.js";
import { buildColumns, columnsSignature } from "../panels/runs/runs-columns.js";
import { runsColumnsMenu } from "../panels/runs/runs-columns-menu.js";
import { runsFilterBar } from "../panels/runs/runs-filter-bar.js";
import { parseHPFilter } from "../panels/runs/runs-filter.js";
import { runsCompareButton } from "../panels/runs/runs-selection.js";
import { runsState } from "../panels/runs/runs-state.js";
import { runsTable } from "../panels/runs/runs-table.js";

/** @typedef {import("../panels/runs/runs-state.js").RunsContext} RunsContext */

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
 * after the first read shows a notice and retries. @param {RunsContext} ctx @param {HTMLElement} errors */
function poll(ctx, errors) {
  const state = ctx.state;
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
  const ctx = /** @type {any} */ ({ state: runsState(location.search) });
  const state = ctx.state;
  const filters = runsFilterBar(ctx);
  const columnsMenu = runsColumnsMenu(ctx);
  const compareButton = runsCompareButton(ctx);
  const table = runsTable(ctx);
  const errors = el("div", { class: "page-errors" });

  append(app, el("div", { class: "page runs-page" }, [
    el("div", { class: "page-head" }, [
      el("div", {}, [el("h1", { text: "Runs" }), table.summary]),
      el("span", { class: "spacer" }),
      compareButton,
    ]),
    errors,
    el("div", { class: "toolbar runs-toolbar" }, [filters.search, filters.host, filters.user, filters.hp, columnsMenu]),
    filters.hint,
    table.tableWrap,
    table.empty,
  ]));

  const load = poll(ctx, errors);
  document.addEventListener("visibilitychange", () => { if (!document.hidden && !state.stopped) { clearTimeout(state.timer); load(); } });
  load();
  return () => { state.stopped = true; clearTimeout(state.timer); };
}

export { parseHPFilter };
