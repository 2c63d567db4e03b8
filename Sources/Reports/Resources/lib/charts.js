/* Glassbox Studio: charts drawn by our own code. A line chart (canvas, with the same drawing replayed as SVG for
 * downloads), a heatmap and a histogram band chart. Plain ES2020; needs core.js. */
import { cssVar } from "./colors.js";
import { append, clear, el } from "./dom.js";
import { downloadBlob, downloadCSV, downloadJSON, downloadText } from "./download.js";
import { checksum, clockTime, compact, dateTime, int, isNum, num, slug } from "./format.js";
import { linearTicks, logLabel, logTicks, niceStep, relLabel, tickLabels, timeTicks, uniqueTicks, valueRange } from "./axis.js";
import { tooltip } from "./tooltip.js";
import { icon } from "./ui.js";

const FONT = "11px system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif";
const MONO_FAMILY = "ui-monospace, 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace";
const all = new Set(); // every live chart, redrawn on theme changes

// ---------------------------------------------------------------- painters: one drawing, two back ends

let measureCtx = null;
function measure(text, font) {
  if (!measureCtx) measureCtx = document.createElement("canvas").getContext("2d");
  measureCtx.font = font || FONT;
  return measureCtx.measureText(text).width;
}

class CanvasPainter {
  /** scale: device pixels per CSS pixel (the screen's by default; downloads draw at 2). */
  constructor(canvas, w, h, scale) {
    /** A text's width in CSS pixels. @type {(text: string, font?: string) => number} */
    this.measure = (text, f) => measure(text, f);
    const dpr = scale || Math.max(1, window.devicePixelRatio || 1);
    const bw = Math.round(w * dpr), bh = Math.round(h * dpr);
    if (canvas.width !== bw) canvas.width = bw;
    if (canvas.height !== bh) canvas.height = bh;
    canvas.style.width = w + "px";
    canvas.style.height = h + "px";
    this.ctx = canvas.getContext("2d");
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.ctx.clearRect(0, 0, w, h);
    this.ctx.lineJoin = "round";
    this.ctx.lineCap = "round";
  }
  rect(x, y, w, h, fill, alpha) {
    const c = this.ctx;
    c.globalAlpha = alpha === undefined ? 1 : alpha;
    c.fillStyle = fill;
    c.fillRect(x, y, w, h);
    c.globalAlpha = 1;
  }
  line(pts, o) {
    const c = this.ctx;
    c.globalAlpha = o.alpha === undefined ? 1 : o.alpha;
    c.strokeStyle = o.color;
    c.lineWidth = o.width || 1;
    c.setLineDash(o.dash || []);
    c.beginPath();
    let pen = false;
    for (const p of pts) {
      if (!p) { pen = false; continue; }
      if (pen) c.lineTo(p[0], p[1]); else { c.moveTo(p[0], p[1]); pen = true; }
    }
    c.stroke();
    c.setLineDash([]);
    c.globalAlpha = 1;
  }
  area(upper, lower, o) {
    const c = this.ctx;
    c.globalAlpha = o.alpha === undefined ? 1 : o.alpha;
    c.fillStyle = o.color;
    for (const [u, l] of segments(upper, lower)) {
      c.beginPath();
      c.moveTo(u[0][0], u[0][1]);
      for (let i = 1; i < u.length; i++) c.lineTo(u[i][0], u[i][1]);
      for (let i = l.length - 1; i >= 0; i--) c.lineTo(l[i][0], l[i][1]);
      c.closePath();
      c.fill();
    }
    c.globalAlpha = 1;
  }
  circle(x, y, r, o) {
    const c = this.ctx;
    c.beginPath();
    c.arc(x, y, r, 0, Math.PI * 2);
    if (o.fill) { c.fillStyle = o.fill; c.fill(); }
    if (o.stroke) { c.strokeStyle = o.stroke; c.lineWidth = o.width || 1; c.stroke(); }
  }
  poly(pts, o) {
    const c = this.ctx;
    c.beginPath();
    c.moveTo(pts[0][0], pts[0][1]);
    for (let i = 1; i < pts.length; i++) c.lineTo(pts[i][0], pts[i][1]);
    c.closePath();
    if (o.fill) { c.fillStyle = o.fill; c.fill(); }
    if (o.stroke) { c.strokeStyle = o.stroke; c.lineWidth = o.width || 1; c.stroke(); }
  }
  text(s, x, y, o) {
    const c = this.ctx;
    c.font = o.font || FONT;
    c.fillStyle = o.color;
    c.textAlign = o.align || "left";
    c.textBaseline = o.baseline || "alphabetic";
    if (o.rotate) { // degrees, about (x, y)
      c.save(); c.translate(x, y); c.rotate((o.rotate * Math.PI) / 180); c.fillText(s, 0, 0); c.restore();
    } else c.fillText(s, x, y);
  }
  /** A bitmap (a canvas) stretched over the box; smooth: interpolate (for shrinking), else crisp pixels. */
  image(src, x, y, w, h, smooth) {
    const c = this.ctx;
    c.imageSmoothingEnabled = !!smooth;
    c.drawImage(src, x, y, w, h);
    c.imageSmoothingEnabled = true;
  }
  clip(x, y, w, h) { this.ctx.save(); this.ctx.beginPath(); this.ctx.rect(x, y, w, h); this.ctx.clip(); }
  unclip() { this.ctx.restore(); }
}

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r2 = (v) => Math.round(v * 100) / 100;

class SVGPainter {
  constructor(w, h) {
    this.w = w; this.h = h; this.parts = []; this.clips = 0; this.open = 0;
    /** A text's width in CSS pixels. @type {(text: string, font?: string) => number} */
    this.measure = (text, font) => measure(text, font);
  }
  rect(x, y, w, h, fill, alpha) {
    this.parts.push(`<rect x="${r2(x)}" y="${r2(y)}" width="${r2(w)}" height="${r2(h)}" fill="${esc(fill)}"${alpha !== undefined ? ` fill-opacity="${alpha}"` : ""}/>`);
  }
  line(pts, o) {
    let d = "", pen = false;
    for (const p of pts) {
      if (!p) { pen = false; continue; }
      d += (pen ? "L" : "M") + r2(p[0]) + " " + r2(p[1]);
      pen = true;
    }
    if (!d) return;
    this.parts.push(`<path d="${d}" fill="none" stroke="${esc(o.color)}" stroke-width="${o.width || 1}" stroke-linejoin="round" stroke-linecap="round"` +
      (o.alpha !== undefined ? ` stroke-opacity="${o.alpha}"` : "") + (o.dash && o.dash.length ? ` stroke-dasharray="${o.dash.join(" ")}"` : "") + "/>");
  }
  area(upper, lower, o) {
    for (const [u, l] of segments(upper, lower)) {
      const pts = u.concat(l.slice().reverse()).map((p) => r2(p[0]) + "," + r2(p[1])).join(" ");
      this.parts.push(`<polygon points="${pts}" fill="${esc(o.color)}"${o.alpha !== undefined ? ` fill-opacity="${o.alpha}"` : ""}/>`);
    }
  }
  circle(x, y, r, o) {
    this.parts.push(`<circle cx="${r2(x)}" cy="${r2(y)}" r="${r}" fill="${o.fill ? esc(o.fill) : "none"}"` +
      (o.stroke ? ` stroke="${esc(o.stroke)}" stroke-width="${o.width || 1}"` : "") + "/>");
  }
  poly(pts, o) {
    this.parts.push(`<polygon points="${pts.map((p) => r2(p[0]) + "," + r2(p[1])).join(" ")}" fill="${o.fill ? esc(o.fill) : "none"}"` +
      (o.stroke ? ` stroke="${esc(o.stroke)}" stroke-width="${o.width || 1}"` : "") + "/>");
  }
  text(s, x, y, o) {
    const anchor = { left: "start", center: "middle", right: "end" }[o.align || "left"];
    const base = { top: "hanging", middle: "central", bottom: "text-after-edge", alphabetic: "alphabetic" }[o.baseline || "alphabetic"];
    const bold = o.font && /bold|600|700/.test(o.font) ? ` font-weight="600"` : "";
    const size = o.font ? (/(\d+(?:\.\d+)?)px/.exec(o.font) || [0, 11])[1] : 11;
    const mono = o.font && /monospace/.test(o.font) ? ` font-family="${esc(MONO_FAMILY)}"` : "";
    const turn = o.rotate ? ` transform="rotate(${o.rotate} ${r2(x)} ${r2(y)})"` : "";
    this.parts.push(`<text x="${r2(x)}" y="${r2(y)}" fill="${esc(o.color)}" font-size="${size}"${bold}${mono} text-anchor="${anchor}" dominant-baseline="${base}"${turn} xml:space="preserve">${esc(s)}</text>`);
  }
  image(src, x, y, w, h, smooth) {
    this.parts.push(`<image x="${r2(x)}" y="${r2(y)}" width="${r2(w)}" height="${r2(h)}" preserveAspectRatio="none"` +
      (smooth ? "" : ` image-rendering="pixelated" style="image-rendering:pixelated"`) + ` href="${src.toDataURL("image/png")}"/>`);
  }
  clip(x, y, w, h) {
    const id = "clip" + (++this.clips);
    this.parts.push(`<clipPath id="${id}"><rect x="${r2(x)}" y="${r2(y)}" width="${r2(w)}" height="${r2(h)}"/></clipPath><g clip-path="url(#${id})">`);
    this.open++;
  }
  unclip() { if (this.open > 0) { this.parts.push("</g>"); this.open--; } }
  toString() {
    while (this.open > 0) this.unclip();
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.w}" height="${this.h}" viewBox="0 0 ${this.w} ${this.h}" ` +
      `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">\n${this.parts.join("\n")}\n</svg>\n`;
  }
}

