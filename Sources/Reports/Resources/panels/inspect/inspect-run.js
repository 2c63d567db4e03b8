/* Glassbox Studio, inspect page: running the inspect tab's analysis. The quick parts first (one forward pass: logit
 * lens, attention, direct logit attribution, neurons, and the contribution graph for a short prompt), drawn at
 * once by report-views.js's inspect view; then the contribution graph if it did not come along, and the
 * integrated-gradient attributions (the slow part), which colour the prompt when they come. */
import { Job, inspect } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { inspectView } from "../../views/report-views.js";
import { attributions } from "./inspect-attributions.js";
import { busy } from "./inspect-busy.js";
import { FIRST, GRAPH_TOKENS, inspectFields, notice, requestParams, retryBox, roughTokens, setData } from "./inspect-common.js";
import { prepare } from "./inspect-document.js";
import { inspectEmpty, readInspectForm } from "./inspect-form.js";
import { graph, offerGraph } from "./inspect-graph.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {import("./inspect-common.js").InspectRun} InspectRun */

/** Ends a run: its requests aborted (the server drops them), its clocks stopped. @param {InspectRun|null} r */
export function stopRun(r) {
  if (!r) return;
  r.dead = true;
  r.job.abort();
  if (r.attrJob) r.attrJob.abort();
  if (r.graphJob) r.graphJob.abort();
  if (r.busy) r.busy.stop();
  if (r.pendingStop) r.pendingStop();
}

/** Back to the empty tab (the address names no prompt any more). @param {InspectContext} ctx */
export function resetInspect(ctx) {
  const { live, form } = ctx;
  stopRun(live.run);
  live.run = null;
  if (live.view) { live.view.destroy(); live.view = null; }
  clear(form.status);
  clear(form.errors);
  clear(form.out).appendChild(inspectEmpty(ctx));
  setData(ctx, "phase", "empty");
  setData(ctx, "attr", "none");
  ctx.act.showSummary();
}

/** The first request failed or was cancelled. @param {InspectContext} ctx @param {InspectRun} r @param {any} err */
function firstFailed(ctx, r, err) {
  const { live, form } = ctx;
  clear(form.status);
  // what is drawn belongs to an earlier prompt: not left under this one's address
  if (live.view) { live.view.destroy(); live.view = null; }
  clear(form.out);
  form.out.classList.remove("ins-stale");
  ctx.act.showSummary();
  if (err.name === "AbortError") {
    setData(ctx, "phase", "cancelled");
    form.status.appendChild(notice(null, "Cancelled.", "status"));
    return;
  }
  setData(ctx, "phase", "error");
  form.errors.appendChild(retryBox(err, err.status === 422 ? "The model cannot take this prompt" : "Could not inspect the prompt", () => runInspect(ctx, false)));
}

/** Draws the first answer, then asks for the graph (when it did not come) and the attributions.
 * @param {InspectContext} ctx @param {InspectRun} r @param {any} doc */
function showFirst(ctx, r, doc) {
  const { live, form } = ctx;
  r.firstMs = performance.now() - r.t0;
  r.doc = doc;
  const notes = prepare(doc);
  clear(form.status);
  if (notes.length) form.status.appendChild(el("div", { class: "notice warn ins-note", role: "note", id: "inspect-degraded" }, el("span", { class: "notice-text", text: notes.join(" ") })));
  if (live.view) live.view.destroy();
  live.view = null;
  form.out.classList.remove("ins-stale");
  r.pending = el("div", { class: "ins-pending", id: "attr-status" });
  const T = doc.tokens.length, hasGraph = !!doc.contribution_graph;
  r.graphPending = hasGraph ? null : el("div", { class: "ins-pending", id: "graph-status" });
  try {
    live.view = inspectView.render(form.out, doc, { pending: r.pending, graphPending: r.graphPending });
  } catch (err) {
    setData(ctx, "phase", "error");
    form.errors.appendChild(retryBox(err, "Could not draw the analysis"));
    return;
  }
  ctx.act.showSummary();
  setData(ctx, "phase", "shown");
  setData(ctx, "graph", hasGraph ? "first" : "none");
  // The rough count missed a short prompt: the graph alone, before the attributions (the server takes them in turn).
  if (!hasGraph && T <= GRAPH_TOKENS) graph(ctx, r);
  else if (!hasGraph) offerGraph(ctx, r, T);
  attributions(ctx, r);
}

/** Runs the form's prompt (push: a new history entry). @param {InspectContext} ctx @param {boolean} push */
export async function runInspect(ctx, push) {
  const { live, form } = ctx;
  const s = readInspectForm(ctx);
  clear(form.errors);
  if (!s.prompt.trim()) {
    form.errors.appendChild(notice("prompt-missing", "Type a prompt first (or pick an example below)."));
    form.prompt.focus();
    return;
  }
  ctx.state.model = s.model;
  ctx.act.address(inspectFields(s), push);
  stopRun(live.run);
  /** @type {InspectRun} */
  const r = { s, job: new Job(), attrJob: null, t0: performance.now() };
  live.run = r;
  setData(ctx, "phase", "running");
  setData(ctx, "attr", "none");
  setData(ctx, "graph", "none");
  form.out.classList.add("ins-stale");
  r.busy = busy(live.timers, "Running the model\u2026", "", () => { r.job.abort(); }, "first-busy");
  clear(form.status).appendChild(r.busy.node);
  // The server runs one analysis at a time: a slow start means an earlier one (e.g. cancelled attributions) is finishing.
  const slow = setTimeout(() => { if (!r.dead && !r.doc) r.busy.detail("The server runs one analysis at a time: an earlier one may still be finishing."); }, 2500);
  let doc;
  try {
    const withGraph = roughTokens(s.prompt) <= GRAPH_TOKENS;
    doc = await inspect(requestParams(s, withGraph ? FIRST + ",graph" : FIRST), r.job);
  } catch (err) {
    clearTimeout(slow);
    r.busy.stop();
    if (live.run === r) firstFailed(ctx, r, err);
    return;
  }
  clearTimeout(slow);
  r.busy.stop();
  if (live.run === r) showFirst(ctx, r, doc);
}
