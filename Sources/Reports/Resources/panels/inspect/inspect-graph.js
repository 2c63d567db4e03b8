/* Glassbox Studio, inspect page: the contribution graph when the first answer did not bring it. For a short
 * prompt it is asked for at once; for a long one (its tables grow with the square of the prompt) a button offers
 * it. It is streamed: its progress (the forward pass, then the graph), cancellation and errors show in the graph's
 * panel of the inspect view. */
import { Job } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { busy } from "./inspect-busy.js";
import { GRAPH_TOKENS, requestParams, retryBox, setData } from "./inspect-common.js";
import { streamDocument, wasCancelled } from "./inspect-stream.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {import("./inspect-common.js").InspectRun} InspectRun */

/** A long prompt's graph on request. @param {InspectContext} ctx @param {InspectRun} r @param {number} T its tokens */
export function offerGraph(ctx, r, T) {
  setData(ctx, "graph", "offered");
  clear(r.graphPending).appendChild(el("div", { class: "notice warn ins-cancelled", role: "note", id: "graph-offer" }, [
    el("span", { class: "notice-text", text: "The contribution graph is drawn at once for prompts up to " + GRAPH_TOKENS + " tokens; this one has " + T +
      ", so its tables (" + T + " \u00d7 " + T + " per layer) would make a large answer." }),
    el("button", { type: "button", class: "btn small", id: "graph-compute", onclick: () => graph(ctx, r) }, "Compute it"),
  ]));
}

/** The graph's request failed or was cancelled. @param {InspectContext} ctx @param {InspectRun} r @param {any} err */
function graphFailed(ctx, r, err) {
  if (wasCancelled(err)) {
    setData(ctx, "graph", "cancelled");
    clear(r.graphPending).appendChild(el("div", { class: "notice warn ins-cancelled", role: "status" }, [
      el("span", { class: "notice-text", text: "Contribution graph cancelled." }),
      el("button", { type: "button", class: "btn small", onclick: () => graph(ctx, r) }, "Compute it")]));
  } else {
    setData(ctx, "graph", "error");
    clear(r.graphPending).appendChild(retryBox(err, "Could not compute the contribution graph", () => graph(ctx, r)));
  }
}

/** The contribution graph alone (one more forward pass), drawn into its panel when it comes.
 * @param {InspectContext} ctx @param {InspectRun} r */
export async function graph(ctx, r) {
  const { live } = ctx;
  const job = new Job();
  r.graphJob = job;
  setData(ctx, "graph", "running");
  const b = busy(live.timers, "Computing the contribution graph\u2026", "", () => { job.abort(); }, "graph-busy");
  clear(r.graphPending).appendChild(b.node);
  let got;
  try {
    got = await streamDocument(requestParams(r.s, "graph"), job, (p) => {
      if (live.run !== r || r.dead || job.aborted) return;
      b.progress(Object.assign({}, p, { part: p.part === "forward" ? "forward pass" : p.part === "graph" ? "contribution graph" : p.part }), "", p.part === "graph");
    });
  } catch (err) {
    b.stop();
    if (live.run === r && !r.dead) graphFailed(ctx, r, err);
    return;
  }
  b.stop();
  if (live.run !== r || r.dead) return;
  if (!got || !got.contribution_graph) {
    setData(ctx, "graph", "error");
    clear(r.graphPending).appendChild(retryBox(new Error("the answer holds no contribution graph"), "Could not compute the contribution graph", () => graph(ctx, r)));
    return;
  }
  live.view.setGraph(got.contribution_graph, null);
  setData(ctx, "graph", "done");
}
