/* Glassbox Studio, run and compare pages: the line charts of scalars (the main charts, "More scalars", the ranks'),
 * the series each draws (one run's tags, several runs overlaid, or groups of runs), their redraws and the loss
 * chart's markers (checkpoints, warnings, the chosen text sample). */
import { LineChart } from "../../lib/charts.js";
import { color, cssVar } from "../../lib/colors.js";
import { int, slug } from "../../lib/format.js";
import { aggregate, grouping } from "./run-grouping.js";
import { dkey, inspectHref, isLive, isMoreTag } from "./run-state.js";
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").RunContext} RunContext */
/** @typedef {import("./run-state.js").ChartDef} ChartDef */
/** @typedef {import("./run-state.js").ChartEntry} ChartEntry */

/** The compare page's legend of a chart of several tags: one grey line style per tag. @param {ChartDef} def */
const tagLegend = (def) => def.tags.map((t) => ({ label: t, color: cssVar("--muted") || "#888", dashed: t.startsWith("val/"), dots: t.startsWith("val/") }));

/** A line chart for def, registered in S.charts (not yet placed). @param {RunState} S @param {ChartDef} def @param {RunContext} ctx
 * @returns {ChartEntry} */
export function makeChart(S, def, ctx) {
  const compare = S.compare;
  const chart = new LineChart({
    name: def.key, title: def.title, subtitle: def.subtitle, height: def.height, yFormat: def.yFormat, yScale: def.yScale, ySuffix: def.ySuffix, yFromZero: def.yFromZero,
    fileName: (compare ? "compare" : S.runs[0].name) + "-" + def.key,
    emptyText: (def.emptyText || "Nothing recorded for " + def.tags.join(" or ")) + (isLive(S) ? " yet" : ""),
    onZoom: (z) => ctx.setZoom(z),
    onClick: def.key === "loss" && !compare ? (step) => ctx.showSampleNear(step) : null,
    legend: compare && def.tags.length === 1 ? false : undefined,
    legendItems: compare && def.tags.length > 1 ? tagLegend(def) : undefined,
  });
  chart.root.id = "chart-" + slug(def.key.replace(":", "-"));
  chart.setOptions({ xMode: S.xMode, logY: S.logY, smoothing: S.smoothing, zoom: S.zoom });
  const entry = { def, chart, root: chart.root };
  S.charts.set(def.key, entry);
  return entry;
}

/** The chart of a tag in "More scalars" (made the first time). @param {RunState} S @param {string} tag @param {RunContext} ctx */
export function addMoreChart(S, tag, ctx) {
  const key = "more:" + tag;
  if (S.charts.has(key)) return S.charts.get(key);
  const c = makeChart(S, { key, title: tag, tags: [tag], height: 180, colorIndex: 5 + (S.charts.size % 5) }, ctx);
  S.ui.moreGrid.appendChild(c.root);
  S.ui.moreSection.hidden = false;
  return c;
}

/** The keys of the charts that draw tag. @param {RunState} S @param {string} tag */
export function chartsForTag(S, tag) {
  const out = [];
  for (const [key, { def }] of S.charts) if (def.tags.includes(tag)) out.push(key);
  return out;
}

/** @param {ChartDef} def @param {string} tag @param {number} i */
function tagColor(def, tag, i) {
  if (def.key === "loss" || def.pair) return color(tag.startsWith("val/") ? 1 : 0);
  return color(def.colorIndex !== undefined ? def.colorIndex + i : i);
}

/** The series a chart draws: the run's tags; on the compare page each run's (or each group's mean).
 * @param {RunState} S @param {ChartDef} def */
function seriesFor(S, def) {
  const out = [];
  if (!S.compare) {
    const r = S.runs[0];
    def.tags.forEach((tag, i) => {
      const d = S.data.get(dkey(r.id, tag));
      out.push({ key: tag, label: def.labels ? def.labels[i] : tag, color: tagColor(def, tag, i), buckets: d ? d.buckets : [], dots: tag.startsWith("val/"), start: r.detail.created_at });
    });
    return out;
  }
  const groups = grouping(S);
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
      buckets: aggregate(S, g.runs, tag), dashed: tag.startsWith("val/"), dots: tag.startsWith("val/"), noRaw: true,
      start: g.runs[0].detail.created_at, bandAlpha: 0.2 });
  }
  return out;
}

