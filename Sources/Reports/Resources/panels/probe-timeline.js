/* Glassbox Studio: the probe timeline on the run page. What the model makes of fixed prompts (train --probe) at
 * every checkpoint: the answer's probability and rank through the layers (logit lens), the step it first comes out
 * on top, the loss on the probe, attention heads sharpening, and the top predictions.
 *   GB.probeTimeline(container, runId) -> {refresh(), destroy()}
 * It reads GET /api/runs/RUN/probes and follows the run's event stream (`checkpoint`: read again). Plain ES2020;
 * needs core.js and charts.js (and report.js's token display when it is there). */
import { Figure, LineChart, chartTheme, downloadMenu } from "../lib/charts.js";
import { fetchJSON } from "../api.js";
import { color, colorScale } from "../lib/colors.js";
import { append, clear, el } from "../lib/dom.js";
import { downloadCSV, downloadJSON } from "../lib/download.js";
import { compact, int, isNum, num, slug } from "../lib/format.js";
import { store } from "../lib/storage.js";
import { tooltip } from "../lib/tooltip.js";
import { icon } from "../lib/ui.js";
import { views } from "../views/report-views.js";

const enc = encodeURIComponent;

/** Token text made visible (newlines and tabs as arrows, spaces as ␣ when that is all there is). */
const shown = (t) => {
  if (views && views.shown) return views.shown(t);
  const v = String(t).replace(/\n/g, "\u21b5").replace(/\t/g, "\u21e5");
  return v === "" ? "\u2205" : /^ +$/.test(v) ? v.replace(/ /g, "\u2423") : v;
};
/** Quoted token text; byte escapes (a part of a character) stay as they are. */
const quoted = (t) => (/^(\\x[0-9A-F]{2})+$/.test(t) ? t : "\u201c" + shown(t) + "\u201d");
const prob = (p) => (isNum(p) ? (p >= 0.9995 ? "1" : p < 0.0005 && p > 0 ? "<0.001" : p.toFixed(3)) : "–");
const short = (p) => (isNum(p) ? (p >= 0.995 ? "1" : p < 0.005 ? "0" : p.toFixed(2).replace(/^0/, "")) : "");
const rankText = (r) => (isNum(r) && r >= 0 ? compact(r + 1) : "–"); // shown 1-based: rank 1 is the top
const ordinal = (n) => {
  const s = ["th", "st", "nd", "rd"], v = n % 100;
  return int(n) + (s[(v - 20) % 10] || s[v] || s[0]);
};
const depthName = (l, L) => (l === 0 ? "the embeddings" : l === L ? "after layer " + l + " (the output)" : "after layer " + l);
const depthLabel = (l, L) => (l === 0 ? "embed" : l === L ? l + " · out" : String(l));

/** The probe documents grouped by probe, each with its snapshots in step order. */
function group(docs) {
  const by = new Map();
  for (const d of Array.isArray(docs) ? docs : []) {
    if (!d || !isNum(d.step) || !isNum(d.probe)) continue;
    if (!by.has(d.probe)) by.set(d.probe, { index: d.probe, snaps: [] });
    by.get(d.probe).snaps.push(d);
  }
  const out = [...by.values()].sort((a, b) => a.index - b.index);
  for (const P of out) {
    P.snaps.sort((a, b) => a.step - b.step);
    const last = P.snaps[P.snaps.length - 1];
    P.text = last.text;
    P.tokens = last.tokens || [];
    P.answer = P.tokens.length ? P.tokens[P.tokens.length - 1] : last.answer_text;
    P.L = Math.max(0, (last.lens || []).length - 1);
    P.H = (last.head_entropy && last.head_entropy[0]) ? last.head_entropy[0].length : 0;
    // first step at which each depth ranks the answer first (the output's is the headline)
    P.firstTop = [];
    for (let l = 0; l <= P.L; l++) {
      const j = P.snaps.findIndex((s) => s.lens && s.lens[l] && s.lens[l].rank === 0);
      P.firstTop.push(j < 0 ? null : j);
    }
    P.firstOut = P.snaps.findIndex((s) => s.answer_rank === 0);
  }
  return out;
}

/** The mean attention entropy of a head that spreads evenly over what it may see (causal: row i sees i + 1). */
function uniformEntropy(T) {
  let s = 0;
  for (let i = 1; i <= T; i++) s += Math.log(i);
  return T > 0 ? s / T : 1;
}

/** A colour legend: the bar with numbers under it (at 0, ¼, ½, ¾, 1 of the scale), then a note. */
function legend(tick, note, extra) {
  const sc = colorScale("sequential");
  const bar = el("span", { class: "v-scale-bar" });
  bar.style.backgroundImage = sc.gradient();
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => el("span", { style: { left: 100 * t + "%" }, text: tick(t) }));
  return el("div", { class: "v-legend" }, [el("span", { class: "v-scale" }, [bar, el("span", { class: "v-ticks" }, ticks)]),
    note ? el("span", { class: "muted", text: note }) : null, extra || null]);
}

