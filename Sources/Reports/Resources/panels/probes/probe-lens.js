/* Glassbox Studio, probe timeline: the lens heatmap (#probe-lens-table). The answer's probability or rank (the
 * switch #probe-mode-probability / #probe-mode-rank) by depth (rows: embeddings at the bottom, the output at the
 * top) and checkpoint (columns), read through the final norm and unembedding; each depth's first top-1 cell marked
 * and its step listed; its legend (#probe-lens-legend), the finding in words (#probe-lens-finding), a read-out on
 * hover, and the selection by click or with the arrow keys. */
import { clear, el } from "../../lib/dom.js";
import { colorScale } from "../../lib/colors.js";
import { downloadCSV, downloadJSON } from "../../lib/download.js";
import { compact, int, isNum, slug } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import {
  answerLabel, bestDepth, columnWidth, depthLabel, depthName, END_W, inspectHref, LAB_W, ordinal, predictionLabel, prob,
  rankScale, rankText, selectionOf, short, tokenText,
} from "./probe-data.js";
import { firstKey, legend, stepLink } from "./probe-widgets.js";

/** @typedef {import("./probe-state.js").ProbeContext} ProbeContext */
/** @typedef {import("./probe-data.js").Probe} Probe */

/** The lens as a file: CSV (a row per checkpoint and depth) or the read-outs as JSON. @param {ProbeContext} ctx */
export function lensSaver(ctx) {
  return {
    opts: { title: "Probe logit lens" },
    /** @param {string} kind */
    download(kind) {
      const P = ctx.cur();
      if (!P) return;
      const base = slug(ctx.runId + "-probe-" + P.index + "-lens");
      if (kind === "csv") {
        const rows = [["step", "layer", "answer_rank", "answer_probability", "top_id", "top_token", "top_probability"]];
        for (const s of P.snaps) for (const e of s.lens || []) {
          const t = (e.top || [])[0] || [];
          rows.push([s.step, e.layer, e.rank + 1, e.probability, t[0], t[0] === undefined ? "" : tokenText(s, t[0]), t[1]]);
        }
        downloadCSV(base + ".csv", rows);
      } else if (kind === "json") downloadJSON(base + ".json", P.snaps);
    },
  };
}

/** The hover read-out of a cell. @param {Probe} P @param {number} j @param {number} l */
function cellTip(P, j, l) {
  if (!P || !P.snaps[j]) return null;
  const s = P.snaps[j], e = (s.lens || [])[l];
  if (!e) return null;
  const t = (e.top || [])[0];
  return tooltip.content("step " + int(s.step) + " \u00b7 " + depthName(l, P.L),
    [["answer " + answerLabel(P)[0], "rank " + rankText(e.rank)], ["its probability", prob(e.probability)],
      t ? ["top token here", predictionLabel(P, s, t[0])[0] + " " + prob(t[1])] : null],
    [P.firstTop[l] === j ? "the first checkpoint where this depth ranks the answer first" : null, "click for the top tokens at this depth"]);
}

/** A lens cell's position, from an event on the grid. @param {Event} e @returns {{j: number, l: number}|null} */
function cellAt(e) {
  const target = /** @type {Element} */ (e.target);
  const td = /** @type {HTMLElement|null} */ (target && target.closest ? target.closest("td[data-j]") : null);
  return td ? { j: +td.dataset.j, l: +td.dataset.l } : null;
}

