/* Glassbox Studio, runs page: the Columns menu. A checkbox per column that may be hidden (the run's fields, then the
 * hyper-parameters), remembered in the browser, and "Default columns" to forget the choices. */
import { clear, el } from "../../lib/dom.js";
import { store } from "../../lib/storage.js";
import { icon } from "../../lib/ui.js";
import { buildColumns, columnsSignature } from "./runs-columns.js";

/** @typedef {import("./runs-state.js").RunsContext} RunsContext */
/** @typedef {import("./runs-state.js").Column} Column */

/** A column's checkbox: shows or hides it and redraws the table. @param {RunsContext} ctx @param {Column} c */
function columnCheck(ctx, c) {
  const state = ctx.state;
  const box = el("input", { type: "checkbox", checked: c.shown, dataset: { col: c.key } });
  box.addEventListener("change", () => {
    state.colPrefs[c.key] = box.checked;
    store.set("runs.columns", state.colPrefs);
    c.shown = box.checked;
    state.rowCache.clear();
    ctx.renderHead();
    ctx.render();
  });
  return el("label", { class: "menu-check" }, [box, el("span", { text: c.label })]);
}

/** Builds the menu (a details element) and registers ctx.renderColumnsMenu. @param {RunsContext} ctx */
export function runsColumnsMenu(ctx) {
  const state = ctx.state;
  const panel = el("div", { class: "menu-panel columns-panel" });
  const menu = el("details", { class: "menu columns-menu" }, [
    el("summary", { class: "btn", title: "Show or hide columns" }, [icon("columns"), "Columns"]), panel]);
  menu.addEventListener("keydown", (e) => { if (e.key === "Escape") { menu.open = false; menu.querySelector("summary").focus(); } });

  const reset = () => {
    state.colPrefs = {};
    store.set("runs.columns", undefined);
    state.columns = buildColumns(state.runs, state.colPrefs);
    state.colSig = columnsSignature(state.columns);
    state.rowCache.clear();
    ctx.renderColumnsMenu();
    ctx.renderHead();
    ctx.render();
  };
  ctx.renderColumnsMenu = () => {
    clear(panel);
    panel.appendChild(el("div", { class: "menu-title", text: "Columns" }));
    const groups = [["Run", state.columns.filter((c) => !c.hp)], ["Hyper-parameters", state.columns.filter((c) => c.hp)]];
    for (const [title, cols] of groups) {
      if (!cols.length) continue;
      panel.appendChild(el("div", { class: "menu-group", text: title }));
      for (const c of cols) if (!c.always) panel.appendChild(columnCheck(ctx, c));
    }
    panel.appendChild(el("button", { type: "button", class: "btn small ghost menu-reset", text: "Default columns", onclick: reset }));
  };
  return menu;
}
