/* Glassbox report views, inspect: the attention patterns of the compressed form (`attention_compact`: each query
 * row's largest weights as (key lo, key hi, round(255 w)) triples, base64 per head) as bitmaps in the colour scale
 * of the theme in force, and as dense weights for the enlarged head (report-attention.js). */
import { colorScale } from "../../lib/colors.js";

/**
 * Paints one head's pattern, straight from the compressed rows, into the RGBA pixels of an n x n image (n <= T) in
 * the scale's colours. Shrinking keeps each block's largest weight: averaging would fade the sparse strong
 * weights that make a pattern (a long prompt's thumbnail would look empty). best: n * n bytes of scratch.
 */
function fillPattern(pixels, best, n, C, l, k, scale) {
  const T = C.positions, K = C.keys_per_row, col = scale.u32, raw = atob(C.layers[l][k]);
  best.fill(0);
  let o = 0;
  for (let i = 0; i < T; i++) {
    const row = Math.floor((i * n) / T) * n, m = Math.min(i + 1, K);
    for (let q = 0; q < m; q++, o += 3) {
      const at = row + Math.floor(((raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8)) * n) / T), w = raw.charCodeAt(o + 2);
      if (w > best[at]) best[at] = w;
    }
  }
  for (let p = 0; p < n * n; p++) pixels[p] = col[best[p]];
}

/**
 * The patterns of C: bitmap(l, k, n) paints head (l, k) as an n x n bitmap (n = T, or fewer pixels for a picture
 * smaller than the prompt; one canvas per size, reused: copy it before painting the next); held(l, k, n) is the
 * enlarged head's own copy, kept while it is open and made anew after a theme change; pattern(l, k) its dense
 * T x T weights (a few kept).
 */
export function headPatterns(C) {
  const T = C.positions, bitmaps = new Map(), dense = new Map();
  function bitmap(l, k, n) {
    n = Math.max(1, Math.min(T, Math.round(n || T)));
    let b = bitmaps.get(n);
    if (!b) {
      const canvas = document.createElement("canvas");
      canvas.width = n; canvas.height = n;
      const ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n);
      b = { canvas, ctx, img, pixels: new Uint32Array(img.data.buffer), best: new Uint8Array(n * n) };
      bitmaps.set(n, b);
    }
    fillPattern(b.pixels, b.best, n, C, l, k, colorScale("sequential"));
    b.ctx.putImageData(b.img, 0, 0);
    return b.canvas;
  }
  let kept = null;
  function held(l, k, n) {
    const scale = colorScale("sequential"), key = l + ":" + k + ":" + n;
    if (!kept || kept.key !== key || kept.scale !== scale) {
      const src = bitmap(l, k, n), c = document.createElement("canvas");
      c.width = src.width; c.height = src.height;
      c.getContext("2d").drawImage(src, 0, 0);
      kept = { key, scale, canvas: c };
    }
    return kept.canvas;
  }
  function pattern(l, k) {
    const key = l + ":" + k;
    if (dense.has(key)) return dense.get(key);
    const K = C.keys_per_row, raw = atob(C.layers[l][k]), out = new Float32Array(T * T);
    let o = 0;
    for (let i = 0; i < T; i++) {
      const n = Math.min(i + 1, K);
      for (let q = 0; q < n; q++, o += 3) out[i * T + (raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8))] = raw.charCodeAt(o + 2) / 255;
    }
    if (dense.size >= 8) dense.delete(dense.keys().next().value);
    dense.set(key, out);
    return out;
  }
  return { bitmap, held, pattern };
}
