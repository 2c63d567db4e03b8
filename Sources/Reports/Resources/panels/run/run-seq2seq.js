/* Glassbox Studio, run page: a seq2seq run's section (glassbox train seq2seq): where its decoder looks across the
 * checkpoints, drawn by classic.js's seq2seqView (with "Try your own input"), following new checkpoints live; for a
 * run without attention, a note saying why there is nothing to draw. */
import * as api from "../../api.js";
import { el } from "../../lib/dom.js";
import { seq2seqView } from "../../views/classic.js";
import { classicSection, figuresOrNone, scheduleClassic, showInPlayer, showNoFigures } from "./run-classic.js";
import { hasAttention, showError } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */

/** The section (S.sections.s2s), still empty: loadS2S fills it. @param {RunState} S */
export function buildS2S(S) {
  const M = classicSection({ id: "s2s", className: "section mlp-section s2s-section", titleId: "s2s-title", title: "Attention across training",
    sub: "where the decoder looks while it writes, checkpoint by checkpoint", bodyId: "s2s-body", bodyClass: "mlp-body s2s-body", loading: "Loading the checkpoints' attention…" });
  S.sections.s2s = M;
  return M.node;
}

/** A seq2seq run without attention: nothing to draw, and why. */
export function noAttentionNote() {
  return el("section", { class: "section s2s-section", id: "s2s-note" }, el("div", { class: "card s2s-note" }, [
    el("h2", { class: "section-title", text: "No attention to show" }),
    el("p", {}, ["This model was trained with ", el("code", { text: "--attention none" }), ": its decoder gets one summary of the whole input ",
      "(the encoder's final state) and never looks back at single characters, so there is no alignment to draw. Train with ",
      el("code", { text: "--attention bahdanau" }), " or ", el("code", { text: "luong" }), " to see where the model looks, and compare the exact match of the two runs."]),
  ]));
}

/** Fetches the figures; draws the view the first time, then hands it the new checkpoints. Before the first
 * checkpoint it says what it waits for. @param {RunState} S */
export async function loadS2S(S) {
  const M = S.sections.s2s;
  if (!M) return;
  const seq = ++M.seq;
  const d = S.runs[0].detail;
  try {
    const got = await figuresOrNone(S, "seq2seq");
    if (S.stopped || seq !== M.seq) return;
    if (!got) {
      if (!M.view) showNoFigures(S, M, { prefix: "s2s", appear: "the attention maps appear here", none: "No checkpoints with attention in this run. ",
        records: "records where the model looks on a few held-out examples; they appear here as they are written." });
      return;
    }
    if (got.length === M.count) return;
    M.count = got.length;
    S.s2sFigures = got;
    M.node.dataset.checkpoints = String(got.length);
    if (M.view) M.view.update(got);
    else {
      const exactMatch = () => api.scalars(d.id, "val/exact_match", { buckets: 500 }).then((r) => (r && r.buckets) || []);
      M.view = seq2seqView.render(M.body, { kind: "seq2seq", run: { id: d.id, name: d.name, status: d.status, step: d.step, config: d.hyper_parameters || {} }, figures: got },
        { translate: true, exactMatch });
    }
    M.node.dataset.state = "shown";
  } catch (err) {
    if (seq !== M.seq) return;
    M.node.dataset.state = "error";
    showError(S, err, "Could not show the checkpoints' attention");
  }
}

/** @param {RunState} S */
export function scheduleS2S(S) { scheduleClassic(S, S.sections.s2s, () => loadS2S(S)); }

/** A checkpoint row's Show. @param {RunState} S @param {number} step */
export function showS2S(S, step) { showInPlayer(S.sections.s2s, S.s2sFigures, step); }

/** A seq2seq run: where its decoder looks across the checkpoints (or why there is nothing to show). */
export const seq2seqPanel = definePanel({
  id: "run/seq2seq", title: "A seq2seq model's attention across the checkpoints", needs: ["runs", "sections"],
  /** @param {RunState} S */
  when: (S) => !S.compare && S.s2s,
  render: (S) => (hasAttention(S.runs[0].detail) ? buildS2S(S) : noAttentionNote()),
});
