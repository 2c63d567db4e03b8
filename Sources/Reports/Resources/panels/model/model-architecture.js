/* Glassbox Studio, model page: the architecture panel. A diagram of the forward pass from top to bottom (tokens,
 * embedding, the stack of layers with their attention and MLP, the final norm, the unembedding; #arch-diagram)
 * and a tree of the components with their parameters and shapes (#arch-tree, details.mt-node), expandable. */
import { el } from "../../lib/dom.js";
import { compact, int, isNum } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { findTied, panel, partColor, pct, pctText, shapeText } from "./model-card-common.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */
/** @typedef {import("./model-card-common.js").CardState} CardState */
/** @typedef {import("./model-card-common.js").CardComponent} CardComponent */

/** A box of the diagram: a part of the model (coloured) or what goes in and out.
 * @param {string|null} part @param {string} title @param {string} detail @param {number|null} [count] @param {string} [note] */
function box(part, title, detail, count, note) {
  const b = el("div", { class: ["af-box", part ? "part" : "io"], dataset: { part: part || "" } }, [
    el("div", { class: "af-title" }, [el("b", { text: title }), count !== null && count !== undefined ? el("span", { class: "af-count", title: int(count) + " parameters", text: compact(count) }) : null]),
    detail ? el("div", { class: "af-detail", text: detail }) : null,
    note ? el("div", { class: "af-note", text: note }) : null,
  ]);
  if (part) b.style.setProperty("--c", partColor(part));
  return b;
}
const arrow = () => el("div", { class: "af-arrow", "aria-hidden": "true" });

/** The diagram of the forward pass. @param {CardContext} c */
function diagram(c) {
  const { m, weights, parts, layerIds } = c;
  const kinds = new Map(); // outside the layers: the first tensor of each kind, and what all of that kind hold
  const kindParams = new Map();
  for (const w of weights) if (!isNum(w.layer)) {
    if (!kinds.has(w.kind)) kinds.set(w.kind, w);
    kindParams.set(w.kind, (kindParams.get(w.kind) || 0) + (w.parameters || 0));
  }
  const tok = kinds.get("embedding"), posE = kinds.get("position_embedding"), unemb = kinds.get("unembedding"), fnorm = kinds.get("final_norm");
  const tied = findTied(c.card.components);
  const nL = m.layers || layerIds.length;
  const hasGate = weights.some((w) => w.kind === "mlp_gate");
  const per = (k) => parts.get(k).layer;
  const embDetail = [tok ? "tokens " + shapeText(tok.shape) : null, posE ? "positions " + shapeText(posE.shape) : null].filter(Boolean).join(" + ");
  return el("div", { class: "af-flow", id: "arch-diagram" }, [
    box(null, "Tokens", "ids from a vocabulary of " + int(m.vocab)),
    arrow(),
    box("embedding", "Embedding", embDetail || (int(m.vocab) + " × " + int(m.dim)), parts.get("embedding").total),
    arrow(),
    el("div", { class: "af-stack" }, [
      el("div", { class: "af-stack-label" }, [el("b", { text: "× " + int(nL) }), " layers, one after another"]),
      box("attention", "Attention", int(m.heads) + " heads" + (m.kv_heads && m.kv_heads !== m.heads ? " sharing " + int(m.kv_heads) + " key/value heads" : "") +
        ", " + int(m.dim && m.heads ? m.dim / m.heads : 0) + " wide each", per("attention"), "per layer"),
      arrow(),
      box("mlp", "MLP", int(m.dim) + " → " + int(m.mlp_width) + (hasGate ? " (gated)" : "") + " → " + int(m.dim), per("mlp"), "per layer"),
      el("div", { class: "af-stack-note", text: "Each block starts with a norm (" + compact(per("norms")) + " parameters per layer) and adds its output back onto the vector it read: the residual stream." }),
    ]),
    arrow(),
    box("norms", "Final norm", fnorm ? "a scale" + (kindParams.get("final_norm") > fnorm.parameters ? " and a shift" : "") + " per channel, " + int(fnorm.parameters) + " channels" : "", fnorm ? kindParams.get("final_norm") : null),
    arrow(),
    box("unembedding", "Unembedding", unemb ? shapeText(unemb.shape) : tied ? "tied: reuses the embedding's matrix" : "", unemb ? kindParams.get("unembedding") : tied ? 0 : null),
    arrow(),
    box(null, "Next-token scores", "one logit per token of the vocabulary"),
  ]);
}

