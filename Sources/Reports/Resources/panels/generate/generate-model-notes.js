/* Glassbox Studio, generate page: the notes about the models (#model-notes): none to generate with, the address's
 * model missing, the list that could not be read (filled by generate-form.js's loadModels). */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */

/** The notes about the models, empty until the models are listed. */
export const modelNotesPanel = definePanel({
  id: "generate/model-notes",
  title: "Notes about the models",
  needs: [],
  render: (state, /** @type {GenerateContext} */ ctx) => (ctx.modelNotes = el("div", { class: "page-errors", id: "model-notes" })),
});
