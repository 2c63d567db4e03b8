// The HTML report's script: reads the embedded document and draws each panel when it first becomes visible.
"use strict";
(function () {
const D = JSON.parse(document.getElementById("glassbox-data").textContent);
const app = document.getElementById("app");
const tip = document.getElementById("tooltip");

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "style") e.style.cssText = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}
const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of kids) e.append(c instanceof Node ? c : String(c));
  return e;
}
function fmt(x, d) { return Number(x).toFixed(d === undefined ? 3 : d); }
// Token text as shown: newlines and tabs made visible.
function shown(t) {
  const v = String(t).replace(/\n/g, "\u21b5").replace(/\t/g, "\u21e5");
  return v === "" ? "\u2205" : /^ +$/.test(v) ? v.replace(/ /g, "\u2423") : v;
}
function tokenText(id) { const v = D.vocab && D.vocab[String(id)]; return v === undefined ? "#" + id : v; }

// Colours: diverging (red positive, blue negative) and sequential (white to blue).
function diverging(v, max) {
  const a = max > 0 ? Math.min(1, Math.abs(v) / max) : 0;
  const c = v >= 0 ? "214, 63, 52" : "40, 98, 200";
  return "rgba(" + c + ", " + (0.08 + 0.82 * a).toFixed(3) + ")";
}
function seqRGB(p) {           // p in [0, 1]
  const t = Math.sqrt(Math.max(0, Math.min(1, p)));
  return [Math.round(255 - t * 215), Math.round(255 - t * 170), Math.round(255 - t * 45)];
}
function seq(p) { const c = seqRGB(p); return "rgb(" + c.join(",") + ")"; }
function inkFor(p) { return p > 0.45 ? "#fff" : "#1d2330"; }

// Tooltip.
function tipOn(e, text) { tip.textContent = text; tip.style.display = "block"; tipMove(e); }
function tipMove(e) { tip.style.left = Math.min(window.innerWidth - 380, e.clientX + 14) + "px"; tip.style.top = (e.clientY + 14) + "px"; }
function tipOff() { tip.style.display = "none"; }
function withTip(node, textOf) {
  node.addEventListener("mousemove", (e) => { const t = textOf(e); if (t) tipOn(e, t); else tipOff(); });
  node.addEventListener("mouseleave", tipOff);
  return node;
}

// Panels are built at once (cheap) but drawn when they first scroll into view.
const drawers = new Map();
const observer = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
  for (const en of entries) if (en.isIntersecting && drawers.has(en.target)) {
    const f = drawers.get(en.target); drawers.delete(en.target); observer.unobserve(en.target); f();
  }
}, { rootMargin: "300px" }) : null;
function onVisible(node, draw) { if (observer) { drawers.set(node, draw); observer.observe(node); } else draw(); }

function panel(id, title, sub) {
  const p = h("section", { class: "panel", id: id }, h("h2", {}, title), sub ? h("p", { class: "sub" }, sub) : null);
  app.append(p);
  return p;
}

// Header line.
const m = D.model || {};
const line = document.getElementById("model-line");
const parts = [];
if (m.name) parts.push(["", m.name]);
if (m.architecture) parts.push(["architecture ", m.architecture]);
if (m.parameters) parts.push(["parameters ", (m.parameters / 1e6).toFixed(1) + "M"]);
if (m.layers) parts.push(["layers ", m.layers]);
if (m.heads) parts.push(["heads ", m.heads + (m.kv_heads && m.kv_heads !== m.heads ? " (" + m.kv_heads + " kv)" : "")]);
if (m.dim) parts.push(["width ", m.dim]);
if (m.vocab) parts.push(["vocabulary ", m.vocab]);
for (const [k, v] of parts) { line.append(k, h("b", {}, String(v)), "   "); }

if (D.kind === "patch") patchReport(); else inspectReport();