/** Pairs of (upper, lower) runs where both are defined (a null in either breaks the band). */
function segments(upper, lower) {
  const out = [];
  let u = [], l = [];
  for (let i = 0; i < upper.length; i++) {
    if (upper[i] && lower[i]) { u.push(upper[i]); l.push(lower[i]); } else if (u.length) { out.push([u, l]); u = []; l = []; }
  }
  if (u.length) out.push([u, l]);
  return out;
}

// ---------------------------------------------------------------- theme colours

function theme() {
  const v = cssVar;
  return {
    bg: v("--chart-bg") || "#fff", grid: v("--chart-grid") || "#eee", axis: v("--chart-axis") || "#666",
    ink: v("--ink") || "#111", muted: v("--muted") || "#666", danger: v("--danger") || "#d33",
    accent: v("--accent") || "#36c", marker: v("--chart-marker") || "#888", empty: v("--cell-empty") || "#ddd",
    faint: v("--faint") || "#aaa", line: v("--line") || "#ddd",
  };
}

// ---------------------------------------------------------------- the line chart

/**
 * new LineChart({title, name, height, yFormat, yScale, ySuffix, yFromZero, onZoom, onClick, legend})
 * .setSeries([{key, label, color, buckets, dots, dashed, start}])  buckets as the API's scalars response
 * .setMarkers([{step, kind: "checkpoint"|"warning"|"selected", text, series, href, label}])  a marker with an href
 *   is also a link laid over the chart (focusable, Enter follows it; label: its accessible name, text its tooltip,
 *   keyText the tooltip's head when it has the keyboard's focus)
 * .setOptions({xMode: "step"|"relative"|"wall", logY, smoothing, zoom: {from, to}|null})
 */
class LineChart {
  constructor(opts) {
    this.opts = Object.assign({ height: 240, title: "", name: "chart" }, opts || {});
    this.series = [];
    this.markers = [];
    this.xMode = "step";
    this.logY = false;
    this.smoothing = 0;
    this.zoom = null;
    this.hover = null;
    this.drag = null;
    this.pending = false;
    this.status = "";

    const o = this.opts;
    this.canvas = el("canvas", { class: "chart-canvas", tabindex: "0", role: "img", "aria-label": o.title + " chart" });
    this.sel = el("div", { class: "chart-selection" });
    this.linkLayer = el("div", { class: "chart-marker-links" }); // markers with an href, as links over the canvas
    this.box = el("div", { class: "chart-box" }, [this.canvas, this.sel, this.linkLayer]);
    this.legendNode = el("div", { class: "chart-legend" });
    this.statusNode = el("span", { class: "chart-status" });
    this.root = el("section", { class: "chart card", dataset: { chart: o.name, points: "0", drawn: "0" } }, [
      el("header", { class: "chart-head" }, [
        el("h3", { class: "chart-title", text: o.title }),
        o.subtitle ? el("span", { class: "chart-sub", text: o.subtitle }) : null,
        this.statusNode,
        el("span", { class: "spacer" }),
        downloadMenu(this),
      ]),
      this.legendNode,
      this.box,
    ]);
    this.box.style.height = o.height + "px";

    this.canvas.addEventListener("pointermove", (e) => this.onMove(e));
    this.canvas.addEventListener("pointerleave", () => { if (!this.drag) { this.hover = null; tooltip.hide(); this.requestDraw(); } });
    this.canvas.addEventListener("pointerdown", (e) => this.onDown(e));
    this.canvas.addEventListener("pointerup", (e) => this.onUp(e));
    this.canvas.addEventListener("pointercancel", () => this.endDrag());
    this.canvas.addEventListener("dblclick", (e) => { e.preventDefault(); this.resetZoom(); });
    this.canvas.addEventListener("keydown", (e) => {
      if (e.key === "Escape" || e.key === "0") { this.resetZoom(); }
    });
    this.resizeObserver = new ResizeObserver(() => this.requestDraw());
    this.resizeObserver.observe(this.box);
    all.add(this);
  }

  destroy() { this.resizeObserver.disconnect(); all.delete(this); }

  /** The plot's width in CSS pixels (for asking the server for about one bucket per pixel). */
  pixelWidth() { return Math.max(100, Math.round((this.box.clientWidth || 800) - 70)); }

  setSeries(series) { this.series = series || []; this.renderLegend(); this.requestDraw(); }
  setMarkers(markers) { this.markers = markers || []; this.requestDraw(); }
  setOptions(o) {
    if ("xMode" in o) this.xMode = o.xMode;
    if ("logY" in o) this.logY = !!o.logY;
    if ("smoothing" in o) this.smoothing = o.smoothing;
    if ("zoom" in o) this.zoom = o.zoom;
    this.requestDraw();
  }
  setStatus(text) { this.status = text || ""; this.statusNode.textContent = this.status; }

