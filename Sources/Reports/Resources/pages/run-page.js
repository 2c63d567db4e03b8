/* Glassbox Studio: the run page (/runs/{run}) and the compare page (/compare?runs=a,b,c). Loads the runs, builds the
 * page's state, mounts its panels (PANELS: panels/run/, each declared with lib/panels.js's definePanel) and wires
 * the live event streams. Plain ES2020. */
import * as api from "../api.js";
import { color } from "../lib/colors.js";
import { el } from "../lib/dom.js";
import { mountPanels } from "../lib/panels.js";
import { emptyState, errorBox, ready } from "../lib/ui.js";
import { probesPanel } from "../panels/probe-timeline.js";
import { bindAddress } from "../panels/run/run-address.js";
import { chooseCharts } from "../panels/run/run-chart-defs.js";
import { moreScalarsPanel, recolorLegends, updateMarkers } from "../panels/run/run-charts.js";
import { checkpointsPanel } from "../panels/run/run-checkpoints.js";
import { legendPanel, renderLegend } from "../panels/run/run-compare.js";
import { controlsPanel, setZoom } from "../panels/run/run-controls.js";
import { finetunePanel, loadFT } from "../panels/run/run-finetune.js";
import { crumbsPanel, headPanel, tickDuration } from "../panels/run/run-head.js";
import { histogramsPanel } from "../panels/run/run-histograms.js";
import { hyperParametersPanel } from "../panels/run/run-hyper-parameters.js";
import { openStreams } from "../panels/run/run-live.js";
import { chartsPanel } from "../panels/run/run-main-charts.js";
import { loadMLP, mlpPanel } from "../panels/run/run-mlp.js";
import { loadParameters, parametersPanel } from "../panels/run/run-parameters.js";
import { ranksPanel } from "../panels/run/run-ranks.js";
import { loadSamples, showSampleNear } from "../panels/run/run-samples.js";
import { loadS2S, seq2seqPanel } from "../panels/run/run-seq2seq.js";
import { loadSeries } from "../panels/run/run-series.js";
import { createRunState, errorsPanel } from "../panels/run/run-state.js";

/** @typedef {import("../panels/run/run-state.js").RunState} RunState */
/** @typedef {import("../panels/run/run-state.js").RunContext} RunContext */

/** The page, top to bottom: each panel says when it applies (a kind of run, the compare page) and what it needs. */
export const PANELS = [
  crumbsPanel, headPanel, errorsPanel,
  mlpPanel, seq2seqPanel, finetunePanel,
  controlsPanel, legendPanel, chartsPanel,
  ranksPanel, checkpointsPanel, probesPanel,
  moreScalarsPanel, parametersPanel, histogramsPanel, hyperParametersPanel,
];

/** Mounts the page's panels in order, then the parts that read several (legend, markers). @param {RunState} S @param {RunContext} ctx */
function mount(S, ctx) {
  mountPanels(S.ui.page, PANELS, S, ctx);
  if (S.compare) renderLegend(S);
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
    if (S.probeView) S.probeView.destroy();
    document.removeEventListener("gb-theme", onTheme);
    address.destroy();
  };
}
