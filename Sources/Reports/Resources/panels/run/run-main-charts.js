/* Glassbox Studio, run and compare pages: the main charts: the loss (on the run page beside the text samples and
 * the messages), then the smaller ones (the chart definitions are run-chart-defs.js's). */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { makeChart } from "./run-charts.js";
import { renderMessages } from "./run-messages.js";
import { renderSamples } from "./run-samples.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").RunContext} RunContext */

/** The main charts: the loss (on the run page beside the text sample and the messages), then the smaller ones. */
export const chartsPanel = definePanel({
  id: "run/charts", title: "The loss beside the text samples and messages, then the other main charts", needs: ["runs", "defs"],
  /** @param {RunState} S @param {RunContext} ctx */
  render(S, ctx) {
    const loss = makeChart(S, S.defs[0], ctx);
    const small = el("div", { class: "charts-grid four" });
    for (const def of S.defs.slice(1)) small.appendChild(makeChart(S, def, ctx).root);
    if (S.compare) return el("section", { class: "section" }, [el("div", { class: "charts-grid" }, loss.root), small]);
    // an MLP writes no text samples, a fine-tuning run has its answers above: their side holds the messages only
    S.ui.samples = S.mlp || S.ft ? null : el("section", { class: "card samples", id: "samples" });
    S.ui.messages = el("section", { class: "card messages", id: "messages" });
    const top = el("div", { class: "loss-row" }, [loss.root, el("div", { class: "side" }, [S.ui.samples, S.ui.messages])]);
    renderSamples(S);
    renderMessages(S);
    return el("section", { class: "section" }, [top, small]);
  },
});
