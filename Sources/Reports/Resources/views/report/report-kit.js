/* Glassbox report views: the panel kit every view shares. View (a mounted view: its panels, figures drawn when
 * they come into view, colours set again after a theme change), figHead and saver (a picture's caption and download
 * menu), colour-scale legends, painter helpers, the model's facts for a header, and number formats. */
import { Figure, MONO_FAMILY, chartTheme, downloadMenu, savePicture } from "../../lib/charts.js";
import { colorScale } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { downloadCSV, downloadJSON } from "../../lib/download.js";
import { compact, int, num } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { helpButton } from "./report-glossary.js";

export const MONO = "12px " + MONO_FAMILY;
export const MONO10 = "10px " + MONO_FAMILY;
/** A value with 3 significant digits. @param {number} v */
export const v3 = (v) => num(v, 3);
/** A value with its sign. @param {number} v */
export const signed = (v) => (v > 0 ? "+" : "") + v3(v);
/** Text cut to n characters with an ellipsis. @param {string} t @param {number} n */
export const clip = (t, n) => (t.length > n ? t.slice(0, n - 1) + "\u2026" : t);

// ---------------------------------------------------------------- drawing on first sight

/** Draws nodes when they first come near the viewport; after a theme change, again when next in view. */
class Lazy {
  constructor() {
    this.pending = new Map();
    this.done = new Map();
    this.io = "IntersectionObserver" in window ? new IntersectionObserver((entries) => {
      for (const en of entries) {
        if (!en.isIntersecting || !this.pending.has(en.target)) continue;
        const [draw, again] = this.pending.get(en.target);
        this.pending.delete(en.target);
        this.io.unobserve(en.target);
        if (again) this.done.set(en.target, draw);
        draw();
      }
    }, { rootMargin: "300px" }) : null;
  }
  /** again: draw it anew after a theme change (figures need not: redrawAll repaints them). */
  add(node, draw, again) {
    if (!this.io) { if (again) this.done.set(node, draw); draw(); return; }
    this.pending.set(node, [draw, again]);
    this.io.observe(node);
  }
  /** Theme changed: whatever was drawn draws again as it comes into view (at once where it is in view). */
  redo() {
    const done = [...this.done];
    this.done.clear();
    for (const [node, draw] of done) if (node.isConnected) this.add(node, draw, true);
  }
  destroy() { if (this.io) this.io.disconnect(); this.pending.clear(); this.done.clear(); }
}

// ---------------------------------------------------------------- a mounted view

export class View {
  constructor(container, doc) {
    this.doc = doc;
    this.root = el("div", { class: "gb-views", dataset: { kind: doc.kind || "inspect" } });
    clear(container).appendChild(this.root);
    this.lazy = new Lazy();
    this.figures = [];
    this.repaint = [];           // DOM colours (token shading, lens cells) to set again after a theme change
    /** @type {HTMLDetailsElement|null} the glossary section (glossary() sets it) */
    this.glossary = null;
    /** @type {Map<string, {name: string, text: string}>|null} a view's own glossary terms, where it has them */
    this.terms = null;
    /** @type {any} the two sides of a diff view (report-diff-sides.js) */
    this.sides = null;
    this.onTheme = () => { for (const f of this.repaint) f(); this.lazy.redo(); };
    document.addEventListener("gb-theme", this.onTheme);
  }
  destroy() {
    document.removeEventListener("gb-theme", this.onTheme);
    this.lazy.destroy();
    for (const f of this.figures) f.destroy();
    tooltip.hide();
  }
  tokenText(id) { const v = this.doc.vocab && this.doc.vocab[String(id)]; return v === undefined ? "#" + id : v; }
  /** A panel: its title with "?" buttons for the glossary terms it uses, what it shows (sub: text or nodes) and,
   * in plain words, how to read it. */
  panel(id, title, sub, read, terms) {
    const p = el("section", { class: "card v-panel", id }, [
      el("div", { class: "v-panel-head" }, [el("h2", { text: title }), el("span", { class: "v-helps" }, (terms || []).map((k) => helpButton(this, k)))]),
      sub ? el("p", { class: "v-sub" }, sub) : null,
      read ? el("p", { class: "v-read" }, [el("b", { text: "How to read it: " }), read]) : null,
    ]);
    if (this.glossary) this.root.insertBefore(p, this.glossary); else this.root.appendChild(p);
    return p;
  }
  /** A Figure drawn when it comes into view. */
  figure(opts) {
    const f = new Figure(Object.assign({ fileName: "glassbox-" + opts.name }, opts));
    this.figures.push(f);
    this.lazy.add(f.root, () => f.draw(), false);
    return f;
  }
}

/** A caption line over a picture, with its download menu on the right. */
export function figHead(caption, saver) {
  return el("div", { class: "v-fig-head" }, [el("div", { class: "v-caption" }, caption), el("span", { class: "spacer" }), saver ? saver.menu() : null]);
}

