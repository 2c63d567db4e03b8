/* Glassbox Studio: the run page (/runs/{run}) and the compare page (/compare?runs=a,b,c). Loads the runs, builds the
 * page's state, mounts its panels (panels/run/) and wires the live event streams. Plain ES2020. */
import * as api from "../api.js";
import { color } from "../lib/colors.js";
import { el } from "../lib/dom.js";
import { emptyState, errorBox, ready } from "../lib/ui.js";
import { probeTimeline } from "../panels/probe-timeline.js";
import { chooseCharts } from "../panels/run/run-chart-defs.js";
import { addMoreChart, makeChart, recolorLegends, updateMarkers } from "../panels/run/run-charts.js";
import { renderCheckpoints } from "../panels/run/run-checkpoints.js";
import { renderLegend } from "../panels/run/run-compare.js";
import { bindAddress } from "../panels/run/run-address.js";
import { buildControls, setZoom } from "../panels/run/run-controls.js";
import { buildFT, loadFT } from "../panels/run/run-finetune.js";
import { renderHead, tickDuration } from "../panels/run/run-head.js";
import { renderHistograms } from "../panels/run/run-histograms.js";
import { renderHP } from "../panels/run/run-hyper-parameters.js";
import { openStreams } from "../panels/run/run-live.js";
import { renderMessages } from "../panels/run/run-messages.js";
import { buildMLP, loadMLP } from "../panels/run/run-mlp.js";
import { loadParameters } from "../panels/run/run-parameters.js";
import { buildRanks } from "../panels/run/run-ranks.js";
import { loadSamples, renderSamples, showSampleNear } from "../panels/run/run-samples.js";
import { buildS2S, loadS2S, noAttentionNote } from "../panels/run/run-seq2seq.js";
import { loadSeries } from "../panels/run/run-series.js";
import { createRunState, hasAttention, isMoreTag } from "../panels/run/run-state.js";

/** @typedef {import("../panels/run/run-state.js").RunState} RunState */
/** @typedef {import("../panels/run/run-state.js").RunContext} RunContext */

/** The breadcrumbs: Runs / this run (or the comparison). @param {RunState} S */
function crumbs(S) {
  return el("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, [
    el("a", { href: "/", text: "Runs" }), el("span", { class: "crumb-sep", "aria-hidden": "true", text: "/" }),
    el("span", { text: S.compare ? "Compare " + S.runs.length + " runs" : S.runs[0].name }),
  ]);
}

/** The section of a classic view (MLP, seq2seq, fine-tuning) that comes before the charts; null for a GPT run.
 * @param {RunState} S */
function classicPanel(S) {
  if (S.compare) return null;
  // an MLP run: its decision boundary (or fitted function) across the checkpoints
  if (S.mlp) return buildMLP(S);
  // a seq2seq run: where its decoder looks, across the checkpoints (or why there is nothing to show)
  if (S.s2s) return hasAttention(S.runs[0].detail) ? buildS2S(S) : noAttentionNote();
  // a fine-tuning run: the base model's answers and the fine-tuned ones, across the checkpoints
  if (S.ft) return buildFT(S);
  return null;
}

/** The main charts: the loss (on the run page beside the text sample and the messages), then the smaller ones.
 * @param {RunState} S @param {RunContext} ctx */
function mainCharts(S, ctx) {
  const loss = makeChart(S, S.defs[0], ctx);
  const small = el("div", { class: "charts-grid four" });
  for (const def of S.defs.slice(1)) small.appendChild(makeChart(S, def, ctx).root);
  if (S.compare) return el("section", { class: "section" }, [el("div", { class: "charts-grid" }, loss.root), small]);
  // an MLP writes no text samples, a fine-tuning run has its answers above: their side holds the messages only
  S.ui.samples = S.mlp || S.ft ? null : el("section", { class: "card samples", id: "samples" });
  S.ui.messages = el("section", { class: "card messages", id: "messages" });
  const top = el("div", { class: "loss-row" }, [loss.root, el("div", { class: "side" }, [S.ui.samples, S.ui.messages])]);
  return el("section", { class: "section" }, [top, small]);
}

