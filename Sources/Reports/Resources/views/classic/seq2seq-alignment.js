/* Glassbox's seq2seq view (glassbox train seq2seq): the panel "Where the model looks": the held-out examples of the
 * chosen checkpoint (✓ or ✗ each) and, for the one picked, its output against the target and its alignment heatmap. */
import { clear, el } from "../../lib/dom.js";
import { fixed, int } from "../../lib/format.js";
import { alignmentFigure } from "./seq2seq-alignment-figure.js";
import { attentionName, headsOf, outputLines } from "./seq2seq-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The list of examples (a listbox: click, or ↑ and ↓); each item: its button and the parts redrawn per checkpoint. */
function exampleList(ctx) {
  const { S, tf } = ctx;
  const list = el("div", { class: "s2s-examples", id: "s2s-examples", role: "listbox", "aria-label": "Held-out examples" });
  const items = ctx.examples().map((E, k) => {
    const mark = el("span", { class: "s2s-mark", "aria-hidden": "true" });
    const out = el("span", { class: "s2s-ex-out" });
    const tag = tf ? el("span", { class: "s2s-ex-tag", text: "all heads", title: "every layer and head is recorded for this example (see \u201cEvery layer and head\u201d)" }) : null;
    const b = el("button", { type: "button", class: "s2s-ex", role: "option", dataset: { index: String(k) }, onclick: () => ctx.pickExample(k) }, [
      mark, el("span", { class: "s2s-ex-text" }, [el("span", { class: "s2s-ex-in", text: E.input }), out]), tag]);
    return { b, mark, out, tag };
  });
  list.append(...items.map((it) => it.b));
  list.addEventListener("keydown", (e) => {
    const d = { ArrowDown: 1, ArrowUp: -1 }[e.key];
    if (!d) return;
    e.preventDefault();
    ctx.pickExample(S.ex + d);
    items[S.ex].b.focus();
  });
  /** The checkpoint's outputs: each item's mark, output and selection; the count right on the list. */
  function redraw() {
    let right = 0;
    ctx.examples().forEach((X, k) => {
      const it = items[k];
      if (!it) return;
      const b = it.b, ok = X.output === X.target;
      if (ok) right++;
      it.mark.textContent = ok ? "\u2713" : "\u2717";
      it.mark.title = ok ? "exact match" : "wrong";
      b.dataset.ok = ok ? "1" : "0";
      it.out.textContent = "\u2192 " + (X.output === "" ? "(nothing)" : X.output);
      b.setAttribute("aria-selected", k === S.ex ? "true" : "false");
      if (it.tag) { b.dataset.layers = X.layers ? "1" : "0"; it.tag.hidden = !X.layers; }
      b.classList.toggle("on", k === S.ex);
    });
    list.dataset.right = String(right);
  }
  return { list, redraw };
}

/** The alignments of the held-out examples. @param {ClassicContext} ctx */
export function alignmentPanel(ctx) {
  const { v, V, S, tf, cur } = ctx;
  const p = v.panel("s2s-align", "Where the model looks",
    ["Held-out examples at the chosen checkpoint: pick one on the left. The grid is its ", el("b", { text: "alignment" }),
      ": for each character the decoder wrote (rows), how much attention it paid to each input character (columns)."],
    "each row is one output character, and its strong cells are the input characters the model read while writing it (a row " +
    "adds up to 1). A model that has learned the task reads the year's digits while it writes the year and the month's name or " +
    "number while it writes the month, so the strong cells trace a path." + (tf ? " (A transformer has many such grids: this is its last layer's " +
    "cross-attention, averaged over the heads; \u201cEvery layer and head\u201d below shows each one.)" : "") + " Early in training the rows are pale and spread over the " +
    "whole input; play the checkpoints to watch them sharpen. Characters in red are wrong: their rows often look in the wrong place.",
    ["attention", "alignment", "encoder", "decoder", "heldout"].concat(tf ? ["crossatt", "head"] : []));
  p.classList.add("s2s-align-panel");
  const { list, redraw } = exampleList(ctx);
  const lines = el("div", { class: "s2s-compare", id: "s2s-compare" });
  const fig = alignmentFigure(v, "s2s-heat", "alignment", () => ctx.example());
  const caption = el("span");
  const legend = V.themedLegend(v, "sequential", 1, "attention weight (each row adds up to 1; square-root scale, so small weights still show)", (x) => (x === 0 ? "0" : x === 1 ? "1" : fixed(x, 2)));
  legend.id = "s2s-legend";
  p.append(el("div", { class: "s2s-align" }, [
    list,
    el("div", { class: "s2s-main v-fig" }, [lines, V.figHead(caption, fig), el("div", { class: "v-scroll" }, fig.root), legend]),
  ]));
  ctx.onSelect.push(() => {
    const F = cur(), E = ctx.example();
    redraw();
    if (!E) return;
    clear(lines).appendChild(outputLines(E.output, E.target));
    clear(caption).append("input ", el("b", { class: "mono", text: "\u201c" + E.input + "\u201d" }), " at step ", el("b", { text: int(F.step) }),
      tf ? " \u00b7 the last layer's cross-attention, averaged over its " + headsOf(E, ctx.cfg) + " heads" : " \u00b7 " + attentionName(F.attention) + " attention");
    fig.opts.fileName = "glassbox-alignment-step-" + F.step + "-example-" + S.ex;
    fig.root.dataset.step = String(F.step);
    fig.root.dataset.example = String(S.ex);
    fig.requestDraw();
  });
  v.root.dataset.example = String(S.ex);
}
