/* Glassbox Studio, run page: a fine-tuning run's section (glassbox finetune): the base model's answers and the
 * fine-tuned ones on held-out prompts across the checkpoints, with the held-out loss and the peak memory, drawn by
 * classic.js's finetuneView and following new checkpoints and points live. */
import * as api from "../../api.js";
import { isNum } from "../../lib/format.js";
import { finetuneView } from "../../views/classic.js";
import { classicSection, figuresOrNone, scheduleClassic, showInPlayer } from "./run-classic.js";
import { showError } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").RunDetail} RunDetail */

/** The section (S.sections.ft), still empty: loadFT fills it. @param {RunState} S */
export function buildFT(S) {
  const M = classicSection({ id: "finetune", className: "section mlp-section ft-section", titleId: "ft-title", title: "Fine-tuning",
    sub: "the base model and the fine-tuned one on held-out prompts, checkpoint by checkpoint", bodyId: "ft-body", bodyClass: "mlp-body ft-body",
    loading: "Loading the checkpoints' answers…" });
  M.metrics = null;
  M.models = null;
  S.sections.ft = M;
  return M.node;
}

/** The held-out loss (every evaluation; step 0 the base model) and the peak memory, as the view reads them. @param {RunDetail} d */
async function ftMetrics(d) {
  const id = d.id, tags = d.tags || [];
  // a tag not recorded yet (a run that has just started) would answer 404: its live points come by the event stream
  const get = (tag, n) => (!tags.includes(tag) ? Promise.resolve([])
    : api.scalars(id, tag, { buckets: n }).then((r) => (r && r.buckets) || []).catch(() => []));
  const [val, rss, tensors] = await Promise.all([get("val/loss", 10000), get("memory/peak_rss_mb", 1), get("memory/peak_tensor_mb", 1)]);
  const lastOf = (b) => (b.length && isNum(b[b.length - 1].last) ? b[b.length - 1].last : null);
  return { val: val.map((b) => ({ step: b.last_step, value: b.last })), peak_rss_mb: lastOf(rss), peak_tensor_mb: lastOf(tensors) };
}

/** The studio's models, to find the id of the base model (the bundled one, or a served --model), so that a row can
 * open "what changed inside". */
async function ftModels() {
  try { return await api.models(); } catch (err) { return []; }
}

/** The view, the first time (figures may be none yet: it then says it waits for the first checkpoint).
 * @param {RunState} S @param {any[]} list */
function renderFT(S, list) {
  const M = S.sections.ft, d = S.runs[0].detail;
  const hp = d.hyper_parameters || {};
  const base = (Array.isArray(M.models) ? M.models : []).find((m) => m.kind !== "checkpoint" && m.path && m.path === hp.model);
  M.view = finetuneView.render(M.body, { kind: "finetune", run: { id: d.id, name: d.name, status: d.status, step: d.step, parameter_count: d.parameter_count, config: hp },
    figures: list, metrics: M.metrics }, { links: true, baseModel: base ? base.id : null, explicitModel: !!hp.model && !(base && base.kind === "bundled"), checkpoints: S.checkpoints.slice() });
}

/** Fetches the figures (and the numbers); draws the view the first time, then hands it the new checkpoints. @param {RunState} S */
export async function loadFT(S) {
  const M = S.sections.ft;
  if (!M) return;
  const seq = ++M.seq;
  const d = S.runs[0].detail;
  try {
    // before the first checkpoint there is nothing to ask for (the view says it waits for it)
    const [got, metrics, models] = await Promise.all([figuresOrNone(S, "finetune"), ftMetrics(d), M.models ? Promise.resolve(M.models) : ftModels()]);
    if (S.stopped || seq !== M.seq) return;
    M.models = models;
    M.metrics = metrics;
    if (M.view) M.view.setMetrics(metrics);
    const list = got || [];
    if (list.length === M.count && M.view) return;
    M.count = list.length;
    S.ftFigures = list;
    M.node.dataset.checkpoints = String(list.length);
    if (M.view) M.view.update(list);
    else renderFT(S, list);
    M.node.dataset.state = list.length ? "shown" : "empty";
  } catch (err) {
    if (seq !== M.seq) return;
    M.node.dataset.state = "error";
    showError(S, err, "Could not show the checkpoints' answers");
  }
}

/** @param {RunState} S */
export function scheduleFT(S) { scheduleClassic(S, S.sections.ft, () => loadFT(S)); }

/** Live points of the held-out loss and the peak memory: the view's numbers follow them. @param {RunState} S @param {any[]} points */
export function ftPoints(S, points) {
  const M = S.sections.ft;
  if (!M || !M.view || !M.metrics) return;
  let changed = false;
  for (const p of points) {
    if (!p || !isNum(p.value)) continue;
    if (p.tag === "val/loss" && !M.metrics.val.some((q) => q.step === p.step)) { M.metrics.val.push({ step: p.step, value: p.value }); changed = true; }
    else if (p.tag === "memory/peak_rss_mb") { M.metrics.peak_rss_mb = p.value; changed = true; }
    else if (p.tag === "memory/peak_tensor_mb") { M.metrics.peak_tensor_mb = p.value; changed = true; }
  }
  if (changed) M.view.setMetrics(M.metrics);
}

/** A checkpoint row's Show: that checkpoint in the player. @param {RunState} S @param {number} step */
export function showFT(S, step) { showInPlayer(S.sections.ft, (S.ftFigures || []).slice().sort((a, b) => a.step - b.step), step); }

/** A fine-tuning run: the base model's answers and the fine-tuned ones across the checkpoints. */
export const finetunePanel = definePanel({
  id: "run/finetune", title: "The base and fine-tuned models' answers across the checkpoints", needs: ["runs", "sections"],
  /** @param {RunState} S */
  when: (S) => !S.compare && S.ft,
  render: (S) => buildFT(S),
});
