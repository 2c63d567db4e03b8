/* Glassbox Studio, model page: the size class panel (#size-class[data-class]). The model's parameter count, where
 * it sits on a scale of the four classes (small, medium, large, very large), and what each class means. */
import { el } from "../../lib/dom.js";
import { compact, int } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { SIZE_CLASSES, panel } from "./model-card-common.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */
/** @typedef {import("./model-card-common.js").CardState} CardState */

/** The scale of the four classes with a marker at the count. @param {number} total @param {string} cls @param {number} i its class */
function sizeScale(total, cls, i) {
  // where the count sits on the scale: four equal segments, log-spaced within each (1e4 .. 1e6 .. 1e8 .. 1e9 .. 1e12)
  const edges = [4, 6, 8, 9, 12];
  const lg = Math.log10(Math.max(1, total));
  const within = Math.max(0, Math.min(1, (lg - edges[i]) / (edges[i + 1] - edges[i])));
  const pos = ((i + within) / 4) * 100;
  const marker = el("span", { class: "sc-marker", title: int(total) + " parameters" });
  marker.style.left = pos.toFixed(2) + "%";
  const scale = el("div", { class: "sc-scale", role: "img", "aria-label": "Size classes: " + cls + " of small, medium, large, very large" }, [
    SIZE_CLASSES.map((c, k) => el("span", { class: ["sc-seg", k === i ? "on" : ""], text: c.key })),
    marker,
  ]);
  const ticks = el("div", { class: "sc-ticks", "aria-hidden": "true" }, ["", "1M", "100M", "1B", ""].map((t, k) => {
    const s = el("span", { text: t });
    s.style.left = (k * 25) + "%";
    return s;
  }));
  return el("div", { class: "sc-scale-wrap" }, [scale, ticks]);
}

/** The panel (#size-panel). @param {CardContext} c */
export function sizeSection(c) {
  const { m, total } = c;
  const cls = m.size_class || SIZE_CLASSES.find((k) => total <= k.upTo).key;
  const i = Math.max(0, SIZE_CLASSES.findIndex((k) => k.key === cls));
  const list = el("dl", { class: "sc-list" }, SIZE_CLASSES.map((k, j) => el("div", { class: ["sc-item", j === i ? "on" : ""], "aria-current": j === i ? "true" : null, dataset: { class: k.key } }, [
    el("dt", {}, [el("b", { text: k.key }), el("span", { class: "muted", text: " · " + k.range })]),
    el("dd", { text: k.text }),
  ])));
  return panel("size-panel", "Size class",
    "parameters are the numbers a model learned. Their count says roughly how much it can store, how much memory it needs and how fast it runs. Glassbox sorts models into four classes by that count.",
    el("div", { class: "sc-body" }, [
      el("div", { class: "sc-head", id: "size-class", dataset: { class: cls } }, [
        el("span", { class: "sc-badge", text: cls }),
        el("span", { class: "sc-count" }, [el("b", { text: compact(total) }), " parameters"]),
        el("span", { class: "muted sc-exact", text: int(total) }),
      ]),
      sizeScale(total, cls, i),
      list,
    ]));
}

/** The size class, beside where the parameters are. */
export const sizeClassPanel = definePanel({
  id: "model/size-class", title: "The size class: the parameter count among the four classes, and what each means", needs: ["card"],
  /** @param {CardState} s @param {CardContext} c */
  render: (s, c) => sizeSection(c),
});
