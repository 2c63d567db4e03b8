/* Glassbox Studio, inspect page: the attribution runner. Asks for the integrated-gradient attributions (the slow
 * part) after the first answer is drawn, streamed: their progress (gradient evaluations done of how many, the time
 * so far and left; the count grows when the adaptive rule refines) shows with a bar and a Cancel button in the
 * attributions' place of the inspect view, and the view colours the prompt when they come. */
import { Job } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { busy } from "./inspect-busy.js";
import { requestParams, retryBox, seconds, setData } from "./inspect-common.js";
import { addAttributionTexts } from "./inspect-document.js";
import { streamDocument, wasCancelled } from "./inspect-stream.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {import("./inspect-common.js").InspectRun} InspectRun */
/** @typedef {import("./inspect-common.js").Busy} Busy */
/** @typedef {import("../../lib/progress.js").ProgressEvent} ProgressEvent */

const UNIT = "gradient evaluations";

/**
 * What the attributions will take, said before they start: "64 to 256 gradient evaluations: more while the
 * completeness gap is above 5%" (the adaptive rule refines up to max_steps, by default 4 x steps), or the fixed
 * count of another rule. @param {InspectRun["s"]} s
 */
export function attributionPlan(s) {
  const pass = s.pass || {};
  if (pass.rule && pass.rule !== "adaptive") return s.steps + " " + UNIT + " (rule " + pass.rule + ")";
  const max = parseInt(pass.max_steps, 10);
  const upTo = Number.isInteger(max) && max >= s.steps ? max : 4 * s.steps;
  return upTo > s.steps ? s.steps + " to " + upTo + " " + UNIT + ": more while the completeness gap is above 5%" : s.steps + " " + UNIT;
}

/** "at 40 of 81 gradient evaluations" from the last progress event, or "". @param {ProgressEvent|undefined} p */
function reached(p) {
  return p && p.part === "attributions" && typeof p.done === "number" && typeof p.total === "number"
    ? ", at " + Math.round(p.done) + " of " + Math.round(p.total) + " " + UNIT : "";
}

/** The request failed or was cancelled. @param {InspectContext} ctx @param {InspectRun} r @param {any} err @param {number} t0 */
function attributionsFailed(ctx, r, err, t0) {
  const after = seconds(performance.now() - t0);
  if (wasCancelled(err)) {
    setData(ctx, "attr", "cancelled");
    clear(r.pending).appendChild(el("div", { class: "notice warn ins-cancelled", id: "attr-cancelled", role: "status" }, [
      el("span", { class: "notice-text", text: "Attributions cancelled after " + after + reached(r.attrProgress) + "; the server has dropped the work. " +
        "Everything else above and below stays." }),
      el("button", { type: "button", class: "btn small", id: "attr-retry", onclick: () => attributions(ctx, r) }, "Compute them"),
    ]));
  } else {
    setData(ctx, "attr", "error");
    clear(r.pending).appendChild(retryBox(err, "Could not compute the attributions", () => attributions(ctx, r)));
  }
}

/** A progress event into the block: the attributions' count moves the bar; the forward pass before them only
 * the line. @param {Busy} b @param {ProgressEvent} p */
function showProgress(b, p) {
  if (p.part === "attributions") b.progress(p, UNIT, true);
  else b.progress(Object.assign({}, p, { part: p.part === "forward" ? "a forward pass first" : p.part }), UNIT, false);
}

/** Computes the attributions of run r and draws them into its view. @param {InspectContext} ctx @param {InspectRun} r */
export async function attributions(ctx, r) {
  const { live } = ctx;
  const t0 = performance.now();
  const job = new Job();
  r.attrJob = job;
  r.attrProgress = undefined;
  setData(ctx, "attr", "running");
  const b = busy(live.timers, "Computing attributions\u2026", "Integrated gradients, " + attributionPlan(r.s) + ". The slow part: everything else above and below is ready.",
    () => { job.abort(); }, "attr-busy");
  r.pendingStop = b.stop;
  clear(r.pending).appendChild(b.node);
  let got;
  try {
    got = await streamDocument(requestParams(r.s, "attributions"), job, (p) => {
      if (live.run !== r || r.dead || job.aborted) return;
      r.attrProgress = p;
      showProgress(b, p);
    });
  } catch (err) {
    b.stop();
    if (live.run === r && !r.dead) attributionsFailed(ctx, r, err, t0);
    return;
  }
  b.stop();
  if (live.run !== r || r.dead) return;
  r.attrMs = performance.now() - t0;
  const A = got && got.attributions;
  if (!A) {
    setData(ctx, "attr", "error");
    clear(r.pending).appendChild(retryBox(new Error("the answer holds no attributions"), "Could not compute the attributions", () => attributions(ctx, r)));
    return;
  }
  addAttributionTexts(r.doc.vocab, got, A);
  live.view.setAttributions(A, null);
  setData(ctx, "attr", "done");
  ctx.act.showSummary();
}
