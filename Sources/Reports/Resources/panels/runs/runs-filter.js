/* Glassbox Studio, runs page: which runs the filters show, and in what order. A run's fields as the filters read
 * them, the hyper-parameter filter syntax ("layers=4 learningRate<0.001 ranks>1 host=NAME"), the search words and
 * the host / user choices, and the sort of the table. Pure (touches no `document`): tested by Node
 * (tests/js/runs-filter.test.js). */
import { isNum } from "../../lib/format.js";

/** @typedef {import("../../api.js").RunSummary} RunSummary */
/** @typedef {(run: RunSummary) => boolean} RunTest */

/** The newest value of a headline tag, or null. @param {RunSummary} r @param {string} tag @returns {number|null} */
export const last = (r, tag) => (r.last && isNum(r.last[tag]) ? r.last[tag] : null);
/** The run's hyper-parameters ({} when none). @param {RunSummary} r @returns {Object<string, any>} */
export const hp = (r) => r.hyper_parameters || {};
/** Processes that trained the run (data-parallel over MPI); 1 when the server does not say. @param {RunSummary} r */
export const ranksOf = (r) => (isNum(r.ranks) && r.ranks >= 1 ? r.ranks : 1);
/** @param {RunSummary} r @returns {string|null} */
export const hostOf = (r) => (typeof r.host === "string" && r.host ? r.host : null);
/** @param {RunSummary} r @returns {string|null} */
export const userOf = (r) => (typeof r.user === "string" && r.user ? r.user : null);
/** The quick filters' value for "recorded no host / user". */
export const NONE = "\u2205";

/** The keys a filter may name besides the hyper-parameters. @type {Object<string, (r: RunSummary) => any>} */
export const TOP_KEYS = {
  step: (r) => r.step, total_steps: (r) => r.total_steps, status: (r) => r.status, data_set: (r) => r.data_set,
  tokenizer: (r) => r.tokenizer, parameter_count: (r) => r.parameter_count, name: (r) => r.name, id: (r) => r.id,
  train_loss: (r) => last(r, "train/loss"), val_loss: (r) => last(r, "val/loss"), duration_s: (r) => r.duration_s,
  ranks: ranksOf, host: hostOf, user: userOf,
};

/** A run's value for a filter key: its hyper-parameter, else one of TOP_KEYS. @param {RunSummary} run @param {string} key */
export function valueOf(run, key) {
  if (key in hp(run)) return hp(run)[key];
  if (TOP_KEYS[key]) return TOP_KEYS[key](run);
  return undefined;
}

/** Every key a filter may name for these runs: TOP_KEYS and each hyper-parameter. @param {RunSummary[]} runs */
export function knownKeys(runs) {
  const known = new Set(Object.keys(TOP_KEYS));
  for (const r of runs) for (const k of Object.keys(hp(r))) known.add(k);
  return known;
}

/** Compares a number with what the filter wants (equal within a relative 1e-12). @param {number} v @param {string} op @param {number} want */
function compareNumber(v, op, want) {
  const close = Math.abs(v - want) <= 1e-12 * Math.max(1, Math.abs(want));
  switch (op) {
    case "=": return close;
    case "!=": return !close;
    case "<": return v < want;
    case ">": return v > want;
    case "<=": return v <= want;
    case ">=": return v >= want;
  }
  return false;
}

/** Compares texts, ignoring case. @param {string} a @param {string} op @param {string} b */
function compareText(a, op, b) {
  switch (op) {
    case "=": return a === b;
    case "!=": return a !== b;
    case "<": return a < b;
    case ">": return a > b;
    case "<=": return a <= b;
    case ">=": return a >= b;
  }
  return false;
}

/** The test of one condition: numbers compare as numbers, anything else as text; a run without the key passes
 * only "!=". @param {string} key @param {string} op @param {string} want @returns {RunTest} */
function condition(key, op, want) {
  const wantNum = Number(want);
  return (run) => {
    const v = valueOf(run, key);
    if (v === undefined || v === null) return op === "!=";
    if (isNum(v) && want.trim() !== "" && Number.isFinite(wantNum)) return compareNumber(v, op, wantNum);
    return compareText(String(v).toLowerCase(), op, want.toLowerCase());
  };
}

/**
 * "layers=4 learningRate<0.001" -> {tests: [fn], errors: [text]}: space-separated conditions key=value, key!=value,
 * key<value, key>value, key<=value, key>=value (== is =), all of which must hold. Keys match knownKeys ignoring case.
 * @param {string} text @param {Iterable<string>} knownKeys @returns {{tests: RunTest[], errors: string[]}}
 */
export function parseHPFilter(text, knownKeys) {
  const tests = [], errors = [];
  const lower = new Map();
  for (const k of knownKeys) lower.set(k.toLowerCase(), k);
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([^<>=!]+?)(<=|>=|!=|==|=|<|>)(.*)$/.exec(token);
    if (!m || m[3] === "") { errors.push("'" + token + "' is not key=value, key<value or key>value"); continue; }
    const keyText = m[1], op = m[2] === "==" ? "=" : m[2], want = m[3];
    const key = lower.get(keyText.toLowerCase());
    if (!key) { errors.push("no hyper-parameter '" + keyText + "'"); continue; }
    tests.push(condition(key, op, want));
  }
  return { tests, errors };
}

/**
 * @typedef {Object} RunQuery  what the filters ask for
 * @property {string[]} words  lower-case search words, each of which must be in the name, id, status, data set, host or user
 * @property {string} host  "" for any, NONE for "not recorded"
 * @property {string} user
 * @property {RunTest[]} tests  parseHPFilter's tests
 */

/** The search box's text as lower-case words. @param {string} text */
export const searchWords = (text) => text.toLowerCase().split(/\s+/).filter(Boolean);

/** Whether a run passes every filter. @param {RunSummary} r @param {RunQuery} q */
export function matchesRun(r, q) {
  if (q.words.length) {
    const hay = (r.name + " " + r.id + " " + r.status + " " + (r.data_set || "") + " " + (hostOf(r) || "") + " " + (userOf(r) || "")).toLowerCase();
    for (const w of q.words) if (!hay.includes(w)) return false;
  }
  if (q.host && (hostOf(r) === null ? NONE : hostOf(r)) !== q.host) return false;
  if (q.user && (userOf(r) === null ? NONE : userOf(r)) !== q.user) return false;
  for (const t of q.tests) if (!t(r)) return false;
  return true;
}

/** Sort order of two values: numbers as numbers, text with numbers in it naturally; missing values (null,
 * undefined, NaN, ±Infinity) after the others. @param {any} a @param {any} b */
export function compareValues(a, b) {
  const an = a === null || a === undefined || (typeof a === "number" && !Number.isFinite(a));
  const bn = b === null || b === undefined || (typeof b === "number" && !Number.isFinite(b));
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/**
 * The runs in table order by a column's sort key: dir 1 ascending, -1 descending; runs without a value last
 * whichever the direction; ties by creation time.
 * @template {RunSummary} R
 * @param {R[]} runs @param {(r: RunSummary) => any} key @param {number} dir @returns {R[]}
 */
export function sortRuns(runs, key, dir) {
  const keyed = runs.map((r) => ({ r, k: key(r) }));
  keyed.sort((a, b) => {
    const missA = a.k === null || a.k === undefined, missB = b.k === null || b.k === undefined;
    if (missA || missB) return compareValues(a.k, b.k);
    return dir * compareValues(a.k, b.k) || a.r.created_at - b.r.created_at;
  });
  return keyed.map(({ r }) => r);
}
