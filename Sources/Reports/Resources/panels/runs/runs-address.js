/* Glassbox Studio, runs page: the address is the filters' state — the search box (?q=), the hyper-parameter filter
 * (?hp=), the host and user selects (?host=, ?user=) — held by one lib/url-state.js store, so that a filtered view is
 * linkable. The sort is not in the address: it is the one last chosen on this browser (storage "runs.sort"), and
 * clearing the filters leaves a bare "/" (tests/browser/ranks_test.py). */
import { store } from "../../lib/storage.js";

/** @typedef {import("./runs-state.js").RunsState} RunsState */

/** The address's fields. @type {import("../../lib/url-state.js").Schema} */
export const RUNS_ADDRESS = {
  q: { type: "string", default: "" },
  hp: { type: "string", default: "" },
  host: { type: "string", default: "" },
  user: { type: "string", default: "" },
};

/** The table's first sort: newest first. */
const DEFAULT_SORT = { key: "started", dir: -1 };

/** A column's first direction when it is clicked: newest first for the start time, else ascending. @param {string} key */
export const firstDir = (key) => (key === "started" ? -1 : 1);

/** The sort last chosen on this browser (newest first until one is). @returns {{key: string, dir: number}} */
export function storedSort() {
  const s = store.get("runs.sort", DEFAULT_SORT);
  return s && typeof s.key === "string" && (s.dir === 1 || s.dir === -1) ? s : DEFAULT_SORT;
}

/** Sets the state's filters from an address. @param {RunsState} state @param {Object<string, any>} a */
export function applyAddress(state, a) {
  state.text = a.q;
  state.hpText = a.hp;
  state.host = a.host;
  state.user = a.user;
}

/** The address's fields for the state. @param {RunsState} state */
export function addressOf(state) {
  return { q: state.text, hp: state.hpText, host: state.host, user: state.user };
}
