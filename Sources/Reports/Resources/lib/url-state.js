/* Glassbox front end: a page's state kept in its address, so that every view is linkable and Back works. A page
 * declares its fields once (a schema: type and default); `parseState` and `stateQuery` turn an address's query into
 * state and back (pure: tested by Node, tests/js/url-state.test.js), and `urlStore` holds the state of the page in
 * view, writing the address on each change and following Back and Forward. */

/**
 * @typedef {{type: "string"|"int"|"number"|"bool"|"list", default?: any, min?: number, max?: number, choices?: string[]}} Field
 * @typedef {Object<string, Field>} Schema
 */

/** A field's value from its text in the address, or its default when absent or malformed. @param {Field} f @param {string|null} text */
function readField(f, text) {
  const fallback = f.default === undefined ? (f.type === "list" ? [] : f.type === "bool" ? false : null) : f.default;
  if (text === null) return fallback;
  switch (f.type) {
    case "int":
    case "number": {
      const v = f.type === "int" ? parseInt(text, 10) : parseFloat(text);
      if (!Number.isFinite(v) || (f.type === "int" && String(v) !== text.trim())) return fallback;
      if ((f.min !== undefined && v < f.min) || (f.max !== undefined && v > f.max)) return fallback;
      return v;
    }
    case "bool": return text === "1" || text === "true" || text === "";
    case "list": return text.split(",").map((s) => s.trim()).filter(Boolean);
    default:
      if (f.choices && !f.choices.includes(text)) return fallback;
      return text;
  }
}

/** Whether a value is its field's default (left out of the address). @param {Field} f @param {any} v */
function isDefault(f, v) {
  const d = f.default === undefined ? (f.type === "list" ? [] : f.type === "bool" ? false : null) : f.default;
  if (f.type === "list") return Array.isArray(v) && Array.isArray(d) && v.length === d.length && v.every((x, i) => x === d[i]);
  return v === d || (v === "" && d === null) || v === undefined;
}

/**
 * The state an address's query gives, every field of the schema present (defaults where absent or malformed).
 * @param {string} search  e.g. location.search ("?a=1&b=x") @param {Schema} schema @returns {Object<string, any>}
 */
export function parseState(search, schema) {
  const q = new URLSearchParams(search);
  /** @type {Object<string, any>} */
  const out = {};
  for (const key of Object.keys(schema)) out[key] = readField(schema[key], q.has(key) ? q.get(key) : null);
  return out;
}

/**
 * The query for a state ("a=1&b=x", no "?"): the schema's fields in its order, defaults left out; keys outside the
 * schema are never written. @param {Object<string, any>} state @param {Schema} schema
 */
export function stateQuery(state, schema) {
  const q = new URLSearchParams();
  for (const key of Object.keys(schema)) {
    const f = schema[key], v = state[key];
    if (isDefault(f, v) || v === null) continue;
    // a bool is written only when it is not its default: "1", or "0" for a field whose default is true
    if (f.type === "bool") { q.set(key, v ? "1" : "0"); continue; }
    q.set(key, f.type === "list" ? v.join(",") : String(v));
  }
  return q.toString();
}

/**
 * An address's query with the schema's fields set from `state` and every other parameter kept as it was (a compare
 * page's `runs=a,b` stays when its view changes). @param {string} search @param {Object<string, any>} state @param {Schema} schema
 */
export function mergeQuery(search, state, schema) {
  const q = new URLSearchParams(search);
  for (const key of Object.keys(schema)) q.delete(key);
  const own = new URLSearchParams(stateQuery(state, schema));
  for (const [k, v] of own) q.append(k, v);
  return q.toString();
}

/**
 * The state of the page in view, kept in its address. `set(patch)` writes the address (a new history entry with
 * `{push: true}`, else in place) and calls `onChange(state, changedKeys)`; Back and Forward read the address again and
 * call `onChange` too. @param {Schema} schema @param {(state: Object<string, any>, changed: string[]) => void} onChange
 */
export function urlStore(schema, onChange) {
  let state = parseState(location.search, schema);
  const changedKeys = (a, b) => Object.keys(schema).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  const address = (s) => { const q = mergeQuery(location.search, s, schema); return location.pathname + (q ? "?" + q : "") + location.hash; };
  const onPop = () => {
    const next = parseState(location.search, schema), changed = changedKeys(state, next);
    state = next;
    if (changed.length) onChange(state, changed);
  };
  window.addEventListener("popstate", onPop);
  return {
    get: () => state,
    /** @param {Object<string, any>} patch @param {{push?: boolean, silent?: boolean}} [opts] */
    set(patch, opts) {
      const next = Object.assign({}, state, patch), changed = changedKeys(state, next);
      state = next;
      const url = address(state);
      if (url !== location.pathname + location.search + location.hash) {
        if (opts && opts.push) history.pushState(null, "", url); else history.replaceState(null, "", url);
      }
      if (changed.length && !(opts && opts.silent)) onChange(state, changed);
    },
    destroy() { window.removeEventListener("popstate", onPop); },
  };
}
