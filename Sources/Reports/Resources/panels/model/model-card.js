/* Glassbox Studio, model page: a model card drawn from its document (docs/inspect-json.md, ModelCard): the size
 * class and where the parameters are side by side, then the architecture, the weight types, the weights layer by
 * layer with the chosen one's histogram, and every weight tensor as a table. */
import { el } from "../../lib/dom.js";
import { architecturePanel } from "./model-architecture.js";
import { cardContext } from "./model-card-common.js";
import { partsPanel } from "./model-parts.js";
import { sizePanel } from "./model-size-class.js";
import { typesPanel } from "./model-types.js";
import { weightsPanel } from "./model-weights-grid.js";
import { weightsTablePanel } from "./model-weights-table.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */

/** Shows one weight: its facts and histogram; marks its cell, chip and table row. @param {CardContext} c @param {string} name @param {boolean} fromUser */
function select(c, name, fromUser) {
  const w = c.byName.get(name);
  if (!w) return;
  c.S.selected = name;
  for (const n of c.root.querySelectorAll(".wg-cell.sel, .wg-chip.sel, #weights-table tr.sel")) n.classList.remove("sel");
  const grid = c.grid && c.grid.node;
  const td = grid && /** @type {HTMLElement} */ (grid.querySelector('td.wg-cell[data-name="' + CSS.escape(name) + '"]'));
  if (td) {
    td.classList.add("sel");
    for (const x of grid.querySelectorAll("td[tabindex='0']")) /** @type {HTMLElement} */ (x).tabIndex = -1;
    td.tabIndex = 0;
  }
  const chip = c.root.querySelector('.wg-chip[data-name="' + CSS.escape(name) + '"]');
  if (chip) chip.classList.add("sel");
  const row = c.weightsTable && c.weightsTable.querySelector('tr[data-name="' + CSS.escape(name) + '"]');
  if (row) row.classList.add("sel");
  c.detail.show(w);
  if (fromUser && c.opts.onSelect) c.opts.onSelect(name);
}

/**
 * Draws a model card into root. opts: onSelect(name) (a weight was chosen, for the address), weight: the name of
 * the weight to show first. Returns {select(name), destroy()}.
 * @param {HTMLElement} root @param {import("./model-card-common.js").ModelCardDoc} card @param {CardContext["opts"]} [opts]
 */
export function renderCard(root, card, opts) {
  const c = cardContext(root, card, opts);
  c.select = (name, fromUser) => select(c, name, fromUser);
  const view = el("div", { class: "mc-view" }, [
    el("div", { class: "mc-row two" }, [sizePanel(c), partsPanel(c)]),
    architecturePanel(c),
    typesPanel(c),
    weightsPanel(c),
    weightsTablePanel(c),
  ]);
  root.appendChild(view);

  const { cell, cols } = c.grid, firstLayer = c.firstLayer;
  const first = (c.opts.weight && c.byName.has(c.opts.weight)) ? c.opts.weight
    : (cell.get(firstLayer + "|" + cols.find((col) => /attn_q|attn_qkv/.test(col))) || cell.get(firstLayer + "|" + cols[0]) || c.weights[0] || { name: undefined }).name;
  if (first) select(c, first, false);

  const onTheme = () => { c.grid.paint(); c.detail.redraw(); };
  document.addEventListener("gb-theme", onTheme);
  c.cleanups.push(() => document.removeEventListener("gb-theme", onTheme));

  return {
    select: (name) => select(c, name, false),
    destroy() { for (const f of c.cleanups) f(); c.detail.destroy(); },
  };
}
