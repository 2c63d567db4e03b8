/* Glassbox report views, inspect: attention (#attention). Every head's pattern as a small multiple (#head-grid
 * .thumb), each labelled with its layer and head ("L3 H2"), in layer order or ordered by a named statistic of the
 * head (#head-order: entropy, attention to the first, the previous or the same token; #head-order-note says which
 * order is in force); one click enlarges a head below the grid (#head-zoom, report-attention-zoom.js). */
import { clear, el } from "../../lib/dom.js";
import { fixed } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { icon } from "../../lib/ui.js";
import { background, figHead, saver } from "./report-kit.js";
import { headPatterns } from "./report-attention-data.js";
import { headView, zoomFigure } from "./report-attention-zoom.js";
import { docShown, reading } from "./report-tokens.js";

/** The orders of the small multiples: by a statistic of each head (docs/inspect-json.md `heads`), `sign` 1 for the
 * lowest first, -1 for the highest first. */
const ORDERS = [
  { key: "layer", label: "layer order", note: "In layer order: layer by layer, each layer's heads left to right." },
  { key: "entropy", label: "most focused (lowest entropy)", stat: "entropy", name: "entropy", sign: 1,
    note: "Ordered by the entropy of each head's attention, lowest first: the most focused heads come first." },
  { key: "first", label: "most to the first token", stat: "first_token", name: "to the first token", sign: -1,
    note: "Ordered by the attention each head gives the first token, most first (often a resting place)." },
  { key: "previous", label: "most to the previous token", stat: "previous_token", name: "to the previous token", sign: -1,
    note: "Ordered by the attention each head gives the token just before, most first (previous-token heads)." },
  { key: "same", label: "most to the same token", stat: "same_token", name: "to the same token", sign: -1,
    note: "Ordered by the attention each head gives a query's own token, most first." },
];

const statRows = (S) => (S ? [["entropy", fixed(S.entropy, 2)], ["previous token", fixed(S.previous_token, 2)], ["first token", fixed(S.first_token, 2)], ["same token", fixed(S.same_token, 2)]] : []);

/** The panel's words. */
function attentionCard(v, C, T) {
  return v.panel("attention", "Attention",
    (C.layer_numbers ? "Layers " + C.layer_numbers.join(", ") + ", every head" : "Every layer and head") +
    ": rows are queries, columns keys. Each square is labelled with its layer and head; order them by a statistic to find " +
    "heads of one kind. Click a head to enlarge it and see where each token looks." +
    (C.keys_per_row < T ? " (Each query keeps its " + C.keys_per_row + " largest weights.)" : ""),
    "each square is one head; row i shows where token i looks, dark for strong. A dark line just below the diagonal means " +
    "\u201clook at the previous token\u201d; a dark first column means \u201clook at the start\u201d (often a resting place). " +
    "Hover a square for the tokens under the pointer.", ["head", "pattern"]);
}

/** Every head as a picture (the download), in layer order. */
function gridPicture(a) {
  const { L, H, T, ln, pats } = a;
  const cell = Math.max(24, Math.min(64, Math.floor(880 / H) - 4)), lw = 36, top = 40, gap = 4;
  const W = lw + H * (cell + gap) + 8, Hh = top + L * (cell + gap) + 8;
  return [W, Hh, (pt, w, h) => {
    const c = background(pt, w, h);
    pt.text("Attention patterns, every layer and head (rows queries, columns keys)", 8, 16, { color: c.ink, font: "bold 12px system-ui" });
    for (let k = 0; k < H; k++) pt.text("h" + k, lw + k * (cell + gap) + cell / 2, top - 6, { color: c.axis, align: "center" });
    for (let l = 0; l < L; l++) {
      const y = top + l * (cell + gap);
      pt.text("L" + ln(l), lw - 6, y + cell / 2, { color: c.axis, align: "right", baseline: "middle" });
      for (let k = 0; k < H; k++) pt.image(pats.bitmap(l, k, 2 * cell), lw + k * (cell + gap), y, cell, cell, T > 2 * cell);
    }
  }];
}

