/* Glassbox's MLP view (glassbox train mlp): the panel "Decision boundary": for a run with two inputs and classes, each
 * cell of the plane in the class the network predicts there (pale where it is unsure), the data points on top. */
import { chartTheme } from "../../lib/charts.js";
import { color } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { checksum, int, isNum } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { axes, hexRGB, mix, nearest, rgbOf, rgbText, strength } from "./mlp-draw.js";
import { className, pct, v3 } from "./mlp-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** paintCells(F, c): the grid of figure F as a bitmap (one pixel a cell), its colours computed for the theme c. */
function cellPainter(K) {
  const bitmap = document.createElement("canvas");
  let image = null;
  return function paintCells(F, c) {
    const n = F.grid, cls = F.cell_class || [], conf = F.cell_confidence || [];
    if (bitmap.width !== n) { bitmap.width = n; bitmap.height = n; image = null; }
    const g = bitmap.getContext("2d");
    if (!image) image = g.createImageData(n, n);
    const dark = document.documentElement.dataset.scheme === "dark";
    const bg = rgbOf(c.bg);
    // per class, 33 levels of confidence: the cell colours, computed once per frame
    const lut = [];
    for (let k = 0; k < K; k++) {
      const col = hexRGB(color(k)), row = [];
      for (let q = 0; q <= 32; q++) row.push(mix(bg, col, strength(1 / K + (q / 32) * (1 - 1 / K), K, dark)));
      lut.push(row);
    }
    const px = image.data;
    for (let j = 0; j < n * n; j++) {
      const k = cls[j], q = Math.round(Math.max(0, Math.min(1, (conf[j] - 1 / K) / (1 - 1 / K))) * 32);
      const rgb = lut[k] ? lut[k][isNum(q) ? q : 0] : bg;
      px[4 * j] = rgb[0]; px[4 * j + 1] = rgb[1]; px[4 * j + 2] = rgb[2]; px[4 * j + 3] = 255;
    }
    g.putImageData(image, 0, 0);
    return bitmap;
  };
}

/** The map's geometry: the plot box in the data's aspect (within 1:2), the picture's size, the data-to-pixel maps. */
function mapGeometry(F0) {
  const [xr, yr] = [F0.x_range, F0.y_range];
  const dx = xr[1] - xr[0], dy = yr[1] - yr[0];
  const side = 420, ratio = dx / dy;
  const pw = ratio >= 0.5 && ratio <= 2 ? Math.round(side * Math.min(1, ratio)) : side;
  const ph = ratio >= 0.5 && ratio <= 2 ? Math.round(side * Math.min(1, 1 / ratio)) : side;
  const box = { x: 58, y: 10, w: pw, h: ph };
  const X = (x) => box.x + ((x - xr[0]) / dx) * box.w;
  const Y = (y) => box.y + box.h - ((y - yr[0]) / dy) * box.h;
  return { xr, yr, dx, dy, box, W: box.x + pw + 16, H: box.y + ph + 46, X, Y };
}

/** The tooltip at (x, y): the point under the pointer and what the network predicts for it, else the cell's class. */
function boundaryTip(F, g, classes, K, feat, x, y) {
  const { xr, yr, dx, dy, box, X, Y } = g;
  if (x < box.x || x > box.x + box.w || y < box.y || y > box.y + box.h) return null;
  const n = F.grid;
  const xv = xr[0] + ((x - box.x) / box.w) * dx, yv = yr[1] - ((y - box.y) / box.h) * dy;
  const col = Math.min(n - 1, Math.floor(((x - box.x) / box.w) * n)), r = Math.min(n - 1, Math.floor(((y - box.y) / box.h) * n));
  const k = F.cell_class[r * n + col], conf = F.cell_confidence[r * n + col];
  const near = nearest(F.points || [], (q) => [X(q[0]), Y(q[1])], x, y, 7);
  if (near) {
    const ok = near[2] === k;
    return tooltip.content((near[3] === 0 ? "training point" : "validation point") + " \u00b7 " + className(classes, near[2]),
      [[feat[0], v3(near[0])], [feat[1], v3(near[1])], ["the network predicts", className(classes, k) + " (" + pct(conf) + ")"]],
      [ok ? "on the right side of the boundary" : "on the wrong side: a mistake", near[3] === 1 ? "the network never trained on this point" : null]);
  }
  return tooltip.content(feat[0] + " " + v3(xv) + ", " + feat[1] + " " + v3(yv),
    [["predicted", className(classes, k)], ["confidence", pct(conf)]],
    [conf < 1 / K + 0.15 ? "close to a coin toss: near the decision boundary" : null]);
}

