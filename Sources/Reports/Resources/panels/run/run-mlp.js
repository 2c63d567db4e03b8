/* Glassbox Studio, run page: an MLP run's section (glassbox train mlp): its decision boundary or fitted function
 * across the checkpoints, drawn by classic.js's mlpView, following new checkpoints live. */
import { mlpView } from "../../views/classic.js";
import { classicSection, figuresOrNone, scheduleClassic, showInPlayer, showNoFigures } from "./run-classic.js";
import { renderHead } from "./run-head.js";
import { showError } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */

const REGRESSION_TASKS = new Set(["sine", "linear"]);

/** The section's title: what its main picture shows (known for sure once the figures are here). @param {RunState} S
 * @param {string|null} kind */
function mlpTitle(S, kind) {
  const hp = S.runs[0].detail.hyper_parameters || {};
  const k = kind || (hp.csv ? "table" : REGRESSION_TASKS.has(hp.task) ? "fit" : "boundary");
  return k === "fit" ? "Fitted function across training" : k === "table" ? "The network across training" : "Decision boundary across training";
}

/** The section (S.sections.mlp), still empty: loadMLP fills it. @param {RunState} S */
export function buildMLP(S) {
  const M = classicSection({ id: "mlp", className: "section mlp-section", titleId: "mlp-title", title: mlpTitle(S, null),
    sub: "what the network predicts, checkpoint by checkpoint", bodyId: "mlp-body", bodyClass: "mlp-body", loading: "Loading the checkpoints' pictures…" });
  S.sections.mlp = M;
  return M.node;
}

/** Fetches the figures; draws the view the first time, then hands it the new checkpoints (it follows the newest
 * while the newest is chosen). @param {RunState} S */
export async function loadMLP(S) {
  const M = S.sections.mlp;
  if (!M) return;
  const seq = ++M.seq;
  const d = S.runs[0].detail;
  try {
    const got = await figuresOrNone(S, "mlp");
    if (S.stopped || seq !== M.seq) return;
    if (!got) {
      if (!M.view) showNoFigures(S, M, { prefix: "mlp", appear: "the network's pictures appear here", none: "No checkpoints with pictures in this run. ",
        records: "records what the network predicts then; they appear here as they are written." });
      return;
    }
    if (got.length === M.count) return;
    M.count = got.length;
    S.mlpFigures = got;
    M.node.dataset.checkpoints = String(got.length);
    M.title.textContent = mlpTitle(S, got[got.length - 1].kind);
    renderHead(S);
    if (M.view) M.view.update(got);
    else M.view = mlpView.render(M.body, { kind: "mlp", run: { id: d.id, name: d.name, status: d.status, step: d.step, parameter_count: d.parameter_count, config: d.hyper_parameters || {} }, figures: got });
    M.node.dataset.state = "shown";
  } catch (err) {
    if (seq !== M.seq) return;
    M.node.dataset.state = "error";
    showError(S, err, "Could not show the checkpoints' pictures");
  }
}

/** @param {RunState} S */
export function scheduleMLP(S) { scheduleClassic(S, S.sections.mlp, () => loadMLP(S)); }

/** A checkpoint row's Show. @param {RunState} S @param {number} step */
export function showMLP(S, step) { showInPlayer(S.sections.mlp, S.mlpFigures, step); }

/** An MLP run: its decision boundary (or fitted function) across the checkpoints. */
export const mlpPanel = definePanel({
  id: "run/mlp", title: "An MLP's decision boundary or fitted function across the checkpoints", needs: ["runs", "sections"],
  /** @param {RunState} S */
  when: (S) => !S.compare && S.mlp,
  render: (S) => buildMLP(S),
});
