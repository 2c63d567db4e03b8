/* Glassbox Studio, model page: the head. The title (the model's name) with its facts under it, a picker of the
 * server's models (#model-pick, grouped: bundled, given to serve, each run's checkpoints), the "Look inside" link
 * to the inspect page, and the Data button (the card as JSON) once the card is read. */
import { models as fetchModelList } from "../../api.js";
import { el } from "../../lib/dom.js";
import { downloadJSON } from "../../lib/download.js";
import { compact, int, isNum, slug } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { icon } from "../../lib/ui.js";
import { views } from "../../views/report-views.js";

/** @typedef {import("../../api.js").ModelEntry} ModelEntry */
/** @typedef {{id: string, models: ModelEntry[]|null, entry: ModelEntry|null, card: any}} HeadState */

const enc = encodeURIComponent;

/** The server's models ([] when it lists none; null when they could not be read). @param {AbortSignal} signal
 * @returns {Promise<ModelEntry[]|null>} */
export async function fetchModels(signal) {
  try {
    const list = await fetchModelList(signal);
    return Array.isArray(list) ? list : [];
  } catch (err) {
    return null;
  }
}

/** Model id's entry in the list, or null. @param {ModelEntry[]|null} list @param {string} id */
export const modelEntry = (list, id) => (list && list.find((m) => m.id === id)) || null;

/** The model's name: a checkpoint's as listed, a file's without .gguf, else the card's, else the id.
 * @param {string} id @param {ModelEntry|null} entry @param {any} card */
export function modelName(id, entry, card) {
  const m = (card && card.model) || {};
  if (entry) return entry.kind === "checkpoint" ? entry.name || id : String(entry.name || m.name || id).replace(/\.gguf$/i, "");
  return m.name || id;
}

/** The picker of the server's models (disabled until they are read); choosing one opens its card.
 * @param {string} id @param {ModelEntry[]|null} list */
function picker(id, list) {
  const pick = el("select", { id: "model-pick", class: "select", "aria-label": "Another model", disabled: !list });
  pick.addEventListener("change", () => { if (pick.value && pick.value !== id) location.href = "/models/" + enc(pick.value); });
  /** @type {{label: string, items: [string, string][]}[]} */
  const groups = [];
  const group = (label) => { let g = groups.find((x) => x.label === label); if (!g) { g = { label, items: [] }; groups.push(g); } return g; };
  for (const m of list || []) {
    if (m.kind === "bundled") group("Bundled").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
    else if (m.kind === "given") group("Given to glassbox serve").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
    else group("Run " + (String(m.name).replace(/ step \d+$/, "") || m.run) + " · checkpoints").items.push([m.id, isNum(m.step) ? "step " + int(m.step) : m.name]);
  }
  for (const g of groups) pick.appendChild(el("optgroup", { label: g.label }, g.items.map(([v, t]) => el("option", { value: v, text: t }))));
  if (!(list || []).some((m) => m.id === id)) pick.appendChild(el("option", { value: id, text: id }));
  pick.value = id;
  return pick;
}

/** The facts under the title (empty until the card is read). @param {any} card */
function summary(card) {
  const node = el("div", { class: "summary ins-summary", id: "model-summary" });
  if (!card) return node;
  const m = card.model || {};
  if (views && views.modelFacts) node.appendChild(el("span", { class: "ins-facts" }, views.modelFacts(Object.assign({}, m, { name: null }))));
  else node.textContent = [m.architecture, compact(m.parameters) + " parameters", m.layers + " layers"].join(" · ");
  return node;
}

/** The head of a page state. @param {HeadState} s */
export function modelHead(s) {
  const { id, card } = s;
  const name = modelName(id, s.entry, card);
  const inspectLink = el("a", { class: "btn primary", id: "model-inspect", href: "/inspect?model=" + enc(id), title: "Run this model on a prompt and look at what it computes" }, "Look inside");
  const dataBtn = el("button", { type: "button", class: "btn small ghost", id: "model-data", hidden: !card }, [icon("download"), "Data"]);
  if (card) dataBtn.onclick = () => downloadJSON(slug("model-card-" + name) + ".json", card);
  return el("div", { class: "page-head mc-head" }, [
    el("div", { class: "ins-title" }, [el("div", { class: "mc-kicker", text: "Model card" }), el("h1", { id: "model-title", text: name }), summary(card)]),
    el("div", { class: "mc-actions" }, [el("label", { class: "field mc-pick" }, [el("span", { class: "field-label", text: "Model" }), picker(id, s.models)]), inspectLink, dataBtn]),
  ]);
}

/** The model's name and facts, the picker, Look inside and Data. */
export const headPanel = definePanel({
  id: "model/head", title: "The model's name and facts, a picker of the other models, Look inside and the card's data", needs: ["id", "models", "entry", "card"],
  /** @param {HeadState} s */
  render: (s) => modelHead(s),
});
