/* Glassbox Studio, generate page: the edits of the interventions card. Each edit's fields (a head or a neuron:
 * layer, index, scale; a steering vector: layer, "From (away from)", "To (towards)", scale), the edits read as query
 * parameters (edits=head:L:H:S,neuron:L:N:S and steer_layer, steer_from, steer_to, steer_scale), and the prompt they
 * run on. The steering vector is resid(steer_to text) - resid(steer_from text): it pushes the model away from the
 * "From" text and towards the "To" text. */
import { clear, el } from "../../lib/dom.js";
import { icon } from "../../lib/ui.js";
import { clip, note } from "./generate-common.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */

/**
 * @typedef {Object} Interventions  the card's elements and edits (ctx.iv)
 * @property {{kind: string, n: number, node?: HTMLElement}[]} edits
 * @property {HTMLElement} editList
 * @property {HTMLInputElement} ivTokens
 * @property {HTMLElement} ivPromptLine
 * @property {HTMLElement} ivErrors
 * @property {HTMLElement} ivStatus
 * @property {HTMLElement} ivResult
 * @property {HTMLElement} pairResult
 * @property {HTMLButtonElement} addSteer
 */

export const STEER_TITLE = "Add a steering vector: (activation of 'to') \u2212 (activation of 'from') at a layer, at every position: away from the first text, towards the second";

/** @param {string} id @param {number} value @param {Object<string, string>} attrs @param {string} label */
function numberInput(id, value, attrs, label) {
  return el("label", { class: "field iv-field" }, [el("span", { class: "field-label", text: label }),
    el("input", Object.assign({ id, class: "input mono", type: "number", value: String(value) }, attrs))]);
}

/** A text field of the steering vector. @param {string} id @param {string} label @param {string} value @param {string} title */
function textInput(id, label, value, title) {
  return el("label", { class: "field iv-text", title }, [el("span", { class: "field-label", text: label }),
    el("input", { id, class: "input", type: "text", value, spellcheck: "false" })]);
}

/** The fields of a new edit of a kind (head, neuron, steer), numbered n. @param {string} kind @param {number} n */
function editFields(kind, n) {
  const p = "edit-" + n + "-";
  if (kind === "head") {
    return [numberInput(p + "layer", 0, { min: "0", step: "1" }, "Layer"), numberInput(p + "head", 0, { min: "0", step: "1" }, "Head"),
      numberInput(p + "scale", 0, { step: "0.1", title: "0 removes it, 1 changes nothing, 2 doubles it" }, "Scale")];
  }
  if (kind === "neuron") {
    return [numberInput(p + "layer", 0, { min: "0", step: "1" }, "Layer"), numberInput(p + "index", 0, { min: "0", step: "1" }, "Neuron"),
      numberInput(p + "scale", 0, { step: "0.1", title: "0 removes it, 1 changes nothing" }, "Scale")];
  }
  return [numberInput(p + "layer", 6, { min: "0", step: "1" }, "Layer"),
    textInput(p + "from", "From (away from)", "I love Rome", "The text the model is pushed away from"),
    textInput(p + "to", "To (towards)", "I love Paris", "The text the model is pushed towards"),
    numberInput(p + "scale", 1, { step: "0.25", title: "How much of the vector is added: around 1 steers, several times that tends to break the text" }, "Scale")];
}

/** The steering vector's one-line explanation, on a line of its own below its fields. @param {number} n */
const steerHint = (n) => el("span", { class: "hint iv-steer-hint", id: "edit-" + n + "-hint", style: { flexBasis: "100%" },
  text: "Adds the direction from the first text to the second: away from \u201cFrom\u201d, towards \u201cTo\u201d." });

/** Adds an edit (one steering vector at most). @param {GenerateContext} ctx @param {Interventions} iv @param {string} kind */
export function addEdit(ctx, iv, kind) {
  const { edits } = iv;
  if (kind === "steer" && edits.some((e) => e.kind === "steer")) return;
  const n = ++ctx.live.seq;
  const e = { kind, n, node: null };
  const name = { head: "Attention head", neuron: "MLP neuron", steer: "Steering vector" }[kind];
  e.node = el("div", { class: "iv-edit", dataset: { kind }, id: "edit-" + n }, [
    el("span", { class: "iv-kind", text: name }), editFields(kind, n), el("span", { class: "spacer" }),
    el("button", { type: "button", class: "icon-btn", title: "Remove this edit", "aria-label": "Remove this edit (" + name + ")", onclick: () => {
      edits.splice(edits.indexOf(e), 1); e.node.remove(); syncEdits(iv);
    } }, icon("close")),
    kind === "steer" ? steerHint(n) : null]);
  edits.push(e);
  iv.editList.appendChild(e.node);
  syncEdits(iv);
  const first = e.node.querySelector("input");
  if (first) first.focus();
}

