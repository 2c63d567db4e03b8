/* Glassbox Studio, model page: a model card drawn from its document (docs/inspect-json.md, ModelCard): the size
 * class and where the parameters are side by side, then the architecture, the weight types, the weights layer by
 * layer with the chosen one's histogram, and every weight tensor as a table — each a panel of its own file, mounted
 * in that order with the state {card, weight} and the card's context. `renderCard` draws a card anywhere; the
 * model page mounts it as its panel model/card. */
import { el } from "../../lib/dom.js";
import { definePanel, mountPanels } from "../../lib/panels.js";
import { architecturePanel } from "./model-architecture.js";
import { cardContext } from "./model-card-common.js";
import { partsPanel } from "./model-parts.js";
import { sizeClassPanel } from "./model-size-class.js";
import { typesPanel } from "./model-types.js";
import { gridLayout, weightsGridPanel } from "./model-weights-grid.js";
import { weightsTablePanel } from "./model-weights-table.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */
/** @typedef {import("./model-card-common.js").CardState} CardState */
/** @typedef {{select: (name: string) => void, destroy: () => void}} CardView */

/** The card's panels in the order it reads: the first row side by side, then the others one under another. */
const CARD_ROW = [sizeClassPanel, partsPanel];
const CARD_PANELS = [architecturePanel, typesPanel, weightsGridPanel, weightsTablePanel];

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
  if (c.detail) c.detail.show(w);
  if (fromUser && c.opts.onSelect) c.opts.onSelect(name);
}

/** The weight shown when none is named: the first layer's query matrix, else its first matrix, else the first
 * weight ("" for a card without weights). @param {CardContext} c */
function firstWeight(c) {
  const { cols, cell } = gridLayout(c.weights), l = c.firstLayer;
  const w = cell.get(l + "|" + cols.find((col) => /attn_q|attn_qkv/.test(col))) || cell.get(l + "|" + cols[0]) || c.weights[0];
  return w ? w.name : "";
}

/** The weight a name gives: itself when the card has it, else the first. @param {CardContext} c @param {string} [name] */
const weightOrFirst = (c, name) => (name && c.byName.has(name) ? name : firstWeight(c));

/**
 * Draws a model card into root. opts: onSelect(name) (a weight was chosen, for the address), weight: the name of
 * the weight to show first. Returns {select(name), destroy()}; select("") shows the first weight again.
 * @param {HTMLElement} root @param {import("./model-card-common.js").ModelCardDoc} card @param {CardContext["opts"]} [opts]
 * @returns {CardView}
 */
export function renderCard(root, card, opts) {
  const c = cardContext(root, card, opts);
  c.select = (name, fromUser) => select(c, name, fromUser);
  /** @type {CardState} */
  const state = { card, weight: weightOrFirst(c, c.opts.weight) };
  const row = el("div", { class: "mc-row two" });
  const view = el("div", { class: "mc-view" }, row);
  mountPanels(row, CARD_ROW, state, c);
  mountPanels(view, CARD_PANELS, state, c);
  root.appendChild(view);
  if (state.weight) select(c, state.weight, false);

  const onTheme = () => { if (c.grid) c.grid.paint(); if (c.detail) c.detail.redraw(); };
  document.addEventListener("gb-theme", onTheme);
  c.cleanups.push(() => document.removeEventListener("gb-theme", onTheme));

  return {
    select: (name) => select(c, weightOrFirst(c, name), false),
    destroy() { for (const f of c.cleanups) f(); if (c.detail) c.detail.destroy(); },
  };
}

/** The card on the model page (#model-out), once it is read; sets ctx.view. A weight chosen by the person goes to
 * ctx.onSelect (the address). */
export const cardPanel = definePanel({
  id: "model/card", title: "The model's card: its sections (model/size-class … model/weights-table), mounted by renderCard", needs: ["card", "weight"],
  /** @param {{card: any}} s */
  when: (s) => !!s.card,
  /** @param {{card: any, weight: string}} s @param {{view: CardView|null, onSelect: (name: string) => void}} ctx */
  render(s, ctx) {
    const out = el("div", { class: "mc-out", id: "model-out" });
    ctx.view = renderCard(out, s.card, { weight: s.weight, onSelect: ctx.onSelect });
    return out;
  },
});
