/* Glassbox report views, inspect: the prompt's tokens (#token-strip), coloured by their attributions (integrated
 * gradients or gradient × input) when the document has them, with the model's next-token alternatives after the
 * token clicked (#token-details). A character split over several tokens shows as one (report-tokens.js). */
import { measureText } from "../../lib/charts.js";
import { colorScale } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { fixed, int } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { MONO, background, figHead, legend, legendPaint, saver, v3 } from "./report-kit.js";
import { docShown, reading, tokenChip, tokenQuoted, tokenShown } from "./report-tokens.js";

const METHODS = [["scores", "Integrated gradients", "IG"], ["gradient_x_input", "Gradient \u00d7 input", "grad\u00d7input"]];

/** What the attributions explain: the target (and the contrast, "why this rather than that") and their words. */
function explained(v) {
  const D = v.doc, A = D.attributions || null, T = D.tokens.length;
  const lastTop = D.positions[T - 1] && D.positions[T - 1].top[0];
  const targetID = A ? A.target_id : D.direct_logit_attribution ? D.direct_logit_attribution.target_id : lastTop ? lastTop[0] : null;
  // With a contrast the attributed quantity is logit(target) − logit(contrast): "why this rather than that". Before the
  // attributions come, the direct logit attribution (asked for with the same contrast) names it.
  const Q = D.direct_logit_attribution, has = (x) => x !== undefined && x !== null;
  const contrastID = A ? (has(A.contrast_id) ? A.contrast_id : null) : Q && has(Q.contrast_id) && Q.target_id === targetID ? Q.contrast_id : null;
  const q = (id) => tokenQuoted(v.tokenText(id));
  const target = (targetID === null ? "?" : q(targetID)) + (contrastID === null ? "" : " rather than " + q(contrastID));
  const what = contrastID === null ? "the logit of " + target : "logit(" + q(targetID) + ") \u2212 logit(" + q(contrastID) + ")";
  return { targetID, contrastID, target, what };
}

/** The attribution method's toggle and the attributions' facts (completeness gap); the warning when it is large. */
function attributionTools(p, A, state) {
  const rel = A.completeness_relative_gap, gapOK = Math.abs(rel) <= 0.05;
  const buttons = METHODS.map(([key, label]) => el("button", {
    type: "button", "data-method": key, class: key === state.method ? "on" : null, "aria-pressed": key === state.method ? "true" : "false", text: label,
    onclick: () => {
      state.method = key;
      for (const b of buttons) { const on = b.dataset.method === key; b.classList.toggle("on", on); b.setAttribute("aria-pressed", on ? "true" : "false"); }
      state.paint();
    },
  }));
  const toggle = el("div", { class: "v-seg", id: "method", role: "group", "aria-label": "Attribution method" }, buttons);
  const gap = el("span", { class: ["badge", gapOK ? "v-ok" : "v-warn"], id: "gap", title: "How far the attributions' sum is from f(x) \u2212 f(baseline)" },
    "completeness gap " + v3(A.completeness_gap) + " (" + fixed(100 * rel, 1) + "% of f(x) \u2212 f(baseline) = " + v3(A.f_input - A.f_baseline) + ")");
  const facts = el("div", { class: "v-facts" }, [
    el("span", {}, ["baseline ", el("b", { text: A.baseline })]),
    el("span", {}, [el("b", { text: String(A.steps) }), " gradient points (" + A.rule + ")"]),
    el("span", {}, ["f(x) ", el("b", { text: v3(A.f_input) })]),
    el("span", {}, ["f(baseline) ", el("b", { text: v3(A.f_baseline) })]),
    gap,
  ]);
  p.append(el("div", { class: "v-toolbar" }, [toggle, facts]));
  if (!gapOK) p.append(el("div", { class: "notice warn v-notice", role: "note", text: "The attributions do not add up to the change in the logit: the path integral is not resolved. Treat the colours as rough; rerun with more --steps." }));
}

