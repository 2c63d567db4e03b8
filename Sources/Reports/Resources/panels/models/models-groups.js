/* Glassbox Studio, models page: the models' sections (bundled, given to the studio, checkpoints of runs, fine-tuning
 * adapters) and which models each holds, checkpoints by run, newest step first. Pure (touches no `document`):
 * tested by Node (tests/js/models.test.js, through pages/models-page.js). */

/** @typedef {import("../../api.js").ModelEntry} ModelEntry */
/** @typedef {{key: string, title: string, note: string}} ModelSection */

/** The page's sections, in its order. @type {ModelSection[]} */
export const SECTIONS = [
  { key: "bundled", title: "Bundled", note: "The pretrained model that ships with Glassbox (make model downloads it)." },
  { key: "given", title: "Given to the studio", note: "Files and folders named with glassbox serve --model PATH." },
  { key: "checkpoints", title: "Checkpoints of runs", note: "Every checkpoint a training run saved, by run and step." },
  { key: "adapters", title: "Fine-tuning adapters", note: "LoRA adapters (PEFT folders) saved by glassbox finetune, over their base model." },
];

/** The section a model belongs to. @param {ModelEntry} m */
function sectionOf(m) {
  if (m.kind === "bundled") return "bundled";
  if (m.kind === "given") return "given";
  return m.adapter ? "adapters" : "checkpoints";
}

/** Groups entries by section, then checkpoints by run (newest step first within a run). @param {ModelEntry[]} list */
export function groupModels(list) {
  /** @type {Object<string, ModelEntry[]>} */
  const out = { bundled: [], given: [], checkpoints: [], adapters: [] };
  for (const m of list) out[sectionOf(m)].push(m);
  for (const key of ["checkpoints", "adapters"]) {
    out[key].sort((a, b) => (a.run === b.run ? (b.step || 0) - (a.step || 0) : String(a.run).localeCompare(String(b.run))));
  }
  return out;
}
