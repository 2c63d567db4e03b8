/* Glassbox report views, diff: one head's attention pattern in a (#diff-head-a), in b (#diff-head-b) and their
 * difference (#diff-head-change), fetched by the page (loadHead) and drawn below the head maps (#diff-head-zoom,
 * data-state loading | shown | error). */
import { Figure, measureText } from "../../lib/charts.js";
import { colorScale } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { fixed } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { MONO10, background, clip, figHead, frame, signed, themedLegend, v3 } from "./report-kit.js";
import { changeTag, changeText, sideTag, sideText } from "./report-diff-sides.js";
import { docShown, reading } from "./report-tokens.js";

/** One T x T map of P (the causal part) in a colour scale; got: {a, b} the patterns; diff: b − a. */
function patternMap(v, l, k, key, P, scaleName, max, caption, got, diff) {
  const D = v.doc, T = D.tokens.length, rd = reading(docShown(D.tokens));
  const axis = (i) => clip(rd.label(i), 8);
  const size = Math.max(120, Math.min(260, T * 12)), cs = size / T, lab = T <= 24 ? Math.min(80, 10 + Math.max(...D.tokens.map((_, i) => measureText(axis(i), MONO10)))) : 0;
  const f = new Figure({
    id: "diff-head-" + key, className: "v-heat", name: "attention-L" + l + "-H" + k + "-" + key, fileName: "glassbox-diff-attention-L" + l + "-H" + k + "-" + key,
    title: caption, size: () => [lab + size + 6, lab + size + 6],
    paint(pt, w, h) {
      const c = background(pt, w, h), sc = colorScale(scaleName);
      let n = 0;
      for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++, n++) pt.rect(lab + j * cs, lab + i * cs, cs + 0.3, cs + 0.3, sc.css((P[i] ? P[i][j] || 0 : 0) / max));
      frame(pt, lab, lab, size, size, c);
      f.root.dataset.cells = String(n); // the causal part, T (T + 1) / 2 cells: for tests
      if (lab) for (let i = 0; i < T; i++) {
        const s = axis(i);
        if (!s) continue; // a later token of a split character
        pt.text(s, lab - 4, lab + (i + 0.5) * cs, { color: c.axis, font: MONO10, align: "right", baseline: "middle" });
        pt.text(s, lab + (i + 0.5) * cs, lab - 4, { color: c.axis, font: MONO10, rotate: -45 });
      }
    },
    tip(x, y) {
      const i = Math.floor((y - lab) / cs), j = Math.floor((x - lab) / cs);
      if (i < 0 || j < 0 || i >= T || j > i) return null;
      return tooltip.content("query #" + i + " " + rd.name(i) + " \u2192 key #" + j + " " + rd.name(j),
        [[sideText(v, "a"), fixed(got.a[i][j], 3)], [sideText(v, "b"), fixed(got.b[i][j], 3)], ["b \u2212 a", signed(diff[i][j])]]);
    },
    csv: () => [["query \\ key"].concat(D.tokens.map((t, j) => j + " " + t.text))].concat(P.map((r, i) => [i + " " + D.tokens[i].text].concat(r))),
  });
  return f;
}

/** Says what is loading, or what went wrong. */
function zoomNote(zoom, state, title, node) {
  zoom.dataset.state = state;
  clear(zoom).append(el("div", { class: "v-zoom-head" }, el("h3", { text: title })), node);
}

/**
 * Opens head (l, k) in `zoom`: its pattern in a and in b, and their difference. show: {figs, seq}, the figures
 * drawn and a counter, so that a head clicked while another loads wins.
 */
export async function openDiffHead(v, zoom, show, loadHead, l, k) {
  const D = v.doc, M = D.dla_head_change, C = D.attention_change, mine = ++show.seq;
  for (const f of show.figs) f.destroy();
  v.figures = v.figures.filter((f) => !show.figs.includes(f));
  show.figs = [];
  zoom.classList.add("open");
  zoomNote(zoom, "loading", "Layer " + l + ", head " + k + " in a and in b", el("div", { class: "v-line", text: "Loading its attention in both models\u2026" }));
  let got;
  try { got = await loadHead(l, k); } catch (err) {
    if (mine !== show.seq) return;
    zoomNote(zoom, "error", "Layer " + l + ", head " + k,
      el("div", { class: "notice warn", role: "alert" }, el("span", { class: "notice-text", text: "Could not load its attention: " + (err && err.message ? err.message : err) })));
    return;
  }
  if (mine !== show.seq || !got) return;
  const diff = got.a.map((r, i) => r.map((x, j) => (got.b[i] ? got.b[i][j] || 0 : 0) - x));
  const dm = Math.max(1e-6, ...diff.flat().map(Math.abs));
  const specs = [["a", got.a, "sequential", 1, sideText(v, "a"), sideTag(v, "a")], ["b", got.b, "sequential", 1, sideText(v, "b"), sideTag(v, "b")],
    ["change", diff, "diverging", dm, changeText(v), changeTag(v)]];
  const nodes = specs.map(([key, P, scaleName, max, caption, tag]) => {
    const f = patternMap(v, l, k, key, P, scaleName, max, caption, got, diff);
    show.figs.push(f);
    v.figures.push(f);
    return el("div", { class: "v-fig" }, [figHead(tag, f), f.root]);
  });
  const x = (D.heads || []).find((h) => h.layer === l && h.head === k);
  clear(zoom).append(
    el("div", { class: "v-zoom-head" }, [el("h3", { text: "Layer " + l + ", head " + k + " in a and in b" }),
      el("div", { class: "v-facts" }, [el("span", {}, ["mean change ", el("b", { text: v3(C[l][k]) })]), x ? el("span", {}, ["largest ", el("b", { text: v3(x.max_change) })]) : null,
        el("span", {}, ["DLA change ", el("b", { text: signed(M[l][k]) })])])]),
    el("p", { class: "v-read" }, [el("b", { text: "How to read it: " }), "rows are queries, columns keys: row i shows where token i looks, dark for strong. " +
      "In the third map, red cells get more attention in b than in a, blue ones less."]),
    el("div", { class: "v-row" }, nodes),
    el("div", { class: "v-legends" }, [themedLegend(v, "sequential", 1, "attention weight"), themedLegend(v, "diverging", dm, changeText(v))]));
  for (const f of show.figs) f.draw();
  zoom.dataset.state = "shown";
  zoom.scrollIntoView({ block: "nearest" });
}
