/* Glassbox Studio, runs page: the toolbar above the table: the filter bar (runs-filter-bar.js: search, host, user,
 * hyper-parameters) and the Columns menu (runs-columns-menu.js). */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { runsColumnsMenu } from "./runs-columns-menu.js";
import { runsFilterBar } from "./runs-filter-bar.js";

/** @typedef {import("./runs-state.js").RunsContext} RunsContext */

/** The toolbar: the filters, then the Columns menu. */
export const runsToolbarPanel = definePanel({
  id: "runs/toolbar", title: "The filters (search, host, user, hyper-parameters) and the Columns menu",
  needs: ["runs", "text", "hpText", "host", "user", "columns", "colPrefs"],
  /** @param {any} state @param {RunsContext} ctx */
  render(state, ctx) {
    const filters = runsFilterBar(ctx);
    return el("div", { class: "toolbar runs-toolbar" }, [filters.search, filters.host, filters.user, filters.hp, runsColumnsMenu(ctx)]);
  },
});
