/* Glassbox Studio, model page: the weight types panel (#types-table). How the weights are stored: the bytes of
 * each type (F32, F16, Q8_0, Q4_1, ...) as a bar and a table with their parameters and bits per weight, the file's
 * size, and what the weights would take as 32-bit floats. */
import { color } from "../../lib/colors.js";
import { el } from "../../lib/dom.js";
import { compact, int, num } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { tooltip } from "../../lib/tooltip.js";
import { TYPE_INFO, bytes, isQuantised, panel, pct, pctText } from "./model-card-common.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */
/** @typedef {import("./model-card-common.js").CardState} CardState */
/** @typedef {{type: string, parameters: number, bytes: number}} TypeEntry */

/** The bar of bytes by type. @param {TypeEntry[]} types @param {number} allBytes @param {Map<string, string>} colours */
function typesBar(types, allBytes, colours) {
  const bar = el("div", { class: "ps-bar types-bar", role: "img", "aria-label": "bytes by type: " + types.map((t) => t.type + " " + pctText(pct(t.bytes, allBytes))).join(", ") },
    types.map((t) => {
      const seg = el("span", { class: "ps-seg", dataset: { type: t.type } });
      seg.style.width = pct(t.bytes, allBytes) + "%";
      seg.style.background = colours.get(t.type);
      return seg;
    }));
  tooltip.attach(bar, (e) => {
    const seg = /** @type {HTMLElement} */ (/** @type {HTMLElement} */ (e.target).closest(".ps-seg"));
    const t = seg && types.find((q) => q.type === seg.dataset.type);
    return t ? tooltip.content(t.type, [["bytes", bytes(t.bytes)], ["share of the bytes", pctText(pct(t.bytes, allBytes))], ["parameters", compact(t.parameters)]], [TYPE_INFO[t.type] || ""]) : null;
  });
  return bar;
}

/** The table, a row per type. @param {TypeEntry[]} types @param {number} allBytes @param {Map<string, string>} colours */
function typesTable(types, allBytes, colours) {
  const rows = types.map((t) => {
    const sw = el("span", { class: "ps-swatch" });
    sw.style.background = colours.get(t.type);
    const bits = t.parameters > 0 ? (8 * t.bytes) / t.parameters : null;
    return el("tr", { dataset: { type: t.type } }, [
      el("th", { scope: "row" }, [sw, el("code", { text: t.type })]),
      el("td", { class: "muted", text: TYPE_INFO[t.type] || (isQuantised(t.type) ? "a quantised type" : "") }),
      el("td", { class: "num", title: int(t.parameters) }, compact(t.parameters)),
      el("td", { class: "num", title: int(t.bytes) + " bytes" }, bytes(t.bytes)),
      el("td", { class: "num" }, bits !== null ? num(bits, 3) : "–"),
      el("td", { class: "num" }, pctText(pct(t.bytes, allBytes))),
    ]);
  });
  return el("table", { class: "mc-table types-table", id: "types-table" }, [
    el("thead", {}, el("tr", {}, [el("th", { scope: "col", text: "Type" }), el("th", { scope: "col", text: "How it stores numbers" }), el("th", { class: "num", scope: "col", text: "Parameters" }),
      el("th", { class: "num", scope: "col", text: "Bytes" }), el("th", { class: "num", scope: "col", text: "Bits per weight" }), el("th", { class: "num", scope: "col", text: "Share" })])),
    el("tbody", {}, rows)]);
}

/** The panel (#types-panel). @param {CardContext} c */
export function typesSection(c) {
  const card = c.card;
  const types = (card.types || []).slice().sort((a, b) => b.bytes - a.bytes);
  const allBytes = types.reduce((a, t) => a + t.bytes, 0);
  const allParams = types.reduce((a, t) => a + t.parameters, 0);
  const colours = new Map(types.map((t, k) => [t.type, color([5, 6, 7, 10, 11, 12][k % 6])]));
  const f32 = allParams * 4;
  const facts = el("p", { class: "types-facts" }, [
    "Weights: ", el("b", { text: bytes(allBytes) }),
    card.file_bytes ? [" · the file on disk: ", el("b", { text: bytes(card.file_bytes), title: int(card.file_bytes) + " bytes" })] : null,
    allBytes && Math.abs(f32 - allBytes) / f32 > 0.02 ? [" · as 32-bit floats they would take ", el("b", { text: bytes(f32) }), " (" + num(f32 / allBytes, 2) + " times as much)"] : null,
  ]);
  return panel("types-panel", "Weight types and bytes",
    "a type is how the numbers are stored. F32 spends 32 bits on every number; quantised types such as Q4_1 store blocks of 32 numbers as small integer codes plus a scale, so the file is several times smaller at a small cost in precision. The model turns them back into floats (dequantises) when it computes.",
    el("div", { class: "types-body" }, [facts, typesBar(types, allBytes, colours), typesTable(types, allBytes, colours)]));
}

/** How the weights are stored. */
export const typesPanel = definePanel({
  id: "model/types", title: "Weight types and bytes: how the weights are stored", needs: ["card"],
  /** @param {CardState} s @param {CardContext} c */
  render: (s, c) => typesSection(c),
});
