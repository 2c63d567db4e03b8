/* Glassbox Studio, generate page: inside one step of a generation, in the side panel. One forward pass on the ids
 * the token was predicted from (the inspect document with only the lens and the attention): the logit lens at the
 * last position (each layer's top three tokens, the chosen one outlined, and from which depth on it is the top guess),
 * then that position's attention over the prefix for a layer and a head (or their mean), the prefix's split
 * characters shown whole. */
import { Job, inspect } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { fixed } from "../../lib/format.js";
import { groupIndex, groupTokens } from "../../lib/tokens.js";
import { barList, busy, clip, errorBox, paint, scaleLegend } from "./generate-common.js";
import { candidate, pendingBefore, positionLabel, tokShown, tokenStrip } from "./generate-token-text.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */
/** @typedef {import("./generate-common.js").Selection} Selection */

/** Runs the model on the selection's prefix and draws the lens and the attention into box (layer: the layer whose
 * full pattern to ask for, else the one last looked at). @param {GenerateContext} ctx @param {Selection} sel
 * @param {HTMLElement} box @param {number|null} layer */
export async function lens(ctx, sel, box, layer) {
  const { live, panel } = ctx;
  const job = new Job();
  live.lensJob = job;
  panel.dataset.lens = "loading";
  const b = busy("Running the model on the prefix\u2026", "", () => job.abort(), "tok-lens-busy", live.timers);
  sel.stopBusy = b.stop;
  clear(box).appendChild(b.node);
  const params = { model: sel.g.model || ctx.modelID(), ids: sel.prefix.join(","), only: "lens,attention", report: "1", top_k: "5", layers: undefined };
  // the full pattern of one layer (the one last looked at); the others come compressed, for the layer picker
  const want = layer !== null && layer !== undefined ? layer : live.attnLayer;
  if (want !== undefined && want !== null) params.layers = String(want);
  let doc;
  try {
    doc = await inspect(params, job);
  } catch (err) {
    b.stop();
    if (live.sel !== sel) return;
    if (err.name === "AbortError") {
      panel.dataset.lens = "cancelled";
      clear(box).appendChild(el("div", { class: "notice warn", role: "status" }, [el("span", { class: "notice-text", text: "Cancelled." }),
        el("button", { type: "button", class: "btn small", onclick: () => lens(ctx, sel, box, layer) }, "Run it")]));
      return;
    }
    panel.dataset.lens = "error";
    clear(box).appendChild(errorBox(err, "Could not look inside this step", () => lens(ctx, sel, box, layer)));
    return;
  }
  b.stop();
  if (live.sel !== sel) return;
  sel.doc = doc;
  try {
    drawInside(ctx, sel, box, doc);
  } catch (err) {
    panel.dataset.lens = "error";
    clear(box).appendChild(errorBox(err, "Could not draw this step"));
    return;
  }
  panel.dataset.lens = "shown";
}

/** The last query's attention row over the prefix (layer l, head h or the heads' mean: h = -1), from the full
 * pattern where the document has that layer, else from the compressed rows. @param {any} doc @param {number} l @param {number} h */
export function attentionRow(doc, l, h) {
  const T = doc.tokens.length;
  const full = (doc.attention || []).find((a) => a.layer === l);
  const one = (k) => {
    if (full) return Float64Array.from({ length: T }, (_, j) => (full.pattern[k][T - 1] || [])[j] || 0);
    const C = doc.attention_compact, K = C.keys_per_row, raw = atob(C.layers[l][k]), out = new Float64Array(T);
    let o = 0;
    for (let i = 0; i < T - 1; i++) o += 3 * Math.min(i + 1, K);
    for (let q = 0; q < Math.min(T, K); q++, o += 3) out[raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8)] = raw.charCodeAt(o + 2) / 255;
    return out;
  };
  const H = full ? full.pattern.length : doc.attention_compact.layers[l].length;
  if (h >= 0) return one(h);
  const sum = new Float64Array(T);
  for (let k = 0; k < H; k++) { const r = one(k); for (let j = 0; j < T; j++) sum[j] += r[j] / H; }
  return sum;
}

/** The logit lens at the last position: each layer's top tokens, shaded by probability, the chosen token outlined,
 * and a note on the depth from which the chosen token is the top guess. @param {Selection} sel @param {any} doc */
