/* Glassbox report views, inspect: the details of what was clicked in the contribution graph (#graph-details): a
 * state's logit lens (#graph-lens) and the neurons of the MLP beside it (#graph-neurons), or an edge's heads ranked
 * by their share (#graph-heads, each opening its pattern in the attention panel). */
import { clear, el } from "../../lib/dom.js";
import { fixed, int } from "../../lib/format.js";
import { hookLabel } from "./report-glossary.js";
import { signed } from "./report-kit.js";
import { KINDS, share } from "./report-graph-layout.js";
import { tokenQuoted } from "./report-tokens.js";

/** Each head's attention weight from query q to key k in layer l, from the compressed patterns (null where the
 * document does not hold that layer); a key outside a row's kept weights counts 0. */
function headWeights(C, l, q, k) {
  if (!C) return null;
  const li = C.layer_numbers ? C.layer_numbers.indexOf(l) : l;
  if (li < 0 || li >= C.layers.length) return null;
  const K = C.keys_per_row;
  let row = 0;
  for (let i = 0; i < q; i++) row += Math.min(i + 1, K);
  return C.layers[li].map((b64) => {
    const raw = atob(b64);
    for (let j = 0, o = 3 * row; j < Math.min(q + 1, K); j++, o += 3) {
      if ((raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8)) === k) return raw.charCodeAt(o + 2) / 255;
    }
    return 0;
  });
}

/** The most active neurons of layer l's MLP at position q (null without them). */
function neuronTable(D, l, q) {
  const N = D.neurons;
  if (!N || !N.top[l] || !N.top[l][q]) return null;
  const top = N.top[l][q].slice(0, 6), mx = Math.max(1e-9, ...top.map(([, a]) => Math.abs(share(a))));
  return el("table", { class: "v-alts", id: "graph-neurons" }, el("tbody", {}, top.map(([i, a]) => el("tr", {}, [
    el("td", { class: "t", text: "L" + l + ".n" + i }),
    el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(1, (100 * Math.abs(share(a))) / mx) + "%" } })),
    el("td", { class: "num", text: signed(a) })]))));
}

/** The heads of layer e.l ranked by their share of the state at e.q, with their weight to e.k where known. */
function headRanking(D, g, e, openHead) {
  const shares = g.G.layers[e.l].attn_heads[e.q].map((s, h) => [h, share(s)]).sort((a, b) => b[1] - a[1]);
  const mx = Math.max(1e-9, shares[0][1]), wts = headWeights(D.attention_compact, e.l, e.q, e.k);
  return [el("div", { class: "v-line" }, "The heads of layer " + e.l + " ranked by their share of the state at #" + e.q + " (over every token they read)" +
    (wts ? "; the last column is each head's attention weight from #" + e.q + " to #" + e.k + "." : ".")),
  el("table", { class: "v-alts v-rank", id: "graph-heads" }, el("tbody", {}, shares.slice(0, 12).map(([h, s]) => el("tr", { "data-head": h }, [
    el("td", { class: "t" }, openHead ? el("button", { type: "button", class: "v-link", title: "Open this head's attention pattern", text: "L" + e.l + " H" + h,
      onclick: () => openHead(e.l, h) }) : "L" + e.l + " H" + h),
    el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, (100 * s) / mx) + "%" } })),
    el("td", { class: "num", text: fixed(s, 3) }),
    wts ? el("td", { class: "num", title: "attention weight #" + e.q + " \u2192 #" + e.k, text: "\u2192#" + e.k + " " + fixed(wts[h], 2) }) : null]))))];
}

/** The details box and what fills it: showNode(r, q), showEdge(edge). rd: the prompt read as characters. */
export function graphDetails(v, g, rd, openHead) {
  const D = v.doc;
  const details = el("div", { class: "v-details v-graph-details", id: "graph-details", dataset: { kind: "none" } },
    el("div", { class: "v-line", text: "Click an edge for the heads behind it, or a dot for its logit lens and neurons." }));
  const tokB = (q) => [el("b", { text: "#" + q + " " + rd.name(q) })];
  function showNode(r, q) {
    const LG = D.logit_lens_grid, lr = r % 2 ? -1 : r / 2, out = [];
    out.push(el("div", { class: "v-line" }, [...tokB(q), " \u2014 " + g.stateName(r)]), el("div", { class: "v-line" }, hookLabel(g.hookOf(r))));
    if (LG && lr >= 0 && LG.top[lr]) {
      const fin = LG.top[LG.top.length - 1][q];
      out.push(el("div", { class: "v-line", id: "graph-lens" }, ["Logit lens: the top token here is ", el("b", { text: tokenQuoted(v.tokenText(LG.top[lr][q])) }),
        " with probability ", el("b", { text: fixed(LG.probability[lr][q], 3) }), "; the model's final prediction at this position, ",
        el("b", { text: tokenQuoted(v.tokenText(fin)) }), ", ranks ", el("b", { text: int(LG.final_rank[lr][q] + 1) }), " here."]));
    } else if (r % 2) {
      out.push(el("div", { class: "v-line", id: "graph-lens", text: "The logit lens reads the stream between layers; this state is halfway through layer " + g.layerOf(r) + "." }));
    }
    const nl = r % 2 ? g.layerOf(r) : r / 2 - 1, table = nl >= 0 ? neuronTable(D, nl, q) : null;
    if (table) out.push(el("div", { class: "v-line" }, r % 2 ? "Most active neurons of the MLP of layer " + nl + ", which reads this state:" : "Most active neurons of the MLP of layer " + nl + ", which wrote into this state:"), table);
    else if (nl < 0) out.push(el("div", { class: "v-line", text: "The embeddings come before any neuron." }));
    details.dataset.kind = "node";
    clear(details).append(...out);
  }
  function showEdge(e) {
    const out = [el("div", { class: "v-line" }, [el("b", { text: KINDS[e.kind] }), " in layer " + e.l + ": from ", ...tokB(e.k), " into ", ...tokB(e.q),
      " \u2014 ", el("b", { text: fixed(e.w, 3) }), " of the state " + (e.kind === "mlp" ? "leaving layer " + e.l : e.kind === "attn" ? "after the attention" : "above it")])];
    if (e.kind === "attn") {
      out.push(...headRanking(D, g, e, openHead));
    } else if (e.kind === "mlp") {
      const table = neuronTable(D, e.l, e.q);
      if (table) out.push(el("div", { class: "v-line", text: "Most active neurons of this MLP at #" + e.q + ":" }), table);
    } else {
      out.push(el("div", { class: "v-line", text: "The residual connection: this share of the state is the state below it, passed up unchanged (x + f(x))." }));
    }
    details.dataset.kind = KINDS[e.kind].toLowerCase();
    clear(details).append(...out);
  }
  return { node: details, showNode, showEdge };
}