/** The map as a Figure: the cells, the frame and axes, the points (training filled, validation as rings). */
function boundaryFigure(ctx, g, classes, K, feat) {
  const { v, V, cur } = ctx, { xr, yr, dx, dy, box, X, Y } = g;
  const paintCells = cellPainter(K);
  return v.figure({
    id: "mlp-boundary", name: "decision-boundary", className: "mlp-map", title: "Decision boundary",
    size: () => [g.W, g.H],
    paint(pt, w, h, exporting, figure) {
      const F = cur(), c = V.background(pt, w, h), dark = document.documentElement.dataset.scheme === "dark";
      pt.image(paintCells(F, c), box.x, box.y, box.w, box.h, false);
      V.frame(pt, box.x, box.y, box.w, box.h, c);
      axes(pt, c, box, xr, yr, X, Y, feat[0], feat[1], w, h);
      // the points: training filled with a thin contrasting ring, validation as rings (drawn last, on top)
      const edge = dark ? "rgba(10,13,20,0.85)" : "rgba(255,255,255,0.95)";
      const pts = F.points || [];
      pt.clip(box.x, box.y, box.w, box.h);
      for (const q of pts) if (q[3] === 0) pt.circle(X(q[0]), Y(q[1]), 3.4, { fill: color(q[2]), stroke: edge, width: 1.1 });
      for (const q of pts) if (q[3] === 1) {
        pt.circle(X(q[0]), Y(q[1]), 4.1, { stroke: edge, width: 3.6 });
        pt.circle(X(q[0]), Y(q[1]), 4.1, { stroke: color(q[2]), width: 1.9 });
      }
      pt.unclip();
      if (exporting) pt.text("step " + int(F.step), box.x + box.w - 6, box.y + 14, { color: c.ink, align: "right", font: "600 11px system-ui" });
      if (!exporting && figure) {
        const present = new Set(F.cell_class || []);
        figure.root.dataset.step = String(F.step);
        figure.root.dataset.classes = String(present.size);
        figure.root.dataset.points = String(pts.length);
        figure.root.dataset.checksum = checksum((F.cell_class || []).filter((_, j) => j % 37 === 0).concat((F.cell_confidence || []).filter((_, j) => j % 37 === 0)));
      }
    },
    tip: (x, y) => boundaryTip(cur(), g, classes, K, feat, x, y),
    csv: () => {
      const F = cur(), n = F.grid, rows = [["step", "row", "column", feat[0], feat[1], "predicted_class", "confidence"]];
      for (let r = 0; r < n; r++) for (let col = 0; col < n; col++) {
        rows.push([F.step, r, col, xr[0] + ((col + 0.5) / n) * dx, yr[1] - ((r + 0.5) / n) * dy, F.cell_class[r * n + col], F.cell_confidence[r * n + col]]);
      }
      return rows;
    },
    json: () => cur(),
  });
}

/** The keys under the map (the classes, the two kinds of point, the confidence ramp), drawn again with the theme. */
function boundaryKeys(v, classes, K) {
  const keys = el("div", { class: "mlp-keys", id: "mlp-boundary-keys" });
  function legendKeys() {
    const dark = document.documentElement.dataset.scheme === "dark", bg = rgbOf(chartTheme().bg);
    const sw = (fill, extra) => { const s = el("span", { class: ["mlp-swatch", extra] }); s.style.background = fill; return s; };
    const dot = (k, hollow) => { const s = el("span", { class: ["mlp-dot", hollow ? "hollow" : null] }); s.style.setProperty("--c", color(k)); return s; };
    const ramp = el("span", { class: "mlp-ramp" });
    const col = hexRGB(color(0));
    ramp.style.backgroundImage = "linear-gradient(to right, " + [0, 0.25, 0.5, 0.75, 1].map((t) => rgbText(mix(bg, col, strength(1 / K + t * (1 - 1 / K), K, dark))) + " " + t * 100 + "%").join(", ") + ")";
    clear(keys).append(
      ...classes.map((_, k) => el("span", { class: "mlp-key", dataset: { class: String(k) } }, [sw(rgbText(mix(bg, hexRGB(color(k)), strength(1, K, dark)))), className(classes, k)])),
      el("span", { class: "mlp-key" }, [dot(0, false), "training point"]),
      el("span", { class: "mlp-key" }, [dot(0, true), "validation point"]),
      el("span", { class: "mlp-key" }, [el("span", { class: "muted", text: "confidence " + Math.round(100 / K) + "%" }), ramp, el("span", { class: "muted", text: "100%" })]));
  }
  legendKeys();
  v.repaint.push(legendKeys);
  return keys;
}

/** The decision boundary: each grid cell in its predicted class's colour (pale where unsure), the points on top. @param {ClassicContext} ctx */
export function boundaryPanel(ctx) {
  const { v, V, cur } = ctx;
  const F0 = cur(), classes = F0.classes || [], K = Math.max(2, classes.length);
  const feat = F0.features || ["x1", "x2"];
  const p = v.panel("mlp-boundary-panel", "Decision boundary",
    ["What the network predicts at every point of the plane of the two inputs, ", el("b", { text: feat[0] }), " and ", el("b", { text: feat[1] }),
      ": the colour is the class it would choose there, paler where it is unsure. The dots are the data."],
    "where two colours meet is the decision boundary. Filled dots are training points (the network learns from them), " +
    "rings are validation points (kept aside to test it); a dot on a patch of another colour is a mistake. Early on the boundary " +
    "is simple; training bends it to follow the data, and when it starts to curl around single training dots the network is overfitting.",
    ["boundary", "confidence", "validation", "overfitting"]);
  p.classList.add("mlp-map-panel");
  const g = mapGeometry(F0);
  p.style.flexBasis = g.W + 48 + "px"; // the picture's width: the text wraps to it
  const fig = boundaryFigure(ctx, g, classes, K, feat);
  const keys = boundaryKeys(v, classes, K);
  const caption = el("span");
  p.append(el("div", { class: "v-fig" }, [V.figHead(caption, fig), el("div", { class: "v-scroll" }, fig.root), keys]));
  ctx.onSelect.push(() => {
    const F = cur();
    clear(caption).append("predicted class at step ", el("b", { text: int(F.step) }), " \u00b7 " + (F.grid || 0) + " \u00d7 " + (F.grid || 0) + " cells");
    fig.opts.fileName = "glassbox-boundary-step-" + F.step;
    fig.requestDraw();
  });
  return p;
}
