/* Glassbox Studio, model page: the weights panel (#weight-grid). A heatmap of every weight matrix, a row per layer
 * and a column per kind, coloured by a chosen statistic (within each column, or on one scale), the weights outside
 * the layers as chips, and beside it the chosen weight's detail and histogram (model-weight-detail.js). A click or
 * Enter on a cell chooses it; the arrow keys move between cells. */
import { colorScale } from "../../lib/colors.js";
import { append, clear, el } from "../../lib/dom.js";
import { isNum, num } from "../../lib/format.js";
import { definePanel, mountPanels } from "../../lib/panels.js";
import { store } from "../../lib/storage.js";
import { tooltip } from "../../lib/tooltip.js";
import { KIND_LABEL, KIND_ORDER, KIND_TITLE, METRICS, kindLabel, panel, partColor, partOf, shapeText, stat } from "./model-card-common.js";
import { weightDetailPanel } from "./model-weight-detail.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */
/** @typedef {import("./model-card-common.js").CardWeight} CardWeight */
/** @typedef {import("./model-card-common.js").CardState} CardState */

/**
 * @typedef {Object} WeightGrid
 * @property {HTMLTableElement} node  #weight-grid
 * @property {HTMLElement} legend
 * @property {string[]} cols  the columns: kinds, or kind.tail where a kind has several tensors per layer
 * @property {Map<string, CardWeight>} cell  "layer|column" -> its weight
 * @property {() => void} paint
 */

/** The grid's columns and cells. Columns are the kinds within a layer; a kind with several tensors per layer
 * (GPT-2's weight and bias) gets one column per tensor, named by the end of its name. @param {CardWeight[]} weights */
export function gridLayout(weights) {
  const inLayers = weights.filter((w) => isNum(w.layer));
  const tail = (name) => String(name).split(".").pop();
  const multi = new Set();
  const seen = new Map();
  for (const w of inLayers) { const k = w.layer + "|" + w.kind; seen.set(k, (seen.get(k) || 0) + 1); if (seen.get(k) > 1) multi.add(w.kind); }
  const colKey = (w) => (multi.has(w.kind) ? w.kind + "." + tail(w.name) : w.kind);
  const cols = [...new Set(inLayers.map(colKey))].sort((a, b) => {
    const ka = KIND_ORDER.indexOf(a.split(".")[0]), kb = KIND_ORDER.indexOf(b.split(".")[0]);
    if (ka !== kb) return (ka < 0 ? 99 : ka) - (kb < 0 ? 99 : kb);
    return a.localeCompare(b) * (a.endsWith("bias") || b.endsWith("bias") ? -1 : 1); // weight before bias
  });
  /** @type {Map<string, CardWeight>} */
  const cell = new Map();
  for (const w of inLayers) cell.set(w.layer + "|" + colKey(w), w);
  return { cols, cell, tail };
}

const colLabel = (c) => { const [k, t] = c.split("."); return kindLabel(k) + (t && t !== "weight" ? " " + t : ""); };
/** @param {CardContext} c */
const metricOf = (c) => METRICS.find((q) => q.key === c.S.metric) || METRICS[0];

