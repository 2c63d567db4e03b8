/* Glassbox's MLP view: a small multilayer perceptron (glassbox train mlp) watched checkpoint by checkpoint.
 * mlpView.render(container, doc, opts) draws it and returns {update(figures), select(i), index(), destroy()}; doc is
 * {run: {id, name, config}, figures: [...]}, the figures being the run's `mlp` documents (one per checkpoint: what the
 * studio's run page reads through api.js's figures(run, "mlp"), and what `glassbox train mlp --html` embeds). Panels:
 * a checkpoint player, the decision boundary (two inputs, classes) or the fitted function (one input, regression),
 * accuracy or MSE and the loss across training, the inputs' importance and the first layer's weights. */
import { el } from "../../lib/dom.js";
import { isNum } from "../../lib/format.js";
import { views } from "../report-views.js";
import { PICTURES_LATER, checkpointChoice, sortedFigures, waitingForCheckpoints } from "./classic-common.js";
import { checkpointPlayer } from "./classic-player.js";
import { boundaryPanel } from "./mlp-boundary.js";
import { derive } from "./mlp-draw.js";
import { fitPanel } from "./mlp-fit.js";
import { firstLayerPanel } from "./mlp-first-layer.js";
import { importancePanel } from "./mlp-importance.js";
import { metricsPanel } from "./mlp-metrics.js";
import { MLP_GLOSSARY, facts, taskText, widths } from "./mlp-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The panels under the player: the picture and the numbers side by side, then the inputs and the first layer. @param {ClassicContext} ctx */
function mlpPanels(ctx) {
  const { v, gloss, kind } = ctx;
  // the picture and the numbers side by side: watch the boundary and the curves move together
  const row = el("div", { class: "mlp-row" });
  v.root.insertBefore(row, gloss);
  if (kind === "boundary") row.appendChild(boundaryPanel(ctx));
  else if (kind === "fit") row.appendChild(fitPanel(ctx));
  row.appendChild(metricsPanel(ctx));
  const row2 = el("div", { class: "mlp-row" });
  v.root.insertBefore(row2, gloss);
  row2.appendChild(importancePanel(ctx));
  row2.appendChild(firstLayerPanel(ctx));
}

/** @param {HTMLElement} container @param {any} doc @param {{index?: number}} [opts] */
function render(container, doc, opts) {
  opts = opts || {};
  const V = views;
  const v = new V.View(container, Object.assign({ kind: "mlp" }, doc));
  v.root.classList.add("mlp-view");
  v.root.dataset.kind = "mlp";
  const gloss = V.glossary(v, "mlp-glossary", MLP_GLOSSARY);
  const run = doc.run || {}, cfg = run.config || {};
  const S = { figs: [], i: 0, follow: true, timer: null, derived: null };
  const setFigures = (list) => { S.figs = sortedFigures(list); S.derived = derive(S.figs); };
  setFigures(doc.figures);
  S.i = Math.max(0, S.figs.length - 1);
  /** @type {Array<() => void>} */
  const onSelect = []; // what each panel redraws when the checkpoint changes
  const choice = checkpointChoice(v, S, onSelect, setFigures);

  // nothing to show yet: the first figures draw the whole view anew
  if (!S.figs.length) return waitingForCheckpoints(v, "mlp-empty", PICTURES_LATER, (figs) => render(container, Object.assign({}, doc, { figures: figs }), opts));

  let player = null;
  /** @type {ClassicContext} */
  const ctx = {
    v, V, S, run, cfg, gloss, onSelect, refreshers: [], charts: [], observers: [],
    cur: () => S.figs[S.i], D: () => S.derived,
    select: (i, force) => choice.select(i, force),
    stop: () => { if (player) player.stop(); },
  };
  ctx.kind = ctx.cur().kind;
  v.root.dataset.figure = ctx.kind;
  player = checkpointPlayer(v, S, ctx.select, onSelect, {
    prefix: "mlp",
    read: "press play to watch the network learn, or drag the slider to any checkpoint (\u2190 and \u2192 step one at a time). " +
      "Every picture below shows the checkpoint chosen here.",
  });
  mlpPanels(ctx);

  ctx.select(S.i, true);
  // a studio page that draws the view anew (live updates) starts where the user was
  if (isNum(opts.index)) ctx.select(Math.min(opts.index, S.figs.length - 1), true);

  return {
    update: (figs) => choice.replace(figs, () => { player.refresh(); for (const f of ctx.refreshers) f(); }),
    select: (i) => ctx.select(i),
    index: () => S.i,
    destroy() {
      ctx.stop();
      for (const c of ctx.charts) c.destroy();
      for (const o of ctx.observers) o.disconnect();
      v.destroy();
    },
  };
}

export const mlpView = { render, facts, widths, taskText };
