/* Glassbox Studio, inspect page: running an activation patching scan. The scan streams in (`start`: the document
 * with empty maps, each `rows` a group of layers, `progress`, then `done` with the whole document) and
 * report-views.js's patch view is drawn again as each group of layers comes; #inspect-page[data-patch-rows]
 * counts them. The progress line (#patch-progress) says how much is done and about how long is left. */
import { HTTPError, Job, patchStream } from "../../api.js";
import { clear } from "../../lib/dom.js";
import { patchView } from "../../views/report-views.js";
import { busy } from "./inspect-busy.js";
import { notice, patchFields, retryBox, setData } from "./inspect-common.js";
import { patchEmpty, readPatchForm } from "./inspect-patch-form.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {import("./inspect-common.js").OtherRun} OtherRun */

/** Ends the scan in flight. @param {InspectContext} ctx */
export function stopPatch(ctx) {
  const p = ctx.live.patch;
  if (!p) return;
  p.dead = true;
  p.job.abort();
  if (p.busy) p.busy.stop();
}

/** Back to the empty tab (the address names no scan any more). @param {InspectContext} ctx */
export function resetPatch(ctx) {
  const { live, patchForm: f } = ctx;
  stopPatch(ctx);
  live.patch = null;
  if (live.patchView) { live.patchView.destroy(); live.patchView = null; }
  clear(f.status);
  clear(f.errors);
  clear(f.out).appendChild(patchEmpty(ctx));
  setData(ctx, "patch", "none");
  ctx.act.showSummary();
}

/** Draws (again) the scan so far. @param {InspectContext} ctx @param {any} d */
function draw(ctx, d) {
  const { live, patchForm: f } = ctx;
  if (live.patchView) live.patchView.destroy();
  f.out.classList.remove("ins-stale");
  live.patchView = patchView.render(f.out, d);
}

/**
 * Streams run r's scan, drawing it as it comes; resolves to the whole document (throws HTTPError when the scan
 * failed or ended early, AbortError when it was cancelled).
 * @param {InspectContext} ctx @param {OtherRun} r @returns {Promise<any>}
 */
async function stream(ctx, r) {
  const { live, page } = ctx;
  let doc = null, final = null, failure = null;
  await patchStream(r.s, r.job, (event, d) => {
    if (live.patch !== r || r.dead) return;
    if (event === "start") {
      const L = d.model.layers, H = d.model.heads, T = d.corrupted_tokens.length;
      doc = d;
      doc.residual.restored = Array.from({ length: L }, () => new Array(T).fill(null));
      doc.heads.restored = Array.from({ length: L }, () => new Array(H).fill(null));
      page.dataset.patchRows = "0";
      setData(ctx, "patch", "streaming");
      draw(ctx, doc);
    } else if (event === "rows" && doc) {
      const M = d.scan === "heads" ? doc.heads.restored : doc.residual.restored;
      d.layers.forEach((l, i) => { M[l] = d.restored[i]; });
      page.dataset.patchRows = String(+(page.dataset.patchRows || 0) + 1);
      draw(ctx, doc);
    } else if (event === "progress") {
      // rows: a patched variant run through one layer (the count behind the server's fraction)
      r.busy.progress(d, "rows run", true);
    } else if (event === "done") {
      final = d;
    } else if (event === "error") {
      failure = new HTTPError(d.error || "the scan failed", d.error === "cancelled" ? 409 : 422, "patch");
    }
  });
  if (failure) throw failure;
  if (!final) throw new HTTPError("The scan ended before it was done. Is `glassbox serve` still running?", 0, "patch");
  return final;
}

/** The scan failed or was cancelled. @param {InspectContext} ctx @param {any} err */
function patchFailed(ctx, err) {
  const f = ctx.patchForm;
  clear(f.status);
  f.out.classList.remove("ins-stale");
  if (err.name === "AbortError" || err.status === 409) {
    setData(ctx, "patch", "cancelled");
    f.status.appendChild(notice("patch-cancelled", "Patching cancelled: the layers computed so far stay on the map.", "status"));
    return;
  }
  setData(ctx, "patch", "error");
  f.errors.appendChild(retryBox(err, err.status === 422 ? "These prompts cannot be patched" : "Could not patch", () => runPatch(ctx, false)));
}

/** Scans the form's prompts (push: a new history entry). @param {InspectContext} ctx @param {boolean} push */
export async function runPatch(ctx, push) {
  const { live, patchForm: f } = ctx;
  const s = readPatchForm(ctx);
  clear(f.errors);
  const missing = [["clean prompt", s.clean.trim()], ["corrupted prompt", s.corrupted.trim()], ["answer", s.answer], ["wrong answer", s.wrong]].filter(([, v]) => !v).map(([n]) => n);
  if (missing.length) {
    f.errors.appendChild(notice("patch-missing", "Fill in the " + missing.join(", ") + "."));
    return;
  }
  ctx.state.model = s.model;
  ctx.act.address(patchFields(s), push);
  stopPatch(ctx);
  /** @type {OtherRun} */
  const r = { s, job: new Job(), t0: performance.now() };
  live.patch = r;
  setData(ctx, "patch", "running");
  f.out.classList.add("ins-stale");
  r.busy = busy(live.timers, "Patching\u2026", "The corrupted prompt runs with each layer and position, then each layer and head, copied from the clean run; the maps fill in from the last layers to the first.",
    () => r.job.abort(), "patch-busy");
  clear(f.status).appendChild(r.busy.node);
  let final;
  try {
    final = await stream(ctx, r);
  } catch (err) {
    r.busy.stop();
    if (live.patch === r && !r.dead) patchFailed(ctx, err);
    return;
  }
  r.busy.stop();
  if (live.patch !== r) return;
  clear(f.status);
  r.ms = performance.now() - r.t0;
  r.doc = final;
  try {
    draw(ctx, final);
  } catch (err) {
    setData(ctx, "patch", "error");
    f.errors.appendChild(retryBox(err, "Could not draw the patching scan"));
    return;
  }
  setData(ctx, "patch", "done");
  ctx.act.showSummary();
}
