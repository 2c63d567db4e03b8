/* Glassbox Studio, generate page: the address is the form's state — the model, the mode (chat=1), the prompt (text
 * mode), the system prompt (chat mode) and the sampling settings that differ from their defaults — held by one store
 * (lib/url-state.js): written in place when a generation starts, shown again in the form on Back and Forward. */
import { urlStore } from "../../lib/url-state.js";
import { SETTINGS } from "./generate-common.js";
import { fillForm, setMode } from "./generate-form.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */
/** @typedef {import("../../lib/url-state.js").Field} Field */
/** @typedef {ReturnType<typeof urlStore>} AddressStore */

/** A sampling setting's field: a number within its input's limits, left out of the address at its default (the
 * seed has none: absent, it is random). @param {string} key @returns {Field} */
function settingField(key) {
  const s = SETTINGS.find((x) => x.key === key);
  if (!s) throw new Error("no sampling setting " + key);
  /** @type {Field} */
  const field = { type: s.int ? "int" : "number", default: s.def === "" ? undefined : s.def, min: s.min, max: s.max };
  return field;
}

/** The address's fields, in the order they are written (the query parameters of /generate).
 * @type {import("../../lib/url-state.js").Schema} */
export const GENERATE_ADDRESS = {
  model: { type: "string" },
  chat: { type: "bool" },
  prompt: { type: "string" },
  system: { type: "string" },
  max_tokens: settingField("max_tokens"),
  temperature: settingField("temperature"),
  top_k: settingField("top_k"),
  top_p: settingField("top_p"),
  min_p: settingField("min_p"),
  repeat_penalty: settingField("repeat_penalty"),
  seed: settingField("seed"),
};

/** The page's store; Back and Forward show the address in the form. @param {GenerateContext} ctx @returns {AddressStore} */
export function generateStore(ctx) {
  return urlStore(GENERATE_ADDRESS, (state) => showAddress(ctx, state));
}

/** The address keeps the model, the mode, the prompt (chat: none, the conversation is not in the address), the
 * system prompt of a chat and the settings (checked by readSettings). @param {GenerateContext} ctx @param {string} prompt */
export function saveAddress(ctx, prompt) {
  const f = ctx.form, chat = ctx.mode === "chat";
  /** @type {Object<string, any>} */
  const patch = { model: ctx.modelID(), chat, prompt: prompt || null, system: chat && f.systemInput.value.trim() ? f.systemInput.value : null };
  for (const s of SETTINGS) {
    const v = f.inputs[s.key].value.trim();
    patch[s.key] = v !== "" ? Number(v) : s.def === "" ? null : s.def;
  }
  ctx.store.set(patch, { silent: true });
}

/** Shows an address in the form (Back and Forward): its model if listed, its mode, its prompt and settings.
 * @param {GenerateContext} ctx @param {Object<string, any>} state */
export function showAddress(ctx, state) {
  if (state.model && ctx.live.models.some((m) => m.id === state.model)) ctx.form.modelSelect.value = state.model;
  setMode(ctx, state.chat ? "chat" : "text");
  fillForm(ctx.form, state);
  ctx.showIvPrompt();
}
