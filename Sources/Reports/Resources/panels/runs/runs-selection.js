/* Glassbox Studio, runs page: the comparison selection. The runs ticked in the table (remembered in the browser) and
 * the "Compare selected" button (#compare-btn), which opens /compare on two or more of them. */
import { el } from "../../lib/dom.js";
import { store } from "../../lib/storage.js";
import { icon } from "../../lib/ui.js";

/** @typedef {import("./runs-state.js").RunsContext} RunsContext */

/** Builds the compare button and registers ctx.selectionChanged. @param {RunsContext} ctx */
export function runsCompareButton(ctx) {
  const state = ctx.state;
  const compare = () => {
    const present = state.runs.filter((r) => state.selected.has(r.id)).map((r) => r.id);
    if (present.length < 2) return;
    location.href = "/compare?runs=" + present.map(encodeURIComponent).join(",");
  };
  const button = el("button", { type: "button", id: "compare-btn", class: "btn primary", disabled: true, onclick: compare }, [icon("compare"), "Compare selected"]);
  ctx.selectionChanged = () => {
    const present = new Set(state.runs.map((r) => r.id));
    const ids = [...state.selected].filter((id) => present.has(id));
    store.set("runs.selected", ids);
    button.disabled = ids.length < 2;
    button.lastChild.textContent = ids.length ? "Compare selected (" + ids.length + ")" : "Compare selected";
    button.title = ids.length < 2 ? "Tick two or more runs to compare them" : "Overlay the " + ids.length + " selected runs";
    ctx.syncSelectAll();
  };
  return button;
}
