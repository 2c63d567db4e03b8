/* Glassbox's fine-tuning view: a fine-tuned language model (glassbox finetune), checkpoint by checkpoint.
 * finetuneView.render(container, doc, opts): its facts (method, trainable parameters, base model, data, held-out loss
 * before and after, peak memory), the checkpoint player, the held-out prompts answered by the base model and by the
 * checkpoint chosen (with the reference and ✓ where an answer equals it), and the command that uses the checkpoint.
 * doc: {run: {id, name, status, parameter_count, config}, figures: the `finetune` documents, metrics: {val: [{step,
 * value}] (val/loss; step 0 the base model), peak_rss_mb, peak_tensor_mb}}. opts: {links (the studio: links to its
 * Generate and Inspect pages), baseModel (the studio's id of the base model, for "what changed inside"), explicitModel
 * (the usage line names --model BASE)}. Returns {update(figures), setMetrics(metrics), setCheckpoints(list), select(i),
 * index(), destroy()}. */
import { isNum } from "../../lib/format.js";
import { views } from "../report-views.js";
import { checkpointChoice, sortedFigures, waitingForCheckpoints } from "./classic-common.js";
import { checkpointPlayer } from "./classic-player.js";
import { comparePanel } from "./finetune-answers.js";
import { factsPanel, stepLossLine } from "./finetune-facts.js";
import { usagePanel } from "./finetune-usage.js";
import { FT_GLOSSARY, baseName, finetuneFacts, finetuneMethod, sameAnswer, targetsText } from "./finetune-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The metrics as the view keeps them: the held-out losses by step, the peaks (null: not recorded). */
function cleanMetrics(m) {
  m = m || {};
  return {
    val: (Array.isArray(m.val) ? m.val : []).filter((q) => q && isNum(q.step) && isNum(q.value)).slice().sort((a, b) => a.step - b.step),
    peak_rss_mb: isNum(m.peak_rss_mb) ? m.peak_rss_mb : null,
    peak_tensor_mb: isNum(m.peak_tensor_mb) ? m.peak_tensor_mb : null,
  };
}

/** The context of the view's panels. */
function finetuneContext(v, S, doc, opts, choice, gloss, onSelect) {
  const run = doc.run || {}, cfg = run.config || {};
  /** @type {ClassicContext} */
  const ctx = {
    v, V: views, S, run, cfg, gloss, opts, doc, lora: cfg.method !== "full",
    onSelect, onMetrics: [], refreshers: [], charts: [], observers: [],
    cur: () => S.figs[S.i],
    select: (i, force) => choice.select(i, force),
    stop: () => {},
  };
  ctx.examples = () => (ctx.cur() && ctx.cur().examples) || [];
  /** The base model's held-out loss: val/loss at step 0, else the figures' base_val_loss. */
  ctx.baseLoss = () => {
    const z = S.metrics.val.find((q) => q.step === 0);
    if (z) return z.value;
    const F = S.figs.find((f) => isNum(f.base_val_loss));
    return F ? F.base_val_loss : null;
  };
  return ctx;
}

/** @param {HTMLElement} container @param {any} doc @param {any} [opts] */
function renderFinetune(container, doc, opts) {
  opts = opts || {};
  const V = views;
  const v = new V.View(container, Object.assign({ kind: "finetune" }, doc));
  v.root.classList.add("ft-view");
  v.root.dataset.kind = "finetune";
  const gloss = V.glossary(v, "ft-glossary", FT_GLOSSARY);
  const S = { figs: [], i: 0, follow: true, timer: null, metrics: cleanMetrics(null), usage: 0 };
  /** @type {Array<() => void>} */
  const onSelect = [];
  const setFigures = (list) => { S.figs = sortedFigures(list); };
  setFigures(doc.figures);
  S.metrics = cleanMetrics(doc.metrics);
  S.i = Math.max(0, S.figs.length - 1);
  const choice = checkpointChoice(v, S, onSelect, setFigures);
  const ctx = finetuneContext(v, S, doc, opts, choice, gloss, onSelect);
  const setMetrics = (m) => { S.metrics = cleanMetrics(m); for (const f of ctx.onMetrics) f(); };

  factsPanel(ctx);
  if (!S.figs.length) {
    return waitingForCheckpoints(v, "ft-empty", "The before-and-after answers come with the checkpoints: the first is written after --checkpoint-interval steps.",
      (figs) => renderFinetune(container, Object.assign({}, doc, { figures: figs, metrics: S.metrics }), opts), (now) => ({
        setMetrics(m) { if (now()) now().setMetrics(m); else setMetrics(m); },
        setCheckpoints(list) { opts.checkpoints = list; if (now()) now().setCheckpoints(list); },
      }));
  }

  const player = checkpointPlayer(v, S, (i) => ctx.select(i), onSelect, {
    prefix: "ft", title: "Fine-tuning, checkpoint by checkpoint",
    read: "press play to watch the answers change as the model learns, or drag the slider to any checkpoint (\u2190 and \u2192 step one at a time). " +
      "The fine-tuned answers and the command below are the checkpoint chosen here.",
  });
  ctx.stop = player.stop;
  stepLossLine(ctx);
  comparePanel(ctx);
  usagePanel(ctx);

  ctx.select(S.i, true);
  if (isNum(opts.index)) ctx.select(Math.min(opts.index, S.figs.length - 1), true);

  return {
    update: (figs) => choice.replace(figs, () => player.refresh()),
    setMetrics,
    setCheckpoints(list) { opts.checkpoints = list; for (const f of onSelect) f(); },
    select: (i) => ctx.select(i),
    index: () => S.i,
    destroy() { ctx.stop(); v.destroy(); },
  };
}

export const finetuneView = { render: renderFinetune, facts: finetuneFacts, method: finetuneMethod, targetsText, baseName, sameAnswer };
