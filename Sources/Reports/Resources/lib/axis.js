/* Glassbox front end: chart axes: where the ticks go and how they read (linear, logarithmic, time), and the value
 * range a series is drawn over. Pure: tested by Node (tests/js/axis.test.js). */
import { compact, num } from "./format.js";

export function niceStep(range, count) {
  const raw = range / Math.max(1, count);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

export function linearTicks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, count);
  // A range narrower than the numbers' precision (a series that barely moves, e.g. a peak memory of 896 MB at every
  // step) has no step that moves t: its two ends, not an endless loop.
  if (!(step > 0) || !isFinite(step) || lo + step === lo || hi + step === hi) return [lo, hi];
  const out = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9 && out.length < 1000; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

export function logTicks(lo, hi) { // lo, hi are log10 values
  const out = [];
  const a = Math.floor(lo), b = Math.ceil(hi);
  const mults = b - a <= 1 ? [1, 2, 3, 5, 7] : b - a <= 3 ? [1, 2, 5] : [1];
  const stride = Math.max(1, Math.ceil((b - a) / 8));
  for (let e = a; e <= b; e += mults.length === 1 ? stride : 1) {
    for (const m of mults) {
      const t = Math.log10(m) + e;
      if (t >= lo - 1e-9 && t <= hi + 1e-9) out.push(t);
    }
  }
  return out;
}

export const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

export function timeTicks(lo, hi, count) {
  const raw = (hi - lo) / Math.max(1, count);
  let step = TIME_STEPS[TIME_STEPS.length - 1];
  for (const s of TIME_STEPS) if (s >= raw) { step = s; break; }
  const out = [];
  const offset = step >= 3600 && step < 86400 ? new Date().getTimezoneOffset() * -60 : 0; // wall-clock hours line up locally
  for (let t = Math.ceil((lo + offset) / step) * step - offset; t <= hi; t += step) out.push(t);
  return { ticks: out, step };
}

export function relLabel(s) {
  const neg = s < 0; s = Math.abs(Math.round(s));
  let out;
  if (s < 60) out = s + "s";
  else if (s < 3600) out = Math.floor(s / 60) + "m" + (s % 60 ? String(s % 60).padStart(2, "0") + "s" : "");
  else out = Math.floor(s / 3600) + "h" + (Math.floor(s / 60) % 60 ? String(Math.floor(s / 60) % 60).padStart(2, "0") + "m" : "");
  return (neg ? "−" : "") + out;
}

/** Labels for a whole set of linear ticks, in one style: fixed decimals, or mantissa-exponent when tiny or huge. */
export function tickLabels(ticks, step) {
  const big = Math.max(...ticks.map(Math.abs));
  if (big >= 1e6 || (big > 0 && big < 1e-2)) {
    const e = Math.floor(Math.log10(step) + 1e-9);
    const digits = Math.max(0, Math.floor(Math.log10(big) + 1e-9) - e);
    return ticks.map((t) => (t === 0 ? "0" : sciLabel(t, Math.min(3, digits))));
  }
  if (big >= 1e4) return ticks.map((t) => compact(t));
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return ticks.map((t) => (t === 0 ? "0" : t.toFixed(decimals)));
}

export function sciLabel(v, digits) {
  const [m, e] = v.toExponential(digits).split("e");
  const mm = m.includes(".") ? m.replace(/\.?0+$/, "") : m;
  return mm + "e" + (e.startsWith("+") ? e.slice(1) : e);
}

export function logLabel(t) {
  const v = Number(Math.pow(10, t).toPrecision(3));
  const e = Math.round(t);
  if (v >= 1e4) return compact(v);
  if (v < 1e-3) return Math.abs(t - e) < 1e-9 ? "1e" + e : sciLabel(v, 0);
  return num(v, 3);
}

/**
 * The range a series of values [lo, hi] is drawn over, with `pad` (a fraction) of room above and below. A series
 * whose values differ by less than their own precision (a constant learning rate read back from float32:
 * 0.009999999776 and 0.01) is constant: it is drawn as a flat line through its middle, with one tick at its value.
 * @param {number} lo @param {number} hi @param {number} [pad]
 * @returns {{lo: number, hi: number, constant: number|null}}
 */
export function valueRange(lo, hi, pad) {
  const p = pad === undefined ? 0.06 : pad;
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(hi - lo > scale * 1e-6)) {
    const c = (lo + hi) / 2, half = Math.abs(c) * 0.1 || 1;
    return { lo: c - half, hi: c + half, constant: c };
  }
  const room = (hi - lo) * p;
  return { lo: lo - room, hi: hi + room, constant: null };
}

/**
 * Ticks whose labels read the same kept once (the first of each run): an axis never shows one label twice.
 * @param {number[]} ticks @param {string[]} labels @returns {{ticks: number[], labels: string[]}}
 */
export function uniqueTicks(ticks, labels) {
  const out = { ticks: [], labels: [] }, seen = new Set();
  ticks.forEach((t, i) => {
    if (seen.has(labels[i])) return;
    seen.add(labels[i]);
    out.ticks.push(t);
    out.labels.push(labels[i]);
  });
  return out;
}
