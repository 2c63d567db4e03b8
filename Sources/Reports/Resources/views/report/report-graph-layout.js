/* Glassbox report views, inspect: the contribution graph's layout and edges (report-graph.js draws it). Nodes are
 * residual-stream states, positions left to right and depth bottom to top: row 2l is the stream entering layer l
 * (row 0: the embeddings), row 2l + 1 the same after layer l's attention, row 2L the last layer's output. Every edge
 * joins a row to the next, weighted by the share of the upper state that comes from the lower one; only edges of at
 * least the threshold on a path down from the chosen prediction are kept (pruneGraph), as the LLM Transparency Tool
 * prunes its paths. */
import { measureText } from "../../lib/charts.js";
import { color, cssVar } from "../../lib/colors.js";
import { MONO10, clip } from "./report-kit.js";

export const KINDS = { attn: "attention", mlp: "MLP", res: "residual" };

/** A share from the document: "NaN" (a string in the JSON) carries nothing. @param {any} x */
export const share = (x) => (typeof x === "number" ? x : 0);

/** Distance from (x, y) to a polyline. */
function distToPath(x, y, pts) {
  let best = Infinity;
  for (let i = 1; i < pts.length; i++) {
    const [ax, ay] = pts[i - 1], [bx, by] = pts[i], dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len)) : 0;
    best = Math.min(best, Math.hypot(x - ax - t * dx, y - ay - t * dy));
  }
  return best;
}

/**
 * The graph's geometry for the document D: a column per position, a row per state; token labels under the
 * embeddings, flat when the columns allow (rd: the prompt read as characters, report-tokens.js).
 */
export function graphLayout(D, rd) {
  const G = D.contribution_graph, L = G.layers.length, T = G.positions, NR = 2 * L + 1;
  const cw = Math.max(16, Math.min(72, Math.floor(1080 / T)));
  const rh = Math.max(9, Math.min(26, Math.floor(840 / (NR - 1))));
  const flat = cw >= 56;
  const names = D.tokens.map((_, q) => rd.label(q));
  const tickText = (q) => (flat ? clip(names[q], Math.max(2, Math.floor((cw - 6) / 7))) : clip(names[q], 12));
  const tickW = Math.max(10, ...names.map((_, q) => measureText(tickText(q), MONO10)));
  // a wide graph scrolls (to its right end, where the prediction is): the layer names on both sides
  const lw = 64, top = 42, bottom = (flat ? 20 : Math.ceil(tickW * 0.71) + 16) + 4, both = T * cw > 1000;
  const X = (q) => lw + q * cw + cw / 2, Y = (r) => top + (NR - 1 - r) * rh;
  const layerOf = (r) => (r - 1) >> 1;
  // Width and opacity grow with the square root of the share, so that the many small shares still show; the
  // residual edges (mostly large: a state is mostly the state below it) stay light, behind the routes between tokens.
  // Shares are drawn in ten steps, so that the edges of one kind and step go out as one path (tens of strokes for
  // tens of thousands of edges: a low threshold stays quick).
  const step = (e) => Math.round(10 * Math.sqrt(Math.max(0, Math.min(1, e.w)))) / 10;
  const g = {
    G, L, T, NR, cw, rh, flat, tickText, lw, top, both, X, Y, layerOf, step,
    W: lw + T * cw + (both ? 60 : 28), H: top + (NR - 1) * rh + bottom,
    mlpBox: (r, q) => [X(q) + Math.min(11, cw * 0.32), (Y(r - 1) + Y(r)) / 2],
    width: (e) => 0.7 + 4.3 * step(e),
    opacity: (e) => (e.kind === "res" ? 0.16 + 0.4 * step(e) * step(e) : 0.35 + 0.65 * step(e)),
    colour: (kind, c) => (kind === "attn" ? c.attn : kind === "mlp" ? c.mlp : c.muted),
    /** The chart theme with the edge colours of the theme in force (report.css: --graph-attn, --graph-mlp). */
    theme: (c) => Object.assign(c, { attn: cssVar("--graph-attn") || color(0), mlp: cssVar("--graph-mlp") || color(1) }),
    hookOf: (r) => (r === NR - 1 ? "blocks." + (L - 1) + ".hook_resid_post" : r % 2 ? "blocks." + layerOf(r) + ".hook_resid_mid" : "blocks." + r / 2 + ".hook_resid_pre"),
    stateName: (r) => (r === 0 ? "the embeddings" : r === NR - 1 ? "the last layer's output" : r % 2
      ? "layer " + layerOf(r) + " after its attention" : "after layer " + (r / 2 - 1) + " (entering layer " + r / 2 + ")"),
    prediction: (q) => { const P = D.positions[q]; return P && P.top[0] ? P.top[0][0] : null; },
    edgeKey: (e) => "e:" + e.kind + ":" + e.r + ":" + e.q + ":" + e.k,
    path: null,
  };
  /** The drawn path of an edge: attention as an S-curve from key to query (a token's edge to itself bulges left
   * of the residual line it would hide), the MLP through its box on the right, the residual straight up. */
  g.path = (e) => {
    const x0 = X(e.k), y0 = Y(e.r - 1), x1 = X(e.q), y1 = Y(e.r);
    if (e.kind === "res") return [[x0, y0], [x1, y1]];
    if (e.kind === "mlp") return [[x0, y0], g.mlpBox(e.r, e.q), [x1, y1]];
    const bend = e.k === e.q ? -0.45 * cw : 0, a = [x0 + bend, y0 - rh * 0.6], b = [x1 + bend, y1 + rh * 0.6], pts = [];
    for (let i = 0; i <= 12; i++) {
      const t = i / 12, u = 1 - t, A = u * u * u, B = 3 * u * u * t, C = 3 * u * t * t, E = t * t * t;
      pts.push([A * x0 + B * a[0] + C * b[0] + E * x1, A * y0 + B * a[1] + C * b[1] + E * y1]);
    }
    return pts;
  };
  return g;
}

