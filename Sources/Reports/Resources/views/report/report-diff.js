/* Glassbox report views: the diff view, two versions of one model on one prompt (glassbox diff --json, or the
 * studio's compare tab): what each predicts (#diff-predictions, here), which layers write the target
 * (report-diff-layers.js), which heads changed (report-diff-heads.js) and which neurons (report-diff-neurons.js).
 * a and b keep one name and one colour throughout (report-diff-sides.js). */
import { el } from "../../lib/dom.js";
import { fixed, num } from "../../lib/format.js";
import { glossary } from "./report-glossary.js";
import { View } from "./report-kit.js";
import { diffHeads } from "./report-diff-heads.js";
import { diffLayers } from "./report-diff-layers.js";
import { diffNeurons } from "./report-diff-neurons.js";
import { mountSides, sideChip, sideTag } from "./report-diff-sides.js";
import { docShown, reading, tokenChip, tokenQuoted, tokenShown } from "./report-tokens.js";

/** One side's most likely next tokens, the target marked ◆; pmax: the longest bar's probability (both sides share it). */
function sideTop(v, k, pmax) {
  const D = v.doc, S = D[k], tgt = tokenQuoted(v.tokenText(D.target_id));
  const rows = S.top.map(([id, pr]) => el("tr", { class: id === D.target_id ? "v-is-target" : null }, [
    el("td", { class: "t", text: (id === D.target_id ? "\u25c6 " : "") + tokenQuoted(v.tokenText(id)) }),
    el("td", { class: "bar" }, el("div", { class: "v-pbar v-pbar-" + k, style: { width: Math.max(0.5, (100 * pr) / pmax) + "%", background: v.sides[k].colour } })),
    el("td", { class: "num", text: fixed(pr, 3) }),
  ]));
  const has = S.top.some(([id]) => id === D.target_id);
  return el("div", { class: "v-fig v-diff-side" }, [
    el("div", { class: "v-fig-head" }, el("div", { class: "v-caption" }, [sideTag(v, k), " \u00b7 top " + S.top.length])),
    el("table", { class: "v-alts", id: "diff-top-" + k }, el("tbody", {}, rows)),
    has ? null : el("div", { class: "v-line v-gap", text: "The target " + tgt + " is not among the top " + S.top.length + " of " + v.sides[k].name + " (its logit: " + fixed(S.logit, 2) + ")." }),
  ]);
}

/** KL(a ‖ b), the target's logit and the entropy, a → b. */
function predictionFacts(v) {
  const D = v.doc, A = D.a, B = D.b, kl = D.kl_divergence, dl = B.logit - A.logit, tgt = tokenQuoted(v.tokenText(D.target_id));
  const a = sideChip(v, "a"), b = () => sideChip(v, "b");
  return el("div", { class: "v-facts v-diff-facts" }, [
    el("span", { id: "diff-kl", dataset: { kl: String(kl) }, title: "KL(a \u2016 b) of the next-token distributions at the last position: a = " + v.sides.a.name + ", b = " + v.sides.b.name },
      ["KL(", a, " \u2016 ", b(), ") ", el("b", { text: num(kl, 3) }), " nats"]),
    el("span", { id: "diff-logit", dataset: { a: String(A.logit), b: String(B.logit) } },
      ["logit of " + tgt + " ", sideChip(v, "a"), " ", el("b", { text: fixed(A.logit, 2) }), " \u2192 ", b(), " ", el("b", { text: fixed(B.logit, 2) }),
        el("span", { class: dl > 0 ? "v-up" : dl < 0 ? "v-down" : null, text: " (" + (dl > 0 ? "+" : dl < 0 ? "\u2212" : "\u00b1") + fixed(Math.abs(dl), 2) + ")" })]),
    el("span", {}, ["entropy ", sideChip(v, "a"), " ", el("b", { text: fixed(A.entropy, 2) }), " \u2192 ", b(), " ", el("b", { text: fixed(B.entropy, 2) }), " nats"]),
  ]);
}

function diffPredictions(v) {
  const D = v.doc, A = D.a, B = D.b, tgt = tokenQuoted(v.tokenText(D.target_id)), R = reading(docShown(D.tokens));
  const p = v.panel("diff-predictions", "What each model predicts",
    ["The next token after the prompt, in ", sideTag(v, "a"), " and in ", sideTag(v, "b"), ": each model's most likely " +
      "tokens and their probabilities. The rest of the page explains the token ", el("b", { text: tgt }), " (marked \u25c6)."],
    "the KL divergence says how far apart the two predictions are: 0 means they are the same, around 0.1 nats a small shift, above 1 " +
    "a real disagreement. The target's logit going up from a to b means b is more sure of it.", ["kl", "probability", "logit", "entropy", "checkpoint"]);
  p.append(
    el("div", { class: "v-prompt v-diff-prompt" }, [el("span", { class: "v-strip-label", text: "prompt" }),
      el("div", { class: "v-tokens", id: "diff-tokens" }, [D.tokens.map((_, i) => tokenChip(R, i)),
        el("span", { class: "v-arrow", text: "\u2192" }), el("span", { class: "tok target", title: "the target: the token the page explains", text: tokenShown(v.tokenText(D.target_id)) })])]),
    predictionFacts(v));
  // one scale for both sides' bars, up to the larger top probability (a small model's spread-out guesses still show)
  const pmax = Math.max(1e-9, ...A.top.concat(B.top).map(([, pr]) => pr));
  p.append(el("div", { class: "v-row" }, [sideTop(v, "a", pmax), sideTop(v, "b", pmax)]),
    el("div", { class: "v-line v-gap muted", text: "Both sides' bars share one scale: the longest is probability " + fixed(pmax, 3) + "." }));
}

/**
 * The diff document: the two next-token distributions and their KL divergence, the target's direct logit
 * attribution per layer in a and in b, per-head maps of what changed (DLA and attention), the heads whose attention
 * moved most, the neurons that changed most. opts.loadHead(l, h) -> Promise of {a, b} (each head's T x T attention
 * in a and in b; a studio page fetches them): with it a head in the ranked list opens both patterns; without it a
 * click only marks the head in the maps.
 */
export function renderDiff(container, doc, opts) {
  opts = opts || {};
  const v = new View(container, doc);
  v.root.dataset.kind = "diff";
  mountSides(v);
  glossary(v, "diff-glossary"); // first: the panels go in above it
  diffPredictions(v);
  diffLayers(v);
  diffHeads(v, opts.loadHead || null);
  diffNeurons(v);
  return { destroy: () => v.destroy() };
}
