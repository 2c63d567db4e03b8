/* Glassbox report views, inspect: the logit lens (#logit-lens): the top token every layer would predict at each
 * position (#lens-table, 24 positions at a time), and the rank of the final prediction through the layers at the
 * last position (#rank-chart). */
import { linearTicks, measureText } from "../../lib/charts.js";
import { color, colorScale } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { fixed, int } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { icon } from "../../lib/ui.js";
import { hookLabel } from "./report-glossary.js";
import { MONO, background, clip, figHead, legend, legendPaint, saver } from "./report-kit.js";
import { docShown, reading, tokenQuoted, tokenShown } from "./report-tokens.js";

const WINDOW = 24;

/** The lens as a picture (the positions on the page). */
function lensPicture(v, R, start) {
  const D = v.doc, G = D.logit_lens_grid, T = D.tokens.length, L = G.top.length;
  const end = Math.min(T, start + WINDOW), cols = end - start;
  const texts = (l) => Array.from({ length: cols }, (_, k) => clip(tokenShown(v.tokenText(G.top[l][start + k])), 9));
  const head = (k) => clip(R.label(start + k, start), 9);
  let cw = 36;
  for (let k = 0; k < cols; k++) cw = Math.max(cw, measureText(head(k), MONO) + 10);
  for (let l = 0; l < L; l++) for (const s of texts(l)) cw = Math.max(cw, measureText(s, MONO) + 10);
  cw = Math.min(cw, 90);
  const lw = 48, top = 44, ch = 18, W = lw + cols * cw + 12, H = top + L * ch + 40;
  return [W, H, (pt, w, h) => {
    const c = background(pt, w, h), sc = colorScale("sequential");
    pt.text("Logit lens: top token per layer, positions " + start + "\u2013" + (end - 1), 8, 16, { color: c.ink, font: "bold 12px system-ui" });
    for (let k = 0; k < cols; k++) pt.text(head(k), lw + k * cw + cw / 2, top - 8, { color: c.axis, font: MONO, align: "center" });
    for (let l = L - 1, r = 0; l >= 0; l--, r++) {
      const y = top + r * ch;
      pt.text(l === 0 ? "embed" : String(l), lw - 6, y + ch / 2, { color: c.axis, align: "right", baseline: "middle" });
      const tx = texts(l);
      for (let k = 0; k < cols; k++) {
        const pr = G.probability[l][start + k];
        pt.rect(lw + k * cw, y, cw - 2, ch - 2, sc.css(pr));
        pt.text(tx[k], lw + k * cw + 4, y + ch / 2, { color: sc.ink(pr), font: MONO, baseline: "middle" });
      }
    }
    legendPaint(pt, sc, lw + 20, h - 22, 160, "0", "1", c);
  }];
}

/** The table of the positions start.. (24 of them): a row per layer, the top layer first. */
function lensTable(v, R, start) {
  const D = v.doc, G = D.logit_lens_grid, T = D.tokens.length, L = G.top.length;
  const end = Math.min(T, start + WINDOW), sc = colorScale("sequential");
  const head = el("tr", {}, [el("th", { class: "l", text: "layer" }),
    Array.from({ length: end - start }, (_, k) => {
      const t = start + k;
      return el("th", { title: ["position " + t, R.title(t)].filter(Boolean).join("\n"), class: R.first(t) || t === start ? null : "tok-cont", text: R.label(t, start) });
    })]);
  const rows = [];
  for (let l = L - 1; l >= 0; l--) {
    const tds = [];
    for (let t = start; t < end; t++) {
      const pr = G.probability[l][t];
      tds.push(el("td", { "data-l": l, "data-t": t, style: { backgroundColor: sc.css(pr), color: sc.ink(pr) }, text: tokenShown(v.tokenText(G.top[l][t])) }));
    }
    rows.push(el("tr", {}, [el("th", { class: "l", text: l === 0 ? "embed" : String(l) }), tds]));
  }
  return el("table", { class: "v-lens", id: "lens-table" }, [el("thead", {}, head), el("tbody", {}, rows)]);
}

/** The lens' download menu: the picture, every cell as CSV, the grid as JSON. */
function lensSaver(v, R, at) {
  const D = v.doc, G = D.logit_lens_grid, T = D.tokens.length, L = G.top.length;
  return saver("Logit lens", "logit-lens", () => lensPicture(v, R, at()),
    () => {
      const rows = [["layer", "position", "token", "top_id", "top_token", "probability", "final_prediction_rank"]];
      for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) rows.push([l, t, D.tokens[t].text, G.top[l][t], v.tokenText(G.top[l][t]), G.probability[l][t], G.final_rank[l][t] + 1]);
      return rows;
    },
    () => ({ tokens: D.tokens.map((t) => t.text), grid: G, last_position: D.logit_lens }));
}