/** The hover read-outs, the click and the keyboard on the lens grid. @param {ProbeContext} ctx */
export function bindLens(ctx) {
  const wrap = ctx.lensWrap;
  tooltip.attach(wrap, (e) => { const c = cellAt(e); return c ? cellTip(ctx.cur(), c.j, c.l) : null; });
  wrap.addEventListener("click", (e) => {
    const c = cellAt(e);
    if (c) ctx.select(ctx.cur().snaps[c.j].step, c.l);
  });
  wrap.addEventListener("keydown", (e) => {
    const c = cellAt(e), P = ctx.cur();
    if (!c || !P) return;
    let { j, l } = c;
    const C = P.snaps.length;
    if (e.key === "ArrowLeft") j = Math.max(0, j - 1);
    else if (e.key === "ArrowRight") j = Math.min(C - 1, j + 1);
    else if (e.key === "ArrowUp") l = Math.min(P.L, l + 1);
    else if (e.key === "ArrowDown") l = Math.max(0, l - 1);
    else if (e.key === "Home") j = 0;
    else if (e.key === "End") j = C - 1;
    else if (e.key === "Enter" || e.key === " ") { /* selects the focused cell */ } else return;
    e.preventDefault();
    ctx.select(P.snaps[j].step, l);
    const next = /** @type {HTMLElement|null} */ (wrap.querySelector('td[data-j="' + j + '"][data-l="' + l + '"]'));
    if (next) next.focus();
  });
}

/** The grid's rows, output at the top: a cell per checkpoint, then the first top-1 step.
 * @param {ProbeContext} ctx @param {Probe} P @param {{cw: number, withText: boolean}} g */
function lensRows(ctx, P, g) {
  const S = ctx.S, C = P.snaps.length;
  const sc = colorScale("sequential"), rs = rankScale(P);
  const { j: sj, l: sl } = selectionOf(P, S.sel);
  let cells = 0;
  const rows = [];
  for (let l = P.L; l >= 0; l--) {
    const tds = [];
    for (let j = 0; j < C; j++) {
      const e = (P.snaps[j].lens || [])[l];
      const v = !e ? null : S.mode === "rank" ? rs.t(e.rank) : e.probability;
      const first = P.firstTop[l] === j, on = j === sj && l === sl;
      if (isNum(v)) cells++;
      tds.push(el("td", {
        class: ["probe-c", first ? "first" : "", e && e.rank === 0 ? "top1" : "", on ? "sel" : "", g.withText ? "" : "bare"],
        "data-j": j, "data-l": l, tabindex: on ? "0" : "-1", role: "gridcell", "aria-selected": on ? "true" : "false",
        "aria-label": "step " + P.snaps[j].step + ", " + depthName(l, P.L) + ": rank " + rankText(e && e.rank) + ", probability " + prob(e && e.probability),
        style: isNum(v) ? { backgroundColor: sc.css(v), color: sc.ink(v) } : null,
        text: g.withText && e ? (S.mode === "rank" ? rankText(e.rank) : short(e.probability)) : "",
      }));
    }
    const f = P.firstTop[l];
    rows.push(el("tr", { role: "row" }, [el("th", { class: "lab", scope: "row", title: depthName(l, P.L), text: depthLabel(l, P.L) }), tds,
      el("td", { class: "probe-first-col" }, f === null ? el("span", { class: "muted", text: "not yet" }) :
        stepLink(inspectHref(ctx.runId, P.snaps[f].step, P), P.snaps[f].step, "step " + int(P.snaps[f].step)))]));
  }
  return { rows, cells };
}

