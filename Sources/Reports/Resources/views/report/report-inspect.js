/* Glassbox report views: the inspect view (glassbox inspect --json, or the studio's inspect page): the prompt and
 * its attributions, the logit lens, the contribution graph, attention, direct logit attribution and the MLP neurons,
 * each panel in its own module, with the glossary at the end. */
import { attentionPanel } from "./report-attention.js";
import { dlaPanel } from "./report-dla.js";
import { glossary } from "./report-glossary.js";
import { graphPanel } from "./report-graph.js";
import { View } from "./report-kit.js";
import { lensPanel } from "./report-lens.js";
import { neuronPanel } from "./report-neurons.js";
import { tokensPanel } from "./report-prompt.js";

/**
 * opts.pending: a node shown in the prompt panel while the document has no attributions yet (a studio page
 * computes them after the rest). The returned view's setAttributions(A) adds them later, redrawing that panel only.
 * opts.graphPending: likewise for the contribution graph (setGraph(G)); without it and without a graph in the
 * document, there is no graph panel.
 */
export function renderInspect(container, doc, opts) {
  opts = opts || {};
  const v = new View(container, doc);
  glossary(v, "glossary"); // first: the panels go in above it
  let attention = null;
  const openHead = (l, k) => (attention ? attention.open(l, k, true) : null);
  let tokens = tokensPanel(v, opts.pending, null);
  lensPanel(v);
  let graph = graphPanel(v, opts.graphPending, null, openHead);
  attention = attentionPanel(v);
  dlaPanel(v);
  neuronPanel(v);
  return {
    destroy: () => v.destroy(),
    openHead,
    /** The attributions arrived (or are gone again, A = null: pending shows instead): the prompt panel is drawn anew in place. */
    setAttributions(A, pending) {
      if (A) doc.attributions = A; else delete doc.attributions;
      tokens = tokensPanel(v, pending, tokens);
    },
    /** The contribution graph arrived (G), or pending replaces what the graph panel shows: drawn anew in place. */
    setGraph(G, pending) {
      if (G) doc.contribution_graph = G;
      graph = graphPanel(v, pending, graph, openHead);
    },
  };
}
