/* Glassbox Studio, runs page: the head: the title, the summary line (#runs-summary, "12 runs · 2 live · 3 shown",
 * written by the table as it draws) and the "Compare selected" button (runs-selection.js). */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { runsCompareButton } from "./runs-selection.js";

/** @typedef {import("./runs-state.js").RunsContext} RunsContext */

/** The head; registers ctx.summary (and, through the button, ctx.selectionChanged). */
export const runsHeadPanel = definePanel({
  id: "runs/head", title: "The title, how many runs there are, and the Compare button", needs: ["runs", "selected"],
  /** @param {any} state @param {RunsContext} ctx */
  render(state, ctx) {
    ctx.summary = el("div", { class: "summary", id: "runs-summary", "aria-live": "polite" });
    return el("div", { class: "page-head" }, [
      el("div", {}, [el("h1", { text: "Runs" }), ctx.summary]),
      el("span", { class: "spacer" }),
      runsCompareButton(ctx),
    ]);
  },
});
