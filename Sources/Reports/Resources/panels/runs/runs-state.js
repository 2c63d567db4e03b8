/* Glassbox Studio, runs page: the page's state (what the filters, the sort, the columns and the selection hold, read
 * from the URL and the browser's storage) and the context its panels share. */
import { store } from "../../lib/storage.js";

/** @typedef {import("../../api.js").RunSummary} RunSummary */
/** @typedef {RunSummary & {_json?: string}} ListedRun  a run of the list, with its JSON (a row's signature) */

/**
 * @typedef {Object} Column  a column of the runs table
 * @property {string} key
 * @property {string} label
 * @property {(r: RunSummary) => any} sort  the sort key (null or undefined: no value, sorted last)
 * @property {(r: RunSummary) => Node|string} cell
 * @property {boolean} [always]  cannot be hidden (the run's name)
 * @property {boolean} [num]  right-aligned
 * @property {boolean} [hp]  a hyper-parameter
 * @property {boolean} [hidden]  hidden by default
 * @property {boolean} [shown]  shown now (the default or the person's choice)
 */

/**
 * @typedef {Object} RunsState
 * @property {ListedRun[]} runs  the server's list
 * @property {string} text  the search box
 * @property {string} hpText  the hyper-parameter filter
 * @property {string} host  the host chosen ("" for all; NONE for not recorded)
 * @property {string} user
 * @property {Set<string>} selected  the ticked runs' ids
 * @property {{key: string, dir: number}} sort
 * @property {Object<string, boolean>} colPrefs  columns the person showed (true) or hid (false)
 * @property {Column[]} columns
 * @property {string} [colSig]  the columns' signature when last drawn
 * @property {Map<string, {sig: string, tr: HTMLTableRowElement & {_minute?: number}}>} rowCache  drawn rows by run id
 * @property {string[]} shownIds  the ids of the rows shown, in order
 * @property {any} timer
 * @property {boolean} stopped
 * @property {HTMLElement|null} errorNode  the "lost contact" notice
 * @property {string} lastJSON  the list as last read
 * @property {boolean} loaded
 */

/**
 * @typedef {Object} RunsContext  what the runs page's panels share: the state, and each panel's redraw
 * @property {RunsState} state
 * @property {() => void} render  filters, sorts and draws the rows (runs-table.js)
 * @property {() => void} renderHead  draws the header row (runs-table.js)
 * @property {() => void} renderColumnsMenu  (runs-columns-menu.js)
 * @property {() => void} renderQuickFilters  the host and user selects (runs-filter-bar.js)
 * @property {() => void} saveQuery  mirrors the filters in the URL (runs-filter-bar.js)
 * @property {() => void} selectionChanged  stores the selection, updates the compare button and the select-all box (runs-selection.js)
 * @property {() => void} syncSelectAll  the select-all box: ticked, unticked or in between (runs-table.js)
 * @property {() => void} clearFilters  empties every filter (runs-filter-bar.js)
 * @property {(errors: string[], known: Set<string>) => void} showFilterErrors  (runs-filter-bar.js)
 */

/** The page's state: the filters from the URL's query, the sort, columns and selection from storage.
 * @param {string} search  location.search @returns {RunsState} */
export function runsState(search) {
  const params = new URLSearchParams(search);
  return {
    runs: [], text: params.get("q") || "", hpText: params.get("hp") || "", host: params.get("host") || "", user: params.get("user") || "",
    selected: new Set(store.get("runs.selected", [])),
    sort: store.get("runs.sort", { key: "started", dir: -1 }),
    colPrefs: store.get("runs.columns", {}),
    columns: [], rowCache: new Map(), shownIds: [], timer: null, stopped: false, errorNode: null, lastJSON: "", loaded: false,
  };
}
