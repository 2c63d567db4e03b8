/* Glassbox Studio, generate page: the interventions card (#intervene). Edits of the model's computation (an attention
 * head or an MLP neuron scaled or removed, a steering vector added), the prompt they run on, and two ways to see
 * them: Compare (the next-token distributions and greedy continuations with and without the edits,
 * generate-comparison.js) and Generate with edits (two generations side by side, generate-pair.js).
 * Steering: the vector is the residual stream of the "To" text minus that of the "From" text, so it pushes the model
 * away from the first text and towards the second ("from hate to love" = towards love). */
import { Job, intervene } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { busy, errorBox, note, refused } from "./generate-common.js";
import { drawComparison } from "./generate-comparison.js";
import { STEER_TITLE, addEdit, ivBegin, syncEdits } from "./generate-edits.js";
import { bindPairTooltip, generatePair } from "./generate-pair.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */
/** @typedef {import("./generate-edits.js").Interventions} Interventions */

/** Fills the card (ctx.ivCard) and returns its parts. @param {GenerateContext} ctx @returns {Interventions} */
export function buildInterventions(ctx) {
  const iv = /** @type {Interventions} */ ({ edits: [] });
  iv.editList = el("div", { class: "iv-edits", id: "edit-list" });
  iv.ivTokens = el("input", { id: "iv-tokens", class: "input mono", type: "number", min: "0", max: "256", step: "1", value: "12", title: "Greedy tokens each side writes after the prompt (0: only the next-token comparison)" });
  iv.ivPromptLine = el("div", { class: "iv-prompt", id: "iv-prompt" });
  iv.ivErrors = el("div", { class: "page-errors", id: "iv-errors" });
  iv.ivStatus = el("div", { class: "ins-status", id: "iv-status", role: "status", "aria-live": "polite" });
  iv.ivResult = el("div", { class: "iv-result", id: "iv-result" });
  iv.pairResult = el("div", { class: "iv-result", id: "pair-result" });
  const addBtn = (kind, text, title) => el("button", { type: "button", class: "btn small", id: "add-" + kind, title, onclick: () => addEdit(ctx, iv, kind) }, ["+ ", text]);
  iv.addSteer = addBtn("steer", "Steering vector", STEER_TITLE);
  ctx.ivCard.append(
    el("div", { class: "gen-card-head" }, [el("h2", { id: "iv-title", text: "Intervene" }),
      el("span", { class: "muted gen-card-sub", text: "Edit the model's computation and compare it with the plain model." })]),
    el("p", { class: "v-read" }, [el("b", { text: "How it works: " }), "a head's output or a neuron's activation is multiplied by the scale at every position (0 removes it, 1 changes nothing); " +
      "a steering vector (the residual stream of the \u201cto\u201d text minus that of the \u201cfrom\u201d text, entering the layer at their last token) is added at every position, times its scale: " +
      "it pushes the model away from the \u201cfrom\u201d text and towards the \u201cto\u201d text (from \u201chate\u201d to \u201clove\u201d steers towards love). " +
      "Give it prompts of a few words: a prompt's first token is an attention sink whose activations are huge, so one-token prompts give a vector that breaks the model."]),
    iv.editList,
    el("div", { class: "iv-add" }, [addBtn("head", "Head", "Scale or remove one attention head"), addBtn("neuron", "Neuron", "Scale or remove one MLP neuron"), iv.addSteer]),
    iv.ivPromptLine,
    el("div", { class: "iv-run" }, [
      el("label", { class: "field iv-narrow" }, [el("span", { class: "field-label", text: "Continue for" }), iv.ivTokens]),
      el("span", { class: "hint iv-tokens-hint", text: "greedy tokens" }),
      el("span", { class: "spacer" }),
      el("button", { type: "button", class: "btn primary", id: "iv-compare", onclick: () => compare(ctx) }, "Compare"),
      el("button", { type: "button", class: "btn", id: "iv-generate", onclick: () => generatePair(ctx), title: "Generate with the sampling settings above, first without the edits, then with them" }, "Generate with edits")]),
    iv.ivErrors, iv.ivStatus, iv.ivResult, iv.pairResult,
  );
  syncEdits(iv);
  return iv;
}

/** Drops a running comparison. @param {GenerateContext} ctx */
export function stopIv(ctx) {
  const r = ctx.live.iv;
  if (r) { r.dead = true; r.job.abort(); if (r.busy) r.busy.stop(); }
  ctx.live.iv = null;
}

/** Compare: the prompt with and without the edits (next-token distributions, greedy continuations). @param {GenerateContext} ctx */
async function compare(ctx) {
  const s = ivBegin(ctx, "intervene");
  if (!s) return;
  stopIv(ctx);
  const { live } = ctx, { ivStatus, ivResult, ivErrors } = ctx.iv;
  const r = { job: new Job(), dead: false, busy: null };
  live.iv = r;
  r.busy = busy("Comparing\u2026", s.n ? "The next-token distributions, then " + s.n + " greedy tokens each side." : "", () => r.job.abort(), "iv-busy", live.timers);
  clear(ivStatus).appendChild(r.busy.node);
  ivResult.classList.add("ins-stale");
  let doc;
  try {
    doc = await intervene([["model", ctx.modelID()], ["prompt", s.prompt]].concat(s.pairs, [["generate", String(s.n)], ["top_k", "8"]]), r.job);
  } catch (err) {
    r.busy.stop();
    if (live.iv !== r) return;
    clear(ivStatus);
    ivResult.classList.remove("ins-stale");
    if (err.name === "AbortError") { ctx.setData("intervene", "cancelled"); ivStatus.appendChild(note("Comparison cancelled.", "iv-cancelled")); return; }
    ctx.setData("intervene", "error");
    ivErrors.appendChild(errorBox(err, refused(err) ? "These edits cannot be applied" : "Could not compare", () => compare(ctx)));
    return;
  }
  r.busy.stop();
  if (live.iv !== r) return;
  live.iv = null;
  clear(ivStatus);
  ivResult.classList.remove("ins-stale");
  try { drawComparison(ivResult, doc); } catch (err) {
    ctx.setData("intervene", "error");
    ivErrors.appendChild(errorBox(err, "Could not draw the comparison"));
    return;
  }
  ctx.setData("intervene", "done");
}

/** The interventions card (#intervene). */
export const interventionsPanel = definePanel({
  id: "generate/interventions",
  title: "Interventions: edits of the model's computation against the plain model",
  needs: [],
  render: (state, /** @type {GenerateContext} */ ctx) => {
    ctx.ivCard = el("section", { class: "card gen-iv", id: "intervene", "aria-labelledby": "iv-title" });
    ctx.iv = buildInterventions(ctx);
    bindPairTooltip(ctx);
    return ctx.ivCard;
  },
});