/** Redraws the charts whose data changed (and the ranks' readout when theirs did). @param {RunState} S */
export function flush(S) {
  const ranks = S.dirty.has("ranks") || S.dirty.has("allreduce");
  for (const key of S.dirty) {
    const entry = S.charts.get(key);
    if (!entry) continue;
    entry.chart.series = seriesFor(S, entry.def);
    entry.chart.renderLegend();
    entry.chart.draw();
  }
  S.dirty.clear();
  if (ranks && S.sections.ranks) S.sections.ranks.render();
}

/** Marks every chart for a redraw and redraws. @param {RunState} S */
export function redrawAll(S) {
  for (const key of S.charts.keys()) S.dirty.add(key);
  flush(S);
}

/** Redraws at the next animation frame (at most once a frame). @param {RunState} S */
export function scheduleFlush(S) {
  if (S.frame) return;
  S.frame = requestAnimationFrame(() => { S.frame = 0; flush(S); });
}

/** Sets an option (xMode, logY, smoothing, zoom) on every chart. @param {RunState} S @param {Object<string, any>} options */
export function setChartOptions(S, options) {
  for (const { chart } of S.charts.values()) chart.setOptions(options);
}

/** The loss chart's markers: checkpoints (opening the inspect page, for a language model), warnings and the chosen
 * text sample. @param {RunState} S */
export function updateMarkers(S) {
  const entry = S.charts.get("loss");
  if (!entry || S.compare) return;
  const marks = [];
  // an MLP's checkpoints are not language models: no inspect page, plain markers
  if (S.mlp || S.s2s) for (const c of S.checkpoints) marks.push({ step: c.step, kind: "checkpoint", series: "train/loss", text: "checkpoint at step " + int(c.step) + "\n" + c.path });
  else for (const c of S.checkpoints) marks.push({ step: c.step, kind: "checkpoint", series: "train/loss", href: inspectHref(S, c.step),
    text: "checkpoint at step " + int(c.step) + " — click to look inside\n" + c.path, label: "Look inside the checkpoint at step " + int(c.step),
    keyText: "checkpoint at step " + int(c.step) + " — press Enter to look inside" });
  for (const m of S.messages) if (m.level === "warning" || m.level === "error") marks.push({ step: m.step, kind: "warning", text: m.level + " at step " + int(m.step) + ": " + m.text, series: "val/loss" });
  const s = S.samples[S.sampleIndex];
  if (s && !S.followLatest) marks.push({ step: s.step, kind: "selected", text: "sample at step " + s.step });
  entry.chart.setMarkers(marks);
  entry.root.dataset.markers = String(marks.filter((m) => m.kind !== "selected").length);
}

/** After a theme change: the compare page's grey per-tag legends take the new colour. @param {RunState} S */
export function recolorLegends(S) {
  for (const { chart, def } of S.charts.values()) {
    if (chart.opts.legendItems) { chart.opts.legendItems = tagLegend(def); chart.legendSig = null; chart.renderLegend(); }
  }
}

/** "More scalars": a chart per other tag (hidden until one exists; live tags add theirs). */
export const moreScalarsPanel = definePanel({
  id: "run/more-scalars", title: "A chart for every other scalar tag", needs: ["runs", "mainTags"],
  /** @param {RunState} S @param {RunContext} ctx */
  render(S, ctx) {
    S.ui.moreGrid = el("div", { class: "charts-grid three" });
    S.ui.moreSection = el("section", { class: "section", hidden: true }, [el("h2", { class: "section-title", text: "More scalars" }), S.ui.moreGrid]);
    const tags = new Set();
    for (const r of S.runs) for (const t of r.detail.tags || []) if (isMoreTag(S, t)) tags.add(t);
    for (const t of [...tags].sort()) addMoreChart(S, t, ctx);
    return S.ui.moreSection;
  },
});
