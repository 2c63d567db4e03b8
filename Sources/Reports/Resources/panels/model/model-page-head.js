/* Glassbox Studio, model page: the frame around the card. The breadcrumbs (a checkpoint's run, or the inspect
 * page), the title with the model's facts under it, a picker of the other models (#model-pick), the "Look inside"
 * link to the inspect page, the Data button, and the progress line while the weights are read. */
import { models } from "../../api.js";
import { append, clear, el } from "../../lib/dom.js";
import { int, isNum } from "../../lib/format.js";
import { icon } from "../../lib/ui.js";

/** @typedef {import("../../api.js").ModelEntry} ModelEntry */

/**
 * @typedef {Object} ModelHead
 * @property {HTMLElement} crumbs
 * @property {HTMLElement} node  the page head
 * @property {HTMLElement} title  #model-title
 * @property {HTMLElement} summary  #model-summary
 * @property {HTMLSelectElement} picker  #model-pick
 * @property {HTMLButtonElement} dataBtn  #model-data
 */

const enc = encodeURIComponent;

/** @param {string} id the model shown @returns {ModelHead} */
export function modelHead(id) {
  const crumbs = el("nav", { class: "crumbs", "aria-label": "Breadcrumb" });
  const title = el("h1", { id: "model-title", text: id });
  const summary = el("div", { class: "summary ins-summary", id: "model-summary" });
  const picker = el("select", { id: "model-pick", class: "select", "aria-label": "Another model", disabled: true }, el("option", { value: id, text: id }));
  picker.addEventListener("change", () => { if (picker.value && picker.value !== id) location.href = "/models/" + enc(picker.value); });
  const inspectLink = el("a", { class: "btn primary", id: "model-inspect", href: "/inspect?model=" + enc(id), title: "Run this model on a prompt and look at what it computes" }, "Look inside");
  const dataBtn = el("button", { type: "button", class: "btn small ghost", id: "model-data", hidden: true }, [icon("download"), "Data"]);
  const node = el("div", { class: "page-head mc-head" }, [
    el("div", { class: "ins-title" }, [el("div", { class: "mc-kicker", text: "Model card" }), title, summary]),
    el("div", { class: "mc-actions" }, [el("label", { class: "field mc-pick" }, [el("span", { class: "field-label", text: "Model" }), picker]), inspectLink, dataBtn]),
  ]);
  const head = { crumbs, node, title, summary, picker, dataBtn };
  setCrumbs(head, id, null);
  return head;
}

/** The breadcrumbs: a checkpoint's run, else the inspect page. @param {ModelHead} head @param {string} id @param {ModelEntry|null} entry */
export function setCrumbs(head, id, entry) {
  const crumbs = clear(head.crumbs);
  const sep = () => el("span", { class: "crumb-sep", "aria-hidden": "true", text: "/" });
  if (entry && entry.kind === "checkpoint" && entry.run) {
    const runName = String(entry.name || "").replace(/ step \d+$/, "") || entry.run;
    append(crumbs, [el("a", { href: "/", text: "Runs" }), sep(), el("a", { href: "/runs/" + enc(entry.run), text: runName }), sep(),
      el("span", { text: "checkpoint at step " + int(entry.step) })]);
  } else {
    append(crumbs, [el("a", { href: "/inspect?model=" + enc(id), text: "Inspect" }), sep(), el("span", { text: "model card" })]);
  }
}

/** Lists the server's models in the picker; resolves to the entry of model id (null: not listed, or no list).
 * @param {ModelHead} head @param {string} id @param {AbortSignal} signal @returns {Promise<ModelEntry|null>} */
export async function loadModels(head, id, signal) {
  let list;
  try { list = await models(signal); } catch (err) { return null; }
  list = Array.isArray(list) ? list : [];
  const picker = clear(head.picker);
  /** @type {{label: string, items: [string, string][]}[]} */
  const groups = [];
  const group = (label) => { let g = groups.find((x) => x.label === label); if (!g) { g = { label, items: [] }; groups.push(g); } return g; };
  for (const m of list) {
    if (m.kind === "bundled") group("Bundled").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
    else if (m.kind === "given") group("Given to glassbox serve").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
    else group("Run " + (String(m.name).replace(/ step \d+$/, "") || m.run) + " · checkpoints").items.push([m.id, isNum(m.step) ? "step " + int(m.step) : m.name]);
  }
  for (const g of groups) picker.appendChild(el("optgroup", { label: g.label }, g.items.map(([v, t]) => el("option", { value: v, text: t }))));
  if (!list.some((m) => m.id === id)) picker.appendChild(el("option", { value: id, text: id }));
  picker.value = id;
  picker.disabled = false;
  return list.find((m) => m.id === id) || null;
}

/** The progress line while the card is computed; stop() ends its clock. @returns {{node: HTMLElement, stop: () => void}} */
export function readingBusy() {
  const clock = el("b", { class: "ins-clock" });
  const t0 = performance.now();
  const tick = () => { clock.textContent = ((performance.now() - t0) / 1000).toFixed(1) + " s"; };
  tick();
  const timer = setInterval(tick, 250);
  const node = el("div", { class: "ins-busy", id: "model-busy" }, [
    el("div", { class: "ins-busy-line" }, [el("span", { class: "ins-busy-text" }, [el("span", { class: "ins-busy-title", text: "Reading the weights" }), " ", clock])]),
    el("div", { class: "progress indeterminate", role: "progressbar", "aria-label": "Reading the weights" }, el("span", { class: "progress-fill" })),
    el("div", { class: "ins-busy-detail", text: "Every matrix is read once (and dequantised if it is quantised) for its statistics: a few seconds for a model of a hundred million parameters." }),
  ]);
  return { node, stop: () => clearInterval(timer) };
}
