/* Glassbox Studio, model page: the histogram of one weight matrix (#weight-hist, a canvas figure with data-bins):
 * how many of its numbers fall in each range, on a linear or log count axis, with its mean and zero marked; a
 * tooltip per bin, and downloads (PNG, SVG, CSV, JSON). */
import { Figure, chartTheme, linearTicks, measureText } from "../../lib/charts.js";
import { compact, int, isNum, num } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { partColor, partOf, pct, pctText } from "./model-card-common.js";

/** @typedef {import("./model-card-common.js").CardContext} CardContext */
/** @typedef {import("./model-card-common.js").CardWeight} CardWeight */

/** The count axis's ticks and their labels. @param {number} maxC @param {boolean} log */
function countTicks(maxC, log) {
  let yt;
  if (log) { yt = [0]; for (let v = 1; v <= maxC; v *= 10) yt.push(v); } else yt = linearTicks(0, maxC, 4).filter((t) => Number.isInteger(t));
  return { yt, yl: yt.map((t) => compact(t)) };
}

/** The value axis: ticks and labels under the plot. @param {any} p @param {any} c the theme @param {any} L the layout */
function valueAxis(p, c, L) {
  const { plot, X, lo, hi } = L;
  const xt = linearTicks(lo, hi, Math.max(2, Math.round(plot.w / 90)));
  const step = xt.length > 1 ? xt[1] - xt[0] : 1;
  for (const t of xt) {
    const x = Math.round(X(t)) + 0.5;
    if (x < plot.x - 1 || x > plot.x + plot.w + 1) continue;
    p.line([[x, plot.y + plot.h], [x, plot.y + plot.h + 4]], { color: c.axis, width: 1 });
    const label = t === 0 ? "0" : Math.abs(t) < 1e-3 || Math.abs(t) >= 1e5 ? num(t, 2) : t.toFixed(Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))));
    p.text(label, x, plot.y + plot.h + 7, { color: c.axis, align: "center", baseline: "top" });
  }
  p.line([[plot.x, plot.y + plot.h + 0.5], [plot.x + plot.w, plot.y + plot.h + 0.5]], { color: c.axis, width: 1, alpha: 0.6 });
}

/**
 * The figure of weight w, sized to wrap's width; the count axis follows c.S.logCounts.
 * @param {CardContext} c @param {CardWeight} w @param {HTMLElement} wrap
 */
export function histogramFigure(c, w, wrap) {
  const h = w.histogram || { lo: w.min, hi: w.max, counts: [] };
  const counts = h.counts || [];
  const n = counts.length;
  const totalCount = counts.reduce((a, k) => a + k, 0);
  const fill = partColor(partOf(w.kind));
  let L = null;
  const fig = new Figure({
    title: "Histogram of " + w.label, name: "histogram", id: "weight-hist", className: "wd-canvas",
    fileName: "histogram-" + w.name,
    size: () => [Math.max(260, Math.floor(wrap.clientWidth || 420)), 210],
    paint(p, W, H) {
      const th = chartTheme();
      p.rect(0, 0, W, H, th.bg);
      const lo = h.lo, hi = h.hi > h.lo ? h.hi : h.lo + 1e-6;
      const maxC = Math.max(1, ...counts);
      const yv = (k) => (c.S.logCounts ? Math.log10(1 + k) : k);
      const { yt, yl } = countTicks(maxC, c.S.logCounts);
      const left = Math.ceil(Math.max(24, ...yl.map((s) => measureText(s)))) + 10;
      const plot = { x: left, y: 14, w: W - left - 12, h: H - 14 - 26 };
      const X = (v) => plot.x + ((v - lo) / (hi - lo)) * plot.w;
      const Y = (k) => plot.y + plot.h - (yv(k) / yv(maxC)) * plot.h;
      L = { plot, X, lo, hi, bw: (hi - lo) / Math.max(1, n) };
      yt.forEach((t, k) => {
        const y = Math.round(Y(t)) + 0.5;
        p.line([[plot.x, y], [plot.x + plot.w, y]], { color: th.grid, width: 1 });
        p.text(yl[k], plot.x - 6, y, { color: th.axis, align: "right", baseline: "middle" });
      });
      for (let i = 0; i < n; i++) {
        if (!counts[i]) continue;
        const x0 = X(lo + i * L.bw), x1 = X(lo + (i + 1) * L.bw);
        const y = Y(counts[i]);
        p.rect(x0 + 0.5, y, Math.max(1, x1 - x0 - 1), plot.y + plot.h - y, fill, fig.hover === i ? 1 : 0.78);
      }
      if (n && !(h.hi > h.lo)) p.text("every value is " + num(h.lo, 4), plot.x + plot.w / 2, plot.y + 10, { color: th.muted, align: "center", baseline: "top" });
      valueAxis(p, th, L);
      if (lo < 0 && h.hi > 0) { const x = Math.round(X(0)) + 0.5; p.line([[x, plot.y - 4], [x, plot.y + plot.h]], { color: th.axis, width: 1, dash: [3, 3], alpha: 0.8 }); }
      if (isNum(w.mean) && w.mean >= lo && w.mean <= hi) {
        const x = Math.round(X(w.mean)) + 0.5;
        p.line([[x, plot.y - 4], [x, plot.y + plot.h]], { color: th.ink, width: 1.5 });
      }
      if (!n) p.text("no histogram", plot.x + plot.w / 2, plot.y + plot.h / 2, { color: th.muted, align: "center", baseline: "middle" });
    },
    hover(x, y) {
      if (!L || x < L.plot.x || x > L.plot.x + L.plot.w || y < L.plot.y - 6 || y > L.plot.y + L.plot.h + 4) return null;
      const i = Math.floor(((x - L.plot.x) / L.plot.w) * n);
      return i >= 0 && i < n ? i : null;
    },
    tip(x, y) {
      const i = this.hover(x, y);
      if (i === null) return null;
      const a = L.lo + i * L.bw, b = a + L.bw;
      return tooltip.content(num(a, 3) + " … " + num(b, 3), [["weights", int(counts[i])], ["share", pctText(pct(counts[i], totalCount))]]);
    },
    csv: () => /** @type {any[][]} */ ([["from", "to", "count"]]).concat(counts.map((k, i) => [h.lo + (i * (h.hi - h.lo)) / n, h.lo + ((i + 1) * (h.hi - h.lo)) / n, k])),
    json: () => w,
  });
  fig.root.dataset.bins = String(n);
  return fig;
}
