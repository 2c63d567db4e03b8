/* Glassbox Studio: the models page (/models): every model the studio can open — the bundled one, those given with
 * `serve --model`, and every checkpoint of every run (fine-tuning adapters included) — each with links to its card,
 * the inspect page and the generate page. The page reads the list and mounts its panels (PANELS: panels/models/,
 * each declared with lib/panels.js's definePanel); it has no filter, so nothing of it lives in the address. */
import { models } from "../api.js";
import { clear, el } from "../lib/dom.js";
import { mountPanels } from "../lib/panels.js";
import { ready } from "../lib/ui.js";
import { groupModels } from "../panels/models/models-groups.js";
import { modelsHeadPanel } from "../panels/models/models-head.js";
import { modelsListPanel } from "../panels/models/models-list.js";

/** @typedef {import("../panels/models/models-list.js").ModelsState} ModelsState */

/** The page, top to bottom. */
export const PANELS = [modelsHeadPanel, modelsListPanel];

/** Draws the page into app; returns its cleanup. @param {HTMLElement} app */
export function modelsPage(app) {
  const ctrl = new AbortController();
  /** @type {ModelsState} */
  const state = { models: null, error: null };
  const page = el("div", { class: "page models-page" });
  const draw = () => { mountPanels(clear(page), PANELS, state); };
  draw();
  app.appendChild(page);
  models(ctrl.signal).then((list) => {
    state.models = list || [];
    draw();
    ready();
  }).catch((err) => {
    if (err && err.name === "AbortError") return;
    state.error = err;
    draw();
    ready();
  });
  return () => ctrl.abort();
}

export { groupModels };
