/* Glassbox Studio, run and compare pages: the page's state (the runs, their series, the panels' nodes and timers)
 * and the small helpers its panels share (kinds of run, tags, hyper-parameters, links, errors, timers). */
import { store } from "../../lib/storage.js";
import { isNum, num } from "../../lib/format.js";
import { el } from "../../lib/dom.js";
import { icon } from "../../lib/ui.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("../../api.js").RunDetail} RunDetail */
/** @typedef {import("../../api.js").Checkpoint} Checkpoint */
/** @typedef {import("../../api.js").RunMessage} RunMessage */
/** @typedef {import("../../api.js").Sample} Sample */
/** @typedef {import("../../api.js").ScalarBucket} ScalarBucket */

/**
 * @typedef {Object} ChartDef  one chart: the tags it draws and how
 * @property {string} key
 * @property {string} title
 * @property {string[]} tags
 * @property {number} height
 * @property {string} [subtitle]
 * @property {boolean} [wide]
 * @property {boolean} [pair]  train and validation of one measure (coloured like the loss)
 * @property {number} [colorIndex]
 * @property {(v: number) => string} [yFormat]
 * @property {number} [yScale]
 * @property {string} [ySuffix]
 * @property {boolean} [yFromZero]
 * @property {string} [emptyText]
 * @property {string[]} [labels]  the series' labels (else the tags)
 */

/** @typedef {{def: ChartDef, chart: any, root: HTMLElement}} ChartEntry  a drawn chart (chart: lib/charts.js's LineChart) */
/** @typedef {{buckets: ScalarBucket[], ema: {last: number, count: number}, W: number}} SeriesData  one run's tag */
/** @typedef {{id: string, name: string, detail: RunDetail, color: string, index: number}} RunEntry */
/** @typedef {{n: number, metric: string, unit: string, tags: string[]}} RankInfo  a data-parallel run's ranks */

/**
 * @typedef {Object} ClassicSection  a section hosting a view of classic.js (mlp, seq2seq, finetune)
 * @property {HTMLElement} node  the section (data-state: loading | waiting | shown | empty | error)
 * @property {HTMLElement} body
 * @property {HTMLElement} [title]
 * @property {any} view  the view classic.js drew (null until then)
 * @property {number} count  the figures drawn (-1: none yet)
 * @property {number} seq
 * @property {any} timer
 * @property {any} [metrics]  (finetune) the held-out loss and the peak memory
 * @property {any} [models]  (finetune) the studio's models
 */

/**
 * @typedef {Object} RunUI  the page's nodes (null where the page has no such part)
 * @property {HTMLElement} page
 * @property {HTMLElement} errors
 * @property {HTMLElement} head
 * @property {HTMLElement} moreGrid
 * @property {HTMLElement} moreSection
 * @property {HTMLElement} legend
 * @property {HTMLElement} samples
 * @property {HTMLElement} messages
 * @property {HTMLElement} params
 * @property {HTMLElement} hists
 * @property {HTMLElement} hp
 * @property {HTMLDetailsElement} groupMenu
 * @property {HTMLElement} checkpoints
 * @property {HTMLButtonElement} resetBtn
 * @property {HTMLElement} live
 */

/**
 * @typedef {Object} RunState
 * @property {boolean} compare  the compare page (several runs overlaid) rather than one run's page
 * @property {RunEntry[]} runs
 * @property {number} smoothing
 * @property {string} xMode  step, relative or wall
 * @property {boolean} logY
 * @property {{from: number, to: number}|null} zoom
 * @property {string[]} groupBy  (compare) the hyper-parameters runs are grouped by
 * @property {boolean} onlyDiffering  (compare) the hyper-parameter table shows only the differing ones
 * @property {Map<string, SeriesData>} data  "runId\ttag" -> the series
 * @property {Map<string, any[]>|null} pendingLive  while series are being fetched: the live points to replay on top
 * @property {Map<string, ChartEntry>} charts  key -> chart
 * @property {Set<string>} dirty  the charts to redraw
 * @property {number} frame
 * @property {Sample[]} samples
 * @property {number} sampleIndex
 * @property {boolean} followLatest
 * @property {RunMessage[]} messages
 * @property {Checkpoint[]} checkpoints
 * @property {EventSource[]} sources
 * @property {boolean} stopped
 * @property {number} loadSeq
 * @property {AbortController|null} abort  the series being fetched
 * @property {Map<string, HTMLElement>} errors
 * @property {any[]} timers  every timer, cleared when the page goes
 * @property {ChartDef[]} defs  the main charts (an MLP run's differ)
 * @property {Set<string>} mainTags
 * @property {boolean} mlp
 * @property {any[]|null} mlpFigures
 * @property {boolean} s2s  a seq2seq run
 * @property {any[]|null} s2sFigures
 * @property {boolean} ft  a fine-tuning run
 * @property {any[]|null} ftFigures
 * @property {RankInfo|null} rk  a data-parallel run's ranks
 * @property {{mlp: ClassicSection|null, s2s: ClassicSection|null, ft: ClassicSection|null,
 *   ranks: {node: HTMLElement, readout: HTMLElement, render: () => void}|null}} sections
 * @property {{grad: any, ratio: any}} heat  the per-parameter heatmaps (lib/charts.js's Heatmap)
 * @property {{destroy: () => void}|null} probeView  the probe timeline (panels/probe-timeline.js), when shown
 * @property {{chart: any, select: HTMLSelectElement|null, seq: number}} hist  the histogram chart and its tensor
 * @property {{params: any, hists: any, refetch: any, reconnect: any}} pending  the scheduled reloads
 * @property {{at: number, dur: number}|null} durationBase  a live run's duration, counted up from the last status
 * @property {RunUI} ui
 */