/** One component of the tree (a row, or a details with its children). @param {CardContext} c @param {CardComponent} comp @param {number} depth @param {string} path
 * @returns {HTMLElement} */
function treeNode(c, comp, depth, path) {
  const fill = el("span", { class: "mt-share-fill" });
  const share = el("span", { class: "mt-share", "aria-hidden": "true" }, fill);
  fill.style.width = Math.max(comp.parameters > 0 ? 0.5 : 0, pct(comp.parameters, c.total)).toFixed(2) + "%";
  const line = [
    el("span", { class: "mt-name", text: comp.name }),
    comp.shape ? el("code", { class: "mt-shape", title: "shape as stored: " + (c.gpt2 ? "[in, out]" : "[out, in]") + " for a matrix", text: shapeText(comp.shape) }) : null,
    comp.tied ? el("span", { class: "mt-tied", text: "tied to the embedding" }) : null,
    el("span", { class: "spacer" }),
    el("span", { class: "mt-count", title: int(comp.parameters) + " parameters (" + pctText(pct(comp.parameters, c.total)) + ")", text: compact(comp.parameters) }),
    share,
  ];
  const kids = comp.children || [];
  if (!kids.length) return el("div", { class: "mt-row mt-leaf", dataset: { path } }, line);
  const open = depth === 0 || (depth === 1 && comp.name === "layers");
  return el("details", { class: "mt-node", open, dataset: { path, depth: String(depth) } }, [
    el("summary", { class: "mt-row" }, line),
    el("div", { class: "mt-kids" }, kids.map((k) => treeNode(c, k, depth + 1, path + "/" + k.name))),
  ]);
}

/** The tree of components, the first layer open. @param {CardContext} c */
function tree(c) {
  const node = el("div", { class: "mt-tree", id: "arch-tree", role: "group", "aria-label": "Components and their parameters" });
  const rootNode = c.card.components;
  if (rootNode) node.appendChild(treeNode(c, rootNode, 0, rootNode.name));
  // the first layer open (and its parts), to show what each layer holds
  const firstLayerNode = /** @type {HTMLDetailsElement} */ (node.querySelector('details[data-depth="1"][open] > .mt-kids > details'));
  if (firstLayerNode) {
    firstLayerNode.open = true;
    for (const d of firstLayerNode.querySelectorAll(":scope > .mt-kids > details")) /** @type {HTMLDetailsElement} */ (d).open = true;
  }
  return node;
}

/** The panel (#arch-panel). @param {CardContext} c */
export function architectureSection(c) {
  const treeNodeEl = tree(c);
  const setAll = (open) => {
    for (const d of treeNodeEl.querySelectorAll("details")) d.open = open || d.dataset.depth === "0";
  };
  const tools = el("span", { class: "mt-tools" }, [
    el("button", { type: "button", class: "btn small ghost", id: "tree-expand", text: "Expand all", onclick: () => setAll(true) }),
    el("button", { type: "button", class: "btn small ghost", id: "tree-collapse", text: "Collapse all", onclick: () => setAll(false) }),
  ]);
  return panel("arch-panel", "Architecture",
    "text flows from top to bottom. Each token becomes a vector (the embedding), passes through the same kind of layer again and again (attention, then an MLP), and the last vector becomes a score for every token of the vocabulary. The tree on the right counts the parameters of every part; open a layer to see its matrices and their shapes as the file stores them" +
      (c.gpt2 ? " (GPT-2: inputs × outputs)." : " (outputs × inputs)."),
    el("div", { class: "arch-body" }, [diagram(c), el("div", { class: "mt-wrap" }, [treeNodeEl])]), tools);
}

/** The architecture: the diagram and the tree. */
export const architecturePanel = definePanel({
  id: "model/architecture", title: "The architecture: the forward pass as a diagram, the components as a tree", needs: ["card"],
  /** @param {CardState} s @param {CardContext} c */
  render: (s, c) => architectureSection(c),
});