/** A download menu for a picture that is not a Figure (HTML in the page, painted only for the download). */
export function saver(title, name, picture, csv, json, kinds) {
  const base = "glassbox-" + name;
  const s = {
    opts: { title },
    download(kind) {
      if ((kind === "svg" || kind === "png") && picture) { const [w, h, paint] = picture(); savePicture(kind, base, w, h, paint); }
      else if (kind === "csv") downloadCSV(base + ".csv", csv());
      else if (kind === "json") downloadJSON(base + ".json", json());
    },
    menu() { return downloadMenu(s, kinds || (picture ? ["svg", "png"] : []).concat(csv ? ["csv"] : [], json ? ["json"] : [])); },
  };
  return s;
}

/**
 * A colour-scale legend: the bar with numbers under it, then a note. max: the value at the bar's strong end (the
 * diverging scale runs from -max to +max, the sequential one from 0 to max); fmt formats a tick (3 digits).
 */
export function legend(scale, max, note, fmt) {
  const f = fmt || ((x) => (x === 0 ? "0" : (x > 0 && scale.domain[0] < 0 ? "+" : x < 0 ? "\u2212" : "") + v3(Math.abs(x))));
  const bar = el("span", { class: "v-scale-bar" });
  bar.style.backgroundImage = scale.gradient();
  const lo = scale.domain[0];
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => el("span", { style: { left: 100 * t + "%" }, text: f((lo + (1 - lo) * t) * max) }));
  return el("div", { class: "v-legend" }, [el("span", { class: "v-scale" }, [bar, el("span", { class: "v-ticks" }, ticks)]),
    note ? el("span", { class: "muted", text: note }) : null]);
}

/** A legend whose bar follows the theme. */
export function themedLegend(v, name, max, note, fmt) {
  const node = legend(colorScale(name), max, note, fmt), bar = /** @type {HTMLElement} */ (node.querySelector(".v-scale-bar"));
  v.repaint.push(() => { bar.style.backgroundImage = colorScale(name).gradient(); });
  return node;
}

/** Painter helpers shared by the pictures below. */
export function background(p, w, h) { const c = chartTheme(); p.rect(0, 0, w, h, c.bg); return c; }

/** A bar chart's horizontal grid: a line and a label per tick (zero drawn as the axis), left of `box`.
 * @param {any} pt a painter @param {any} c the chart theme @param {number[]} ticks @param {{x: number, w: number}} box
 * @param {(v: number) => number} Y the value's y */
export function paintYGrid(pt, c, ticks, box, Y) {
  for (const t of ticks) {
    const y = Math.round(Y(t)) + 0.5;
    pt.line([[box.x, y], [box.x + box.w, y]], { color: t === 0 ? c.axis : c.grid, width: 1, alpha: t === 0 ? 0.7 : 1 });
    pt.text(t === 0 ? "0" : num(t, 3), box.x - 8, y, { color: c.axis, align: "right", baseline: "middle" });
  }
}
/** A hairline around a heat map: its cells of 0 are the background colour. */
export function frame(p, x, y, w, h, c) { p.poly([[x - 0.5, y - 0.5], [x + w + 0.5, y - 0.5], [x + w + 0.5, y + h + 0.5], [x - 0.5, y + h + 0.5]], { stroke: c.line, width: 1 }); }
export function legendPaint(p, scale, x, y, w, lo, hi, c) {
  const n = 40;
  for (let k = 0; k < n; k++) p.rect(x + (w * k) / n, y, w / n + 0.5, 8, scale.css(scale.domain[0] + ((1 - scale.domain[0]) * (k + 0.5)) / n));
  p.text(lo, x - 6, y + 4, { color: c.axis, align: "right", baseline: "middle" });
  p.text(hi, x + w + 6, y + 4, { color: c.axis, baseline: "middle" });
}

// ---------------------------------------------------------------- facts about the model (the report's header)

export function modelFacts(m) {
  m = m || {};
  const parts = [];
  if (m.name) parts.push([null, m.name]);
  if (m.architecture) parts.push(["", m.architecture]);
  if (m.parameters) parts.push(["parameters", compact(m.parameters)]);
  if (m.layers) parts.push(["layers", m.layers]);
  if (m.heads) parts.push(["heads", m.heads + (m.kv_heads && m.kv_heads !== m.heads ? " (" + m.kv_heads + " kv)" : "")]);
  if (m.dim) parts.push(["width", m.dim, true]);
  if (m.vocab) parts.push(["vocabulary", int(m.vocab), true]);
  // "135M parameters", "30 layers", but "width 576": counts read value first
  return parts.map(([k, v, first]) => el("span", { class: "v-fact", title: k === null ? m.path || "" : null },
    k === null || k === "" ? el("b", { text: String(v) }) : first ? [k + " ", el("b", { text: String(v) })] : [el("b", { text: String(v) }), " " + k]));
}
