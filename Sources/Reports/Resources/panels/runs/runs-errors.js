/* Glassbox Studio, runs page: where its errors show (a failed first read of the run list; "Lost contact with the
 * server" while a later read fails). The page's polling writes into it (ctx.errors). */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./runs-state.js").RunsContext} RunsContext */

/** The errors' place, empty (hidden) while all is well. */
export const runsErrorsPanel = definePanel({
  id: "runs/errors", title: "Errors reading the run list", needs: [],
  /** @param {any} state @param {RunsContext} ctx */
  render: (state, ctx) => (ctx.errors = el("div", { class: "page-errors" })),
});
