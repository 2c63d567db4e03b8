/* Glassbox Studio, run and compare pages: the scalar series behind the charts: fetched in buckets as wide as each
 * chart (again after a zoom or a new smoothing), continued by the live points of the event stream. */
import * as api from "../../api.js";
import { isNum } from "../../lib/format.js";
import { addMoreChart, chartsForTag, flush, scheduleFlush, setChartOptions } from "./run-charts.js";
import { ftPoints } from "./run-finetune.js";
import { scheduleParameters } from "./run-parameters.js";
import { dkey, isMoreTag, isParamTag, later, pool, showError } from "./run-state.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").RunContext} RunContext */

/** The requests for every chart's series (a chart's width in buckets), each answering {key, res} or {key, err}.
 * @param {RunState} S @param {AbortSignal} signal */
function seriesTasks(S, signal) {
  const W = S.smoothing, zoom = S.zoom;
  const tasks = [];
  for (const { def, chart } of S.charts.values()) {
    const n = Math.max(50, Math.min(4000, chart.pixelWidth()));
    for (const r of S.runs) {
      for (const tag of def.tags) {
        if (!(r.detail.tags || []).includes(tag)) continue;
        tasks.push(async () => {
          // a newer load has begun: its requests go first
          if (signal.aborted) return null;
          try {
            const res = await api.scalars(r.id, tag, { buckets: n, smoothing: W, from: zoom ? zoom.from : undefined, to: zoom ? zoom.to : undefined, signal });
            return { key: dkey(r.id, tag), res };
          } catch (err) {
            if (err.name === "AbortError") return null;
            return { key: dkey(r.id, tag), err, tag, run: r };
          }
        });
      }
    }
  }
  return tasks;
}

/** Fetches every chart's series again (the newest call wins) and redraws. @param {RunState} S */
export async function loadSeries(S) {
  const seq = ++S.loadSeq;
  if (S.abort) S.abort.abort();
  const abort = new AbortController();
  S.abort = abort;
  S.pendingLive = new Map();
  const W = S.smoothing;
  const tasks = seriesTasks(S, abort.signal);
  for (const { chart } of S.charts.values()) chart.setStatus(tasks.length ? "loading…" : "");
  const results = await pool(tasks, S.sources.length >= 3 ? 2 : 4);
  if (seq !== S.loadSeq || S.stopped) return;
  const pending = S.pendingLive;
  S.pendingLive = null;
  S.abort = null;
  for (const x of results) {
    if (!x) continue;
    if (x.err) { showError(S, x.err, "Could not load " + x.tag + " of " + x.run.name); continue; }
    S.data.set(x.key, { buckets: x.res.buckets || [], ema: Object.assign({ last: 0, count: 0 }, x.res.ema || {}), W: isNum(x.res.smoothing) ? x.res.smoothing : W });
  }
  // series the server has nothing for yet start empty; live points continue them
  for (const { def } of S.charts.values()) for (const r of S.runs) for (const tag of def.tags) {
    const k = dkey(r.id, tag);
    const d = S.data.get(k);
    if (!(r.detail.tags || []).includes(tag) && (!d || d.W !== W)) S.data.set(k, { buckets: [], ema: { last: 0, count: 0 }, W });
  }
  // points that arrived while we were fetching
  for (const [k, pts] of pending) for (const p of pts) appendPoint(S, k, p);
  setChartOptions(S, { smoothing: W });
  for (const key of S.charts.keys()) S.dirty.add(key);
  for (const { chart } of S.charts.values()) chart.setStatus("");
  flush(S);
}

/** A live point as a one-point bucket, the smoothing continued from the series' state; false when the fetched
 * answer holds it already. @param {RunState} S @param {string} k @param {{step: number, value: number, wall_time: number}} p */
function appendPoint(S, k, p) {
  let d = S.data.get(k);
  if (!d) { d = { buckets: [], ema: { last: 0, count: 0 }, W: S.smoothing }; S.data.set(k, d); }
  const bs = d.buckets;
  if (bs.length && p.step <= bs[bs.length - 1].last_step) return false; // already in the fetched answer
  const v = p.value, W = d.W;
  if (isNum(v)) { d.ema.last = d.ema.last * W + (1 - W) * v; d.ema.count += 1; }
  const smoothed = W === 0 ? v : d.ema.count > 0 ? d.ema.last / (1 - Math.pow(W, d.ema.count)) : null;
  bs.push({ first_step: p.step, last_step: p.step, min: v, max: v, mean: v, last: v, count: 1, wall_time: p.wall_time, smoothed });
  return true;
}

/** One live point of a run's tag onto its charts (a new tag gets a chart in "More scalars"); true when the series has
 * grown past its chart's resolution (time to fetch buckets again). @param {RunState} S @param {RunContext} ctx
 * @param {string} runId @param {any} p */
function onPoint(S, ctx, runId, p) {
  let keys = chartsForTag(S, p.tag);
  if (!keys.length && isMoreTag(S, p.tag)) { addMoreChart(S, p.tag, ctx); keys = chartsForTag(S, p.tag); }
  if (!keys.length) return false;
  const k = dkey(runId, p.tag);
  if (S.pendingLive) {
    if (!S.pendingLive.has(k)) S.pendingLive.set(k, []);
    S.pendingLive.get(k).push(p);
  }
  const run = S.runs.find((r) => r.id === runId);
  if (run && !(run.detail.tags || []).includes(p.tag)) run.detail.tags = (run.detail.tags || []).concat([p.tag]);
  if (!appendPoint(S, k, p)) return false;
  for (const key of keys) {
    S.dirty.add(key);
    const root = S.charts.get(key).root;
    root.dataset.livePoints = String(Number(root.dataset.livePoints || 0) + 1);
  }
  const entry = S.charts.get(keys[0]);
  return S.data.get(k).buckets.length > 2.5 * Math.max(200, entry.chart.pixelWidth());
}

/** The points of an event stream's `scalars` event. @param {RunState} S @param {RunContext} ctx @param {string} runId @param {any[]} points */
export function onPoints(S, ctx, runId, points) {
  if (!S.compare) ftPoints(S, points);
  let refetch = false, paramPoints = false;
  for (const p of points) {
    if (!p || typeof p.tag !== "string") continue;
    if (isParamTag(p.tag)) { paramPoints = true; continue; }
    if (onPoint(S, ctx, runId, p)) refetch = true;
  }
  if (paramPoints) scheduleParameters(S);
  if (refetch) scheduleRefetch(S);
  scheduleFlush(S);
}

/** When live points have piled up past the chart's resolution, ask the server for buckets again (rarely). @param {RunState} S */
function scheduleRefetch(S) {
  if (S.pending.refetch) return;
  S.pending.refetch = later(S, () => { S.pending.refetch = null; loadSeries(S); }, 3000);
}