// ---------------------------------------------------------------- inspect
function inspectReport() {
  const T = D.tokens.length;
  const A = D.attributions;
  const target = A.target_id;
  tokensPanel(T, A);
  lensPanel(T);
  attentionPanel(T);
  dlaPanel();
  neuronPanel(T);
}

function tokensPanel(T, A) {
  const p = panel("tokens", "Prompt and attributions",
    "Each token coloured by how much it drove the logit of " + JSON.stringify(shown(tokenText(A.target_id))) +
    " at the last position (red raises it, blue lowers it). Click a token for the model's next-token alternatives there.");
  const rel = A.completeness_relative_gap;
  const gapOK = Math.abs(rel) <= 0.05;
  const gap = h("span", { class: "badge" + (gapOK ? "" : " warn"), id: "gap" },
    "completeness gap " + fmt(A.completeness_gap) + " (" + fmt(100 * rel, 1) + "% of f(x) \u2212 f(baseline) = " + fmt(A.f_input - A.f_baseline) + ")");
  const methods = [["scores", "Integrated gradients"], ["gradient_x_input", "Gradient \u00d7 input"]];
  let method = "scores";
  const toggle = h("div", { class: "toggle", id: "method" });
  const strip = h("div", { class: "tokens", id: "token-strip" });
  const legend = h("div", { class: "legend" });
  const details = h("div", { class: "details", id: "token-details" });
  for (const [key, label] of methods) {
    const b = h("button", { "data-method": key, class: key === method ? "on" : "", onclick: () => {
      method = key; for (const x of toggle.children) x.classList.toggle("on", x === b); paint();
    } }, label);
    toggle.append(b);
  }
  const info = h("div", { class: "stats" }, "baseline ", h("b", {}, A.baseline), ", ", h("b", {}, String(A.steps)),
    " gradient points (", A.rule, "), f(x) = ", h("b", {}, fmt(A.f_input)), ", f(baseline) = ", h("b", {}, fmt(A.f_baseline)), "  ", gap);
  p.append(h("div", { class: "row" }, toggle, info));
  if (!gapOK) p.append(h("div", { class: "warnbox" }, "The attributions do not add up to the change in the logit: the path integral is not resolved. Treat the colours as rough; rerun with more --steps."));
  const kept = new Set(A.kept_positions || []);
  const chips = D.tokens.map((t, i) => {
    const c = h("span", { class: "tok" + (kept.has(i) ? " kept" : ""), "data-pos": i }, shown(t.decoded));
    c.addEventListener("click", () => select(i));
    withTip(c, () => {
      const v = A[method][i];
      return "#" + i + "  " + JSON.stringify(t.text) + "  id " + t.id + "\n" + (method === "scores" ? "IG " : "grad\u00d7input ") + fmt(v) +
        (kept.has(i) ? "\nkept at its own embedding by the baseline (attention sink)" : "");
    });
    return c;
  });
  strip.append(...chips);
  const next = h("span", { class: "tok target", title: "the attributed token" }, shown(tokenText(A.target_id)));
  strip.append(h("span", { class: "axis", style: "align-self:center;padding:0 4px" }, "\u2192"), next);
  p.append(strip, legend, h("div", { class: "row", style: "margin-top:14px" }, details));
  function paint() {
    const v = A[method];
    const max = Math.max(1e-9, ...v.map(Math.abs));
    chips.forEach((c, i) => { c.style.background = diverging(v[i], max); c.style.color = Math.abs(v[i]) / max > 0.6 ? "#fff" : ""; });
    legend.replaceChildren(h("span", {}, fmt(-max, 2)),
      h("span", { class: "bar", style: "background:linear-gradient(90deg, rgba(40,98,200,.9), rgba(255,255,255,1), rgba(214,63,52,.9))" }),
      h("span", {}, "+" + fmt(max, 2)), h("span", {}, " sum " + fmt(v.reduce((a, b) => a + b, 0))));
  }
  function select(i) {
    chips.forEach((c, j) => c.classList.toggle("sel", j === i));
    const P = D.positions[i];
    const rows = P.top.map(([id, pr]) => h("tr", {}, h("td", { class: "t" }, JSON.stringify(shown(tokenText(id)))),
      h("td", { style: "width:180px" }, h("div", { class: "pbar", style: "width:" + Math.max(1, 170 * pr) + "px" })), h("td", {}, fmt(pr))));
    const actual = P.actual_next_rank !== undefined
      ? h("div", { class: "stats" }, "actual next token ", h("b", {}, JSON.stringify(shown(D.tokens[i + 1].decoded))), " has rank ",
          h("b", {}, String(P.actual_next_rank + 1)), ", probability ", h("b", {}, fmt(P.actual_next_probability)))
      : h("div", { class: "stats" }, "after the last token: the model's prediction");
    details.replaceChildren(h("div", { class: "stats" }, "after token #" + i + " ", h("b", {}, JSON.stringify(shown(D.tokens[i].decoded))),
      " \u2014 entropy ", h("b", {}, fmt(P.entropy, 2)), " nats"), h("table", { class: "alts" }, rows), actual);
  }
  paint(); select(T - 1);
}

