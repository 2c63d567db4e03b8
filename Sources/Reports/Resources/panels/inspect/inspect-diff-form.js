/* Glassbox Studio, inspect page: the compare tab's panel. The form (two models, a and b, with a picker of the runs
 * that have two checkpoints or more; one prompt, the token to explain, and whether the prompt goes in model a's chat
 * template), where its errors and progress go, the text the models read (#diff-read), and what shows before the
 * first comparison (what it shows, the runs to try). */
import { el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { enterSubmits, field } from "./inspect-common.js";
import { diffExample, pickRun, syncDiffRun } from "./inspect-diff-models.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */

/**
 * @typedef {Object} DiffForm
 * @property {HTMLElement} panel  #diff-panel
 * @property {HTMLFormElement} form
 * @property {HTMLSelectElement} run  the run whose first and last checkpoints a and b are
 * @property {HTMLElement} runField
 * @property {HTMLSelectElement} a
 * @property {HTMLSelectElement} b
 * @property {HTMLTextAreaElement} prompt
 * @property {HTMLInputElement} target
 * @property {HTMLInputElement} chat  #diff-chat: the prompt as a user's message in a's chat template (checked by default)
 * @property {HTMLElement} errors
 * @property {HTMLElement} status
 * @property {HTMLElement} read  #diff-read: the text the models read, above the comparison
 * @property {HTMLElement} out  where the comparison is drawn
 */

/** The two model pickers' label: the side's mark and its name. @param {string} side @param {string} label @param {HTMLElement} picker */
function sideField(side, label, picker) {
  return el("label", { class: "field ins-model" }, [el("span", { class: "field-label" }, [el("span", { class: "v-side v-side-" + side, text: side }), " " + label]), picker]);
}

/** @param {InspectContext} ctx @returns {DiffForm} */
export function diffForm(ctx) {
  const run = el("select", { id: "diff-run", class: "select", "aria-label": "A run: its first and last checkpoints",
    title: "Pick a run: a becomes its first checkpoint and b its last" });
  const a = el("select", { id: "diff-a", class: "select", "aria-label": "Model a (before)", disabled: true }, el("option", { text: "Loading models\u2026" }));
  const b = el("select", { id: "diff-b", class: "select", "aria-label": "Model b (after)", disabled: true }, el("option", { text: "Loading models\u2026" }));
  const swap = el("button", { type: "button", class: "icon-btn ins-swap", id: "diff-swap", title: "Swap a and b", "aria-label": "Swap a and b" }, "\u21c4");
  const prompt = el("textarea", { id: "diff-prompt", class: "input ins-textarea", rows: "2", spellcheck: "false", autocomplete: "off",
    placeholder: "A prompt both models read: they predict the token after it" });
  const target = el("input", { id: "diff-target", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "a's prediction",
    title: "The token whose logit the comparison explains (its first token; mind the leading space). Empty: model a's own prediction." });
  const chat = el("input", { type: "checkbox", id: "diff-chat", checked: true });
  const chatField = el("label", { class: "control check ins-chat", id: "diff-chat-field", style: { alignSelf: "center", paddingTop: "18px" },
    title: "Ask the prompt as a user's message in model a's chat template, the assistant's turn about to begin: how a chat model and its " +
      "fine-tuned version are used (on the raw text both mostly predict the end of a turn). Off: the raw text. A model without a template reads the raw text." },
  [chat, el("span", { text: "In the chat template" })]);
  const runField = el("label", { class: "field ins-narrow", id: "diff-run-field" }, [el("span", { class: "field-label", text: "Checkpoints of" }), run]);
  const form = el("form", { class: "card ins-form", id: "diff-form", novalidate: true }, [
    el("div", { class: "ins-row ins-diff-models" }, [runField, sideField("a", "Before", a), swap, sideField("b", "After", b)]),
    el("div", { class: "field ins-prompt-field" }, [
      el("div", { class: "ins-label-line" }, [
        el("label", { class: "field-label", for: "diff-prompt", text: "Prompt" }),
        el("span", { class: "hint ins-hint" }, [el("kbd", { text: "Enter" }), " compares \u00b7 ", el("kbd", { text: "Shift" }), "+", el("kbd", { text: "Enter" }), " adds a line"]),
      ]),
      prompt]),
    el("div", { class: "ins-row", id: "diff-row" }, [
      field("field ins-target", "Explain which token? (optional)", target),
      chatField,
      el("span", { class: "spacer" }),
      el("button", { type: "submit", class: "btn primary", id: "diff-btn" }, "Compare"),
    ]),
  ]);
  const errors = el("div", { class: "page-errors", id: "diff-errors" });
  const status = el("div", { class: "ins-status", id: "diff-status", role: "status", "aria-live": "polite" });
  const read = el("div", { class: "ins-out ins-read", id: "diff-read", hidden: true });
  const out = el("div", { class: "ins-out", id: "diff-out" });
  const panel = el("section", { id: "diff-panel", role: "tabpanel", "aria-labelledby": "tab-diff", hidden: true }, [form, errors, status, read, out]);
  const self = { panel, form, run, runField, a, b, prompt, target, chat, errors, status, read, out };
  run.addEventListener("change", () => { if (run.value) pickRun(ctx, run.value); });
  a.addEventListener("change", () => syncDiffRun(ctx));
  b.addEventListener("change", () => syncDiffRun(ctx));
  // a comparison shown (or running) is asked again with the other text
  chat.addEventListener("change", () => { if (ctx.live.diff && prompt.value.trim()) ctx.act.diff(true); });
  swap.addEventListener("click", () => { const x = a.value; a.value = b.value; b.value = x; syncDiffRun(ctx); });
  enterSubmits(prompt, form);
  form.addEventListener("submit", (e) => { e.preventDefault(); ctx.act.diff(true); });
  return self;
}

/** The form's values. @param {InspectContext} ctx */
export function readDiffForm(ctx) {
  const f = ctx.diffForm;
  return { a: f.a.value, b: f.b.value, prompt: f.prompt.value, target: f.target.value, chat: f.chat.checked };
}

/** Before the first comparison: what it shows, and the runs to try (their first and last checkpoints). @param {InspectContext} ctx */
export function diffEmpty(ctx) {
  const runs = [...(ctx.live.runs || new Map())].slice(0, 4);
  const onPrompt = ctx.diffForm.prompt.value.trim() ? ", on the prompt above" : ", on its first probe";
  return el("div", { class: "card ins-empty", id: "diff-empty" }, [
    el("h2", { text: "What changed between two checkpoints?" }),
    el("p", { class: "muted", text: "Pick two versions of one model (two checkpoints of a training run, a before and an after) and a prompt. " +
      "Both run once on it, and you see what changed inside:" }),
    el("ul", { class: "ins-list" }, [
      el("li", {}, [el("b", { text: "Predictions" }), " \u2014 both next-token distributions side by side, and how far apart they are (KL divergence)"]),
      el("li", {}, [el("b", { text: "Layers" }), " \u2014 how much each layer's attention and MLP write the predicted token, before and after"]),
      el("li", {}, [el("b", { text: "Heads" }), " \u2014 which heads changed their effect on it, whose attention moved, and where they look now"]),
      el("li", {}, [el("b", { text: "Neurons" }), " \u2014 the MLP units whose activation changed most"]),
    ]),
    runs.length
      ? [el("div", { class: "ins-examples-title", text: "Try one" }),
        el("div", { class: "ins-examples" }, runs.map(([k, r]) => el("button", { type: "button", class: "ins-example", "data-run": k, onclick: () => diffExample(ctx, k) }, [
          el("span", { class: "ins-example-text", text: r.name + ": step " + int(r.ids[0][0]) + " \u2192 step " + int(r.ids[r.ids.length - 1][0]) }),
          el("span", { class: "ins-example-note", text: "its first and last checkpoints" + onPrompt })])))]
      : el("p", { class: "muted", id: "diff-no-runs" }, ["No run here has two checkpoints yet: train one with ", el("code", { text: "glassbox train --checkpoint-interval N" }),
        ". Any two models of the same shape and vocabulary compare too."]),
  ]);
}

/** The compare tab (#diff-panel): its form, and what shows before the first comparison. */
export const diffFormPanel = definePanel({
  id: "inspect/diff-form",
  title: "compare models: the form, the text the models read, its progress and the comparison",
  needs: ["a", "b", "prompt", "target", "chat"],
  render: (state, ctx) => {
    ctx.diffForm = diffForm(ctx);
    ctx.diffForm.out.appendChild(diffEmpty(ctx));
    return ctx.diffForm.panel;
  },
});