export function lensPanel(v) {
  const D = v.doc, G = D.logit_lens_grid, T = D.tokens.length, R = reading(docShown(D.tokens));
  const p = v.panel("logit-lens", "Logit lens",
    ["What each layer would predict: the final norm and unembedding applied to ", hookLabel("blocks.{L}.hook_resid_post"),
      "; row 0 applies them to the embeddings. Cells show the top token, shaded by its probability; hover for the rank of the " +
      "model's final prediction."],
    "read a column from the bottom up to watch the prediction after that token take shape, layer by layer: dark cells are " +
    "confident, pale ones unsure. The top row is the model's real prediction.", ["lens", "residual", "probability"]);
  const L = G.top.length;
  let start = Math.max(0, T - WINDOW);
  const prev = el("button", { type: "button", class: "btn small", onclick: () => { start = Math.max(0, start - WINDOW); draw(); } }, [icon("left"), "Earlier"]);
  const next = el("button", { type: "button", class: "btn small", onclick: () => { start = Math.min(Math.max(0, T - WINDOW), start + WINDOW); draw(); } }, ["Later", icon("right")]);
  const range = el("span", { class: "v-caption" });
  const wrap = el("div", { class: "v-scroll" });
  const legendBox = el("div", { class: "v-legend-row" });
  p.append(el("div", { class: "v-fig" }, [
    el("div", { class: "v-fig-head" }, [el("div", { class: "v-pager" }, [prev, next, range]), el("span", { class: "spacer" }), lensSaver(v, R, () => start).menu()]),
    wrap, legendBox]));
  tooltip.attach(wrap, (e) => {
    const td = e.target.closest && e.target.closest("td[data-l]");
    if (!td) return null;
    const l = +td.dataset.l, t = +td.dataset.t, id = G.top[l][t];
    return tooltip.content((l === 0 ? "embeddings" : "layer " + l) + " \u00b7 position " + t + " " + R.name(t),
      [["top token", tokenQuoted(v.tokenText(id))], ["probability", fixed(G.probability[l][t], 3)],
        ["final prediction", tokenQuoted(v.tokenText(G.top[L - 1][t]))], ["its rank here", int(G.final_rank[l][t] + 1)]]);
  });
  function draw() {
    const end = Math.min(T, start + WINDOW);
    clear(wrap).appendChild(lensTable(v, R, start));
    prev.disabled = start === 0;
    next.disabled = end >= T;
    range.textContent = "positions " + start + "\u2013" + (end - 1) + " of " + T;
    clear(legendBox).appendChild(legend(colorScale("sequential"), 1, "probability of the top token"));
  }
  v.lazy.add(wrap, draw, true);
  rankFigure(v, p);
}

/** The rank of the final prediction at the last position, layer by layer (log scale, rank 1 at the top). */
function rankFigure(v, p) {
  const D = v.doc, E = D.logit_lens, n = E.length;
  const ranks = E.map((e) => e.final_token_rank + 1);
  const fin = E[n - 1].top[0][0];
  const W = 600, H = 210, box = { x: 46, y: 12, w: W - 46 - 16, h: H - 12 - 40 };
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(10, ...ranks))));
  const X = (i) => box.x + (box.w * i) / Math.max(1, n - 1);
  const Y = (r) => box.y + (box.h * Math.log10(r)) / decades;
  const near = (x) => Math.max(0, Math.min(n - 1, Math.round(((x - box.x) / box.w) * (n - 1))));
  const fig = v.figure({
    id: "rank-chart", name: "final-prediction-rank", title: "Rank of the final prediction through the layers", svg: true,
    size: () => [W, H],
    paint(pt, w, h) {
      const c = background(pt, w, h), accent = color(0);
      for (let k = 0; k <= decades; k++) {
        const y = Math.round(Y(10 ** k)) + 0.5;
        pt.line([[box.x, y], [box.x + box.w, y]], { color: c.grid, width: 1 });
        pt.text(k < 3 ? String(10 ** k) : k < 6 ? 10 ** (k - 3) + "k" : 10 ** (k - 6) + "M", box.x - 8, y, { color: c.axis, align: "right", baseline: "middle" });
      }
      for (const t of linearTicks(0, n - 1, Math.min(n - 1, 10)).filter(Number.isInteger)) {
        const x = Math.round(X(t)) + 0.5;
        pt.line([[x, box.y + box.h], [x, box.y + box.h + 4]], { color: c.axis, width: 1 });
        pt.text(String(t), x, box.y + box.h + 7, { color: c.axis, align: "center", baseline: "top" });
      }
      pt.text("layer (0: the embeddings), at the last position", box.x + box.w / 2, h - 8, { color: c.muted, align: "center" });
      pt.line(ranks.map((r, i) => [X(i), Y(r)]), { color: accent, width: 2 });
      ranks.forEach((r, i) => pt.circle(X(i), Y(r), 3, { fill: accent, stroke: c.bg, width: 1 }));
    },
    tip(x, y) {
      if (x < box.x - 8 || x > box.x + box.w + 8 || y > box.y + box.h + 6) return null;
      const i = near(x), top = E[i].top[0];
      return tooltip.content(i === 0 ? "embeddings" : "layer " + i, [["rank of " + tokenQuoted(v.tokenText(fin)), int(ranks[i])],
        ["top token here", tokenQuoted(v.tokenText(top[0]))], ["its probability", fixed(top[1], 3)]]);
    },
    csv: () => [["layer", "final_prediction_rank", "top_id", "top_token", "top_probability"]].concat(E.map((e, i) => [i, ranks[i], e.top[0][0], v.tokenText(e.top[0][0]), e.top[0][1]])),
    json: () => ({ final_prediction: { id: fin, text: v.tokenText(fin) }, layers: E }),
  });
  p.append(el("div", { class: "v-fig" }, [
    figHead(["Rank of the final prediction ", el("b", { text: tokenQuoted(v.tokenText(fin)) }), " through the layers (log scale)"], fig), fig.root]));
}