function lensPanel(T) {
  const G = D.logit_lens_grid;
  const p = panel("logit-lens", "Logit lens",
    "What each layer would predict: the final norm and unembedding applied to the residual stream after every layer (row 0: the embeddings). Cells show the top token, shaded by its probability; hover for the rank of the model's final prediction.");
  const L = G.top.length;
  const win = 24;
  let start = Math.max(0, T - win);
  const pager = h("div", { class: "pager" });
  const wrap = h("div", { class: "grid-wrap" });
  p.append(pager, wrap, rankChart());
  function draw() {
    const end = Math.min(T, start + win);
    const head = h("tr", {}, h("th", { class: "l" }, "layer"), ...Array.from({ length: end - start }, (_, k) =>
      h("th", { title: "position " + (start + k) }, shown(D.tokens[start + k].decoded))));
    const rows = [];
    for (let l = L - 1; l >= 0; l--) {
      const tds = [];
      for (let t = start; t < end; t++) {
        const pr = G.probability[l][t], id = G.top[l][t];
        const td = h("td", { style: "background:" + seq(pr) + ";color:" + inkFor(pr) }, shown(tokenText(id)));
        withTip(td, () => "layer " + l + ", position " + t + "\ntop " + JSON.stringify(shown(tokenText(id))) + " p=" + fmt(pr) +
          "\nfinal prediction " + JSON.stringify(shown(tokenText(G.top[L - 1][t]))) + " at rank " + (G.final_rank[l][t] + 1));
        tds.push(td);
      }
      rows.push(h("tr", {}, h("th", { class: "l" }, l === 0 ? "embed" : String(l)), ...tds));
    }
    wrap.replaceChildren(h("table", { class: "lens", id: "lens-table" }, head, ...rows));
    const prev = h("button", { class: "link", onclick: () => { start = Math.max(0, start - win); draw(); } }, "\u2190 earlier");
    const next = h("button", { class: "link", onclick: () => { start = Math.min(Math.max(0, T - win), start + win); draw(); } }, "later \u2192");
    prev.disabled = start === 0; next.disabled = end >= T;
    pager.replaceChildren(prev, next, h("span", {}, "positions " + start + "\u2013" + (end - 1) + " of " + T));
  }
  onVisible(p, draw);
  function rankChart() {
    const ranks = D.logit_lens.map((e) => e.final_token_rank + 1);
    const W = 520, H = 150, pad = 34;
    const maxLog = Math.log10(Math.max(10, ...ranks));
    const x = (i) => pad + (W - pad - 10) * i / Math.max(1, ranks.length - 1);
    const y = (r) => 10 + (H - 40) * (Math.log10(r) / maxLog);
    const svg = s("svg", { width: W, height: H, id: "rank-chart", role: "img" });
    for (let k = 0; k <= Math.ceil(maxLog); k++) {
      svg.append(s("line", { x1: pad, x2: W - 10, y1: y(10 ** k), y2: y(10 ** k), stroke: "#eef0f3" }),
                 s("text", { x: pad - 6, y: y(10 ** k) + 4, "text-anchor": "end", "font-size": 10, fill: "#667085" }, k === 0 ? "1" : "1e" + k));
    }
    svg.append(s("polyline", { points: ranks.map((r, i) => x(i) + "," + y(r)).join(" "), fill: "none", stroke: "#3056d3", "stroke-width": 2 }));
    ranks.forEach((r, i) => { const c = s("circle", { cx: x(i), cy: y(r), r: 3, fill: "#3056d3" }); withTip(c, () => "layer " + i + ": rank " + r); svg.append(c); });
    svg.append(s("text", { x: W / 2, y: H - 4, "text-anchor": "middle", "font-size": 11, fill: "#667085" }, "layer (last position)"));
    const fin = D.logit_lens[D.logit_lens.length - 1].top[0][0];
    return h("div", { style: "margin-top:14px" }, h("div", { class: "stats" }, "Rank of the final prediction ", h("b", {}, JSON.stringify(shown(tokenText(fin)))), " through the layers (log scale)"), svg);
  }
}