/**
 * @typedef {Object} RunContext  what a panel may ask of the page (the edges that would otherwise be import cycles)
 * @property {(zoom: {from: number, to: number}|null) => void} setZoom
 * @property {() => void} saveView  writes the charts' view (smoothing, x axis, log y) into the address
 * @property {(step: number) => void} showSampleNear
 */

/** A fresh state for the run page ("run") or the compare page ("compare"). @param {string} mode @returns {RunState} */
export function createRunState(mode) {
  const xMode = store.get("xmode", "step");
  return {
    compare: mode === "compare",
    runs: [],
    smoothing: clampSmoothing(store.get("smoothing", 0.6)),
    xMode: ["step", "relative", "wall"].includes(xMode) ? xMode : "step",
    logY: false, zoom: null, groupBy: [], onlyDiffering: store.get("compare.onlyDiffering", false),
    data: new Map(), pendingLive: null, charts: new Map(), dirty: new Set(), frame: 0,
    samples: [], sampleIndex: -1, followLatest: true, messages: [], checkpoints: [],
    sources: [], stopped: false, loadSeq: 0, abort: null, errors: new Map(), timers: [],
    defs: [], mainTags: new Set(),
    mlp: false, mlpFigures: null, s2s: false, s2sFigures: null, ft: false, ftFigures: null, rk: null,
    sections: { mlp: null, s2s: null, ft: null, ranks: null },
    heat: { grad: null, ratio: null }, probeView: null,
    hist: { chart: null, select: null, seq: 0 },
    pending: { params: null, hists: null, refetch: null, reconnect: null },
    durationBase: null,
    ui: { page: null, errors: null, head: null, moreGrid: null, moreSection: null, legend: null, samples: null, messages: null,
      params: null, hists: null, hp: null, groupMenu: null, checkpoints: null, resetBtn: null, live: null },
  };
}

/** The smoothing weight, kept in [0, 0.99] (0.6 when not a number). @param {any} v */
export function clampSmoothing(v) { return isNum(v) ? Math.max(0, Math.min(0.99, v)) : 0.6; }

/** A red notice above the page (once per text), which the person may dismiss. @param {RunState} S */
export function showError(S, err, title) {
  const msg = (title ? title + ": " : "") + (err && err.message ? err.message : String(err));
  if (S.errors.has(msg)) return;
  const box = el("div", { class: "notice error", role: "alert" }, [
    el("span", { class: "notice-text", text: msg }),
    el("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss", title: "Dismiss", onclick: () => { box.remove(); S.errors.delete(msg); } }, icon("close")),
  ]);
  S.errors.set(msg, box);
  S.ui.errors.appendChild(box);
}

/** Runs fn after ms (once), the timer cleared with the page's. @param {RunState} S @param {() => void} fn @param {number} ms */
export function later(S, fn, ms) {
  const t = setTimeout(fn, ms);
  S.timers.push(t);
  return t;
}

/** @param {RunState} S */
export function isLive(S) { return S.runs.some((r) => r.detail.status === "live"); }

/** The key of one run's tag in S.data. @param {string} runId @param {string} tag */
export const dkey = (runId, tag) => runId + "\t" + tag;

// ---------------------------------------------------------------- tags

/** Per-parameter statistics: the Parameters heatmaps draw them, no chart. @param {string} t */
export const isParamTag = (t) => t.startsWith("grad_norm/") || t.startsWith("update_ratio/");

/** A data-parallel run's per-process throughput, rank/{r}/tokens_per_s (GPT) or rank/{r}/examples_per_s: its home
 * is the Ranks section (with train/allreduce_share), not the grid of other scalars. */
const RANK_TAG = /^rank\/(\d+)\/([^/]+)$/;
/** @param {string} t */
export const isRankTag = (t) => RANK_TAG.test(t);
export const ALLREDUCE_TAG = "train/allreduce_share";

/** A tag with a chart in "More scalars" (neither a main chart's, nor per-parameter, nor per-rank). @param {RunState} S @param {string} t */
export const isMoreTag = (S, t) => !S.mainTags.has(t) && !isParamTag(t) && !isRankTag(t);