/** The model's next-token alternatives after token i, into `details`. */
function alternatives(v, R, details, i) {
  const D = v.doc, P = D.positions[i];
  const rows = P.top.map(([id, pr]) => el("tr", {}, [
    el("td", { class: "t", text: tokenQuoted(v.tokenText(id)) }),
    el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, 100 * pr) + "%" } })),
    el("td", { class: "num", text: fixed(pr, 3) }),
  ]));
  const actual = P.actual_next_rank !== undefined
    ? el("div", { class: "v-line" }, ["actual next token ", el("b", { text: R.name(i + 1) }), " has rank ",
      el("b", { text: int(P.actual_next_rank + 1) }), ", probability ", el("b", { text: v3(P.actual_next_probability) })])
    : el("div", { class: "v-line" }, "after the last token: the model's prediction");
  clear(details).append(
    el("div", { class: "v-line" }, ["after token #" + i + " ", el("b", { text: R.name(i) }),
      " \u2014 entropy ", el("b", { text: fixed(P.entropy, 2) }), " nats"]),
    el("table", { class: "v-alts" }, el("tbody", {}, rows)), actual);
}

/** The strip for the download: chips wrapped into lines as on the page, the target after an arrow. */
function stripPicture(v, R, state, kept, E) {
  const D = v.doc, A = D.attributions, vals = A[state.method], max = Math.max(1e-9, ...vals.map(Math.abs)), W = 900, gap = 4, hgt = 22, pad = 12;
  const items = D.tokens.map((t, i) => ({ text: R.label(i), v: vals[i] / max, kept: kept.has(i), cont: !R.first(i) }))
    .concat([{ text: "\u2192", arrow: true }, { text: tokenShown(v.tokenText(A.target_id)), target: true }]);
  let x = pad, y = 40;
  for (const it of items) {
    it.w = it.cont ? 8 : measureText(it.text, MONO) + (it.arrow ? 4 : 12);
    if (x + it.w > W - pad && x > pad && !it.cont) { x = pad; y += hgt + gap; }
    if (it.cont) x -= gap; // joined to the first token of its character
    it.x = x; it.y = y; x += it.w + gap;
  }
  const H = y + hgt + 44;
  return [W, H, (pt, w, h) => {
    const c = background(pt, w, h), sc = colorScale("diverging");
    pt.text(state.methodName() + " attributions to " + E.what + "  \u00b7  completeness gap " + v3(A.completeness_gap) +
      " (" + fixed(100 * A.completeness_relative_gap, 1) + "%)", pad, 20, { color: c.ink, font: "bold 12px system-ui" });
    for (const it of items) {
      if (it.arrow) { pt.text(it.text, it.x + 2, it.y + hgt / 2, { color: c.muted, font: MONO, baseline: "middle" }); continue; }
      if (it.target) pt.poly([[it.x, it.y], [it.x + it.w, it.y], [it.x + it.w, it.y + hgt], [it.x, it.y + hgt]], { stroke: c.ink, width: 1 });
      else pt.rect(it.x, it.y, it.w, hgt, sc.css(it.v));
      if (it.kept) pt.line([[it.x + 2, it.y + hgt - 3], [it.x + it.w - 2, it.y + hgt - 3]], { color: c.muted, width: 1, dash: [2, 2] });
      if (it.text) pt.text(it.text, it.x + 6, it.y + hgt / 2 + 0.5, { color: it.target ? c.ink : sc.ink(it.v), font: MONO, baseline: "middle" });
    }
    legendPaint(pt, sc, pad + 40, h - 22, 160, "\u2212" + v3(max), "+" + v3(max), c);
  }];
}

/** The strip's download menu (with attributions only). */
function stripSaver(v, R, state, kept, E) {
  const D = v.doc, A = D.attributions;
  return saver("Attributions", "attributions", () => stripPicture(v, R, state, kept, E), () =>
    [["position", "token", "id", "integrated_gradients", "gradient_x_input", "gradient_norm", "kept"]].concat(D.tokens.map((t, i) =>
      [i, t.text, t.id, A.scores[i], A.gradient_x_input[i], A.gradient_norms ? A.gradient_norms[i] : null, kept.has(i) ? 1 : 0])),
  () => ({ target: { id: A.target_id, text: v.tokenText(A.target_id) }, tokens: D.tokens, attributions: A, positions: D.positions }));
}

