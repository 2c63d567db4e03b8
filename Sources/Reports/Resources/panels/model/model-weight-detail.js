/* Glassbox Studio, model page: the chosen weight's detail (#weight-detail[data-name]). Its name and kind, its
 * histogram (#weight-hist, model-histogram.js) with a log-count switch, its facts (shape, type, parameters, bytes,
 * statistics) and how to read them. */
import { append, clear, el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { KIND_TITLE, TYPE_INFO, bytes, isQuantised, shapeText, stat } from "./model-card-common.js";
import { histogramFigure } from "./model-histogram.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */
/** @typedef {import("./model-card-common.js").CardWeight} CardWeight */
/** @typedef {import("./model-card-common.js").CardState} CardState */

/**
 * @typedef {Object} WeightDetail
 * @property {HTMLElement} node  #weight-detail
 * @property {(w: CardWeight) => void} show
 * @property {() => void} redraw  (the theme changed)
 * @property {() => void} destroy
 */

/** A fact of the list. @param {string} label @param {string} value @param {string} [title] */
const fact = (label, value, title) => el("div", { class: "wd-fact" }, [el("dt", { text: label }), el("dd", { title: title || null }, value)]);

/** The weight's facts. @param {CardContext} c @param {CardWeight} w */
function facts(c, w) {
  const s = w.shape;
  const shapeTitle = s && s.length === 2 ? (c.gpt2 ? "[in, out]: " + int(s[1]) + " outputs, each reading " + int(s[0]) + " inputs (GPT-2 stores its matrices transposed)"
    : "[out, in]: " + int(s[0]) + " outputs, each reading " + int(s[1]) + " inputs") : null;
  return el("dl", { class: "wd-facts" }, [
    fact("shape", shapeText(w.shape), shapeTitle),
    fact("type", w.type, TYPE_INFO[w.type] || null),
    fact("parameters", int(w.parameters)),
    fact("bytes", bytes(w.bytes), int(w.bytes) + " bytes"),
    fact("norm", stat(w.norm), "Frobenius norm: √(sum of squares)"),
    fact("mean", stat(w.mean)),
    fact("std", stat(w.std), "standard deviation"),
    fact("min", stat(w.min)),
    fact("max", stat(w.max)),
  ]);
}

/** @param {CardContext} c @returns {WeightDetail} */
export function weightDetail(c) {
  const node = el("div", { class: "wd", id: "weight-detail", "aria-live": "polite" });
  const histWrap = el("div", { class: "wd-hist" });
  let fig = null;
  const observer = new ResizeObserver(() => { if (fig) fig.requestDraw(); });
  observer.observe(histWrap);
  c.cleanups.push(() => observer.disconnect());

  function show(w) {
    clear(node);
    node.dataset.name = w.name;
    const quant = isQuantised(w.type);
    if (fig) { fig.destroy(); fig = null; }
    fig = histogramFigure(c, w, histWrap);
    clear(histWrap).appendChild(fig.root);
    const logBox = el("input", { type: "checkbox", id: "hist-log", checked: c.S.logCounts, onchange: () => { c.S.logCounts = logBox.checked; fig.requestDraw(); } });
    append(node, [
      el("div", { class: "wd-head" }, [
        el("div", { class: "wd-title" }, [el("h3", { text: w.label }), el("code", { class: "wd-name", text: w.name })]),
        el("span", { class: "spacer" }),
        fig.menu(),
      ]),
      el("p", { class: "wd-kind muted", text: KIND_TITLE[w.kind] || "" }),
      histWrap,
      el("div", { class: "wd-under" }, [
        el("label", { class: "control check" }, [logBox, el("span", { text: "Log count axis" })]),
        el("span", { class: "spacer" }),
        el("span", { class: "wd-key" }, [el("span", { class: "wd-key-mean" }), "mean", el("span", { class: "wd-key-zero" }), "zero"]),
      ]),
      quant ? el("p", { class: "wd-note", id: "weight-dequant" }, [el("b", { text: "After dequantisation: " }),
        "these are the values the model computes with, rebuilt from the " + w.type + " codes, not the stored codes themselves."]) : null,
      facts(c, w),
      el("p", { class: "v-read wd-read" }, [el("b", { text: "How to read it: " }),
        "how many of the matrix's numbers fall in each range" + (quant ? " (after dequantisation)" : "") + ". Trained matrices mostly cluster around zero in a bell shape; norm scales often sit nearer one. Long tails and lone spikes are worth a look."]),
    ]);
    fig.draw();
  }
  return {
    node, show,
    redraw: () => { if (fig) fig.requestDraw(); },
    destroy: () => { if (fig) fig.destroy(); },
  };
}

/** The chosen weight's detail, beside the heatmap (the weights panel mounts it); sets c.detail. The card shows
 * its first weight once every panel is mounted. */
export const weightDetailPanel = definePanel({
  id: "model/weight-detail", title: "The chosen weight: its histogram (linear or log counts), facts and how to read them", needs: ["card", "weight"],
  /** @param {CardState} s @param {CardContext} c */
  render: (s, c) => (c.detail = weightDetail(c)).node,
});
