/* Glassbox Studio, runs page: the page's state (what the filters, the sort, the columns and the selection hold, read
 * from the address and the browser's storage) and the context its panels share. */
import { store } from "../../lib/storage.js";
import { applyAddress, storedSort } from "./runs-address.js";

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
 * @property {() => void} saveQuery  writes the filters into the address (the page's URL store)
 * @property {() => void} showFilters  shows the state's filters in the filter bar (Back and Forward; runs-filter-bar.js)
 * @property {() => void} selectionChanged  stores the selection, updates the compare button and the select-all box (runs-selection.js)
 * @property {() => void} syncSelectAll  the select-all box: ticked, unticked or in between (runs-table.js)
 * @property {() => void} clearFilters  empties every filter (runs-filter-bar.js)
 * @property {(errors: string[], known: Set<string>) => void} showFilterErrors  (runs-filter-hint.js)
 * @property {HTMLInputElement} hpInput  the hyper-parameter filter's box (runs-filter-bar.js)
 * @property {HTMLElement} summary  the summary line in the head (runs-head.js), written by the table
 * @property {HTMLElement} errors  where the page's errors go (runs-errors.js)
 */

/** The page's state: the filters from the address (runs-address.js), the sort, the columns and the selection from
 * storage. @param {Object<string, any>} address  the page's URL store's state @returns {RunsState} */
export function runsState(address) {
  /** @type {RunsState} */
  const state = {
    runs: [], text: "", hpText: "", host: "", user: "", sort: storedSort(),
    selected: new Set(store.get("runs.selected", [])),
    colPrefs: store.get("runs.columns", {}),
    columns: [], rowCache: new Map(), shownIds: [], timer: null, stopped: false, errorNode: null, lastJSON: "", loaded: false,
  };
  applyAddress(state, address);
  return state;
}
