/* Glassbox Studio: the model page (/models/{id}), a model's card: its size class, where its parameters are, its
 * architecture (a diagram and a tree), how its weights are stored (types and bytes) and statistics of every weight
 * matrix (a layers × kind heatmap; a click shows that matrix's histogram). The document is the model's card
 * (api.js modelCard; docs/studio-api.md). This module holds the page's state (the weight shown lives in the address:
 * ?weight=NAME, a new history entry per choice, so that Back and Forward show the weights chosen before), reads the
 * card and the list of models, and mounts the panels of panels/model/ in order (model-card.js mounts the card's).
 *
 * For tests: #model-page carries data-state (loading | shown | error); #size-class[data-class], #param-split,
 * #arch-diagram, #arch-tree (details.mt-node), #types-table, #weight-grid (td.wg-cell[data-name]), #weight-detail
 * [data-name], #weight-hist (a canvas; data-drawn, data-bins), #weights-table. */
import { modelCard as fetchCard } from "../api.js";
import { clear, el } from "../lib/dom.js";
import { mountPanels } from "../lib/panels.js";
import { errorBox, ready } from "../lib/ui.js";
import { urlStore } from "../lib/url-state.js";
import { SIZE_CLASSES, partOf } from "../panels/model/model-card-common.js";
import { cardPanel, renderCard } from "../panels/model/model-card.js";
import { crumbsPanel } from "../panels/model/model-crumbs.js";
import { fetchModels, headPanel, modelEntry, modelName } from "../panels/model/model-head.js";
import { statusPanel } from "../panels/model/model-status.js";

/** The card's drawing, for other pages: render(root, card, opts) returns {select(name), destroy()}. */
export const modelCard = { render: renderCard, SIZE_CLASSES, partOf };

/** The page's address: the weight shown ("" or absent: the first layer's query matrix). @type {import("../lib/url-state.js").Schema} */
export const MODEL_ADDRESS = { weight: { type: "string", default: "" } };

/**
 * @typedef {Object} ModelPageState
 * @property {string} id  the model
 * @property {string} weight  the weight the address names ("" for the first)
 * @property {"loading"|"shown"|"error"} phase
 * @property {number} started  when the card was asked for (performance.now())
 * @property {import("../api.js").ModelEntry[]|null} models  the server's models (null until read, or unreadable)
 * @property {import("../api.js").ModelEntry|null} entry  this model's among them
 * @property {import("../panels/model/model-card-common.js").ModelCardDoc|null} card
 * @property {any} error  why the card could not be read
 */
/**
 * @typedef {Object} ModelPageContext
 * @property {(name: string) => void} onSelect  the person chose a weight
 * @property {{node: HTMLElement, stop: () => void}|null} busy  the progress line (model/status)
 * @property {import("../panels/model/model-card.js").CardView|null} view  the card (model/card)
 */

/** The page's panels, in the order it reads. */
export const PANELS = [crumbsPanel, headPanel, statusPanel, cardPanel];

/** Stops what the panels drawn last left running. @param {ModelPageContext} ctx */
function unmount(ctx) {
  if (ctx.busy) { ctx.busy.stop(); ctx.busy = null; }
  if (ctx.view) { ctx.view.destroy(); ctx.view = null; }
}

/** Reads the list of models and the card (drawing the page as each arrives). @param {ModelPageState} state
 * @param {() => void} draw @param {AbortSignal} signal @param {() => boolean} stopped */
async function load(state, draw, signal, stopped) {
  draw();
  const listed = fetchModels(signal).then((list) => {
    state.models = list;
    state.entry = modelEntry(list, state.id);
    if (!stopped() && state.phase === "loading") draw(); // the picker and a checkpoint's crumbs, before the card
  });
  const [, doc] = await Promise.all([listed, fetchCard(state.id, signal).catch((err) => ({ error: err }))]);
  if (stopped()) return;
  if (doc.error) {
    if (doc.error.name === "AbortError") return;
    Object.assign(state, { phase: "error", error: doc.error });
    draw();
    ready();
    return;
  }
  Object.assign(state, { phase: "shown", card: doc });
  document.title = modelName(state.id, state.entry, doc) + " · model card · Glassbox Studio";
  draw();
  requestAnimationFrame(() => requestAnimationFrame(() => ready()));
}

/** Draws model id's card into app; returns what ends it. @param {HTMLElement} app @param {string} id */
export function modelPage(app, id) {
  let stopped = false;
  const ctrl = new AbortController();
  // Back and Forward show the weight the address names (the card's first when it names none)
  const store = urlStore(MODEL_ADDRESS, (a) => { state.weight = a.weight; if (ctx.view) ctx.view.select(a.weight); });
  /** @type {ModelPageState} */
  const state = { id, weight: store.get().weight, phase: "loading", started: performance.now(), models: null, entry: null, card: null, error: null };
  /** @type {ModelPageContext} */
  const ctx = {
    busy: null, view: null,
    onSelect: (name) => { state.weight = name; store.set({ weight: name }, { push: true, silent: true }); },
  };
  const page = el("div", { class: "page model-page", id: "model-page", dataset: { state: "loading", model: id } });
  clear(app).appendChild(page);
  const draw = () => {
    unmount(ctx);
    clear(page).dataset.state = state.phase;
    mountPanels(page, PANELS, state, ctx);
  };

  load(state, draw, ctrl.signal, () => stopped).catch((err) => {
    if (stopped || (err && err.name === "AbortError")) return;
    unmount(ctx);
    page.dataset.state = "error";
    page.appendChild(errorBox(err));
    ready();
  });

  return () => {
    stopped = true;
    ctrl.abort();
    unmount(ctx);
    store.destroy();
  };
}
