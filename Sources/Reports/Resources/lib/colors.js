/* Glassbox front end: colours (run palette, CSS variables) and colour scales for heat maps. */
import { isNum } from "./format.js";

/** Distinct run colours, mid-lightness so that they read on white and on near-black. */
export const palette = [
  "#3b7ddd", "#e8710a", "#17a673", "#dc3f5b", "#8b5cf6", "#0ea5b7",
  "#c79a00", "#d65bb0", "#6f9a1c", "#7f7fe8", "#b5653a", "#4f93b8",
  "#e0487f", "#2a9d8f",
];
export function color(i) { return palette[((i % palette.length) + palette.length) % palette.length]; }

/** A CSS variable's value on <html> (theme-dependent). */
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function withAlpha(hex, a) {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return "rgba(" + parseInt(m[1], 16) + "," + parseInt(m[2], 16) + "," + parseInt(m[3], 16) + "," + a + ")";
}

// ---------------------------------------------------------------- colour scales (heat maps, token shading)

// Our own stops for each theme. Zero is the panel colour itself (--panel: white, or the dark panel), so that a
// cell of exactly 0 reads as "nothing here" rather than as a faint value; the dark theme's strong end is the
// bright one (light on dark), so the ink on a cell is chosen by contrast.
const SCALES = {
  /** 0..1, square-root eased so that small weights and probabilities still show. */
  sequential: {
    lo: 0, size: 256, ease: Math.sqrt,
    light: [[0, "#ffffff"], [0.55, "#8ea6ea"], [1, "#2443b8"]],
    dark: [[0, "#151a23"], [0.55, "#32539f"], [1, "#8aa6f2"]],
  },
  /** -1..1: blue below zero, red above, linear. */
  diverging: {
    lo: -1, size: 257, ease: null,
    light: [[-1, "#2b5cc4"], [0, "#ffffff"], [1, "#cc3a2f"]],
    dark: [[-1, "#5b8cff"], [0, "#151a23"], [1, "#ff6a5c"]],
  },
};
const scaleCache = new Map();

function hexRGB(h) { const n = parseInt(h.slice(1), 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; }
export function rgbCSS(c) { return "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")"; }

/** Dark or light ink for text on the colour [r, g, b], whichever contrasts more (WCAG luminance). */
export function inkOn(c) {
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const L = 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  return 1.05 / (L + 0.05) >= (L + 0.05) / 0.061 ? "#ffffff" : "#161b26";
}

/**
 * colorScale("sequential" | "diverging") for the theme in force (a table of colours, built once per theme):
 * .rgb(v) -> [r, g, b], .css(v), .ink(v) (text colour on it), .gradient() (CSS, for legends), .u32 (packed RGBA
 * per table entry, for ImageData), .index(v); v is clamped to the scale's domain (0..1 or -1..1).
 */
export function colorScale(name) {
  const def = SCALES[name];
  if (!def) throw new Error("no colour scale " + name);
  const scheme = document.documentElement.dataset.scheme === "dark" ? "dark" : "light";
  const key = scheme + ":" + name;
  if (scaleCache.has(key)) return scaleCache.get(key);
  const stops = def[scheme].map(([t, h]) => [t, hexRGB(h)]);
  const n = def.size, lo = def.lo;
  const lut = new Uint8ClampedArray(n * 3), u32 = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = lo + ((1 - lo) * i) / (n - 1);
    const t = def.ease ? Math.sign(v) * def.ease(Math.abs(v)) : v;
    let k = 1;
    while (k < stops.length - 1 && t > stops[k][0]) k++;
    const [t0, c0] = stops[k - 1], [t1, c1] = stops[k];
    const f = Math.max(0, Math.min(1, (t - t0) / (t1 - t0)));
    for (let j = 0; j < 3; j++) lut[3 * i + j] = Math.round(c0[j] + (c1[j] - c0[j]) * f);
    u32[i] = ((255 << 24) | (lut[3 * i + 2] << 16) | (lut[3 * i + 1] << 8) | lut[3 * i]) >>> 0; // RGBA bytes, little-endian
  }
  const index = (v) => Math.round(((Math.max(lo, Math.min(1, isNum(v) ? v : 0)) - lo) / (1 - lo)) * (n - 1));
  const rgb = (v) => { const i = 3 * index(v); return [lut[i], lut[i + 1], lut[i + 2]]; };
  const scale = {
    name, scheme, domain: [lo, 1], lut, u32, index, rgb,
    css: (v) => rgbCSS(rgb(v)),
    ink: (v) => inkOn(rgb(v)),
    gradient() {
      const parts = [];
      for (let k = 0; k <= 10; k++) parts.push(rgbCSS(rgb(lo + ((1 - lo) * k) / 10)) + " " + k * 10 + "%");
      return "linear-gradient(to right, " + parts.join(", ") + ")";
    },
  };
  scaleCache.set(key, scale);
  return scale;
}