/** The small multiples: a cell per head with its thumbnail (painted when it comes into view) and its label. */
function headCells(v, a, side) {
  const { L, H, ln, pats } = a;
  const paintThumb = (c, l, k) => {
    const dpr = Math.max(1, window.devicePixelRatio || 1), px = Math.round(side * dpr);
    if (c.width !== px) { c.width = px; c.height = px; }
    const g = c.getContext("2d");
    g.imageSmoothingEnabled = false; // at most one cell per pixel (max-pooled): crisp
    g.drawImage(pats.bitmap(l, k, px), 0, 0, px, px);
  };
  const small = { fontSize: "11px", lineHeight: "13px", color: "var(--muted)", fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap", textAlign: "center" };
  const cells = [];
  for (let l = 0; l < L; l++) {
    for (let k = 0; k < H; k++) {
      const c = el("canvas", { class: "thumb", width: side, height: side, style: { width: side + "px", height: side + "px" },
        "data-layer": l, "data-head": k, tabindex: "0", role: "button", "aria-label": "layer " + ln(l) + " head " + k });
      v.lazy.add(c, () => paintThumb(c, l, k), true);
      const stat = el("span", { class: "v-head-stat", style: Object.assign({ display: "block" }, small) });
      const cell = el("div", { class: "v-head-cell", dataset: { layer: String(l), head: String(k) },
        style: { display: "flex", flexDirection: "column", alignItems: "center", gap: "2px" } },
      [c, el("span", { class: "v-head-name", style: small, text: "L" + ln(l) + " H" + k }), stat]);
      cells.push({ cell, thumb: c, stat, l, k });
    }
  }
  return cells;
}

/** The order picker and the note saying which order is in force; reorder(order) lays the cells out again. */
function orderControls(a, cells, grid, onOrder) {
  const { stats } = a, has = cells.some((x) => stats(x.l, x.k));
  const note = el("span", { class: "v-caption", id: "head-order-note", "aria-live": "polite" });
  const select = el("select", { class: "select", id: "head-order", "aria-label": "Order the heads by", disabled: !has,
    title: has ? null : "this document has no statistics of the heads" }, ORDERS.map((o) => el("option", { value: o.key, text: o.label })));
  function reorder(key) {
    const o = ORDERS.find((x) => x.key === key) || ORDERS[0];
    const value = (x) => { const S = stats(x.l, x.k); return S && typeof S[o.stat] === "number" ? S[o.stat] : null; };
    const order = cells.slice();
    if (o.stat) order.sort((x, y) => (value(x) === null ? 1 : value(y) === null ? -1 : o.sign * (value(x) - value(y))) || x.l - y.l || x.k - y.k);
    for (const x of order) {
      const val = o.stat ? value(x) : null;
      x.stat.textContent = val === null ? "" : o.name + " " + fixed(val, 2);
      grid.appendChild(x.cell);
    }
    grid.dataset.order = o.key;
    note.textContent = o.note;
    onOrder(order);
  }
  select.addEventListener("change", () => reorder(select.value));
  const bar = el("div", { class: "v-toolbar" }, [el("label", { class: "v-control" }, [el("span", { text: "Order" }), select]), note]);
  return { bar, reorder };
}

export function attentionPanel(v) {
  const D = v.doc, C = D.attention_compact;
  if (!C) return null;
  const L = C.layers.length, H = C.layers[0].length, T = C.positions, rd = reading(docShown(D.tokens));
  // layer_numbers: the model's layer of each entry, where the document holds only some layers (all by default)
  const ln = (l) => (C.layer_numbers ? C.layer_numbers[l] : l);
  const stats = (l, k) => { const S = D.heads && D.heads[ln(l)] && D.heads[ln(l)].heads[k]; return S || null; };
  const a = { L, H, T, ln, stats, pats: headPatterns(C) };
  const p = attentionCard(v, C, T);
  const side = Math.max(40, Math.min(84, Math.floor(1120 / H) - 6));
  const grid = el("div", { class: "v-heads", id: "head-grid", style: { gridTemplateColumns: "repeat(" + H + ", " + (side + 4) + "px)", alignItems: "start" } });
  const cells = headCells(v, a, side), thumbs = cells.map((x) => x.thumb);
  let order = cells;
  const controls = orderControls(a, cells, grid, (o) => { order = o; });
  const thumbAt = (e) => { const cell = e.target.closest ? e.target.closest(".v-head-cell") : null; return cell ? cell.querySelector(".thumb") : null; };
  // A click opens the head below the grid and brings it into view (a long grid would hide it otherwise).
  grid.addEventListener("click", (e) => { const c = thumbAt(e); if (c) open(+c.dataset.layer, +c.dataset.head, true); });
  grid.addEventListener("keydown", (e) => {
    const c = thumbAt(e);
    if (c && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); open(+c.dataset.layer, +c.dataset.head, true); }
  });
  // A thumbnail is too small for token labels: the tooltip names the query and key under the pointer.
  tooltip.attach(grid, (e) => {
    const c = thumbAt(e);
    if (!c) return null;
    const l = +c.dataset.layer, k = +c.dataset.head, box = c.getBoundingClientRect();
    const i = Math.min(T - 1, Math.floor(((e.clientY - box.top) / box.height) * T)), j = Math.min(T - 1, Math.floor(((e.clientX - box.left) / box.width) * T));
    const at = e.target === c && i >= 0 && j >= 0 && j <= i
      ? [["query", "#" + i + " " + rd.name(i)], ["key", "#" + j + " " + rd.name(j)], ["weight", fixed(a.pats.pattern(l, k)[i * T + j], 3)]] : [];
    return tooltip.content("layer " + ln(l) + " \u00b7 head " + k, at.concat(statRows(stats(l, k))), ["click to enlarge"]);
  });
  const gridSave = saver("All attention heads", "attention-heads", () => gridPicture(a),
    () => [["layer", "head", "entropy", "previous_token", "first_token", "same_token"]].concat(
      (D.heads || []).flatMap((r, l) => r.heads.map((S, k) => [l, k, S.entropy, S.previous_token, S.first_token, S.same_token]))),
    () => ({ tokens: D.tokens.map((t) => t.text), heads: D.heads || [] }),
    (T <= 128 ? ["svg", "png"] : ["png"]).concat(["csv", "json"])); // SVG embeds every head's bitmap: small prompts only
  const zoom = el("div", { class: "v-zoom", id: "head-zoom" });
  p.append(controls.bar, el("div", { class: "v-fig" }, [
    figHead(L + " layers \u00d7 " + H + " heads, " + T + " positions", gridSave),
    el("div", { class: "v-scroll" }, grid)]), zoom);
  controls.reorder("layer");

  let selected = null, figs = [];
  function open(l, k, scroll) {
    if (l < 0 || l >= L || k < 0 || k >= H) return;
    const c = thumbs[l * H + k];
    if (selected) selected.classList.remove("sel");
    selected = c; c.classList.add("sel");
    for (const f of figs) f.destroy();
    v.figures = v.figures.filter((f) => !figs.includes(f));
    const P = a.pats.pattern(l, k), S = stats(l, k);
    const zf = zoomFigure(D, C, a.pats, rd, l, ln(l), k, P), hv = headView(T, rd, ln(l), k, P);
    figs = [zf, hv];
    v.figures.push(zf, hv);
    // the stepper follows the order in force
    const idx = order.findIndex((x) => x.l === l && x.k === k), step = (d) => { const x = order[idx + d]; if (x) open(x.l, x.k); };
    const prev = el("button", { type: "button", class: "icon-btn", title: "Previous head", "aria-label": "Previous head", disabled: idx <= 0, onclick: () => step(-1) }, icon("left"));
    const next = el("button", { type: "button", class: "icon-btn", title: "Next head", "aria-label": "Next head", disabled: idx >= order.length - 1, onclick: () => step(1) }, icon("right"));
    clear(zoom).append(
      el("div", { class: "v-zoom-head" }, [el("h3", { text: "Layer " + ln(l) + ", head " + k }), el("span", { class: "v-stepper" }, [prev, next]),
        S ? el("div", { class: "v-facts" }, statRows(S).map(([x, y]) => el("span", {}, [x + " ", el("b", { text: y })]))) : null]),
      el("div", { class: "v-row" }, [
        el("div", { class: "v-fig" }, [figHead("weights (rows queries, columns keys)", zf), zf.root]),
        el("div", { class: "v-fig" }, [figHead("head view" + (T > 40 ? " (last 40 tokens)" : "") + ": hover a query token", hv), hv.root]),
      ]));
    zoom.classList.add("open");
    zf.draw(); hv.draw();
    if (scroll) zoom.scrollIntoView({ block: "nearest" });
  }
  return { open };
}
