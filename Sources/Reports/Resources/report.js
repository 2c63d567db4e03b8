/* Glassbox views of an inspect or patch document (the JSON that `glassbox inspect --json` and `glassbox patch --json`
 * print): panels that mount into any container. GB.inspectView.render(container, doc) and
 * GB.patchView.render(container, doc) draw them and return {destroy()}; the self-contained HTML report boots them
 * from its embedded document (the end of this file), and a studio page can call them with the same document.
 * Panels are built at once (cheap) and drawn when they first come into view, so that a 512-token prompt with
 * 30 layers x 9 heads opens at once. Plain ES2020; needs core.js and charts.js. */
"use strict";

(function (GB) {
  const { el } = GB;
  const MONO = "12px " + GB.MONO_FAMILY;
  const v3 = (v) => GB.num(v, 3);                       // values: 3 significant digits
  const signed = (v) => (v > 0 ? "+" : "") + v3(v);

  // ---------------------------------------------------------------- tokens as shown

  /** Token text made visible: newlines and tabs as arrows, an empty or all-space token as a symbol. */
  function shown(t) {
    const v = String(t).replace(/\n/g, "\u21b5").replace(/\t/g, "\u21e5");
    return v === "" ? "\u2205" : /^ +$/.test(v) ? v.replace(/ /g, "\u2423") : v;
  }
  /** Quoted token text; byte escapes (a part of a character) stay as they are. */
  const quoted = (t) => (/^(\\x[0-9A-F]{2})+$/.test(t) ? t : JSON.stringify(shown(t)));
  /** A prompt token's label: a part of a character (most Chinese characters take two or three byte-level tokens)
   * as its byte escapes (the document's `shown`), otherwise its text made visible. */
  const label = (t) => shown(t.shown !== undefined && t.shown !== null ? t.shown : t.decoded);
  /** "part of 北" for a token whose character spans several tokens. */
  const partOf = (t) => (t.group_text !== undefined && t.group_text !== null && t.group_text !== t.decoded ? "part of " + JSON.stringify(t.group_text) : "");
  const clip = (t, n) => (t.length > n ? t.slice(0, n - 1) + "\u2026" : t);

  // ---------------------------------------------------------------- drawing on first sight

  /** Draws nodes when they first come near the viewport; after a theme change, again when next in view. */
  class Lazy {
    constructor() {
      this.pending = new Map();
      this.done = new Map();
      this.io = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
        for (const en of entries) {
          if (!en.isIntersecting || !this.pending.has(en.target)) continue;
          const [draw, again] = this.pending.get(en.target);
          this.pending.delete(en.target);
          this.io.unobserve(en.target);
          if (again) this.done.set(en.target, draw);
          draw();
        }
      }, { rootMargin: "300px" }) : null;
    }
    /** again: draw it anew after a theme change (figures need not: GB.redrawAll repaints them). */
    add(node, draw, again) {
      if (!this.io) { if (again) this.done.set(node, draw); draw(); return; }
      this.pending.set(node, [draw, again]);
      this.io.observe(node);
    }
    /** Theme changed: whatever was drawn draws again as it comes into view (at once where it is in view). */
    redo() {
      const done = [...this.done];
      this.done.clear();
      for (const [node, draw] of done) if (node.isConnected) this.add(node, draw, true);
    }
    destroy() { if (this.io) this.io.disconnect(); this.pending.clear(); this.done.clear(); }
  }

  // ---------------------------------------------------------------- a mounted view

  class View {
    constructor(container, doc) {
      this.doc = doc;
      this.root = el("div", { class: "gb-views", dataset: { kind: doc.kind || "inspect" } });
      GB.clear(container).appendChild(this.root);
      this.lazy = new Lazy();
      this.figures = [];
      this.repaint = [];           // DOM colours (token shading, lens cells) to set again after a theme change
      this.onTheme = () => { for (const f of this.repaint) f(); this.lazy.redo(); };
      document.addEventListener("gb-theme", this.onTheme);
    }
    destroy() {
      document.removeEventListener("gb-theme", this.onTheme);
      this.lazy.destroy();
      for (const f of this.figures) f.destroy();
      GB.tooltip.hide();
    }
    tokenText(id) { const v = this.doc.vocab && this.doc.vocab[String(id)]; return v === undefined ? "#" + id : v; }
    panel(id, title, sub) {
      const p = el("section", { class: "card v-panel", id }, [
        el("div", { class: "v-panel-head" }, [el("h2", { text: title })]),
        sub ? el("p", { class: "v-sub", text: sub }) : null,
      ]);
      this.root.appendChild(p);
      return p;
    }
    /** A GB.Figure drawn when it comes into view. */
    figure(opts) {
      const f = new GB.Figure(Object.assign({ fileName: "glassbox-" + opts.name }, opts));
      this.figures.push(f);
      this.lazy.add(f.root, () => f.draw(), false);
      return f;
    }
  }

  /** A caption line over a picture, with its download menu on the right. */
  function figHead(caption, saver) {
    return el("div", { class: "v-fig-head" }, [el("div", { class: "v-caption" }, caption), el("span", { class: "spacer" }), saver ? saver.menu() : null]);
  }

  /** A download menu for a picture that is not a Figure (HTML in the page, painted only for the download). */
  function saver(title, name, picture, csv, json, kinds) {
    const base = "glassbox-" + name;
    const s = {
      opts: { title },
      download(kind) {
        if ((kind === "svg" || kind === "png") && picture) { const [w, h, paint] = picture(); GB.savePicture(kind, base, w, h, paint); }
        else if (kind === "csv") GB.downloadCSV(base + ".csv", csv());
        else if (kind === "json") GB.downloadJSON(base + ".json", json());
      },
      menu() { return GB.downloadMenu(s, kinds || (picture ? ["svg", "png"] : []).concat(csv ? ["csv"] : [], json ? ["json"] : [])); },
    };
    return s;
  }

  /** A colour-scale legend: low end, the bar, high end, then a note. */
  function legend(scale, lo, hi, note) {
    const bar = el("span", { class: "v-scale-bar" });
    bar.style.backgroundImage = scale.gradient();
    return el("div", { class: "v-legend" }, [el("span", { text: lo }), bar, el("span", { text: hi }), note ? el("span", { class: "muted", text: note }) : null]);
  }

  /** A legend whose bar follows the theme. */
  function themedLegend(v, name, lo, hi, note) {
    const node = legend(GB.colorScale(name), lo, hi, note), bar = node.querySelector(".v-scale-bar");
    v.repaint.push(() => { bar.style.backgroundImage = GB.colorScale(name).gradient(); });
    return node;
  }

  /** Painter helpers shared by the pictures below. */
  function background(p, w, h) { const c = GB.chartTheme(); p.rect(0, 0, w, h, c.bg); return c; }
  function legendPaint(p, scale, x, y, w, lo, hi, c) {
    const n = 40;
    for (let k = 0; k < n; k++) p.rect(x + (w * k) / n, y, w / n + 0.5, 8, scale.css(scale.domain[0] + ((1 - scale.domain[0]) * (k + 0.5)) / n));
    p.text(lo, x - 6, y + 4, { color: c.axis, align: "right", baseline: "middle" });
    p.text(hi, x + w + 6, y + 4, { color: c.axis, baseline: "middle" });
  }

  // ---------------------------------------------------------------- facts about the model (the report's header)

  function modelFacts(m) {
    m = m || {};
    const parts = [];
    if (m.name) parts.push([null, m.name]);
    if (m.architecture) parts.push(["", m.architecture]);
    if (m.parameters) parts.push(["parameters", GB.compact(m.parameters)]);
    if (m.layers) parts.push(["layers", m.layers]);
    if (m.heads) parts.push(["heads", m.heads + (m.kv_heads && m.kv_heads !== m.heads ? " (" + m.kv_heads + " kv)" : "")]);
    if (m.dim) parts.push(["width", m.dim, true]);
    if (m.vocab) parts.push(["vocabulary", GB.int(m.vocab), true]);
    // "135M parameters", "30 layers", but "width 576": counts read value first
    return parts.map(([k, v, first]) => el("span", { class: "v-fact", title: k === null ? m.path || "" : null },
      k === null || k === "" ? el("b", { text: String(v) }) : first ? [k + " ", el("b", { text: String(v) })] : [el("b", { text: String(v) }), " " + k]));
  }

  // ================================================================ inspect

  /**
   * opts.pending: a node shown in the prompt panel while the document has no attributions yet (a studio page
   * computes them after the rest). The returned view's setAttributions(A) adds them later, redrawing that panel only.
   */
  function renderInspect(container, doc, opts) {
    opts = opts || {};
    const v = new View(container, doc);
    let tokens = tokensPanel(v, opts.pending, null);
    lensPanel(v);
    const attention = attentionPanel(v);
    dlaPanel(v);
    neuronPanel(v);
    return {
      destroy: () => v.destroy(),
      openHead: (l, k) => (attention ? attention.open(l, k, true) : null),
      /** The attributions arrived (or are gone again, A = null: pending shows instead): the prompt panel is drawn anew in place. */
      setAttributions(A, pending) {
        if (A) doc.attributions = A; else delete doc.attributions;
        tokens = tokensPanel(v, pending, tokens);
      },
    };
  }

  // ---------------------------------------------------------------- prompt and attributions

  /** The prompt's tokens, coloured by their attributions when the document has them; old: the panel it replaces. */
  function tokensPanel(v, pending, old) {
    const D = v.doc, A = D.attributions || null, T = D.tokens.length;
    const lastTop = D.positions[T - 1] && D.positions[T - 1].top[0];
    const targetID = A ? A.target_id : D.direct_logit_attribution ? D.direct_logit_attribution.target_id : lastTop ? lastTop[0] : null;
    const target = quoted(targetID === null ? "?" : v.tokenText(targetID));
    const p = v.panel("tokens", "Prompt and attributions", A
      ? "Each token coloured by how much it drove the logit of " + target + " at the last position (red raises it, blue lowers it). " +
        "Click a token for the model's next-token alternatives there."
      : "Once the attributions are computed, each token is coloured by how much it drove the logit of " + target +
        " at the last position. Click a token for the model's next-token alternatives there.");
    if (old) {
      old.node.replaceWith(p);
      v.repaint = v.repaint.filter((f) => f !== old.paint);
    }
    const methods = [["scores", "Integrated gradients", "IG"], ["gradient_x_input", "Gradient \u00d7 input", "grad\u00d7input"]];
    let method = "scores";
    if (A) {
      const rel = A.completeness_relative_gap, gapOK = Math.abs(rel) <= 0.05;
      const buttons = methods.map(([key, label]) => el("button", {
        type: "button", "data-method": key, class: key === method ? "on" : null, "aria-pressed": key === method ? "true" : "false", text: label,
        onclick: () => { method = key; for (const b of buttons) { const on = b.dataset.method === key; b.classList.toggle("on", on); b.setAttribute("aria-pressed", on ? "true" : "false"); } paint(); },
      }));
      const toggle = el("div", { class: "v-seg", id: "method", role: "group", "aria-label": "Attribution method" }, buttons);
      const gap = el("span", { class: ["badge", gapOK ? "v-ok" : "v-warn"], id: "gap", title: "How far the attributions' sum is from f(x) \u2212 f(baseline)" },
        "completeness gap " + v3(A.completeness_gap) + " (" + GB.fixed(100 * rel, 1) + "% of f(x) \u2212 f(baseline) = " + v3(A.f_input - A.f_baseline) + ")");
      const facts = el("div", { class: "v-facts" }, [
        el("span", {}, ["baseline ", el("b", { text: A.baseline })]),
        el("span", {}, [el("b", { text: String(A.steps) }), " gradient points (" + A.rule + ")"]),
        el("span", {}, ["f(x) ", el("b", { text: v3(A.f_input) })]),
        el("span", {}, ["f(baseline) ", el("b", { text: v3(A.f_baseline) })]),
        gap,
      ]);
      p.append(el("div", { class: "v-toolbar" }, [toggle, facts]));
      if (!gapOK) p.append(el("div", { class: "notice warn v-notice", role: "note", text: "The attributions do not add up to the change in the logit: the path integral is not resolved. Treat the colours as rough; rerun with more --steps." }));
    } else if (pending) {
      p.append(pending);
    }

    const kept = new Set(A ? A.kept_positions || [] : []);
    const chips = D.tokens.map((t, i) => el("span", {
      class: ["tok", kept.has(i) ? "kept" : null], "data-pos": i, tabindex: "0", role: "button", "aria-label": "token " + i + " " + label(t), title: partOf(t) || null,
      text: label(t),
    }));
    const targetChip = el("span", { class: "tok target", title: A ? "the attributed token" : "the token the attributions will explain", text: shown(targetID === null ? "?" : v.tokenText(targetID)) });
    const strip = el("div", { class: ["v-tokens", A ? null : "v-plain"], id: "token-strip", dataset: { attributed: A ? "1" : "0" } },
      [chips, el("span", { class: "v-arrow", text: "\u2192" }), targetChip]);
    const chipAt = (e) => { const c = e.target.closest && e.target.closest(".tok[data-pos]"); return c ? +c.dataset.pos : -1; };
    strip.addEventListener("click", (e) => { const i = chipAt(e); if (i >= 0) select(i); });
    strip.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { const i = chipAt(e); if (i >= 0) { e.preventDefault(); select(i); } } });
    GB.tooltip.attach(strip, (e) => {
      const i = chipAt(e);
      if (i < 0) return null;
      const t = D.tokens[i], m = methods.find((x) => x[0] === method);
      return GB.tooltip.content("#" + i + "  " + JSON.stringify(t.text), [["id", t.id], A ? [m[2], v3(A[method][i])] : null],
        [kept.has(i) ? "kept at its own embedding by the baseline (attention sink)" : null]);
    });
    const legendBox = el("div", { class: "v-legend-row" });
    const methodName = () => methods.find((x) => x[0] === method)[1];
    const caption = el("span", { text: A ? "" : "The prompt's " + T + " token" + (T === 1 ? "" : "s") });
    const save = A ? saver("Attributions", "attributions", () => stripPicture(), () =>
      [["position", "token", "id", "integrated_gradients", "gradient_x_input", "gradient_norm", "kept"]].concat(D.tokens.map((t, i) =>
        [i, t.text, t.id, A.scores[i], A.gradient_x_input[i], A.gradient_norms ? A.gradient_norms[i] : null, kept.has(i) ? 1 : 0])),
    () => ({ target: { id: A.target_id, text: v.tokenText(A.target_id) }, tokens: D.tokens, attributions: A, positions: D.positions })) : null;
    const details = el("div", { class: "v-details", id: "token-details" });
    p.append(el("div", { class: "v-fig" }, [figHead(caption, save), strip, legendBox]), details);

    function paint() {
      if (!A) return;
      const vals = A[method], max = Math.max(1e-9, ...vals.map(Math.abs)), sc = GB.colorScale("diverging");
      chips.forEach((c, i) => { c.style.backgroundColor = sc.css(vals[i] / max); c.style.color = sc.ink(vals[i] / max); });
      caption.textContent = methodName() + " attributions to the logit of " + target;
      GB.clear(legendBox).appendChild(legend(sc, "\u2212" + v3(max), "+" + v3(max), "sum " + v3(vals.reduce((a, b) => a + b, 0))));
    }
    function select(i) {
      chips.forEach((c, j) => c.classList.toggle("sel", j === i));
      const P = D.positions[i];
      const rows = P.top.map(([id, pr]) => el("tr", {}, [
        el("td", { class: "t", text: quoted(v.tokenText(id)) }),
        el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, 100 * pr) + "%" } })),
        el("td", { class: "num", text: GB.fixed(pr, 3) }),
      ]));
      const actual = P.actual_next_rank !== undefined
        ? el("div", { class: "v-line" }, ["actual next token ", el("b", { text: quoted(D.tokens[i + 1].decoded) }), " has rank ",
          el("b", { text: GB.int(P.actual_next_rank + 1) }), ", probability ", el("b", { text: v3(P.actual_next_probability) })])
        : el("div", { class: "v-line" }, "after the last token: the model's prediction");
      GB.clear(details).append(
        el("div", { class: "v-line" }, ["after token #" + i + " ", el("b", { text: quoted(D.tokens[i].decoded) }),
          " \u2014 entropy ", el("b", { text: GB.fixed(P.entropy, 2) }), " nats"]),
        el("table", { class: "v-alts" }, el("tbody", {}, rows)), actual);
    }
    // The strip for the download: chips wrapped into lines as on the page, the target after an arrow.
    function stripPicture() {
      const vals = A[method], max = Math.max(1e-9, ...vals.map(Math.abs)), W = 900, gap = 4, hgt = 22, pad = 12;
      const items = D.tokens.map((t, i) => ({ text: label(t), v: vals[i] / max, kept: kept.has(i) }))
        .concat([{ text: "\u2192", arrow: true }, { text: shown(v.tokenText(A.target_id)), target: true }]);
      let x = pad, y = 40;
      for (const it of items) {
        it.w = GB.measureText(it.text, MONO) + (it.arrow ? 4 : 12);
        if (x + it.w > W - pad && x > pad) { x = pad; y += hgt + gap; }
        it.x = x; it.y = y; x += it.w + gap;
      }
      const H = y + hgt + 44;
      return [W, H, (pt, w, h) => {
        const c = background(pt, w, h), sc = GB.colorScale("diverging");
        pt.text(methodName() + " attributions to the logit of " + target, pad, 20, { color: c.ink, font: "bold 12px system-ui" });
        for (const it of items) {
          if (it.arrow) { pt.text(it.text, it.x + 2, it.y + hgt / 2, { color: c.muted, font: MONO, baseline: "middle" }); continue; }
          if (it.target) pt.poly([[it.x, it.y], [it.x + it.w, it.y], [it.x + it.w, it.y + hgt], [it.x, it.y + hgt]], { stroke: c.ink, width: 1 });
          else pt.rect(it.x, it.y, it.w, hgt, sc.css(it.v));
          if (it.kept) pt.line([[it.x + 2, it.y + hgt - 3], [it.x + it.w - 2, it.y + hgt - 3]], { color: c.muted, width: 1, dash: [2, 2] });
          pt.text(it.text, it.x + 6, it.y + hgt / 2 + 0.5, { color: it.target ? c.ink : sc.ink(it.v), font: MONO, baseline: "middle" });
        }
        legendPaint(pt, sc, pad + 40, h - 22, 160, "\u2212" + v3(max), "+" + v3(max), c);
      }];
    }
    v.repaint.push(paint);
    paint();
    select(T - 1);
    return { node: p, paint };
  }

  // ---------------------------------------------------------------- logit lens

  function lensPanel(v) {
    const D = v.doc, G = D.logit_lens_grid, T = D.tokens.length;
    const p = v.panel("logit-lens", "Logit lens",
      "What each layer would predict: the final norm and unembedding applied to the residual stream after every layer (row 0: the embeddings). " +
      "Cells show the top token, shaded by its probability; hover for the rank of the model's final prediction.");
    const L = G.top.length, win = 24;
    let start = Math.max(0, T - win);
    const prev = el("button", { type: "button", class: "btn small", onclick: () => { start = Math.max(0, start - win); draw(); } }, [GB.icon("left"), "Earlier"]);
    const next = el("button", { type: "button", class: "btn small", onclick: () => { start = Math.min(Math.max(0, T - win), start + win); draw(); } }, ["Later", GB.icon("right")]);
    const range = el("span", { class: "v-caption" });
    const wrap = el("div", { class: "v-scroll" });
    const save = saver("Logit lens", "logit-lens", () => lensPicture(),
      () => {
        const rows = [["layer", "position", "token", "top_id", "top_token", "probability", "final_prediction_rank"]];
        for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) rows.push([l, t, D.tokens[t].text, G.top[l][t], v.tokenText(G.top[l][t]), G.probability[l][t], G.final_rank[l][t] + 1]);
        return rows;
      },
      () => ({ tokens: D.tokens.map((t) => t.text), grid: G, last_position: D.logit_lens }));
    const legendBox = el("div", { class: "v-legend-row" });
    p.append(el("div", { class: "v-fig" }, [
      el("div", { class: "v-fig-head" }, [el("div", { class: "v-pager" }, [prev, next, range]), el("span", { class: "spacer" }), save.menu()]),
      wrap, legendBox]));
    GB.tooltip.attach(wrap, (e) => {
      const td = e.target.closest && e.target.closest("td[data-l]");
      if (!td) return null;
      const l = +td.dataset.l, t = +td.dataset.t, id = G.top[l][t];
      return GB.tooltip.content((l === 0 ? "embeddings" : "layer " + l) + " \u00b7 position " + t + " " + quoted(D.tokens[t].decoded),
        [["top token", quoted(v.tokenText(id))], ["probability", GB.fixed(G.probability[l][t], 3)],
          ["final prediction", quoted(v.tokenText(G.top[L - 1][t]))], ["its rank here", GB.int(G.final_rank[l][t] + 1)]]);
    });
    function draw() {
      const end = Math.min(T, start + win), sc = GB.colorScale("sequential");
      const head = el("tr", {}, [el("th", { class: "l", text: "layer" }),
        Array.from({ length: end - start }, (_, k) => el("th", { title: "position " + (start + k), text: label(D.tokens[start + k]) }))]);
      const rows = [];
      for (let l = L - 1; l >= 0; l--) {
        const tds = [];
        for (let t = start; t < end; t++) {
          const pr = G.probability[l][t];
          tds.push(el("td", { "data-l": l, "data-t": t, style: { backgroundColor: sc.css(pr), color: sc.ink(pr) }, text: shown(v.tokenText(G.top[l][t])) }));
        }
        rows.push(el("tr", {}, [el("th", { class: "l", text: l === 0 ? "embed" : String(l) }), tds]));
      }
      GB.clear(wrap).appendChild(el("table", { class: "v-lens", id: "lens-table" }, [el("thead", {}, head), el("tbody", {}, rows)]));
      prev.disabled = start === 0;
      next.disabled = end >= T;
      range.textContent = "positions " + start + "\u2013" + (end - 1) + " of " + T;
      GB.clear(legendBox).appendChild(legend(sc, "0", "1", "probability of the top token"));
    }
    function lensPicture() {
      const end = Math.min(T, start + win), cols = end - start;
      const texts = (l) => Array.from({ length: cols }, (_, k) => clip(shown(v.tokenText(G.top[l][start + k])), 9));
      let cw = 36;
      for (let k = 0; k < cols; k++) cw = Math.max(cw, GB.measureText(clip(label(D.tokens[start + k]), 9), MONO) + 10);
      for (let l = 0; l < L; l++) for (const s of texts(l)) cw = Math.max(cw, GB.measureText(s, MONO) + 10);
      cw = Math.min(cw, 90);
      const lw = 48, top = 44, ch = 18, W = lw + cols * cw + 12, H = top + L * ch + 40;
      return [W, H, (pt, w, h) => {
        const c = background(pt, w, h), sc = GB.colorScale("sequential");
        pt.text("Logit lens: top token per layer, positions " + start + "\u2013" + (end - 1), 8, 16, { color: c.ink, font: "bold 12px system-ui" });
        for (let k = 0; k < cols; k++) pt.text(clip(label(D.tokens[start + k]), 9), lw + k * cw + cw / 2, top - 8, { color: c.axis, font: MONO, align: "center" });
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
        const c = background(pt, w, h), accent = GB.color(0);
        for (let k = 0; k <= decades; k++) {
          const y = Math.round(Y(10 ** k)) + 0.5;
          pt.line([[box.x, y], [box.x + box.w, y]], { color: c.grid, width: 1 });
          pt.text(k < 3 ? String(10 ** k) : k < 6 ? 10 ** (k - 3) + "k" : 10 ** (k - 6) + "M", box.x - 8, y, { color: c.axis, align: "right", baseline: "middle" });
        }
        for (const t of GB.linearTicks(0, n - 1, Math.min(n - 1, 10)).filter(Number.isInteger)) {
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
        return GB.tooltip.content(i === 0 ? "embeddings" : "layer " + i, [["rank of " + quoted(v.tokenText(fin)), GB.int(ranks[i])],
          ["top token here", quoted(v.tokenText(top[0]))], ["its probability", GB.fixed(top[1], 3)]]);
      },
      csv: () => [["layer", "final_prediction_rank", "top_id", "top_token", "top_probability"]].concat(E.map((e, i) => [i, ranks[i], e.top[0][0], v.tokenText(e.top[0][0]), e.top[0][1]])),
      json: () => ({ final_prediction: { id: fin, text: v.tokenText(fin) }, layers: E }),
    });
    p.append(el("div", { class: "v-fig" }, [
      figHead(["Rank of the final prediction ", el("b", { text: quoted(v.tokenText(fin)) }), " through the layers (log scale)"], fig), fig.root]));
  }

  // ---------------------------------------------------------------- attention

  /**
   * Paints one head's pattern, straight from the compressed rows, into the RGBA pixels of an n x n image (n <= T) in
   * the scale's colours. Shrinking keeps each block's largest weight: averaging would fade the sparse strong
   * weights that make a pattern (a long prompt's thumbnail would look empty). best: n * n bytes of scratch.
   */
  function fillPattern(pixels, best, n, C, l, k, scale) {
    const T = C.positions, K = C.keys_per_row, col = scale.u32, raw = atob(C.layers[l][k]);
    best.fill(0);
    let o = 0;
    for (let i = 0; i < T; i++) {
      const row = Math.floor((i * n) / T) * n, m = Math.min(i + 1, K);
      for (let q = 0; q < m; q++, o += 3) {
        const at = row + Math.floor(((raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8)) * n) / T), w = raw.charCodeAt(o + 2);
        if (w > best[at]) best[at] = w;
      }
    }
    for (let p = 0; p < n * n; p++) pixels[p] = col[best[p]];
  }

  function attentionPanel(v) {
    const D = v.doc, C = D.attention_compact;
    if (!C) return null;
    const L = C.layers.length, H = C.layers[0].length, T = C.positions;
    // layer_numbers: the model's layer of each entry, where the document holds only some layers (all by default)
    const ln = (l) => (C.layer_numbers ? C.layer_numbers[l] : l);
    const p = v.panel("attention", "Attention",
      (C.layer_numbers ? "Layers " + C.layer_numbers.join(", ") + ", every head" : "Every layer and head") +
      ": rows are queries, columns keys. Click a head to enlarge it and see where each token looks." +
      (C.keys_per_row < T ? " (Each query keeps its " + C.keys_per_row + " largest weights.)" : ""));

    // An n x n bitmap per size in use, reused for every head painted at that size (one at a time).
    const bitmaps = new Map();
    /** Head (l, k) as an n x n bitmap (n = T, or fewer pixels for a picture smaller than the prompt). */
    function bitmap(l, k, n) {
      n = Math.max(1, Math.min(T, Math.round(n || T)));
      let b = bitmaps.get(n);
      if (!b) {
        const canvas = document.createElement("canvas");
        canvas.width = n; canvas.height = n;
        const ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n);
        b = { canvas, ctx, img, pixels: new Uint32Array(img.data.buffer), best: new Uint8Array(n * n) };
        bitmaps.set(n, b);
      }
      fillPattern(b.pixels, b.best, n, C, l, k, GB.colorScale("sequential"));
      b.ctx.putImageData(b.img, 0, 0);
      return b.canvas;
    }
    // The enlarged head's bitmap, kept while it is open (it redraws on hover), made anew after a theme change.
    let held = null;
    function heldBitmap(l, k, n) {
      const scale = GB.colorScale("sequential"), key = l + ":" + k + ":" + n;
      if (!held || held.key !== key || held.scale !== scale) {
        const src = bitmap(l, k, n), c = document.createElement("canvas");
        c.width = src.width; c.height = src.height;
        c.getContext("2d").drawImage(src, 0, 0);
        held = { key, scale, canvas: c };
      }
      return held.canvas;
    }

    // Dense weights for the enlarged head and its hover read-out (a few kept).
    const dense = new Map();
    function pattern(l, k) {
      const key = l + ":" + k;
      if (dense.has(key)) return dense.get(key);
      const K = C.keys_per_row, raw = atob(C.layers[l][k]), out = new Float32Array(T * T);
      let o = 0;
      for (let i = 0; i < T; i++) {
        const n = Math.min(i + 1, K);
        for (let q = 0; q < n; q++, o += 3) out[i * T + (raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8))] = raw.charCodeAt(o + 2) / 255;
      }
      if (dense.size >= 8) dense.delete(dense.keys().next().value);
      dense.set(key, out);
      return out;
    }
    const stats = (l, k) => { const S = D.heads && D.heads[ln(l)] && D.heads[ln(l)].heads[k]; return S || null; };
    const statRows = (S) => (S ? [["entropy", GB.fixed(S.entropy, 2)], ["previous token", GB.fixed(S.previous_token, 2)], ["first token", GB.fixed(S.first_token, 2)], ["same token", GB.fixed(S.same_token, 2)]] : []);
    const tok = (i) => (D.tokens[i] ? D.tokens[i].decoded : "#" + i);

    const side = Math.max(40, Math.min(84, Math.floor(1120 / H) - 6));
    const grid = el("div", { class: "v-heads", id: "head-grid", style: { gridTemplateColumns: "44px repeat(" + H + ", " + (side + 4) + "px)" } });
    grid.append(el("div", {}), ...Array.from({ length: H }, (_, k) => el("div", { class: "v-lab top", text: "h" + k })));
    const thumbs = [];
    function paintThumb(c, l, k) {
      const dpr = Math.max(1, window.devicePixelRatio || 1), px = Math.round(side * dpr);
      if (c.width !== px) { c.width = px; c.height = px; }
      const g = c.getContext("2d");
      g.imageSmoothingEnabled = false; // at most one cell per pixel (max-pooled): crisp
      g.drawImage(bitmap(l, k, px), 0, 0, px, px);
    }
    for (let l = 0; l < L; l++) {
      grid.append(el("div", { class: "v-lab", text: "L" + ln(l) }));
      for (let k = 0; k < H; k++) {
        const c = el("canvas", { class: "thumb", width: side, height: side, style: { width: side + "px", height: side + "px" },
          "data-layer": l, "data-head": k, tabindex: "0", role: "button", "aria-label": "layer " + ln(l) + " head " + k });
        v.lazy.add(c, () => paintThumb(c, l, k), true);
        thumbs.push(c);
        grid.append(c);
      }
    }
    const thumbAt = (e) => (e.target.closest ? e.target.closest(".thumb") : null);
    // A click opens the head below the grid and brings it into view (a long grid would hide it otherwise).
    grid.addEventListener("click", (e) => { const c = thumbAt(e); if (c) open(+c.dataset.layer, +c.dataset.head, true); });
    grid.addEventListener("keydown", (e) => {
      const c = thumbAt(e);
      if (c && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); open(+c.dataset.layer, +c.dataset.head, true); }
    });
    GB.tooltip.attach(grid, (e) => {
      const c = thumbAt(e);
      if (!c) return null;
      const l = +c.dataset.layer, k = +c.dataset.head;
      return GB.tooltip.content("layer " + ln(l) + " \u00b7 head " + k, statRows(stats(l, k)), ["click to enlarge"]);
    });
    const gridSave = saver("All attention heads", "attention-heads", () => gridPicture(),
      () => [["layer", "head", "entropy", "previous_token", "first_token", "same_token"]].concat(
        (D.heads || []).flatMap((r, l) => r.heads.map((S, k) => [l, k, S.entropy, S.previous_token, S.first_token, S.same_token]))),
      () => ({ tokens: D.tokens.map((t) => t.text), heads: D.heads || [] }),
      (T <= 128 ? ["svg", "png"] : ["png"]).concat(["csv", "json"])); // SVG embeds every head's bitmap: small prompts only
    const zoom = el("div", { class: "v-zoom", id: "head-zoom" });
    p.append(el("div", { class: "v-fig" }, [
      figHead(L + " layers \u00d7 " + H + " heads, " + T + " positions", gridSave),
      el("div", { class: "v-scroll" }, grid)]), zoom);

    function gridPicture() {
      const cell = Math.max(24, Math.min(64, Math.floor(880 / H) - 4)), lw = 36, top = 40, gap = 4;
      const W = lw + H * (cell + gap) + 8, Hh = top + L * (cell + gap) + 8;
      return [W, Hh, (pt, w, h) => {
        const c = background(pt, w, h);
        pt.text("Attention patterns, every layer and head (rows queries, columns keys)", 8, 16, { color: c.ink, font: "bold 12px system-ui" });
        for (let k = 0; k < H; k++) pt.text("h" + k, lw + k * (cell + gap) + cell / 2, top - 6, { color: c.axis, align: "center" });
        for (let l = 0; l < L; l++) {
          const y = top + l * (cell + gap);
          pt.text("L" + ln(l), lw - 6, y + cell / 2, { color: c.axis, align: "right", baseline: "middle" });
          for (let k = 0; k < H; k++) pt.image(bitmap(l, k, 2 * cell), lw + k * (cell + gap), y, cell, cell, T > 2 * cell);
        }
      }];
    }

    let selected = null, figs = [];
    function open(l, k, scroll) {
      if (l < 0 || l >= L || k < 0 || k >= H) return;
      const c = thumbs[l * H + k];
      if (selected) selected.classList.remove("sel");
      selected = c; c.classList.add("sel");
      for (const f of figs) f.destroy();
      v.figures = v.figures.filter((f) => !figs.includes(f));
      const P = pattern(l, k), S = stats(l, k);
      const zf = zoomFigure(l, k, P), hv = headView(l, k, P);
      figs = [zf, hv];
      v.figures.push(zf, hv);
      const idx = l * H + k, step = (d) => { const j = idx + d; open(Math.floor(j / H), j % H); };
      const prev = el("button", { type: "button", class: "icon-btn", title: "Previous head", "aria-label": "Previous head", disabled: idx === 0, onclick: () => step(-1) }, GB.icon("left"));
      const next = el("button", { type: "button", class: "icon-btn", title: "Next head", "aria-label": "Next head", disabled: idx === L * H - 1, onclick: () => step(1) }, GB.icon("right"));
      GB.clear(zoom).append(
        el("div", { class: "v-zoom-head" }, [el("h3", { text: "Layer " + ln(l) + ", head " + k }), el("span", { class: "v-stepper" }, [prev, next]),
          S ? el("div", { class: "v-facts" }, statRows(S).map(([a, b]) => el("span", {}, [a + " ", el("b", { text: b })]))) : null]),
        el("div", { class: "v-row" }, [
          el("div", { class: "v-fig" }, [figHead("weights (rows queries, columns keys)", zf), zf.root]),
          el("div", { class: "v-fig" }, [figHead("head view" + (T > 40 ? " (last 40 tokens)" : "") + ": hover a query token", hv), hv.root]),
        ]));
      zoom.classList.add("open");
      zf.draw(); hv.draw();
      if (scroll) zoom.scrollIntoView({ block: "nearest" });
    }

    function zoomFigure(l, k, P) {
      // Eight pixels a token up to 480; a longer prompt gets a pixel a token (up to 720) before it is shrunk.
      const size = T <= 480 ? Math.min(480, Math.max(240, T * 8)) : Math.min(T, 720);
      const n = Math.min(T, 2 * size); // drawn at up to 2x for sharp downloads and HiDPI screens
      const labels = T <= 48;
      const lw = labels ? Math.min(110, Math.ceil(Math.max(...D.tokens.map((t) => GB.measureText(clip(label(t), 12), MONO)))) + 12) : 0;
      const top = labels ? Math.min(90, lw * 0.72 + 8) : 0;
      const box = { x: lw, y: top, s: size };
      const cellAt = (x, y) => [Math.floor(((y - box.y) / box.s) * T), Math.floor(((x - box.x) / box.s) * T)];
      return new GB.Figure({
        id: "zoom-canvas", className: "v-heat", name: "attention-L" + ln(l) + "-H" + k, fileName: "glassbox-attention-L" + ln(l) + "-H" + k,
        title: "Attention of layer " + ln(l) + " head " + k, size: () => [box.x + size + (labels ? Math.max(8, top - 10) : 8), box.y + size + 8],
        hover: (x, y) => { const [i, j] = cellAt(x, y); return i >= 0 && j >= 0 && i < T && j < T ? i + ":" + j : null; },
        paint(pt, w, h, exporting, f) {
          const c = background(pt, w, h);
          pt.image(heldBitmap(l, k, n), box.x, box.y, size, size, n > size * Math.max(1, window.devicePixelRatio || 1));
          pt.poly([[box.x, box.y], [box.x + size, box.y], [box.x + size, box.y + size], [box.x, box.y + size]], { stroke: c.line, width: 1 });
          const cs = size / T;
          if (labels) {
            for (let i = 0; i < T; i++) {
              const s = clip(shown(tok(i)), 12);
              pt.text(s, box.x - 6, box.y + (i + 0.5) * cs, { color: c.axis, font: MONO, align: "right", baseline: "middle" });
              pt.text(s, box.x + (i + 0.5) * cs, box.y - 6, { color: c.axis, font: MONO, rotate: -45 });
            }
          }
          if (!exporting && f.hover) { // the hovered query's row and key's column
            const [i, j] = f.hover.split(":").map(Number);
            pt.poly([[box.x, box.y + i * cs], [box.x + size, box.y + i * cs], [box.x + size, box.y + (i + 1) * cs], [box.x, box.y + (i + 1) * cs]], { stroke: c.accent, width: 1 });
            pt.poly([[box.x + j * cs, box.y], [box.x + (j + 1) * cs, box.y], [box.x + (j + 1) * cs, box.y + size], [box.x + j * cs, box.y + size]], { stroke: c.accent, width: 1 });
          }
        },
        tip(x, y) {
          const [i, j] = cellAt(x, y);
          if (i < 0 || j < 0 || i >= T || j >= T) return null;
          return GB.tooltip.content("weight " + GB.fixed(P[i * T + j], 3), [["query #" + i, quoted(tok(i))], ["key #" + j, quoted(tok(j))]]);
        },
        csv: () => [["query \\ key"].concat(D.tokens.map((t, j) => j + " " + t.text))].concat(
          Array.from({ length: T }, (_, i) => [i + " " + D.tokens[i].text].concat(Array.from(P.subarray(i * T, (i + 1) * T))))),
        json: () => ({ layer: ln(l), head: k, tokens: D.tokens.map((t) => t.text), keys_per_row: C.keys_per_row,
          weights: Array.from({ length: T }, (_, i) => Array.from(P.subarray(i * T, i * T + i + 1))) }),
      });
    }

    // Lines from each query (left) to the keys it attends to (right), for the last 40 tokens.
    function headView(l, k, P) {
      const n = Math.min(T, 40), first = T - n, rowH = 17, W = 380, Hh = n * rowH + 26, xl = 120, xr = W - 120;
      const rowAt = (y) => { const a = Math.floor((y - 26 + rowH / 2 + 4) / rowH); return a >= 0 && a < n ? a : null; };
      return new GB.Figure({
        id: "head-view", className: "v-headview", name: "head-view-L" + ln(l) + "-H" + k, fileName: "glassbox-head-view-L" + ln(l) + "-H" + k,
        title: "Head view of layer " + ln(l) + " head " + k, size: () => [W, Hh],
        hover: (x, y) => (x < W / 2 ? rowAt(y) : null),
        paint(pt, w, h, exporting, f) {
          const c = background(pt, w, h), only = exporting ? null : f.hover, accent = GB.color(0);
          pt.text("query", xl, 10, { color: c.muted, align: "right" });
          pt.text("key", xr, 10, { color: c.muted });
          for (let a = 0; a < n; a++) {
            if (only !== null && a !== only) continue;
            const i = first + a;
            for (let b = 0; b <= a; b++) {
              const wt = P[i * T + first + b];
              if (wt < 0.02) continue;
              pt.line([[xl + 6, 22 + a * rowH], [xr - 6, 22 + b * rowH]], { color: accent, alpha: Math.min(1, wt * (only === null ? 0.9 : 1.2)), width: 1 + 2 * wt });
            }
          }
          for (let a = 0; a < n; a++) {
            const s = clip(shown(tok(first + a)), 14), y = 26 + a * rowH;
            pt.text(s, xl, y, { color: only !== null && a !== only ? c.faint : c.ink, font: MONO, align: "right" });
            pt.text(s, xr, y, { color: c.ink, font: MONO });
          }
        },
      });
    }

    return { open };
  }

  // ---------------------------------------------------------------- direct logit attribution

  function dlaPanel(v) {
    const D = v.doc, Q = D.direct_logit_attribution;
    if (!Q) return;
    const L = Q.attention.length, Hn = Q.heads[0].length;
    const p = v.panel("dla", "Direct logit attribution",
      "How much each layer's attention and MLP output, read straight through the final norm and unembedding, adds to the logit of " +
      quoted(v.tokenText(Q.target_id)) + " (" + GB.fixed(Q.logit, 2) + " = embedding " + GB.fixed(Q.embedding, 2) +
      (Q.bias ? " + final-norm bias " + GB.fixed(Q.bias, 2) : "") + " + the bars).");
    // The value axis spans the bars (and zero), padded a little: most layers add little, a few add a lot.
    const all = Q.attention.concat(Q.mlp);
    let lo = Math.min(0, ...all), hi = Math.max(0, ...all);
    if (!(hi > lo)) hi = lo + 1;
    const padV = (hi - lo) * 0.06;
    if (lo < 0) lo -= padV;
    if (hi > 0) hi += padV;
    const W = Math.max(540, L * 24 + 70), H = Math.max(230, Math.min(340, L * 11)), box = { x: 52, y: 30, w: W - 52 - 14, h: H - 30 - 44 };
    const yt = GB.linearTicks(lo, hi, 6);
    const Y = (val) => box.y + box.h - ((val - lo) / (hi - lo)) * box.h;
    const bw = box.w / L;
    const names = [["attention", GB.color(0)], ["MLP", GB.color(1)]];
    const bars = v.figure({
      id: "dla-chart", name: "direct-logit-attribution", title: "Direct logit attribution per layer", svg: true,
      size: () => [W, H],
      paint(pt, w, h) {
        const c = background(pt, w, h);
        for (const t of yt) {
          const y = Math.round(Y(t)) + 0.5;
          pt.line([[box.x, y], [box.x + box.w, y]], { color: t === 0 ? c.axis : c.grid, width: 1, alpha: t === 0 ? 0.7 : 1 });
          pt.text(t === 0 ? "0" : GB.num(t, 3), box.x - 8, y, { color: c.axis, align: "right", baseline: "middle" });
        }
        for (let l = 0; l < L; l++) {
          const bar = Math.max(1, Math.min(bw / 2 - 3, 22)), x0 = box.x + l * bw + bw / 2 - bar - 1; // a pair, centred in its slot
          [Q.attention[l], Q.mlp[l]].forEach((val, k) => {
            const y0 = Y(0), y1 = Y(val);
            pt.rect(x0 + k * (bar + 2), Math.min(y0, y1), bar, Math.max(0.5, Math.abs(y1 - y0)), names[k][1]);
          });
          if (L <= 40 || l % 5 === 0) pt.text(String(l), box.x + l * bw + bw / 2, box.y + box.h + 8, { color: c.axis, align: "center", baseline: "top" });
        }
        let lx = box.x;
        for (const [name, col] of names) {
          pt.rect(lx, 10, 10, 10, col);
          pt.text(name, lx + 15, 15, { color: c.muted, baseline: "middle" });
          lx += 24 + GB.measureText(name);
        }
        pt.text("layer", box.x + box.w / 2, h - 6, { color: c.muted, align: "center" });
      },
      tip(x, y) {
        const l = Math.floor((x - box.x) / bw);
        if (l < 0 || l >= L || y < box.y - 10 || y > box.y + box.h + 20) return null;
        return GB.tooltip.content("layer " + l, [["attention", signed(Q.attention[l])], ["MLP", signed(Q.mlp[l])]]);
      },
      csv: () => [["layer", "attention", "mlp"]].concat(Q.attention.map((a, l) => [l, a, Q.mlp[l]])),
      json: () => ({ target: { id: Q.target_id, text: v.tokenText(Q.target_id) }, logit: Q.logit, embedding: Q.embedding, bias: Q.bias, attention: Q.attention, mlp: Q.mlp }),
    });

    const cell = 16, lw = 30, top = 22, hmax = Math.max(1e-6, ...Q.heads.flat().map(Math.abs));
    const cellAt = (x, y) => [Math.floor((y - top) / cell), Math.floor((x - lw) / cell)];
    const heads = v.figure({
      id: "dla-heads", className: "v-heat", name: "direct-logit-attribution-heads", title: "Direct logit attribution per head",
      size: () => [lw + Hn * cell + 4, top + L * cell + 4],
      paint(pt, w, h) {
        const c = background(pt, w, h), sc = GB.colorScale("diverging");
        for (let k = 0; k < Hn; k++) pt.text("h" + k, lw + k * cell + cell / 2, top - 6, { color: c.axis, align: "center", font: "10px system-ui" });
        for (let l = 0; l < L; l++) {
          if (L <= 40 || l % 5 === 0) pt.text(String(l), lw - 6, top + l * cell + cell / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
          for (let k = 0; k < Hn; k++) pt.rect(lw + k * cell, top + l * cell, cell - 1, cell - 1, sc.css(Q.heads[l][k] / hmax));
        }
      },
      tip(x, y) {
        const [l, k] = cellAt(x, y);
        return l >= 0 && l < L && k >= 0 && k < Hn ? GB.tooltip.content("layer " + l + " \u00b7 head " + k, [["direct logit attribution", signed(Q.heads[l][k])]]) : null;
      },
      csv: () => [["layer", "head", "direct_logit_attribution"]].concat(Q.heads.flatMap((r, l) => r.map((val, k) => [l, k, val]))),
      json: () => ({ target: { id: Q.target_id, text: v.tokenText(Q.target_id) }, heads: Q.heads }),
    });
    const lg = themedLegend(v, "diverging", "\u2212" + v3(hmax), "+" + v3(hmax));
    p.append(el("div", { class: "v-row" }, [
      el("div", { class: "v-fig" }, [figHead("per layer: attention and MLP", bars), bars.root]),
      el("div", { class: "v-fig" }, [figHead("per head (rows layers, columns heads)", heads), heads.root, lg]),
    ]));
  }

  // ---------------------------------------------------------------- MLP neurons

  function neuronPanel(v) {
    const D = v.doc, N = D.neurons, T = D.tokens.length;
    if (!N) return;
    const L = N.peak.length;
    const p = v.panel("neurons", "MLP neurons",
      "The largest |activation| of the MLP hidden units per layer (rows) and token (columns), shaded relative to each layer's largest " +
      "(first tokens often carry massive activations). Click a cell for its most active neurons.");
    const cw = Math.max(3, Math.min(48, Math.floor(1100 / T))), ch = 12, lw = 30, bottom = cw >= 24 ? 22 : 18;
    const layerMax = N.peak.map((r) => Math.max(1e-6, ...r));
    const cellAt = (x, y) => [Math.floor(y / ch), Math.floor((x - lw) / cw)];
    const inside = (l, t) => l >= 0 && l < L && t >= 0 && t < T;
    const heat = v.figure({
      id: "neuron-heat", className: "v-heat", name: "mlp-neurons", title: "Peak MLP activation per layer and token",
      size: () => [lw + T * cw + 4, L * ch + bottom],
      paint(pt, w, h) {
        const c = background(pt, w, h), sc = GB.colorScale("sequential");
        for (let l = 0; l < L; l++) {
          if (l % 5 === 0 || l === L - 1) pt.text(String(l), lw - 6, l * ch + ch / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
          for (let t = 0; t < T; t++) pt.rect(lw + t * cw, l * ch, cw - (cw > 6 ? 1 : 0), ch - 1, sc.css(N.peak[l][t] / layerMax[l]));
        }
        if (cw >= 24) {
          for (let t = 0; t < T; t++) pt.text(clip(label(D.tokens[t]), Math.max(2, Math.floor(cw / 7))), lw + t * cw + cw / 2, L * ch + 5, { color: c.axis, font: "10px " + GB.MONO_FAMILY, align: "center", baseline: "top" });
        } else {
          for (const t of GB.linearTicks(0, T - 1, Math.max(2, Math.round((T * cw) / 80))).filter(Number.isInteger)) pt.text(String(t), lw + t * cw + cw / 2, L * ch + 4, { color: c.axis, align: "center", baseline: "top", font: "10px system-ui" });
        }
      },
      tip(x, y) {
        const [l, t] = cellAt(x, y);
        if (!inside(l, t)) return null;
        return GB.tooltip.content("layer " + l + " \u00b7 token #" + t + " " + quoted(D.tokens[t].decoded), [["peak |activation|", v3(N.peak[l][t])]], ["click for its most active neurons"]);
      },
      click(x, y) { const [l, t] = cellAt(x, y); if (inside(l, t)) show(l, t); },
      csv: () => {
        const rows = [["layer", "position", "token", "peak_abs_activation", "top_neurons"]];
        for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) rows.push([l, t, D.tokens[t].text, N.peak[l][t], N.top[l][t].map(([i, a]) => i + ":" + a).join(" ")]);
        return rows;
      },
      json: () => ({ tokens: D.tokens.map((t) => t.text), width: N.width, peak: N.peak, top: N.top }),
    });
    const out = el("div", { class: "v-details", id: "neuron-details" }, el("div", { class: "v-line", text: "Click a cell for its most active neurons." }));
    const trace = el("div", { class: "v-tokens", id: "neuron-trace" });
    p.append(el("div", { class: "v-fig" }, [
      figHead("layers 0 (top) to " + (L - 1) + " (bottom); tokens left to right", heat), el("div", { class: "v-scroll" }, heat.root),
      themedLegend(v, "sequential", "0", "layer max", "|activation| relative to the layer's largest")]), out);

    // A neuron's activation on every token as a shaded strip: .set(label, values, why-blank) fills it, .paint() colours it.
    function traceStrip(node) {
      let vals = [], chips = [], missing = () => "", mx = 1;
      GB.tooltip.attach(node, (e) => {
        const c = e.target.closest && e.target.closest(".tok[data-pos]");
        if (!c) return null;
        const t = +c.dataset.pos;
        return GB.tooltip.content("#" + t + " " + quoted(D.tokens[t].decoded), vals[t] === null ? [] : [["activation", signed(vals[t])]], vals[t] === null ? [missing(t)] : []);
      });
      const strip = {
        set(label, values, why) {
          vals = values; missing = why;
          mx = Math.max(1e-6, ...vals.filter((x) => x !== null).map(Math.abs));
          chips = D.tokens.map((tk, t) => el("span", { class: ["tok", vals[t] === null ? "na" : null], "data-pos": t, text: label(tk) }));
          GB.clear(node).append(el("span", { class: "v-strip-label", text: label }), ...chips);
          strip.paint();
        },
        paint() {
          const sc = GB.colorScale("diverging");
          chips.forEach((c, t) => { if (vals[t] !== null) { c.style.backgroundColor = sc.css(vals[t] / mx); c.style.color = sc.ink(vals[t] / mx); } });
        },
      };
      v.repaint.push(() => strip.paint());
      return strip;
    }
    const traced = traceStrip(trace);
    function show(l, t) {
      const rows = N.top[l][t].map(([i, a]) => el("tr", {}, [
        el("td", { class: "t", text: "L" + l + ".n" + i }), el("td", { class: "num", text: signed(a) }),
        el("td", {}, el("button", { type: "button", class: "btn small ghost", text: "Trace", title: "This neuron on every token", onclick: () => {
          // From the per-cell top lists: blank where the neuron is not among them.
          const vals = Array.from({ length: T }, (_, s) => { const f = N.top[l][s].find(([j]) => j === i); return f ? f[1] : null; });
          traced.set("L" + l + ".n" + i, vals, (s) => "not among the top " + N.top[l][s].length + " here");
        } })),
      ]));
      GB.clear(out).append(el("div", { class: "v-line" }, ["layer " + l + ", token #" + t + " ", el("b", { text: quoted(D.tokens[t].decoded) }), " \u2014 most active neurons"]),
        el("table", { class: "v-alts" }, el("tbody", {}, rows)), trace);
    }
    if (D.neuron_trace) {
      const nt = D.neuron_trace, req = el("div", { class: "v-tokens", id: "requested-trace" });
      p.append(el("div", { class: "v-line v-gap" }, ["Neuron ", el("b", { text: "L" + nt.layer + ".n" + nt.neuron }), " on every token:"]), req);
      traceStrip(req).set("L" + nt.layer + ".n" + nt.neuron, nt.activations, () => "");
    }
  }

  // ================================================================ patch

  function renderPatch(container, doc) {
    const v = new View(container, doc), P = doc;
    const info = v.panel("patch-info", "Activation patching",
      "The corrupted prompt is run with one activation taken from the clean run; cells show the restored fraction of " + P.metric +
      " (1 = the clean answer fully restored, 0 = no effect).");
    info.append(el("div", { class: "v-facts" }, [
      el("span", {}, ["clean ", el("b", { text: GB.fixed(P.clean_metric, 2) })]),
      el("span", {}, ["corrupted ", el("b", { text: GB.fixed(P.corrupted_metric, 2) })]),
      el("span", {}, ["answer ", el("b", { text: quoted(P.answer.decoded) }), " vs ", el("b", { text: quoted(P.wrong.decoded) })]),
    ]));
    const strip = (label, toks, other) => el("div", { class: "v-prompt" }, [el("span", { class: "v-strip-label", text: label }),
      el("div", { class: "v-tokens" }, toks.map((t, i) => el("span", { class: ["tok", other[i] !== t ? "differs" : null], title: other[i] !== t ? "differs from the other prompt" : null, text: shown(t) })))]);
    info.append(strip("clean", P.clean_decoded, P.corrupted_decoded), strip("corrupted", P.corrupted_decoded, P.clean_decoded));
    patchHeat(v, "patch-residual", "Residual stream", "Patching " + (P.residual.hook || "the residual stream") + " at one position (rows layers, columns positions).",
      P.residual.restored, P.corrupted_decoded.map(shown), "position", P.residual.hook);
    patchHeat(v, "patch-heads", "Attention heads", "Patching one head's output (" + (P.heads.hook || "hook_z") + ") at every position (rows layers, columns heads).",
      P.heads.restored, P.heads.restored[0].map((_, k) => "h" + k), "head", P.heads.hook);
    return { destroy: () => v.destroy() };
  }

  function patchHeat(v, id, title, sub, M, cols, colName, hook) {
    const p = v.panel(id, title, sub);
    const L = M.length, C = cols.length;
    const cw = Math.max(26, Math.min(60, Math.floor(900 / C))), ch = 16, lw = 40;
    const labelW = Math.min(90, Math.max(...cols.map((c) => GB.measureText(clip(c, 12)))));
    const top = Math.ceil(labelW * 0.71) + 16;
    const max = Math.max(1, ...M.flat().map(Math.abs));
    const cellAt = (x, y) => [Math.floor((y - top) / ch), Math.floor((x - lw) / cw)];
    const fig = v.figure({
      id: id + "-svg", name: id, title, svg: true, size: () => [lw + C * cw + Math.max(10, labelW * 0.71 - cw / 2 + 6), top + L * ch + 10],
      paint(pt, w, h) {
        const c = background(pt, w, h), sc = GB.colorScale("diverging");
        cols.forEach((s, j) => pt.text(clip(s, 12), lw + j * cw + cw / 2, top - 6, { color: c.axis, rotate: -45 }));
        for (let l = 0; l < L; l++) {
          pt.text(String(l), lw - 6, top + l * ch + ch / 2, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
          for (let j = 0; j < C; j++) pt.rect(lw + j * cw, top + l * ch, cw - 1, ch - 1, sc.css(M[l][j] / max));
        }
      },
      tip(x, y) {
        const [l, j] = cellAt(x, y);
        return l >= 0 && l < L && j >= 0 && j < C ? GB.tooltip.content("layer " + l + " \u00b7 " + colName + " " + cols[j], [["restored", v3(M[l][j])]]) : null;
      },
      csv: () => [["layer"].concat(cols)].concat(M.map((r, l) => [l].concat(r))),
      json: () => ({ hook, columns: cols, restored: M }),
    });
    const lg = themedLegend(v, "diverging", "\u2212" + GB.fixed(max, 1), "+" + GB.fixed(max, 1), "restored");
    p.append(el("div", { class: "v-fig" }, [figHead("restored fraction by layer and " + colName, fig), lg, el("div", { class: "v-scroll" }, fig.root)]));
  }

  GB.inspectView = { render: renderInspect };
  GB.patchView = { render: renderPatch };
  GB.views = { shown, modelFacts };

  // ================================================================ the self-contained report

  /** Reads the embedded document, dresses the header (model, data download, theme switch) and mounts the views. */
  function boot(dataNode) {
    const doc = JSON.parse(dataNode.textContent);
    const kind = doc.kind === "patch" ? "patch" : "inspect";
    GB.bindMenus();
    const stale = document.getElementById("tooltip"); // the page's old tooltip box: GB.tooltip makes its own
    if (stale) stale.remove();
    const header = document.getElementById("top");
    if (header) {
      const brand = header.querySelector(".brand");
      if (brand) GB.clear(brand).append(GB.logo(), el("span", { class: "brand-name" }, ["Glassbox ", el("span", { class: "brand-sub", text: kind === "patch" ? "Patching" : "Inspect" })]));
      const line = document.getElementById("model-line");
      if (line) GB.clear(line).append(...modelFacts(doc.model));
      const data = el("button", { type: "button", class: "btn small ghost v-data", title: "Download this report's data (JSON)",
        onclick: () => GB.downloadJSON("glassbox-" + kind + ".json", doc) }, [GB.icon("download"), "Data"]);
      header.append(el("span", { class: "spacer" }), data, GB.themeToggle(() => {
        GB.tooltip.hide();
        document.dispatchEvent(new CustomEvent("gb-theme"));
        GB.redrawAll();
      }));
    }
    const app = document.getElementById("app");
    const view = (kind === "patch" ? GB.patchView : GB.inspectView).render(app, doc);
    // Deep links: report.html#attention opens at that panel, #head-3-2 with layer 3's head 2 enlarged.
    function follow() {
      const m = /^#head-(\d+)-(\d+)$/.exec(location.hash);
      if (m && view.openHead) view.openHead(+m[1], +m[2]);
      else if (m) return;
      else if (location.hash) {
        let id = location.hash.slice(1);
        try { id = decodeURIComponent(id); } catch (e) { /* keep it as written */ }
        const target = document.getElementById(id);
        if (target) target.scrollIntoView();
      }
    }
    follow();
    window.addEventListener("hashchange", follow);
    document.body.dataset.ready = "1";
  }

  const dataNode = document.getElementById("glassbox-data");
  if (dataNode) boot(dataNode);
})(window.GB);
