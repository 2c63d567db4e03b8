/* Glassbox Studio, probe timeline: the cards of a drawn timeline, in order. The summary (#probe-summary), the lens
 * (#probe-lens, with the probability / rank switch and its download menu), the loss and probability charts
 * (#probe-curves), the heads (#probe-heads-card) and the top predictions (#probe-predictions), each with a line on
 * how to read it. */
import { downloadMenu } from "../../lib/charts.js";
import { append, clear, el } from "../../lib/dom.js";
import { store } from "../../lib/storage.js";
import { lensSaver, renderLens } from "./probe-lens.js";
import { bindPredictions } from "./probe-predictions.js";
import { cardHead, howToRead } from "./probe-widgets.js";

/** @typedef {import("./probe-state.js").ProbeContext} ProbeContext */
/** @typedef {import("./probe-state.js").ProbeParts} ProbeParts */

/** The nodes the panels draw into. @returns {ProbeParts} */
function emptyParts() {
  return {
    pickNode: el("div", { class: "probe-pick" }),
    textNode: el("div", { class: "v-tokens probe-tokens", id: "probe-text" }),
    verdict: el("p", { class: "probe-verdict", id: "probe-verdict", "aria-live": "polite" }),
    facts: el("div", { class: "v-facts probe-facts", id: "probe-facts" }),
    seg: el("div", { class: "v-seg", role: "group", "aria-label": "Colour the cells by" }),
    lensLegend: el("div", { class: "v-legend-row", id: "probe-lens-legend" }),
    lensFind: el("p", { class: "probe-finding", id: "probe-lens-finding" }),
    cellNode: el("div", { class: "v-details probe-cell", id: "probe-cell", "aria-live": "polite" }),
    headsLegend: el("div", { class: "v-legend-row", id: "probe-heads-legend" }),
    headsFind: el("p", { class: "probe-finding", id: "probe-heads-finding" }),
    headsMenu: el("span", { class: "probe-heads-menu" }),
    tableWrap: el("div", { class: "table-wrap probe-table-wrap" }),
    chartsFind: el("p", { class: "probe-finding", id: "probe-charts-finding" }),
  };
}

/** The cards. @param {ProbeContext} ctx @param {ProbeParts} parts */
function cards(ctx, parts) {
  return [
    el("section", { class: "card probe-card probe-top", id: "probe-summary" }, [
      el("div", { class: "probe-card-head" }, [el("h3", { class: "chart-title", text: "Probe" }), parts.pickNode]),
      parts.textNode, parts.verdict, parts.facts,
    ]),
    el("section", { class: "card probe-card", id: "probe-lens" }, [
      cardHead("The answer through the layers", "logit lens at the answer position", [parts.seg, downloadMenu(lensSaver(ctx), ["csv", "json"])]),
      howToRead("each column is a checkpoint (oldest on the left), each row a depth of the model (embeddings at the bottom, output at the top), read " +
        "through the final norm and unembedding. The stronger the colour, the more that depth already favours the answer; as training goes on the " +
        "strong region spreads left and down. Click a cell (or use the arrow keys) for that depth's top tokens; a step opens that checkpoint in the inspect page."),
      ctx.lensWrap, parts.lensLegend, parts.lensFind, parts.cellNode,
    ]),
    el("section", { class: "card probe-card", id: "probe-curves" }, [
      cardHead("Loss and answer probability", "one point per checkpoint"),
      howToRead("the loss is how surprised the model is by the probe's tokens, on average (lower is better; the log of the vocabulary size is a blind guess); " +
        "the probability is what the model gives the probe's answer. Click a point to select that checkpoint, drag to zoom, double-click to zoom out."),
      el("div", { class: "charts-grid two probe-charts" }, [ctx.lossChart.root, ctx.probChart.root]),
      parts.chartsFind,
    ]),
    el("section", { class: "card probe-card", id: "probe-heads-card" }, [
      cardHead("Heads forming", "mean attention entropy of each head on the probe", parts.headsMenu),
      howToRead("one row per attention head (L = layer, H = head, from 0), one column per checkpoint. Entropy measures how spread out a head's " +
        "attention is: a faint cell means the head looks evenly at everything before it, a strong one that it has learned to focus on a few tokens. " +
        "Heads whose row grows stronger over training are specialising."),
      ctx.headsWrap, parts.headsLegend, parts.headsFind,
    ]),
    el("section", { class: "card probe-card", id: "probe-predictions" }, [
      cardHead("Top predictions at each checkpoint", "at the answer position, from the output"),
      howToRead("what the model would write after the probe's text, checkpoint by checkpoint, with the answer marked. A step opens that checkpoint in the inspect page."),
      parts.tableWrap,
    ]),
  ];
}

/** Builds the cards into ctx.body, sets ctx.parts and binds the table's clicks. @param {ProbeContext} ctx */
export function buildProbeLayout(ctx) {
  const parts = emptyParts(), S = ctx.S;
  append(parts.seg, ["probability", "rank"].map((m) =>
    el("button", { type: "button", id: "probe-mode-" + m, "aria-pressed": "false", text: m === "probability" ? "Probability" : "Rank",
      onclick: () => { S.mode = m === "rank" ? "rank" : "probability"; store.set("probe-mode", m); renderLens(ctx, true); } })));
  clear(ctx.body);
  append(ctx.body, cards(ctx, parts));
  ctx.parts = parts;
  bindPredictions(ctx, parts.tableWrap);
}
