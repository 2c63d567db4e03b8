/* Glassbox Studio, generate page: "Why this token?" in the side panel. On request (integrated gradients take a
 * while), the attributions of the chosen token's logit to the tokens before it: the prefix shaded red (raises it) to
 * blue (lowers it), split characters shown whole, the completeness gap and the strongest tokens. */
import { Job, inspect } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { fixed } from "../../lib/format.js";
import { groupIndex, groupTokens } from "../../lib/tokens.js";
import { busy, errorBox, paint, scaleLegend, seconds, v3 } from "./generate-common.js";
import { positionLabel, tokShown, tokenQuoted, tokenStrip } from "./generate-token-text.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */
/** @typedef {import("./generate-common.js").Selection} Selection */

/** The button that computes the attributions. @param {GenerateContext} ctx @param {Selection} sel @param {HTMLElement} box */
export function offerAttributions(ctx, sel, box) {
  ctx.panel.dataset.attr = "none";
  clear(box).append(
    el("p", { class: "gen-panel-sub", text: "Integrated gradients over the " + sel.prefix.length + " earlier tokens: how much each one pushed the logit of this token. Slower: seconds to minutes." }),
    el("button", { type: "button", class: "btn", id: "tok-attr-btn", onclick: () => attributions(ctx, sel, box) }, "Compute attributions"));
}

/** Computes the attributions and draws them into box. @param {GenerateContext} ctx @param {Selection} sel @param {HTMLElement} box */
async function attributions(ctx, sel, box) {
  const { live, panel } = ctx;
  const job = new Job();
  live.attrJob = job;
  panel.dataset.attr = "running";
  const t0 = performance.now();
  const b = busy("Computing attributions\u2026", "Integrated gradients with 64 gradient evaluations.", () => job.abort(), "tok-attr-busy", live.timers);
  clear(box).appendChild(b.node);
  const retry = () => attributions(ctx, sel, box);
  let doc;
  try {
    doc = await inspect({ model: sel.g.model || ctx.modelID(), ids: sel.prefix.join(","), only: "attributions", target_id: String(sel.t.id), report: "1" }, job);
  } catch (err) {
    b.stop();
    if (live.sel !== sel) return;
    if (err.name === "AbortError") {
      panel.dataset.attr = "cancelled";
      clear(box).appendChild(el("div", { class: "notice warn", role: "status", id: "tok-attr-cancelled" }, [
        el("span", { class: "notice-text", text: "Attributions cancelled after " + seconds(performance.now() - t0) + "." }),
        el("button", { type: "button", class: "btn small", onclick: retry }, "Compute them")]));
      return;
    }
    panel.dataset.attr = "error";
    clear(box).appendChild(errorBox(err, "Could not compute the attributions", retry));
    return;
  }
  b.stop();
  if (live.sel !== sel) return;
  if (!doc || !doc.attributions) {
    panel.dataset.attr = "error";
    clear(box).appendChild(errorBox(new Error("the answer holds no attributions"), "Could not compute the attributions", retry));
    return;
  }
  drawAttributions(sel, box, doc, performance.now() - t0);
  panel.dataset.attr = "done";
}

/** The chosen token as the strip's target: its character (a split one whole), else its bytes. @param {Selection} sel */
function targetText(sel) {
  const grp = sel.g.groupOf[sel.i];
  return grp && grp.complete ? grp.text.replace(/\n/g, "\u21b5") : tokenQuoted(sel.t.shown);
}

/** @param {Selection} sel @param {HTMLElement} box @param {any} doc @param {number} ms */
function drawAttributions(sel, box, doc, ms) {
  const A = doc.attributions;
  const max = Math.max(1e-9, ...A.scores.map(Math.abs)), rel = A.completeness_relative_gap, ok = Math.abs(rel) <= 0.05;
  const kept = new Set(A.kept_positions || []);
  const shownList = doc.tokens.map(tokShown), groups = groupTokens(shownList), index = groupIndex(groups, shownList.length);
  const chips = tokenStrip(shownList, (j) => {
    const node = el("span", { class: ["tok", kept.has(j) ? "kept" : null], dataset: { v: String(A.scores[j] / max), scale: "diverging", pos: String(j) } });
    paint(node);
    return { node, title: positionLabel(groups, index, j) + "  attribution " + v3(A.scores[j]) + (kept.has(j) ? " (kept by the baseline)" : "") };
  });
  const strip = el("div", { class: "v-tokens gen-attr-strip", id: "tok-attr-strip" },
    chips.concat([el("span", { class: "v-arrow", text: "\u2192" }), el("span", { class: "tok target", text: targetText(sel) })]));
  const top = [...A.scores.keys()].sort((a, b) => Math.abs(A.scores[b]) - Math.abs(A.scores[a])).slice(0, 3);
  clear(box).append(
    el("div", { class: "v-facts gen-attr-facts" }, [
      el("span", { class: ["badge", ok ? "v-ok" : "v-warn"], id: "tok-gap", dataset: { gap: String(rel) }, title: "How far the attributions' sum is from f(x) \u2212 f(baseline)" },
        "completeness gap " + v3(A.completeness_gap) + " (" + fixed(100 * rel, 1) + "%)"),
      el("span", {}, ["f(x) \u2212 f(baseline) ", el("b", { text: v3(A.f_input - A.f_baseline) })]),
      el("span", {}, [el("b", { text: String(A.steps) }), " gradient points"]),
      el("span", {}, ["in ", el("b", { text: seconds(ms) })]),
    ]),
    strip, scaleLegend("diverging", max, "attribution to the logit (red raises it, blue lowers it)"),
    el("p", { class: "gen-panel-sub", text: "Strongest: " + top.map((j) => positionLabel(groups, index, j).replace(/^#\d+ /, "") + " " + (A.scores[j] > 0 ? "+" : "") + v3(A.scores[j])).join(", ") + "." }),
  );
  if (!ok) box.appendChild(el("div", { class: "notice warn", role: "note", text: "The attributions do not add up to the change in the logit: treat the colours as rough." }));
}
