/* Glassbox Studio, probe timeline: the top predictions at each checkpoint (#probe-top-table, a row per checkpoint:
 * step linking to the inspect page, loss, the answer's rank and probability, the three likeliest next tokens with the
 * answer marked). A row's click selects its checkpoint. */
import { clear, el } from "../../lib/dom.js";
import { int, num } from "../../lib/format.js";
import { inspectHref, predictionLabel, prob, rankText, selectionOf } from "./probe-data.js";
import { stepLink } from "./probe-widgets.js";

/** @typedef {import("./probe-state.js").ProbeContext} ProbeContext */

/** Draws the table anew, keeping its scroll (or staying at the bottom, where new checkpoints come). @param {ProbeContext} ctx */
export function renderPredictions(ctx) {
  const P = ctx.cur();
  if (!P || !ctx.parts) return;
  const { j: sj } = selectionOf(P, ctx.S.sel);
  const preds = (s) => (s.top || []).slice(0, 3).map(([id, p]) => {
    const [label, title] = predictionLabel(P, s, id);
    return el("span", { class: ["probe-pred", id === s.answer_id ? "is-answer" : ""], title: id === s.answer_id ? "the answer" + (title ? "\n" + title : "") : title || null }, [
      el("span", { class: "mono", text: label }), el("span", { class: "probe-pred-p", text: prob(p) })]);
  });
  const rows = P.snaps.map((s, j) => el("tr", { class: j === sj ? "sel" : null, dataset: { step: String(s.step) } }, [
    el("td", { class: "num" }, stepLink(inspectHref(ctx.runId, s.step, P), s.step, int(s.step))),
    el("td", { class: "num", text: num(s.loss, 3) }),
    el("td", { class: ["num", s.answer_rank === 0 ? "probe-ok" : ""], text: rankText(s.answer_rank) }),
    el("td", { class: "num", text: prob(s.answer_probability) }),
    el("td", { class: "probe-preds" }, preds(s)),
  ]));
  const table = el("table", { class: "ck-table probe-table", id: "probe-top-table", dataset: { rows: String(P.snaps.length) } }, [
    el("thead", {}, el("tr", {}, [el("th", { class: "num", text: "Step" }), el("th", { class: "num", text: "Loss" }), el("th", { class: "num", text: "Rank" }),
      el("th", { class: "num", text: "p(answer)" }), el("th", { text: "Top 3 predictions" })])),
    el("tbody", {}, rows),
  ]);
  const wrap = ctx.parts.tableWrap;
  const atBottom = wrap.scrollHeight - wrap.scrollTop - wrap.clientHeight < 4;
  const keep = wrap.scrollTop;
  clear(wrap).appendChild(table);
  wrap.scrollTop = atBottom ? wrap.scrollHeight : keep;
}

/** A row's click selects its checkpoint (its step is a link to the inspect page). @param {ProbeContext} ctx @param {HTMLElement} wrap */
export function bindPredictions(ctx, wrap) {
  wrap.addEventListener("click", (e) => {
    const target = /** @type {Element} */ (e.target);
    if (target.closest("a")) return;
    const tr = /** @type {HTMLElement|null} */ (target.closest("tr[data-step]"));
    if (tr) ctx.select(+tr.dataset.step, null);
  });
}
