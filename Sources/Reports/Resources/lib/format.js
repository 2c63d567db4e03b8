/* Glassbox front end: numbers, times, CSV and file names as text. Pure: tested by Node (tests/js). */
export const isNum = (v) => typeof v === "number" && Number.isFinite(v);

/** 1234 -> "1.23k", 812544 -> "813k", 0.00098 -> "9.8e-4" */
export function compact(v) {
  if (!isNum(v)) return "–";
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (a >= 1e12) return trim((v / 1e12).toPrecision(3)) + "T";
  if (a >= 1e9) return trim((v / 1e9).toPrecision(3)) + "G";
  if (a >= 1e6) return trim((v / 1e6).toPrecision(3)) + "M";
  if (a >= 1e4) return trim((v / 1e3).toPrecision(3)) + "k";
  if (a >= 1000) return String(Math.round(v));
  if (a >= 0.01) return trim(v.toPrecision(3));
  return sci(v, 2);
}

/** A value for tables and read-outs: 4 significant digits, scientific when tiny or huge. */
export function num(v, digits) {
  if (v === null || v === undefined) return "–";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return String(v);
  const d = digits || 4;
  const a = Math.abs(v);
  if (a === 0) return "0";
  if (Number.isInteger(v) && a < 1e9) return String(v);
  if (a >= 1e6 || a < 1e-3) return sci(v, d - 1);
  return trim(v.toPrecision(d));
}

function sci(v, digits) {
  const [m, e] = v.toExponential(digits).split("e");
  return trim(m) + "e" + (e.startsWith("+") ? e.slice(1) : e);
}

function trim(s) { return s.includes(".") && !s.includes("e") ? s.replace(/\.?0+$/, "") : s; }

export function fixed(v, d) { return isNum(v) ? v.toFixed(d === undefined ? 2 : d) : "–"; }

export function int(v) { return isNum(v) ? Math.round(v).toLocaleString("en-US") : "–"; }

/** 42.5 -> "43s", 3725 -> "1h 02m" */
export function duration(s) {
  if (!isNum(s) || s < 0) return "–";
  if (s < 1) return s === 0 ? "0s" : "<1s";
  if (s < 60) return Math.round(s) + "s";
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  if (m < 60) return m + "m " + String(sec).padStart(2, "0") + "s";
  const h = Math.floor(m / 60);
  if (h < 48) return h + "h " + String(m % 60).padStart(2, "0") + "m";
  return Math.floor(h / 24) + "d " + (h % 24) + "h";
}

/** Seconds since 1970 -> "3 min ago" */
export function relTime(t, now) {
  if (!isNum(t)) return "–";
  const d = (now || Date.now() / 1000) - t;
  if (d < 0) return "just now";
  if (d < 45) return "just now";
  if (d < 90) return "1 min ago";
  if (d < 3600) return Math.round(d / 60) + " min ago";
  if (d < 2 * 3600) return "1 hour ago";
  if (d < 86400) return Math.round(d / 3600) + " hours ago";
  if (d < 2 * 86400) return "yesterday";
  if (d < 30 * 86400) return Math.round(d / 86400) + " days ago";
  return dateTime(t).slice(0, 10);
}

const pad2 = (n) => String(n).padStart(2, "0");

/** Seconds since 1970 -> "2026-11-26 10:15:00" (local time) */
export function dateTime(t) {
  if (!isNum(t)) return "–";
  const d = new Date(t * 1000);
  return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " +
    pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
}

export function clockTime(t, withSeconds) {
  const d = new Date(t * 1000);
  return pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + (withSeconds ? ":" + pad2(d.getSeconds()) : "");
}

function csvCell(v) {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/** rows: arrays of cells; the first row is the header. */
export function toCSV(rows) { return rows.map((r) => r.map(csvCell).join(",")).join("\n") + "\n"; }

/** A file name from free text: "train/loss" -> "train-loss" */
export function slug(s) { return String(s).replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80) || "data"; }

/** A stable short hash of numbers (for data attributes that tests compare). */
export function checksum(values) {
  let h = 2166136261 >>> 0;
  for (const v of values) {
    const s = isNum(v) ? v.toPrecision(8) : "x";
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
  }
  return h.toString(16).padStart(8, "0");
}
