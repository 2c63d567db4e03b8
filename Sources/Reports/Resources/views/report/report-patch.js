/* Glassbox report views: the patch view (glassbox patch --json, or the studio's patching tab): the clean and the
 * corrupted prompt (#patch-info), and the restored fraction when one activation is copied from the clean run, per
 * layer and position of the residual stream (#patch-residual-svg) and per layer and head (#patch-heads-svg, with
 * the ten heads that restore the most beside it). A scan streaming in draws its missing cells grey. */
import { measureText } from "../../lib/charts.js";
import { colorScale } from "../../lib/colors.js";
import { el } from "../../lib/dom.js";
import { fixed, isNum } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { glossary, hookLabel } from "./report-glossary.js";
import { View, background, clip, figHead, frame, themedLegend, v3 } from "./report-kit.js";
import { reading, shownOf, tokenChip, tokenQuoted, tokenShown } from "./report-tokens.js";

/** The shown texts of one of the two prompts: the document's own (`clean_shown`) where it has them. */
function promptShown(P, which) {
  const own = P[which + "_shown"];
  if (Array.isArray(own)) return own;
  const dec = P[which + "_decoded"], voc = P[which + "_tokens"] || [];
  return dec.map((d, i) => shownOf(voc[i], d));
}

/** The facts and the two prompts, the tokens where they differ marked. */
function patchInfo(v, P, clean, corrupted) {
  const info = v.panel("patch-info", "Activation patching",
    "The corrupted prompt is run with one activation taken from the clean run; cells show the restored fraction of " + P.metric +
    " (1 = the clean answer fully restored, 0 = no effect).",
    "the maps below show, for each place in the model, how much of the clean answer comes back when only that place is " +
    "copied from the clean run: red cells (near 1) carry the answer, white cells make no difference, blue ones make it worse.",
    ["patching", "restored", "logit"]);
  const answer = (a) => tokenQuoted(shownOf(a.text, a.decoded));
  info.append(el("div", { class: "v-facts" }, [
    el("span", {}, ["clean ", el("b", { text: fixed(P.clean_metric, 2) })]),
    el("span", {}, ["corrupted ", el("b", { text: fixed(P.corrupted_metric, 2) })]),
    el("span", {}, ["answer ", el("b", { text: answer(P.answer) }), " vs ", el("b", { text: answer(P.wrong) })]),
  ]));
  const strip = (label, R, other) => el("div", { class: "v-prompt" }, [el("span", { class: "v-strip-label", text: label }),
    el("div", { class: "v-tokens" }, R.shown.map((t, i) => {
      const differs = other.shown[i] !== t;
      return tokenChip(R, i, [differs ? "differs" : null], { title: differs ? "differs from the other prompt" : null });
    }))]);
  info.append(strip("clean", clean, corrupted), strip("corrupted", corrupted, clean));
  return info;
}

/** The ten cells that restore the most, each marking its cell in the map when clicked. */
function rankedCells(spec, name, mark) {
  const { M, id, colName } = spec;
  const top10 = M.flatMap((r, l) => r.map((val, j) => [l, j, val])).filter((x) => isNum(x[2])).sort((a, b) => b[2] - a[2]).slice(0, 10);
  const mx = Math.max(1e-9, ...top10.map((x) => Math.abs(x[2])));
  const list = el("table", { class: "v-alts v-rank", id: id + "-top" }, el("tbody", {}, top10.map(([l, j, val], i) => {
    const tr = el("tr", { "data-layer": l, "data-col": j }, [
      el("td", { class: "num v-rank-n", text: String(i + 1) }),
      el("td", { class: "t" }, el("button", { type: "button", class: "v-link", title: "Mark its cell in the map", text: name(l, j), onclick: () => {
        for (const row of list.querySelectorAll("tr")) row.classList.toggle("sel", row === tr);
        mark(l, j);
      } })),
      el("td", { class: "bar" }, el("div", { class: ["v-pbar", val < 0 ? "neg" : null], style: { width: Math.max(0.5, (100 * Math.abs(val)) / mx) + "%" } })),
      el("td", { class: "num", text: fixed(val, 3) })]);
    return tr;
  })));
  return el("div", { class: "v-fig v-ranked" }, [
    el("div", { class: "v-fig-head" }, el("div", { class: "v-caption", text: "The " + top10.length + " " + colName + "s that restore the most" })), list]);
}

/**
 * A patching scan as a heat map (rows layers). spec: {id, title, sub, read, terms, M (the restored fractions), cols
 * (the columns' names in the data), axis(j) (a column's label on the map), colText(j) (a column in words), colName,
 * hook, ranked (with the ten cells that restore the most beside it)}.
 */