  renderLegend() {
    const items = this.opts.legend === false ? [] : (this.opts.legendItems || this.series.map((s) => ({ label: s.label, color: s.color, dashed: s.dashed, dots: s.dots })));
    const sig = JSON.stringify(items);
    if (sig === this.legendSig) return;
    this.legendSig = sig;
    clear(this.legendNode);
    if (items.length < 2 && !this.opts.legendItems) return;
    for (const it of items) {
      const sw = el("span", { class: ["swatch", it.dashed ? "dashed" : "", it.dots ? "dots" : ""] });
      sw.style.setProperty("--c", it.color);
      this.legendNode.appendChild(el("span", { class: "legend-item" }, [sw, it.label]));
    }
  }

  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }

  // --- geometry

  value(b) { return this.smoothing > 0 && isNum(b.smoothed) ? b.smoothed : b.mean; }

  xOf(s, b) {
    if (this.xMode === "relative") return b.wall_time - (isNum(s.start) ? s.start : 0);
    if (this.xMode === "wall") return b.wall_time;
    return b.last_step;
  }

  visible(s) {
    const z = this.zoom;
    const bs = s.buckets || [];
    if (!z) return bs;
    return bs.filter((b) => b.last_step >= z.from && b.first_step <= z.to);
  }

  layout(w, h, painter) {
    const ys = (v) => (this.logY ? (v > 0 ? Math.log10(v) : null) : (isNum(v) ? v : null));
    const vis = this.series.map((s) => ({ s, bs: this.visible(s) }));
    let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity, n = 0;
    for (const { s, bs } of vis) {
      for (const b of bs) {
        const x = this.xOf(s, b);
        if (!isNum(x)) continue;
        n++;
        if (x < xlo) xlo = x;
        if (x > xhi) xhi = x;
        for (const v of [b.min, b.max, this.value(b)]) {
          const y = ys(v);
          if (y === null) continue;
          if (y < ylo) ylo = y;
          if (y > yhi) yhi = y;
        }
      }
    }
    if (this.zoom && this.xMode === "step") { xlo = this.zoom.from; xhi = this.zoom.to; }
    if (!(xhi > xlo)) { const c = isNum(xlo) ? xlo : 0; xlo = c - 1; xhi = c + 1; }
    if (!isNum(ylo)) { ylo = this.logY ? -1 : 0; yhi = this.logY ? 1 : 1; }
    // yFromZero: a rate or a size compared across series reads honestly from zero (a gap of 5% looks like 5%)
    if (this.opts.yFromZero && !this.logY && ylo > 0) ylo = 0;
    let constant = null;
    if (this.logY) {
      if (!(yhi > ylo)) { ylo -= 0.5; yhi += 0.5; }
      const ypad = (yhi - ylo) * 0.06;
      ylo -= ypad; yhi += ypad;
    } else {
      // a constant series (a fixed learning rate) is a flat line in the middle with one tick at its value
      const r = valueRange(ylo, yhi);
      ylo = r.lo; yhi = r.hi; constant = r.constant;
      if (ylo < 0 && constant === null && this.series.every((s) => (s.buckets || []).every((b) => !(b.min < 0)))) ylo = Math.max(ylo, 0);
    }

    const ycount = Math.max(4, Math.round(h / 48));
    let yt, ylabels;
    // yScale / ySuffix: the axis in other units than the values (a fraction as a percentage: 100, "%")
    const k = this.opts.yScale || 1, suffix = this.opts.ySuffix || "";
    if (constant !== null) {
      yt = [constant];
      ylabels = [num(constant * k) + suffix];
    } else if (!this.logY) {
      yt = linearTicks(ylo, yhi, ycount);
      ylabels = tickLabels(yt.map((v) => v * k), (yt.length > 1 ? yt[1] - yt[0] : 1) * k).map((l) => l + suffix);
    } else {
      yt = logTicks(ylo, yhi);
      ylabels = yt.map(logLabel);
      if (yt.length < 3) {
        // less than a decade: evenly spaced values, placed on the log scale
        const vals = linearTicks(Math.pow(10, ylo), Math.pow(10, yhi), ycount).filter((v) => v > 0);
        ylabels = tickLabels(vals, vals.length > 1 ? vals[1] - vals[0] : 1);
        yt = vals.map((v) => Math.log10(v));
      }
    }
    ({ ticks: yt, labels: ylabels } = uniqueTicks(yt, ylabels));
    const left = Math.ceil(Math.max(28, ...ylabels.map((l) => painter.measure(l)))) + 12;
    const plot = { x: left, y: 10, w: Math.max(10, w - left - 14), h: Math.max(10, h - 10 - 24) };
    const X = (x) => plot.x + ((x - xlo) / (xhi - xlo)) * plot.w;
    const Y = (y) => plot.y + plot.h - ((y - ylo) / (yhi - ylo)) * plot.h;
    const Xinv = (px) => xlo + ((px - plot.x) / plot.w) * (xhi - xlo);

    let xt, xlabels;
    const xcount = Math.max(2, Math.round(plot.w / 110));
    if (this.xMode === "wall") {
      const t = timeTicks(xlo, xhi, xcount);
      xt = t.ticks;
      xlabels = xt.map((v) => (t.step >= 86400 ? dateTime(v).slice(5, 10) : clockTime(v, t.step < 60)));
    } else if (this.xMode === "relative") {
      xt = timeTicks(xlo, xhi, xcount).ticks;
      xlabels = xt.map(relLabel);
    } else {
      xt = linearTicks(xlo, xhi, xcount).filter((t) => Number.isInteger(Math.round(t * 1e6) / 1e6));
      xlabels = xt.map((t) => (Math.abs(t) >= 1e5 ? compact(t) : String(Math.round(t))));
    }
    ({ ticks: xt, labels: xlabels } = uniqueTicks(xt, xlabels));
    return { vis, plot, X, Y, Xinv, ys, xlo, xhi, ylo, yhi, yt, ylabels, xt, xlabels, n };
  }

  // --- drawing (shared by the canvas and the SVG export)

  paint(p, w, h, forExport) {
    p.measure = (s) => measure(s);
    const c = theme();
    const L = this.layout(w, h, p);
    this.L = L;
    const { plot, X, Y, ys } = L;
    p.rect(0, 0, w, h, c.bg);

    // grid and axes
    L.yt.forEach((t, i) => {
      const y = Math.round(Y(t)) + 0.5;
      p.line([[plot.x, y], [plot.x + plot.w, y]], { color: c.grid, width: 1 });
      p.text(L.ylabels[i], plot.x - 8, y, { color: c.axis, align: "right", baseline: "middle" });
    });
    L.xt.forEach((t, i) => {
      const x = Math.round(X(t)) + 0.5;
      if (x < plot.x - 1 || x > plot.x + plot.w + 1) return;
      p.line([[x, plot.y + plot.h], [x, plot.y + plot.h + 4]], { color: c.axis, width: 1 });
      p.text(L.xlabels[i], x, plot.y + plot.h + 7, { color: c.axis, align: "center", baseline: "top" });
    });
    p.line([[plot.x, plot.y + plot.h + 0.5], [plot.x + plot.w, plot.y + plot.h + 0.5]], { color: c.axis, width: 1, alpha: 0.6 });

    if (L.n === 0) {
      p.text(this.opts.emptyText || "No points yet", plot.x + plot.w / 2, plot.y + plot.h / 2, { color: c.muted, align: "center", baseline: "middle", font: "13px system-ui, sans-serif" });
    }

    p.clip(plot.x - 4, plot.y - 4, plot.w + 8, plot.h + 8);
    const drawn = [];
    const lines = [];
    for (const { s, bs } of L.vis) {
      if (!bs.length) continue;
      const pts = [], up = [], lo = [], raw = [];
      for (const b of bs) {
        const x = X(this.xOf(s, b));
        const v = ys(this.value(b)), mn = ys(b.min), mx = ys(b.max), r = ys(b.mean);
        pts.push(v === null ? null : [x, Y(v)]);
        up.push(mx === null ? null : [x, Y(mx)]);
        lo.push(mn === null ? null : [x, Y(mn)]);
        raw.push(r === null ? null : [x, Y(r)]);
        drawn.push(this.value(b));
      }
      lines.push({ s, pts, up, lo, raw });
    }
    // bands first (behind every line), then faint raw lines, then the lines
    for (const ln of lines) if (ln.s.band !== false && ln.up.some((q, i) => q && ln.lo[i] && Math.abs(q[1] - ln.lo[i][1]) > 0.5)) p.area(ln.up, ln.lo, { color: ln.s.color, alpha: ln.s.bandAlpha || 0.16 });
    if (this.smoothing > 0) for (const ln of lines) if (!ln.s.noRaw) p.line(ln.raw, { color: ln.s.color, width: 1, alpha: 0.3, dash: ln.s.dashed ? [4, 3] : [] });
    for (const ln of lines) {
      p.line(ln.pts, { color: ln.s.color, width: ln.s.width || 1.8, dash: ln.s.dashed ? [6, 4] : [] });
      if (ln.s.dots && ln.pts.length <= plot.w / 6) for (const q of ln.pts) if (q) p.circle(q[0], q[1], 2.6, { fill: ln.s.color, stroke: c.bg, width: 1 });
      if (ln.pts.filter(Boolean).length === 1 && !ln.s.dots) { const q = ln.pts.find(Boolean); p.circle(q[0], q[1], 2.5, { fill: ln.s.color }); }
    }
    p.unclip();

    // markers
    this.markerHits = [];
    for (const m of this.markers) {
      const xv = this.markerX(m);
      if (xv === null) continue;
      const x = X(xv);
      if (x < plot.x - 1 || x > plot.x + plot.w + 1) continue;
      if (m.kind === "checkpoint") {
        const y = plot.y + plot.h;
        // a marker that links somewhere is larger and in the accent colour: it can be clicked
        if (m.href) p.poly([[x, y - 10], [x - 5.5, y], [x + 5.5, y]], { fill: c.accent, stroke: c.bg, width: 1 });
        else p.poly([[x, y - 7], [x - 4, y], [x + 4, y]], { fill: c.marker });
        this.markerHits.push({ x, y: y - 4, m });
      } else if (m.kind === "warning") {
        p.line([[x, plot.y], [x, plot.y + plot.h]], { color: c.danger, width: 1, alpha: 0.55, dash: [3, 3] });
        const yv = this.markerY(m, L);
        const y = yv === null ? plot.y + 6 : Y(yv);
        p.poly([[x, y - 6], [x + 6, y], [x, y + 6], [x - 6, y]], { fill: c.danger, stroke: c.bg, width: 1.5 });
        this.markerHits.push({ x, y, m });
      } else if (m.kind === "selected") {
        p.line([[x, plot.y], [x, plot.y + plot.h]], { color: c.accent, width: 1.5, alpha: 0.8 });
      }
    }

    if (!forExport && this.hover && L.n) this.paintHover(p, L, c);
    return drawn;
  }

  markerX(m) {
    if (this.xMode === "step") return m.step;
    // time axes: the time of the first recorded bucket at or after the marker's step
    const s = this.series.find((q) => (m.series ? q.key === m.series : true) && q.buckets && q.buckets.length) || this.series.find((q) => q.buckets && q.buckets.length);
    if (!s) return null;
    const b = s.buckets.find((q) => q.last_step >= m.step) || s.buckets[s.buckets.length - 1];
    return this.xOf(s, b);
  }

  markerY(m, L) {
    const s = this.series.find((q) => q.key === m.series);
    if (!s || !s.buckets || !s.buckets.length) return null;
    let best = null, bd = Infinity;
    for (const b of s.buckets) { const d = Math.abs(b.last_step - m.step); if (d < bd) { bd = d; best = b; } }
    return best ? L.ys(this.value(best)) : null;
  }

  nearest(L, px) {
    // nearest bucket of each series to the pointer's x
    const xv = L.Xinv(px);
    const out = [];
    for (const { s, bs } of L.vis) {
      if (!bs.length) continue;
      let lo = 0, hi = bs.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (this.xOf(s, bs[mid]) < xv) lo = mid + 1; else hi = mid; }
      let i = lo;
      if (i > 0 && Math.abs(this.xOf(s, bs[i - 1]) - xv) < Math.abs(this.xOf(s, bs[i]) - xv)) i--;
      out.push({ s, b: bs[i], x: L.X(this.xOf(s, bs[i])) });
    }
    return out;
  }

  paintHover(p, L, c) {
    const near = this.nearest(L, this.hover.x);
    if (!near.length) return;
    let best = near[0];
    for (const n of near) if (Math.abs(n.x - this.hover.x) < Math.abs(best.x - this.hover.x)) best = n;
    const x = Math.round(best.x) + 0.5;
    p.line([[x, L.plot.y], [x, L.plot.y + L.plot.h]], { color: c.axis, width: 1, alpha: 0.7 });
    for (const n of near) {
      if (Math.abs(n.x - best.x) > 24) continue;
      const y = L.ys(this.value(n.b));
      if (y === null) continue;
      p.circle(n.x, L.Y(y), 3.5, { fill: n.s.color, stroke: c.bg, width: 1.5 });
    }
  }

  draw() {
    const w = Math.max(50, this.box.clientWidth), h = Math.max(50, this.box.clientHeight);
    if (!this.box.isConnected || w < 60) return;
    const p = new CanvasPainter(this.canvas, w, h);
    const drawn = this.paint(p, w, h, false);
    this.root.dataset.points = String(this.L.n);
    this.root.dataset.yTicks = this.L.ylabels.join("|");   // what the axis reads (tests: never one label twice)
    this.root.dataset.series = String(this.series.filter((s) => s.buckets && s.buckets.length).length);
    this.root.dataset.checksum = checksum(drawn);
    this.root.dataset.drawn = "1";
    this.root.dataset.xmode = this.xMode;
    this.root.dataset.logy = this.logY ? "1" : "0";
    this.placeMarkerLinks();
  }

  /** Keeps one link over each drawn marker that has an href (reused while its href stays: a redraw on hover must
   * not take the link from under the pointer). */
  placeMarkerLinks() {
    const hits = (this.markerHits || []).filter((h) => h.m.href);
    const old = new Map(/** @type {HTMLElement[]} */ ([...this.linkLayer.children]).map((a) => [a.dataset.href, a]));
    for (const h of hits) {
      let a = old.get(h.m.href);
      if (a) old.delete(h.m.href);
      else {
        a = el("a", { class: ["chart-marker-link", h.m.kind], href: h.m.href, dataset: { href: h.m.href } });
        const tip = (keys) => tooltip.content(keys ? a.dataset.tipKeys : a.dataset.tipHead, [], [a.dataset.tipNote]);
        a.addEventListener("pointerenter", (e) => tooltip.show(tip(), e.clientX, e.clientY));
        a.addEventListener("pointermove", (e) => tooltip.show(tip(), e.clientX, e.clientY));
        a.addEventListener("pointerleave", () => tooltip.hide());
        a.addEventListener("focus", () => { if (!a.matches(":focus-visible")) return; const r = a.getBoundingClientRect(); tooltip.show(tip(true), r.left + r.width / 2, r.top - 40); });
        a.addEventListener("blur", () => tooltip.hide());
        this.linkLayer.appendChild(a);
      }
      const text = h.m.text || (h.m.kind + " at step " + h.m.step);
      const [head, ...rest] = text.split("\n");
      a.dataset.tipHead = head;
      a.dataset.tipKeys = h.m.keyText || head; // what the tooltip says when the link has the keyboard's focus
      a.dataset.tipNote = rest.join("\n");
      a.dataset.step = String(h.m.step);
      a.setAttribute("aria-label", h.m.label || head);
      a.style.left = Math.round(h.x - 9) + "px";
      a.style.top = Math.round(h.y - 9) + "px";
    }
    for (const a of old.values()) { if (a === document.activeElement) tooltip.hide(); a.remove(); }
    // in the order of the steps, for the Tab key
    const links = /** @type {HTMLElement[]} */ ([...this.linkLayer.children]);
    if (links.some((a, i) => i > 0 && +links[i - 1].dataset.step > +a.dataset.step)) {
      links.sort((p, q) => +p.dataset.step - +q.dataset.step).forEach((a) => this.linkLayer.appendChild(a));
    }
    this.root.dataset.markerLinks = String(hits.length);
  }

  // --- interaction

  localX(e) { const r = this.canvas.getBoundingClientRect(); return { x: e.clientX - r.left, y: e.clientY - r.top }; }

  onMove(e) {
    const q = this.localX(e);
    if (this.drag) {
      this.drag.x1 = Math.max(this.L.plot.x, Math.min(this.L.plot.x + this.L.plot.w, q.x));
      const a = Math.min(this.drag.x0, this.drag.x1), b = Math.max(this.drag.x0, this.drag.x1);
      this.sel.style.left = a + "px";
      this.sel.style.width = (b - a) + "px";
      this.sel.style.top = this.L.plot.y + "px";
      this.sel.style.height = this.L.plot.h + "px";
      this.sel.classList.toggle("on", b - a > 3);
      return;
    }
    this.hover = q;
    this.requestDraw();
    this.showTip(e, q);
  }

  showTip(e, q) {
    const L = this.L;
    if (!L || !L.n || q.x < L.plot.x - 6 || q.x > L.plot.x + L.plot.w + 6) { tooltip.hide(); return; }
    const near = this.nearest(L, q.x);
    if (!near.length) { tooltip.hide(); return; }
    let best = near[0];
    for (const n of near) if (Math.abs(n.x - q.x) < Math.abs(best.x - q.x)) best = n;
    const b0 = best.b;
    const head = this.xMode === "step" ? "step " + int(b0.last_step)
      : this.xMode === "relative" ? relLabel(this.xOf(best.s, b0)) + " · step " + int(b0.last_step)
        : dateTime(b0.wall_time) + " · step " + int(b0.last_step);
    const rows = [];
    const fmt = this.opts.yFormat || ((v) => num(v));
    for (const n of near) {
      if (Math.abs(n.x - best.x) > 24) continue;
      const b = n.b;
      const sw = el("span", { class: "swatch" });
      sw.style.setProperty("--c", n.s.color);
      const detail = [];
      if (this.smoothing > 0 && isNum(b.smoothed)) detail.push("raw " + fmt(b.count > 1 ? b.mean : b.last));
      if (b.count > 1) detail.push("min " + fmt(b.min) + " · max " + fmt(b.max) + " · " + b.count + " pts");
      if (b.last_step !== b0.last_step) detail.push("step " + int(b.last_step));
      rows.push(el("div", { class: "tip-row" }, [sw, el("span", { class: "tip-label", text: n.s.label }),
        el("b", { text: fmt(this.value(b)) }), detail.length ? el("span", { class: "tip-detail", text: detail.join(" · ") }) : null]));
    }
    const marks = (this.markerHits || []).filter((h) => Math.abs(h.x - q.x) <= 6).map((h) =>
      el("div", { class: ["tip-marker", h.m.kind], text: h.m.text || (h.m.kind + " at step " + h.m.step) }));
    tooltip.show([el("div", { class: "tip-head", text: head }), rows, marks], e.clientX, e.clientY);
  }

  onDown(e) {
    if (e.button !== 0 || !this.L) return;
    const q = this.localX(e);
    if (q.x < this.L.plot.x || q.x > this.L.plot.x + this.L.plot.w) return;
    this.drag = { x0: q.x, x1: q.x };
    this.canvas.setPointerCapture(e.pointerId);
    tooltip.hide();
  }

  endDrag() { this.drag = null; this.sel.classList.remove("on"); }

  onUp(e) {
    if (!this.drag) return;
    const d = this.drag;
    this.endDrag();
    const L = this.L;
    if (Math.abs(d.x1 - d.x0) < 6) {
      if (this.opts.onClick && L.n) {
        const near = this.nearest(L, d.x0);
        let best = near[0];
        for (const n of near) if (Math.abs(n.x - d.x0) < Math.abs(best.x - d.x0)) best = n;
        if (best) this.opts.onClick(best.b.last_step, best);
      }
      return;
    }
    const a = L.Xinv(Math.min(d.x0, d.x1)), b = L.Xinv(Math.max(d.x0, d.x1));
    let from, to;
    if (this.xMode === "step") { from = Math.floor(a); to = Math.ceil(b); } else {
      from = Infinity; to = -Infinity;
      for (const { s, bs } of L.vis) for (const k of bs) {
        const x = this.xOf(s, k);
        if (x >= a && x <= b) { from = Math.min(from, k.first_step); to = Math.max(to, k.last_step); }
      }
      if (!isNum(from)) return;
    }
    if (to <= from) to = from + 1;
    this.zoom = { from, to };
    this.requestDraw();
    if (this.opts.onZoom) this.opts.onZoom({ from, to });
  }

  resetZoom() {
    if (!this.zoom) return;
    this.zoom = null;
    this.requestDraw();
    if (this.opts.onZoom) this.opts.onZoom(null);
  }

  // --- downloads

  fileBase() { return slug(this.opts.fileName || this.opts.name); }

  toSVG() {
    const w = Math.max(300, this.box.clientWidth), h = Math.max(120, this.box.clientHeight);
    const p = new SVGPainter(w, h + 24);
    const c = theme();
    p.measure = (s) => measure(s);
    // title line above the plot
    p.rect(0, 0, w, h + 24, c.bg);
    p.text(this.opts.title, 8, 16, { color: c.ink, font: "bold 12px system-ui" });
    let lx = 8 + measure(this.opts.title, "bold 12px system-ui") + 16;
    for (const s of this.series) {
      if (!s.buckets || !s.buckets.length) continue;
      p.line([[lx, 12], [lx + 14, 12]], { color: s.color, width: 2, dash: s.dashed ? [4, 3] : [] });
      p.text(s.label, lx + 18, 16, { color: c.muted });
      lx += 18 + measure(s.label) + 14;
    }
    p.parts.push('<g transform="translate(0,24)">');
    this.paint(p, w, h, true);
    p.unclip();
    p.parts.push("</g>");
    return p.toString();
  }

  dataRows() {
    const rows = [["series", "first_step", "last_step", "min", "max", "mean", "last", "count", "wall_time", "smoothed"]];
    for (const s of this.series) for (const b of s.buckets || []) rows.push([s.label, b.first_step, b.last_step, b.min, b.max, b.mean, b.last, b.count, b.wall_time, b.smoothed]);
    return rows;
  }

  download(kind) {
    const base = this.fileBase();
    if (kind === "png") {
      this.hover = null;
      this.draw();
      this.canvas.toBlob((blob) => { if (blob) downloadBlob(base + ".png", blob); }, "image/png");
    } else if (kind === "svg") {
      downloadText(base + ".svg", this.toSVG(), "image/svg+xml");
    } else if (kind === "csv") {
      downloadCSV(base + ".csv", this.dataRows());
    } else if (kind === "json") {
      downloadJSON(base + ".json", {
        title: this.opts.title, smoothing: this.smoothing, x_axis: this.xMode, zoom: this.zoom,
        series: this.series.map((s) => ({ label: s.label, key: s.key, buckets: s.buckets || [] })),
      });
    }
  }
}