export function probeTimeline(container, runId) {
  const S = {
    docs: [], probes: [], index: 0,
    mode: store.get("probe-mode", "probability") === "rank" ? "rank" : "probability",
    sel: null, // {step, l}; null: the newest checkpoint at the output
    state: "loading", status: null, stopped: false,
    es: null, timers: new Set(), seq: 0, want: null,
  };
  const storeKey = "probe." + runId;
  const checkpointID = (step) => runId + "@" + step;
  /** The inspect page on a checkpoint, with the probe as its prompt and the answer as the token to explain. */
  function inspectHref(step, P) {
    let href = "/inspect?model=" + enc(checkpointID(step));
    const last = P && P.snaps[P.snaps.length - 1];
    if (last && typeof last.answer_text === "string" && last.answer_text && P.text.endsWith(last.answer_text) && P.text.length > last.answer_text.length) {
      href += "&prompt=" + enc(P.text.slice(0, P.text.length - last.answer_text.length)) + "&target=" + enc(last.answer_text);
    }
    return href;
  }
  /** The inspect page's compare tab: the checkpoint before step (a) against step (b), on the probe without its answer. */
  function diffHref(prev, step, P) {
    let href = "/inspect?tab=diff&a=" + enc(checkpointID(prev)) + "&b=" + enc(checkpointID(step));
    const last = P && P.snaps[P.snaps.length - 1];
    if (last && typeof last.answer_text === "string" && last.answer_text && P.text.endsWith(last.answer_text) && P.text.length > last.answer_text.length) {
      href += "&prompt=" + enc(P.text.slice(0, P.text.length - last.answer_text.length)) + "&target=" + enc(last.answer_text);
    } else if (P && P.text) {
      href += "&prompt=" + enc(P.text);
    }
    return href;
  }

  const root = container;
  root.classList.add("probes");
  root.id = root.id || "probes";
  root.dataset.state = "loading";
  const errorsNode = el("div", { class: "page-errors", "aria-live": "polite" });
  const body = el("div", { class: "probe-body", id: "probe-body" }, el("p", { class: "muted small-text", text: "Loading the probes…" }));
  clear(root);
  append(root, [
    el("div", { class: "section-head" }, [
      el("h2", { class: "section-title", id: "probes-title", text: "Probe timeline" }),
      el("span", { class: "section-sub", text: "what the model makes of fixed prompts, checkpoint by checkpoint" }),
    ]),
    errorsNode, body,
  ]);
  root.setAttribute("aria-labelledby", "probes-title");

  function showError(err, title) {
    clear(errorsNode).appendChild(el("div", { class: "notice error", role: "alert" }, [
      el("span", { class: "notice-text", text: (title ? title + ": " : "") + (err && err.message ? err.message : String(err)) }),
      el("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss", title: "Dismiss", onclick: () => clear(errorsNode) }, icon("close")),
    ]));
  }

  // ------------------------------------------------------------ the parts that live across redraws

  const lossChart = new LineChart({
    name: "probe-loss", title: "Loss on the probe", subtitle: "mean next-token cross-entropy, nats", height: 190,
    fileName: runId + "-probe-loss", emptyText: "No checkpoints yet", legend: false, onClick: (step) => select(step, null),
    yFormat: (v) => num(v, 4) + " nats",
  });
  const probChart = new LineChart({
    name: "probe-probability", title: "Answer probability", subtitle: "p(answer) at the output", height: 190,
    fileName: runId + "-probe-probability", emptyText: "No checkpoints yet", legend: false, onClick: (step) => select(step, null),
    yFormat: (v) => prob(v),
  });
  lossChart.root.id = "probe-loss-chart";
  probChart.root.id = "probe-prob-chart";

  let headsFigure = null;
  const headsWrap = el("div", { class: "probe-heads-wrap", id: "probe-heads" });
  const lensWrap = el("div", { class: "v-scroll probe-lens-wrap" });
  let lensWidth = 0;

  const cur = () => S.probes[Math.min(S.index, S.probes.length - 1)] || null;
  /** The selected checkpoint's index in P.snaps and the selected depth. */
  function selection(P) {
    let j = P.snaps.length - 1, l = P.L;
    if (S.sel) {
      const k = P.snaps.findIndex((s) => s.step === S.sel.step);
      if (k >= 0) j = k;
      if (isNum(S.sel.l)) l = Math.max(0, Math.min(P.L, S.sel.l));
    }
    return { j, l };
  }
  function select(step, l) {
    const P = cur();
    if (!P) return;
    const prev = selection(P);
    const k = P.snaps.findIndex((s) => s.step === step);
    if (k < 0) return;
    S.sel = k === P.snaps.length - 1 && (l === null ? prev.l : l) === P.L ? null : { step, l: l === null ? prev.l : l };
    renderLens(true);
    renderCell();
    renderMarkers();
    renderTable();
    if (headsFigure) headsFigure.requestDraw();
  }

  // ------------------------------------------------------------ drawing

  let parts = null; // the nodes of the drawn probe view

  function render() {
    if (S.stopped) return;
    tooltip.hide();
    if (!S.probes.length) {
      parts = null;
      root.dataset.state = S.state === "error" ? "error" : "empty";
      root.dataset.probes = "0";
      clear(body).appendChild(el("div", { class: "card probe-empty" }, [
        el("p", {}, [S.status === "live" ? "No probe read-outs yet: they come with each checkpoint. " : "No probe read-outs in this run. ",
          "Training reads a few fixed prompts out at every checkpoint (", el("code", { text: "glassbox train --probe \"TEXT\"" }),
          "; by default the start of the validation split), so you can watch the model learn them: the answer's rank through the layers, the loss on the prompt and the heads sharpening."]),
      ]));
      return;
    }
    if (S.index >= S.probes.length) S.index = 0;
    const P = cur();
    root.dataset.state = "shown";
    root.dataset.probes = String(S.probes.length);
    root.dataset.probe = String(P.index);
    root.dataset.checkpoints = String(P.snaps.length);
    root.dataset.layers = String(P.L + 1);
    root.dataset.heads = String(P.L * P.H);
    root.dataset.firstTop = P.firstOut >= 0 ? String(P.snaps[P.firstOut].step) : "";

    if (!parts) buildParts();
    renderHeader(P);
    renderLens(false);
    renderCell();
    renderCharts(P);
    renderHeads(P);
    renderTable();
  }

  function buildParts() {
    const pickNode = el("div", { class: "probe-pick" });
    const textNode = el("div", { class: "v-tokens probe-tokens", id: "probe-text" });
    const verdict = el("p", { class: "probe-verdict", id: "probe-verdict", "aria-live": "polite" });
    const facts = el("div", { class: "v-facts probe-facts", id: "probe-facts" });

    const seg = el("div", { class: "v-seg", role: "group", "aria-label": "Colour the cells by" }, ["probability", "rank"].map((m) =>
      el("button", { type: "button", id: "probe-mode-" + m, "aria-pressed": "false", text: m === "probability" ? "Probability" : "Rank",
        onclick: () => { S.mode = m; store.set("probe-mode", m); renderLens(true); } })));
    const lensSaver = {
      opts: { title: "Probe logit lens" },
      download(kind) {
        const P = cur();
        if (!P) return;
        const base = slug(runId + "-probe-" + P.index + "-lens");
        if (kind === "csv") {
          const rows = [["step", "layer", "answer_rank", "answer_probability", "top_id", "top_token", "top_probability"]];
          for (const s of P.snaps) for (const e of s.lens || []) {
            const t = (e.top || [])[0] || [];
            rows.push([s.step, e.layer, e.rank + 1, e.probability, t[0], t[0] === undefined ? "" : tokenText(s, t[0]), t[1]]);
          }
          downloadCSV(base + ".csv", rows);
        } else if (kind === "json") downloadJSON(base + ".json", P.snaps);
      },
    };
    const lensLegend = el("div", { class: "v-legend-row", id: "probe-lens-legend" });
    const lensFind = el("p", { class: "probe-finding", id: "probe-lens-finding" });
    const cellNode = el("div", { class: "v-details probe-cell", id: "probe-cell", "aria-live": "polite" });

    const headsLegend = el("div", { class: "v-legend-row", id: "probe-heads-legend" });
    const headsFind = el("p", { class: "probe-finding", id: "probe-heads-finding" });
    const headsMenu = el("span", { class: "probe-heads-menu" });
    const tableWrap = el("div", { class: "table-wrap probe-table-wrap" });
    const chartsFind = el("p", { class: "probe-finding", id: "probe-charts-finding" });

    const read = (text) => el("p", { class: "v-read" }, [el("b", { text: "How to read it: " }), text]);
    const cardHead = (title, sub, extra) => el("div", { class: "probe-card-head" }, [el("h3", { class: "chart-title", text: title }),
      sub ? el("span", { class: "chart-sub", text: sub }) : null, el("span", { class: "spacer" }), extra]);

    clear(body);
    append(body, [
      el("section", { class: "card probe-card probe-top", id: "probe-summary" }, [
        el("div", { class: "probe-card-head" }, [el("h3", { class: "chart-title", text: "Probe" }), pickNode]),
        textNode, verdict, facts,
      ]),
      el("section", { class: "card probe-card", id: "probe-lens" }, [
        cardHead("The answer through the layers", "logit lens at the answer position", [seg, downloadMenu(lensSaver, ["csv", "json"])]),
        read("each column is a checkpoint (oldest on the left), each row a depth of the model (embeddings at the bottom, output at the top), read " +
          "through the final norm and unembedding. The stronger the colour, the more that depth already favours the answer; as training goes on the " +
          "strong region spreads left and down. Click a cell (or use the arrow keys) for that depth's top tokens; a step opens that checkpoint in the inspect page."),
        lensWrap, lensLegend, lensFind, cellNode,
      ]),
      el("section", { class: "card probe-card", id: "probe-curves" }, [
        cardHead("Loss and answer probability", "one point per checkpoint"),
        read("the loss is how surprised the model is by the probe's tokens, on average (lower is better; the log of the vocabulary size is a blind guess); " +
          "the probability is what the model gives the probe's answer. Click a point to select that checkpoint, drag to zoom, double-click to zoom out."),
        el("div", { class: "charts-grid two probe-charts" }, [lossChart.root, probChart.root]),
        chartsFind,
      ]),
      el("section", { class: "card probe-card", id: "probe-heads-card" }, [
        cardHead("Heads forming", "mean attention entropy of each head on the probe", headsMenu),
        read("one row per attention head (L = layer, H = head, from 0), one column per checkpoint. Entropy measures how spread out a head's " +
          "attention is: a faint cell means the head looks evenly at everything before it, a strong one that it has learned to focus on a few tokens. " +
          "Heads whose row grows stronger over training are specialising."),
        headsWrap, headsLegend, headsFind,
      ]),
      el("section", { class: "card probe-card", id: "probe-predictions" }, [
        cardHead("Top predictions at each checkpoint", "at the answer position, from the output"),
        read("what the model would write after the probe's text, checkpoint by checkpoint, with the answer marked. A step opens that checkpoint in the inspect page."),
        tableWrap,
      ]),
    ]);
    parts = { pickNode, textNode, verdict, facts, seg, lensLegend, lensFind, cellNode, headsLegend, headsFind, headsMenu, tableWrap, chartsFind };

    // hover read-outs and the keyboard on the lens grid
    tooltip.attach(lensWrap, (e) => {
      const td = e.target.closest && e.target.closest("td[data-j]");
      if (!td) return null;
      return cellTip(cur(), +td.dataset.j, +td.dataset.l);
    });
    lensWrap.addEventListener("click", (e) => {
      const td = e.target.closest && e.target.closest("td[data-j]");
      if (!td) return;
      const P = cur();
      select(P.snaps[+td.dataset.j].step, +td.dataset.l);
    });
    lensWrap.addEventListener("keydown", (e) => {
      const td = e.target.closest && e.target.closest("td[data-j]");
      const P = cur();
      if (!td || !P) return;
      let j = +td.dataset.j, l = +td.dataset.l;
      const C = P.snaps.length;
      if (e.key === "ArrowLeft") j = Math.max(0, j - 1);
      else if (e.key === "ArrowRight") j = Math.min(C - 1, j + 1);
      else if (e.key === "ArrowUp") l = Math.min(P.L, l + 1);
      else if (e.key === "ArrowDown") l = Math.max(0, l - 1);
      else if (e.key === "Home") j = 0;
      else if (e.key === "End") j = C - 1;
      else if (e.key === "Enter" || e.key === " ") { /* selects the focused cell */ } else return;
      e.preventDefault();
      select(P.snaps[j].step, l);
      const next = lensWrap.querySelector('td[data-j="' + j + '"][data-l="' + l + '"]');
      if (next) next.focus();
    });
    // a row of the predictions table selects its checkpoint (its step is a link to the inspect page)
    tableWrap.addEventListener("click", (e) => {
      if (e.target.closest("a")) return;
      const tr = e.target.closest("tr[data-step]");
      if (tr) select(+tr.dataset.step, null);
    });
    const ro = new ResizeObserver(() => {
      if (!parts || lensWrap.clientWidth === lensWidth) return;
      renderLens(false);
      if (headsFigure) headsFigure.requestDraw();
    });
    ro.observe(lensWrap);
    S.resize = ro;
  }

  function tokenText(s, id) {
    const v = s && s.vocab ? s.vocab[String(id)] : undefined;
    return v === undefined ? "#" + id : v;
  }

  function cellTip(P, j, l) {
    if (!P || !P.snaps[j]) return null;
    const s = P.snaps[j], e = (s.lens || [])[l];
    if (!e) return null;
    const t = (e.top || [])[0];
    return tooltip.content("step " + int(s.step) + " \u00b7 " + depthName(l, P.L),
      [["answer " + quoted(P.answer), "rank " + rankText(e.rank)], ["its probability", prob(e.probability)],
        t ? ["top token here", quoted(tokenText(s, t[0])) + " " + prob(t[1])] : null],
      [P.firstTop[l] === j ? "the first checkpoint where this depth ranks the answer first" : null, "click for the top tokens at this depth"]);
  }

  function renderHeader(P) {
    const { pickNode, textNode, verdict, facts } = parts;
    // the picker: a native select (keyboard and screen readers know it), only when there is a choice
    clear(pickNode);
    if (S.probes.length > 1) {
      const sel = el("select", { class: "select", id: "probe-select", "aria-label": "Probe" }, S.probes.map((Q, i) =>
        el("option", { value: String(i), selected: i === S.index, text: (Q.index + 1) + ": " + (Q.text.length > 60 ? Q.text.slice(0, 59) + "\u2026" : Q.text) })));
      sel.addEventListener("change", () => {
        S.index = +sel.value;
        S.sel = null;
        store.set(storeKey, S.index);
        render();
        const again = document.getElementById("probe-select");
        if (again) again.focus();
      });
      append(pickNode, [el("span", { class: "muted", text: S.probes.length + " probes" }), sel]);
    } else {
      pickNode.appendChild(el("span", { class: "muted", text: "the run's one probe" }));
    }
    // the text, token by token: the last is the answer, read off at the token before it
    clear(textNode);
    const T = P.tokens.length;
    textNode.appendChild(el("span", { class: "v-strip-label", text: "Text" }));
    P.tokens.forEach((t, i) => {
      const cls = ["tok", i === T - 1 ? "probe-answer" : "", i === T - 2 ? "probe-at" : ""];
      textNode.appendChild(el("span", { class: cls, title: i === T - 1 ? "the answer: what the model should predict here" : i === T - 2 ? "read-outs are taken here, where the answer is the next token" : null, text: shown(t) }));
    });
    textNode.appendChild(el("span", { class: "probe-answer-note muted", text: "\u2190 the answer" }));

    // the headline: the step it first comes out on top
    const last = P.snaps[P.snaps.length - 1];
    const ans = quoted(P.answer);
    clear(verdict);
    if (P.firstOut >= 0) {
      const first = P.snaps[P.firstOut];
      const held = P.snaps.slice(P.firstOut).every((s) => s.answer_rank === 0);
      append(verdict, ["The model first predicts ", el("b", { class: "mono", text: ans }), " at ",
        el("a", { href: inspectHref(first.step, P), class: "probe-step-link", dataset: { step: String(first.step) }, title: "Look inside the checkpoint at step " + int(first.step), text: "step " + int(first.step) }),
        held ? (first === last ? "." : " and has kept it since.") : ", but not at the newest checkpoint: at step " + int(last.step) + " it ranks " + ordinal(last.answer_rank + 1) + "."]);
      verdict.dataset.step = String(first.step);
    } else {
      append(verdict, ["Not yet: the model does not predict ", el("b", { class: "mono", text: ans }), " at any checkpoint so far; at step " + int(last.step) + " it ranks " +
        ordinal(last.answer_rank + 1) + " with probability " + prob(last.answer_probability) + "."]);
      verdict.dataset.step = "";
    }
    clear(facts);
    append(facts, [
      el("span", {}, ["newest checkpoint ", el("b", { text: "step " + int(last.step) })]),
      el("span", {}, ["loss on the probe ", el("b", { text: num(last.loss, 3) + " nats" })]),
      el("span", {}, ["answer rank ", el("b", { text: rankText(last.answer_rank) })]),
      el("span", {}, ["p(answer) ", el("b", { text: prob(last.answer_probability) })]),
      el("span", {}, [el("b", { text: int(P.snaps.length) }), P.snaps.length === 1 ? " checkpoint" : " checkpoints"]),
    ]);
  }

  /** The columns' geometry shared by the lens table and the heads canvas (so that a step lines up in both). */
  const LAB_W = 64, END_W = 96;
  function columnWidth(C) {
    const W = Math.max(320, lensWrap.clientWidth || 900);
    return Math.max(14, Math.min(64, Math.floor((W - LAB_W - END_W - 4) / C) - 1));
  }

  /** The value of a cell on [0, 1] of the colour scale: the probability, or the rank on a log scale (rank 1 = 1). */
  function rankScale(P) {
    let worst = 10;
    for (const s of P.snaps) for (const e of s.lens || []) if (isNum(e.rank) && e.rank + 1 > worst) worst = e.rank + 1;
    const lg = Math.log(worst);
    return { worst, t: (r) => (isNum(r) && r >= 0 ? 1 - Math.log(r + 1) / lg : null) };
  }

  function renderLens(keepFocus) {
    const P = cur();
    if (!P || !parts) return;
    for (const b of parts.seg.children) {
      const on = b.id === "probe-mode-" + S.mode;
      b.classList.toggle("on", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    }
    const focused = keepFocus && document.activeElement && lensWrap.contains(document.activeElement) ? document.activeElement : null;
    const fj = focused && focused.dataset.j, fl = focused && focused.dataset.l;
    const C = P.snaps.length, R = P.L + 1;
    const sc = colorScale("sequential"), rs = rankScale(P);
    const { j: sj, l: sl } = selection(P);
    lensWidth = lensWrap.clientWidth;
    const labW = LAB_W, endW = END_W, cw = columnWidth(C);
    const withText = cw >= 34;
    const labelEvery = Math.max(1, Math.ceil((String(P.snaps[C - 1].step).length * 7 + 10) / cw));
    let cells = 0;
    const rows = [];
    for (let l = P.L; l >= 0; l--) {
      const tds = [];
      for (let j = 0; j < C; j++) {
        const e = (P.snaps[j].lens || [])[l];
        const v = !e ? null : S.mode === "rank" ? rs.t(e.rank) : e.probability;
        const first = P.firstTop[l] === j, on = j === sj && l === sl;
        if (isNum(v)) cells++;
        tds.push(el("td", {
          class: ["probe-c", first ? "first" : "", e && e.rank === 0 ? "top1" : "", on ? "sel" : "", withText ? "" : "bare"],
          "data-j": j, "data-l": l, tabindex: on ? "0" : "-1", role: "gridcell", "aria-selected": on ? "true" : "false",
          "aria-label": "step " + P.snaps[j].step + ", " + depthName(l, P.L) + ": rank " + rankText(e && e.rank) + ", probability " + prob(e && e.probability),
          style: isNum(v) ? { backgroundColor: sc.css(v), color: sc.ink(v) } : null,
          text: withText && e ? (S.mode === "rank" ? rankText(e.rank) : short(e.probability)) : "",
        }));
      }
      const f = P.firstTop[l];
      rows.push(el("tr", { role: "row" }, [el("th", { class: "lab", scope: "row", title: depthName(l, P.L), text: depthLabel(l, P.L) }), tds,
        el("td", { class: "probe-first-col" }, f === null ? el("span", { class: "muted", text: "not yet" }) :
          el("a", { href: inspectHref(P.snaps[f].step, P), class: "probe-step-link", dataset: { step: String(P.snaps[f].step) }, title: "Look inside the checkpoint at step " + int(P.snaps[f].step), text: "step " + int(P.snaps[f].step) }))]));
    }
    const steps = [];
    for (let j = 0; j < C; j++) {
      const labelled = (C - 1 - j) % labelEvery === 0;
      const s = P.snaps[j].step;
      steps.push(el("td", { class: ["probe-step", j === sj ? "sel" : ""] }, labelled ? el("a", {
        href: inspectHref(s, P), class: "probe-step-link", dataset: { step: String(s) }, title: "Look inside the checkpoint at step " + int(s), text: String(s),
      }) : null));
    }
    const table = el("table", {
      class: ["probe-lens", withText ? "" : "narrow"], id: "probe-lens-table", role: "grid", "aria-label": "The answer's " + S.mode + " by depth (rows) and checkpoint (columns)",
      dataset: { rows: String(R), cols: String(C), cells: String(cells), mode: S.mode },
      style: { width: labW + endW + (cw + 1) * C + 3 + "px" },
    }, [
      el("colgroup", {}, [el("col", { style: { width: labW + "px" } }), Array.from({ length: C }, () => el("col", { style: { width: cw + "px" } })), el("col", { style: { width: endW + "px" } })]),
      el("thead", {}, el("tr", {}, [el("th", { class: "lab", text: "layer" }), el("th", { class: "probe-cols-head", colspan: String(C), text: "checkpoints \u2192" }),
        el("th", { class: "probe-first-col", title: "The first checkpoint at which this depth ranks the answer first", text: "first top-1" })])),
      el("tbody", {}, rows),
      el("tfoot", {}, el("tr", {}, [el("th", { class: "lab", text: "step" }), steps, el("td")])),
    ]);
    clear(lensWrap).appendChild(table);
    if (fj !== null && fj !== undefined) {
      const n = lensWrap.querySelector('td[data-j="' + fj + '"][data-l="' + fl + '"]');
      if (n) n.focus({ preventScroll: true });
    }
    // legend and the finding in words
    clear(parts.lensLegend).appendChild(S.mode === "rank"
      ? legend((t) => compact(Math.round(Math.pow(rs.worst, 1 - t))), "rank of the answer (1 = the top prediction; log scale)", firstKey())
      : legend((t) => String(t), "probability of the answer", firstKey()));
    const last = P.snaps[C - 1];
    let lowest = null;
    for (let l = 0; l <= P.L; l++) if (last.lens[l] && last.lens[l].rank === 0) { lowest = l; break; }
    const early = P.firstTop.map((j, l) => [j, l]).filter(([j]) => j !== null);
    clear(parts.lensFind);
    if (lowest === null) {
      parts.lensFind.textContent = "At step " + int(last.step) + " no depth ranks the answer first yet; the closest is " +
        depthName(bestDepth(last), P.L) + ", where it ranks " + ordinal(last.lens[bestDepth(last)].rank + 1) + ".";
    } else {
      const held = last.lens.slice(lowest).every((e) => e.rank === 0);
      early.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      parts.lensFind.textContent = "At step " + int(last.step) + " the answer ranks first " +
        (lowest === P.L ? "only at the output" : lowest === 0 && held ? "at every depth, the embeddings included" :
          (held ? "at every depth from " : "from ") + (lowest === 0 ? "the embeddings" : "layer " + lowest) + " up" + (held ? "" : " (not at all of them)")) +
        (early.length ? "; the first depth to rank it first was " + depthName(early[0][1], P.L) + ", at step " + int(P.snaps[early[0][0]].step) + "." : ".");
    }
  }

  function firstKey() {
    return el("span", { class: "probe-first-key" }, [el("span", { class: "probe-first-mark", "aria-hidden": "true" }), "first checkpoint where that depth ranks the answer first"]);
  }

  function bestDepth(s) {
    let best = 0;
    (s.lens || []).forEach((e, l) => { if (e.rank >= 0 && e.rank <= s.lens[best].rank) best = l; });
    return best;
  }

  function renderCell() {
    const P = cur();
    if (!P || !parts) return;
    const { j, l } = selection(P);
    const s = P.snaps[j], e = (s.lens || [])[l];
    const node = parts.cellNode;
    clear(node);
    node.dataset.step = String(s.step);
    node.dataset.layer = String(l);
    if (!e) return;
    const top = e.top || [];
    const rows = top.map(([id, p]) => el("tr", { class: id === s.answer_id ? "probe-is-answer" : null }, [
      el("td", { class: "t", text: quoted(tokenText(s, id)) }),
      el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, 100 * p) + "%" } })),
      el("td", { class: "num", text: prob(p) }),
      el("td", { class: "num muted", text: id === s.answer_id ? "the answer" : "" }),
    ]));
    const inTop = top.some(([id]) => id === s.answer_id);
    append(node, [
      el("div", { class: "probe-cell-head" }, [
        el("b", { text: "Step " + int(s.step) + " \u00b7 " + depthName(l, P.L) }),
        el("span", { class: "spacer" }),
        el("a", { class: "btn small", id: "probe-cell-inspect", href: inspectHref(s.step, P), title: "Open the inspect page on this checkpoint, with the probe as the prompt" }, ["Look inside step " + int(s.step), icon("right")]),
        j > 0 ? el("a", { class: "btn small ghost", id: "probe-cell-diff", href: diffHref(P.snaps[j - 1].step, s.step, P),
          title: "What changed inside from the checkpoint before (step " + int(P.snaps[j - 1].step) + ") to this one, on the probe" }, "Compare with step " + int(P.snaps[j - 1].step)) : null,
      ]),
      el("div", { class: "v-line" }, ["The top tokens this depth would predict after ", el("b", { class: "mono", text: quoted(P.tokens[P.tokens.length - 2] || "") }), ":"]),
      el("table", { class: "v-alts", id: "probe-cell-top" }, el("tbody", {}, rows)),
      inTop ? null : el("div", { class: "v-line" }, ["The answer ", el("b", { class: "mono", text: quoted(P.answer) }), " ranks " + ordinal(e.rank + 1) + " here, with probability " + prob(e.probability) + "."]),
    ]);
  }

  function renderCharts(P) {
    const pts = (f) => P.snaps.map((s) => { const v = f(s); return { first_step: s.step, last_step: s.step, mean: v, min: v, max: v, last: v, count: 1, wall_time: 0 }; })
      .filter((b) => isNum(b.mean));
    lossChart.setSeries([{ key: "loss", label: "loss on the probe", color: color(0), buckets: pts((s) => s.loss), dots: true }]);
    probChart.setSeries([{ key: "p", label: "p(answer)", color: color(2), buckets: pts((s) => s.answer_probability), dots: true }]);
    renderMarkers();
    const first = P.snaps[0], last = P.snaps[P.snaps.length - 1];
    if (P.snaps.length < 2) { parts.chartsFind.textContent = "One checkpoint so far; the lines grow with each new one."; return; }
    const dl = last.loss - first.loss;
    const same = (a, b, f) => f(a) === f(b);
    parts.chartsFind.textContent = "From step " + int(first.step) + " to " + int(last.step) + " the loss on the probe " +
      (same(first.loss, last.loss, (v) => num(v, 3)) ? "stayed at " + num(last.loss, 3) + " nats" :
        "went " + (dl < 0 ? "down" : "up") + " from " + num(first.loss, 3) + " to " + num(last.loss, 3) + " nats") + ", and the answer's probability " +
      (same(first.answer_probability, last.answer_probability, prob) ? "stayed at " + prob(last.answer_probability) :
        "went from " + prob(first.answer_probability) + " to " + prob(last.answer_probability)) + ".";
  }

  function renderMarkers() {
    const P = cur();
    if (!P) return;
    const { j } = selection(P);
    const m = S.sel ? [{ step: P.snaps[j].step, kind: "selected", text: "selected: step " + P.snaps[j].step }] : [];
    lossChart.setMarkers(m);
    probChart.setMarkers(m);
  }

  function renderHeads(P) {
    const rows = P.L * P.H, C = P.snaps.length;
    headsWrap.dataset.rows = String(rows);
    headsWrap.dataset.cols = String(C);
    if (!rows) {
      clear(headsWrap).appendChild(el("p", { class: "muted", text: "No attention entropies in these read-outs." }));
      clear(parts.headsLegend);
      parts.headsFind.textContent = "";
      return;
    }
    const emax = uniformEntropy(P.tokens.length);
    const ent = (s, r) => { const h = s.head_entropy && s.head_entropy[Math.floor(r / P.H)]; return h ? h[r % P.H] : null; };
    // the columns line up with the lens table's (its cells are 1px apart, after its row labels)
    const rh = rows <= 16 ? 18 : rows <= 48 ? 12 : rows <= 144 ? 7 : 4, labW = LAB_W, top = 4, bottom = 22;
    const geom = (w) => {
      const cw = columnWidth(C) + 1;
      return { cw, x0: labW + 2, y0: top, w, h: top + rows * rh + bottom };
    };
    const width = () => LAB_W + 2 + (columnWidth(C) + 1) * C + 8;
    const name = (r) => "L" + Math.floor(r / P.H) + " H" + (r % P.H);
    const at = (x, y) => {
      const g = geom(width());
      const j = Math.floor((x - g.x0) / g.cw), r = Math.floor((y - g.y0) / rh);
      return j >= 0 && j < C && r >= 0 && r < rows && x >= g.x0 ? { j, r } : null;
    };
    const opts = {
      title: "Heads forming: attention entropy per head and checkpoint", name: "probe-heads", id: "probe-heads-canvas", className: "probe-heads-canvas",
      fileName: runId + "-probe-" + P.index + "-heads",
      size: () => { const g = geom(width()); return [g.w, g.h]; },
      paint: (p, w, h, exporting, fig) => {
        const c = chartTheme(), sc = colorScale("sequential"), g = geom(w);
        p.rect(0, 0, w, h, c.bg);
        const sel = selection(cur());
        const gap = g.cw >= 6 && rh >= 7 ? 1 : 0;
        // cells of even attention are the panel's colour: hairlines between the cells keep them visible
        if (gap) p.rect(g.x0 - 1, g.y0 - 1, C * g.cw + 1, rows * rh + 1, c.line);
        for (let r = 0; r < rows; r++) {
          const y = g.y0 + r * rh;
          if (rh >= 7) p.text(name(r), labW - 6, y + rh / 2, { color: c.axis, align: "right", baseline: "middle", font: (rh >= 12 ? 11 : 9) + "px system-ui, sans-serif" });
          for (let j = 0; j < C; j++) {
            const v = ent(P.snaps[j], r);
            const x0 = Math.floor(g.x0 + j * g.cw), x1 = Math.floor(g.x0 + (j + 1) * g.cw);
            p.rect(x0, y, Math.max(1, x1 - x0 - gap), rh - gap, isNum(v) ? sc.css(1 - Math.min(1, v / emax)) : c.empty);
          }
        }
        // the selected checkpoint, and the hovered cell
        const xs = g.x0 + sel.j * g.cw;
        if (S.sel) p.poly([[xs - 0.5, g.y0 - 1.5], [xs + g.cw - 0.5, g.y0 - 1.5], [xs + g.cw - 0.5, g.y0 + rows * rh + 0.5], [xs - 0.5, g.y0 + rows * rh + 0.5]], { stroke: c.accent, width: 1.5 });
        const hv = !exporting && fig && fig.hover ? fig.hover.split(",").map(Number) : null;
        if (hv) {
          const hx = Math.floor(g.x0 + hv[0] * g.cw), hy = g.y0 + hv[1] * rh;
          p.poly([[hx - 0.5, hy - 0.5], [hx + Math.max(2, g.cw) - 0.5, hy - 0.5], [hx + Math.max(2, g.cw) - 0.5, hy + rh - 0.5], [hx - 0.5, hy + rh - 0.5]], { stroke: c.ink, width: 1 });
        }
        // step labels, newest anchored at the right
        const every = Math.max(1, Math.ceil((String(P.snaps[C - 1].step).length * 7 + 12) / g.cw));
        for (let j = C - 1; j >= 0; j -= every) {
          p.text(String(P.snaps[j].step), g.x0 + (j + 0.5) * g.cw, g.y0 + rows * rh + 5, { color: c.axis, align: "center", baseline: "top" });
        }
        p.text("step", labW - 6, g.y0 + rows * rh + 5, { color: c.axis, align: "right", baseline: "top" });
      },
      hover: (x, y) => { const q = at(x, y); return q ? q.j + "," + q.r : null; },
      tip: (x, y) => {
        const q = at(x, y);
        if (!q) return null;
        const s = P.snaps[q.j], v = ent(s, q.r), v0 = ent(P.snaps[0], q.r);
        return tooltip.content(name(q.r) + " \u00b7 step " + int(s.step), [
          ["attention entropy", isNum(v) ? num(v, 3) + " nats" : "–"],
          ["spread evenly, it would be", num(emax, 3) + " nats"],
          q.j > 0 && isNum(v) && isNum(v0) ? ["since step " + int(P.snaps[0].step), (v - v0 > 0 ? "+" : "\u2212") + num(Math.abs(v - v0), 3)] : null,
        ], [isNum(v) ? (v < emax * 0.35 ? "focused: it looks at a few tokens" : v > emax * 0.8 ? "diffuse: it looks at nearly everything" : "in between") : null]);
      },
      click: (x, y) => { const q = at(x, y); if (q) select(P.snaps[q.j].step, null); },
      csv: () => [["step", "layer", "head", "entropy"]].concat(P.snaps.flatMap((s) => Array.from({ length: rows }, (_, r) => [s.step, Math.floor(r / P.H), r % P.H, ent(s, r)]))),
      json: () => ({ run: runId, probe: P.index, text: P.text, uniform_entropy: emax, steps: P.snaps.map((s) => s.step), head_entropy: P.snaps.map((s) => s.head_entropy) }),
    };
    if (headsFigure) headsFigure.destroy();
    headsFigure = new Figure(opts);
    headsFigure.root.dataset.rows = String(rows);
    headsFigure.root.dataset.cols = String(C);
    clear(headsWrap).appendChild(headsFigure.root);
    clear(parts.headsMenu).appendChild(headsFigure.menu());
    headsFigure.draw();
    clear(parts.headsLegend).appendChild(legend((t) => num((1 - t) * emax, 2), "nats of mean attention entropy: faint = spread evenly over the tokens before it, strong = focused"));
    // which head sharpened the most
    if (C < 2) { parts.headsFind.textContent = "One checkpoint so far: with two or more you can see heads sharpen."; return; }
    let best = null;
    for (let r = 0; r < rows; r++) {
      const a = ent(P.snaps[0], r), b = ent(P.snaps[C - 1], r);
      if (isNum(a) && isNum(b) && (!best || a - b > best.d)) best = { r, a, b, d: a - b };
    }
    const focused = [];
    for (let r = 0; r < rows; r++) { const b = ent(P.snaps[C - 1], r); if (isNum(b) && b < emax * 0.35) focused.push(name(r)); }
    parts.headsFind.textContent = (best && best.d > 0.05
      ? name(best.r) + " sharpened the most: from " + num(best.a, 3) + " nats at step " + int(P.snaps[0].step) + " to " + num(best.b, 3) + " at step " + int(P.snaps[C - 1].step) + ". "
      : "No head has sharpened much yet. ") +
      (focused.length ? "Focused now (under a third of even spread): " + focused.slice(0, 8).join(", ") + (focused.length > 8 ? " and " + (focused.length - 8) + " more." : ".") : "No head is strongly focused yet.");
  }

  function renderTable() {
    const P = cur();
    if (!P || !parts) return;
    const { j: sj } = selection(P);
    const rows = P.snaps.map((s, j) => el("tr", { class: j === sj ? "sel" : null, dataset: { step: String(s.step) } }, [
      el("td", { class: "num" }, el("a", { href: inspectHref(s.step, P), class: "probe-step-link", dataset: { step: String(s.step) }, title: "Look inside the checkpoint at step " + int(s.step), text: int(s.step) })),
      el("td", { class: "num", text: num(s.loss, 3) }),
      el("td", { class: ["num", s.answer_rank === 0 ? "probe-ok" : ""], text: rankText(s.answer_rank) }),
      el("td", { class: "num", text: prob(s.answer_probability) }),
      el("td", { class: "probe-preds" }, (s.top || []).slice(0, 3).map(([id, p]) => el("span", { class: ["probe-pred", id === s.answer_id ? "is-answer" : ""], title: id === s.answer_id ? "the answer" : null }, [
        el("span", { class: "mono", text: quoted(tokenText(s, id)) }), el("span", { class: "probe-pred-p", text: prob(p) })]))),
    ]));
    const table = el("table", { class: "ck-table probe-table", id: "probe-top-table", dataset: { rows: String(P.snaps.length) } }, [
      el("thead", {}, el("tr", {}, [el("th", { class: "num", text: "Step" }), el("th", { class: "num", text: "Loss" }), el("th", { class: "num", text: "Rank" }),
        el("th", { class: "num", text: "p(answer)" }), el("th", { text: "Top 3 predictions" })])),
      el("tbody", {}, rows),
    ]);
    const wrap = parts.tableWrap;
    const atBottom = wrap.scrollHeight - wrap.scrollTop - wrap.clientHeight < 4;
    const keep = wrap.scrollTop;
    clear(wrap).appendChild(table);
    wrap.scrollTop = atBottom ? wrap.scrollHeight : keep;
  }

  // ------------------------------------------------------------ loading, live

  async function load() {
    const seq = ++S.seq;
    try {
      const docs = await fetchJSON("/api/runs/" + enc(runId) + "/probes");
      if (S.stopped || seq !== S.seq) return;
      S.docs = Array.isArray(docs) ? docs : [];
      S.probes = group(S.docs);
      const stored = store.get(storeKey, 0);
      if (S.state === "loading" && isNum(stored) && stored >= 0 && stored < S.probes.length) S.index = stored;
      S.state = "loaded";
      clear(errorsNode);
      render();
      return S.docs;
    } catch (err) {
      if (S.stopped) return null;
      if (err && err.status === 404 && S.state === "loading") { S.state = "loaded"; render(); return []; } // a server without probes
      if (S.state === "loading") S.state = "error";
      showError(err, "Could not load the probes");
      if (!S.probes.length) render();
      return null;
    }
  }

  function later(fn, ms) {
    const t = setTimeout(() => { S.timers.delete(t); fn(); }, ms);
    S.timers.add(t);
  }

  /** A checkpoint arrived: its probes are written just after it, so read again until they are there. */
  function expect(step) {
    S.want = Math.max(S.want || 0, step);
    const tries = [400, 1200, 3000, 7000];
    const attempt = async (k) => {
      const docs = await load();
      if (S.stopped || !S.want) return;
      if (docs && docs.some((d) => d.step >= S.want)) { S.want = null; return; }
      if (k + 1 < tries.length) later(() => attempt(k + 1), tries[k + 1]);
    };
    later(() => attempt(0), tries[0]);
  }

  function openStream() {
    if (typeof EventSource === "undefined") return;
    const es = new EventSource("/api/runs/" + enc(runId) + "/events");
    S.es = es;
    let greeted = false;
    const parse = (e) => { try { return JSON.parse(e.data); } catch (err) { return null; } };
    es.addEventListener("hello", (e) => {
      const d = parse(e);
      if (d && d.status) setStatus(d.status);
      if (greeted && !(d && d.resumed)) load(); // reconnected without the events since: read again
      greeted = true;
    });
    es.addEventListener("checkpoint", (e) => { const d = parse(e); if (d && isNum(d.step)) expect(d.step); });
    es.addEventListener("reset", () => load());
    es.addEventListener("status", (e) => { const d = parse(e); if (d && d.status) setStatus(d.status); });
  }

  function setStatus(status) {
    const was = S.status;
    S.status = status;
    // the stream stays open when the run stops: `train --resume` makes it live again
    if (status !== "live" && was === "live") later(load, 800); // one last read: the final checkpoint's probes
    if (was !== status && !S.probes.length && S.state !== "loading") render();
  }

  function onTheme() { if (parts) { renderLens(false); const P = cur(); if (P) renderHeads(P); } }
  document.addEventListener("gb-theme", onTheme);

  function destroy() {
    S.stopped = true;
    if (S.es) S.es.close();
    for (const t of S.timers) clearTimeout(t);
    S.timers.clear();
    if (S.resize) S.resize.disconnect();
    lossChart.destroy();
    probChart.destroy();
    if (headsFigure) headsFigure.destroy();
    document.removeEventListener("gb-theme", onTheme);
  }
  window.addEventListener("pagehide", destroy, { once: true });

  load().then(() => { if (!S.stopped) openStream(); });
  return { refresh: load, destroy, root };
};
