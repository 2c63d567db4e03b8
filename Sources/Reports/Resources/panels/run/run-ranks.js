/* Glassbox Studio, run page: a data-parallel run's Ranks section: each process's throughput (one line per rank),
 * the share of rank 0's time spent summing gradients (all-reduce), and a readout of the balance (the slowest rank
 * against the fastest, a bar per rank). */
import { color } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { compact, fixed, int, isNum, num } from "../../lib/format.js";
import { makeChart } from "./run-charts.js";
import { ALLREDUCE_TAG, dkey, isLive } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */

/** The section (S.sections.ranks) with its two charts. @param {RunState} S @param {import("./run-state.js").RunContext} ctx */
export function buildRanks(S, ctx) {
  const rk = S.rk;
  const perRank = makeChart(S, { key: "ranks", title: "Throughput per rank", subtitle: "rank/{r}/" + rk.metric, tags: rk.tags, labels: rk.tags.map((_, r) => "rank " + r),
    height: 300, colorIndex: 0, yFromZero: true, emptyText: "No per-rank throughput recorded", yFormat: (v) => compact(v) + " " + rk.unit }, ctx);
  const share = makeChart(S, { key: "allreduce", title: "All-reduce share", subtitle: "of rank 0's time", tags: [ALLREDUCE_TAG], height: 150, colorIndex: 4, yScale: 100, ySuffix: "%", yFromZero: true,
    emptyText: "No all-reduce time recorded", yFormat: (v) => num(v * 100, 3) + "%" }, ctx);
  const readout = el("section", { class: "card rank-readout", id: "rank-readout", "aria-live": "polite" });
  const node = el("section", { class: "section ranks-section", id: "ranks", dataset: { ranks: String(rk.n) }, "aria-labelledby": "ranks-title" }, [
    el("div", { class: "section-head" }, [el("h2", { class: "section-title", id: "ranks-title", text: "Ranks" }),
      el("span", { class: "section-sub", text: rk.n + " processes trained this run data-parallel (MPI): each takes a share of every batch, the gradients are summed across them, rank 0 records" })]),
    el("div", { class: "loss-row ranks-row" }, [perRank.root, el("div", { class: "side" }, [readout, share.root])]),
  ]);
  S.sections.ranks = { node, readout, render: () => renderRanks(S) };
  renderRanks(S);
  return node;
}

/** Mean of a series' points (each bucket weighs its point count) and its steps. @param {RunState} S @param {string} k */
function seriesMean(S, k) {
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

/** The slowest rank against the fastest, and a bar per rank. @param {RunState} S @param {HTMLElement} node
 * @param {{r: number, s: any}[]} stats @param {{r: number, s: any}[]} have  the ranks with a mean */
function balance(S, node, stats, have) {
  const unit = S.rk.unit;
  const slow = have.reduce((a, b) => (b.s.mean < a.s.mean ? b : a)), fast = have.reduce((a, b) => (b.s.mean > a.s.mean ? b : a));
  const gap = fast.s.mean > 0 ? (fast.s.mean - slow.s.mean) / fast.s.mean : 0;
  node.dataset.slowest = String(slow.r);
  node.dataset.spread = gap.toFixed(4);
  const level = gap >= 0.1 ? "bad" : gap >= 0.03 ? "some" : "good";
  const verdict = el("p", { class: ["rank-verdict", "level-" + level], id: "ranks-slowest",
    title: "The fastest is rank " + fast.r + ". Every step waits for the slowest rank: the others idle at the all-reduce for the difference." }, gap < 0.005
    ? ["Balanced: every rank within 0.5% of the fastest"]
    : [el("b", { text: "Slowest: rank " + slow.r }), ", " + fixed(100 * gap, gap < 0.1 ? 1 : 0) + "% below the fastest"]);
  const bars = el("ul", { class: "rank-bars", id: "rank-bars" });
  for (const { r, s } of stats) {
    const bar = el("span", { class: "rank-bar-fill" });
    bar.style.width = s && fast.s.mean > 0 ? (100 * s.mean / fast.s.mean).toFixed(1) + "%" : "0";
    bar.style.background = color(r);
    bars.appendChild(el("li", { class: ["rank-bar", s && r === slow.r && gap >= 0.005 ? "slowest" : ""], dataset: { rank: String(r) } }, [
      el("span", { class: "rank-bar-label", text: "rank " + r }),
      el("span", { class: "rank-bar-track" }, bar),
      el("span", { class: "rank-bar-value", text: s ? compact(s.mean) + " " + unit : "–" }),
    ]));
  }
  return [verdict, bars];
}

/** The readout beside the per-rank chart: the balance and the all-reduce share. @param {RunState} S */
export function renderRanks(S) {
  if (!S.sections.ranks) return;
  const { node, readout } = S.sections.ranks;
  const id = S.runs[0].id;
  const stats = S.rk.tags.map((t, r) => ({ r, s: seriesMean(S, dkey(id, t)) }));
  const have = stats.filter((x) => x.s);
  const span = have.length ? [Math.min(...have.map((x) => x.s.from)), Math.max(...have.map((x) => x.s.to))] : null;
  clear(readout);
  readout.appendChild(el("header", { class: "chart-head" }, [el("h3", { class: "chart-title", text: "Balance" }),
    span ? el("span", { class: "chart-sub", text: "mean, steps " + int(span[0]) + "–" + int(span[1]) }) : null]));
  delete node.dataset.slowest;
  delete node.dataset.spread;
  if (have.length < 2) {
    readout.appendChild(el("p", { class: "muted small-text", id: "ranks-slowest", text: have.length ? "Waiting for every rank's throughput…" : "No per-rank throughput recorded" + (isLive(S) ? " yet." : ".") }));
  } else {
    for (const part of balance(S, node, stats, have)) readout.appendChild(part);
  }
  const share = seriesMean(S, dkey(id, ALLREDUCE_TAG));
  readout.appendChild(el("p", { class: "rank-share", id: "allreduce-readout", title: "The fraction of rank 0's wall time spent waiting for the gradients' all-reduce (summing them across the ranks)" },
    share ? [el("span", { class: "muted", text: "All-reduce " }), el("b", { text: fixed(100 * share.mean, 1) + "%" }), el("span", { class: "muted", text: " of rank 0's time on average, " + fixed(100 * share.last, 1) + "% at the last step" })]
      : [el("span", { class: "muted", text: "No all-reduce time recorded" + (isLive(S) ? " yet." : ".") })]));
  if (share) node.dataset.allreduce = share.mean.toFixed(4);
}

/** A data-parallel run: each process's throughput and the time spent summing gradients. */
export const ranksPanel = definePanel({
  id: "run/ranks", title: "A data-parallel run's throughput per rank and all-reduce share", needs: ["runs", "rk"],
  /** @param {RunState} S */
  when: (S) => !S.compare && S.rk !== null,
  render: (S, ctx) => buildRanks(S, ctx),
});