/** A small "Download" menu (PNG, SVG, CSV, JSON) built on <details> (keyboard-reachable, no script needed to open). */
function downloadMenu(chart, kinds) {
  const items = (kinds || ["png", "svg", "csv", "json"]).map((k) =>
    el("button", { type: "button", class: "menu-item", text: k.toUpperCase(), onclick: (e) => { chart.download(k); e.target.closest("details").open = false; } }));
  const d = el("details", { class: "menu download-menu" }, [
    el("summary", { class: "btn small ghost", title: "Download this chart", "aria-label": "Download " + (chart.opts.title || "chart") }, [
      icon("download"), "Save"]),
    el("div", { class: "menu-panel" }, items),
  ]);
  return d;
}

// ---------------------------------------------------------------- figures: one paint function, page and downloads

const figures = new Set(); // drawn figures, redrawn on theme changes

function svgOf(w, h, paint) {
  const p = new SVGPainter(w, h);
  p.measure = (t, font) => measure(t, font);
  paint(p, w, h, true);
  return p.toString();
}

/** Downloads a picture drawn by paint(painter, w, h, true): "svg" (vector, bitmaps embedded) or "png" (2x). */
function savePicture(kind, base, w, h, paint) {
  if (kind === "svg") downloadText(base + ".svg", svgOf(w, h, paint), "image/svg+xml");
  else if (kind === "png") {
    const canvas = document.createElement("canvas");
    const p = new CanvasPainter(canvas, w, h, 2);
    p.measure = (t, font) => measure(t, font);
    paint(p, w, h, true);
    canvas.toBlob((b) => { if (b) downloadBlob(base + ".png", b); }, "image/png");
  }
}