/** The lens table. @param {ProbeContext} ctx @param {Probe} P */
function lensTable(ctx, P) {
  const S = ctx.S, C = P.snaps.length, R = P.L + 1;
  const cw = columnWidth(ctx.lensWrap.clientWidth, C), withText = cw >= 34;
  const labelEvery = Math.max(1, Math.ceil((String(P.snaps[C - 1].step).length * 7 + 10) / cw));
  const { j: sj } = selectionOf(P, S.sel);
  const { rows, cells } = lensRows(ctx, P, { cw, withText });
  const steps = P.snaps.map((snap, j) => el("td", { class: ["probe-step", j === sj ? "sel" : ""] },
    (C - 1 - j) % labelEvery === 0 ? stepLink(inspectHref(ctx.runId, snap.step, P), snap.step, String(snap.step)) : null));
  return el("table", {
    class: ["probe-lens", withText ? "" : "narrow"], id: "probe-lens-table", role: "grid", "aria-label": "The answer's " + S.mode + " by depth (rows) and checkpoint (columns)",
    dataset: { rows: String(R), cols: String(C), cells: String(cells), mode: S.mode },
    style: { width: LAB_W + END_W + (cw + 1) * C + 3 + "px" },
  }, [
    el("colgroup", {}, [el("col", { style: { width: LAB_W + "px" } }), Array.from({ length: C }, () => el("col", { style: { width: cw + "px" } })), el("col", { style: { width: END_W + "px" } })]),
    el("thead", {}, el("tr", {}, [el("th", { class: "lab", text: "layer" }), el("th", { class: "probe-cols-head", colspan: String(C), text: "checkpoints \u2192" }),
      el("th", { class: "probe-first-col", title: "The first checkpoint at which this depth ranks the answer first", text: "first top-1" })])),
    el("tbody", {}, rows),
    el("tfoot", {}, el("tr", {}, [el("th", { class: "lab", text: "step" }), steps, el("td")])),
  ]);
}

/** What the newest checkpoint's lens says, in words. @param {Probe} P */
function lensFinding(P) {
  const last = P.snaps[P.snaps.length - 1];
  let lowest = null;
  for (let l = 0; l <= P.L; l++) if (last.lens[l] && last.lens[l].rank === 0) { lowest = l; break; }
  if (lowest === null) {
    return "At step " + int(last.step) + " no depth ranks the answer first yet; the closest is " +
      depthName(bestDepth(last), P.L) + ", where it ranks " + ordinal(last.lens[bestDepth(last)].rank + 1) + ".";
  }
  const early = P.firstTop.map((j, l) => [j, l]).filter(([j]) => j !== null);
  const held = last.lens.slice(lowest).every((e) => e.rank === 0);
  early.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return "At step " + int(last.step) + " the answer ranks first " +
    (lowest === P.L ? "only at the output" : lowest === 0 && held ? "at every depth, the embeddings included" :
      (held ? "at every depth from " : "from ") + (lowest === 0 ? "the embeddings" : "layer " + lowest) + " up" + (held ? "" : " (not at all of them)")) +
    (early.length ? "; the first depth to rank it first was " + depthName(early[0][1], P.L) + ", at step " + int(P.snaps[early[0][0]].step) + "." : ".");
}

/** Draws the lens anew (keepFocus: the focused cell keeps the focus), its legend and its finding. @param {ProbeContext} ctx @param {boolean} keepFocus */
export function renderLens(ctx, keepFocus) {
  const P = ctx.cur(), parts = ctx.parts, S = ctx.S, wrap = ctx.lensWrap;
  if (!P || !parts) return;
  for (const b of parts.seg.children) {
    const on = b.id === "probe-mode-" + S.mode;
    b.classList.toggle("on", on);
    b.setAttribute("aria-pressed", on ? "true" : "false");
  }
  const active = /** @type {HTMLElement|null} */ (document.activeElement);
  const focused = keepFocus && active && wrap.contains(active) ? active : null;
  const fj = focused && focused.dataset.j, fl = focused && focused.dataset.l;
  ctx.lensWidth = wrap.clientWidth;
  clear(wrap).appendChild(lensTable(ctx, P));
  if (fj !== null && fj !== undefined) {
    const n = /** @type {HTMLElement|null} */ (wrap.querySelector('td[data-j="' + fj + '"][data-l="' + fl + '"]'));
    if (n) n.focus({ preventScroll: true });
  }
  const rs = rankScale(P);
  clear(parts.lensLegend).appendChild(S.mode === "rank"
    ? legend((t) => compact(Math.round(Math.pow(rs.worst, 1 - t))), "rank of the answer (1 = the top prediction; log scale)", firstKey())
    : legend((t) => String(t), "probability of the answer", firstKey()));
  clear(parts.lensFind);
  parts.lensFind.textContent = lensFinding(P);
}
