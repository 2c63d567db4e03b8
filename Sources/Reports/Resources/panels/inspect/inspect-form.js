/* Glassbox Studio, inspect page: the inspect tab's panel. The form (prompt, the token to explain and the one to
 * explain it against, the attribution steps, the options a link brought), where its errors and progress go, and
 * what shows before the first run (what the analysis shows, examples to try). */
import { clear, el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { icon } from "../../lib/ui.js";
import { DEFAULT_STEPS, STEP_CHOICES, enterSubmits, field, modelID } from "./inspect-common.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */

/**
 * @typedef {Object} InspectForm
 * @property {HTMLElement} panel  #inspect-panel
 * @property {HTMLFormElement} form
 * @property {HTMLTextAreaElement} prompt
 * @property {HTMLInputElement} target
 * @property {HTMLInputElement} contrast
 * @property {HTMLSelectElement} steps
 * @property {HTMLElement} extras  the options that came with a link, each removable
 * @property {HTMLElement} errors
 * @property {HTMLElement} status
 * @property {HTMLElement} out  where the analysis is drawn
 */

const EXAMPLES = [
  { prompt: "The Eiffel Tower is located in the city of", note: "a fact: watch the answer appear in the late layers" },
  { prompt: "When Mary and John went to the store, John gave a drink to", note: "indirect object: which heads carry the name" },
  { prompt: "北京是中国的", note: "Chinese: characters split into byte-level tokens" },
];

/** @param {InspectContext} ctx @returns {InspectForm} */
export function inspectForm(ctx) {
  const prompt = el("textarea", { id: "prompt-input", class: "input ins-textarea", rows: "2", spellcheck: "false", autocomplete: "off",
    placeholder: "Type a prompt: the model predicts the token after it", "aria-describedby": "prompt-hint" });
  const target = el("input", { id: "target-input", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "the predicted next token",
    title: "The token whose logit the attributions explain: the first token of this text (mind the leading space: ' Paris'). Empty: the model's own prediction." });
  const contrast = el("input", { id: "contrast-input", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "another token",
    title: "Explain the target against this token (its first token): the attributions and the direct logit attribution then read logit(target) \u2212 logit(this), " +
      "the question \u201cwhy this rather than that?\u201d. Empty: the target's own logit." });
  const steps = el("select", { id: "steps-select", class: "select", title: "Gradient evaluations of integrated gradients: more is slower and closes the completeness gap" },
    STEP_CHOICES.map((n) => el("option", { value: String(n), text: n + (n === DEFAULT_STEPS ? " (default)" : "") })));
  steps.value = String(DEFAULT_STEPS);
  // options that came with a link (layers=, baseline=, rule=, top_k=, neuron=): shown, each removable
  const extras = el("div", { class: "ins-extras", id: "inspect-extras", hidden: true });
  const form = el("form", { class: "card ins-form", id: "inspect-form", novalidate: true }, [
    el("div", { class: "field ins-prompt-field" }, [
      el("div", { class: "ins-label-line" }, [
        el("label", { class: "field-label", for: "prompt-input", text: "Prompt" }),
        el("span", { class: "hint ins-hint", id: "prompt-hint" }, [el("kbd", { text: "Enter" }), " runs \u00b7 ", el("kbd", { text: "Shift" }), "+", el("kbd", { text: "Enter" }), " adds a line"]),
      ]),
      prompt]),
    el("div", { class: "ins-row", id: "inspect-row" }, [
      field("field ins-target", "Why this token? (optional)", target),
      field("field ins-target", "\u2026rather than (optional)", contrast),
      field("field ins-narrow", "Attribution steps", steps),
      el("span", { class: "spacer" }),
      el("button", { type: "submit", class: "btn primary", id: "inspect-btn" }, "Inspect"),
    ]),
    extras,
  ]);
  const errors = el("div", { class: "page-errors", id: "inspect-errors" });
  const status = el("div", { class: "ins-status", id: "inspect-status", role: "status", "aria-live": "polite" });
  const out = el("div", { class: "ins-out", id: "inspect-out" });
  const panel = el("section", { id: "inspect-panel", role: "tabpanel", "aria-labelledby": "tab-inspect" }, [form, errors, status, out]);
  enterSubmits(prompt, form);
  form.addEventListener("submit", (e) => { e.preventDefault(); ctx.act.inspect(true); });
  return { panel, form, prompt, target, contrast, steps, extras, errors, status, out };
}

/** Shows the options a link brought (each removable) and keeps them in the state for the next runs.
 * @param {InspectContext} ctx @param {Object<string, string>} pass */
export function setExtras(ctx, pass) {
  const { extras } = ctx.form;
  ctx.state.pass = Object.assign({}, pass);
  const keys = Object.keys(ctx.state.pass);
  extras.hidden = !keys.length;
  clear(extras);
  if (!keys.length) return;
  extras.append(el("span", { class: "field-label", text: "Also from the link" }), ...keys.map((k) => el("span", { class: "ins-extra" }, [
    el("code", { text: k + "=" + ctx.state.pass[k] }),
    el("button", { type: "button", class: "icon-btn", title: "Leave out " + k, "aria-label": "Leave out " + k + " (from the next run on)", onclick: () => {
      const rest = Object.assign({}, ctx.state.pass);
      delete rest[k];
      setExtras(ctx, rest);
      ctx.form.prompt.focus();
    } }, icon("close")),
  ])));
}

/** The form's values. @param {InspectContext} ctx @returns {import("./inspect-common.js").InspectRun["s"]} */
export function readInspectForm(ctx) {
  const f = ctx.form, steps = parseInt(f.steps.value, 10);
  return { model: modelID(ctx), prompt: f.prompt.value, target: f.target.value, contrast: f.contrast.value,
    steps: Number.isInteger(steps) ? steps : DEFAULT_STEPS, pass: ctx.state.pass || {} };
}

/** Before the first run: what the analysis shows, and examples to try. @param {InspectContext} ctx */
export function inspectEmpty(ctx) {
  return el("div", { class: "card ins-empty", id: "inspect-empty" }, [
    el("h2", { text: "Look inside a prediction" }),
    el("p", { class: "muted", text: "Type a prompt and the model runs once on it. You see what it predicts next and how it got there:" }),
    el("ul", { class: "ins-list" }, [
      el("li", {}, [el("b", { text: "Logit lens" }), " \u2014 what every layer would predict, token by token"]),
      el("li", {}, [el("b", { text: "Contribution graph" }), " \u2014 the routes information took to the prediction, through attention and MLPs"]),
      el("li", {}, [el("b", { text: "Attention" }), " \u2014 each head's pattern; click one for its head view"]),
      el("li", {}, [el("b", { text: "Direct logit attribution" }), " \u2014 which layers and heads push the predicted token up or down"]),
      el("li", {}, [el("b", { text: "MLP neurons" }), " \u2014 the units that fire hardest on each token"]),
      el("li", {}, [el("b", { text: "Attributions" }), " \u2014 which prompt tokens drove the prediction (integrated gradients; computed last, as it takes longer)"]),
    ]),
    el("div", { class: "ins-examples-title", text: "Try one" }),
    el("div", { class: "ins-examples" }, EXAMPLES.map((x, i) => el("button", { type: "button", class: "ins-example", "data-example": i, onclick: () => {
      ctx.form.prompt.value = x.prompt; ctx.form.target.value = ""; ctx.act.inspect(true);
    } }, [el("span", { class: "ins-example-text", text: x.prompt }), el("span", { class: "ins-example-note", text: x.note })]))),
  ]);
}

/** The inspect tab (#inspect-panel): its form, and what shows before the first run. */
export const inspectFormPanel = definePanel({
  id: "inspect/form",
  title: "inspect a prompt: the form, its progress and the analysis",
  needs: ["prompt", "target", "contrast", "steps", "pass"],
  render: (state, ctx) => {
    ctx.form = inspectForm(ctx);
    ctx.form.out.appendChild(inspectEmpty(ctx));
    if (state.tab !== "diff") ctx.form.prompt.value = state.prompt;
    return ctx.form.panel;
  },
});