/**
 * A fixed-size picture drawn by one function, shown on a HiDPI canvas (or, with svg: true, as inline SVG: crisp
 * at any zoom, for small charts) and replayed for the SVG and PNG downloads.
 * new Figure({title, name, id, className, size: () => [w, h], paint(p, w, h, exporting, figure),
 *   tip(x, y) -> tooltip content | null, hover(x, y) -> a key (redraws when it changes; figure.hover holds it),
 *   click(x, y, event), csv: () => rows, json: () => value, kinds: ["svg", "png", "csv", "json"]})
 * .root (the element), .draw() (the first call is the caller's: figures are drawn when they come into view),
 * .requestDraw(), .download(kind), .menu() (a download menu), .destroy()
 */
class Figure {
  constructor(opts) {
    this.opts = Object.assign({ title: "", name: "figure" }, opts);
    const o = this.opts;
    this.drawn = false;
    this.hover = null;
    this.root = o.svg
      ? el("svg:svg", { id: o.id, class: ["figure", o.className], role: "img", "aria-label": o.title })
      : el("canvas", { id: o.id, class: ["figure", o.className], role: "img", "aria-label": o.title });
    const [w, h] = o.size();
    this.root.style.width = w + "px"; // reserve the space before the first draw
    this.root.style.height = h + "px";
    const local = (e) => { const r = this.root.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    if (o.tip || o.hover) {
      this.root.addEventListener("pointermove", (e) => {
        const [x, y] = local(e);
        if (o.hover) this.setHover(o.hover(x, y));
        const c = o.tip ? o.tip(x, y) : null;
        if (c) tooltip.show(c, e.clientX, e.clientY); else tooltip.hide();
      });
      this.root.addEventListener("pointerleave", () => { this.setHover(null); tooltip.hide(); });
    }
    if (o.click) this.root.addEventListener("click", (e) => { const [x, y] = local(e); o.click(x, y, e); });
  }
  setHover(key) {
    if (key === this.hover) return;
    this.hover = key;
    this.requestDraw();
  }
  draw() {
    const o = this.opts;
    const [w, h] = o.size();
    if (o.svg) {
      const src = new DOMParser().parseFromString(svgOf(w, h, (p) => o.paint(p, w, h, false, this)), "image/svg+xml").documentElement;
      for (const a of ["width", "height", "viewBox", "font-family"]) this.root.setAttribute(a, src.getAttribute(a));
      this.root.replaceChildren(...[...src.childNodes].map((n) => document.importNode(n, true)));
      this.root.style.width = w + "px";
      this.root.style.height = h + "px";
    } else {
      const p = new CanvasPainter(this.root, w, h);
      p.measure = (t, font) => measure(t, font);
      o.paint(p, w, h, false, this);
    }
    this.drawn = true;
    this.root.dataset.drawn = "1";
    figures.add(this);
  }
  requestDraw() {
    if (!this.drawn || this.pending) return; // not drawn yet: its first draw is still to come
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; if (this.root.isConnected) this.draw(); });
  }
  toSVG() { const [w, h] = this.opts.size(); return svgOf(w, h, (p) => this.opts.paint(p, w, h, true, this)); }
  download(kind) {
    const o = this.opts, base = slug(o.fileName || o.name);
    if (kind === "svg" || kind === "png") { const [w, h] = o.size(); savePicture(kind, base, w, h, (p) => o.paint(p, w, h, true, this)); }
    else if (kind === "csv" && o.csv) downloadCSV(base + ".csv", o.csv());
    else if (kind === "json" && o.json) downloadJSON(base + ".json", o.json());
  }
  menu() {
    const o = this.opts;
    return downloadMenu(this, o.kinds || ["svg", "png"].concat(o.csv ? ["csv"] : [], o.json ? ["json"] : []));
  }
  destroy() { figures.delete(this); }
}