// Attention: decode a head's compressed pattern into a dense T x T array on demand (kept in a small cache).
const decoded = new Map();
function pattern(l, hd) {
  const key = l + ":" + hd;
  if (decoded.has(key)) return decoded.get(key);
  const C = D.attention_compact, T = C.positions, K = C.keys_per_row;
  const raw = atob(C.layers[l][hd]);
  const out = new Float32Array(T * T);
  let o = 0;
  for (let i = 0; i < T; i++) {
    const n = Math.min(i + 1, K);
    for (let k = 0; k < n; k++, o += 3) {
      const j = raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8);
      out[i * T + j] = raw.charCodeAt(o + 2) / 255;
    }
  }
  if (decoded.size > 64) decoded.delete(decoded.keys().next().value);
  decoded.set(key, out);
  return out;
}
function paintPattern(canvas, l, hd) {
  const T = D.attention_compact.positions, P = pattern(l, hd);
  const off = document.createElement("canvas"); off.width = T; off.height = T;
  const ctx = off.getContext("2d"), img = ctx.createImageData(T, T);
  for (let i = 0; i < T * T; i++) {
    const c = seqRGB(P[i]); img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2]; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  const g = canvas.getContext("2d");
  g.imageSmoothingEnabled = T > canvas.width;
  g.drawImage(off, 0, 0, canvas.width, canvas.height);
}

