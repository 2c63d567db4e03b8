/* Glassbox Studio, run and compare pages: the header: the run's name, status, id, origin and facts (step and
 * progress, data set or task, model, parameters, duration counting up while live, checkpoints); on the compare
 * page the number of runs, their steps and how many hyper-parameters differ. */
import { append, clear, el } from "../../lib/dom.js";
import { compact, dateTime, duration, int, relTime } from "../../lib/format.js";
import { statusBadge } from "../../lib/ui.js";
import { finetuneView, mlpView, seq2seqView } from "../../views/classic.js";
import { differingKeys } from "./run-grouping.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").RunDetail} RunDetail */

// ---------------------------------------------------------------- the facts of the classic kinds of run

/** @param {RunDetail} d */
function mlpTask(d) {
  const hp = d.hyper_parameters || {};
  return mlpView ? mlpView.taskText(hp) : hp.task || "–";
}

/** @param {RunState} S @param {RunDetail} d */
function mlpWidths(S, d) {
  return mlpView ? mlpView.widths({ run: { config: d.hyper_parameters || {} }, figures: S.mlpFigures || [] }) : "–";
}

/** @param {RunDetail} d */
function s2sModel(d) {
  const hp = d.hyper_parameters || {};
  if (seq2seqView) return seq2seqView.model(hp);
  if (hp.arch === "transformer") return "Transformer, " + (hp.layers || 2) + " + " + (hp.layers || 2) + " layers \u00d7 " + (hp.heads || 4) + " heads \u00d7 " + (hp.width || 64) + " wide";
  return (hp.arch || "lstm").toUpperCase() + ", " + (hp.attention || "none") + " attention";
}

/** @param {RunDetail} d */
function ftModel(d) {
  const hp = d.hyper_parameters || {};
  return finetuneView ? finetuneView.baseName(hp.model) : hp.model || "–";
}

/** @param {RunDetail} d */
function ftMethod(d) {
  const hp = d.hyper_parameters || {};
  if (!finetuneView) return hp.method || "";
  const t = finetuneView.targetsText(hp.targets);
  return finetuneView.method(hp) + (hp.method !== "full" && t ? " on " + t : "");
}

// ---------------------------------------------------------------- the header

/** @param {string} label @param {any} value @param {string} [title] */
const stat = (label, value, title) => el("div", { class: "stat" }, [el("div", { class: "stat-label", text: label }), el("div", { class: "stat-value", title: title || "" }, value)]);

/** The compare page's header. @param {RunState} S */
function compareHead(S) {
  const live = S.runs.filter((r) => r.detail.status === "live").length;
  const steps = S.runs.map((r) => r.detail.step);
  return el("div", { class: "head-main" }, [
    el("h1", { text: "Compare " + S.runs.length + " runs" }),
    el("div", { class: "meta" }, [
      el("span", { class: "meta-item", text: "steps " + int(Math.min(...steps)) + (Math.min(...steps) !== Math.max(...steps) ? " – " + int(Math.max(...steps)) : "") }),
      live ? el("span", { class: "meta-item" }, [statusBadge("live"), live + " recording"]) : null,
      el("span", { class: "meta-item", text: differingKeys(S).length + " differing hyper-parameters" }),
    ]),
  ]);
}

/** The run's name, status, id, ranks, who started it and when. @param {RunState} S @param {RunDetail} d */
function runTitle(S, d) {
  return el("div", { class: "head-main" }, [
    el("div", { class: "title-line" }, [el("h1", { id: "run-name", text: d.name }), el("span", { id: "run-status" }, statusBadge(d.status))]),
    el("div", { class: "meta" }, [
      el("code", { class: "run-id", text: d.id, title: "Run id" }),
      S.rk ? el("span", { class: "badge ranks-badge", id: "run-ranks", title: "Trained by " + S.rk.n + " processes (mpirun -np " + S.rk.n + "), each on a share of every batch; rank 0 records the run",
        text: S.rk.n + " ranks (data-parallel)" }) : null,
      d.user || d.host ? el("span", { class: "meta-item", id: "run-origin", title: "Who started the run, and the machine of its rank 0",
        text: (d.user ? "by " + d.user : "") + (d.user && d.host ? " " : "") + (d.host ? "on " + d.host : "") }) : null,
      el("span", { class: "meta-item", title: dateTime(d.created_at), text: "started " + relTime(d.created_at) }),
    ]),
  ]);
}

