/* Glassbox's MLP view (glassbox train mlp): the drawing helpers of its pictures: the boundary map's colours, the
 * ranges the whole run shares (so the pictures stay steady while they play), the nearest point and the axes. */
import { linearTicks } from "../../lib/charts.js";
import { isNum } from "../../lib/format.js";


export const hexRGB = (h) => { const n = parseInt(h.slice(1), 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; };
/** A CSS colour (#rrggbb or rgb()) as [r, g, b]. */
export function rgbOf(css) {
  if (/^#[0-9a-f]{6}$/i.test(css)) return hexRGB(css);
  const m = /rgba?\(\s*(\d+)[ ,]+(\d+)[ ,]+(\d+)/.exec(css);
  return m ? [+m[1], +m[2], +m[3]] : [255, 255, 255];
}
export const mix = (a, b, t) => [0, 1, 2].map((j) => Math.round(a[j] + (b[j] - a[j]) * t));
export const rgbText = (c) => "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")";

/** How strongly a cell shows its class: pale where the network is unsure (confidence near 1/K), stronger where sure. */
export function strength(conf, K, dark) {
  const t = Math.max(0, Math.min(1, (conf - 1 / K) / (1 - 1 / K)));
  return (dark ? 0.1 : 0.08) + (dark ? 0.5 : 0.52) * Math.pow(t, 1.4);
}

/** What the whole run shares: the ranges that keep the pictures steady while they play. */
export function derive(figs) {
  let permMax = 0, gradMax = 0, weightMax = 0, ylo = Infinity, yhi = -Infinity, clo = Infinity, chi = -Infinity;
  let lossIsMetric = figs.length > 0;
  for (const F of figs) {
    for (const x of F.permutation_importance || []) if (isNum(x)) permMax = Math.max(permMax, x);
    for (const x of F.gradient_input || []) if (isNum(x)) gradMax = Math.max(gradMax, Math.abs(x));
    for (const w of F.first_layer || []) for (const x of w) if (isNum(x)) weightMax = Math.max(weightMax, Math.abs(x));
    for (const x of F.first_layer_bias || []) if (isNum(x)) weightMax = Math.max(weightMax, Math.abs(x));
    if (F.kind === "fit") {
      for (const q of F.points || []) if (isNum(q[1])) { ylo = Math.min(ylo, q[1]); yhi = Math.max(yhi, q[1]); }
      for (const q of F.curve || []) if (isNum(q[1])) { clo = Math.min(clo, q[1]); chi = Math.max(chi, q[1]); }
    }
    const same = (a, b) => isNum(a) && isNum(b) && Math.abs(a - b) <= 1e-3 * Math.max(1e-9, Math.abs(a), Math.abs(b));
    if (F.metric !== "mse" || !same(F.train_loss, F.train_metric) || !same(F.val_loss, F.val_metric)) lossIsMetric = false;
  }
  let fitY = [0, 1];
  if (isNum(ylo)) {
    const span = Math.max(1e-6, yhi - ylo);
    // the curves may stray, but never so far that the data turns into a thin line
    const lo = Math.max(Math.min(ylo, clo), ylo - 0.5 * span), hi = Math.min(Math.max(yhi, chi), yhi + 0.5 * span);
    const pad = (hi - lo) * 0.06;
    fitY = [lo - pad, hi + pad];
  }
  return { permMax: permMax || 1, gradMax: gradMax || 1, weightMax: weightMax || 1, fitY, lossIsMetric };
}

/** The point of pts nearest (x, y) on the picture, within r pixels; null if none. */
export function nearest(pts, at, x, y, r) {
  let best = null, bd = r * r;
  for (const q of pts) {
    const [px, py] = at(q), d = (px - x) * (px - x) + (py - y) * (py - y);
    if (d <= bd) { bd = d; best = q; }
  }
  return best;
}

/** Axes in the data's own units: ticks and numbers on the left and below, the input names as titles. */
export function axes(pt, c, box, xr, yr, X, Y, xName, yName, w, h, grid) {
  const xt = linearTicks(xr[0], xr[1], Math.max(3, Math.round(box.w / 80)));
  const yt = linearTicks(yr[0], yr[1], Math.max(3, Math.round(box.h / 60)));
  const label = (ticks) => {
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1, d = Math.max(0, Math.min(4, -Math.floor(Math.log10(step) + 1e-9)));
    return (t) => (t === 0 ? "0" : (t < 0 ? "\u2212" : "") + Math.abs(t).toFixed(d));
  };
  const lx = label(xt), ly = label(yt);
  for (const t of xt) {
    const x = Math.round(X(t)) + 0.5;
    if (grid) pt.line([[x, box.y], [x, box.y + box.h]], { color: c.grid, width: 1 });
    pt.line([[x, box.y + box.h], [x, box.y + box.h + 4]], { color: c.axis, width: 1 });
    pt.text(lx(t), x, box.y + box.h + 7, { color: c.axis, align: "center", baseline: "top" });
  }
  for (const t of yt) {
    const y = Math.round(Y(t)) + 0.5;
    if (grid) pt.line([[box.x, y], [box.x + box.w, y]], { color: c.grid, width: 1 });
    pt.line([[box.x - 4, y], [box.x, y]], { color: c.axis, width: 1 });
    pt.text(ly(t), box.x - 7, y, { color: c.axis, align: "right", baseline: "middle" });
  }
  pt.text(xName, box.x + box.w / 2, h - 8, { color: c.ink, align: "center", font: "600 12px system-ui" });
  pt.text(yName, 14, box.y + box.h / 2, { color: c.ink, align: "center", baseline: "middle", rotate: -90, font: "600 12px system-ui" });
}