function attentionPanel(T) {
  if (!D.attention_compact) return;
  const C = D.attention_compact, L = C.layers.length, H = C.layers[0].length;
  const p = panel("attention", "Attention",
    "Every layer and head: rows are queries, columns keys. Click a head to enlarge it and see where each token looks." +
    (C.keys_per_row < T ? " (Each query keeps its " + C.keys_per_row + " largest weights.)" : ""));
  const side = Math.max(40, Math.min(84, Math.floor(1120 / H) - 6));
  const grid = h("div", { class: "heads", id: "head-grid", style: "grid-template-columns: 44px repeat(" + H + ", " + (side + 4) + "px)" });
  grid.append(h("div", {}), ...Array.from({ length: H }, (_, k) => h("div", { class: "lab", style: "text-align:center" }, "h" + k)));
  const zoom = h("div", { class: "zoom", id: "head-zoom" });
  const summary = (l, k) => { const S = D.heads && D.heads[l] && D.heads[l].heads[k]; return S ? "entropy " + fmt(S.entropy, 2) + ", previous " + fmt(S.previous_token, 2) + ", first " + fmt(S.first_token, 2) + ", same " + fmt(S.same_token, 2) : ""; };
  let selected = null;
  for (let l = 0; l < L; l++) {
    grid.append(h("div", { class: "lab" }, "L" + l));
    for (let k = 0; k < H; k++) {
      const c = h("canvas", { class: "thumb", width: side, height: side, style: "width:" + side + "px;height:" + side + "px", "data-layer": l, "data-head": k });
      onVisible(c, () => paintPattern(c, l, k));
      withTip(c, () => "layer " + l + " head " + k + "\n" + summary(l, k));
      c.addEventListener("click", () => { if (selected) selected.classList.remove("sel"); selected = c; c.classList.add("sel"); open(l, k); });
      if (location.hash === "#head-" + l + "-" + k) setTimeout(() => { c.click(); zoom.scrollIntoView(); }, 0);
      grid.append(c);
    }
  }
  p.append(h("div", { class: "grid-wrap" }, grid), zoom);
  function open(l, k) {
    const size = Math.min(480, Math.max(240, T * 8));
    const big = h("canvas", { class: "heat", width: size, height: size, id: "zoom-canvas" });
    paintPattern(big, l, k);
    const P = pattern(l, k);
    withTip(big, (e) => {
      const r = big.getBoundingClientRect();
      const i = Math.floor((e.clientY - r.top) / r.height * T), j = Math.floor((e.clientX - r.left) / r.width * T);
      if (i < 0 || j < 0 || i >= T || j >= T) return "";
      return "query #" + i + " " + JSON.stringify(shown(D.tokens[i].decoded)) + "\nkey #" + j + " " + JSON.stringify(shown(D.tokens[j].decoded)) + "\nweight " + fmt(P[i * T + j]);
    });
    zoom.replaceChildren(h("div", { class: "stats", style: "margin-bottom:8px" }, h("b", {}, "Layer " + l + ", head " + k), "  " + summary(l, k)),
      h("div", { class: "row" }, big, headView(l, k)));
    zoom.classList.add("open");
  }
  function headView(l, k) {
    const P = pattern(l, k);
    const n = Math.min(T, 40), first = T - n;     // the last 40 tokens
    const rowH = 17, W = 360, Hh = n * rowH + 24;
    const svg = s("svg", { width: W, height: Hh, class: "headview", id: "head-view" });
    const lines = s("g", {});
    svg.append(s("text", { x: 10, y: 12, "font-size": 11, fill: "#667085" }, "query"), s("text", { x: W - 10, y: 12, "text-anchor": "end", "font-size": 11, fill: "#667085" }, "key"));
    const left = [], right = [];
    for (let a = 0; a < n; a++) {
      const t = first + a, y = 28 + a * rowH;
      const lt = s("text", { x: 110, y: y, "text-anchor": "end" }, shown(D.tokens[t].decoded).slice(0, 14));
      const rt = s("text", { x: W - 110, y: y }, shown(D.tokens[t].decoded).slice(0, 14));
      left.push(lt); right.push(rt); svg.append(lt, rt);
      lt.addEventListener("mouseenter", () => draw(a)); lt.addEventListener("mouseleave", () => draw(null));
    }
    svg.prepend(lines);
    function draw(only) {
      lines.replaceChildren();
      for (let a = 0; a < n; a++) {
        if (only !== null && a !== only) continue;
        const i = first + a;
        for (let b = 0; b <= a; b++) {
          const w = P[i * T + first + b];
          if (w < 0.02) continue;
          lines.append(s("line", { x1: 116, y1: 24 + a * rowH, x2: W - 116, y2: 24 + b * rowH, stroke: "#3056d3", "stroke-opacity": Math.min(1, w * (only === null ? 0.9 : 1.2)).toFixed(3), "stroke-width": 1 + 2 * w }));
        }
      }
      left.forEach((e, a) => e.classList.toggle("dim", only !== null && a !== only));
    }
    draw(null);
    return h("div", {}, h("div", { class: "stats" }, "head view" + (T > n ? " (last " + n + " tokens)" : "") + ": hover a query token"), svg);
  }
}

