/* Glassbox Studio, runs page: the headline metric of the "Tokens/s" column. Tokens per second for a language model;
 * for an MLP its validation accuracy or MSE, for a seq2seq run its held-out exact match, for a fine-tuning run its
 * held-out loss against the base model's (read from the run's scalars when the run list lacks it). */
import { scalars } from "../../api.js";
import { el } from "../../lib/dom.js";
import { compact, fixed, isNum, num } from "../../lib/format.js";
import { last } from "./runs-filter.js";

/** @typedef {import("../../api.js").RunSummary} RunSummary */

/**
 * Reads a value once per key: every caller waiting for the same key is told when it comes (null when it cannot be
 * read). @param {(key: string) => Promise<number|null>} read
 */
function onceEach(read) {
  /** @type {Map<string, number|null>} */
  const seen = new Map();
  /** @type {Map<string, ((v: number|null) => void)[]>} */
  const waiting = new Map();
  /** @param {string} key @param {(v: number|null) => void} put */
  return (key, put) => {
    if (seen.has(key)) { put(seen.get(key)); return; }
    if (waiting.has(key)) { waiting.get(key).push(put); return; }
    waiting.set(key, [put]);
    read(key).catch(() => null).then((v) => {
      seen.set(key, v);
      for (const f of waiting.get(key)) f(v);
      waiting.delete(key);
    });
  };
}

/** the run id in a key "RUN@STEP" @param {string} key */
const runOf = (key) => key.slice(0, key.lastIndexOf("@"));

// a fine-tuning run's held-out loss before any training (val/loss at step 0, the base model): read once per run
const baseLoss = onceEach((key) => scalars(runOf(key), "val/loss", { from: 0, to: 0, buckets: 1 })
  .then((res) => { const b = res && res.buckets && res.buckets[0]; return b && b.first_step === 0 && isNum(b.last) ? b.last : null; }));

/** A fine-tuning run: its newest held-out loss and how far below the base model's it is. @param {RunSummary} r */
function finetuneCell(r) {
  const v = last(r, "val/loss");
  const node = el("span", { class: "run-metric", title: "held-out loss at the last evaluation" });
  node.append(el("span", { class: "muted", text: "held-out" }), fixed(v, 3));
  if (v === null) return node;
  const drop = el("span", { class: "run-metric-drop" });
  node.append(drop);
  baseLoss(r.id + "@0", (b) => {
    if (!isNum(b) || b <= 0) return;
    const rel = (b - v) / b;
    drop.textContent = (rel >= 0 ? "\u2212" : "+") + fixed(100 * Math.abs(rel), 1) + "%";
    drop.classList.add(rel >= 0 ? "good" : "bad");
    node.title = "held-out loss at the last evaluation; the base model's (step 0): " + fixed(b, 3);
  });
  return node;
}

/** A seq2seq run: exact match on the held-out set. @param {RunSummary} r */
function exactCell(r) {
  const node = el("span", { class: "run-metric", title: "exact match on the held-out set at the last evaluation (whole outputs right)" });
  // the run document's `last` holds the newest val/exact_match; absent, the run has not been evaluated yet
  const v = last(r, "val/exact_match");
  node.append(el("span", { class: "muted", text: "exact" }), v === null ? "\u2013" : fixed(100 * v, 1) + "%");
  if (v === null) node.title = "not evaluated yet";
  return node;
}

/** Tokens per second; for an MLP (no tokens) its validation accuracy or MSE instead, for a seq2seq run its held-out
 * exact match, for a fine-tuning run its held-out loss against the base model's. @param {RunSummary} r */
export function throughputCell(r) {
  if (r.kind === "finetune") return finetuneCell(r);
  if (r.kind === "seq2seq") return exactCell(r);
  if (r.kind !== "mlp") return compact(last(r, "train/tokens_per_s"));
  const acc = last(r, "val/accuracy"), mse = last(r, "val/mse");
  if (acc === null && mse === null) return "–";
  return el("span", { class: "run-metric", title: acc !== null ? "validation accuracy at the last evaluation" : "validation mean squared error at the last evaluation" },
    [el("span", { class: "muted", text: acc !== null ? "val acc" : "val MSE" }), acc !== null ? fixed(100 * acc, 1) + "%" : num(mse, 3)]);
}