// ---------------------------------------------------------------- colour scale for heatmaps

// A perceptually ordered dark-blue → teal → yellow ramp (our own stops).
/** @type {[number, number[]][]} */
const RAMP = [[0.00, [40, 30, 90]], [0.20, [48, 70, 140]], [0.40, [34, 120, 150]], [0.60, [38, 165, 130]],
  [0.80, [140, 205, 80]], [1.00, [250, 230, 60]]];

function ramp(t) {
  t = Math.max(0, Math.min(1, t));
  for (let i = 1; i < RAMP.length; i++) {
    if (t <= RAMP[i][0]) {
      const [t0, c0] = RAMP[i - 1], [t1, c1] = RAMP[i];
      const f = (t - t0) / (t1 - t0);
      return "rgb(" + Math.round(c0[0] + (c1[0] - c0[0]) * f) + "," + Math.round(c0[1] + (c1[1] - c0[1]) * f) + "," + Math.round(c0[2] + (c1[2] - c0[2]) * f) + ")";
    }
  }
  return "rgb(250,230,60)";
}

/** The ramp as a CSS gradient, for legends. */
function rampCSS() { return "linear-gradient(to right, " + RAMP.map(([t]) => ramp(t) + " " + Math.round(t * 100) + "%").join(", ") + ")"; }

// ---------------------------------------------------------------- heatmap

/**
 * new Heatmap({title, name, log, rowLabel: (name) => text, valueFormat})
 * .setData({rows: [names], cols: [steps], values: [[v|null]]})
 */
