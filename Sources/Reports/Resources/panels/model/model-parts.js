/* Glassbox Studio, model page: where the parameters are (#param-split). A bar split by the part of the model
 * that holds them (embedding, attention, MLP, norms, unembedding) and a table with each part's count, share,
 * count per layer and what it is. */
import { el } from "../../lib/dom.js";
import { compact, int } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { tooltip } from "../../lib/tooltip.js";
import { PARTS, findTied, panel, partColor, pct, pctText } from "./model-card-common.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */
/** @typedef {import("./model-card-common.js").CardState} CardState */

/** The bar, a segment per part, with a tooltip. @param {CardContext} c @param {typeof PARTS} shown */
function partsBar(c, shown) {
  const { parts, counted } = c;
  const bar = el("div", { class: "ps-bar", role: "img", "aria-label": shown.map((p) => p.label + " " + pctText(pct(parts.get(p.key).total, counted))).join(", ") },
    shown.map((p) => {
      const seg = el("span", { class: "ps-seg", dataset: { part: p.key } });
      seg.style.width = pct(parts.get(p.key).total, counted) + "%";
      seg.style.background = partColor(p.key);
      return seg;
    }));
  tooltip.attach(bar, (e) => {
    const seg = /** @type {HTMLElement} */ (/** @type {HTMLElement} */ (e.target).closest(".ps-seg"));
    if (!seg) return null;
    const p = PARTS.find((q) => q.key === seg.dataset.part), n = parts.get(p.key).total;
    return tooltip.content(p.label, [["parameters", int(n)], ["share", pctText(pct(n, counted))]], [c.whatOf(p)]);
  });
  return bar;
}

/** The panel (#split-panel). @param {CardContext} c */
export function partsSection(c) {
  const { parts, counted, firstLayer } = c;
  const shown = PARTS.filter((p) => parts.get(p.key).total > 0);
  const tied = findTied(c.card.components);
  const rows = shown.map((p) => {
    const n = parts.get(p.key);
    const sw = el("span", { class: "ps-swatch" });
    sw.style.background = partColor(p.key);
    return el("tr", { dataset: { part: p.key } }, [
      el("th", { scope: "row" }, [sw, p.label]),
      el("td", { class: "num", title: int(n.total) }, compact(n.total)),
      el("td", { class: "num" }, pctText(pct(n.total, counted))),
      el("td", { class: "num muted", title: "in each layer" }, n.layer ? compact(n.layer) : ""),
      el("td", { class: "ps-what muted", text: c.whatOf(p) }),
    ]);
  });
  if (tied && !parts.get("unembedding").total) {
    const sw = el("span", { class: "ps-swatch hollow" });
    sw.style.borderColor = partColor("unembedding");
    rows.push(el("tr", { dataset: { part: "unembedding" } }, [el("th", { scope: "row" }, [sw, "Unembedding"]), el("td", { class: "num", text: "0" }), el("td", { class: "num", text: "–" }), el("td", {}),
      el("td", { class: "ps-what muted", text: "tied: it reuses the embedding's matrix, so it adds no parameters" })]));
  }
  return panel("split-panel", "Where the parameters are",
    "the bar splits every learned number by the part of the model that holds it. Attention moves information between positions, the MLP transforms each position on its own, and norms only rescale, so they hold few numbers.",
    el("div", { class: "ps-body", id: "param-split" }, [partsBar(c, shown),
      el("table", { class: "mc-table ps-table" }, [
        el("thead", {}, el("tr", {}, [el("th", { scope: "col", text: "Part" }), el("th", { class: "num", scope: "col", text: "Parameters" }), el("th", { class: "num", scope: "col", text: "Share" }),
          el("th", { class: "num", scope: "col", text: firstLayer !== null ? "Per layer" : "" }), el("th", { scope: "col", text: "What it is" })])),
        el("tbody", {}, rows)])]));
}

/** Where the parameters are, beside the size class. */
export const partsPanel = definePanel({
  id: "model/parts", title: "Where the parameters are: embedding, attention, MLP, norms, unembedding", needs: ["card"],
  /** @param {CardState} s @param {CardContext} c */
  render: (s, c) => partsSection(c),
});
