/* Glassbox front end: the model pickers' groups (inspect, generate): the bundled model, those given to the server,
 * and each run's checkpoints by run. Pure. */
import { int } from "./format.js";

/** @typedef {import("../api.js").ModelEntry} ModelEntry */
/** @typedef {{label: string, items: [string, string][]}} ModelGroup  a picker's <optgroup>: [id, text] per model */

/** The pickers' groups: bundled, given to the server, and each run's checkpoints. @param {ModelEntry[]} list @returns {ModelGroup[]} */
export function modelGroups(list) {
  /** @type {ModelGroup[]} */
  const groups = [];
  const group = (label) => { let g = groups.find((x) => x.label === label); if (!g) { g = { label, items: [] }; groups.push(g); } return g; };
  for (const m of list) {
    if (m.kind === "bundled") group("Bundled").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
    else if (m.kind === "given") group("Given to glassbox serve").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
    else {
      const run = String(m.name).replace(/ step \d+$/, "") || m.run || "run";
      group("Run " + run + " \u00b7 checkpoints").items.push([m.id, m.step !== undefined && m.step !== null ? "step " + int(m.step) : m.name]);
    }
  }
  return groups;
}
