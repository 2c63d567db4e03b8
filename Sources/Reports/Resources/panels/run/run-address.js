/* Glassbox Studio, run and compare pages: the charts' view in the page's address — smoothing, the x axis, log y and
 * the zoomed span of steps — so that a view is linkable and Back undoes a zoom. Absent from the address, smoothing
 * and the x axis are the ones last chosen on this browser. */
import { urlStore } from "../../lib/url-state.js";
import { setChartOptions } from "./run-charts.js";
import { clampSmoothing } from "./run-state.js";

/** @typedef {import("./run-state.js").RunState} RunState */

/** The address's fields (a compare page's `runs` is kept as it is). @type {import("../../lib/url-state.js").Schema} */
export const RUN_ADDRESS = {
  smoothing: { type: "number", min: 0, max: 0.99 },
  x: { type: "string", choices: ["step", "relative", "wall"] },
  log: { type: "bool" },
  from: { type: "int", min: 0 },
  to: { type: "int", min: 0 },
};

/** The zoom an address names (a span of at least one step), or null. @param {Object<string, any>} a */
export function zoomOf(a) { return a.from !== null && a.to !== null && a.to > a.from ? { from: a.from, to: a.to } : null; }

/** Sets the state's view from an address. @param {RunState} S @param {Object<string, any>} a */
export function applyAddress(S, a) {
  if (a.smoothing !== null) S.smoothing = clampSmoothing(a.smoothing);
  if (a.x !== null) S.xMode = a.x;
  S.logY = !!a.log;
  S.zoom = zoomOf(a);
}

/** The address's fields for the state's view. @param {RunState} S */
export function addressOf(S) {
  return { smoothing: S.smoothing, x: S.xMode, log: S.logY, from: S.zoom ? S.zoom.from : null, to: S.zoom ? S.zoom.to : null };
}

/** Shows the view an address names in the controls and charts (Back and Forward). @param {RunState} S
 * @param {(zoom: {from: number, to: number}|null) => void} zoomTo */
function showAddress(S, zoomTo) {
  const smoothing = /** @type {HTMLInputElement} */ (document.getElementById("smoothing"));
  const out = document.getElementById("smoothing-value");
  const x = /** @type {HTMLSelectElement} */ (document.getElementById("x-axis"));
  const log = /** @type {HTMLInputElement} */ (document.getElementById("log-y"));
  if (smoothing) smoothing.value = String(S.smoothing);
  if (out) out.textContent = S.smoothing.toFixed(2);
  if (x) x.value = S.xMode;
  if (log) log.checked = S.logY;
  setChartOptions(S, { xMode: S.xMode, logY: S.logY, smoothing: S.smoothing });
  zoomTo(S.zoom);
}

/**
 * Binds the state's view to the address: read now, written on each change (a zoom is a new history entry, the
 * other controls replace the address), and shown again on Back and Forward.
 * @param {RunState} S @param {(zoom: {from: number, to: number}|null) => void} zoomTo
 */
export function bindAddress(S, zoomTo) {
  const store = urlStore(RUN_ADDRESS, (a) => { applyAddress(S, a); showAddress(S, zoomTo); });
  applyAddress(S, store.get());
  return {
    /** Writes the view into the address; `push` for a change Back should undo. @param {boolean} [push] */
    save(push) { store.set(addressOf(S), { push: !!push, silent: true }); },
    destroy() { store.destroy(); },
  };
}