/** The add buttons and the empty list's line after a change. @param {Interventions} iv */
export function syncEdits(iv) {
  const { addSteer, editList, edits } = iv;
  addSteer.disabled = edits.some((e) => e.kind === "steer");
  addSteer.title = addSteer.disabled ? "One steering vector at a time" : STEER_TITLE;
  if (!edits.length) clear(editList).appendChild(el("p", { class: "muted iv-none", text: "No edits yet: add a head, a neuron or a steering vector." }));
  else { const none = editList.querySelector(".iv-none"); if (none) none.remove(); }
}

/** The edits as query pairs (edits=head:L:H:S,neuron:L:N:S and steer_layer, steer_from, steer_to, steer_scale);
 * throws on a bad field. @param {Interventions} iv @returns {[string, string][]} */
function readEdits(iv) {
  const list = [];
  /** @type {[string, string][]} */
  const pairs = [];
  const value = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id)).value;
  const num = (id, whole) => {
    const input = /** @type {HTMLInputElement} */ (document.getElementById(id)), v = Number(input.value);
    input.classList.remove("invalid");
    if (input.value.trim() === "" || !Number.isFinite(v) || (whole && (!Number.isInteger(v) || v < 0))) {
      input.classList.add("invalid"); input.focus();
      throw new Error((whole ? "a whole number of 0 or more" : "a number") + " is needed here");
    }
    return v;
  };
  for (const e of iv.edits) {
    const p = "edit-" + e.n + "-";
    if (e.kind === "head") list.push("head:" + num(p + "layer", true) + ":" + num(p + "head", true) + ":" + num(p + "scale"));
    else if (e.kind === "neuron") list.push("neuron:" + num(p + "layer", true) + ":" + num(p + "index", true) + ":" + num(p + "scale"));
    else {
      const from = value(p + "from"), to = value(p + "to");
      if (!from || !to) throw new Error("A steering vector needs both texts: \u201cFrom\u201d (away from) and \u201cTo\u201d (towards).");
      pairs.push(["steer_layer", String(num(p + "layer", true))], ["steer_from", from], ["steer_to", to], ["steer_scale", String(num(p + "scale"))]);
    }
  }
  if (list.length) pairs.unshift(["edits", list.join(",")]);
  return pairs;
}

/** The prompt the interventions run on: the prompt box, or in chat mode the conversation's last prompt as fed.
 * @param {GenerateContext} ctx */
function ivPrompt(ctx) {
  const last = ctx.conv.last;
  if (ctx.mode === "chat" && last && last.start) return { text: last.start.prompt_text, from: "the conversation's last prompt, as fed (chat template applied)" };
  return { text: ctx.form.promptInput.value, from: ctx.mode === "chat" ? "your message as plain text (no chat template: send it first to use the conversation)" : "the prompt above" };
}

/** Shows the prompt the interventions run on. @param {GenerateContext} ctx */
export function showIvPrompt(ctx) {
  const p = ivPrompt(ctx);
  clear(ctx.iv.ivPromptLine).append(el("span", { class: "field-label", text: "Prompt" }), " ",
    p.text.trim() ? el("span", { class: "iv-prompt-text", title: p.text, text: clip(p.text.replace(/\n/g, "\u21b5"), 140) }) : el("span", { class: "muted", text: "(type one above)" }),
    el("span", { class: "muted", text: " \u2014 " + p.from }));
}

/** The prompt, the edits and the token count, checked (a notice says what is missing); marks data-[key] running.
 * @param {GenerateContext} ctx @param {string} key @returns {{prompt: string, pairs: [string, string][], n: number}|null} */
export function ivBegin(ctx, key) {
  const iv = ctx.iv, { ivErrors, ivTokens } = iv;
  clear(ivErrors);
  const p = ivPrompt(ctx);
  if (!p.text.trim()) { ivErrors.appendChild(note("Type a prompt above first.", "iv-missing")); return null; }
  let pairs;
  try { pairs = readEdits(iv); } catch (err) { ivErrors.appendChild(note(err.message, "iv-invalid")); return null; }
  if (!pairs.length) { ivErrors.appendChild(note("Add an edit first: a head, a neuron or a steering vector.", "iv-no-edits")); return null; }
  const n = Number(ivTokens.value);
  if (!Number.isInteger(n) || n < 0 || n > 256) { ivTokens.classList.add("invalid"); ivErrors.appendChild(note("Continue for: a whole number from 0 to 256.", "iv-invalid")); return null; }
  ivTokens.classList.remove("invalid");
  ctx.setData(key, "running");
  return { prompt: p.text, pairs, n };
}

