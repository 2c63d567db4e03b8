/* Glassbox front end: what a progress line says about long work (attributions, patching scans): the real count of
 * work done, the total as it stands (an adaptive refinement can raise it), and a time estimate once there is enough
 * to estimate from. Pure: tested by Node (tests/js/progress.test.js). */
import { duration } from "./format.js";

/**
 * @typedef {Object} ProgressEvent  a streamed `progress` event of the studio's API
 * @property {string} part
 * @property {number} fraction  0..1
 * @property {number} [done]  units done (attributions: gradient evaluations)
 * @property {number} [total]  units expected now
 * @property {number} [elapsed_s]
 */

/**
 * Seconds left, from the time so far and the fraction done; null while too little is done to say (under 5% or
 * under a second).
 * @param {number} fraction @param {number} elapsed @returns {number|null}
 */
export function secondsLeft(fraction, elapsed) {
  if (!(fraction >= 0.05) || !(elapsed >= 1) || fraction >= 1) return fraction >= 1 ? 0 : null;
  return (elapsed * (1 - fraction)) / fraction;
}

/**
 * The progress line: "attributions: 40 of 81 gradient evaluations · 12s so far · about 15s left".
 * @param {ProgressEvent} p @param {string} [unit]  what `done` counts (plural)
 */
export function progressText(p, unit) {
  const parts = [];
  const what = p.part || "working";
  if (typeof p.done === "number" && typeof p.total === "number" && p.total > 0) {
    parts.push(what + ": " + Math.round(p.done) + " of " + Math.round(p.total) + " " + (unit || "steps"));
  } else {
    parts.push(what + ": " + Math.round(100 * (p.fraction || 0)) + "%");
  }
  if (typeof p.elapsed_s === "number") parts.push(duration(p.elapsed_s) + " so far");
  const left = typeof p.elapsed_s === "number" ? secondsLeft(p.fraction, p.elapsed_s) : null;
  if (left !== null && left > 0) parts.push("about " + duration(left) + " left");
  return parts.join(" \u00b7 ");
}
