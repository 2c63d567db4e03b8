/* Glassbox Studio, run and compare pages: the live updates: each run's event stream (every run on the run page, the
 * live ones on the compare page) and what each event changes: points, samples, messages, checkpoints, the status,
 * and a fresh read after a reconnection or a reset. */
import * as api from "../../api.js";
import { isNum } from "../../lib/format.js";
import { updateMarkers } from "./run-charts.js";
import { renderCheckpoints } from "./run-checkpoints.js";
import { renderLegend } from "./run-compare.js";
import { setLiveText } from "./run-controls.js";
import { loadFT, scheduleFT } from "./run-finetune.js";
import { renderHead, showStatus, showStep, tickDuration } from "./run-head.js";
import { scheduleHistograms } from "./run-histograms.js";
import { renderMessages } from "./run-messages.js";
import { loadMLP, scheduleMLP } from "./run-mlp.js";
import { loadParameters } from "./run-parameters.js";
import { addSample, loadSamples } from "./run-samples.js";
import { loadS2S, scheduleS2S } from "./run-seq2seq.js";
import { loadSeries, onPoints } from "./run-series.js";
import { later, showError } from "./run-state.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").RunContext} RunContext */
/** @typedef {import("./run-state.js").RunEntry} RunEntry */

/** The sections of the classic views read their figures again. @param {RunState} S */
function scheduleClassicViews(S) {
  scheduleMLP(S);
  scheduleS2S(S);
  scheduleFT(S);
}

/** A new checkpoint: its marker and row, the header, the histograms and the views that come with it. @param {RunState} S @param {any} d */
function onCheckpoint(S, d) {
  if (!S.checkpoints.some((c) => c.step === d.step)) S.checkpoints.push(d);
  S.checkpoints.sort((a, b) => a.step - b.step);
  updateMarkers(S);
  renderCheckpoints(S);
  renderHead(S);
  tickDuration(S);
  scheduleHistograms(S);
  scheduleClassicViews(S);
}

/** A status or step from the stream. @param {RunState} S @param {RunEntry} r @param {string} status @param {number} [step] */
function setStatus(S, r, status, step) {
  const d = r.detail;
  const changed = d.status !== status || (isNum(step) && step !== d.step);
  if (!changed) return;
  const statusChanged = d.status !== status;
  d.status = status;
  if (isNum(step)) d.step = step;
  if (S.compare) {
    if (statusChanged) { renderHead(S); renderLegend(S); }
    setLiveText(S);
    return;
  }
  if (statusChanged) {
    showStatus(status);
    if (status !== "live") {
      loadParameters(S);
      scheduleHistograms(S);
      scheduleClassicViews(S);
      // the final duration and values come from the server
      api.run(r.id).then((full) => {
        Object.assign(d, full);
        renderHead(S);
        tickDuration(S);
      }).catch((err) => showError(S, err, "Could not refresh the run"));
    }
  }
  showStep(d);
  setLiveText(S);
}

/** After a reconnection the server could not resume (or a reset): every run, series and section read again. @param {RunState} S */
function refreshAfterReconnect(S) {
  if (S.pending.reconnect) return;
  S.pending.reconnect = later(S, async () => {
    S.pending.reconnect = null;
    try {
      const details = await Promise.all(S.runs.map((r) => api.run(r.id)));
      details.forEach((d, i) => { S.runs[i].detail = d; });
      if (!S.compare) {
        S.messages = (details[0].messages || []).slice();
        S.checkpoints = (details[0].checkpoints || []).slice();
        renderMessages(S);
        renderCheckpoints(S);
        loadSamples(S);
      }
      const { mlp, s2s, ft } = S.sections;
      if (mlp) { mlp.count = -1; loadMLP(S); }
      if (s2s) { s2s.count = -1; loadS2S(S); }
      if (ft) { ft.count = -1; loadFT(S); }
      renderHead(S);
      updateMarkers(S);
      loadSeries(S);
    } catch (err) { showError(S, err, "Could not refresh after reconnecting"); }
  }, 300);
}

/** An event's JSON (null when it is not). @param {Event} e */
const parse = (e) => { try { return JSON.parse(/** @type {MessageEvent} */ (e).data); } catch (err) { return null; } };

/** The run page's own events: samples, messages and checkpoints. @param {RunState} S @param {EventSource} es */
function listenRunEvents(S, es) {
  es.addEventListener("sample", (e) => { const d = parse(e); if (d) addSample(S, d); });
  es.addEventListener("message", (e) => {
    const d = parse(e);
    if (!d) return;
    S.messages.push(d);
    renderMessages(S);
    updateMarkers(S);
  });
  es.addEventListener("checkpoint", (e) => { const d = parse(e); if (d) onCheckpoint(S, d); });
}

/** One run's stream; resolves at its `hello` (or after 2 s, or when it fails for good).
 * @param {RunState} S @param {RunContext} ctx @param {RunEntry} r @returns {Promise<void>} */
function openStream(S, ctx, r) {
  return new Promise((resolve) => {
    const es = api.runEvents(r.id);
    let greeted = false;
    S.sources.push(es);
    const timer = setTimeout(resolve, 2000);
    es.addEventListener("hello", (e) => {
      const d = parse(e);
      if (d && d.status) setStatus(S, r, d.status, d.step);
      // Reconnected: the server continues after the last event seen (resumed), or the run is read again.
      if (greeted) { if (!(d && d.resumed)) refreshAfterReconnect(S); } else { greeted = true; clearTimeout(timer); resolve(); }
      setLiveText(S);
    });
    es.addEventListener("scalars", (e) => { const d = parse(e); if (d && Array.isArray(d.points)) onPoints(S, ctx, r.id, d.points); });
    es.addEventListener("status", (e) => { const d = parse(e); if (d) setStatus(S, r, d.status, d.step); });
    // The run was resumed from a checkpoint: what it recorded after that step is gone; fetch everything again.
    es.addEventListener("reset", () => refreshAfterReconnect(S));
    if (!S.compare) listenRunEvents(S, es);
    es.addEventListener("open", () => setLiveText(S));
    es.addEventListener("error", () => {
      setLiveText(S);
      if (es.readyState === 2) { clearTimeout(timer); resolve(); }
    });
  });
}

/** Opens the event streams (every run on the run page; the live ones on the compare page, at most three) and waits
 * (briefly) for each `hello`, so that nothing recorded between the fetch and the subscription is missed.
 * @param {RunState} S @param {RunContext} ctx */
export function openStreams(S, ctx) {
  if (typeof EventSource === "undefined") return Promise.resolve();
  const want = S.compare ? S.runs.filter((r) => r.detail.status === "live").slice(0, 3) : S.runs;
  return Promise.all(want.map((r) => openStream(S, ctx, r)));
}