class Heatmap {
  constructor(opts) {
    this.opts = Object.assign({ title: "", name: "heatmap", log: true, rowHeight: 11 }, opts || {});
    this.data = { rows: [], cols: [], values: [] };
    this.canvas = el("canvas", { class: "heat-canvas", tabindex: "0", role: "img", "aria-label": this.opts.title });
    this.box = el("div", { class: "heat-box" }, [this.canvas]);
    this.legend = el("div", { class: "heat-legend" });
    this.root = el("section", { class: "heatmap card", dataset: { heatmap: this.opts.name, cells: "0" } }, [
      el("header", { class: "chart-head" }, [
        el("h3", { class: "chart-title", text: this.opts.title }),
        this.opts.subtitle ? el("span", { class: "chart-sub", text: this.opts.subtitle }) : null,
        el("span", { class: "spacer" }),
        downloadMenu(this, ["png", "csv", "json"]),
      ]),
      this.box, this.legend,
    ]);
    this.canvas.addEventListener("pointermove", (e) => this.onMove(e));
    this.canvas.addEventListener("pointerleave", () => tooltip.hide());
    this.resizeObserver = new ResizeObserver(() => this.requestDraw());
    this.resizeObserver.observe(this.box);
    all.add(this);
  }
  destroy() { this.resizeObserver.disconnect(); all.delete(this); }
  setData(d) { this.data = d; this.requestDraw(); }
  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }
  label(name) { return this.opts.rowLabel ? this.opts.rowLabel(name) : name; }

  range() {
    let lo = Infinity, hi = -Infinity;
    for (const row of this.data.values) for (const v of row) {
      if (!isNum(v) || (this.opts.log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!isNum(lo)) return null;
    return this.opts.log ? { lo: Math.log10(lo), hi: Math.log10(hi), rawLo: lo, rawHi: hi } : { lo, hi, rawLo: lo, rawHi: hi };
  }

  colorOf(v, r) {
    if (!isNum(v) || !r || (this.opts.log && v <= 0)) return null;
    const t = this.opts.log ? Math.log10(v) : v;
    return ramp(r.hi > r.lo ? (t - r.lo) / (r.hi - r.lo) : 0.5);
  }

  draw() {
    const d = this.data;
    const w = Math.max(200, this.box.clientWidth);
    const rh = this.opts.rowHeight;
    const labels = d.rows.map((n) => this.label(n));
    const left = Math.min(300, Math.ceil(Math.max(40, ...labels.map((l) => measure(l)))) + 10);
    const h = Math.max(60, d.rows.length * rh + 30);
    const p = new CanvasPainter(this.canvas, w, h);
    const c = theme();
    p.rect(0, 0, w, h, c.bg);
    const plot = { x: left, y: 2, w: w - left - 8, h: d.rows.length * rh };
    this.L = { plot, left, rh };
    const r = this.range();
    this.r = r;
    if (!d.rows.length || !d.cols.length) {
      p.text(this.opts.emptyText || "Nothing recorded yet", w / 2, h / 2, { color: c.muted, align: "center", baseline: "middle", font: "13px system-ui" });
    }
    const cw = d.cols.length ? plot.w / d.cols.length : 0;
    let cells = 0;
    for (let i = 0; i < d.rows.length; i++) {
      const y = plot.y + i * rh;
      p.text(labels[i], left - 8, y + rh / 2 + 0.5, { color: c.axis, align: "right", baseline: "middle", font: "10px system-ui" });
      const row = d.values[i] || [];
      p.rect(plot.x, y, plot.w, rh - 1, c.empty);
      for (let j = 0; j < d.cols.length; j++) {
        const col = this.colorOf(row[j], r);
        if (!col) continue;
        cells++;
        const x0 = Math.floor(plot.x + j * cw), x1 = Math.floor(plot.x + (j + 1) * cw);
        p.rect(x0, y, Math.max(1, x1 - x0), rh - 1, col);
      }
    }
    // a few step labels under the columns
    if (d.cols.length) {
      const n = Math.max(2, Math.min(d.cols.length, Math.round(plot.w / 110)));
      const seen = new Set();
      for (let k = 0; k < n; k++) {
        const j = Math.round((k * (d.cols.length - 1)) / Math.max(1, n - 1));
        if (seen.has(j)) continue;
        seen.add(j);
        const x = plot.x + (j + 0.5) * cw;
        p.text("step " + int(d.cols[j]), x, plot.y + plot.h + 6, { color: c.axis, align: k === 0 ? "left" : k === n - 1 ? "right" : "center", baseline: "top" });
      }
    }
    this.root.dataset.cells = String(cells);
    this.root.dataset.drawn = "1";
    this.renderLegend(r);
  }

  renderLegend(r) {
    const sig = r ? r.rawLo + ":" + r.rawHi + ":" + this.opts.log : "none";
    if (sig === this.legendSig) return;
    this.legendSig = sig;
    clear(this.legend);
    if (!r) return;
    const bar = el("span", { class: "heat-bar" });
    bar.style.backgroundImage = rampCSS();
    const f = this.opts.valueFormat || ((v) => num(v, 3));
    append(this.legend, [el("span", { text: f(r.rawLo) }), bar, el("span", { text: f(r.rawHi) }),
      el("span", { class: "muted", text: this.opts.log ? "log scale · bucket maximum" : "bucket maximum" })]);
  }

  onMove(e) {
    const L = this.L, d = this.data;
    if (!L || !d.cols.length) return;
    const rc = this.canvas.getBoundingClientRect();
    const x = e.clientX - rc.left, y = e.clientY - rc.top;
    const i = Math.floor((y - L.plot.y) / L.rh), j = Math.floor(((x - L.plot.x) / L.plot.w) * d.cols.length);
    if (i < 0 || i >= d.rows.length || j < 0 || j >= d.cols.length || x < L.plot.x) { tooltip.hide(); return; }
    const v = (d.values[i] || [])[j];
    const f = this.opts.valueFormat || ((q) => num(q));
    tooltip.show([el("div", { class: "tip-head", text: d.rows[i] }),
      el("div", { class: "tip-row" }, [el("span", { class: "tip-label", text: "step ≤ " + int(d.cols[j]) }), el("b", { text: isNum(v) ? f(v) : "no value" })])], e.clientX, e.clientY);
  }

  download(kind) {
    const base = slug(this.opts.fileName || this.opts.name);
    const d = this.data;
    if (kind === "png") this.canvas.toBlob((b) => { if (b) downloadBlob(base + ".png", b); }, "image/png");
    else if (kind === "csv") downloadCSV(base + ".csv", [["parameter"].concat(d.cols)].concat(d.rows.map((n, i) => [n].concat(d.values[i] || []))));
    else if (kind === "json") downloadJSON(base + ".json", d);
  }
}

// ---------------------------------------------------------------- histogram band chart

/** Quantiles of a histogram {min, max, counts} (equal-width bins), interpolated within bins. */
function quantiles(h, qs) {
  const counts = h.counts || [];
  const n = counts.length;
  let total = 0;
  for (const c of counts) total += c;
  if (!n || total <= 0) return qs.map(() => null);
  const w = (h.max - h.min) / n;
  let first = 0, last = n - 1;
  while (first < n && !counts[first]) first++;
  while (last > 0 && !counts[last]) last--;
  return qs.map((q) => {
    if (q <= 0) return h.min + first * w;
    if (q >= 1) return h.min + (last + 1) * w;
    const target = q * total;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const c = counts[i];
      if (acc + c >= target && c > 0) return h.min + (i + (target - acc) / c) * w;
      acc += c;
    }
    return h.max;
  });
}

const QS = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1];