function patchHeat(v, spec) {
  const { id, title, M, cols, axis, colName, hook } = spec;
  const p = v.panel(id, title, spec.sub, spec.read, spec.terms);
  const L = M.length, C = cols.length;
  const cw = Math.max(26, Math.min(60, Math.floor(900 / C))), ch = 16, lw = 40;
  const labelW = Math.min(90, Math.max(...cols.map((_, j) => measureText(clip(axis(j), 12)))));
  const top = Math.ceil(labelW * 0.71) + 16;
  const max = Math.max(1, ...M.flat().filter(isNum).map(Math.abs));
  const cellAt = (x, y) => [Math.floor((y - top) / ch), Math.floor((x - lw) / cw)];
  const name = (l, j) => (colName === "head" ? "L" + l + " H" + j : "layer " + l + " \u00b7 " + colName + " " + spec.colText(j));
  let marked = null; // [layer, column] picked in the ranked list
  const fig = v.figure({
    id: id + "-svg", name: id, title, svg: true, size: () => [lw + C * cw + Math.max(10, labelW * 0.71 - cw / 2 + 6), top + L * ch + 10],
    paint(pt, w, h, exporting) {
      const c = background(pt, w, h), sc = colorScale("diverging");
      cols.forEach((_, j) => { const s = clip(axis(j), 12); if (s) pt.text(s, lw + j * cw + cw / 2, top - 6, { color: c.axis, rotate: -45 }); });
      for (let l = 0; l < L; l++) {
        pt.text(String(l), lw - 6, top + l * ch + ch / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
        // a cell not computed yet (a scan still streaming in) is drawn in the empty-cell grey, apart from 0's white
        for (let j = 0; j < C; j++) pt.rect(lw + j * cw, top + l * ch, cw - 1, ch - 1, isNum(M[l][j]) ? sc.css(M[l][j] / max) : c.empty);
      }
      frame(pt, lw, top, C * cw - 1, L * ch - 1, c);
      if (marked && !exporting) {
        const [l, j] = marked, x = lw + j * cw - 1, y = top + l * ch - 1;
        pt.poly([[x, y], [x + cw + 1, y], [x + cw + 1, y + ch + 1], [x, y + ch + 1]], { stroke: c.ink, width: 2 });
      }
    },
    tip(x, y) {
      const [l, j] = cellAt(x, y);
      if (!(l >= 0 && l < L && j >= 0 && j < C)) return null;
      return tooltip.content(name(l, j), [["restored fraction", isNum(M[l][j]) ? v3(M[l][j]) : "not computed yet"]]);
    },
    csv: () => [["layer"].concat(cols)].concat(M.map((r, l) => [l].concat(r))),
    json: () => ({ hook, columns: cols, restored: M }),
  });
  const lg = themedLegend(v, "diverging", max, "restored fraction");
  const heat = el("div", { class: "v-fig" }, [figHead("restored fraction by layer and " + colName, fig), lg, el("div", { class: "v-scroll" }, fig.root)]);
  if (!spec.ranked) { p.append(heat); return; }
  p.append(el("div", { class: "v-row" }, [heat, rankedCells(spec, name, (l, j) => { marked = [l, j]; fig.requestDraw(); })]));
}

export function renderPatch(container, doc) {
  const v = new View(container, doc), P = doc;
  glossary(v, "patch-glossary"); // first: the panels go in above it
  // a scan streaming in (the studio draws it as each group of layers arrives): rows of nulls are still to come
  const pending = [P.residual.restored, P.heads.restored].some((M) => M.some((r) => r.some((x) => !isNum(x))));
  const clean = reading(promptShown(P, "clean")), corrupted = reading(promptShown(P, "corrupted"));
  const info = patchInfo(v, P, clean, corrupted);
  if (pending) info.append(el("p", { class: "v-sub", id: "patch-pending", text: "The maps fill in as the scan runs, from the last layers (the quickest) to the first; grey cells are still to come." }));
  const hook = (h, fallback) => (h ? hookLabel(h) : fallback);
  patchHeat(v, { id: "patch-residual", title: "Residual stream",
    sub: ["Patching ", hook(P.residual.hook, "the residual stream"), " at one position (rows layers, columns positions)."],
    read: "a red cell says that at this layer the answer's information sits at this position. Going down the layers, watch it move " +
      "from the token where the prompts differ to the last position, where the prediction is made.", terms: ["residual", "hook"],
    M: P.residual.restored, cols: corrupted.shown.map((s) => tokenShown(s)), axis: (j) => corrupted.label(j), colText: (j) => "#" + j + " " + corrupted.name(j),
    colName: "position", hook: P.residual.hook, ranked: false });
  patchHeat(v, { id: "patch-heads", title: "Attention heads",
    sub: ["Patching one head's output, ", hook(P.heads.hook, "hook_z"), ", at every position (rows layers, columns heads)."],
    read: "red heads carry the clean answer into the prediction; the list beside the map ranks the ten that restore the most. " +
      "Click a name to find its cell.", terms: ["head", "hook"],
    M: P.heads.restored, cols: P.heads.restored[0].map((_, k) => "h" + k), axis: (k) => "h" + k, colText: (k) => "h" + k,
    colName: "head", hook: P.heads.hook, ranked: true });
  return { destroy: () => v.destroy() };
}
