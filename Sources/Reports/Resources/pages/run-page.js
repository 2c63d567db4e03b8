/* Glassbox Studio: the run page (/runs/{run}) and the compare page (/compare?runs=a,b,c). Plain ES2020; needs
 * core.js and charts.js. */
import { Heatmap, HistogramChart, LineChart } from "../lib/charts.js";
import { fetchJSON } from "../api.js";
import { color, cssVar } from "../lib/colors.js";
import { append, clear, el } from "../lib/dom.js";
import { compact, dateTime, duration, fixed, int, isNum, num, relTime, slug } from "../lib/format.js";
import { store } from "../lib/storage.js";
import { debounce, emptyState, errorBox, icon, ready, statusBadge } from "../lib/ui.js";
import { probeTimeline } from "../panels/probe-timeline.js";
import { finetuneView, mlpView, seq2seqView } from "../views/classic.js";

const enc = encodeURIComponent;

/** The charts every run gets; any other scalar tag gets one in "More scalars". */
const MAIN_CHARTS = [
  { key: "loss", title: "Loss", tags: ["train/loss", "val/loss"], height: 300, wide: true, subtitle: "train and validation" },
  { key: "lr", title: "Learning rate", tags: ["train/lr"], height: 190, subtitle: "train/lr", colorIndex: 4 },
  { key: "grad_norm", title: "Gradient norm", tags: ["train/grad_norm"], height: 190, subtitle: "train/grad_norm", colorIndex: 2 },
  { key: "throughput", title: "Throughput", tags: ["train/tokens_per_s"], height: 190, subtitle: "train/tokens_per_s", colorIndex: 1, yFormat: (v) => compact(v) + " tok/s" },
  { key: "mfu", title: "Model FLOPs utilisation", tags: ["train/mfu"], height: 190, subtitle: "train/mfu, of the FMA peak", colorIndex: 3, yFormat: (v) => num(v * 100, 3) + "%" },
];
const isParamTag = (t) => t.startsWith("grad_norm/") || t.startsWith("update_ratio/");

/** A data-parallel run's per-process throughput, rank/{r}/tokens_per_s (GPT) or rank/{r}/examples_per_s: its home
 * is the Ranks section (with train/allreduce_share), not the grid of other scalars. */
const RANK_TAG = /^rank\/(\d+)\/([^/]+)$/;
const isRankTag = (t) => RANK_TAG.test(t);
const ALLREDUCE_TAG = "train/allreduce_share";

/** How many processes trained the run (the run document's `ranks`, or its per-rank series) and which per-rank
 * series it records; null for a one-process run. */
function rankInfo(d) {
  const found = new Map();
  for (const t of d.tags || []) { const m = RANK_TAG.exec(t); if (m) found.set(Number(m[1]), m[2]); }
  const declared = isNum(d.ranks) ? d.ranks : 1;
  const n = Math.max(declared, found.size ? Math.max(...found.keys()) + 1 : 0);
  if (n <= 1) return null;
  const metric = found.size ? found.values().next().value : d.kind === "gpt" || !d.kind ? "tokens_per_s" : "examples_per_s";
  return { n, metric, unit: metric === "tokens_per_s" ? "tok/s" : "ex/s", tags: Array.from({ length: n }, (_, r) => "rank/" + r + "/" + metric) };
}

/** A run of `glassbox train mlp`: its checkpoints carry the figure `mlp` (classic.js draws it). */
const isMLP = (d) => d.kind === "mlp" || (d.figures || []).some((f) => f.name === "mlp");

/** The charts of MLP runs: accuracy (or MSE) beside the loss, examples per second for throughput, no MFU. */
function mlpCharts(runs) {
  const tags = new Set(runs.flatMap((r) => r.detail.tags || []));
  const mse = tags.has("val/mse") || tags.has("train/mse") ||
    (!tags.has("val/accuracy") && !tags.has("train/accuracy") && runs.every((r) => (r.detail.hyper_parameters || {}).loss === "mse"));
  return [
    MAIN_CHARTS[0],
    mse ? { key: "mse", title: "Mean squared error", tags: ["train/mse", "val/mse"], height: 190, subtitle: "train and validation", pair: true }
      : { key: "accuracy", title: "Accuracy", tags: ["train/accuracy", "val/accuracy"], height: 190, subtitle: "train and validation", pair: true, yFormat: (v) => num(v * 100, 3) + "%" },
    MAIN_CHARTS[1], MAIN_CHARTS[2],
    { key: "throughput", title: "Throughput", tags: ["train/examples_per_s"], height: 190, subtitle: "train/examples_per_s", colorIndex: 1, yFormat: (v) => compact(v) + " ex/s" },
  ];
}

/** A run of `glassbox train seq2seq`: an encoder-decoder whose checkpoints carry the figure `seq2seq` (the attention of
 * held-out examples; none when it has no attention). */
const isSeq2seq = (d) => d.kind === "seq2seq" || (d.figures || []).some((f) => f.name === "seq2seq");
const hasAttention = (d) => (d.hyper_parameters || {}).arch === "transformer" || ((d.hyper_parameters || {}).attention || "none") !== "none" || (d.figures || []).some((f) => f.name === "seq2seq");

/** The charts of seq2seq runs: the held-out exact match beside the loss, examples per second for throughput, no MFU. */
function seq2seqCharts() {
  return [
    MAIN_CHARTS[0],
    { key: "exact", title: "Exact match", tags: ["val/exact_match"], height: 190, subtitle: "held-out set, whole outputs right", colorIndex: 2, yFormat: (v) => num(v * 100, 3) + "%" },
    MAIN_CHARTS[1], MAIN_CHARTS[2],
    { key: "throughput", title: "Throughput", tags: ["train/examples_per_s"], height: 190, subtitle: "train/examples_per_s", colorIndex: 1, yFormat: (v) => compact(v) + " ex/s" },
  ];
}

/** A run of `glassbox finetune`: a pretrained model fine-tuned on instruction data; its checkpoints carry the figure
 * `finetune` (held-out prompts answered by the base model and by the checkpoint: classic.js draws them). */
const isFinetune = (d) => d.kind === "finetune" || (d.figures || []).some((f) => f.name === "finetune");

/** The charts of fine-tuning runs: examples per second for throughput, the peak memory in place of MFU. */
function finetuneCharts() {
  return [
    MAIN_CHARTS[0], MAIN_CHARTS[1], MAIN_CHARTS[2],
    { key: "throughput", title: "Throughput", tags: ["train/examples_per_s"], height: 190, subtitle: "train/examples_per_s", colorIndex: 1, yFormat: (v) => compact(v) + " ex/s" },
    { key: "memory", title: "Peak memory", tags: ["memory/peak_rss_mb", "memory/peak_tensor_mb"], height: 190, subtitle: "resident and tensors, MB", colorIndex: 3, yFormat: (v) => compact(v) + " MB" },
  ];
}

// Hyper-parameters listed first in tables and offered first for grouping.
const HP_FIRST = ["preset", "layers", "heads", "width", "block", "batch", "learningRate", "minLearningRate", "schedule",
  "warmupSteps", "weightDecay", "dropout", "gradClip", "beta1", "beta2", "seed", "steps", "tokenizer", "dataPath"];
// Settings that do not change what is learned: not offered for grouping by default.
const HP_NOT_MODEL = new Set(["logInterval", "evalInterval", "evalBatches", "sampleInterval", "sampleLength", "checkpointInterval", "threads", "name"]);

function hpOrder(keys) {
  return keys.sort((a, b) => {
    const ia = HP_FIRST.indexOf(a), ib = HP_FIRST.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib);
    return a.localeCompare(b);
  });
}

