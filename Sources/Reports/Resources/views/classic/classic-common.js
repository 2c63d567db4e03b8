/* Glassbox views of the classic models: what the MLP, seq2seq and fine-tuning views share besides the player: their
 * figures in step order, the choice of a checkpoint among them, and the note shown while a run has no checkpoint yet. */
import { isNum } from "../../lib/format.js";

/**
 * What a classic view hands its panels: the mounted view and the panel kit, its state, the chosen checkpoint, and
 * the lists its panels add their redraws to. Each view fills the fields its panels need (the optional ones).
 * @typedef {Object} ClassicContext
 * @property {any} v  the mounted View (report-views.js)
 * @property {any} V  report-views.js's panel kit (views)
 * @property {any} S  the view's state: figs (sorted by step), i (the chosen one), follow, timer, and the view's own
 * @property {any} run  doc.run: {id, name, config, parameter_count, ...}
 * @property {any} cfg  the run's settings (run.config)
 * @property {() => any} cur  the chosen checkpoint's figure
 * @property {(i: number, force?: boolean) => void} select  choose a checkpoint
 * @property {() => void} stop  stop the player
 * @property {Array<() => void>} onSelect  redraws when the checkpoint changes
 * @property {Array<() => void>} refreshers  redraws when the figure list (or the data behind a chart) changes
 * @property {{destroy(): void}[]} charts  charts to destroy with the view
 * @property {ResizeObserver[]} observers  observers to disconnect with the view
 * @property {HTMLElement} gloss  the glossary (panels that place themselves go in above it)
 * @property {any} [opts]  the view's options
 * @property {any} [doc]  the document the view draws
 * @property {() => any} [D]  the MLP: the ranges the whole run shares (mlp-draw.js's derive)
 * @property {string} [kind]  the MLP: its figures' kind (boundary, fit or table)
 * @property {() => any[]} [examples]  seq2seq and fine-tuning: the chosen checkpoint's examples
 * @property {() => any} [example]  seq2seq: the chosen example
 * @property {(k: number) => void} [pickExample]  seq2seq: choose an example
 * @property {boolean} [tf]  seq2seq: a transformer
 * @property {() => any[]} [exact]  seq2seq: the held-out exact match's buckets
 * @property {boolean} [lora]  fine-tuning: a LoRA run
 * @property {Array<() => void>} [onMetrics]  fine-tuning: redraws when the metrics change
 * @property {() => (number|null)} [baseLoss]  fine-tuning: the base model's held-out loss
 */

/** The words of a view with no checkpoint yet (the MLP's and the seq2seq's). */
export const PICTURES_LATER = "The pictures come with the checkpoints: the first is written after --checkpoint-interval steps.";

/** A run's figure documents with a step, sorted by step (a new array). @param {any} list @returns {any[]} */
export function sortedFigures(list) {
  return (Array.isArray(list) ? list : []).filter((f) => f && isNum(f.step)).slice().sort((a, b) => a.step - b.step);
}

/**
 * A view with no checkpoint yet: a panel (id, text) saying so, and the view's handle whose update(figures) draws the
 * whole view anew with draw(figures) when the first come, passing every later call to it. extra(now): the view's
 * own further methods, now() being the drawn view (null until then).
 * @param {any} v @param {string} id @param {string} text @param {(figs: any[]) => any} draw
 * @param {(now: () => any) => Object} [extra]
 */
export function waitingForCheckpoints(v, id, text, draw, extra) {
  v.panel(id, "No checkpoints yet", text, null, ["checkpoint"]);
  v.root.dataset.checkpoints = "0";
  let inner = null;
  const now = () => inner;
  return Object.assign({
    update(figs) {
      if (inner) return inner.update(figs);
      if (!figs || !figs.length) return;
      v.destroy();
      inner = draw(figs);
    },
    select(i) { if (inner) inner.select(i); },
    index: () => (inner ? inner.index() : 0),
    destroy() { if (inner) inner.destroy(); else v.destroy(); },
  }, extra ? extra(now) : {});
}

/**
 * Choosing among a view's checkpoints (S.figs sorted by step, S.i the chosen one, S.follow while the newest is):
 * select(i, force) clamps i, records the choice on the view's root (data-index, data-step, data-checkpoints) and runs
 * the view's onSelect redraws; replace(list, refresh) takes a new figure list (live updates) through setFigures,
 * then refresh() (the player's and the view's own), and stays on the chosen step, or on the newest when the user
 * was following it.
 * @param {any} v @param {{figs: any[], i: number, follow: boolean}} S @param {Array<() => void>} onSelect
 * @param {(list: any) => void} setFigures
 */
export function checkpointChoice(v, S, onSelect, setFigures) {
  /** @param {number} i @param {boolean} [force] */
  function select(i, force) {
    i = Math.max(0, Math.min(S.figs.length - 1, i | 0));
    if (i === S.i && !force) return;
    S.i = i;
    S.follow = i === S.figs.length - 1;
    v.root.dataset.index = String(i);
    v.root.dataset.step = String(S.figs[i].step);
    v.root.dataset.checkpoints = String(S.figs.length);
    for (const f of onSelect) f();
  }
  /** @param {any} list @param {() => void} refresh */
  function replace(list, refresh) {
    const follow = S.follow, step = S.figs[S.i] ? S.figs[S.i].step : null;
    setFigures(list);
    let i = follow ? S.figs.length - 1 : S.figs.findIndex((f) => f.step === step);
    if (i < 0) i = S.figs.length - 1;
    refresh();
    select(i, true);
  }
  return { select, replace };
}
