/* Glassbox Studio, inspect page: the attribution runner. Asks for the integrated-gradient attributions (the slow
 * part) after the first answer is drawn, shows their progress with a Cancel button in the attributions' place of
 * the inspect view, and hands them to the view, which colours the prompt, when they come. */
import { Job, inspect } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { busy } from "./inspect-busy.js";
import { requestParams, retryBox, seconds, setData } from "./inspect-common.js";
import { addAttributionTexts } from "./inspect-document.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {import("./inspect-common.js").InspectRun} InspectRun */

/** The request failed or was cancelled. @param {InspectContext} ctx @param {InspectRun} r @param {any} err @param {number} t0 */
function attributionsFailed(ctx, r, err, t0) {
  const after = seconds(performance.now() - t0);
  if (err.name === "AbortError") {
    setData(ctx, "attr", "cancelled");
    clear(r.pending).appendChild(el("div", { class: "notice warn ins-cancelled", id: "attr-cancelled", role: "status" }, [
      el("span", { class: "notice-text", text: "Attributions cancelled after " + after + ". The server finishes the computation it started before it takes the next request." }),
      el("button", { type: "button", class: "btn small", id: "attr-retry", onclick: () => attributions(ctx, r) }, "Compute them"),
    ]));
  } else {
    setData(ctx, "attr", "error");
    clear(r.pending).appendChild(retryBox(err, "Could not compute the attributions", () => attributions(ctx, r)));
  }
}

/** Computes the attributions of run r and draws them into its view. @param {InspectContext} ctx @param {InspectRun} r */
export async function attributions(ctx, r) {
  const { live } = ctx;
  const t0 = performance.now();
  const job = new Job();
  r.attrJob = job;
  setData(ctx, "attr", "running");
  const b = busy(live.timers, "Computing attributions\u2026", "Integrated gradients with " + r.s.steps + " gradient evaluations: the slow part. Everything else above and below is ready.",
    () => { job.abort(); }, "attr-busy");
  r.pendingStop = b.stop;
  clear(r.pending).appendChild(b.node);
  let got;
  try {
    got = await inspect(requestParams(r.s, "attributions"), job);
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
