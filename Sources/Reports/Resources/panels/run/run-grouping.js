/* Glassbox Studio, compare page: the hyper-parameters the runs hold and where they differ, the groups of runs that
 * agree on the chosen ones, and a group's mean line with its min–max band. */
import { color } from "../../lib/colors.js";
import { isNum } from "../../lib/format.js";
import { dkey, hpOrder, hpText } from "./run-state.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").RunEntry} RunEntry */
/** @typedef {{key: string, runs: RunEntry[], color: string, label: string}} RunGroup */

/** Every hyper-parameter any of the runs records, in table order. @param {RunState} S */
export function allHPKeys(S) {
  const keys = new Set();
  for (const r of S.runs) for (const k of Object.keys(r.detail.hyper_parameters || {})) keys.add(k);
  return hpOrder([...keys]);
}

/** The hyper-parameters whose values are not the same in every run. @param {RunState} S */
export function differingKeys(S) {
  return allHPKeys(S).filter((k) => new Set(S.runs.map((r) => JSON.stringify((r.detail.hyper_parameters || {})[k]))).size > 1);
}

/** Groups of runs that agree on every chosen field, or null when not grouping. @param {RunState} S @returns {RunGroup[]|null} */
export function grouping(S) {
  if (!S.compare || !S.groupBy.length) return null;
  const map = new Map();
  for (const r of S.runs) {
    const hp = r.detail.hyper_parameters || {};
    const sig = JSON.stringify(S.groupBy.map((k) => hp[k]));
    if (!map.has(sig)) map.set(sig, []);
    map.get(sig).push(r);
  }
  const differing = differingKeys(S);
  return [...map.entries()].map(([sig, runs], i) => {
    const hp = runs[0].detail.hyper_parameters || {};
    const shown = S.groupBy.filter((k) => differing.includes(k));
    const keys = shown.length ? shown : S.groupBy;
    const label = keys.slice(0, 4).map((k) => k + "=" + hpText(hp[k])).join(" · ") +
      (keys.length > 4 ? " …" : "") + " (" + runs.length + (runs.length === 1 ? " run)" : " runs)");
    return { key: "g" + i + ":" + sig, runs, color: color(i), label };
  });
}

/** The mean of the group's line values at each bucket of its longest member, with the min–max across runs.
 * @param {RunState} S @param {RunEntry[]} runs @param {string} tag */
export function aggregate(S, runs, tag) {
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
