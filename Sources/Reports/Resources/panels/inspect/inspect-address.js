/* Glassbox Studio, inspect page: the address is the state. A link (first load) or Back and Forward (later) show
 * what the address names (the page's store reads it: INSPECT_ADDRESS in inspect-common.js): its tab, its forms
 * filled in, and its analysis run unless it is the one shown. An inspect address leaves the other tabs as they are,
 * and so do a patch and a compare address. */
import { el } from "../../lib/dom.js";
import { modelID } from "./inspect-common.js";
import { readDiffForm } from "./inspect-diff-form.js";
import { setPicker, syncDiffRun } from "./inspect-diff-models.js";
import { resetDiff } from "./inspect-diff-run.js";
import { setExtras } from "./inspect-form.js";
import { fillPatchForm, readPatchForm } from "./inspect-patch-form.js";
import { resetPatch } from "./inspect-patch-run.js";
import { resetInspect } from "./inspect-run.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {import("./inspect-common.js").InspectState} InspectState */

/** @param {InspectContext} ctx @param {InspectState} s @param {boolean} first */
function diffFromAddress(ctx, s, first) {
  const f = ctx.diffForm;
  setPicker(f.a, s.a);
  setPicker(f.b, s.b);
  syncDiffRun(ctx);
  f.prompt.value = s.prompt;
  f.target.value = s.target;
  f.chat.checked = s.chat;
  if (s.a && s.b && s.prompt.trim()) {
    const r = ctx.live.diff;
    if (first || !r || JSON.stringify(r.s) !== JSON.stringify(readDiffForm(ctx))) ctx.act.diff(false);
  } else if (!first && ctx.live.diff) {
    resetDiff(ctx);
  }
}

/** @param {InspectContext} ctx @param {InspectState} s @param {boolean} first */
function patchFromAddress(ctx, s, first) {
  fillPatchForm(ctx, s);
  if (s.clean && s.corrupted && s.answer && s.wrong) {
    const p = ctx.live.patch;
    if (first || !p || JSON.stringify(p.s) !== JSON.stringify(readPatchForm(ctx))) ctx.act.patch(false);
  } else if (!first && ctx.live.patch) {
    resetPatch(ctx);
  }
}

/** @param {InspectContext} ctx @param {InspectState} s @param {boolean} first */
function inspectFromAddress(ctx, s, first) {
  const f = ctx.form;
  setExtras(ctx, s.pass);
  f.prompt.value = s.prompt;
  f.target.value = s.target;
  f.contrast.value = s.contrast || "";
  if (![...f.steps.options].some((o) => +o.value === s.steps)) f.steps.appendChild(el("option", { value: String(s.steps), text: String(s.steps) }));
  f.steps.value = String(s.steps);
  if (s.prompt.trim()) {
    const r = ctx.live.run;
    if (first || !r || r.s.prompt !== s.prompt || r.s.target !== s.target || (r.s.contrast || "") !== (s.contrast || "") || r.s.model !== modelID(ctx) || r.s.steps !== s.steps) {
      ctx.act.inspect(false);
    }
  } else if (!first) {
    resetInspect(ctx);
  }
}

/** Shows what the address names (s: the state its fields give; first: the page's first load).
 * @param {InspectContext} ctx @param {InspectState} s @param {boolean} first */
export function fromAddress(ctx, s, first) {
  if (s.model && ctx.live.models.some((m) => m.id === s.model)) ctx.picker.select.value = s.model;
  ctx.act.showTab(s.tab);
  if (s.tab === "diff") diffFromAddress(ctx, s, first);
  else if (s.tab === "patch") patchFromAddress(ctx, s, first);
  else inspectFromAddress(ctx, s, first);
}
