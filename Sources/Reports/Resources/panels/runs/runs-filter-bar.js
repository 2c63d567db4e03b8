/* Glassbox Studio, runs page: the filter bar. The search box (#run-filter), the host and user selects (#host-filter,
 * #user-filter: shown when the runs come from more than one machine or person), the hyper-parameter filter
 * (#hp-filter) with its hint (#hp-filter-hint), all mirrored in the URL (?q=, ?hp=, ?host=, ?user=). */
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
 * Builds the filter bar and registers on ctx: renderQuickFilters, saveQuery, clearFilters, showFilterErrors.
 * @param {RunsContext} ctx @returns {{search: HTMLElement, host: HTMLElement, user: HTMLElement, hp: HTMLElement, hint: HTMLElement}}
 */
export function runsFilterBar(ctx) {
  const state = ctx.state;
  const search = searchInput(state.text), hpInput = hpFilterInput(state.hpText);
  // quick filters by machine and by person: shown when the runs come from more than one (renderQuickFilters)
  const host = quickSelect("host-filter", "Host", "Show the runs of one host");
  const user = quickSelect("user-filter", "User", "Show the runs of one user");
  const hpHint = el("div", { class: "filter-hint", id: "hp-filter-hint", "aria-live": "polite" });

  ctx.renderQuickFilters = () => {
    fillQuickFilter(host, state.runs, hostOf, state.host, "host");
    fillQuickFilter(user, state.runs, userOf, state.user, "user");
  };
  ctx.saveQuery = () => {
    const p = new URLSearchParams();
    if (state.text) p.set("q", state.text);
    if (state.hpText) p.set("hp", state.hpText);
    if (state.host) p.set("host", state.host);
    if (state.user) p.set("user", state.user);
    const qs = p.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  };
  ctx.clearFilters = () => {
    search.value = hpInput.value = state.text = state.hpText = state.host = state.user = "";
    ctx.renderQuickFilters();
    ctx.saveQuery();
    ctx.render();
  };
  ctx.showFilterErrors = (errors, known) => {
    hpHint.textContent = errors.length ? errors.join("; ") + (errors.some((e) => e.startsWith("no hyper")) ? ". Known: " + [...known].sort().join(", ") : "") : "";
    hpHint.classList.toggle("on", errors.length > 0);
    hpInput.classList.toggle("invalid", errors.length > 0);
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
    hint: hpHint,
  };
}