/** The edges of at least `threshold` on paths down from the prediction after token `start`, found row by row from
 * the top; `on` marks the states they reach. */
export function pruneGraph(g, threshold, start) {
  const { G, T, NR } = g, on = new Uint8Array(NR * T), edges = [];
  on[(NR - 1) * T + start] = 1;
  const keep = (kind, l, r, q, k, w) => { edges.push({ kind, l, r, q, k, w }); on[(r - 1) * T + k] = 1; };
  for (let r = NR - 1; r > 0; r--) {
    const l = g.layerOf(r), C = G.layers[l];
    for (let q = 0; q < T; q++) {
      if (!on[r * T + q]) continue;
      if (r % 2 === 0) { // leaving layer l: the state halfway through it plus the MLP's output
        if (share(C.mlp[q]) >= threshold) keep("mlp", l, r, q, q, C.mlp[q]);
        if (share(C.mlp_resid[q]) >= threshold) keep("res", l, r, q, q, C.mlp_resid[q]);
      } else { // halfway through layer l: the state entering it plus what attention brought from each key
        const row = C.attn_tokens[q];
        for (let k = 0; k <= q; k++) if (share(row[k]) >= threshold) keep("attn", l, r, q, k, row[k]);
        if (share(C.attn_resid[q]) >= threshold) keep("res", l, r, q, q, C.attn_resid[q]);
      }
    }
  }
  edges.sort((a, b) => a.w - b.w); // the strongest drawn last, on top
  let nodes = 0;
  for (const x of on) nodes += x;
  return { edges, on, nodes, byKey: new Map(edges.map((e) => [g.edgeKey(e), e])) };
}

/** What is at (x, y): a state ({key, r, q}), else a kept edge ({key, edge}), else null. */
export function graphItemAt(g, kept, x, y) {
  const { T, NR, cw, rh, X, Y } = g;
  const q = Math.round((x - X(0)) / cw), r = NR - 1 - Math.round((y - g.top) / rh);
  if (q >= 0 && q < T && r >= 0 && r < NR && Math.hypot(x - X(q), y - Y(r)) <= Math.max(4.5, Math.min(8, rh * 0.42))) return { key: "n:" + r + ":" + q, r, q };
  let best = null, bd = Infinity;
  for (const e of kept.edges) {
    if (y < Y(e.r) - 3 || y > Y(e.r - 1) + 3) continue;
    if (x < Math.min(X(e.k), X(e.q)) - cw || x > Math.max(X(e.k), X(e.q)) + cw) continue;
    const d = distToPath(x, y, g.path(e)) - g.width(e) / 2;
    if (d <= bd) { bd = d; best = e; } // ties: the later (stronger, drawn on top) wins
  }
  return bd <= 4 ? { key: g.edgeKey(best), edge: best } : null;
}

/** For tests (data-probe): a point that hits the strongest attention edge there is a clear point on, and the
 * prediction's node, in the canvas' own pixels. */
export function graphProbe(g, kept, start) {
  let attention = null;
  const attn = kept.edges.filter((e) => e.kind === "attn").reverse().slice(0, 4);
  for (const e of attn) {
    const pts = g.path(e);
    const hit = [6, 4].map((i) => pts[i]).find(([x, y]) => { const it = graphItemAt(g, kept, x, y); return it && it.key === g.edgeKey(e); });
    if (hit) { attention = hit.map(Math.round); break; }
  }
  return { attention, node: [g.X(start), g.Y(g.NR - 1)].map(Math.round) };
}
