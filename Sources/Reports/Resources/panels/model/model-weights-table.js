/* Glassbox Studio, model page: every weight tensor as a table (#weights-table): its name in the file, shape,
 * type, parameters, bytes and statistics; filtered by a search box, sorted by a column's title; a row shows its
 * histogram in the weights panel above. */
import { clear, el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { debounce } from "../../lib/ui.js";
import { bytes, panel, shapeText, stat } from "./model-card-common.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */
/** @typedef {import("./model-card-common.js").CardState} CardState */
/** @typedef {import("./model-card-common.js").CardWeight} CardWeight */
/** @typedef {{key: string, label: string, of: (w: CardWeight) => any, numeric?: boolean}} Column */

/** @type {Column[]} */
const COLUMNS = [
  { key: "label", label: "Weight", of: (w) => w.label }, { key: "name", label: "File name", of: (w) => w.name },
  { key: "shape", label: "Shape", of: (w) => w.parameters }, { key: "type", label: "Type", of: (w) => w.type },
  { key: "parameters", label: "Parameters", of: (w) => w.parameters, numeric: true }, { key: "bytes", label: "Bytes", of: (w) => w.bytes, numeric: true },
  { key: "norm", label: "Norm", of: (w) => w.norm, numeric: true }, { key: "std", label: "Std", of: (w) => w.std, numeric: true },
  { key: "min", label: "Min", of: (w) => w.min, numeric: true }, { key: "max", label: "Max", of: (w) => w.max, numeric: true },
];

/** One weight's row. @param {CardWeight} w @param {boolean} selected */
function row(w, selected) {
  return el("tr", { class: selected ? "sel" : "", dataset: { name: w.name } }, [
    el("td", {}, el("button", { type: "button", class: "v-link wt-pick", text: w.label, title: "Show its histogram" })),
    el("td", {}, el("code", { text: w.name })),
    el("td", { class: "mono", text: shapeText(w.shape) }),
    el("td", { class: "mono", text: w.type }),
    el("td", { class: "num", text: int(w.parameters) }),
    el("td", { class: "num", text: bytes(w.bytes) }),
    el("td", { class: "num", text: stat(w.norm) }),
    el("td", { class: "num", text: stat(w.std) }),
    el("td", { class: "num", text: stat(w.min) }),
    el("td", { class: "num", text: stat(w.max) }),
  ]);
}

/** The panel (#table-panel); sets c.weightsTable. @param {CardContext} c */
export function weightsTableSection(c) {
  const weights = c.weights;
  const filter = el("input", { type: "search", class: "input", id: "weights-filter", placeholder: "Filter: a name, a kind, a layer…", "aria-label": "Filter the weights" });
  const count = el("span", { class: "muted wt-count" });
  const sort = { key: "index", dir: 1 };
  const head = el("tr", {}, COLUMNS.map((col) => el("th", { scope: "col", class: col.numeric ? "num" : "", "aria-sort": "none", dataset: { key: col.key } },
    el("button", { type: "button", class: "sort", text: col.label, onclick: () => {
      if (sort.key === col.key) sort.dir = -sort.dir; else { sort.key = col.key; sort.dir = col.numeric ? -1 : 1; }
      fill();
    } }))));
  const body = el("tbody");
  c.weightsTable = el("table", { class: "mc-table weights-table", id: "weights-table" }, [el("thead", {}, head), body]);
  const index = new Map(weights.map((w, i) => [w.name, i]));
  function fill() {
    const q = filter.value.trim().toLowerCase();
    const col = COLUMNS.find((x) => x.key === sort.key);
    const list = weights.filter((w) => !q || (w.label + " " + w.name + " " + w.kind + " " + w.type).toLowerCase().includes(q));
    list.sort((a, b) => {
      if (!col) return index.get(a.name) - index.get(b.name);
      const x = col.of(a), y = col.of(b);
      return (typeof x === "number" ? x - y : String(x).localeCompare(String(y))) * sort.dir || index.get(a.name) - index.get(b.name);
    });
    for (const th of head.children) th.setAttribute("aria-sort", /** @type {HTMLElement} */ (th).dataset.key === sort.key ? (sort.dir > 0 ? "ascending" : "descending") : "none");
    clear(body);
    const frag = document.createDocumentFragment();
    for (const w of list) frag.appendChild(row(w, w.name === c.S.selected));
    body.appendChild(frag);
    if (!list.length) body.appendChild(el("tr", {}, el("td", { colspan: String(COLUMNS.length), class: "muted", text: "No weight matches “" + filter.value + "”." })));
    count.textContent = list.length === weights.length ? int(weights.length) + " tensors" : int(list.length) + " of " + int(weights.length);
  }
  filter.addEventListener("input", debounce(fill, 120));
  body.addEventListener("click", (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    const tr = /** @type {HTMLElement} */ (target.closest("tr[data-name]"));
    if (!tr) return;
    c.select(tr.dataset.name, true);
    const wp = document.getElementById("weight-detail");
    if (wp && target.closest(".wt-pick")) wp.scrollIntoView({ block: "nearest", behavior: "smooth" });
  });
  fill();
  return panel("table-panel", "Every weight tensor",
    "one row per tensor as the file names it, with its shape, how it is stored and its statistics (after dequantisation for quantised types). Sort by a column's title; a row shows its histogram above.",
    el("div", {}, [el("div", { class: "toolbar wt-tools" }, [filter, count]), el("div", { class: "wt-scroll" }, c.weightsTable)]));
}

/** Every weight tensor as a table. */
export const weightsTablePanel = definePanel({
  id: "model/weights-table", title: "Every weight tensor as a table, filtered and sorted; a row shows its histogram", needs: ["card"],
  /** @param {CardState} s @param {CardContext} c */
  render: (s, c) => weightsTableSection(c),
});
