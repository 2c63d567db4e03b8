/* Glassbox Studio, runs page: the hyper-parameter filter's hint (#hp-filter-hint): what is wrong with the filter
 * typed (a malformed condition, a key no run has, with the keys known), shown under the toolbar. */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./runs-state.js").RunsContext} RunsContext */

/** The hint line, empty (hidden) while the filter is fine; registers ctx.showFilterErrors. @param {RunsContext} ctx */
export function runsFilterHint(ctx) {
  const hint = el("div", { class: "filter-hint", id: "hp-filter-hint", "aria-live": "polite" });
  ctx.showFilterErrors = (errors, known) => {
    hint.textContent = errors.length ? errors.join("; ") + (errors.some((e) => e.startsWith("no hyper")) ? ". Known: " + [...known].sort().join(", ") : "") : "";
    hint.classList.toggle("on", errors.length > 0);
    if (ctx.hpInput) ctx.hpInput.classList.toggle("invalid", errors.length > 0);
  };
  return hint;
}

/** The hint under the toolbar. */
export const runsFilterHintPanel = definePanel({
  id: "runs/filter-hint", title: "What is wrong with the hyper-parameter filter, when something is", needs: ["hpText"],
  /** @param {any} state @param {RunsContext} ctx */
  render: (state, ctx) => runsFilterHint(ctx),
});