function dlaPanel() {
  const Q = D.direct_logit_attribution;
  if (!Q) return;
  const L = Q.attention.length;
  const p = panel("dla", "Direct logit attribution",
    "How much each layer's attention and MLP output, read straight through the final norm and unembedding, adds to the logit of " +
    JSON.stringify(shown(tokenText(Q.target_id))) + " (" + fmt(Q.logit, 2) + " = embedding " + fmt(Q.embedding, 2) +
    (Q.bias ? " + final-norm bias " + fmt(Q.bias, 2) : "") + " + the bars).");
  const W = Math.max(520, L * 22 + 60), H = Math.max(200, Math.min(420, Q.heads.length * 16)), pad = 40;
  const max = Math.max(1e-6, ...Q.attention.map(Math.abs), ...Q.mlp.map(Math.abs));
  const svg = s("svg", { width: W, height: H, id: "dla-chart" });
  const mid = (H - 30) / 2 + 5, scale = (H - 40) / 2 / max;
  svg.append(s("line", { x1: pad, x2: W - 10, y1: mid, y2: mid, stroke: "#c9ced8" }),
             s("text", { x: pad - 6, y: 14, "text-anchor": "end", "font-size": 10, fill: "#667085" }, "+" + fmt(max, 1)),
             s("text", { x: pad - 6, y: H - 28, "text-anchor": "end", "font-size": 10, fill: "#667085" }, "\u2212" + fmt(max, 1)));
  const bw = (W - pad - 10) / L;
  for (let l = 0; l < L; l++) {
    [[Q.attention[l], "#3056d3", 0], [Q.mlp[l], "#e07b39", 1]].forEach(([v, col, k]) => {
      const r = s("rect", { x: pad + l * bw + 2 + k * (bw / 2 - 2), width: Math.max(1, bw / 2 - 3), y: v >= 0 ? mid - v * scale : mid, height: Math.max(0.5, Math.abs(v) * scale), fill: col });
      withTip(r, () => "layer " + l + (k ? " MLP " : " attention ") + fmt(v)); svg.append(r);
    });
    if (L <= 40 || l % 5 === 0) svg.append(s("text", { x: pad + l * bw + bw / 2, y: H - 14, "text-anchor": "middle", "font-size": 10, fill: "#667085" }, l));
  }
  svg.append(s("rect", { x: pad, y: H - 10, width: 10, height: 8, fill: "#3056d3" }), s("text", { x: pad + 14, y: H - 3, "font-size": 10, fill: "#667085" }, "attention"),
             s("rect", { x: pad + 80, y: H - 10, width: 10, height: 8, fill: "#e07b39" }), s("text", { x: pad + 94, y: H - 3, "font-size": 10, fill: "#667085" }, "MLP"));
  const Hh = Q.heads[0].length, cell = 16;
  const hm = h("canvas", { class: "heat", width: Hh * cell, height: L * cell, id: "dla-heads" });
  const hmax = Math.max(1e-6, ...Q.heads.flat().map(Math.abs));
  onVisible(hm, () => {
    const g = hm.getContext("2d");
    for (let l = 0; l < L; l++) for (let k = 0; k < Hh; k++) { g.fillStyle = diverging(Q.heads[l][k], hmax); g.fillRect(k * cell, l * cell, cell - 1, cell - 1); }
  });
  withTip(hm, (e) => { const r = hm.getBoundingClientRect(); const k = Math.floor((e.clientX - r.left) / cell), l = Math.floor((e.clientY - r.top) / cell);
    return l >= 0 && l < L && k >= 0 && k < Hh ? "layer " + l + " head " + k + ": " + fmt(Q.heads[l][k]) : ""; });
  p.append(h("div", { class: "row" }, svg, h("div", {}, h("div", { class: "stats" }, "per head (rows layers, columns heads)"), hm)));
}

