/* Glassbox Studio, inspect page: running a comparison of two models on one prompt (in model a's chat template
 * unless the form's switch is off), drawn by report-views.js's diff view under the text the models read; a head the
 * person opens there asks for its attention in both models, on the tokens the models read. */
import { Job, diff, inspect } from "../../api.js";
import { clear } from "../../lib/dom.js";
import { diffView } from "../../views/report-views.js";
import { busy } from "./inspect-busy.js";
import { diffFields, notice, retryBox, setData } from "./inspect-common.js";
import { diffEmpty, readDiffForm } from "./inspect-diff-form.js";
import { showDiffRead } from "./inspect-diff-read.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {import("./inspect-common.js").OtherRun} OtherRun */

/** Ends the comparison in flight. @param {InspectContext} ctx */
export function stopDiff(ctx) {
  const r = ctx.live.diff;
  if (!r) return;
  r.dead = true;
  r.job.abort();
  if (r.headJob) r.headJob.abort();
  if (r.busy) r.busy.stop();
}

/** The tab's output back to its empty state. @param {InspectContext} ctx */
export function clearDiff(ctx) {
  const { live, diffForm: f } = ctx;
  if (live.diffView) { live.diffView.destroy(); live.diffView = null; }
  showDiffRead(ctx, null);
  clear(f.out).appendChild(diffEmpty(ctx));
  f.out.classList.remove("ins-stale");
}

/** Back to the empty tab (the address names no comparison any more). @param {InspectContext} ctx */
export function resetDiff(ctx) {
  const f = ctx.diffForm;
  stopDiff(ctx);
  ctx.live.diff = null;
  clear(f.status);
  clear(f.errors);
  clearDiff(ctx);
  setData(ctx, "diff", "none");
  ctx.act.showSummary();
}

/** One head's attention (T x T) in a and in b: the attention of its layer from each model, one after the other
 * (the server runs one analysis at a time). A newer request cancels the one before.
 * @param {OtherRun} r @param {number} l @param {number} h */
async function headPatterns(r, l, h) {
  if (r.headJob) r.headJob.abort();
  const job = new Job();
  r.headJob = job;
  // in the chat template the models read other tokens than the prompt's: those of the document, as they are
  const read = r.doc && r.doc.chat && Array.isArray(r.doc.tokens) ? { ids: r.doc.tokens.map((t) => t.id).join(",") } : { prompt: r.s.prompt };
  const one = async (model) => {
    const d = await inspect(Object.assign({ model, only: "attention", layers: String(l) }, read), job);
    const entry = (d.attention || []).find((e) => e.layer === l);
    if (!entry || !entry.pattern[h]) throw new Error("the answer holds no attention for layer " + l + " head " + h);
    return entry.pattern[h];
  };
  const a = await one(r.s.a), b = await one(r.s.b);
  return { a, b };
}

/** Whether the form can be compared; says why not. @param {InspectContext} ctx @param {{a: string, b: string, prompt: string}} s */
function checkForm(ctx, s) {
  const f = ctx.diffForm;
  if (!s.prompt.trim()) {
    f.errors.appendChild(notice("diff-prompt-missing", "Type a prompt first: both models run on it."));
    f.prompt.focus();
    return false;
  }
  if (s.a === s.b) {
    f.errors.appendChild(notice("diff-same", "Pick two different models: a and b are both " + s.a + ", so nothing can have changed." +
      (ctx.live.runs && ctx.live.runs.size ? " \u201cCheckpoints of\u201d picks the first and the last checkpoint of a run." : "")));
    return false;
  }
  return true;
}

/** The comparison failed or was cancelled. @param {InspectContext} ctx @param {any} err */
function diffFailed(ctx, err) {
  const f = ctx.diffForm;
  clear(f.status);
  // what is drawn belongs to an earlier comparison: not left under this one's address
  clearDiff(ctx);
  ctx.act.showSummary();
  if (err.name === "AbortError") {
    setData(ctx, "diff", "cancelled");
    f.status.appendChild(notice("diff-cancelled", "Comparison cancelled.", "status"));
    return;
  }
  setData(ctx, "diff", "error");
  f.errors.appendChild(retryBox(err, err.status === 422 ? "These models cannot be compared" : err.status === 404 ? "There is no such model" : "Could not compare",
    () => runDiff(ctx, false)));
}

/** Compares the form's models (push: a new history entry). @param {InspectContext} ctx @param {boolean} push */
export async function runDiff(ctx, push) {
  const { live, diffForm: f } = ctx;
  const s = readDiffForm(ctx);
  clear(f.errors);
  if (!checkForm(ctx, s)) return;
  ctx.act.address(diffFields(s), push);
  stopDiff(ctx);
  /** @type {OtherRun} */
  const r = { s, job: new Job(), t0: performance.now() };
  live.diff = r;
  setData(ctx, "diff", "running");
  f.out.classList.add("ins-stale");
  f.read.classList.add("ins-stale");
  r.busy = busy(live.timers, "Comparing\u2026", s.chat ? "Both models run once on the prompt, as a user's message in a's chat template when it has one."
    : "Both models run once on the raw prompt (the chat template is switched off).", () => r.job.abort(), "diff-busy");
  clear(f.status).appendChild(r.busy.node);
  let doc;
  try {
    doc = await diff({ a: s.a, b: s.b, prompt: s.prompt, target: s.target, chat: s.chat ? null : "0" }, r.job);
  } catch (err) {
    r.busy.stop();
    if (live.diff === r && !r.dead) diffFailed(ctx, err);
    return;
  }
  r.busy.stop();
  if (live.diff !== r || r.dead) return;
  clear(f.status);
  r.ms = performance.now() - r.t0;
  r.doc = doc;
  if (live.diffView) live.diffView.destroy();
  f.out.classList.remove("ins-stale");
  showDiffRead(ctx, doc, s.chat);
  try {
    live.diffView = diffView.render(f.out, doc, { loadHead: (l, h) => headPatterns(r, l, h) });
  } catch (err) {
    setData(ctx, "diff", "error");
    f.errors.appendChild(retryBox(err, "Could not draw the comparison"));
    return;
  }
  setData(ctx, "diff", "done");
  ctx.act.showSummary();
}