/** The facts: step and progress, what it learns, the model, its size, duration and checkpoints. @param {RunState} S @param {RunDetail} d */
function runStats(S, d) {
  const total = d.total_steps || 0;
  const frac = total ? Math.min(1, d.step / total) : 0;
  const fill = el("span", { class: "progress-fill" });
  fill.style.width = (frac * 100).toFixed(1) + "%";
  const hp = d.hyper_parameters || {};
  const lastCk = S.checkpoints.length ? S.checkpoints[S.checkpoints.length - 1] : null;
  return el("div", { class: "stats" }, [
    stat("Step", el("div", { class: "steps-cell big" }, [
      el("span", { id: "run-step", text: int(d.step) + " / " + int(total) }),
      el("span", { class: ["progress", "status-" + d.status] }, fill)]), Math.round(frac * 100) + "%"),
    S.mlp ? stat("Task", mlpTask(d)) : S.s2s ? stat("Task", hp.task || "–") : stat("Data set", d.data_set || "–"),
    S.mlp ? stat("Network", mlpWidths(S, d), "inputs → hidden units per layer → outputs")
      : S.s2s ? stat("Model", s2sModel(d), hp.arch === "transformer" ? "encoder + decoder layers, attention heads per layer and the model width" : "encoder and decoder, and how the decoder reads the input")
        : S.ft ? stat("Base model", ftModel(d), (hp.model || "") + "\n" + ftMethod(d)) : stat("Tokenizer", d.tokenizer || "–"),
    stat(S.ft ? "Trainable" : "Parameters", compact(d.parameter_count), int(d.parameter_count) + (S.ft ? " trainable parameters" : "")),
    stat("Duration", el("span", { id: "run-duration", text: duration(d.duration_s) })),
    stat("Checkpoints", S.checkpoints.length ? String(S.checkpoints.length) : "none", lastCk ? "newest: step " + lastCk.step + "\n" + lastCk.path : ""),
  ]);
}

/** Draws the header S.ui.head again. @param {RunState} S */
export function renderHead(S) {
  const node = S.ui.head;
  if (!node) return;
  clear(node);
  if (S.compare) { node.appendChild(compareHead(S)); return; }
  const d = S.runs[0].detail;
  append(node, [runTitle(S, d), runStats(S, d)]);
}

/** The duration: counts up each second from the last status while the run is live. @param {RunState} S */
export function tickDuration(S) {
  if (S.compare || !S.runs.length) return;
  const d = S.runs[0].detail;
  const node = document.getElementById("run-duration");
  if (!node) return;
  if (d.status === "live") {
    if (!S.durationBase) S.durationBase = { at: Date.now() / 1000, dur: d.duration_s };
    node.textContent = duration(S.durationBase.dur + (Date.now() / 1000 - S.durationBase.at));
  } else {
    S.durationBase = null;
    node.textContent = duration(d.duration_s);
  }
}

/** A new status (its badge, the progress bar's colour). @param {string} status */
export function showStatus(status) {
  const node = document.getElementById("run-status");
  if (node) clear(node).appendChild(statusBadge(status));
  document.querySelectorAll(".run-head .progress").forEach((p) => { p.className = "progress status-" + status; });
}

/** A new step (the step text, the progress bar). @param {RunDetail} d */
export function showStep(d) {
  const stepNode = document.getElementById("run-step");
  if (stepNode) stepNode.textContent = int(d.step) + " / " + int(d.total_steps);
  const fill = /** @type {HTMLElement|null} */ (document.querySelector(".run-head .progress-fill"));
  if (fill && d.total_steps) fill.style.width = (Math.min(1, d.step / d.total_steps) * 100).toFixed(1) + "%";
}

/** The breadcrumbs: Runs / this run (or the comparison). */
export const crumbsPanel = definePanel({
  id: "run/crumbs", title: "Where the page is: Runs / this run or comparison", needs: ["runs"],
  /** @param {RunState} S */
  render: (S) => el("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, [
    el("a", { href: "/", text: "Runs" }), el("span", { class: "crumb-sep", "aria-hidden": "true", text: "/" }),
    el("span", { text: S.compare ? "Compare " + S.runs.length + " runs" : S.runs[0].name }),
  ]),
});

/** The header (S.ui.head), redrawn by renderHead when the run's status or checkpoints change. */
export const headPanel = definePanel({
  id: "run/head", title: "The run's name, status and facts (or the compared runs')", needs: ["runs", "checkpoints"],
  /** @param {RunState} S */
  render(S) {
    S.ui.head = el("div", { class: "page-head run-head" });
    renderHead(S);
    return S.ui.head;
  },
});
