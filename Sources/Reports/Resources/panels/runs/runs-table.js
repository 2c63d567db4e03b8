/* Glassbox Studio, runs page: the runs table (#runs-table). A header row of sort buttons (aria-sort) with a box that
 * selects every shown run, one row per run that passes the filters (tr[data-run-id][data-status], a box to select it
 * for comparison), and what to say when there is no run or none matches; it writes the head's summary line
 * (#runs-summary) as it draws. Rows are kept while their run has not changed (and redrawn each minute, for the
 * relative times). A header's click sorts (again: the other way), remembered in the browser. */
import { clear, el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { store } from "../../lib/storage.js";
import { emptyState } from "../../lib/ui.js";
import { firstDir } from "./runs-address.js";
import { knownKeys, matchesRun, parseHPFilter, searchWords, sortRuns } from "./runs-filter.js";

/** @typedef {import("./runs-state.js").RunsContext} RunsContext */
/** @typedef {import("./runs-state.js").Column} Column */
/** @typedef {import("../../api.js").RunSummary} RunSummary */

/** A run's row, built for the minute it was drawn. @param {RunsContext} ctx @param {RunSummary} r @param {number} minute */
function buildRow(ctx, r, minute) {
  const state = ctx.state;
  /** @type {HTMLTableRowElement & {_minute?: number}} */
  const tr = el("tr", { dataset: { runId: r.id, status: r.status }, class: state.selected.has(r.id) ? "selected" : "" });
  tr.appendChild(el("td", { class: "col-select" }, el("input", { type: "checkbox", class: "select-run", checked: state.selected.has(r.id), "aria-label": "Select " + r.name })));
  for (const c of state.columns) {
    if (!c.shown) continue;
    const td = document.createElement("td");
    if (c.num) td.className = "num";
    const v = c.cell(r);
    if (v instanceof Node) td.appendChild(v); else td.textContent = v;
    tr.appendChild(td);
  }
  tr._minute = minute;
  return tr;
}

/** A column's header: a button that sorts by it (again: the other way). @param {RunsContext} ctx @param {Column} c */
function headerCell(ctx, c) {
  const state = ctx.state;
  const active = state.sort.key === c.key;
  return el("th", { class: [c.num ? "num" : "", c.hp ? "hp" : "", "col-" + c.key.replace(/[^a-z0-9_-]/gi, "_")], "aria-sort": active ? (state.sort.dir > 0 ? "ascending" : "descending") : "none", scope: "col" },
    el("button", { type: "button", class: ["sort", active ? "active" : ""], title: "Sort by " + c.label, onclick: () => {
      state.sort = state.sort.key === c.key ? { key: c.key, dir: -state.sort.dir } : { key: c.key, dir: firstDir(c.key) };
      store.set("runs.sort", state.sort);
      ctx.renderHead();
      ctx.render();
    } }, [el("span", { text: c.label }), el("span", { class: "sort-arrow", "aria-hidden": "true", text: active ? (state.sort.dir > 0 ? "▲" : "▼") : "" })]));
}

/** The runs that pass the filters, in the table's order (and the filter's errors shown).
 * @param {RunsContext} ctx @returns {import("./runs-state.js").ListedRun[]} */
function shownRuns(ctx) {
  const state = ctx.state;
  const known = knownKeys(state.runs);
  const { tests, errors } = parseHPFilter(state.hpText, known);
  ctx.showFilterErrors(errors, known);
  const col = state.columns.find((c) => c.key === state.sort.key) || state.columns.find((c) => c.key === "started");
  const query = { words: searchWords(state.text), host: state.host, user: state.user, tests };
  return sortRuns(state.runs.filter((r) => matchesRun(r, query)), col.sort, state.sort.dir || 1);
}

/** "12 runs · 2 live · 3 shown" @param {RunSummary[]} runs @param {number} shown */
function summaryText(runs, shown) {
  const live = runs.filter((r) => r.status === "live").length;
  return runs.length === 0 ? "" : runs.length + (runs.length === 1 ? " run" : " runs") + (live ? " · " + live + " live" : "") +
    (shown !== runs.length ? " · " + shown + " shown" : "");
}

/** What to say in place of rows: no runs yet, or none that matches. @param {RunsContext} ctx @param {HTMLElement} empty @param {number} shown */
function renderEmpty(ctx, empty, shown) {
  clear(empty);
  if (ctx.state.runs.length === 0) {
    empty.appendChild(emptyState("No runs yet.", [
      el("p", {}, ["Train one: ", el("code", { class: "cmd", text: "glassbox train --preset s" })]),
      el("p", { class: "muted", text: "Runs are read from the runs directory this server was started with (--runs-dir). New runs appear here by themselves." }),
    ]));
  } else if (shown === 0) {
    empty.appendChild(emptyState("No run matches the filter.", [el("button", { type: "button", class: "btn small", text: "Clear the filters", onclick: () => ctx.clearFilters() })]));
  }
}

/**
 * Builds the table and registers on ctx: render, renderHead, syncSelectAll. The summary line is the head's
 * (ctx.summary). @param {RunsContext} ctx @returns {{tableWrap: HTMLElement, empty: HTMLElement}}
 */
export function runsTable(ctx) {
  const state = ctx.state;
  const thead = el("thead"), tbody = el("tbody");
  const tableWrap = el("div", { class: "table-wrap card" }, el("table", { id: "runs-table", class: "runs-table" }, [thead, tbody]));
  const empty = el("div", { class: "runs-empty" });

  ctx.renderHead = () => {
    const all = el("input", { type: "checkbox", class: "select-all", "aria-label": "Select every shown run" });
    all.addEventListener("change", () => {
      for (const id of state.shownIds) if (all.checked) state.selected.add(id); else state.selected.delete(id);
      for (const row of tbody.rows) {
        const box = /** @type {HTMLInputElement|null} */ (row.querySelector("input.select-run"));
        if (box) { box.checked = state.selected.has(row.dataset.runId); row.classList.toggle("selected", box.checked); }
      }
      ctx.selectionChanged();
    });
    const tr = el("tr", {}, el("th", { class: "col-select" }, all));
    for (const c of state.columns) if (c.shown) tr.appendChild(headerCell(ctx, c));
    clear(thead).appendChild(tr);
  };
  ctx.syncSelectAll = () => {
    const all = /** @type {HTMLInputElement|null} */ (thead.querySelector("input.select-all"));
    if (!all) return;
    const n = state.shownIds.filter((id) => state.selected.has(id)).length;
    all.checked = state.shownIds.length > 0 && n === state.shownIds.length;
    all.indeterminate = n > 0 && n < state.shownIds.length;
  };
  ctx.render = () => {
    if (!state.loaded) return;
    const shown = shownRuns(ctx);
    const minute = Math.floor(Date.now() / 60000);
    const rows = shown.map((r) => {
      const sig = r._json;
      const cached = state.rowCache.get(r.id);
      if (cached && cached.sig === sig && cached.tr._minute === minute) return cached.tr;
      const tr = buildRow(ctx, r, minute);
      state.rowCache.set(r.id, { sig, tr });
      return tr;
    });
    const same = rows.length === tbody.rows.length && rows.every((tr, i) => tbody.rows[i] === tr);
    if (!same) {
      const frag = document.createDocumentFragment();
      for (const tr of rows) frag.appendChild(tr);
      tbody.replaceChildren(frag);
    }
    state.shownIds = shown.map((r) => r.id);
    if (ctx.summary) ctx.summary.textContent = summaryText(state.runs, shown.length);
    tableWrap.hidden = state.runs.length === 0;
    renderEmpty(ctx, empty, shown.length);
    ctx.selectionChanged();
  };

  tbody.addEventListener("change", (e) => {
    const box = /** @type {HTMLInputElement} */ (e.target);
    if (!box.classList || !box.classList.contains("select-run")) return;
    const row = /** @type {HTMLElement} */ (box.closest("tr"));
    if (box.checked) state.selected.add(row.dataset.runId); else state.selected.delete(row.dataset.runId);
    row.classList.toggle("selected", box.checked);
    ctx.selectionChanged();
  });
  return { tableWrap, empty };
}

/** The table and, in place of rows, what to say when there is no run or none matches. */
export const runsTablePanel = definePanel({
  id: "runs/table", title: "Every run that passes the filters, sortable, with boxes to select runs to compare",
  needs: ["runs", "columns", "sort", "selected", "rowCache", "shownIds", "text", "hpText", "host", "user"],
  /** @param {any} state @param {RunsContext} ctx */
  render(state, ctx) {
    const table = runsTable(ctx);
    return el("div", { class: "runs-table-panel" }, [table.tableWrap, table.empty]);
  },
});
