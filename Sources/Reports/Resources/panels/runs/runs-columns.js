/* Glassbox Studio, runs page: the table's columns. The fixed columns (name, status, steps, losses, throughput or a
 * headline metric, ranks, times, host, user, ...) with their cells, one column per hyper-parameter found in the runs,
 * and which are shown by default. */
import { el } from "../../lib/dom.js";
import { compact, dateTime, duration, fixed, int, num, relTime } from "../../lib/format.js";
import { statusBadge } from "../../lib/ui.js";
import { hostOf, hp, last, ranksOf, userOf } from "./runs-filter.js";
import { throughputCell } from "./runs-metrics.js";

/** @typedef {import("../../api.js").RunSummary} RunSummary */
/** @typedef {import("./runs-state.js").Column} Column */

// Hyper-parameters shown by default (others can be switched on in the Columns menu).
const DEFAULT_HP = ["layers", "heads", "width", "block", "batch", "learningRate", "dropout", "seed"];
// Settings that are not hyper-parameters worth a column by default, or that duplicate a fixed column.
const HP_SKIP = new Set(["name", "tokenizer"]);
/** @type {Object<string, number>} */
const STATUS_ORDER = { live: 0, stale: 1, interrupted: 2, failed: 3, "stopped-early": 4, finished: 5 };

/** @type {Object<string, [string, string]>} */
const KIND_BADGES = {
  mlp: ["MLP", "A small multilayer perceptron (glassbox train mlp)"],
  seq2seq: ["Seq2seq", "An encoder-decoder on characters, an LSTM with attention or a transformer (glassbox train seq2seq)"],
  finetune: ["Fine-tune", "A pretrained model fine-tuned on instruction data, with LoRA adapters or every weight (glassbox finetune)"],
};

/** The run's name linking to its page, with its kind's badge and its id when the name differs. @param {RunSummary} r */
function nameCell(r) {
  const link = el("a", { class: "run-link", href: "/runs/" + encodeURIComponent(r.id), text: r.name, title: "Open " + r.name });
  return el("div", { class: "run-name" }, [
    KIND_BADGES[r.kind] ? el("span", { class: "run-title" }, [link, el("span", { class: "badge kind-badge", dataset: { kind: r.kind }, title: KIND_BADGES[r.kind][1], text: KIND_BADGES[r.kind][0] })]) : link,
    r.name !== r.id ? el("span", { class: "run-id", text: r.id }) : null,
  ]);
}

/** "1", or a badge "4 ranks" for a data-parallel run. @param {RunSummary} r */
function ranksCell(r) {
  const n = ranksOf(r);
  if (n <= 1) return el("span", { class: "ranks-one", title: "One process", text: "1" });
  return el("span", { class: "badge ranks-badge", title: "Trained data-parallel by " + n + " processes (mpirun -np " + n + ")", text: n + " ranks" });
}

/** @param {string|null} v @param {string} title */
function textCell(v, title) {
  return v === null ? el("span", { class: "muted", text: "–" }) : el("span", { class: "cell-text", title, text: v });
}

/** The step out of the total, with a progress bar. @param {RunSummary} r */
function stepsCell(r) {
  const total = r.total_steps || 0;
  const frac = total > 0 ? Math.max(0, Math.min(1, r.step / total)) : 0;
  const bar = el("span", { class: "progress-fill" });
  bar.style.width = (frac * 100).toFixed(1) + "%";
  return el("div", { class: "steps-cell", title: Math.round(frac * 100) + "% of " + int(total) + " steps" }, [
    el("span", { class: "steps-text" }, [int(r.step), el("span", { class: "muted", text: " / " + int(total) })]),
    el("span", { class: ["progress", "status-" + r.status] }, bar),
  ]);
}