/** How many processes trained the run (the run document's `ranks`, or its per-rank series) and which per-rank
 * series it records; null for a one-process run. @param {RunDetail} d @returns {RankInfo|null} */
export function rankInfo(d) {
  const found = new Map();
  for (const t of d.tags || []) { const m = RANK_TAG.exec(t); if (m) found.set(Number(m[1]), m[2]); }
  const declared = isNum(d.ranks) ? d.ranks : 1;
  const n = Math.max(declared, found.size ? Math.max(...found.keys()) + 1 : 0);
  if (n <= 1) return null;
  const metric = found.size ? found.values().next().value : d.kind === "gpt" || !d.kind ? "tokens_per_s" : "examples_per_s";
  return { n, metric, unit: metric === "tokens_per_s" ? "tok/s" : "ex/s", tags: Array.from({ length: n }, (_, r) => "rank/" + r + "/" + metric) };
}

// ---------------------------------------------------------------- kinds of run

/** Whether the run has recorded figures of this name. @param {RunDetail} d @param {string} name */
export const hasFigures = (d, name) => (d.figures || []).some((f) => f.name === name);
/** A run of `glassbox train mlp`: its checkpoints carry the figure `mlp` (classic.js draws it). @param {RunDetail} d */
export const isMLP = (d) => d.kind === "mlp" || hasFigures(d, "mlp");
/** A run of `glassbox train seq2seq`: an encoder-decoder whose checkpoints carry the figure `seq2seq` (the attention
 * of held-out examples; none when it has no attention). @param {RunDetail} d */
export const isSeq2seq = (d) => d.kind === "seq2seq" || hasFigures(d, "seq2seq");
/** @param {RunDetail} d */
export const hasAttention = (d) => (d.hyper_parameters || {}).arch === "transformer" || ((d.hyper_parameters || {}).attention || "none") !== "none" || hasFigures(d, "seq2seq");
/** A run of `glassbox finetune`: a pretrained model fine-tuned on instruction data; its checkpoints carry the figure
 * `finetune` (held-out prompts answered by the base model and by the checkpoint: classic.js draws them). @param {RunDetail} d */
export const isFinetune = (d) => d.kind === "finetune" || hasFigures(d, "finetune");

// ---------------------------------------------------------------- hyper-parameters

// Hyper-parameters listed first in tables and offered first for grouping.
const HP_FIRST = ["preset", "layers", "heads", "width", "block", "batch", "learningRate", "minLearningRate", "schedule",
  "warmupSteps", "weightDecay", "dropout", "gradClip", "beta1", "beta2", "seed", "steps", "tokenizer", "dataPath"];
/** Settings that do not change what is learned: not offered for grouping by default. */
export const HP_NOT_MODEL = new Set(["logInterval", "evalInterval", "evalBatches", "sampleInterval", "sampleLength", "checkpointInterval", "threads", "name"]);

/** @param {string[]} keys */
export function hpOrder(keys) {
  return keys.sort((a, b) => {
    const ia = HP_FIRST.indexOf(a), ib = HP_FIRST.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib);
    return a.localeCompare(b);
  });
}

/** A hyper-parameter's value as a table shows it. @param {any} v */
export function hpText(v) {
  if (v === undefined) return "–";
  if (v === null) return "null";
  if (typeof v === "number") return num(v, 6);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

// ---------------------------------------------------------------- links to a checkpoint

/** The model id of a checkpoint of the run (as the studio's model list names it). @param {RunState} S @param {number} step */
const checkpointID = (S, step) => S.runs[0].id + "@" + step;
const enc = encodeURIComponent;
/** The inspect page on a checkpoint. @param {RunState} S @param {number} step */
export const inspectHref = (S, step) => "/inspect?model=" + enc(checkpointID(S, step));
/** A checkpoint's model card. @param {RunState} S @param {number} step */
export const cardHref = (S, step) => "/models/" + enc(checkpointID(S, step));
/** The inspect page's compare tab: a checkpoint against an earlier one. @param {RunState} S @param {number} prev @param {number} step */
export const diffHref = (S, prev, step) => "/inspect?tab=diff&a=" + enc(checkpointID(S, prev)) + "&b=" + enc(checkpointID(S, step));

// ---------------------------------------------------------------- requests

/** Runs a few promises at a time (the browser holds at most six connections to one server, and live pages hold
 * one per event stream). @template T @param {(() => Promise<T>)[]} tasks @param {number} limit @returns {Promise<T[]>} */
export async function pool(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** The notices above the page (showError's; S.ui.errors exists from the start, for errors before the panels). */
export const errorsPanel = definePanel({
  id: "run/errors", title: "Errors and notices", needs: ["errors"],
  /** @param {RunState} S */
  render: (S) => S.ui.errors,
});
