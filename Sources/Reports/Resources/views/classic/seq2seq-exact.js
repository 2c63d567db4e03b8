/* Glassbox's seq2seq view (glassbox train seq2seq): the panel "Exact match across training": the held-out exact
 * match (the tag val/exact_match, the number `glassbox train seq2seq` prints at its end) at the chosen checkpoint and
 * at every evaluation, and how many of the examples shown above are right. */
import { LineChart } from "../../lib/charts.js";
import { color } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { fixed, int, isNum, num } from "../../lib/format.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The metric's name, as `glassbox train seq2seq` prints it at its end ("exact match (held-out) 88.9% on 1000 inputs"). */
export const EXACT_NAME = "exact match (held-out)";

/** "on the 1,000 held-out inputs" (the run's --held-out), or nothing when the settings do not say. */
const inputsText = (cfg) => (isNum(cfg.heldOut) ? " on " + int(cfg.heldOut) + " inputs" : "");

/** The newest evaluation at or before step (the nearest after it when there is none before). @param {any[]} exact @param {number} step */
export function exactAt(exact, step) {
  let best = null;
  for (const b of exact) if (isNum(b.last) && b.last_step <= step && (!best || b.last_step > best.last_step)) best = b;
  return best || exact.find((b) => isNum(b.last)) || null;
}

/** The chart of the exact match at every evaluation (in %); a click picks the checkpoint nearest that step. */
function exactChart(ctx) {
  const { S, run } = ctx;
  const sub = isNum(ctx.cfg.heldOut) ? int(ctx.cfg.heldOut) + " held-out inputs, %" : "held-out set, %";
  const ch = new LineChart({ name: "s2s-exact-chart", title: "Exact match (held-out)", subtitle: sub, height: 190, legend: false,
    yFormat: (x) => num(x, 3) + "%", fileName: (run.name || "seq2seq") + "-exact-match", emptyText: "No evaluation recorded yet (val/exact_match)",
    onClick: (step) => {
      ctx.stop();
      let j = 0;
      S.figs.forEach((F, k) => { if (Math.abs(F.step - step) < Math.abs(S.figs[j].step - step)) j = k; });
      ctx.select(j);
    } });
  ch.root.id = "s2s-exact-chart";
  const refresh = () => ch.setSeries([{ key: "val/exact_match", label: EXACT_NAME, color: color(2),
    buckets: ctx.exact().map((b) => Object.assign({}, b, { min: 100 * b.min, max: 100 * b.max, mean: 100 * b.mean, last: 100 * b.last, smoothed: 100 * (isNum(b.smoothed) ? b.smoothed : b.last) })), dots: true }]);
  refresh();
  ctx.refreshers.push(refresh);
  ctx.charts.push(ch);
  return ch;
}

/** Exact match across training. @param {ClassicContext} ctx */
export function exactPanel(ctx) {
  const { v, cur } = ctx;
  const p = v.panel("s2s-exact", "Exact match across training",
    ["The share of the held-out inputs the model writes exactly right (val/exact_match; at the newest checkpoint, the number ",
      el("code", { text: "glassbox train seq2seq" }), " prints at its end), at every evaluation (--eval-interval); the vertical line marks the chosen checkpoint."],
    "the curve climbs as the model learns the task. Exact match is strict: a date with one wrong digit counts as wrong, so it " +
    "often stays low for a while and then climbs steeply once the model has the alignment right. Click the chart to pick the checkpoint nearest that step.",
    ["exact", "heldout", "teacher"]);
  p.classList.add("s2s-exact-panel");
  const big = el("span", { class: "s2s-big", id: "s2s-exact-value" });
  const where = el("span", { class: "s2s-where", id: "s2s-exact-where" });
  const shown = el("p", { class: "mlp-gap", id: "s2s-shown" });
  p.append(el("div", { class: "s2s-headline" }, [big, where]), shown);
  const ch = exactChart(ctx);
  p.append(el("div", { class: "mlp-charts one" }, ch.root));
  ctx.onSelect.push(() => {
    const F = cur(), b = exactAt(ctx.exact(), F.step);
    big.textContent = b ? fixed(100 * b.last, 1) + "%" : "\u2013";
    const what = EXACT_NAME + inputsText(ctx.cfg);
    clear(where).append(b ? (b.last_step === F.step ? what + " at step " + int(F.step)
      : what + " at the evaluation of step " + int(b.last_step) + " (none at step " + int(F.step) + ")") : EXACT_NAME + ": not evaluated yet");
    const X = ctx.examples(), right = X.filter((E) => E.output === E.target).length;
    clear(shown).append("The ", el("b", { text: String(X.length) }), " examples above: ", el("b", { text: right + " right" }),
      right < X.length ? ", " + (X.length - right) + " wrong." : ".");
    ch.setMarkers([{ step: F.step, kind: "selected", text: "step " + F.step }]);
  });
  return p;
}