/** Builds the page's panels in order. @param {RunState} S @param {RunContext} ctx */
function mount(S, ctx) {
  const page = S.ui.page, compare = S.compare;
  S.ui.head = el("div", { class: "page-head run-head" });
  renderHead(S);
  const controls = buildControls(S, ctx);
  S.ui.moreGrid = el("div", { class: "charts-grid three" });
  S.ui.moreSection = el("section", { class: "section", hidden: true }, [el("h2", { class: "section-title", text: "More scalars" }), S.ui.moreGrid]);
  page.appendChild(crumbs(S));
  page.appendChild(S.ui.head);
  page.appendChild(S.ui.errors);
  const classic = classicPanel(S);
  if (classic) page.appendChild(classic);
  page.appendChild(controls);
  if (compare) page.appendChild(S.ui.legend = el("div", { class: "run-legend", id: "run-legend" }));
  page.appendChild(mainCharts(S, ctx));
  if (!compare) {
    renderSamples(S);
    renderMessages(S);
    // a data-parallel run: each process's throughput and the time spent summing gradients
    if (S.rk) page.appendChild(buildRanks(S, ctx));
    page.appendChild(S.ui.checkpoints = el("section", { class: "section checkpoints", id: "checkpoints" }));
    renderCheckpoints(S);
    // the probe timeline: what the model makes of fixed prompts at each checkpoint (an MLP reads no prompts)
    if (!S.mlp && !S.s2s && !S.ft) { const probes = el("section", { class: "section", id: "probes" }); page.appendChild(probes); probeTimeline(probes, S.runs[0].id); }
  }
  page.appendChild(S.ui.moreSection);
  const moreTags = new Set();
  for (const r of S.runs) for (const t of r.detail.tags || []) if (isMoreTag(S, t)) moreTags.add(t);
  for (const t of [...moreTags].sort()) addMoreChart(S, t, ctx);
  if (!compare) {
    page.appendChild(S.ui.params = el("section", { class: "section params", id: "parameters" }));
    page.appendChild(S.ui.hists = el("section", { class: "section hists", id: "histograms" }));
    renderHistograms(S);
  }
  page.appendChild(S.ui.hp = el("section", { class: "section hp-section", id: "hyper-parameters" }));
  renderHP(S);
  if (compare) renderLegend(S);
  updateMarkers(S);
}

/** Reads the runs, mounts the panels, opens the streams, then fills the charts and sections.
 * @param {RunState} S @param {RunContext} ctx @param {string[]} ids */
async function start(S, ctx, ids) {
  const page = S.ui.page, compare = S.compare;
  if (!ids.length) {
    page.appendChild(emptyState(compare ? "No runs to compare." : "No run given.", [
      el("p", {}, ["Tick two or more runs on the ", el("a", { href: "/", text: "runs page" }), " and press Compare selected."]),
    ]));
    ready();
    return;
  }
  let details;
  try {
    details = await Promise.all(ids.map((id) => api.run(id)));
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
    S.messages = (S.runs[0].detail.messages || []).slice();
    S.checkpoints = (S.runs[0].detail.checkpoints || []).slice();
  }
  chooseCharts(S);
  mount(S, ctx);
  const { mlp, s2s, ft } = S.sections;
  const figures = mlp ? loadMLP(S) : s2s ? loadS2S(S) : ft ? loadFT(S) : null;
  await openStreams(S, ctx);
  await loadSeries(S);
  if (figures) await figures;
  if (S.stopped) return;
  requestAnimationFrame(() => requestAnimationFrame(() => ready()));
  if (!compare) { loadSamples(S); loadParameters(S); }
}

/** mode "run": one run; mode "compare": several overlaid. Returns a cleanup function.
 * @param {HTMLElement} app @param {string[]} ids @param {string} mode */
export function runPage(app, ids, mode) {
  const S = createRunState(mode);
  // the charts' view (smoothing, x axis, log y, zoom) lives in the address: linkable, and Back undoes a zoom
  const address = bindAddress(S, (z) => setZoom(S, z));
  /** @type {RunContext} */
  const ctx = {
    setZoom: (z) => { setZoom(S, z); address.save(true); },
    saveView: () => address.save(false),
    showSampleNear: (step) => showSampleNear(S, step),
  };
  S.ui.page = el("div", { class: ["page", S.compare ? "compare-page" : "run-page"] });
  S.ui.errors = el("div", { class: "page-errors", "aria-live": "polite" });
  app.appendChild(S.ui.page);
  S.timers.push(setInterval(() => tickDuration(S), 1000));
  const onTheme = () => recolorLegends(S);
  document.addEventListener("gb-theme", onTheme);

  start(S, ctx, ids).catch((err) => { S.ui.page.appendChild(errorBox(err)); ready(); });

  return () => {
    S.stopped = true;
    for (const es of S.sources) es.close();
    for (const t of S.timers) { clearTimeout(t); clearInterval(t); }
    if (S.abort) S.abort.abort();
    for (const M of [S.sections.mlp, S.sections.s2s, S.sections.ft]) if (M && M.view) M.view.destroy();
    document.removeEventListener("gb-theme", onTheme);
    address.destroy();
  };
}