/** The panel's words: what the colours show and how to read them. */
function promptPanel(v, A, E) {
  const why = E.contrastID === null ? "the logit of " + E.target : "the choice of " + E.target;
  return v.panel("tokens", "Prompt and attributions", A
    ? "Each token coloured by how much it drove " + (E.contrastID === null ? why : why + " (the logit difference)") +
      " at the last position (integrated gradients: red raises it, blue lowers it). " +
      "Click a token for the model's next-token alternatives there."
    : "Once the attributions are computed, each token is coloured by how much it drove " + why +
      " at the last position. Click a token for the model's next-token alternatives there.",
    "red tokens pushed the model towards " + E.target + ", blue ones away from it, white ones hardly mattered. The completeness " +
    "gap says how far to trust the colours: green (under 5%) means they add up.", ["token", "logit", "ig", "baseline", "gap"]);
}

/** The prompt's tokens, coloured by their attributions when the document has them; old: the panel it replaces. */
export function tokensPanel(v, pending, old) {
  const D = v.doc, A = D.attributions || null, T = D.tokens.length, E = explained(v), R = reading(docShown(D.tokens));
  const p = promptPanel(v, A, E);
  if (old) {
    old.node.replaceWith(p);
    v.repaint = v.repaint.filter((f) => f !== old.paint);
  }
  const state = { method: "scores", paint: () => {}, methodName: () => METHODS.find((x) => x[0] === state.method)[1] };
  if (A) attributionTools(p, A, state);
  else if (pending) p.append(pending);

  const kept = new Set(A ? A.kept_positions || [] : []);
  const chips = D.tokens.map((t, i) => tokenChip(R, i, [kept.has(i) ? "kept" : null], { "data-pos": i, tabindex: "0", role: "button", "aria-label": "token " + i + " " + R.short(i) }, true));
  const targetChip = el("span", { class: "tok target", title: A ? "the attributed token" : "the token the attributions will explain", text: tokenShown(E.targetID === null ? "?" : v.tokenText(E.targetID)) });
  const strip = el("div", { class: ["v-tokens", A ? null : "v-plain"], id: "token-strip", dataset: { attributed: A ? "1" : "0" } },
    [chips, el("span", { class: "v-arrow", text: "\u2192" }), targetChip]);
  const chipAt = (e) => { const c = e.target.closest && e.target.closest(".tok[data-pos]"); return c ? +c.dataset.pos : -1; };
  const details = el("div", { class: "v-details", id: "token-details" });
  const select = (i) => { chips.forEach((c, j) => c.classList.toggle("sel", j === i)); alternatives(v, R, details, i); };
  strip.addEventListener("click", (e) => { const i = chipAt(e); if (i >= 0) select(i); });
  strip.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { const i = chipAt(e); if (i >= 0) { e.preventDefault(); select(i); } } });
  tooltip.attach(strip, (e) => {
    const i = chipAt(e);
    if (i < 0) return null;
    const t = D.tokens[i], m = METHODS.find((x) => x[0] === state.method);
    return tooltip.content("#" + i + "  " + R.name(i), [["id", t.id], A ? [m[2], v3(A[state.method][i])] : null],
      [kept.has(i) ? "kept at its own embedding by the baseline (attention sink)" : null, R.title(i)]);
  });
  const legendBox = el("div", { class: "v-legend-row" });
  const caption = el("span", { text: A ? "" : "The prompt's " + T + " token" + (T === 1 ? "" : "s") });
  p.append(el("div", { class: "v-fig" }, [figHead(caption, A ? stripSaver(v, R, state, kept, E) : null), strip, legendBox]), details);

  state.paint = () => {
    if (!A) return;
    const vals = A[state.method], max = Math.max(1e-9, ...vals.map(Math.abs)), sc = colorScale("diverging");
    chips.forEach((c, i) => { c.style.backgroundColor = sc.css(vals[i] / max); c.style.color = sc.ink(vals[i] / max); });
    caption.textContent = state.methodName() + " attributions to " + E.what;
    clear(legendBox).appendChild(legend(sc, max, "attribution (logit units); they sum to " + v3(vals.reduce((a, b) => a + b, 0))));
  };
  const paint = () => state.paint();
  v.repaint.push(paint);
  paint();
  select(T - 1);
  return { node: p, paint };
}
