/* Glassbox Studio, probe timeline: the selected cell of the lens (#probe-cell, data-step and data-layer). The top
 * tokens that depth would predict after the probe's text at that checkpoint (#probe-cell-top), where the answer
 * ranks, and links to look inside that checkpoint (#probe-cell-inspect) or compare it with the one before
 * (#probe-cell-diff). */
import { append, clear, el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { icon } from "../../lib/ui.js";
import { answerLabel, contextLabel, depthName, diffHref, inspectHref, ordinal, predictionLabel, prob, selectionOf } from "./probe-data.js";

/** @typedef {import("./probe-state.js").ProbeContext} ProbeContext */

/** Draws the selected cell's top tokens. @param {ProbeContext} ctx */
export function renderCell(ctx) {
  const P = ctx.cur();
  if (!P || !ctx.parts) return;
  const { j, l } = selectionOf(P, ctx.S.sel);
  const s = P.snaps[j], e = (s.lens || [])[l];
  const node = ctx.parts.cellNode;
  clear(node);
  node.dataset.step = String(s.step);
  node.dataset.layer = String(l);
  if (!e) return;
  const top = e.top || [];
  const rows = top.map(([id, p]) => {
    const [label, title] = predictionLabel(P, s, id);
    return el("tr", { class: id === s.answer_id ? "probe-is-answer" : null }, [
      el("td", { class: "t", text: label, title: title || null }),
      el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, 100 * p) + "%" } })),
      el("td", { class: "num", text: prob(p) }),
      el("td", { class: "num muted", text: id === s.answer_id ? "the answer" : "" }),
    ]);
  });
  const inTop = top.some(([id]) => id === s.answer_id);
  const [ans, ansTitle] = answerLabel(P);
  const prev = j > 0 ? P.snaps[j - 1].step : null;
  append(node, [
    el("div", { class: "probe-cell-head" }, [
      el("b", { text: "Step " + int(s.step) + " \u00b7 " + depthName(l, P.L) }),
      el("span", { class: "spacer" }),
      el("a", { class: "btn small", id: "probe-cell-inspect", href: inspectHref(ctx.runId, s.step, P), title: "Open the inspect page on this checkpoint, with the probe as the prompt" }, ["Look inside step " + int(s.step), icon("right")]),
      prev !== null ? el("a", { class: "btn small ghost", id: "probe-cell-diff", href: diffHref(ctx.runId, prev, s.step, P),
        title: "What changed inside from the checkpoint before (step " + int(prev) + ") to this one, on the probe" }, "Compare with step " + int(prev)) : null,
    ]),
    el("div", { class: "v-line" }, ["The top tokens this depth would predict after ", el("b", { class: "mono", text: contextLabel(P) }), ":"]),
    el("table", { class: "v-alts", id: "probe-cell-top" }, el("tbody", {}, rows)),
    inTop ? null : el("div", { class: "v-line" }, ["The answer ", el("b", { class: "mono", text: ans, title: ansTitle || null }), " ranks " + ordinal(e.rank + 1) + " here, with probability " + prob(e.probability) + "."]),
  ]);
}