/** The fixed columns; hyper-parameter columns are added from the runs. @returns {Column[]} */
function fixedColumns() {
  return [
    { key: "name", label: "Run", always: true, sort: (r) => String(r.name).toLowerCase(), cell: nameCell },
    { key: "status", label: "Status", sort: (r) => (r.status in STATUS_ORDER ? STATUS_ORDER[r.status] : 9), cell: (r) => statusBadge(r.status) },
    { key: "steps", label: "Steps", num: true, sort: (r) => r.step, cell: stepsCell },
    { key: "train_loss", label: "Train loss", num: true, sort: (r) => last(r, "train/loss"), cell: (r) => fixed(last(r, "train/loss"), 3) },
    { key: "val_loss", label: "Val loss", num: true, sort: (r) => last(r, "val/loss"), cell: (r) => fixed(last(r, "val/loss"), 3) },
    { key: "tokens_per_s", label: "Tokens/s", num: true, sort: (r) => last(r, "train/tokens_per_s"), cell: throughputCell },
    // shown by default when a run is data-parallel (buildColumns)
    { key: "ranks", label: "Ranks", num: true, sort: ranksOf, cell: ranksCell },
    { key: "started", label: "Started", sort: (r) => r.created_at, cell: (r) => el("span", { title: dateTime(r.created_at), text: relTime(r.created_at) }) },
    { key: "duration", label: "Duration", num: true, sort: (r) => r.duration_s, cell: (r) => duration(r.duration_s) },
    // shown by default when the runs come from more than one machine / person (buildColumns)
    { key: "host", label: "Host", sort: (r) => (hostOf(r) || "").toLowerCase() || null, cell: (r) => textCell(hostOf(r), "Trained on " + hostOf(r)) },
    { key: "user", label: "User", sort: (r) => (userOf(r) || "").toLowerCase() || null, cell: (r) => textCell(userOf(r), "Trained by " + userOf(r)) },
    { key: "parameter_count", label: "Params", num: true, hidden: true, sort: (r) => r.parameter_count, cell: (r) => el("span", { title: int(r.parameter_count), text: compact(r.parameter_count) }) },
    { key: "tokenizer", label: "tokenizer", sort: (r) => r.tokenizer || "", cell: (r) => r.tokenizer || "–" },
    { key: "data_set", label: "data_set", sort: (r) => r.data_set || "", cell: (r) => r.data_set || "–" },
    { key: "id", label: "Id", hidden: true, sort: (r) => r.id, cell: (r) => el("code", { text: r.id }) },
  ];
}

/** A hyper-parameter's column. @param {string} key @returns {Column} */
function hpColumn(key) {
  return {
    key: "hp:" + key, label: key, hp: true, num: true,
    sort: (r) => { const v = hp(r)[key]; return v === undefined ? null : v; },
    cell: (r) => { const v = hp(r)[key]; return v === undefined ? "–" : typeof v === "number" ? num(v) : typeof v === "object" ? JSON.stringify(v) : String(v); },
  };
}

/**
 * The columns for these runs: the fixed ones with a column per hyper-parameter before "tokenizer" (the usual ones
 * first), each shown as the person chose (prefs) or by default.
 * @param {RunSummary[]} runs @param {Object<string, boolean>} prefs @returns {Column[]}
 */
export function buildColumns(runs, prefs) {
  const keys = new Set();
  for (const r of runs) for (const k of Object.keys(hp(r))) if (!HP_SKIP.has(k)) keys.add(k);
  const hpKeys = [...keys].sort((a, b) => {
    const ia = DEFAULT_HP.indexOf(a), ib = DEFAULT_HP.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
    return a.localeCompare(b);
  });
  const cols = fixedColumns();
  const at = cols.findIndex((c) => c.key === "tokenizer");
  const hpCols = hpKeys.map((k) => Object.assign(hpColumn(k), { hidden: !DEFAULT_HP.includes(k) }));
  cols.splice(at, 0, ...hpCols);
  // Ranks when a run is data-parallel; Host and User when the runs come from more than one machine or person
  const distinct = (f) => new Set(runs.map(f).filter((v) => v !== null)).size;
  /** @type {Object<string, boolean>} */
  const auto = { ranks: runs.some((r) => ranksOf(r) > 1), host: distinct(hostOf) > 1, user: distinct(userOf) > 1 };
  for (const c of cols) if (c.key in auto) c.hidden = !auto[c.key];
  for (const c of cols) c.shown = c.always || (c.key in prefs ? !!prefs[c.key] : !c.hidden);
  return cols;
}

/** Which columns there are and which are shown, as text (redraw the header when it changes). @param {Column[]} cols */
export function columnsSignature(cols) { return cols.map((c) => c.key + (c.shown ? "+" : "-")).join(","); }
