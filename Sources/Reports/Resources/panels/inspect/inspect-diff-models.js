/* Glassbox Studio, inspect page: the compare form's models. Its two pickers (a and b) list the server's models;
 * its run picker lists the runs with two checkpoints or more and sets a to a run's first checkpoint and b to its
 * last; a run's example compares those on the run's first probe. */
import { probes } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { modelID } from "./inspect-common.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {import("./inspect-model-picker.js").ModelGroup} ModelGroup */

/** The run (with two checkpoints or more) that id is a checkpoint of, or "". @param {InspectContext} ctx @param {string} id */
function runOf(ctx, id) {
  for (const [k, r] of ctx.live.runs || []) if (r.ids.some(([, x]) => x === id)) return k;
  return "";
}

/** The run picker names the run when a and b are both its checkpoints. @param {InspectContext} ctx */
export function syncDiffRun(ctx) {
  const f = ctx.diffForm, ra = runOf(ctx, f.a.value);
  f.run.value = ra && ra === runOf(ctx, f.b.value) ? ra : "";
}

/** a: the run's first checkpoint, b: its last. @param {InspectContext} ctx @param {string} k */
export function pickRun(ctx, k) {
  const f = ctx.diffForm, r = k && ctx.live.runs && ctx.live.runs.get(k);
  if (!r) return false;
  f.a.value = r.ids[0][1];
  f.b.value = r.ids[r.ids.length - 1][1];
  f.run.value = k;
  return true;
}

/** Sets a picker to id, listing it when the server did not (an address from elsewhere: the answer then says what
 * is wrong). @param {HTMLSelectElement} sel @param {string} id */
export function setPicker(sel, id) {
  if (!id) return;
  if (![...sel.options].some((o) => o.value === id)) sel.appendChild(el("option", { value: id, text: id }));
  sel.value = id;
}

/** With no models in the address: the first and last checkpoints of the run of the model chosen for the other
 * tabs, else of the first run with two, else that model twice (the form then asks for another). @param {InspectContext} ctx */
export function diffDefaults(ctx) {
  const { live, diffForm: f } = ctx;
  if (pickRun(ctx, runOf(ctx, modelID(ctx)))) return;
  const first = live.runs ? live.runs.keys().next() : { done: true, value: "" };
  if (!first.done && pickRun(ctx, first.value)) return;
  setPicker(f.a, modelID(ctx));
  setPicker(f.b, modelID(ctx));
  syncDiffRun(ctx);
}

/** The server's models in both pickers, and its runs with two checkpoints or more in the run picker (live.runs).
 * @param {InspectContext} ctx @param {ModelGroup[]} groups */
export function fillDiffModels(ctx, groups) {
  const { live, diffForm: f } = ctx;
  for (const sel of [f.a, f.b]) {
    clear(sel);
    for (const g of groups) sel.appendChild(el("optgroup", { label: g.label }, g.items.map(([id, text]) => el("option", { value: id, text }))));
    if (!live.models.length) sel.appendChild(el("option", { value: "bundled", text: "no model available" }));
    sel.disabled = false;
  }
  live.runs = new Map();
  for (const m of live.models) {
    if (m.kind !== "checkpoint" || !m.run) continue;
    if (!live.runs.has(m.run)) live.runs.set(m.run, { name: String(m.name).replace(/ step \d+$/, "") || m.run, ids: [] });
    live.runs.get(m.run).ids.push([Number(m.step), m.id]);
  }
  for (const [k, r] of live.runs) { r.ids.sort((x, y) => x[0] - y[0]); if (r.ids.length < 2) live.runs.delete(k); }
  clear(f.run).appendChild(el("option", { value: "", text: "\u2014 any two models \u2014" }));
  for (const [k, r] of live.runs) f.run.appendChild(el("option", { value: k, text: r.name + " (" + r.ids.length + " checkpoints)" }));
  f.runField.hidden = !live.runs.size;
}

/** The models could not be listed: each picker holds the model of the address alone. @param {InspectContext} ctx */
export function diffModelsUnknown(ctx) {
  const f = ctx.diffForm;
  for (const [sel, id] of [[f.a, ctx.state.a], [f.b, ctx.state.b]]) {
    const picker = /** @type {HTMLSelectElement} */ (sel);
    clear(picker).appendChild(el("option", { value: id || "bundled", text: id || "bundled" }));
    picker.disabled = false;
  }
  f.runField.hidden = true;
}

/** A run's example: its first and last checkpoints, on its first probe's text when the prompt box is empty.
 * @param {InspectContext} ctx @param {string} k */
export async function diffExample(ctx, k) {
  const f = ctx.diffForm;
  pickRun(ctx, k);
  if (!f.prompt.value.trim()) {
    try {
      const docs = await probes(k);
      const d = (Array.isArray(docs) ? docs : []).find((x) => x && typeof x.text === "string" && x.text);
      if (d) f.prompt.value = typeof d.answer_text === "string" && d.answer_text && d.text.endsWith(d.answer_text) && d.text.length > d.answer_text.length
        ? d.text.slice(0, d.text.length - d.answer_text.length) : d.text;
    } catch (e) { /* no probes: the person types a prompt */ }
  }
  if (f.prompt.value.trim()) ctx.act.diff(true);
  else { clear(f.errors); f.prompt.focus(); }
}