/** new HistogramChart({title, name, color}).setData([{step, min, max, counts}]) */
class HistogramChart {
  constructor(opts) {
    this.opts = Object.assign({ title: "", name: "histogram", height: 240 }, opts || {});
    this.steps = [];
    this.rows = [];
    this.canvas = el("canvas", { class: "chart-canvas", tabindex: "0", role: "img", "aria-label": this.opts.title });
    this.box = el("div", { class: "chart-box" }, [this.canvas]);
    this.box.style.height = this.opts.height + "px";
    this.titleNode = el("h3", { class: "chart-title", text: this.opts.title });
    this.root = el("section", { class: "chart card", dataset: { chart: this.opts.name, points: "0" } }, [
      el("header", { class: "chart-head" }, [this.titleNode, el("span", { class: "spacer" }), downloadMenu(this, ["png", "csv", "json"])]),
      el("div", { class: "chart-legend" }, [
        legendBand("min – max", 0.14), legendBand("10 – 90 %", 0.26), legendBand("25 – 75 %", 0.42), legendLine("median"),
      ].map((n) => { /** @type {HTMLElement} */ (n.querySelector(".swatch")).style.setProperty("--c", this.color()); return n; })),
      this.box,
    ]);
    this.canvas.addEventListener("pointermove", (e) => this.onMove(e));
    this.canvas.addEventListener("pointerleave", () => { this.hover = null; tooltip.hide(); this.requestDraw(); });
    this.resizeObserver = new ResizeObserver(() => this.requestDraw());
    this.resizeObserver.observe(this.box);
    all.add(this);
  }
  color() { return this.opts.color || "#3b7ddd"; }
  destroy() { this.resizeObserver.disconnect(); all.delete(this); }
  setTitle(t) { this.opts.title = t; this.titleNode.textContent = t; }
  setData(steps) {
    this.steps = steps || [];
    this.rows = this.steps.map((s) => ({ step: s.step, q: quantiles(s, QS) })).filter((r) => r.q.every(isNum));
    this.requestDraw();
  }
  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }
  draw() {
    const w = Math.max(50, this.box.clientWidth), h = Math.max(50, this.box.clientHeight);
    if (w < 60) return;
    const p = new CanvasPainter(this.canvas, w, h);
    p.measure = (s) => measure(s);
    const c = theme();
    p.rect(0, 0, w, h, c.bg);
    const rows = this.rows;
    let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity;
    for (const r of rows) { xlo = Math.min(xlo, r.step); xhi = Math.max(xhi, r.step); ylo = Math.min(ylo, r.q[0]); yhi = Math.max(yhi, r.q[6]); }
    if (!rows.length) { xlo = 0; xhi = 1; ylo = 0; yhi = 1; }
    if (!(xhi > xlo)) { xlo -= 1; xhi += 1; }
    if (!(yhi > ylo)) { ylo -= 1; yhi += 1; }
    const pad = (yhi - ylo) * 0.05; ylo -= pad; yhi += pad;
    const yt = linearTicks(ylo, yhi, Math.max(3, Math.round(h / 55)));
    const ystep = yt.length > 1 ? yt[1] - yt[0] : 1;
    const yl = tickLabels(yt, ystep);
    const left = Math.ceil(Math.max(28, ...yl.map((l) => measure(l)))) + 12;
    const plot = { x: left, y: 10, w: w - left - 14, h: h - 34 };
    const X = (x) => plot.x + ((x - xlo) / (xhi - xlo)) * plot.w;
    const Y = (y) => plot.y + plot.h - ((y - ylo) / (yhi - ylo)) * plot.h;
    this.L = { plot, X, xlo, xhi };
    yt.forEach((t, i) => {
      const y = Math.round(Y(t)) + 0.5;
      p.line([[plot.x, y], [plot.x + plot.w, y]], { color: c.grid, width: 1 });
      p.text(yl[i], plot.x - 8, y, { color: c.axis, align: "right", baseline: "middle" });
    });
    const xt = linearTicks(xlo, xhi, Math.max(2, Math.round(plot.w / 110))).filter((t) => Number.isInteger(t));
    for (const t of xt) {
      const x = Math.round(X(t)) + 0.5;
      p.line([[x, plot.y + plot.h], [x, plot.y + plot.h + 4]], { color: c.axis, width: 1 });
      p.text(int(t), x, plot.y + plot.h + 7, { color: c.axis, align: "center", baseline: "top" });
    }
    p.line([[plot.x, plot.y + plot.h + 0.5], [plot.x + plot.w, plot.y + plot.h + 0.5]], { color: c.axis, width: 1, alpha: 0.6 });
    if (!rows.length) {
      p.text(this.opts.emptyText || "No histograms recorded", plot.x + plot.w / 2, plot.y + plot.h / 2, { color: c.muted, align: "center", baseline: "middle", font: "13px system-ui" });
    }
    const col = this.color();
    const at = (k) => rows.map((r) => [X(r.step), Y(r.q[k])]);
    if (rows.length === 1) {
      const x = X(rows[0].step);
      for (const [a, b, al] of [[0, 6, 0.14], [1, 5, 0.26], [2, 4, 0.42]]) p.rect(x - 4, Y(rows[0].q[b]), 8, Y(rows[0].q[a]) - Y(rows[0].q[b]), col, al);
    } else {
      p.area(at(6), at(0), { color: col, alpha: 0.14 });
      p.area(at(5), at(1), { color: col, alpha: 0.26 });
      p.area(at(4), at(2), { color: col, alpha: 0.42 });
    }
    p.line(at(3), { color: col, width: 1.8 });
    if (this.hover && rows.length) {
      const r = this.nearestRow(this.hover.x);
      const x = Math.round(X(r.step)) + 0.5;
      p.line([[x, plot.y], [x, plot.y + plot.h]], { color: c.axis, width: 1, alpha: 0.7 });
      p.circle(X(r.step), Y(r.q[3]), 3.5, { fill: col, stroke: c.bg, width: 1.5 });
    }
    this.root.dataset.points = String(rows.length);
    this.root.dataset.drawn = "1";
  }
  nearestRow(px) {
    const L = this.L;
    const xv = L.xlo + ((px - L.plot.x) / L.plot.w) * (L.xhi - L.xlo);
    let best = this.rows[0];
    for (const r of this.rows) if (Math.abs(r.step - xv) < Math.abs(best.step - xv)) best = r;
    return best;
  }
  onMove(e) {
    if (!this.rows.length || !this.L) return;
    const rc = this.canvas.getBoundingClientRect();
    this.hover = { x: e.clientX - rc.left };
    this.requestDraw();
    const r = this.nearestRow(this.hover.x);
    const f = (v) => num(v, 3);
    const line = (label, text) => el("div", { class: "tip-row" }, [el("span", { class: "tip-label", text: label }), el("b", { text })]);
    tooltip.show([el("div", { class: "tip-head", text: "step " + int(r.step) }),
      line("median", f(r.q[3])), line("25 – 75 %", f(r.q[2]) + " … " + f(r.q[4])),
      line("10 – 90 %", f(r.q[1]) + " … " + f(r.q[5])), line("min – max", f(r.q[0]) + " … " + f(r.q[6]))], e.clientX, e.clientY);
  }
  download(kind) {
    const base = slug(this.opts.fileName || this.opts.name);
    if (kind === "png") this.canvas.toBlob((b) => { if (b) downloadBlob(base + ".png", b); }, "image/png");
    else if (kind === "csv") downloadCSV(base + ".csv", [["step", "q0", "q10", "q25", "q50", "q75", "q90", "q100"]].concat(this.rows.map((r) => [r.step].concat(r.q))));
    else if (kind === "json") downloadJSON(base + ".json", { title: this.opts.title, steps: this.steps });
  }
}

function legendBand(label, alpha) {
  const sw = el("span", { class: "swatch band" });
  sw.dataset.alpha = String(alpha);
  sw.classList.add("a" + Math.round(alpha * 100));
  return el("span", { class: "legend-item" }, [sw, label]);
}
function legendLine(label) { return el("span", { class: "legend-item" }, [el("span", { class: "swatch" }), label]); }

function redrawAll() {
  for (const c of all) c.requestDraw();
  for (const f of figures) if (f.root.isConnected) f.requestDraw(); else figures.delete(f);
}

const allCharts = () => [...all];
export {
  LineChart, Heatmap, HistogramChart, quantiles, redrawAll, niceStep, linearTicks, rampCSS, allCharts, Figure, CanvasPainter, SVGPainter, savePicture, downloadMenu, measure as measureText, theme as chartTheme, MONO_FAMILY,
};