/** Colours the cells by the chosen statistic and redraws the legend. @param {CardContext} c @param {WeightGrid} g */
function paintGrid(c, g) {
  const q = metricOf(c);
  const scale = colorScale(q.signed ? "diverging" : "sequential");
  const values = new Map(), ranges = new Map();
  let glo = Infinity, ghi = -Infinity, gabs = 0;
  for (const [key, w] of g.cell) {
    const v = q.of(w);
    if (!isNum(v)) continue;
    values.set(key, v);
    const col = key.slice(key.indexOf("|") + 1);
    const r = ranges.get(col) || { lo: Infinity, hi: -Infinity, abs: 0 };
    r.lo = Math.min(r.lo, v); r.hi = Math.max(r.hi, v); r.abs = Math.max(r.abs, Math.abs(v));
    ranges.set(col, r);
    glo = Math.min(glo, v); ghi = Math.max(ghi, v); gabs = Math.max(gabs, Math.abs(v));
  }
  const t = (v, col) => {
    const r = c.S.ownScale ? ranges.get(col) : { lo: glo, hi: ghi, abs: gabs };
    if (q.signed) return r.abs > 0 ? v / r.abs : 0;
    return r.hi > r.lo ? 0.1 + (0.9 * (v - r.lo)) / (r.hi - r.lo) : 0.55;
  };
  for (const td of g.node.querySelectorAll("td.wg-cell[data-name]")) {
    const cellNode = /** @type {HTMLElement} */ (td);
    const v = values.get(cellNode.dataset.layer + "|" + cellNode.dataset.col);
    if (!isNum(v)) { cellNode.textContent = "–"; cellNode.style.background = ""; continue; }
    const x = t(v, cellNode.dataset.col);
    cellNode.style.background = scale.css(x);
    cellNode.style.color = scale.ink(x);
    cellNode.textContent = num(v, 3);
    cellNode.dataset.value = String(v);
  }
  clear(g.legend);
  const bar = el("span", { class: "heat-bar" });
  bar.style.backgroundImage = scale.gradient();
  append(g.legend, [el("span", { text: q.signed ? "negative" : "low" }), bar, el("span", { text: q.signed ? "positive" : "high" }),
    el("span", { class: "muted", text: (c.S.ownScale ? "each column on its own scale" : "one scale: " + num(glo, 3) + " … " + num(ghi, 3)) + " · " + q.label + ": " + q.help })]);
  g.node.dataset.metric = q.key;
}

/** The arrow keys, Home and End move between cells; Enter or Space chooses one. @param {CardContext} c @param {HTMLTableElement} grid @param {KeyboardEvent} e */
function onGridKey(c, grid, e) {
  const td = /** @type {HTMLTableCellElement} */ (/** @type {HTMLElement} */ (e.target).closest("td.wg-cell"));
  if (!td) return;
  const tr = /** @type {HTMLTableRowElement} */ (td.parentNode);
  const rows = [...grid.tBodies[0].rows];
  let r = rows.indexOf(tr), col = [...tr.cells].indexOf(td);
  const move = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1], Home: [0, -99], End: [0, 99] }[e.key];
  if (move) {
    e.preventDefault();
    r = Math.max(0, Math.min(rows.length - 1, r + move[0]));
    col = Math.max(1, Math.min(rows[r].cells.length - 1, col + move[1]));
    const next = rows[r].cells[col];
    if (next && next.dataset.name) { for (const x of grid.querySelectorAll("td[tabindex='0']")) /** @type {HTMLElement} */ (x).tabIndex = -1; next.tabIndex = 0; next.focus(); }
  } else if (e.key === "Enter" || e.key === " ") {
    e.preventDefault();
    if (td.dataset.name) c.select(td.dataset.name, true);
  }
}

/** The table of cells, with its clicks, keys and tooltip. @param {CardContext} c @param {string[]} cols @param {Map<string, CardWeight>} cell */
function gridTable(c, cols, cell) {
  const grid = el("table", { class: "wg-grid", id: "weight-grid", role: "grid", "aria-label": "Weight statistics, a row per layer and a column per kind of matrix" }, [
    el("thead", {}, el("tr", {}, [el("th", { scope: "col", class: "wg-corner", text: "layer" }),
      cols.map((col) => el("th", { scope: "col", title: KIND_TITLE[col.split(".")[0]] || colLabel(col), dataset: { col } }, colLabel(col)))])),
    el("tbody", {}, c.layerIds.map((l) => el("tr", {}, [el("th", { scope: "row", text: String(l) }),
      cols.map((col) => {
        const w = cell.get(l + "|" + col);
        return w ? el("td", { class: "wg-cell", role: "gridcell", tabindex: "-1", dataset: { name: w.name, layer: String(l), col }, "aria-label": w.label })
          : el("td", { class: "wg-cell empty", role: "gridcell", "aria-label": "none" });
      })]))),
  ]);
  grid.addEventListener("click", (e) => {
    const td = /** @type {HTMLElement} */ (/** @type {HTMLElement} */ (e.target).closest("td.wg-cell[data-name]"));
    if (td) c.select(td.dataset.name, true);
  });
  grid.addEventListener("keydown", (e) => onGridKey(c, grid, e));
  tooltip.attach(grid, (e) => {
    const td = /** @type {HTMLElement} */ (/** @type {HTMLElement} */ (e.target).closest("td.wg-cell[data-name]"));
    const w = td && c.byName.get(td.dataset.name);
    if (!w) return null;
    const q = metricOf(c);
    return tooltip.content(w.label, [[q.label, stat(q.of(w))], ["shape", shapeText(w.shape)], ["type", w.type]], [w.name + " · click for its histogram"]);
  });
  return grid;
}