function neuronPanel(T) {
  const N = D.neurons;
  if (!N) return;
  const L = N.peak.length;
  const p = panel("neurons", "MLP neurons",
    "The largest |activation| of the MLP hidden units per layer (rows) and token (columns), shaded relative to each layer's largest (first tokens often carry massive activations). Click a cell for its most active neurons.");
  const cw = Math.max(3, Math.min(48, Math.floor(1100 / T))), ch = 12;
  const cv = h("canvas", { class: "heat", width: T * cw, height: L * ch, id: "neuron-heat" });
  onVisible(cv, () => {
    const g = cv.getContext("2d");
    for (let l = 0; l < L; l++) {
      const max = Math.max(1e-6, ...N.peak[l]);
      for (let t = 0; t < T; t++) { g.fillStyle = seq(N.peak[l][t] / max); g.fillRect(t * cw, l * ch, cw - (cw > 6 ? 1 : 0), ch - 1); }
    }
  });
  const at = (e) => { const r = cv.getBoundingClientRect(); return [Math.floor((e.clientY - r.top) / r.height * L), Math.floor((e.clientX - r.left) / r.width * T)]; };
  withTip(cv, (e) => { const [l, t] = at(e); return l >= 0 && l < L && t >= 0 && t < T ? "layer " + l + ", token #" + t + " " + JSON.stringify(shown(D.tokens[t].decoded)) + "\npeak |activation| " + fmt(N.peak[l][t]) : ""; });
  const out = h("div", { class: "details", id: "neuron-details" }, h("div", { class: "stats" }, "Click a cell."));
  cv.addEventListener("click", (e) => {
    const [l, t] = at(e); if (l < 0 || l >= L || t < 0 || t >= T) return;
    const rows = N.top[l][t].map(([i, a]) => h("tr", {}, h("td", { class: "t" }, "L" + l + ".n" + i), h("td", {}, fmt(a)),
      h("td", {}, traceButton(l, i))));
    out.replaceChildren(h("div", { class: "stats" }, "layer " + l + ", token #" + t + " ", h("b", {}, JSON.stringify(shown(D.tokens[t].decoded)))), h("table", { class: "alts" }, rows), trace);
  });
  const trace = h("div", { class: "tokens", id: "neuron-trace" });
  function traceButton(l, i) {
    // A neuron's activation on every token, from the per-cell top lists (blank where it is not among them).
    return h("button", { class: "link", onclick: () => {
      const vals = Array.from({ length: T }, (_, t) => { const f = N.top[l][t].find(([j]) => j === i); return f ? f[1] : null; });
      const mx = Math.max(1e-6, ...vals.filter((v) => v !== null).map(Math.abs));
      trace.replaceChildren(h("span", { class: "stats", style: "align-self:center" }, "L" + l + ".n" + i + ": "),
        ...D.tokens.map((tk, t) => withTip(h("span", { class: "tok", style: "background:" + (vals[t] === null ? "#fff" : diverging(vals[t], mx)) }, shown(tk.decoded)),
          () => vals[t] === null ? "not among the top " + N.top[l][t].length + " here" : "activation " + fmt(vals[t]))));
    } }, "trace");
  }
  p.append(h("div", { class: "grid-wrap" }, h("div", { class: "axis" }, "layers 0 (top) to " + (L - 1) + " (bottom); tokens left to right"), cv),
           h("div", { class: "row", style: "margin-top:12px" }, out));
  if (D.neuron_trace) {
    const nt = D.neuron_trace, mx = Math.max(1e-6, ...nt.activations.map(Math.abs));
    p.append(h("div", { class: "stats", style: "margin-top:12px" }, "Neuron ", h("b", {}, "L" + nt.layer + ".n" + nt.neuron), " on every token:"),
      h("div", { class: "tokens", id: "requested-trace" }, ...D.tokens.map((tk, t) => withTip(h("span", { class: "tok", style: "background:" + diverging(nt.activations[t], mx) }, shown(tk.decoded)), () => "activation " + fmt(nt.activations[t])))));
  }
}