function lensTable(sel, doc) {
  const vocab = doc.vocab || {}, pending = pendingBefore(sel.g, sel.i);
  const text = (id) => (String(id) in vocab ? vocab[String(id)] : "#" + id);
  const label = (id) => candidate(pending, text(id));
  const E = doc.logit_lens || [], L = E.length - 1;
  const rows = [];
  for (let l = L; l >= 0; l--) {
    const top = (E[l].top || []).slice(0, 3);
    rows.push(el("tr", { class: l === L ? "final" : null }, [
      el("th", { title: l === 0 ? "the token embeddings" : l === L ? "the model's own prediction (after the last layer)" : "after layer " + (l - 1) + " (its residual stream)", text: l === 0 ? "embed" : l === L ? "out" : String(l) }),
      top.map(([id, p]) => {
        const [name, why, plain] = label(id);
        return el("td", {}, el("span", { class: ["gen-lens-tok", id === sel.t.id ? "chosen" : null], dataset: { v: String(p), scale: "sequential" },
          title: name + "  p = " + fixed(p, 3) + (id === sel.t.id ? " (the chosen token)" : "") + (why ? "\n" + why : ""), text: clip(plain, 12) }));
      }),
    ]));
  }
  const table = el("table", { class: "gen-lens", id: "tok-lens" }, el("tbody", {}, rows));
  // from which depth on the chosen token stays the top guess
  const top1 = (l) => (E[l].top && E[l].top[0] ? E[l].top[0][0] : null);
  let from = -1;
  for (let l = L; l >= 0 && top1(l) === sel.t.id; l--) from = l;
  const rowsTop = E.filter((e, l) => top1(l) === sel.t.id).length;
  const outTop = label(top1(L))[0];
  const noteText = rowsTop === 0 ? "The chosen token is no row's top guess: it was sampled (the output's top guess was " + outTop + ")." :
    "The chosen token is the top guess in " + rowsTop + " of " + (L + 1) + " rows" + (from === 0 ? ": all of them." : from === L ? ", the output among them." :
      from > 0 ? ", every row from " + from + " up." : "; the output's top guess was " + outTop + " (the token was sampled).");
  return { table, note: noteText };
}

/** The attention of the last position over the prefix: pickers for the layer and the head, the prefix's tokens
 * shaded by the weight, and the five largest weights. @param {GenerateContext} ctx @param {Selection} sel @param {any} doc */
function attentionBlock(ctx, sel, doc) {
  const { live } = ctx, C = doc.attention_compact;
  const layers = C ? C.layers.length : (doc.model && doc.model.layers) || (doc.logit_lens || []).length - 1;
  const heads = C ? C.layers[0].length : (doc.attention && doc.attention[0] ? doc.attention[0].pattern.length : 0);
  const layerSel = el("select", { class: "select", id: "tok-attn-layer", "aria-label": "Layer" });
  for (let l = 0; l < layers; l++) layerSel.appendChild(el("option", { value: String(l), text: "layer " + l }));
  const headSel = el("select", { class: "select", id: "tok-attn-head", "aria-label": "Head" }, [el("option", { value: "-1", text: "mean of the heads" })]);
  for (let k = 0; k < heads; k++) headSel.appendChild(el("option", { value: String(k), text: "head " + k }));
  const want = sel.attnLayer !== undefined ? sel.attnLayer : live.attnLayer !== undefined ? live.attnLayer : layers - 1;
  layerSel.value = String(Math.min(layers - 1, Math.max(0, want)));
  headSel.value = String(live.attnHead !== undefined && live.attnHead < heads ? live.attnHead : -1);
  const strip = el("div", { class: "v-tokens gen-attn", id: "tok-attn" });
  const topList = el("div", { class: "gen-attn-top" });
  const shownList = doc.tokens.map(tokShown), groups = groupTokens(shownList), index = groupIndex(groups, shownList.length);
  const draw = () => {
    const l = +layerSel.value, h = +headSel.value, T = doc.tokens.length;
    live.attnLayer = l; live.attnHead = h;
    const row = attentionRow(doc, l, h);
    clear(strip).append(...tokenStrip(shownList, (j) => {
      const node = el("span", { class: ["tok", j === T - 1 ? "query" : null], dataset: { v: String(row[j]), scale: "sequential", pos: String(j) } });
      paint(node);
      return { node, title: positionLabel(groups, index, j) + "  weight " + fixed(row[j], 3) };
    }));
    const best = [...row.keys()].sort((a, b) => row[b] - row[a]).slice(0, 5);
    clear(topList).appendChild(barList(best.map((j) => [positionLabel(groups, index, j), row[j]]), "tok-attn-top"));
    strip.dataset.layer = String(l); strip.dataset.head = String(h);
  };
  layerSel.addEventListener("change", draw);
  headSel.addEventListener("change", draw);
  return { tools: el("div", { class: "gen-attn-tools" }, [layerSel, headSel]), strip, topList, draw };
}

/** Draws the lens and the attention of the step. @param {GenerateContext} ctx @param {Selection} sel @param {HTMLElement} box @param {any} doc */
function drawInside(ctx, sel, box, doc) {
  const lensPart = lensTable(sel, doc), attn = attentionBlock(ctx, sel, doc);
  clear(box).append(
    el("div", { class: "gen-sub-head" }, [el("b", { text: "Logit lens" }), el("span", { class: "muted", text: " top 3 per layer" })]),
    el("div", { class: "gen-lens-wrap" }, lensPart.table),
    el("p", { class: "gen-panel-sub", id: "tok-lens-note", text: lensPart.note }),
    el("div", { class: "gen-sub-head" }, [el("b", { text: "Attention" }), el("span", { class: "muted", text: " of the last token (outlined) over the prefix" })]),
    attn.tools, attn.strip, scaleLegend("sequential", 1, "attention weight"), attn.topList,
  );
  for (const n of lensPart.table.querySelectorAll("[data-scale]")) paint(/** @type {HTMLElement} */ (n));
  attn.draw();
}
