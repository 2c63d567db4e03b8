/* Glassbox's MLP view (glassbox train mlp): the panel "Fitted function": for a run with one input and a number to
 * predict, the network's prediction over the input (a line) drawn over the training and validation points. */
import { chartTheme } from "../../lib/charts.js";
import { color, withAlpha } from "../../lib/colors.js";
import { clear, el } from "../../lib/dom.js";
import { checksum, int, isNum } from "../../lib/format.js";
import { tooltip } from "../../lib/tooltip.js";
import { axes, nearest } from "./mlp-draw.js";
import { v3 } from "./mlp-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

// training blue and validation orange, as in the charts beside; the prediction in the ink colour
const colors = () => ({ line: chartTheme().ink, train: color(0), val: color(1) });

/** The tooltip at (x, y): the point under the pointer against the prediction, else the prediction there. */
function fitTip(F, g, feat, target, x, y) {
  const { box, xr, X, Y } = g;
  if (x < box.x || x > box.x + box.w || y < box.y - 4 || y > box.y + box.h + 4) return null;
  const near = nearest(F.points || [], (q) => [X(q[0]), Y(q[1])], x, y, 6);
  const xv = near ? near[0] : xr[0] + ((x - box.x) / box.w) * (xr[1] - xr[0]);
  const curve = F.curve || [];
  let best = curve[0];
  for (const q of curve) if (Math.abs(q[0] - xv) < Math.abs(best[0] - xv)) best = q;
  if (near) {
    return tooltip.content((near[2] === 0 ? "training point" : "validation point"),
      [[feat, v3(near[0])], [target, v3(near[1])], ["the network predicts", v3(best[1])], ["error", (best[1] >= near[1] ? "+" : "") + v3(best[1] - near[1])]],
      [near[2] === 1 ? "the network never trained on this point" : null]);
  }
  return tooltip.content(feat + " " + v3(best[0]), [["prediction", v3(best[1])]]);
}

/** The fitted function as a Figure: the axes, the points, the prediction's line over them. */
function fitFigure(ctx, g, feat, target) {
  const { v, V, cur } = ctx, { box, xr, yr, X, Y } = g;
  return v.figure({
    id: "mlp-fit", name: "fitted-function", className: "mlp-map", title: "Fitted function",
    size: () => [g.W, g.H],
    paint(pt, w, h, exporting, figure) {
      const F = cur(), c = V.background(pt, w, h), k = colors();
      axes(pt, c, box, xr, yr(), X, Y, feat, target, w, h, true);
      const pts = F.points || [];
      pt.clip(box.x, box.y, box.w, box.h);
      for (const q of pts) if (q[2] === 0) pt.circle(X(q[0]), Y(q[1]), 2.8, { fill: withAlpha(k.train, 0.6) });
      for (const q of pts) if (q[2] === 1) pt.circle(X(q[0]), Y(q[1]), 3.6, { fill: c.bg, stroke: k.val, width: 1.7 });
      pt.line((F.curve || []).map((q) => (isNum(q[1]) ? [X(q[0]), Y(q[1])] : null)), { color: c.bg, width: 5.5 });
      pt.line((F.curve || []).map((q) => (isNum(q[1]) ? [X(q[0]), Y(q[1])] : null)), { color: k.line, width: 2.6 });
      pt.unclip();
      V.frame(pt, box.x, box.y, box.w, box.h, c);
      if (exporting) pt.text("step " + int(F.step), box.x + box.w - 6, box.y + 14, { color: c.ink, align: "right", font: "600 11px system-ui" });
      if (!exporting && figure) {
        figure.root.dataset.step = String(F.step);
        figure.root.dataset.points = String(pts.length);
        figure.root.dataset.curve = String((F.curve || []).length);
        figure.root.dataset.checksum = checksum((F.curve || []).map((q) => q[1]));
      }
    },
    tip: (x, y) => fitTip(cur(), g, feat, target, x, y),
    csv: () => [["step", feat, "prediction"]].concat((cur().curve || []).map((q) => [cur().step, q[0], q[1]])),
    json: () => cur(),
  });
}

/** The keys under the picture (the line, the two kinds of point), drawn again with the theme. */
function fitKeys(v) {
  const keys = el("div", { class: "mlp-keys", id: "mlp-fit-keys" });
  function legendKeys() {
    const k = colors();
    const line = el("span", { class: "mlp-line" }); line.style.background = k.line;
    const dot = el("span", { class: "mlp-dot" }); dot.style.setProperty("--c", withAlpha(k.train, 0.6));
    const ring = el("span", { class: "mlp-dot hollow" }); ring.style.setProperty("--c", k.val);
    clear(keys).append(el("span", { class: "mlp-key" }, [line, "the network's prediction"]),
      el("span", { class: "mlp-key" }, [dot, "training point"]), el("span", { class: "mlp-key" }, [ring, "validation point"]));
  }
  legendKeys();
  v.repaint.push(legendKeys);
  return keys;
}

/** The fitted function: the network's prediction over x, the points under it. @param {ClassicContext} ctx */
export function fitPanel(ctx) {
  const { v, V, cur, D } = ctx;
  const F0 = cur(), feat = (F0.features || ["x"])[0], target = F0.target || "y";
  const p = v.panel("mlp-fit-panel", "Fitted function",
    ["The network's prediction of ", el("b", { text: target }), " for every value of ", el("b", { text: feat }), " (the line), over the data points."],
    "the line is what the network answers for each x. Filled dots are training points (it learns from them), rings validation points " +
    "(kept aside to test it). A good fit runs through the middle of the cloud; a line that wiggles to pass through single training dots is overfitting.",
    ["validation", "overfitting"]);
  p.classList.add("mlp-map-panel");
  const xr = F0.x_range, yr = () => D().fitY; // a live run's newest curve may widen it
  const box = { x: 58, y: 12, w: 440, h: 300 };
  const g = {
    box, xr, yr, W: box.x + box.w + 16, H: box.y + box.h + 46,
    X: (x) => box.x + ((x - xr[0]) / (xr[1] - xr[0])) * box.w,
    Y: (y) => box.y + box.h - ((y - yr()[0]) / (yr()[1] - yr()[0])) * box.h,
  };
  p.style.flexBasis = g.W + 48 + "px";
  const fig = fitFigure(ctx, g, feat, target);
  const keys = fitKeys(v);
  const caption = el("span");
  p.append(el("div", { class: "v-fig" }, [V.figHead(caption, fig), el("div", { class: "v-scroll" }, fig.root), keys]));
  ctx.onSelect.push(() => {
    const F = cur();
    clear(caption).append("prediction at step ", el("b", { text: int(F.step) }));
    fig.opts.fileName = "glassbox-fit-step-" + F.step;
    fig.requestDraw();
  });
  return p;
}