// ---------------------------------------------------------------- patch
function patchReport() {
  const P = D;
  const info = panel("patch-info", "Activation patching",
    "The corrupted prompt is run with one activation taken from the clean run; cells show the restored fraction of " + P.metric +
    " (1 = the clean answer fully restored, 0 = no effect).");
  info.append(h("div", { class: "stats" }, "clean ", h("b", {}, fmt(P.clean_metric, 2)), ", corrupted ", h("b", {}, fmt(P.corrupted_metric, 2)),
    "; answer ", h("b", {}, JSON.stringify(shown(P.answer.decoded))), " vs ", h("b", {}, JSON.stringify(shown(P.wrong.decoded)))));
  const strip = (toks, other) => h("div", { class: "tokens" }, ...toks.map((t, i) => h("span", { class: "tok", style: other[i] !== t ? "background:#fde7c8" : "" }, shown(t))));
  info.append(h("div", { class: "stats", style: "margin-top:8px" }, "clean"), strip(P.clean_decoded, P.corrupted_decoded),
              h("div", { class: "stats", style: "margin-top:6px" }, "corrupted"), strip(P.corrupted_decoded, P.clean_decoded));
  heat("patch-residual", "Residual stream", "Patching blocks.{L}.hook_resid_pre at one position (rows layers, columns positions).",
       P.residual.restored, P.corrupted_decoded.map(shown));
  heat("patch-heads", "Attention heads", "Patching one head's output (hook_z) at every position (rows layers, columns heads).",
       P.heads.restored, P.heads.restored[0].map((_, k) => "h" + k));
}
function heat(id, title, sub, M, cols) {
  const p = panel(id, title, sub);
  const L = M.length, C = cols.length;
  const cw = Math.max(26, Math.min(60, Math.floor(900 / C))), ch = 16, lw = 40, top = 70;
  const svg = s("svg", { width: lw + C * cw + 10, height: top + L * ch + 10, id: id + "-svg" });
  cols.forEach((c, j) => svg.append(s("text", { x: lw + j * cw + cw / 2, y: top - 6, transform: "rotate(-45 " + (lw + j * cw + cw / 2) + " " + (top - 6) + ")", "font-size": 11, fill: "#667085" }, c.slice(0, 12))));
  const max = Math.max(1, ...M.flat().map(Math.abs));
  onVisible(svg, () => {
    for (let l = 0; l < L; l++) {
      svg.append(s("text", { x: lw - 6, y: top + l * ch + 12, "text-anchor": "end", "font-size": 10, fill: "#667085" }, l));
      for (let j = 0; j < C; j++) {
        const r = s("rect", { x: lw + j * cw, y: top + l * ch, width: cw - 1, height: ch - 1, fill: diverging(M[l][j], max) });
        withTip(r, () => "layer " + l + ", " + cols[j] + ": " + fmt(M[l][j])); svg.append(r);
      }
    }
  });
  p.append(h("div", { class: "legend" }, h("span", {}, "\u2212" + fmt(max, 1)),
    h("span", { class: "bar", style: "background:linear-gradient(90deg, rgba(40,98,200,.9), rgba(255,255,255,1), rgba(214,63,52,.9))" }),
    h("span", {}, "+" + fmt(max, 1) + " restored")), h("div", { class: "grid-wrap" }, svg));
}
// Deep links: report.html#attention opens at that panel, #head-3-2 with layer 3's head 2 enlarged.
if (location.hash) { const target = document.getElementById(location.hash.slice(1)); if (target) target.scrollIntoView(); }
document.body.setAttribute("data-ready", "1");
})();
