/* Glassbox's seq2seq view: an encoder-decoder with attention (glassbox train seq2seq) watched checkpoint by checkpoint.
 * seq2seqView.render(container, doc, opts) draws it and returns {update(figures), select(i), index(), destroy()}:
 * doc's figures are its `seq2seq` documents (held-out examples with their attention at each checkpoint). Panels: the
 * checkpoint player, the alignment heatmap of the chosen example, for a transformer every layer and head, the
 * held-out exact match across training (opts.exactMatch: the val/exact_match buckets, or a function that fetches
 * them) and, with opts.translate (the studio), "Try your own input" (api.js's translate). */
import { el } from "../../lib/dom.js";
import { isNum } from "../../lib/format.js";
import { views } from "../report-views.js";
import { PICTURES_LATER, checkpointChoice, sortedFigures, waitingForCheckpoints } from "./classic-common.js";
import { checkpointPlayer } from "./classic-player.js";
import { alignmentPanel } from "./seq2seq-alignment.js";
import { exactPanel } from "./seq2seq-exact.js";
import { layersPanel } from "./seq2seq-layers.js";
import { tryPanel } from "./seq2seq-translate.js";
import { attentionName, glossaryOf, isTransformer, seq2seqModel } from "./seq2seq-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */
/** @typedef {{index?: number, translate?: boolean, exactMatch?: any[] | (() => Promise<any[]>)}} Seq2seqOptions */

/** The held-out exact match: given (opts.exactMatch, buckets) or fetched (opts.exactMatch(), a promise of them). @param {ClassicContext} ctx */
function loadExact(ctx, setExact) {
  const src = ctx.opts.exactMatch;
  if (Array.isArray(src)) { setExact(src); for (const f of ctx.refreshers) f(); return; }
  if (typeof src !== "function") return;
  Promise.resolve(src()).then((b) => {
    setExact(Array.isArray(b) ? b : []);
    for (const f of ctx.refreshers) f();
    for (const f of ctx.onSelect) f();
  }).catch(() => { /* the chart says it has nothing */ });
}

/** The context of the view's panels: its state, the chosen checkpoint and example. */
function seq2seqContext(v, S, doc, opts, choice, onSelect, gloss, tf) {
  const run = doc.run || {}, cfg = run.config || {};
  let exact = []; // the held-out exact match at each evaluation: the scalars API's buckets
  /** @type {ClassicContext} */
  const ctx = {
    v, V: views, S, run, cfg, gloss, opts, tf, onSelect, refreshers: [], charts: [], observers: [],
    cur: () => S.figs[S.i],
    select: (i, force) => choice.select(i, force),
    stop: () => {},
    exact: () => exact,
  };
  ctx.examples = () => (ctx.cur() && ctx.cur().examples) || [];
  ctx.example = () => ctx.examples()[Math.min(S.ex, ctx.examples().length - 1)];
  ctx.pickExample = (k) => {
    const n = ctx.examples().length;
    if (!n) return;
    S.ex = Math.max(0, Math.min(n - 1, k));
    v.root.dataset.example = String(S.ex);
    for (const f of onSelect) f();
  };
  return { ctx, setExact: (b) => { exact = b; } };
}

/** @param {HTMLElement} container @param {any} doc @param {Seq2seqOptions} [opts] */
function renderSeq2seq(container, doc, opts) {
  opts = opts || {};
  const V = views;
  const v = new V.View(container, Object.assign({ kind: "seq2seq" }, doc));
  v.root.classList.add("s2s-view");
  v.root.dataset.kind = "seq2seq";
  const cfg = (doc.run || {}).config || {};
  const tf = isTransformer(cfg, (doc.figures || [])[0]);
  const gloss = V.glossary(v, "s2s-glossary", glossaryOf(tf));
  if (tf) v.root.classList.add("s2s-tf");
  const S = { figs: [], i: 0, follow: true, timer: null, ex: 0, kind: "cross", zoom: null };
  /** @type {Array<() => void>} */
  const onSelect = [];
  const setFigures = (list) => { S.figs = sortedFigures(list); };
  setFigures(doc.figures);
  S.i = Math.max(0, S.figs.length - 1);
  const choice = checkpointChoice(v, S, onSelect, setFigures);
  const { ctx, setExact } = seq2seqContext(v, S, doc, opts, choice, onSelect, gloss, tf);

  if (!S.figs.length) return waitingForCheckpoints(v, "s2s-empty", PICTURES_LATER, (figs) => renderSeq2seq(container, Object.assign({}, doc, { figures: figs }), opts));
  v.root.dataset.attention = ctx.cur().attention || cfg.attention || "";

  const player = checkpointPlayer(v, S, (i) => ctx.select(i), onSelect, {
    prefix: "s2s",
    read: "press play to watch where the model looks sharpen as it learns, or drag the slider to any checkpoint (\u2190 and \u2192 step one " +
      "at a time). Every picture below, your own input's included, shows the checkpoint chosen here.",
  });
  ctx.stop = player.stop;
  alignmentPanel(ctx);
  if (tf) layersPanel(ctx);
  const row = el("div", { class: "mlp-row s2s-row" });
  v.root.insertBefore(row, gloss);
  row.appendChild(exactPanel(ctx));
  if (opts.translate) row.appendChild(tryPanel(ctx));
  loadExact(ctx, setExact);

  ctx.select(S.i, true);
  if (isNum(opts.index)) ctx.select(Math.min(opts.index, S.figs.length - 1), true);

  return {
    update: (figs) => choice.replace(figs, () => { player.refresh(); loadExact(ctx, setExact); }),
    select: (i) => ctx.select(i),
    index: () => S.i,
    destroy() {
      ctx.stop();
      for (const c of ctx.charts) c.destroy();
      v.destroy();
    },
  };
}

export const seq2seqView = { render: renderSeq2seq, model: seq2seqModel, attentionName };