function hpText(v) {
  if (v === undefined) return "–";
  if (v === null) return "null";
  if (typeof v === "number") return num(v, 6);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Runs a few promises at a time (the browser holds at most six connections to one server, and live pages hold
 * one per event stream). */
async function pool(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  async function worker() {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

// ---------------------------------------------------------------- the page

/** mode "run": one run; mode "compare": several overlaid. Returns a cleanup function. */
export function runPage(app, ids, mode) {
  const compare = mode === "compare";
  const S = {
    runs: [], // {id, name, detail, color, index}
    smoothing: clampSmoothing(store.get("smoothing", 0.6)),
    xMode: store.get("xmode", "step"),
    logY: false,
    zoom: null,
    groupBy: [],
    data: new Map(), // "runId\ttag" -> {buckets, ema: {last, count}, W}
    pendingLive: null, // while series are being fetched: the live points to replay on top of the answer
    charts: new Map(), // key -> {def, chart}
    dirty: new Set(),
    frame: 0,
    samples: [], sampleIndex: -1, followLatest: true,
    messages: [], checkpoints: [],
    sources: [],
    stopped: false,
    loadSeq: 0,
    abort: null,
    errors: new Map(),
    timers: [],
    defs: MAIN_CHARTS, // the main charts (an MLP run's differ)
    mainTags: new Set(MAIN_CHARTS.flatMap((c) => c.tags)),
    mlp: false, mlpFigures: null,
    s2s: false, s2sFigures: null, // a seq2seq run (its attention section when it has attention)
    ft: false, ftFigures: null, // a fine-tuning run (its before-and-after section)
    rk: null, // a data-parallel run: {n, metric, unit, tags} (its Ranks section)
  };
  const isMoreTag = (t) => !S.mainTags.has(t) && !isParamTag(t) && !isRankTag(t);
  if (!["step", "relative", "wall"].includes(S.xMode)) S.xMode = "step";

  const page = el("div", { class: ["page", compare ? "compare-page" : "run-page"] });
  const errorsNode = el("div", { class: "page-errors", "aria-live": "polite" });
  app.appendChild(page);

  function showError(err, title) {
    const msg = (title ? title + ": " : "") + (err && err.message ? err.message : String(err));
    if (S.errors.has(msg)) return;
    const box = el("div", { class: "notice error", role: "alert" }, [
      el("span", { class: "notice-text", text: msg }),
      el("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss", title: "Dismiss", onclick: () => { box.remove(); S.errors.delete(msg); } }, icon("close")),
    ]);
    S.errors.set(msg, box);
    errorsNode.appendChild(box);
  }

  function clampSmoothing(v) { return isNum(v) ? Math.max(0, Math.min(0.99, v)) : 0.6; }

  // ------------------------------------------------------------ loading the runs

  async function start() {
    if (!ids.length) {
      page.appendChild(emptyState(compare ? "No runs to compare." : "No run given.", [
        el("p", {}, ["Tick two or more runs on the ", el("a", { href: "/", text: "runs page" }), " and press Compare selected."]),
      ]));
      ready();
      return;
    }
    let details;
    try {
      details = await Promise.all(ids.map((id) => fetchJSON("/api/runs/" + enc(id))));
    } catch (err) {
      page.appendChild(errorBox(err, compare ? "Could not open these runs" : "Could not open this run"));
      ready();
      return;
    }
    if (S.stopped) return;
    const seen = new Set();
    S.runs = details.filter((d) => !seen.has(d.id) && seen.add(d.id)).map((d, i) => ({ id: d.id, name: d.name, detail: d, color: color(i), index: i }));
    document.title = (compare ? "Compare " + S.runs.map((r) => r.name).join(", ") : S.runs[0].name) + " · Glassbox Studio";
    if (!compare) {
      const d = S.runs[0].detail;
      S.messages = (d.messages || []).slice();
      S.checkpoints = (d.checkpoints || []).slice();
    }
    S.mlp = S.runs.every((r) => isMLP(r.detail));
    if (S.mlp) { S.defs = mlpCharts(S.runs); S.mainTags = new Set(S.defs.flatMap((c) => c.tags)); }
    S.s2s = !S.mlp && S.runs.every((r) => isSeq2seq(r.detail));
    if (S.s2s) { S.defs = seq2seqCharts(); S.mainTags = new Set(S.defs.flatMap((c) => c.tags)); }
    S.ft = !S.mlp && !S.s2s && S.runs.every((r) => isFinetune(r.detail));
    if (S.ft) { S.defs = finetuneCharts(); S.mainTags = new Set(S.defs.flatMap((c) => c.tags)); }
    S.rk = compare ? null : rankInfo(S.runs[0].detail);
    if (S.rk) for (const t of S.rk.tags.concat([ALLREDUCE_TAG])) S.mainTags.add(t);
    build();
    const figures = mlpSection ? loadMLP() : s2sSection ? loadS2S() : ftSection ? loadFT() : null;
    await openStreams();
    await loadSeries();
    if (figures) await figures;
    if (S.stopped) return;
    requestAnimationFrame(() => requestAnimationFrame(() => ready()));
    if (!compare) { loadSamples(); loadParameters(); }
  }

  // ------------------------------------------------------------ layout

  let headNode, controls, chartsGrid, moreGrid, moreSection, legendNode;
  let samplePanel, messagesPanel, paramsSection, histSection, hpSection, groupMenu, checkpointsSection;
  let smoothingInput, smoothingOut, xSelect, logYBox, resetBtn, liveNode;

  function build() {
    headNode = el("div", { class: "page-head run-head" });
    renderHead();
    controls = buildControls();
    chartsGrid = el("div", { class: "charts-grid" });
    moreGrid = el("div", { class: "charts-grid three" });
    moreSection = el("section", { class: "section", hidden: true }, [
      el("h2", { class: "section-title", text: "More scalars" }), moreGrid]);

    page.appendChild(el("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, [
      el("a", { href: "/", text: "Runs" }), el("span", { class: "crumb-sep", "aria-hidden": "true", text: "/" }),
      el("span", { text: compare ? "Compare " + S.runs.length + " runs" : S.runs[0].name }),
    ]));
    page.appendChild(headNode);
    page.appendChild(errorsNode);
    // an MLP run: its decision boundary (or fitted function) across the checkpoints, before the charts
    if (!compare && S.mlp) page.appendChild(buildMLP());
    // a seq2seq run: where its decoder looks, across the checkpoints (or why there is nothing to show)
    if (!compare && S.s2s) page.appendChild(hasAttention(S.runs[0].detail) ? buildS2S() : noAttentionNote());
    // a fine-tuning run: the base model's answers and the fine-tuned ones, across the checkpoints
    if (!compare && S.ft) page.appendChild(buildFT());
    page.appendChild(controls);

    if (compare) {
      legendNode = el("div", { class: "run-legend", id: "run-legend" });
      page.appendChild(legendNode);
    }

    const lossDef = S.defs[0];
    const loss = makeChart(lossDef);
    if (compare) {
      chartsGrid.appendChild(loss.root);
      const small = el("div", { class: "charts-grid four" });
      for (const def of S.defs.slice(1)) small.appendChild(makeChart(def).root);
      page.appendChild(el("section", { class: "section" }, [chartsGrid, small]));
    } else {
      // an MLP writes no text samples, a fine-tuning run has its answers above: their side holds the messages only
      samplePanel = S.mlp || S.ft ? null : el("section", { class: "card samples", id: "samples" });
      messagesPanel = el("section", { class: "card messages", id: "messages" });
      const top = el("div", { class: "loss-row" }, [loss.root, el("div", { class: "side" }, [samplePanel, messagesPanel])]);
      const small = el("div", { class: "charts-grid four" });
      for (const def of S.defs.slice(1)) small.appendChild(makeChart(def).root);
      page.appendChild(el("section", { class: "section" }, [top, small]));
      renderSamples();
      renderMessages();
      // a data-parallel run: each process's throughput and the time spent summing gradients
      if (S.rk) page.appendChild(buildRanks());
    }
    if (!compare) {
      checkpointsSection = el("section", { class: "section checkpoints", id: "checkpoints" });
      page.appendChild(checkpointsSection);
      renderCheckpoints();
      // the probe timeline (studio-probes.js): what the model makes of fixed prompts at each checkpoint
      // (an MLP reads no prompts: its pictures above are its timeline)
      if (probeTimeline && !S.mlp && !S.s2s && !S.ft) { const probes = el("section", { class: "section", id: "probes" }); page.appendChild(probes); probeTimeline(probes, S.runs[0].id); }
    }
    page.appendChild(moreSection);
    const moreTags = new Set();
    for (const r of S.runs) for (const t of r.detail.tags || []) if (isMoreTag(t)) moreTags.add(t);
    for (const t of [...moreTags].sort()) addMoreChart(t);

    if (!compare) {
      paramsSection = el("section", { class: "section params", id: "parameters" });
      histSection = el("section", { class: "section hists", id: "histograms" });
      page.appendChild(paramsSection);
      page.appendChild(histSection);
      renderHistograms();
    }
    hpSection = el("section", { class: "section hp-section", id: "hyper-parameters" });
    page.appendChild(hpSection);
    renderHP();
    if (compare) renderLegend();
    updateMarkers();
  }

  function addMoreChart(tag) {
    const key = "more:" + tag;
    if (S.charts.has(key)) return S.charts.get(key);
    const def = { key, title: tag, tags: [tag], height: 180, colorIndex: 5 + (S.charts.size % 5) };
    const c = makeChart(def);
    moreGrid.appendChild(c.root);
    moreSection.hidden = false;
    return c;
  }

  function makeChart(def) {
    const chart = new LineChart({
      name: def.key, title: def.title, subtitle: def.subtitle, height: def.height, yFormat: def.yFormat, yScale: def.yScale, ySuffix: def.ySuffix, yFromZero: def.yFromZero,
      fileName: (compare ? "compare" : S.runs[0].name) + "-" + def.key,
      emptyText: (def.emptyText || "Nothing recorded for " + def.tags.join(" or ")) + (isLive() ? " yet" : ""),
      onZoom: (z) => setZoom(z),
      onClick: def.key === "loss" && !compare ? (step) => showSampleNear(step) : null,
      legend: compare && def.tags.length === 1 ? false : undefined,
      legendItems: compare && def.tags.length > 1 ? def.tags.map((t) => ({ label: t, color: cssVar("--muted") || "#888", dashed: t.startsWith("val/"), dots: t.startsWith("val/") })) : undefined,
    });
    chart.root.id = "chart-" + slug(def.key.replace(":", "-"));
    chart.setOptions({ xMode: S.xMode, logY: S.logY, smoothing: S.smoothing });
    const entry = { def, chart, root: chart.root };
    S.charts.set(def.key, entry);
    return entry;
  }

  function isLive() { return S.runs.some((r) => r.detail.status === "live"); }

  // --- the header

  function renderHead() {
    clear(headNode);
    if (compare) {
      const live = S.runs.filter((r) => r.detail.status === "live").length;
      const steps = S.runs.map((r) => r.detail.step);
      append(headNode, [
        el("div", { class: "head-main" }, [
          el("h1", { text: "Compare " + S.runs.length + " runs" }),
          el("div", { class: "meta" }, [
            el("span", { class: "meta-item", text: "steps " + int(Math.min(...steps)) + (Math.min(...steps) !== Math.max(...steps) ? " – " + int(Math.max(...steps)) : "") }),
            live ? el("span", { class: "meta-item" }, [statusBadge("live"), live + " recording"]) : null,
            el("span", { class: "meta-item", text: differingKeys().length + " differing hyper-parameters" }),
          ]),
        ]),
      ]);
      return;
    }
    const d = S.runs[0].detail;
    const total = d.total_steps || 0;
    const frac = total ? Math.min(1, d.step / total) : 0;
    const fill = el("span", { class: "progress-fill" });
    fill.style.width = (frac * 100).toFixed(1) + "%";
    const item = (label, value, title) => el("div", { class: "stat" }, [el("div", { class: "stat-label", text: label }), el("div", { class: "stat-value", title: title || "" }, value)]);
    const lastCk = S.checkpoints.length ? S.checkpoints[S.checkpoints.length - 1] : null;
    append(headNode, [
      el("div", { class: "head-main" }, [
        el("div", { class: "title-line" }, [el("h1", { id: "run-name", text: d.name }), el("span", { id: "run-status" }, statusBadge(d.status))]),
        el("div", { class: "meta" }, [
          el("code", { class: "run-id", text: d.id, title: "Run id" }),
          S.rk ? el("span", { class: "badge ranks-badge", id: "run-ranks", title: "Trained by " + S.rk.n + " processes (mpirun -np " + S.rk.n + "), each on a share of every batch; rank 0 records the run",
            text: S.rk.n + " ranks (data-parallel)" }) : null,
          d.user || d.host ? el("span", { class: "meta-item", id: "run-origin", title: "Who started the run, and the machine of its rank 0",
            text: (d.user ? "by " + d.user : "") + (d.user && d.host ? " " : "") + (d.host ? "on " + d.host : "") }) : null,
          el("span", { class: "meta-item", title: dateTime(d.created_at), text: "started " + relTime(d.created_at) }),
        ]),
      ]),
      el("div", { class: "stats" }, [
        item("Step", el("div", { class: "steps-cell big" }, [
          el("span", { id: "run-step", text: int(d.step) + " / " + int(total) }),
          el("span", { class: ["progress", "status-" + d.status] }, fill)]), Math.round(frac * 100) + "%"),
        S.mlp ? item("Task", mlpTask(d)) : S.s2s ? item("Task", (d.hyper_parameters || {}).task || "–") : item("Data set", d.data_set || "–"),
        S.mlp ? item("Network", mlpWidths(d), "inputs → hidden units per layer → outputs")
          : S.s2s ? item("Model", s2sModel(d), (d.hyper_parameters || {}).arch === "transformer" ? "encoder + decoder layers, attention heads per layer and the model width" : "encoder and decoder, and how the decoder reads the input")
          : S.ft ? item("Base model", ftModel(d), ((d.hyper_parameters || {}).model || "") + "\n" + ftMethod(d)) : item("Tokenizer", d.tokenizer || "–"),
        item(S.ft ? "Trainable" : "Parameters", compact(d.parameter_count), int(d.parameter_count) + (S.ft ? " trainable parameters" : "")),
        item("Duration", el("span", { id: "run-duration", text: duration(d.duration_s) })),
        item("Checkpoints", S.checkpoints.length ? String(S.checkpoints.length) : "none", lastCk ? "newest: step " + lastCk.step + "\n" + lastCk.path : ""),
      ]),
    ]);
  }

  // live duration: counts up from the last status
  let durationBase = null;
  function tickDuration() {
    if (compare || !S.runs.length) return;
    const d = S.runs[0].detail;
    const node = document.getElementById("run-duration");
    if (!node) return;
    if (d.status === "live") {
      if (!durationBase) durationBase = { at: Date.now() / 1000, dur: d.duration_s };
      node.textContent = duration(durationBase.dur + (Date.now() / 1000 - durationBase.at));
    } else {
      durationBase = null;
      node.textContent = duration(d.duration_s);
    }
  }
  S.timers.push(setInterval(tickDuration, 1000));

  // --- controls

  function buildControls() {
    smoothingInput = el("input", { type: "range", id: "smoothing", min: "0", max: "0.99", step: "0.01", value: String(S.smoothing), "aria-label": "Smoothing" });
    smoothingOut = el("output", { for: "smoothing", class: "range-value", id: "smoothing-value", text: S.smoothing.toFixed(2) });
    const applySmoothing = debounce(() => {
      S.smoothing = clampSmoothing(Number(smoothingInput.value));
      store.set("smoothing", S.smoothing);
      loadSeries();
    }, 150);
    smoothingInput.addEventListener("input", () => { smoothingOut.textContent = Number(smoothingInput.value).toFixed(2); applySmoothing(); });

    xSelect = el("select", { id: "x-axis", class: "select", "aria-label": "Horizontal axis" }, [
      el("option", { value: "step", text: "Step" }), el("option", { value: "relative", text: "Relative time" }), el("option", { value: "wall", text: "Wall time" })]);
    xSelect.value = S.xMode;
    xSelect.addEventListener("change", () => {
      S.xMode = xSelect.value;
      store.set("xmode", S.xMode);
      for (const { chart } of S.charts.values()) chart.setOptions({ xMode: S.xMode });
    });
    logYBox = el("input", { type: "checkbox", id: "log-y", checked: S.logY });
    logYBox.addEventListener("change", () => {
      S.logY = logYBox.checked;
      for (const { chart } of S.charts.values()) chart.setOptions({ logY: S.logY });
    });
    resetBtn = el("button", { type: "button", id: "reset-zoom", class: "btn small", disabled: true, title: "Drag across a chart to zoom; double-click it or press this to see every step", onclick: () => setZoom(null) }, [icon("reset"), "Reset zoom"]);
    liveNode = el("span", { class: "live-indicator", id: "live-indicator", "aria-live": "polite" });

    const parts = [
      el("label", { class: "control" }, [el("span", { class: "control-label", text: "Smoothing" }), smoothingInput, smoothingOut]),
      el("label", { class: "control" }, [el("span", { class: "control-label", text: "X axis" }), xSelect]),
      el("label", { class: "control check" }, [logYBox, el("span", { text: "Log y" })]),
      resetBtn,
    ];
    if (compare) {
      groupMenu = el("details", { class: "menu group-menu" });
      parts.push(groupMenu);
      renderGroupMenu();
    }
    parts.push(el("span", { class: "spacer" }), liveNode);
    return el("div", { class: "toolbar controls sticky", role: "group", "aria-label": "Chart controls" }, parts);
  }

  function setZoom(z) {
    S.zoom = z;
    resetBtn.disabled = !z;
    resetBtn.classList.toggle("primary", !!z);
    for (const { chart } of S.charts.values()) chart.setOptions({ zoom: z });
    loadSeries();
  }

  // ------------------------------------------------------------ series

  const dkey = (runId, tag) => runId + "\t" + tag;

  async function loadSeries() {
    const seq = ++S.loadSeq;
    if (S.abort) S.abort.abort();
    const abort = new AbortController();
    S.abort = abort;
    S.pendingLive = new Map();
    const W = S.smoothing, zoom = S.zoom;
    const tasks = [];
    for (const { def, chart } of S.charts.values()) {
      const n = Math.max(50, Math.min(4000, chart.pixelWidth()));
      for (const r of S.runs) {
        for (const tag of def.tags) {
          if (!(r.detail.tags || []).includes(tag)) continue;
          let url = "/api/runs/" + enc(r.id) + "/scalars?tag=" + enc(tag) + "&buckets=" + n + "&smoothing=" + W;
          if (zoom) url += "&from=" + zoom.from + "&to=" + zoom.to;
          tasks.push(async () => {
            try {
              const res = await fetchJSON(url, { signal: abort.signal });
              return { key: dkey(r.id, tag), res, def };
            } catch (err) {
              if (err.name === "AbortError") return null;
              return { key: dkey(r.id, tag), err, def, tag, run: r };
            }
          });
        }
      }
    }
    for (const { chart } of S.charts.values()) chart.setStatus(tasks.length ? "loading…" : "");
    const results = await pool(tasks, S.sources.length >= 3 ? 2 : 4);
    if (seq !== S.loadSeq || S.stopped) return;
    const pending = S.pendingLive;
    S.pendingLive = null;
    S.abort = null;
    for (const x of results) {
      if (!x) continue;
      if (x.err) { showError(x.err, "Could not load " + x.tag + " of " + x.run.name); continue; }
      S.data.set(x.key, { buckets: x.res.buckets || [], ema: Object.assign({ last: 0, count: 0 }, x.res.ema || {}), W: isNum(x.res.smoothing) ? x.res.smoothing : W });
    }
    // series the server has nothing for yet start empty; live points continue them
    for (const { def } of S.charts.values()) for (const r of S.runs) for (const tag of def.tags) {
      const k = dkey(r.id, tag);
      const d = S.data.get(k);
      if (!(r.detail.tags || []).includes(tag) && (!d || d.W !== W)) S.data.set(k, { buckets: [], ema: { last: 0, count: 0 }, W });
    }
    // points that arrived while we were fetching
    for (const [k, pts] of pending) for (const p of pts) appendPoint(k, p);
    for (const { chart } of S.charts.values()) chart.setOptions({ smoothing: W });
    for (const key of S.charts.keys()) S.dirty.add(key);
    for (const { chart } of S.charts.values()) chart.setStatus("");
    flush();
  }

  /** A live point as a one-point bucket, the smoothing continued from the series' state. */
  function appendPoint(k, p) {
    let d = S.data.get(k);
    if (!d) { d = { buckets: [], ema: { last: 0, count: 0 }, W: S.smoothing }; S.data.set(k, d); }
    const bs = d.buckets;
    if (bs.length && p.step <= bs[bs.length - 1].last_step) return false; // already in the fetched answer
    const v = p.value, W = d.W;
    if (isNum(v)) { d.ema.last = d.ema.last * W + (1 - W) * v; d.ema.count += 1; }
    const smoothed = W === 0 ? v : d.ema.count > 0 ? d.ema.last / (1 - Math.pow(W, d.ema.count)) : null;
    bs.push({ first_step: p.step, last_step: p.step, min: v, max: v, mean: v, last: v, count: 1, wall_time: p.wall_time, smoothed });
    return true;
  }

  function chartsForTag(tag) {
    const out = [];
    for (const [key, { def }] of S.charts) if (def.tags.includes(tag)) out.push(key);
    return out;
  }

  function onPoints(runId, points) {
    if (ftSection && !compare) ftPoints(points);
    const refetch = new Set();
    let paramPoints = false;
    for (const p of points) {
      if (!p || typeof p.tag !== "string") continue;
      if (isParamTag(p.tag)) { paramPoints = true; continue; }
      let keys = chartsForTag(p.tag);
      if (!keys.length && isMoreTag(p.tag)) { addMoreChart(p.tag); keys = chartsForTag(p.tag); }
      if (!keys.length) continue;
      const k = dkey(runId, p.tag);
      if (S.pendingLive) {
        if (!S.pendingLive.has(k)) S.pendingLive.set(k, []);
        S.pendingLive.get(k).push(p);
      }
      const run = S.runs.find((r) => r.id === runId);
      if (run && !(run.detail.tags || []).includes(p.tag)) run.detail.tags = (run.detail.tags || []).concat([p.tag]);
      if (appendPoint(k, p)) {
        for (const key of keys) {
          S.dirty.add(key);
          const root = S.charts.get(key).root;
          root.dataset.livePoints = String(Number(root.dataset.livePoints || 0) + 1);
        }
        const d = S.data.get(k);
        const entry = S.charts.get(keys[0]);
        if (d.buckets.length > 2.5 * Math.max(200, entry.chart.pixelWidth())) refetch.add(k);
      }
    }
    if (paramPoints) scheduleParameters();
    if (refetch.size) scheduleRefetch();
    scheduleFlush();
  }

  // When live points have piled up past the chart's resolution, ask the server for buckets again (rarely).
  let refetchTimer = null;
  function scheduleRefetch() {
    if (refetchTimer) return;
    refetchTimer = setTimeout(() => { refetchTimer = null; loadSeries(); }, 3000);
    S.timers.push(refetchTimer);
  }

  function scheduleFlush() {
    if (S.frame) return;
    S.frame = requestAnimationFrame(() => { S.frame = 0; flush(); });
  }

  /** Redraws the charts whose data changed (at most once per animation frame). */
  function flush() {
    const ranks = S.dirty.has("ranks") || S.dirty.has("allreduce");
    for (const key of S.dirty) {
      const entry = S.charts.get(key);
      if (!entry) continue;
      entry.chart.series = seriesFor(entry.def);
      entry.chart.renderLegend();
      entry.chart.draw();
    }
    S.dirty.clear();
    if (ranks) renderRanks();
  }

  function tagColor(def, tag, i) {
    if (def.key === "loss" || def.pair) return color(tag.startsWith("val/") ? 1 : 0);
    return color(def.colorIndex !== undefined ? def.colorIndex + i : i);
  }

  function seriesFor(def) {
    const out = [];
    if (!compare) {
      const r = S.runs[0];
      def.tags.forEach((tag, i) => {
        const d = S.data.get(dkey(r.id, tag));
        out.push({ key: tag, label: def.labels ? def.labels[i] : tag, color: tagColor(def, tag, i), buckets: d ? d.buckets : [], dots: tag.startsWith("val/"), start: r.detail.created_at });
      });
      return out;
    }
    const groups = grouping();
    if (!groups) {
      for (const r of S.runs) for (const tag of def.tags) {
        const d = S.data.get(dkey(r.id, tag));
        out.push({ key: r.id + "|" + tag, label: def.tags.length > 1 ? r.name + " · " + tag : r.name, color: r.color, buckets: d ? d.buckets : [],
          dashed: tag.startsWith("val/"), dots: tag.startsWith("val/"), start: r.detail.created_at });
      }
      return out;
    }
    for (const g of groups) for (const tag of def.tags) {
      out.push({ key: g.key + "|" + tag, label: (def.tags.length > 1 ? tag + " · " : "") + g.label, color: g.color,
        buckets: aggregate(g.runs, tag), dashed: tag.startsWith("val/"), dots: tag.startsWith("val/"), noRaw: true,
        start: g.runs[0].detail.created_at, bandAlpha: 0.2 });
    }
    return out;
  }

  // ------------------------------------------------------------ grouping (compare)

  function allHPKeys() {
    const keys = new Set();
    for (const r of S.runs) for (const k of Object.keys(r.detail.hyper_parameters || {})) keys.add(k);
    return hpOrder([...keys]);
  }

  function differingKeys() {
    return allHPKeys().filter((k) => new Set(S.runs.map((r) => JSON.stringify((r.detail.hyper_parameters || {})[k]))).size > 1);
  }

  /** Groups of runs that agree on every chosen field, or null when not grouping. */
  function grouping() {
    if (!compare || !S.groupBy.length) return null;
    const map = new Map();
    for (const r of S.runs) {
      const hp = r.detail.hyper_parameters || {};
      const sig = JSON.stringify(S.groupBy.map((k) => hp[k]));
      if (!map.has(sig)) map.set(sig, []);
      map.get(sig).push(r);
    }
    return [...map.entries()].map(([sig, runs], i) => {
      const hp = runs[0].detail.hyper_parameters || {};
      const shown = S.groupBy.filter((k) => differingKeys().includes(k));
      const label = (shown.length ? shown : S.groupBy).slice(0, 4).map((k) => k + "=" + hpText(hp[k])).join(" · ") +
        ((shown.length ? shown : S.groupBy).length > 4 ? " …" : "") + " (" + runs.length + (runs.length === 1 ? " run)" : " runs)");
      return { key: "g" + i + ":" + sig, runs, color: color(i), label };
    });
  }

  /** The mean of the group's line values at each bucket of its longest member, with the min–max across runs. */
  function aggregate(runs, tag) {
    const series = runs.map((r) => (S.data.get(dkey(r.id, tag)) || { buckets: [] }).buckets).filter((b) => b.length);
    if (!series.length) return [];
    const val = (b) => (S.smoothing > 0 && isNum(b.smoothed) ? b.smoothed : b.mean);
    let ref = series[0];
    for (const s of series) if (s.length > ref.length) ref = s;
    const out = [];
    for (const b of ref) {
      const step = b.last_step;
      const vals = [];
      for (const s of series) {
        if (step < s[0].first_step || step > s[s.length - 1].last_step + (b.last_step - b.first_step)) continue;
        let lo = 0, hi = s.length - 1;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (s[mid].last_step < step) lo = mid + 1; else hi = mid; }
        let i = lo;
        if (i > 0 && Math.abs(s[i - 1].last_step - step) < Math.abs(s[i].last_step - step)) i--;
        const v = val(s[i]);
        if (isNum(v)) vals.push(v);
      }
      if (!vals.length) continue;
      const mean = vals.reduce((a, c) => a + c, 0) / vals.length;
      out.push({ first_step: b.first_step, last_step: step, min: Math.min(...vals), max: Math.max(...vals), mean, last: mean, smoothed: mean, count: vals.length, wall_time: b.wall_time });
    }
    return out;
  }

  function renderGroupMenu() {
    if (!groupMenu) return;
    const keys = allHPKeys();
    const diff = new Set(differingKeys());
    const panel = el("div", { class: "menu-panel group-panel" });
    const seedLike = keys.filter((k) => /seed/i.test(k));
    const allButSeed = keys.filter((k) => !seedLike.includes(k) && !HP_NOT_MODEL.has(k));
    const same = (a, b) => a.length === b.length && a.every((k) => b.includes(k));
    const summaryText = !S.groupBy.length ? "Group by" : same(S.groupBy, allButSeed) ? "Grouped: all but seed" :
      "Grouped: " + (S.groupBy.length <= 2 ? S.groupBy.join(", ") : S.groupBy.length + " fields");
    clear(groupMenu);
    groupMenu.appendChild(el("summary", { class: ["btn", "small", S.groupBy.length ? "primary" : ""], id: "group-by", title: "Draw runs that agree on the chosen hyper-parameters as one line (their mean, with the min–max band)" }, [summaryText, icon("chevron")]));
    groupMenu.appendChild(panel);
    panel.appendChild(el("div", { class: "menu-title", text: "Group runs with equal" }));
    const setGroup = (list) => { S.groupBy = list; renderGroupMenu(); groupMenu.open = true; regroup(); };
    panel.appendChild(el("div", { class: "menu-actions" }, [
      el("button", { type: "button", class: "btn small", id: "group-all-but-seed", text: "Everything but seed", onclick: () => setGroup(allButSeed) }),
      el("button", { type: "button", class: "btn small ghost", text: "None", onclick: () => setGroup([]) }),
    ]));
    for (const k of keys) {
      panel.appendChild(el("label", { class: ["menu-check", diff.has(k) ? "differs" : ""] }, [
        el("input", { type: "checkbox", checked: S.groupBy.includes(k), dataset: { key: k }, onchange: (e) => {
          const set = new Set(S.groupBy);
          if (e.target.checked) set.add(k); else set.delete(k);
          S.groupBy = keys.filter((q) => set.has(q));
          renderGroupMenu();
          groupMenu.open = true;
          groupMenu.querySelector('input[data-key="' + CSS.escape(k) + '"]').focus();
          regroup();
        } }),
        el("span", { text: k }),
        diff.has(k) ? el("span", { class: "tag-differs", text: "differs" }) : null,
      ]));
    }
  }

  function regroup() {
    for (const key of S.charts.keys()) S.dirty.add(key);
    renderLegend();
    flush();
  }

  function renderLegend() {
    if (!legendNode) return;
    clear(legendNode);
    const groups = grouping();
    if (groups) {
      for (const g of groups) {
        const sw = el("span", { class: "swatch" });
        sw.style.setProperty("--c", g.color);
        legendNode.appendChild(el("span", { class: "legend-chip group" }, [sw, el("span", { text: g.label }),
          el("span", { class: "muted", text: g.runs.map((r) => r.name).join(", ") })]));
      }
      return;
    }
    for (const r of S.runs) {
      const sw = el("span", { class: "swatch" });
      sw.style.setProperty("--c", r.color);
      const others = S.runs.filter((q) => q.id !== r.id).map((q) => q.id);
      legendNode.appendChild(el("span", { class: "legend-chip", dataset: { runId: r.id } }, [sw,
        el("a", { href: "/runs/" + enc(r.id), text: r.name }), statusBadge(r.detail.status),
        others.length >= 2 ? el("a", { class: "chip-remove", href: "/compare?runs=" + others.map(enc).join(","), title: "Remove " + r.name + " from the comparison", "aria-label": "Remove " + r.name }, icon("close")) : null]));
    }
  }

  // ------------------------------------------------------------ markers, samples, messages

  function updateMarkers() {
    const entry = S.charts.get("loss");
    if (!entry || compare) return;
    const marks = [];
    // an MLP's checkpoints are not language models: no inspect page, plain markers
    if (S.mlp || S.s2s) for (const c of S.checkpoints) marks.push({ step: c.step, kind: "checkpoint", series: "train/loss", text: "checkpoint at step " + int(c.step) + "\n" + c.path });
    else for (const c of S.checkpoints) marks.push({ step: c.step, kind: "checkpoint", series: "train/loss", href: inspectHref(c.step),
      text: "checkpoint at step " + int(c.step) + " — click to look inside\n" + c.path, label: "Look inside the checkpoint at step " + int(c.step),
      keyText: "checkpoint at step " + int(c.step) + " — press Enter to look inside" });
    for (const m of S.messages) if (m.level === "warning" || m.level === "error") marks.push({ step: m.step, kind: "warning", text: m.level + " at step " + int(m.step) + ": " + m.text, series: "val/loss" });
    const s = S.samples[S.sampleIndex];
    if (s && !S.followLatest) marks.push({ step: s.step, kind: "selected", text: "sample at step " + s.step });
    entry.chart.setMarkers(marks);
    entry.root.dataset.markers = String(marks.filter((m) => m.kind !== "selected").length);
  }

  /** The model id of a checkpoint of this run (as /api/models lists it), and the pages that open it. */
  const checkpointID = (step) => S.runs[0].id + "@" + step;
  const inspectHref = (step) => "/inspect?model=" + enc(checkpointID(step));
  const cardHref = (step) => "/models/" + enc(checkpointID(step));
  const diffHref = (prev, step) => "/inspect?tab=diff&a=" + enc(checkpointID(prev)) + "&b=" + enc(checkpointID(step));

  /** The run's checkpoints as rows: each opens in the inspect page or as a model card. */
  function renderCheckpoints() {
    if (!checkpointsSection) return;
    clear(checkpointsSection);
    const list = S.checkpoints.slice().sort((a, b) => a.step - b.step);
    checkpointsSection.dataset.checkpoints = String(list.length);
    checkpointsSection.appendChild(el("div", { class: "section-head" }, [el("h2", { class: "section-title", text: "Checkpoints" }),
      el("span", { class: "section-sub", text: list.length ? "the weights saved during training: look inside one with a prompt, or read its model card (also from the ▲ markers on the loss chart)" : "" })]));
    if (!list.length) {
      checkpointsSection.appendChild(el("p", { class: "muted small-text" }, ["None" + (isLive() ? " yet" : "") + ". A checkpoint is written every ",
        el("code", { text: "--checkpoint-interval" }), " steps and at the end."]));
      return;
    }
    if (S.mlp) { mlpCheckpoints(list); return; }
    if (S.s2s) { s2sCheckpoints(list); return; }
    if (S.ft && ftSection && ftSection.view) ftSection.view.setCheckpoints(list);
    const rows = list.map((c, i) => el("tr", { dataset: { step: String(c.step) } }, [
      el("td", { class: "num ck-step" }, el("b", { text: int(c.step) })),
      el("td", { class: "ck-path" }, el("code", { text: c.path, title: c.path })),
      el("td", { class: "ck-actions" }, [
        S.ft ? el("button", { type: "button", class: "btn small ck-show", title: "Show this checkpoint's answers in the player above", onclick: () => showFT(c.step) }, "Show") : null,
        el("a", { class: "btn small ck-inspect", href: inspectHref(c.step), title: "Open the inspect page on this checkpoint" }, "Look inside"),
        el("a", { class: "btn small ghost ck-card", href: cardHref(c.step), title: "Architecture, parameters and weight statistics of this checkpoint" }, "Model card"),
      ]),
      // the inspect page's compare tab: this checkpoint against the one before
      el("td", { class: "ck-compare" }, i > 0 ? el("a", { class: "btn small ghost ck-diff", href: diffHref(list[i - 1].step, c.step),
        title: "What changed inside from the checkpoint before (step " + int(list[i - 1].step) + ") to this one, on a prompt" }, "Compare with step " + int(list[i - 1].step)) : null),
    ]));
    checkpointsSection.appendChild(el("div", { class: "card table-wrap" }, el("table", { class: "ck-table", id: "checkpoint-table" }, [
      el("thead", {}, el("tr", {}, [el("th", { class: "num", scope: "col", text: "Step" }), el("th", { scope: "col", text: "Saved in" }), el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: "Open" })),
        el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: "Compare" }))])),
      el("tbody", {}, rows),
    ])));
  }

  /** An MLP's checkpoints: each shows its pictures in the player at the top of the page. */
  function mlpCheckpoints(list) {
    checkpointsSection.querySelector(".section-sub").textContent = "the weights saved during training: Show picks one in the player above";
    const show = (step) => {
      const i = (S.mlpFigures || []).findIndex((f) => f.step === step);
      if (i < 0 || !mlpSection || !mlpSection.view) return;
      mlpSection.view.select(i);
      mlpSection.node.scrollIntoView({ block: "start" });
    };
    const rows = list.map((c) => el("tr", { dataset: { step: String(c.step) } }, [
      el("td", { class: "num ck-step" }, el("b", { text: int(c.step) })),
      el("td", { class: "ck-path" }, el("code", { text: c.path, title: c.path })),
      el("td", { class: "ck-actions" }, el("button", { type: "button", class: "btn small ck-show", title: "Show this checkpoint's pictures in the player above", onclick: () => show(c.step) }, "Show")),
    ]));
    checkpointsSection.appendChild(el("div", { class: "card table-wrap" }, el("table", { class: "ck-table", id: "checkpoint-table" }, [
      el("thead", {}, el("tr", {}, [el("th", { class: "num", scope: "col", text: "Step" }), el("th", { scope: "col", text: "Saved in" }), el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: "Show" }))])),
      el("tbody", {}, rows),
    ])));
  }

  /** A seq2seq run's checkpoints: with attention, each shows its pictures in the player at the top of the page. */
  function s2sCheckpoints(list) {
    const show = (step) => {
      const i = (S.s2sFigures || []).findIndex((f) => f.step === step);
      if (i < 0 || !s2sSection || !s2sSection.view) return;
      s2sSection.view.select(i);
      s2sSection.node.scrollIntoView({ block: "start" });
    };
    checkpointsSection.querySelector(".section-sub").textContent = s2sSection ? "the weights saved during training: Show picks one in the player above"
      : "the weights saved during training (glassbox translate --model RUN uses the newest)";
    const rows = list.map((c) => el("tr", { dataset: { step: String(c.step) } }, [
      el("td", { class: "num ck-step" }, el("b", { text: int(c.step) })),
      el("td", { class: "ck-path" }, el("code", { text: c.path, title: c.path })),
      el("td", { class: "ck-actions" }, s2sSection ? el("button", { type: "button", class: "btn small ck-show", title: "Show this checkpoint's attention in the player above", onclick: () => show(c.step) }, "Show") : null),
    ]));
    checkpointsSection.appendChild(el("div", { class: "card table-wrap" }, el("table", { class: "ck-table", id: "checkpoint-table" }, [
      el("thead", {}, el("tr", {}, [el("th", { class: "num", scope: "col", text: "Step" }), el("th", { scope: "col", text: "Saved in" }), el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: "Show" }))])),
      el("tbody", {}, rows),
    ])));
  }

  async function loadSamples() {
    try {
      const list = await fetchJSON("/api/runs/" + enc(S.runs[0].id) + "/samples");
      if (S.stopped) return;
      S.samples = (Array.isArray(list) ? list : []).concat(S.samples.filter((s) => !list.some((q) => q.step === s.step))).sort((a, b) => a.step - b.step);
      if (S.followLatest || S.sampleIndex < 0) S.sampleIndex = S.samples.length - 1;
      renderSamples();
    } catch (err) { showError(err, "Could not load the text samples"); }
  }

  function showSampleNear(step) {
    if (!samplePanel || !S.samples.length) return;
    let best = 0;
    S.samples.forEach((s, i) => { if (Math.abs(s.step - step) < Math.abs(S.samples[best].step - step)) best = i; });
    S.sampleIndex = best;
    S.followLatest = best === S.samples.length - 1;
    renderSamples();
    updateMarkers();
    samplePanel.classList.remove("flash");
    void samplePanel.offsetWidth;
    samplePanel.classList.add("flash");
  }

  function renderSamples() {
    if (!samplePanel) return;
    clear(samplePanel);
    const n = S.samples.length;
    const i = S.sampleIndex;
    const s = S.samples[i];
    const go = (j) => { S.sampleIndex = Math.max(0, Math.min(n - 1, j)); S.followLatest = S.sampleIndex === n - 1; renderSamples(); updateMarkers(); };
    samplePanel.dataset.samples = String(n);
    samplePanel.dataset.step = s ? String(s.step) : "";
    append(samplePanel, [
      el("header", { class: "chart-head" }, [
        el("h3", { class: "chart-title", text: "Text sample" }),
        s ? el("span", { class: "chart-sub", id: "sample-step", text: "step " + int(s.step) }) : null,
        el("span", { class: "spacer" }),
        n ? el("div", { class: "pager" }, [
          el("button", { type: "button", class: "icon-btn", id: "sample-prev", "aria-label": "Previous sample", title: "Previous sample", disabled: i <= 0, onclick: () => go(i - 1) }, icon("left")),
          el("span", { class: "pager-text", text: (i + 1) + " / " + n }),
          el("button", { type: "button", class: "icon-btn", id: "sample-next", "aria-label": "Next sample", title: "Next sample", disabled: i >= n - 1, onclick: () => go(i + 1) }, icon("right")),
        ]) : null,
      ]),
      s ? el("pre", { class: "sample-text", id: "sample-text", tabindex: "0", text: s.text }) :
        el("div", { class: "empty small" }, [el("p", { text: "No text samples yet." }),
          el("p", { class: "muted" }, ["A sample is written every ", el("code", { text: "--sample-interval" }), " steps."])]),
      n ? el("p", { class: "hint", text: "Click a point on the loss chart to see the sample nearest that step." }) : null,
    ]);
  }

  function renderMessages() {
    if (!messagesPanel) return;
    clear(messagesPanel);
    const list = S.messages;
    messagesPanel.dataset.messages = String(list.length);
    const warnings = list.filter((m) => m.level === "warning" || m.level === "error").length;
    messagesPanel.appendChild(el("header", { class: "chart-head" }, [el("h3", { class: "chart-title", text: list.length && !warnings ? "Messages" : "Warnings" }),
      warnings ? el("span", { class: "count", title: warnings + " warnings or errors", text: String(warnings) }) : null]));
    if (!list.length) {
      messagesPanel.appendChild(el("p", { class: "muted small-text", text: "None. A warning appears here (and as a red marker on the validation curve) when validation loss rises while training loss falls." }));
      return;
    }
    messagesPanel.appendChild(el("ul", { class: "message-list" }, list.slice().reverse().map((m) =>
      el("li", { class: ["message", "level-" + m.level] }, [
        el("span", { class: "message-step", text: "step " + int(m.step) }),
        el("span", { class: "message-text", text: m.text })]))));
  }

  // ------------------------------------------------------------ parameters (heatmaps) and histograms

  let heatGrad = null, heatRatio = null, paramTimer = null;
  const shortParam = (n) => n.replace(/^transformer\./, "").replace(/^h\./, "h").replace(/^base_model\.model\.(model\.)?/, "");

  function scheduleParameters() {
    if (paramTimer || compare) return;
    paramTimer = setTimeout(() => { paramTimer = null; loadParameters(); }, 10000);
    S.timers.push(paramTimer);
  }

  async function loadParameters() {
    if (!paramsSection) return;
    if (!heatGrad) {
      const logBox = el("input", { type: "checkbox", id: "heat-log", checked: true, onchange: () => {
        for (const h of [heatGrad, heatRatio]) { h.opts.log = logBox.checked; h.legendSig = null; h.requestDraw(); }
      } });
      heatGrad = new Heatmap({ name: "grad-norm-heatmap", title: "Gradient norm", subtitle: "per parameter × step", rowLabel: shortParam, fileName: S.runs[0].name + "-grad-norm" });
      heatRatio = new Heatmap({ name: "update-ratio-heatmap", title: "Update / weight ratio", subtitle: "per parameter × step", rowLabel: shortParam, fileName: S.runs[0].name + "-update-ratio" });
      heatGrad.root.id = "heatmap-grad-norm";
      heatRatio.root.id = "heatmap-update-ratio";
      append(paramsSection, [
        el("div", { class: "section-head" }, [el("h2", { class: "section-title", text: "Parameters" }),
          el("span", { class: "section-sub", text: "the largest value in each step bucket" }),
          el("span", { class: "spacer" }),
          el("label", { class: "control check" }, [logBox, el("span", { text: "Log colour scale" })])]),
        el("div", { class: "charts-grid two" }, [heatGrad.root, heatRatio.root]),
      ]);
    }
    try {
      const width = Math.max(60, Math.min(600, heatGrad.box.clientWidth - 200));
      const res = await fetchJSON("/api/runs/" + enc(S.runs[0].id) + "/parameters?buckets=" + Math.round(width / 3));
      if (S.stopped) return;
      const names = res.parameters || [];
      const steps = res.steps || [], gn = res.grad_norm || [], ur = res.update_ratio || [];
      // step buckets that hold no value in either matrix (finer buckets than recorded steps) are left out
      const keep = steps.map((_, j) => gn.some((row) => row && isNum(row[j])) || ur.some((row) => row && isNum(row[j])));
      const pick = (m) => m.map((row) => (row || []).filter((_, j) => keep[j]));
      heatGrad.opts.emptyText = heatRatio.opts.emptyText = "No per-parameter statistics recorded" + (isLive() ? " yet" : "");
      heatGrad.setData({ rows: names, cols: steps.filter((_, j) => keep[j]), values: pick(gn) });
      heatRatio.setData({ rows: names, cols: steps.filter((_, j) => keep[j]), values: pick(ur) });
    } catch (err) { showError(err, "Could not load the per-parameter statistics"); }
  }

  let histChart = null, histSelect = null, histSeq = 0;
  function renderHistograms() {
    const tags = (S.runs[0].detail.histogram_tags || []).slice();
    if (histChart) { histChart.destroy(); histChart = null; }
    clear(histSection);
    histSection.appendChild(el("div", { class: "section-head" }, [el("h2", { class: "section-title", text: "Histograms" }),
      el("span", { class: "section-sub", text: "quantile bands over steps" })]));
    if (!tags.length) {
      histSection.appendChild(el("div", { class: "card" }, emptyState("No histograms recorded" + (isLive() ? " yet." : "."), [
        el("p", { class: "muted", text: "Weight and gradient histograms are written with the checkpoints." })])));
      return;
    }
    const weights = tags.filter((t) => t.startsWith("weight/")), grads = tags.filter((t) => t.startsWith("grad/"));
    const other = tags.filter((t) => !t.startsWith("weight/") && !t.startsWith("grad/"));
    histSelect = el("select", { id: "histogram-tag", class: "select wide", "aria-label": "Histogram" }, [
      weights.length ? el("optgroup", { label: "Weights" }, weights.map((t) => el("option", { value: t, text: t.slice(7) }))) : null,
      grads.length ? el("optgroup", { label: "Gradients" }, grads.map((t) => el("option", { value: t, text: t.slice(5) }))) : null,
      other.length ? el("optgroup", { label: "Other" }, other.map((t) => el("option", { value: t, text: t }))) : null,
    ]);
    const preferred = store.get("histogram", null);
    histSelect.value = tags.includes(preferred) ? preferred : (weights.find((t) => /h\.0\.attn\.c_attn\.weight/.test(t)) || tags[0]);
    histChart = new HistogramChart({ name: "histogram", title: histSelect.value, color: color(4), height: 260, fileName: S.runs[0].name + "-histogram" });
    histChart.root.id = "histogram-chart";
    histSelect.addEventListener("change", () => { store.set("histogram", histSelect.value); loadHistogram(); });
    histSection.appendChild(el("div", { class: "toolbar" }, [el("label", { class: "control" }, [el("span", { class: "control-label", text: "Tensor" }), histSelect])]));
    histSection.appendChild(histChart.root);
    loadHistogram();
  }

  // histograms are written with the checkpoints: look again (once the burst of writes is over)
  let histTimer = null;
  function scheduleHistograms() {
    if (histTimer || compare) return;
    histTimer = setTimeout(async () => {
      histTimer = null;
      try {
        const d = await fetchJSON("/api/runs/" + enc(S.runs[0].id));
        if (S.stopped) return;
        const before = (S.runs[0].detail.histogram_tags || []).length;
        S.runs[0].detail.histogram_tags = d.histogram_tags || [];
        if (!before && S.runs[0].detail.histogram_tags.length) renderHistograms();
        else if (histChart) loadHistogram();
      } catch (err) { showError(err, "Could not refresh the histograms"); }
    }, 1500);
    S.timers.push(histTimer);
  }

  async function loadHistogram() {
    const tag = histSelect.value;
    const seq = ++histSeq;
    histChart.setTitle(tag);
    try {
      const res = await fetchJSON("/api/runs/" + enc(S.runs[0].id) + "/histograms?tag=" + enc(tag) + "&buckets=200");
      if (seq !== histSeq || S.stopped) return;
      histChart.setData(res.steps || []);
    } catch (err) { showError(err, "Could not load the histogram " + tag); }
  }

  // ------------------------------------------------------------ a data-parallel run's ranks

  let ranksSection = null; // {node, readout}

  function buildRanks() {
    const rk = S.rk;
    const perRank = makeChart({ key: "ranks", title: "Throughput per rank", subtitle: "rank/{r}/" + rk.metric, tags: rk.tags, labels: rk.tags.map((_, r) => "rank " + r),
      height: 300, colorIndex: 0, yFromZero: true, emptyText: "No per-rank throughput recorded", yFormat: (v) => compact(v) + " " + rk.unit });
    const share = makeChart({ key: "allreduce", title: "All-reduce share", subtitle: "of rank 0's time", tags: [ALLREDUCE_TAG], height: 150, colorIndex: 4, yScale: 100, ySuffix: "%", yFromZero: true,
      emptyText: "No all-reduce time recorded", yFormat: (v) => num(v * 100, 3) + "%" });
    const readout = el("section", { class: "card rank-readout", id: "rank-readout", "aria-live": "polite" });
    const node = el("section", { class: "section ranks-section", id: "ranks", dataset: { ranks: String(rk.n) }, "aria-labelledby": "ranks-title" }, [
      el("div", { class: "section-head" }, [el("h2", { class: "section-title", id: "ranks-title", text: "Ranks" }),
        el("span", { class: "section-sub", text: rk.n + " processes trained this run data-parallel (MPI): each takes a share of every batch, the gradients are summed across them, rank 0 records" })]),
      el("div", { class: "loss-row ranks-row" }, [perRank.root, el("div", { class: "side" }, [readout, share.root])]),
    ]);
    ranksSection = { node, readout };
    renderRanks();
    return node;
  }

  /** Mean of a series' points (each bucket weighs its point count) and its steps. */
  function seriesMean(k) {
    const d = S.data.get(k);
    let sum = 0, n = 0, from = null, to = null;
    for (const b of (d && d.buckets) || []) {
      if (!isNum(b.mean)) continue;
      const c = b.count || 1;
      sum += b.mean * c; n += c;
      if (from === null) from = b.first_step;
      to = b.last_step;
    }
    return n ? { mean: sum / n, from, to, last: d.buckets[d.buckets.length - 1].last } : null;
  }

  /** The readout beside the per-rank chart: the slowest rank against the fastest, a bar per rank, the all-reduce share. */
  function renderRanks() {
    if (!ranksSection) return;
    const { node, readout } = ranksSection;
    const rk = S.rk, id = S.runs[0].id;
    const stats = rk.tags.map((t, r) => ({ r, s: seriesMean(dkey(id, t)) }));
    const have = stats.filter((x) => x.s);
    const span = have.length ? [Math.min(...have.map((x) => x.s.from)), Math.max(...have.map((x) => x.s.to))] : null;
    clear(readout);
    readout.appendChild(el("header", { class: "chart-head" }, [el("h3", { class: "chart-title", text: "Balance" }),
      span ? el("span", { class: "chart-sub", text: "mean, steps " + int(span[0]) + "–" + int(span[1]) }) : null]));
    delete node.dataset.slowest;
    delete node.dataset.spread;
    if (have.length < 2) {
      readout.appendChild(el("p", { class: "muted small-text", id: "ranks-slowest", text: have.length ? "Waiting for every rank's throughput…" : "No per-rank throughput recorded" + (isLive() ? " yet." : ".") }));
    } else {
      const slow = have.reduce((a, b) => (b.s.mean < a.s.mean ? b : a)), fast = have.reduce((a, b) => (b.s.mean > a.s.mean ? b : a));
      const gap = fast.s.mean > 0 ? (fast.s.mean - slow.s.mean) / fast.s.mean : 0;
      node.dataset.slowest = String(slow.r);
      node.dataset.spread = gap.toFixed(4);
      const level = gap >= 0.1 ? "bad" : gap >= 0.03 ? "some" : "good";
      readout.appendChild(el("p", { class: ["rank-verdict", "level-" + level], id: "ranks-slowest",
        title: "The fastest is rank " + fast.r + ". Every step waits for the slowest rank: the others idle at the all-reduce for the difference." }, gap < 0.005
        ? ["Balanced: every rank within 0.5% of the fastest"]
        : [el("b", { text: "Slowest: rank " + slow.r }), ", " + fixed(100 * gap, gap < 0.1 ? 1 : 0) + "% below the fastest"]));
      const bars = el("ul", { class: "rank-bars", id: "rank-bars" });
      for (const { r, s } of stats) {
        const bar = el("span", { class: "rank-bar-fill" });
        bar.style.width = s && fast.s.mean > 0 ? (100 * s.mean / fast.s.mean).toFixed(1) + "%" : "0";
        bar.style.background = color(r);
        bars.appendChild(el("li", { class: ["rank-bar", s && r === slow.r && gap >= 0.005 ? "slowest" : ""], dataset: { rank: String(r) } }, [
          el("span", { class: "rank-bar-label", text: "rank " + r }),
          el("span", { class: "rank-bar-track" }, bar),
          el("span", { class: "rank-bar-value", text: s ? compact(s.mean) + " " + rk.unit : "–" }),
        ]));
      }
      readout.appendChild(bars);
    }
    const share = seriesMean(dkey(id, ALLREDUCE_TAG));
    readout.appendChild(el("p", { class: "rank-share", id: "allreduce-readout", title: "The fraction of rank 0's wall time spent waiting for the gradients' all-reduce (summing them across the ranks)" },
      share ? [el("span", { class: "muted", text: "All-reduce " }), el("b", { text: fixed(100 * share.mean, 1) + "%" }), el("span", { class: "muted", text: " of rank 0's time on average, " + fixed(100 * share.last, 1) + "% at the last step" })]
        : [el("span", { class: "muted", text: "No all-reduce time recorded" + (isLive() ? " yet." : ".") })]));
    if (share) node.dataset.allreduce = share.mean.toFixed(4);
  }

  // ------------------------------------------------------------ an MLP across training (classic.js)

  let mlpSection = null; // {node, title, body, view, count, seq}
  const REGRESSION_TASKS = new Set(["sine", "linear"]);

  function buildMLP() {
    const title = el("h2", { class: "section-title", id: "mlp-title", text: mlpTitle(null) });
    const body = el("div", { class: "mlp-body", id: "mlp-body" }, el("p", { class: "muted small-text", text: "Loading the checkpoints' pictures…" }));
    const node = el("section", { class: "section mlp-section", id: "mlp", dataset: { state: "loading" }, "aria-labelledby": "mlp-title" }, [
      el("div", { class: "section-head" }, [title, el("span", { class: "section-sub", text: "what the network predicts, checkpoint by checkpoint" })]), body]);
    mlpSection = { node, title, body, view: null, count: -1, seq: 0, timer: null };
    return node;
  }

  /** The section's title: what its main picture shows (known for sure once the figures are here). */
  function mlpTitle(kind) {
    const hp = S.runs[0].detail.hyper_parameters || {};
    const k = kind || (hp.csv ? "table" : REGRESSION_TASKS.has(hp.task) ? "fit" : "boundary");
    return k === "fit" ? "Fitted function across training" : k === "table" ? "The network across training" : "Decision boundary across training";
  }

  function mlpTask(d) {
    const hp = d.hyper_parameters || {};
    return mlpView ? mlpView.taskText(hp) : hp.task || "–";
  }

  function mlpWidths(d) {
    return mlpView ? mlpView.widths({ run: { config: d.hyper_parameters || {} }, figures: S.mlpFigures || [] }) : "–";
  }

  /** Fetches the figures; draws the view the first time, then hands it the new checkpoints (it follows the newest
   * while the newest is chosen). */
  async function loadMLP() {
    const M = mlpSection;
    if (!M) return;
    const seq = ++M.seq;
    const d = S.runs[0].detail;
    try {
      const got = await fetchJSON("/api/runs/" + enc(d.id) + "/figures?name=mlp");
      if (S.stopped || seq !== M.seq) return;
      const list = Array.isArray(got) ? got : [];
      if (list.length === M.count) return;
      M.count = list.length;
      S.mlpFigures = list;
      M.node.dataset.checkpoints = String(list.length);
      M.title.textContent = mlpTitle(list.length ? list[list.length - 1].kind : null);
      renderHead();
      if (!mlpView) throw new Error("this studio has no classic.js (the MLP view)");
      if (!list.length) {
        M.node.dataset.state = "empty";
        clear(M.body).appendChild(el("div", { class: "card probe-empty" }, el("p", {}, [
          d.status === "live" ? "No checkpoints yet. " : "No checkpoints with pictures in this run. ",
          "Every checkpoint (", el("code", { text: "--checkpoint-interval" }), ") records what the network predicts then; they appear here as they are written."])));
        return;
      }
      if (M.view) M.view.update(list);
      else {
        M.view = mlpView.render(M.body, { kind: "mlp", run: { id: d.id, name: d.name, status: d.status, step: d.step, parameter_count: d.parameter_count, config: d.hyper_parameters || {} }, figures: list });
      }
      M.node.dataset.state = "shown";
    } catch (err) {
      if (seq !== M.seq) return;
      M.node.dataset.state = "error";
      showError(err, "Could not show the checkpoints' pictures");
    }
  }

  // figures are written just before their checkpoint: read them again once its event has come
  function scheduleMLP() {
    if (!mlpSection || mlpSection.timer) return;
    mlpSection.timer = setTimeout(() => { mlpSection.timer = null; loadMLP(); }, 250);
    S.timers.push(mlpSection.timer);
  }

  // ------------------------------------------------------------ a seq2seq run's attention across training (classic.js)

  let s2sSection = null; // {node, body, view, count, seq, timer}

  function buildS2S() {
    const body = el("div", { class: "mlp-body s2s-body", id: "s2s-body" }, el("p", { class: "muted small-text", text: "Loading the checkpoints' attention…" }));
    const node = el("section", { class: "section mlp-section s2s-section", id: "s2s", dataset: { state: "loading" }, "aria-labelledby": "s2s-title" }, [
      el("div", { class: "section-head" }, [el("h2", { class: "section-title", id: "s2s-title", text: "Attention across training" }),
        el("span", { class: "section-sub", text: "where the decoder looks while it writes, checkpoint by checkpoint" })]), body]);
    s2sSection = { node, body, view: null, count: -1, seq: 0, timer: null };
    return node;
  }

  /** A seq2seq run without attention: nothing to draw, and why. */
  function noAttentionNote() {
    return el("section", { class: "section s2s-section", id: "s2s-note" }, el("div", { class: "card s2s-note" }, [
      el("h2", { class: "section-title", text: "No attention to show" }),
      el("p", {}, ["This model was trained with ", el("code", { text: "--attention none" }), ": its decoder gets one summary of the whole input ",
        "(the encoder's final state) and never looks back at single characters, so there is no alignment to draw. Train with ",
        el("code", { text: "--attention bahdanau" }), " or ", el("code", { text: "luong" }), " to see where the model looks, and compare the exact match of the two runs."]),
    ]));
  }

  function s2sModel(d) {
    const hp = d.hyper_parameters || {};
    if (seq2seqView) return seq2seqView.model(hp);
    if (hp.arch === "transformer") return "Transformer, " + (hp.layers || 2) + " + " + (hp.layers || 2) + " layers \u00d7 " + (hp.heads || 4) + " heads \u00d7 " + (hp.width || 64) + " wide";
    return (hp.arch || "lstm").toUpperCase() + ", " + (hp.attention || "none") + " attention";
  }

  /** Fetches the figures; draws the view the first time, then hands it the new checkpoints. */
  async function loadS2S() {
    const M = s2sSection;
    if (!M) return;
    const seq = ++M.seq;
    const d = S.runs[0].detail;
    try {
      const got = await fetchJSON("/api/runs/" + enc(d.id) + "/figures?name=seq2seq");
      if (S.stopped || seq !== M.seq) return;
      const list = Array.isArray(got) ? got : [];
      if (list.length === M.count) return;
      M.count = list.length;
      S.s2sFigures = list;
      M.node.dataset.checkpoints = String(list.length);
      if (!seq2seqView) throw new Error("this studio has no classic.js (the seq2seq view)");
      if (!list.length) {
        M.node.dataset.state = "empty";
        clear(M.body).appendChild(el("div", { class: "card probe-empty" }, el("p", {}, [
          d.status === "live" ? "No checkpoints yet. " : "No checkpoints with attention in this run. ",
          "Every checkpoint (", el("code", { text: "--checkpoint-interval" }), ") records where the model looks on a few held-out examples; they appear here as they are written."])));
        return;
      }
      if (M.view) M.view.update(list);
      else {
        const exactMatch = () => fetchJSON("/api/runs/" + enc(d.id) + "/scalars?tag=" + enc("val/exact_match") + "&buckets=500").then((r) => (r && r.buckets) || []);
        M.view = seq2seqView.render(M.body, { kind: "seq2seq", run: { id: d.id, name: d.name, status: d.status, step: d.step, config: d.hyper_parameters || {} }, figures: list },
          { translate: true, exactMatch });
      }
      M.node.dataset.state = "shown";
    } catch (err) {
      if (seq !== M.seq) return;
      M.node.dataset.state = "error";
      showError(err, "Could not show the checkpoints' attention");
    }
  }

  function scheduleS2S() {
    if (!s2sSection || s2sSection.timer) return;
    s2sSection.timer = setTimeout(() => { s2sSection.timer = null; loadS2S(); }, 250);
    S.timers.push(s2sSection.timer);
  }

  // ------------------------------------------------------------ a fine-tuning run: before and after (classic.js)

  let ftSection = null; // {node, body, view, count, seq, timer, metrics, models}

  function buildFT() {
    const body = el("div", { class: "mlp-body ft-body", id: "ft-body" }, el("p", { class: "muted small-text", text: "Loading the checkpoints' answers…" }));
    const node = el("section", { class: "section mlp-section ft-section", id: "finetune", dataset: { state: "loading" }, "aria-labelledby": "ft-title" }, [
      el("div", { class: "section-head" }, [el("h2", { class: "section-title", id: "ft-title", text: "Fine-tuning" }),
        el("span", { class: "section-sub", text: "the base model and the fine-tuned one on held-out prompts, checkpoint by checkpoint" })]), body]);
    ftSection = { node, body, view: null, count: -1, seq: 0, timer: null, metrics: null, models: null };
    return node;
  }

  function ftModel(d) {
    const hp = d.hyper_parameters || {};
    return finetuneView ? finetuneView.baseName(hp.model) : hp.model || "–";
  }
  function ftMethod(d) {
    const hp = d.hyper_parameters || {};
    if (!finetuneView) return hp.method || "";
    const t = finetuneView.targetsText(hp.targets);
    return finetuneView.method(hp) + (hp.method !== "full" && t ? " on " + t : "");
  }

  /** The held-out loss (every evaluation; step 0 the base model) and the peak memory, as the view reads them. */
  async function ftMetrics(d) {
    const id = d.id, tags = d.tags || [];
    // a tag not recorded yet (a run that has just started) would answer 404: its live points come by the event stream
    const get = (tag, n) => (!tags.includes(tag) ? Promise.resolve([])
      : fetchJSON("/api/runs/" + enc(id) + "/scalars?tag=" + enc(tag) + "&buckets=" + n).then((r) => (r && r.buckets) || []).catch(() => []));
    const [val, rss, tensors] = await Promise.all([get("val/loss", 10000), get("memory/peak_rss_mb", 1), get("memory/peak_tensor_mb", 1)]);
    const lastOf = (b) => (b.length && isNum(b[b.length - 1].last) ? b[b.length - 1].last : null);
    return { val: val.map((b) => ({ step: b.last_step, value: b.last })), peak_rss_mb: lastOf(rss), peak_tensor_mb: lastOf(tensors) };
  }

  /** The studio's id of the base model (the bundled one, or a served --model), so that a row can open "what changed inside". */
  async function ftModels() {
    try { return await fetchJSON("/api/models"); } catch (err) { return []; }
  }

  /** Fetches the figures (and the numbers); draws the view the first time, then hands it the new checkpoints. */
  async function loadFT() {
    const M = ftSection;
    if (!M) return;
    const seq = ++M.seq;
    const d = S.runs[0].detail;
    try {
      const [got, metrics, models] = await Promise.all([
        // before the first checkpoint there is nothing to ask for (the server answers 404 for a figure it has none of)
        (d.figures || []).some((f) => f.name === "finetune") || S.checkpoints.length ? fetchJSON("/api/runs/" + enc(d.id) + "/figures?name=finetune") : Promise.resolve([]),
        ftMetrics(d), M.models ? Promise.resolve(M.models) : ftModels()]);
      if (S.stopped || seq !== M.seq) return;
      M.models = models;
      M.metrics = metrics;
      if (M.view) M.view.setMetrics(metrics);
      const list = Array.isArray(got) ? got : [];
      if (!finetuneView) throw new Error("this studio has no classic.js (the fine-tuning view)");
      if (list.length === M.count && M.view) return;
      M.count = list.length;
      S.ftFigures = list;
      M.node.dataset.checkpoints = String(list.length);
      if (M.view) M.view.update(list);
      else {
        const hp = d.hyper_parameters || {};
        const base = (Array.isArray(models) ? models : []).find((m) => m.kind !== "checkpoint" && m.path && m.path === hp.model);
        M.view = finetuneView.render(M.body, { kind: "finetune", run: { id: d.id, name: d.name, status: d.status, step: d.step, parameter_count: d.parameter_count, config: hp },
          figures: list, metrics }, { links: true, baseModel: base ? base.id : null, explicitModel: !!hp.model && !(base && base.kind === "bundled"), checkpoints: S.checkpoints.slice() });
      }
      M.node.dataset.state = list.length ? "shown" : "empty";
    } catch (err) {
      if (seq !== M.seq) return;
      M.node.dataset.state = "error";
      showError(err, "Could not show the checkpoints' answers");
    }
  }

  function scheduleFT() {
    if (!ftSection || ftSection.timer) return;
    ftSection.timer = setTimeout(() => { ftSection.timer = null; loadFT(); }, 250);
    S.timers.push(ftSection.timer);
  }

  /** Live points of the held-out loss and the peak memory: the view's numbers follow them. */
  function ftPoints(points) {
    const M = ftSection;
    if (!M || !M.view || !M.metrics) return;
    let changed = false;
    for (const p of points) {
      if (!p || !isNum(p.value)) continue;
      if (p.tag === "val/loss" && !M.metrics.val.some((q) => q.step === p.step)) { M.metrics.val.push({ step: p.step, value: p.value }); changed = true; }
      else if (p.tag === "memory/peak_rss_mb") { M.metrics.peak_rss_mb = p.value; changed = true; }
      else if (p.tag === "memory/peak_tensor_mb") { M.metrics.peak_tensor_mb = p.value; changed = true; }
    }
    if (changed) M.view.setMetrics(M.metrics);
  }

  /** A checkpoint row's Show: that checkpoint in the player. */
  function showFT(step) {
    const i = (S.ftFigures || []).slice().sort((a, b) => a.step - b.step).findIndex((f) => f.step === step);
    if (i < 0 || !ftSection || !ftSection.view) return;
    ftSection.view.select(i);
    ftSection.node.scrollIntoView({ block: "start" });
  }

  // ------------------------------------------------------------ hyper-parameters

  let onlyDiffering = store.get("compare.onlyDiffering", false);
  function renderHP() {
    clear(hpSection);
    const keys = allHPKeys();
    const head = el("div", { class: "section-head" }, [el("h2", { class: "section-title", text: "Hyper-parameters" })]);
    hpSection.appendChild(head);
    if (!keys.length) { hpSection.appendChild(el("p", { class: "muted", text: "No hyper-parameters recorded." })); return; }
    if (!compare) {
      const hp = S.runs[0].detail.hyper_parameters || {};
      const table = el("table", { class: "kv-table", id: "hp-table" }, el("tbody", {}, keys.map((k) =>
        el("tr", { dataset: { key: k } }, [el("th", { scope: "row", text: k }), el("td", { class: "mono", text: hpText(hp[k]) })]))));
      hpSection.appendChild(el("div", { class: "card kv-card" }, table));
      return;
    }
    const diff = new Set(differingKeys());
    const toggle = el("input", { type: "checkbox", id: "only-differing", checked: onlyDiffering, onchange: (e) => {
      onlyDiffering = e.target.checked;
      store.set("compare.onlyDiffering", onlyDiffering);
      renderHP();
      document.getElementById("only-differing").focus();
    } });
    head.appendChild(el("span", { class: "section-sub", text: diff.size ? diff.size + " of " + keys.length + " differ" : "all equal" }));
    head.appendChild(el("span", { class: "spacer" }));
    head.appendChild(el("label", { class: "control check" }, [toggle, el("span", { text: "Show only differing" })]));
    const swatch = (r) => { const s = el("span", { class: "swatch" }); s.style.setProperty("--c", r.color); return s; };
    const rows = keys.filter((k) => !onlyDiffering || diff.has(k)).map((k) =>
      el("tr", { class: diff.has(k) ? "differs" : "", dataset: { key: k } }, [
        el("th", { scope: "row" }, [k, diff.has(k) ? el("span", { class: "visually-hidden", text: " (differs)" }) : null]),
        S.runs.map((r) => el("td", { class: "mono", text: hpText((r.detail.hyper_parameters || {})[k]) }))]));
    const table = el("table", { class: "compare-table", id: "hp-table" }, [
      el("thead", {}, el("tr", {}, [el("th", { text: "" }), S.runs.map((r) => el("th", { scope: "col" }, [swatch(r), el("a", { href: "/runs/" + enc(r.id), text: r.name })]))])),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: String(S.runs.length + 1), class: "muted", text: "Every hyper-parameter is equal across these runs." }))),
    ]);
    hpSection.appendChild(el("div", { class: "card table-wrap" }, table));
  }

  // ------------------------------------------------------------ live updates

  function setLiveText() {
    if (!liveNode) return;
    const open = S.sources.filter((s) => s.readyState === 1).length;
    const live = S.runs.filter((r) => r.detail.status === "live").length;
    liveNode.classList.toggle("on", open > 0 && live > 0);
    liveNode.textContent = open > 0 && live > 0 ? (compare ? live + " live" : "live: updating") : "";
  }

  /** Opens the event streams (every run on the run page; the live ones on the compare page) and waits (briefly)
   * for each `hello`, so that nothing recorded between the fetch and the subscription is missed. */
  function openStreams() {
    if (typeof EventSource === "undefined") return Promise.resolve();
    const want = compare ? S.runs.filter((r) => r.detail.status === "live").slice(0, 3) : S.runs;
    const hellos = want.map((r) => new Promise((resolve) => {
      const es = new EventSource("/api/runs/" + enc(r.id) + "/events");
      let greeted = false;
      S.sources.push(es);
      const timer = setTimeout(resolve, 2000);
      const parse = (e) => { try { return JSON.parse(e.data); } catch (err) { return null; } };
      es.addEventListener("hello", (e) => {
        const d = parse(e);
        if (d && d.status) setStatus(r, d.status, d.step);
        // Reconnected: the server continues after the last event seen (resumed), or the run is read again.
        if (greeted) { if (!(d && d.resumed)) refreshAfterReconnect(r); } else { greeted = true; clearTimeout(timer); resolve(); }
        setLiveText();
      });
      es.addEventListener("scalars", (e) => { const d = parse(e); if (d && Array.isArray(d.points)) onPoints(r.id, d.points); });
      es.addEventListener("status", (e) => { const d = parse(e); if (d) setStatus(r, d.status, d.step); });
      // The run was resumed from a checkpoint: what it recorded after that step is gone; fetch everything again.
      es.addEventListener("reset", () => refreshAfterReconnect(r));
      es.addEventListener("sample", (e) => {
        const d = parse(e);
        if (!d || compare) return;
        if (!S.samples.some((s) => s.step === d.step)) { S.samples.push(d); S.samples.sort((a, b) => a.step - b.step); }
        if (S.followLatest) S.sampleIndex = S.samples.length - 1;
        renderSamples();
      });
      es.addEventListener("message", (e) => {
        const d = parse(e);
        if (!d || compare) return;
        S.messages.push(d);
        renderMessages();
        updateMarkers();
      });
      es.addEventListener("checkpoint", (e) => {
        const d = parse(e);
        if (!d || compare) return;
        if (!S.checkpoints.some((c) => c.step === d.step)) S.checkpoints.push(d);
        S.checkpoints.sort((a, b) => a.step - b.step);
        updateMarkers();
        renderCheckpoints();
        renderHead();
        tickDuration();
        scheduleHistograms();
        scheduleMLP();
        scheduleS2S();
        scheduleFT();
      });
      es.addEventListener("open", setLiveText);
      es.addEventListener("error", () => {
        setLiveText();
        if (es.readyState === 2) { clearTimeout(timer); resolve(); }
      });
    }));
    return Promise.all(hellos);
  }

  let reconnectTimer = null;
  function refreshAfterReconnect() {
    if (reconnectTimer) return;
    reconnectTimer = setTimeout(async () => {
      reconnectTimer = null;
      try {
        const details = await Promise.all(S.runs.map((r) => fetchJSON("/api/runs/" + enc(r.id))));
        details.forEach((d, i) => { S.runs[i].detail = d; });
        if (!compare) { S.messages = (details[0].messages || []).slice(); S.checkpoints = (details[0].checkpoints || []).slice(); renderMessages(); renderCheckpoints(); loadSamples(); }
        if (mlpSection) { mlpSection.count = -1; loadMLP(); }
        if (s2sSection) { s2sSection.count = -1; loadS2S(); }
        if (ftSection) { ftSection.count = -1; loadFT(); }
        renderHead();
        updateMarkers();
        loadSeries();
      } catch (err) { showError(err, "Could not refresh after reconnecting"); }
    }, 300);
    S.timers.push(reconnectTimer);
  }

  function setStatus(r, status, step) {
    const d = r.detail;
    const changed = d.status !== status || (isNum(step) && step !== d.step);
    if (!changed) return;
    const statusChanged = d.status !== status;
    d.status = status;
    if (isNum(step)) d.step = step;
    if (compare) {
      if (statusChanged) { renderHead(); renderLegend(); }
      setLiveText();
      return;
    }
    if (statusChanged) {
      const node = document.getElementById("run-status");
      if (node) clear(node).appendChild(statusBadge(status));
      document.querySelectorAll(".run-head .progress").forEach((p) => { p.className = "progress status-" + status; });
      if (status !== "live") {
        loadParameters();
        scheduleHistograms();
        scheduleMLP();
        scheduleS2S();
        scheduleFT();
        // the final duration and values come from the server
        fetchJSON("/api/runs/" + enc(r.id)).then((full) => {
          Object.assign(d, full);
          renderHead();
          tickDuration();
        }).catch((err) => showError(err, "Could not refresh the run"));
      }
    }
    const stepNode = document.getElementById("run-step");
    if (stepNode) stepNode.textContent = int(d.step) + " / " + int(d.total_steps);
    const fill = document.querySelector(".run-head .progress-fill");
    if (fill && d.total_steps) fill.style.width = (Math.min(1, d.step / d.total_steps) * 100).toFixed(1) + "%";
    setLiveText();
  }

  // ------------------------------------------------------------ theme changes recolour the legends

  function onTheme() {
    for (const { chart, def } of S.charts.values()) {
      if (chart.opts.legendItems) { chart.opts.legendItems = def.tags.map((t) => ({ label: t, color: cssVar("--muted") || "#888", dashed: t.startsWith("val/"), dots: t.startsWith("val/") })); chart.legendSig = null; chart.renderLegend(); }
    }
  }
  document.addEventListener("gb-theme", onTheme);

  start().catch((err) => { page.appendChild(errorBox(err)); ready(); });

  return () => {
    S.stopped = true;
    for (const es of S.sources) es.close();
    for (const t of S.timers) { clearTimeout(t); clearInterval(t); }
    if (S.abort) S.abort.abort();
    if (mlpSection && mlpSection.view) mlpSection.view.destroy();
    if (s2sSection && s2sSection.view) s2sSection.view.destroy();
    if (ftSection && ftSection.view) ftSection.view.destroy();
    document.removeEventListener("gb-theme", onTheme);
  };
};
