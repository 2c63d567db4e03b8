/* Glassbox Studio, inspect page: the activation patching tab's panel. The form (a clean and a corrupted prompt,
 * the clean answer and the wrong one), where its errors and progress go, and what shows before the first scan
 * (what patching measures, examples to try). */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { enterSubmits, field, modelID } from "./inspect-common.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {{model: string, clean: string, corrupted: string, answer: string, wrong: string}} PatchValues */

/**
 * @typedef {Object} PatchForm
 * @property {HTMLElement} panel  #patch-panel
 * @property {HTMLFormElement} form
 * @property {HTMLTextAreaElement} clean
 * @property {HTMLTextAreaElement} corrupted
 * @property {HTMLInputElement} answer
 * @property {HTMLInputElement} wrong
 * @property {HTMLElement} errors
 * @property {HTMLElement} status
 * @property {HTMLElement} out  where the scan is drawn
 */

const PATCH_EXAMPLES = [
  { clean: "The capital of France is", corrupted: "The capital of Italy is", answer: " Paris", wrong: " Rome", note: "5 tokens" },
  { clean: "When Mary and John went to the store, John gave a drink to", corrupted: "When Mary and John went to the store, Mary gave a drink to",
    answer: " Mary", wrong: " John", note: "14 tokens: slower" },
];

/** @param {InspectContext} ctx @returns {PatchForm} */
export function patchForm(ctx) {
  const clean = el("textarea", { id: "patch-clean", class: "input ins-textarea", rows: "2", spellcheck: "false", placeholder: "The capital of France is" });
  const corrupted = el("textarea", { id: "patch-corrupted", class: "input ins-textarea", rows: "2", spellcheck: "false", placeholder: "The capital of Italy is" });
  const answer = el("input", { id: "patch-answer", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "' Paris'" });
  const wrong = el("input", { id: "patch-wrong", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "' Rome'" });
  const form = el("form", { class: "card ins-form", id: "patch-form", novalidate: true }, [
    el("div", { class: "ins-two" }, [
      field("field", "Clean prompt", clean),
      field("field", "Corrupted prompt (same number of tokens)", corrupted),
    ]),
    el("div", { class: "ins-row", id: "patch-row" }, [
      field("field ins-narrow", "Answer (clean)", answer),
      field("field ins-narrow", "Wrong answer (corrupted)", wrong),
      el("span", { class: "hint ins-hint", title: "The answers are single tokens: a word after a space is usually its own token with the space" }, "Mind the leading space: \u201c Paris\u201d"),
      el("span", { class: "spacer" }),
      el("button", { type: "submit", class: "btn primary", id: "patch-btn" }, "Patch"),
    ]),
  ]);
  const errors = el("div", { class: "page-errors", id: "patch-errors" });
  const status = el("div", { class: "ins-status", id: "patch-status", role: "status", "aria-live": "polite" });
  const out = el("div", { class: "ins-out", id: "patch-out" });
  const panel = el("section", { id: "patch-panel", role: "tabpanel", "aria-labelledby": "tab-patch", hidden: true }, [form, errors, status, out]);
  enterSubmits(clean, form);
  enterSubmits(corrupted, form);
  form.addEventListener("submit", (e) => { e.preventDefault(); ctx.act.patch(true); });
  return { panel, form, clean, corrupted, answer, wrong, errors, status, out };
}

/** The form's values. @param {InspectContext} ctx @returns {PatchValues} */
export function readPatchForm(ctx) {
  const f = ctx.patchForm;
  return { model: modelID(ctx), clean: f.clean.value, corrupted: f.corrupted.value, answer: f.answer.value, wrong: f.wrong.value };
}

/** Fills the form. @param {InspectContext} ctx @param {{clean: string, corrupted: string, answer: string, wrong: string}} s */
export function fillPatchForm(ctx, s) {
  const f = ctx.patchForm;
  f.clean.value = s.clean; f.corrupted.value = s.corrupted; f.answer.value = s.answer; f.wrong.value = s.wrong;
}

/** Before the first scan: what patching measures, and examples to try. @param {InspectContext} ctx */
export function patchEmpty(ctx) {
  return el("div", { class: "card ins-empty", id: "patch-empty" }, [
    el("h2", { text: "Which parts carry the answer?" }),
    el("p", { class: "muted", text: "Activation patching runs the corrupted prompt with one activation copied over from the clean prompt, one place at a time, and measures how much of the clean answer comes back (the logit difference of the answer over the wrong answer). " +
      "It scans every layer at every position of the residual stream and every attention head. The two prompts must have the same number of tokens." }),
    el("p", { class: "muted", text: "A scan runs the model once for each layer and position and once for each layer and head: on a small CPU, a minute or more." }),
    el("div", { class: "ins-examples-title", text: "Try one" }),
    el("div", { class: "ins-examples" }, PATCH_EXAMPLES.map((x, i) => el("button", { type: "button", class: "ins-example", "data-example": i, onclick: () => {
      fillPatchForm(ctx, x);
      ctx.act.patch(true);
    } }, [el("span", { class: "ins-example-text", text: x.clean + " \u2192 " + JSON.stringify(x.answer) }),
      el("span", { class: "ins-example-note", text: "vs " + x.corrupted + " \u2192 " + JSON.stringify(x.wrong) + " · " + x.note })]))),
  ]);
}

/** The activation patching tab (#patch-panel): its form, and what shows before the first scan. */
export const patchFormPanel = definePanel({
  id: "inspect/patch-form",
  title: "activation patching: the form, its progress and the scan",
  needs: ["clean", "corrupted", "answer", "wrong"],
  render: (state, ctx) => {
    ctx.patchForm = patchForm(ctx);
    ctx.patchForm.out.appendChild(patchEmpty(ctx));
    return ctx.patchForm.panel;
  },
});
