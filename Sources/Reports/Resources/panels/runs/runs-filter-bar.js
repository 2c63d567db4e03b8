/* Glassbox Studio, runs page: the filter bar. The search box (#run-filter), the host and user selects (#host-filter,
 * #user-filter: shown when the runs come from more than one machine or person) and the hyper-parameter filter
 * (#hp-filter; its hint is runs-filter-hint.js), all kept in the address (?q=, ?hp=, ?host=, ?user=: ctx.saveQuery). */
import { clear, el } from "../../lib/dom.js";
import { debounce } from "../../lib/ui.js";
import { hostOf, NONE, userOf } from "./runs-filter.js";

/** @typedef {import("./runs-state.js").RunsContext} RunsContext */
/** @typedef {import("../../api.js").RunSummary} RunSummary */

/** A quick filter: a label holding a select, hidden until there is a choice. @param {string} id @param {string} label @param {string} aria */
function quickSelect(id, label, aria) {
  const select = el("select", { id, class: "select", "aria-label": aria });
  const field = el("label", { class: "field quick-filter", hidden: true }, [el("span", { class: "field-label", text: label }), select]);
  return { select, field };
}

/**
 * Fills one quick filter: All, then each value with its number of runs (and "(not recorded)" when some runs have
 * none); hidden while there is no choice and nothing is chosen.
 * @param {{select: HTMLSelectElement, field: HTMLElement}} q @param {RunSummary[]} runs
 * @param {(r: RunSummary) => string|null} of @param {string} chosen @param {string} noun
 */
function fillQuickFilter(q, runs, of, chosen, noun) {
  const values = [...new Set(runs.map(of).filter((v) => v !== null))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const missing = runs.some((r) => of(r) === null);
  q.field.hidden = values.length < 2 && !chosen;
  const keys = values.concat(missing && values.length ? [NONE] : []);
  if (chosen && !keys.includes(chosen)) keys.push(chosen);
  // each value with its number of runs
  const opts = [["", "All " + noun + "s"]].concat(keys.map((v) => [v, (v === NONE ? "(not recorded)" : v) + " (" +
    runs.filter((r) => (of(r) === null ? NONE : of(r)) === v).length + ")"]));
  const sig = JSON.stringify(opts);
  if (q.select.dataset.sig !== sig) {
    q.select.dataset.sig = sig;
    clear(q.select);
    for (const [v, label] of opts) q.select.appendChild(el("option", { value: v, text: label }));
  }
  q.select.value = chosen;
  q.select.classList.toggle("active", !!chosen);
}

/** The search box. @param {string} value */
function searchInput(value) {
  return el("input", { type: "search", id: "run-filter", class: "input", placeholder: "Name, id, status, data set, host, user", value,
    "aria-label": "Filter runs by name, id, status, data set, host or user", autocomplete: "off", spellcheck: "false" });
}

/** The hyper-parameter filter. @param {string} value */
function hpFilterInput(value) {
  return el("input", { type: "search", id: "hp-filter", class: "input mono", placeholder: "layers=4 learningRate<0.001 ranks>1", value,
    "aria-label": "Filter runs by hyper-parameters and by ranks, host or user, e.g. layers=4 learningRate<0.001 ranks>1 host=NAME",
    title: "Space-separated conditions, all of which must hold: key=value, key!=value, key<value, key>value (<=, >= too).\nKeys: any hyper-parameter, and ranks, host, user, status, step, train_loss, val_loss, …",
    autocomplete: "off", spellcheck: "false" });
}

/**
 * Builds the filter bar and registers on ctx: renderQuickFilters, showFilters, clearFilters, hpInput.
 * @param {RunsContext} ctx @returns {{search: HTMLElement, host: HTMLElement, user: HTMLElement, hp: HTMLElement}}
 */
export function runsFilterBar(ctx) {
  const state = ctx.state;
  const search = searchInput(state.text), hpInput = hpFilterInput(state.hpText);
  // quick filters by machine and by person: shown when the runs come from more than one (renderQuickFilters)
  const host = quickSelect("host-filter", "Host", "Show the runs of one host");
  const user = quickSelect("user-filter", "User", "Show the runs of one user");
  ctx.hpInput = hpInput;

  ctx.renderQuickFilters = () => {
    fillQuickFilter(host, state.runs, hostOf, state.host, "host");
    fillQuickFilter(user, state.runs, userOf, state.user, "user");
  };
  ctx.showFilters = () => {
    search.value = state.text;
    hpInput.value = state.hpText;
    ctx.renderQuickFilters();
  };
  ctx.clearFilters = () => {
    state.text = state.hpText = state.host = state.user = "";
    ctx.showFilters();
    ctx.saveQuery();
    ctx.render();
  };

  const refilter = debounce(() => { ctx.saveQuery(); ctx.render(); }, 80);
  search.addEventListener("input", () => { state.text = search.value; refilter(); });
  hpInput.addEventListener("input", () => { state.hpText = hpInput.value; refilter(); });
  host.select.addEventListener("change", () => { state.host = host.select.value; ctx.renderQuickFilters(); ctx.saveQuery(); ctx.render(); });
  user.select.addEventListener("change", () => { state.user = user.select.value; ctx.renderQuickFilters(); ctx.saveQuery(); ctx.render(); });

  return {
    search: el("label", { class: "field grow" }, [el("span", { class: "field-label", text: "Search" }), search]),
    host: host.field, user: user.field,
    hp: el("label", { class: "field grow" }, [el("span", { class: "field-label", text: "Hyper-parameters" }), hpInput]),
  };
}