/** The weights outside the layers as chips (null when there are none). @param {CardContext} c @param {(name: string) => string} tail */
function outsideChips(c, tail) {
  const outside = c.weights.filter((w) => !isNum(w.layer));
  if (!outside.length) return null;
  const outsideKinds = new Map();
  for (const w of outside) outsideKinds.set(w.kind, (outsideKinds.get(w.kind) || 0) + 1);
  const chipLabel = (w) => (KIND_LABEL[w.kind] ? KIND_LABEL[w.kind] + (outsideKinds.get(w.kind) > 1 ? " " + tail(w.name) : "") : w.label);
  return el("div", { class: "wg-outside" }, [el("span", { class: "field-label", text: "Outside the layers" }),
    outside.map((w) => {
      const sw = el("span", { class: "ps-swatch" });
      sw.style.background = partColor(partOf(w.kind));
      return el("button", { type: "button", class: "wg-chip", dataset: { name: w.name }, title: w.name, onclick: () => c.select(w.name, true) }, [sw, chipLabel(w)]);
    })]);
}

/** The statistic picker and the scale choice. @param {CardContext} c @param {() => void} repaint */
function controls(c, repaint) {
  const metricSelect = el("select", { id: "weight-metric", class: "select", "aria-label": "Statistic" }, METRICS.map((q) => el("option", { value: q.key, text: q.label })));
  metricSelect.value = c.S.metric;
  metricSelect.addEventListener("change", () => { c.S.metric = metricSelect.value; store.set("modelcard.metric", c.S.metric); repaint(); });
  const own = el("input", { type: "checkbox", id: "weight-own-scale", checked: c.S.ownScale });
  own.addEventListener("change", () => { c.S.ownScale = own.checked; store.set("modelcard.ownScale", c.S.ownScale); repaint(); });
  return el("div", { class: "toolbar wg-controls" }, [
    el("label", { class: "control" }, [el("span", { class: "control-label", text: "Colour by" }), metricSelect]),
    el("label", { class: "control check", title: "Each column coloured between its own smallest and largest value: layers compare within a kind" }, [own, el("span", { text: "Each column on its own scale" })]),
  ]);
}

/** The panel (#weights-panel), the chosen weight's detail mounted beside the heatmap; sets c.grid (and, through the
 * detail's panel, c.detail). @param {CardContext} c @param {CardState} s */
export function weightsSection(c, s) {
  const { cols, cell, tail } = gridLayout(c.weights);
  /** @type {WeightGrid} */
  const g = { node: gridTable(c, cols, cell), legend: el("div", { class: "wg-legend", id: "weight-legend" }), cols, cell, paint: () => paintGrid(c, g) };
  c.grid = g;
  const body = el("div", { class: "wg-body" }, [
    el("div", { class: "wg-left" }, [controls(c, g.paint), c.layerIds.length ? el("div", { class: "wg-scroll" }, g.node) : el("p", { class: "muted", text: "This model has no per-layer weights." }),
      g.legend, outsideChips(c, tail)]),
  ]);
  mountPanels(body, [weightDetailPanel], s, c);
  g.paint();
  return panel("weights-panel", "Weights, layer by layer",
    "each cell is one weight matrix: a row per layer, a column per kind. The darker the cell, the larger the chosen statistic, compared within its column, so a layer that stands out is easy to spot. Click a cell (or move with the arrow keys and press Enter) to see how its numbers are spread.",
    body);
}

/** The weights layer by layer, with the chosen one's detail. */
export const weightsGridPanel = definePanel({
  id: "model/weights-grid", title: "The weights layer by layer: a heatmap of a chosen statistic, the chosen matrix beside it", needs: ["card", "weight"],
  /** @param {CardState} s @param {CardContext} c */
  render: (s, c) => weightsSection(c, s),
});
