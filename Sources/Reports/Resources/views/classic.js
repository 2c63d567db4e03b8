/* Glassbox views of the classic models: a small multilayer perceptron (glassbox train mlp) watched checkpoint by
 * checkpoint. GB.mlpView.render(container, doc) draws it and returns {update(figures), select(i), destroy()};
 * doc is {run: {id, name, config}, figures: [...]}, the figures being the run's `mlp` documents (one per checkpoint:
 * the studio's GET /api/runs/RUN/figures?name=mlp, and what `glassbox train mlp --html` embeds). Panels: a checkpoint
 * player, the decision boundary (two inputs, classes) or the fitted function (one input, regression), accuracy or
 * MSE and the loss across training, the inputs' importance and the first layer's weights. Loaded before report.js
 * (whose boot may call it at once); it builds with report.js's panel kit (GB.views) when it renders. Plain ES2020;
 * needs core.js and charts.js.
 * GB.seq2seqView.render(container, doc, opts) draws an encoder-decoder with attention (glassbox train seq2seq) the same
 * way: doc's figures are its `seq2seq` documents (held-out examples with their attention at each checkpoint). The
 * checkpoint player (shared with the MLP's), the alignment heatmap of the chosen example, the held-out exact match
 * across training (opts.exactMatch: the val/exact_match buckets, or a function that fetches them) and, with
 * opts.translate (the studio), "Try your own input" over GET /api/runs/RUN/translate.
 * GB.finetuneView.render(container, doc, opts) draws a fine-tuning run (glassbox finetune): doc's figures are its
 * `finetune` documents (held-out prompts with the reference, the base model's and the checkpoint's answers). Its facts
 * (method, trainable parameters, base model, data, held-out loss before and after, peak memory), the checkpoint player,
 * the before-and-after rows (✓ where an answer equals the reference) and the command that uses the chosen checkpoint. */
import { Figure, LineChart, MONO_FAMILY, chartTheme, linearTicks, measureText } from "../lib/charts.js";
import { fetchJSON } from "../api.js";
import { color, colorScale, withAlpha } from "../lib/colors.js";
import { append, clear, el } from "../lib/dom.js";
import { checksum, compact, fixed, int, isNum, num } from "../lib/format.js";
import { tooltip } from "../lib/tooltip.js";
import { debounce, errorBox, icon } from "../lib/ui.js";
import { views } from "./report-views.js";

const FPS = 6; // checkpoints per second while playing

// ---------------------------------------------------------------- words

const GLOSSARY = [
  ["checkpoint", "Checkpoint", "The network saved at one step of training (every --checkpoint-interval steps and at the end). Each " +
    "checkpoint here also holds what the network predicted then, so the pictures can replay training."],
  ["boundary", "Decision boundary", "Where the network's prediction changes from one class to another. Points on one side get one " +
    "class, points on the other side the other; training moves and bends this line to separate the classes."],
  ["confidence", "Confidence", "The probability the network gives its predicted class (the softmax of its outputs). With two " +
    "classes 50% means a coin toss and 100% complete certainty; the map is pale where the network is unsure."],
  ["validation", "Validation split", "A part of the data (20% by default) kept out of training. The network never learns from " +
    "these points, so how well it does on them shows how well it would do on new data."],
  ["overfitting", "Overfitting", "Learning the training points by heart, noise included, instead of the pattern behind them. The " +
    "sign: the training loss keeps falling while the validation loss stops falling and rises."],
  ["loss", "Loss", "The number training makes smaller: cross-entropy for classes (how surprised the network is by the right " +
    "class), the mean squared error for numbers. Lower is better."],
  ["accuracy", "Accuracy", "The share of points whose class the network predicts correctly."],
  ["mse", "Mean squared error", "The average of (prediction \u2212 true value)\u00b2 over the points: 0 is a perfect fit; it is in " +
    "the target's units, squared."],
  ["standardisation", "Standardisation", "Each input is shifted and scaled to mean 0 and standard deviation 1 (using the " +
    "training split) before it enters the network, so that inputs in large units do not drown out small ones. The first " +
    "layer's weights and gradient \u00d7 input are on this scale."],
  ["permutation", "Permutation importance", "Shuffle one input's column in the validation split (so it carries no information " +
    "any more, but keeps its values) and measure how much worse the network gets. A big drop: the network relies on that input."],
  ["gradxinput", "Gradient \u00d7 input", "How much the predicted output would change if the input moved, times the input " +
    "itself (standardised), as a size, averaged over the validation points. Quick to compute, but it only looks at small moves."],
  ["activation", "Activation", "The function each hidden unit applies to its weighted sum (for example tanh or ReLU). Without " +
    "it, layers stacked on layers would still only draw straight boundaries."],
  ["weight", "Weight and bias", "A hidden unit of the first layer computes w\u2081\u00b7x\u2081 + w\u2082\u00b7x\u2082 + \u2026 + b " +
    "and passes it through the activation. The weights w say how much each input pushes the unit; the bias b shifts it."],
];

const GEN_TASKS = { spirals: [2, 2], moons: [2, 2], circles: [2, 2], xor: [2, 2], sine: [1, 1], linear: [1, 1] };

const pct = (v) => (isNum(v) ? (100 * v).toFixed(1) + "%" : "\u2013");
const v3 = (v) => num(v, 3);

/** "0" -> "class 0"; a CSV's class names as they are. */
const className = (classes, k) => {
  const n = classes && classes[k] !== undefined ? String(classes[k]) : String(k);
  return /^-?\d+$/.test(n) ? "class " + n : n;
};

/** The layer widths "2 → 64 → 64 → 2" (inputs, hidden layers, outputs), from the figures or the settings. */
function widths(doc) {
  const F = (doc.figures || [])[doc.figures && doc.figures.length ? doc.figures.length - 1 : 0];
  const cfg = (doc.run && doc.run.config) || {};
  const gen = GEN_TASKS[cfg.task];
  const inputs = F && F.features ? F.features.length : gen ? gen[0] : null;
  const outputs = F ? (F.classes ? F.classes.length : 1) : gen ? gen[1] : null;
  const hidden = Array.isArray(cfg.hidden) ? cfg.hidden : [];
  return [inputs === null ? "?" : inputs].concat(hidden, [outputs === null ? "?" : outputs]).join(" \u2192 ");
}

/** What the run learns: the generated task, or the CSV file and its target column. */
function taskText(cfg) {
  cfg = cfg || {};
  if (cfg.csv) return String(cfg.csv).split("/").pop() + (cfg.target ? " \u2192 " + cfg.target : "");
  return cfg.task || "\u2013";
}

/** The report's header line (report.js's boot): the run, its widths, its task, its size. */
function facts(doc) {
  const run = doc.run || {}, cfg = run.config || {};
  const fact = (k, v, title) => el("span", { class: "v-fact", title: title || null }, k === null ? el("b", { text: v }) : [k + " ", el("b", { text: v })]);
  return [
    fact(null, run.name || run.id || "MLP", run.id || ""),
    fact("network", widths(doc), "inputs \u2192 hidden units per layer \u2192 outputs"),
    fact("task", taskText(cfg)),
    cfg.activation ? fact("activation", cfg.activation) : null,
    isNum(run.parameter_count) ? el("span", { class: "v-fact" }, [el("b", { text: compact(run.parameter_count) }), " parameters"]) : null,
  ].filter(Boolean);
}

// ---------------------------------------------------------------- colours

const hexRGB = (h) => { const n = parseInt(h.slice(1), 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; };
/** A CSS colour (#rrggbb or rgb()) as [r, g, b]. */
function rgbOf(css) {
  if (/^#[0-9a-f]{6}$/i.test(css)) return hexRGB(css);
  const m = /rgba?\(\s*(\d+)[ ,]+(\d+)[ ,]+(\d+)/.exec(css);
  return m ? [+m[1], +m[2], +m[3]] : [255, 255, 255];
}
const mix = (a, b, t) => [0, 1, 2].map((j) => Math.round(a[j] + (b[j] - a[j]) * t));
const rgbText = (c) => "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")";

/** How strongly a cell shows its class: pale where the network is unsure (confidence near 1/K), stronger where sure. */
function strength(conf, K, dark) {
  const t = Math.max(0, Math.min(1, (conf - 1 / K) / (1 - 1 / K)));
  return (dark ? 0.1 : 0.08) + (dark ? 0.5 : 0.52) * Math.pow(t, 1.4);
}

// ---------------------------------------------------------------- the view

function render(container, doc, opts) {
  opts = opts || {};
  const V = views;
  const v = new V.View(container, Object.assign({ kind: "mlp" }, doc));
  v.root.classList.add("mlp-view");
  v.root.dataset.kind = "mlp";
  V.glossary(v, "mlp-glossary", GLOSSARY);
  const run = doc.run || {}, cfg = run.config || {};
  const S = { figs: [], i: 0, follow: true, timer: null, derived: null };
  const charts = [], observers = [];
  let stopPlayer = () => {}; // the player's (set when it is built)
  const stop = () => stopPlayer();
  const onSelect = []; // what each panel redraws when the checkpoint changes

  function setFigures(list) {
    S.figs = (Array.isArray(list) ? list : []).filter((f) => f && isNum(f.step)).slice().sort((a, b) => a.step - b.step);
    S.derived = derive(S.figs);
  }
  setFigures(doc.figures);
  S.i = Math.max(0, S.figs.length - 1);
  const cur = () => S.figs[S.i];
  const choice = checkpointChoice(v, S, onSelect, setFigures);
  const D = () => S.derived;

  // nothing to show yet: the first figures draw the whole view anew
  if (!S.figs.length) return waitingForCheckpoints(v, "mlp-empty", PICTURES_LATER, (figs) => render(container, Object.assign({}, doc, { figures: figs }), opts));
  const kind = cur().kind;
  v.root.dataset.figure = kind;

  // ---------------------------------------------------------- the player
  const player = checkpointPlayer(v, S, select, onSelect, {
    prefix: "mlp",
    read: "press play to watch the network learn, or drag the slider to any checkpoint (\u2190 and \u2192 step one at a time). " +
      "Every picture below shows the checkpoint chosen here.",
  });
  stopPlayer = player.stop;
  // the picture and the numbers side by side: watch the boundary and the curves move together
  const row = el("div", { class: "mlp-row" });
  v.root.insertBefore(row, v.glossary);
  if (kind === "boundary") row.appendChild(boundaryPanel());
  else if (kind === "fit") row.appendChild(fitPanel());
  row.appendChild(metricsPanel());
  const row2 = el("div", { class: "mlp-row" });
  v.root.insertBefore(row2, v.glossary);
  row2.appendChild(importancePanel());
  row2.appendChild(firstLayerPanel());

  select(S.i, true);
  // a studio page that draws the view anew (live updates) starts where the user was
  if (isNum(opts.index)) select(Math.min(opts.index, S.figs.length - 1), true);

  function select(i, force) { choice.select(i, force); }

  function replace(list) { choice.replace(list, () => { player.refresh(); for (const c of charts) c.refresh(); }); }

  // ---------------------------------------------------------- panels


  /** The decision boundary: each grid cell in its predicted class's colour (pale where unsure), the points on top. */
  function boundaryPanel() {
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
    const [xr, yr] = [F0.x_range, F0.y_range];
    const dx = xr[1] - xr[0], dy = yr[1] - yr[0];
    const side = 420, ratio = dx / dy;
    const pw = ratio >= 0.5 && ratio <= 2 ? Math.round(side * Math.min(1, ratio)) : side;
    const ph = ratio >= 0.5 && ratio <= 2 ? Math.round(side * Math.min(1, 1 / ratio)) : side;
    const box = { x: 58, y: 10, w: pw, h: ph };
    const W = box.x + pw + 16, H = box.y + ph + 46;
    p.style.flexBasis = W + 48 + "px"; // the picture's width: the text wraps to it
    const X = (x) => box.x + ((x - xr[0]) / dx) * box.w;
    const Y = (y) => box.y + box.h - ((y - yr[0]) / dy) * box.h;
    const bitmap = document.createElement("canvas");
    let image = null;

    /** The grid as a bitmap (one pixel a cell), its colours computed for the theme in force. */
    function paintCells(F, c) {
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
    }

    const fig = v.figure({
      id: "mlp-boundary", name: "decision-boundary", className: "mlp-map", title: "Decision boundary",
      size: () => [W, H],
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
      tip(x, y) {
        if (x < box.x || x > box.x + box.w || y < box.y || y > box.y + box.h) return null;
        const F = cur(), n = F.grid;
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
      },
      csv: () => {
        const F = cur(), n = F.grid, rows = [["step", "row", "column", feat[0], feat[1], "predicted_class", "confidence"]];
        for (let r = 0; r < n; r++) for (let col = 0; col < n; col++) {
          rows.push([F.step, r, col, xr[0] + ((col + 0.5) / n) * dx, yr[1] - ((r + 0.5) / n) * dy, F.cell_class[r * n + col], F.cell_confidence[r * n + col]]);
        }
        return rows;
      },
      json: () => cur(),
    });
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
    const caption = el("span");
    p.append(el("div", { class: "v-fig" }, [V.figHead(caption, fig), el("div", { class: "v-scroll" }, fig.root), keys]));
    onSelect.push(() => {
      const F = cur();
      clear(caption).append("predicted class at step ", el("b", { text: int(F.step) }), " \u00b7 " + (F.grid || 0) + " \u00d7 " + (F.grid || 0) + " cells");
      fig.opts.fileName = "glassbox-boundary-step-" + F.step;
      fig.requestDraw();
    });
    return p;
  }

  /** The fitted function: the network's prediction over x, the points under it. */
  function fitPanel() {
    const F0 = cur(), feat = (F0.features || ["x"])[0], target = F0.target || "y";
    const p = v.panel("mlp-fit-panel", "Fitted function",
      ["The network's prediction of ", el("b", { text: target }), " for every value of ", el("b", { text: feat }), " (the line), over the data points."],
      "the line is what the network answers for each x. Filled dots are training points (it learns from them), rings validation points " +
      "(kept aside to test it). A good fit runs through the middle of the cloud; a line that wiggles to pass through single training dots is overfitting.",
      ["validation", "overfitting"]);
    p.classList.add("mlp-map-panel");
    const xr = F0.x_range, yr = () => D().fitY; // a live run's newest curve may widen it
    const box = { x: 58, y: 12, w: 440, h: 300 };
    const W = box.x + box.w + 16, H = box.y + box.h + 46;
    p.style.flexBasis = W + 48 + "px";
    const X = (x) => box.x + ((x - xr[0]) / (xr[1] - xr[0])) * box.w;
    const Y = (y) => box.y + box.h - ((y - yr()[0]) / (yr()[1] - yr()[0])) * box.h;
    // training blue and validation orange, as in the charts beside; the prediction in the ink colour
    const colors = () => ({ line: chartTheme().ink, train: color(0), val: color(1) });
    const fig = v.figure({
      id: "mlp-fit", name: "fitted-function", className: "mlp-map", title: "Fitted function",
      size: () => [W, H],
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
      tip(x, y) {
        if (x < box.x || x > box.x + box.w || y < box.y - 4 || y > box.y + box.h + 4) return null;
        const F = cur();
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
      },
      csv: () => [["step", feat, "prediction"]].concat((cur().curve || []).map((q) => [cur().step, q[0], q[1]])),
      json: () => cur(),
    });
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
    const caption = el("span");
    p.append(el("div", { class: "v-fig" }, [V.figHead(caption, fig), el("div", { class: "v-scroll" }, fig.root), keys]));
    onSelect.push(() => {
      const F = cur();
      clear(caption).append("prediction at step ", el("b", { text: int(F.step) }));
      fig.opts.fileName = "glassbox-fit-step-" + F.step;
      fig.requestDraw();
    });
    return p;
  }

  /** Accuracy (or MSE) and loss on both splits: at the chosen checkpoint, and across training. */
  function metricsPanel() {
    const acc = cur().metric !== "mse";
    const p = v.panel("mlp-metrics", acc ? "Accuracy and loss" : "Error and loss",
      "Measured on the training points and, separately, on the validation points at every checkpoint; the vertical line marks the chosen one.",
      "training numbers say how well the network fits the points it learns from, validation numbers how well it does on points it never saw. " +
      "When the validation loss turns up while the training loss keeps falling, the network has started to memorise the training points: it is overfitting.",
      ["validation", "loss", acc ? "accuracy" : "mse", "overfitting"]);
    p.classList.add("mlp-metrics-panel");
    // the chosen checkpoint's numbers: training in the charts' blue, validation in their orange
    const name = acc ? "accuracy" : "MSE";
    const cell = (id) => el("td", { class: "mlp-num", id });
    const trainM = cell("mlp-train-metric"), valM = cell("mlp-val-metric"), trainL = cell("mlp-train-loss"), valL = cell("mlp-val-loss");
    const head = (cls, text) => el("th", { class: "mlp-split " + cls, scope: "col" }, [el("span", { class: "mlp-split-key" }), text]);
    const numbers = el("table", { class: "mlp-numbers", id: "mlp-numbers" }, [
      el("thead", {}, el("tr", {}, [el("th", {}), head("train", "training"), head("val", "validation")])),
      el("tbody", {}, [el("tr", {}, [el("th", { scope: "row", text: name }), trainM, valM]),
        el("tr", { hidden: D().lossIsMetric }, [el("th", { scope: "row", text: "loss" }), trainL, valL])]), // the MSE is the loss: one row
    ]);
    const gap = el("p", { class: "mlp-gap", id: "mlp-gap" });
    const finding = el("p", { class: "mlp-finding", id: "mlp-finding" });
    p.append(numbers, gap);
    // one point per checkpoint, as the line chart's one-point buckets
    const series = (key, scale) => S.figs.filter((F) => isNum(F[key])).map((F) => {
      const y = F[key] * scale;
      return { first_step: F.step, last_step: F.step, min: y, max: y, mean: y, last: y, count: 1, smoothed: y };
    });
    const mk = (id, title, sub, keys, scale, fmt) => {
      const ch = new LineChart({ name: id, title, subtitle: sub, height: 168, legend: true, yFormat: fmt, fileName: (run.name || "mlp") + "-" + id,
        onClick: (step) => { stop(); const j = S.figs.findIndex((F) => F.step === step); if (j >= 0) select(j); } });
      ch.root.id = id;
      ch.refresh = () => ch.setSeries([
        { key: keys[0], label: "training", color: color(0), buckets: series(keys[0], scale), dots: true },
        { key: keys[1], label: "validation", color: color(1), buckets: series(keys[1], scale), dots: true }]);
      ch.refresh();
      charts.push(ch);
      return ch;
    };
    const same = D().lossIsMetric; // regression with the MSE as its loss: one chart says it all
    const list = [];
    if (acc) list.push(mk("mlp-metric-chart", "Accuracy", "%", ["train_metric", "val_metric"], 100, (x) => num(x, 3) + "%"));
    else if (!same) list.push(mk("mlp-metric-chart", "Mean squared error", "lower is better", ["train_metric", "val_metric"], 1, (x) => num(x, 3)));
    list.push(mk("mlp-loss-chart", same ? "Loss (mean squared error)" : "Loss", acc ? "cross-entropy" : "", ["train_loss", "val_loss"], 1, (x) => num(x, 3)));
    // beside a map the charts stack (as tall as the map), across the panel's width when it has the row to itself
    p.append(el("div", { class: ["mlp-charts", list.length === 1 || kind !== "table" ? "one" : null] }, list.map((c) => c.root)), finding);
    const fmt = acc ? pct : v3;
    onSelect.push(() => {
      const F = cur();
      trainM.textContent = fmt(F.train_metric);
      valM.textContent = fmt(F.val_metric);
      trainL.textContent = v3(F.train_loss);
      valL.textContent = v3(F.val_loss);
      append(clear(gap), gapText(F, acc));
      for (const c of list) c.setMarkers([{ step: F.step, kind: "selected", text: "step " + F.step }]);
      append(clear(finding), overfitText(S.figs, S.i));
    });
    return p;
  }

  /** Per input, both importance measures as bars (each scaled to its largest over the whole run, so they grow). */
  function importancePanel() {
    const F0 = cur(), acc = F0.metric !== "mse";
    const p = v.panel("mlp-importance", "Which inputs matter",
      "Two ways to measure how much the network relies on each input, at the chosen checkpoint.",
      "a long bar means the network leans on that input. Permutation importance shuffles one input among the validation points and " +
      "measures how much worse the network gets; gradient \u00d7 input measures how strongly the output moves with the input. " +
      "When both say an input hardly matters, the network has learned to ignore it.",
      ["permutation", "gradxinput", "standardisation"]);
    p.classList.add("mlp-half");
    const feats = F0.features || [];
    // rows in the order of the newest checkpoint's permutation importance (fixed, so rows do not jump while playing)
    const last = S.figs[S.figs.length - 1];
    const order = feats.map((_, j) => j).sort((a, b) => ((last.permutation_importance || [])[b] || 0) - ((last.permutation_importance || [])[a] || 0));
    const cells = new Map();
    const row = (j, method) => {
      const b = el("div", { class: ["mlp-bar", method === "gradient" ? "b" : null] });
      const n = el("td", { class: "num" });
      cells.set(j + ":" + method, [b, n]);
      return el("tr", { dataset: { feature: feats[j], method } }, [el("td", { class: "t", text: feats[j] }), el("td", { class: "bar" }, el("div", { class: "mlp-bar-track" }, b)), n]);
    };
    const group = (method, title, sub) => [
      el("tr", { class: "mlp-imp-group" }, el("th", { colspan: "3" }, [el("span", { class: "mlp-imp-key " + method }), el("b", { text: title }), " \u00b7 " + sub])),
      order.map((j) => row(j, method))];
    const table = el("table", { class: "v-alts mlp-imp", id: "mlp-importance-table" }, el("tbody", {}, [
      group("permutation", "Permutation importance", "the change in validation " + (acc ? "accuracy" : "MSE") + " when the input is shuffled"),
      group("gradient", "Gradient \u00d7 input", "mean |gradient \u00d7 input| over the validation points"),
    ]));
    const save = V.saver("Which inputs matter", "importance", null,
      () => [["step", "input", "permutation_importance", "gradient_x_input"]].concat(S.figs.flatMap((F) => (F.features || []).map((f, j) => [F.step, f, F.permutation_importance[j], F.gradient_input[j]]))),
      () => S.figs.map((F) => ({ step: F.step, features: F.features, permutation_importance: F.permutation_importance, gradient_input: F.gradient_input })));
    const caption = el("span");
    p.append(el("div", { class: "v-fig" }, [V.figHead(caption, save), el("div", { class: "v-scroll" }, table)]));
    onSelect.push(() => {
      const F = cur(), d = D();
      clear(caption).append("at step ", el("b", { text: int(F.step) }), " \u00b7 bars scaled to the largest value over training");
      feats.forEach((_, j) => {
        const pi = (F.permutation_importance || [])[j], gi = (F.gradient_input || [])[j];
        const [pb, pn] = cells.get(j + ":permutation"), [gb, gn] = cells.get(j + ":gradient");
        pb.style.width = (isNum(pi) && pi > 0 ? Math.max(0.5, (100 * pi) / d.permMax) : 0) + "%";
        pn.textContent = !isNum(pi) ? "\u2013" : acc ? (pi > 0 ? "\u2212" : pi < 0 ? "+" : "") + fixed(100 * Math.abs(pi), 1) + " points" : (pi > 0 ? "+" : "") + v3(pi);
        pn.title = acc ? "validation accuracy " + (pi >= 0 ? "falls" : "rises") + " by " + fixed(100 * Math.abs(pi || 0), 1) + " percentage points when " + feats[j] + " is shuffled" : "validation MSE changes by " + v3(pi) + " when " + feats[j] + " is shuffled";
        gb.style.width = (isNum(gi) && gi > 0 ? Math.max(0.5, (100 * gi) / d.gradMax) : 0) + "%";
        gn.textContent = isNum(gi) ? v3(gi) : "\u2013";
      });
    });
    return p;
  }

  /** The first layer's weights: one column per hidden unit, one row per input, the biases in a row of their own. */
  function firstLayerPanel() {
    const F0 = cur(), feats = F0.features || [];
    const units = (F0.first_layer || []).length, I = feats.length;
    const act = cfg.activation || "the activation";
    const p = v.panel("mlp-first-layer", "First layer",
      ["Each of the " + units + " hidden units of the first layer (columns) adds up the inputs (rows) times these weights, plus its bias (the bottom row), " +
        "then applies " + act + ". The inputs are standardised first, so the weights of different inputs compare fairly."],
      "red weights make the unit fire more as that input grows, blue ones less, white ones ignore it. Training starts from small random " +
      "weights: watch the colours grow stronger as the units take on a direction each.", ["weight", "activation", "standardisation"]);
    p.classList.add("mlp-wide");
    const labelW = Math.ceil(Math.max(40, ...feats.concat(["bias"]).map((f) => measureText(f, "11px system-ui")))) + 14;
    const ch = 26, top = 22, gapB = 8, H = top + (I + 1) * ch + gapB + 8;
    const rowY = (r) => top + r * ch + (r === I ? gapB : 0);
    const wrap = el("div", { class: "v-scroll" });
    // the columns share the panel's width (numbers in the cells when they fit)
    let cw = 12, numbers = false;
    const size = () => {
      cw = Math.max(9, Math.min(44, Math.floor(((wrap.clientWidth || 760) - labelW - 12) / Math.max(1, units))));
      numbers = cw >= 34;
      return [labelW + units * cw + 12, H];
    };
    const fig = v.figure({
      id: "mlp-first-layer-map", name: "first-layer", className: "mlp-weights", title: "First layer weights", svg: false,
      size,
      paint(pt, w, h, exporting, figure) {
        const F = cur(), c = V.background(pt, w, h), sc = colorScale("diverging"), max = D().weightMax;
        const Wt = F.first_layer || [], B = F.first_layer_bias || [];
        const every = [1, 2, 4, 8, 16, 32, 64].find((k) => k * cw >= 26) || 64;
        for (let u = 0; u < units; u += every) pt.text(String(u), labelW + u * cw + cw / 2, top - 7, { color: c.axis, align: "center", font: "10px system-ui" });
        for (let r = 0; r <= I; r++) {
          const y = rowY(r);
          pt.text(r < I ? feats[r] : "bias", labelW - 8, y + ch / 2, { color: r < I ? c.ink : c.muted, align: "right", baseline: "middle", font: "11px system-ui" });
          for (let u = 0; u < units; u++) {
            const val = r < I ? (Wt[u] || [])[r] : B[u];
            const t = isNum(val) ? val / max : 0;
            pt.rect(labelW + u * cw, y, cw - 1, ch - 1, isNum(val) ? sc.css(t) : c.empty);
            if (numbers && isNum(val)) pt.text(num(val, 2), labelW + u * cw + cw / 2, y + ch / 2 + 0.5, { color: sc.ink(t), align: "center", baseline: "middle", font: "10px system-ui" });
          }
          V.frame(pt, labelW, y, units * cw - 1, ch - 1, c);
        }
        if (!exporting && figure) {
          figure.root.dataset.step = String(F.step);
          figure.root.dataset.units = String(units);
          figure.root.dataset.inputs = String(I);
          figure.root.dataset.checksum = checksum(Wt.flat().concat(B));
        }
      },
      tip(x, y) {
        const u = Math.floor((x - labelW) / cw);
        let r = -1;
        for (let k = 0; k <= I; k++) if (y >= rowY(k) && y < rowY(k) + ch) r = k;
        if (u < 0 || u >= units || r < 0) return null;
        const F = cur(), val = r < I ? (F.first_layer[u] || [])[r] : (F.first_layer_bias || [])[u];
        const w = F.first_layer[u] || [];
        return tooltip.content("hidden unit " + u + " \u00b7 " + (r < I ? "weight on " + feats[r] : "bias"), [[r < I ? "weight" : "bias", v3(val)]],
          [I <= 4 ? "this unit: " + w.map((q, k) => (k ? (q < 0 ? " \u2212 " : " + ") : q < 0 ? "\u2212" : "") + num(Math.abs(q), 2) + "\u00b7" + feats[k]).join("") +
            " " + ((F.first_layer_bias || [])[u] < 0 ? "\u2212 " : "+ ") + num(Math.abs((F.first_layer_bias || [])[u] || 0), 2) + ", then " + act : null]);
      },
      csv: () => {
        const F = cur(), rows = [["step", "unit"].concat(feats, ["bias"])];
        (F.first_layer || []).forEach((w, u) => rows.push([F.step, u].concat(w, [(F.first_layer_bias || [])[u]])));
        return rows;
      },
      json: () => ({ step: cur().step, features: feats, first_layer: cur().first_layer, first_layer_bias: cur().first_layer_bias }),
    });
    const lg = el("div", { class: "v-legend-row", id: "mlp-first-layer-legend" });
    let lgMax = null;
    const legendNow = () => { lgMax = D().weightMax; clear(lg).appendChild(V.legend(colorScale("diverging"), lgMax, "weight or bias (one scale for the whole run)")); };
    legendNow();
    v.repaint.push(legendNow);
    const caption = el("span");
    wrap.appendChild(fig.root);
    p.append(el("div", { class: "v-fig" }, [V.figHead(caption, fig), wrap, lg]));
    let seen = 0;
    const ro = new ResizeObserver(() => { if (wrap.clientWidth !== seen) { seen = wrap.clientWidth; fig.requestDraw(); } });
    ro.observe(wrap);
    observers.push(ro);
    onSelect.push(() => {
      const F = cur();
      if (D().weightMax !== lgMax) legendNow();
      clear(caption).append("weights at step ", el("b", { text: int(F.step) }), " \u00b7 " + units + " units \u00d7 " + I + (I === 1 ? " input" : " inputs") + ", and the biases");
      fig.opts.fileName = "glassbox-first-layer-step-" + F.step;
      fig.requestDraw();
    });
    return p;
  }

  return {
    update: (figs) => replace(figs),
    select: (i) => select(i),
    index: () => S.i,
    destroy() {
      stop();
      for (const c of charts) c.destroy();
      for (const o of observers) o.disconnect();
      v.destroy();
    },
  };
}

// ---------------------------------------------------------------- helpers of the panels

const PICTURES_LATER = "The pictures come with the checkpoints: the first is written after --checkpoint-interval steps.";

/**
 * A view with no checkpoint yet: a panel (id, text) saying so, and the view's handle whose update(figures) draws the
 * whole view anew with draw(figures) when the first come, passing every later call to it. extra(now): the view's
 * own further methods, now() being the drawn view (null until then).
 */
function waitingForCheckpoints(v, id, text, draw, extra) {
  v.panel(id, "No checkpoints yet", text, null, ["checkpoint"]);
  v.root.dataset.checkpoints = "0";
  let inner = null;
  const now = () => inner;
  return Object.assign({
    update(figs) {
      if (inner) return inner.update(figs);
      if (!figs || !figs.length) return;
      v.destroy();
      inner = draw(figs);
    },
    select(i) { if (inner) inner.select(i); },
    index: () => (inner ? inner.index() : 0),
    destroy() { if (inner) inner.destroy(); else v.destroy(); },
  }, extra ? extra(now) : {});
}

/**
 * Choosing among a view's checkpoints (S.figs sorted by step, S.i the chosen one, S.follow while the newest is):
 * select(i, force) clamps i, records the choice on the view's root (data-index, data-step, data-checkpoints) and runs
 * the view's onSelect redraws; replace(list, refresh) takes a new figure list (live updates) through setFigures,
 * then refresh() (the player's and the view's own), and stays on the chosen step, or on the newest when the user
 * was following it.
 */
function checkpointChoice(v, S, onSelect, setFigures) {
  function select(i, force) {
    i = Math.max(0, Math.min(S.figs.length - 1, i | 0));
    if (i === S.i && !force) return;
    S.i = i;
    S.follow = i === S.figs.length - 1;
    v.root.dataset.index = String(i);
    v.root.dataset.step = String(S.figs[i].step);
    v.root.dataset.checkpoints = String(S.figs.length);
    for (const f of onSelect) f();
  }
  function replace(list, refresh) {
    const follow = S.follow, step = S.figs[S.i] ? S.figs[S.i].step : null;
    setFigures(list);
    let i = follow ? S.figs.length - 1 : S.figs.findIndex((f) => f.step === step);
    if (i < 0) i = S.figs.length - 1;
    refresh();
    select(i, true);
  }
  return { select, replace };
}

/**
 * The checkpoint player of a view over S.figs (sorted by step; S.i the chosen one, S.timer while playing): play and
 * pause, previous and next, a slider, the step. select(i) chooses a checkpoint; onSelect: the view's redraw list (the
 * player adds its own). o.prefix names its elements (#PREFIX-player, -prev, -play, -next, -slider, -step, -count);
 * o.read: its "How to read it" line. Returns {refresh() (after S.figs changed), stop()}.
 */
function checkpointPlayer(v, S, select, onSelect, o) {
  const id = (s) => o.prefix + "-" + s;
  const p = v.panel(id("player"), o.title || "Training, checkpoint by checkpoint", null, o.read, ["checkpoint"]);
  const prev = el("button", { type: "button", class: "icon-btn", id: id("prev"), title: "Previous checkpoint (\u2190)", "aria-label": "Previous checkpoint", onclick: () => { stop(); select(S.i - 1); } }, icon("left"));
  const next = el("button", { type: "button", class: "icon-btn", id: id("next"), title: "Next checkpoint (\u2192)", "aria-label": "Next checkpoint", onclick: () => { stop(); select(S.i + 1); } }, icon("right"));
  const playLabel = el("span", { text: "Play" });
  const playIcon = el("svg:svg", { viewBox: "0 0 16 16", width: "16", height: "16", class: "icon", "aria-hidden": "true", focusable: "false" });
  const play = el("button", { type: "button", class: "btn small primary mlp-play", id: id("play"), "aria-pressed": "false", onclick: () => (S.timer ? stop() : start()) }, [playIcon, playLabel]);
  const slider = el("input", { type: "range", class: "mlp-slider", id: id("slider"), min: "0", step: "1", "aria-label": "Checkpoint" });
  slider.addEventListener("input", () => select(+slider.value));
  const stepNode = el("output", { class: "mlp-step", id: id("step"), for: id("slider") });
  const countNode = el("span", { class: "mlp-count", id: id("count") });
  const lo = el("span", { class: "mlp-end" }), hi = el("span", { class: "mlp-end" });
  p.append(el("div", { class: "mlp-player", role: "group", "aria-label": "Checkpoint player" }, [
    el("div", { class: "mlp-buttons" }, [prev, play, next]),
    el("div", { class: "mlp-track" }, [lo, slider, hi]),
    el("div", { class: "mlp-where" }, [stepNode, countNode]),
  ]));
  // the arrow keys anywhere in the player (the slider does this by itself)
  p.addEventListener("keydown", (e) => {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) return;
    const to = { ArrowLeft: S.i - 1, ArrowRight: S.i + 1, Home: 0, End: S.figs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    stop();
    select(to);
  });
  function showPlaying(playing) {
    clear(playIcon).appendChild(playing
      ? el("svg:path", { d: "M5.5 3.5v9M10.5 3.5v9", fill: "none", stroke: "currentColor", "stroke-width": "2.2", "stroke-linecap": "round" })
      : el("svg:path", { d: "M5 3.2v9.6L12.6 8Z", fill: "currentColor", stroke: "currentColor", "stroke-width": "1.2", "stroke-linejoin": "round" }));
  }
  function start() {
    if (S.figs.length < 2) return;
    if (S.i >= S.figs.length - 1) select(0);
    S.timer = setInterval(() => {
      if (S.i >= S.figs.length - 1) { stop(); return; }
      select(S.i + 1);
    }, 1000 / FPS);
    sync();
  }
  function sync() {
    const on = !!S.timer;
    showPlaying(on);
    playLabel.textContent = on ? "Pause" : S.i >= S.figs.length - 1 && S.figs.length > 1 ? "Replay" : "Play";
    play.setAttribute("aria-pressed", on ? "true" : "false");
    play.title = on ? "Pause" : "Play through the checkpoints (" + FPS + " a second)";
    p.dataset.playing = on ? "1" : "0";
  }
  const stop = () => { if (S.timer) { clearInterval(S.timer); S.timer = null; } sync(); };
  function refresh() {
    slider.max = String(Math.max(0, S.figs.length - 1));
    slider.disabled = S.figs.length < 2;
    play.disabled = S.figs.length < 2;
    lo.textContent = "step " + int(S.figs[0].step);
    hi.textContent = "step " + int(S.figs[S.figs.length - 1].step);
  }
  refresh();
  onSelect.push(() => {
    const F = S.figs[S.i];
    slider.value = String(S.i);
    slider.setAttribute("aria-valuetext", "step " + F.step);
    stepNode.textContent = "step " + int(F.step);
    countNode.textContent = "checkpoint " + (S.i + 1) + " of " + S.figs.length;
    prev.disabled = S.i <= 0;
    next.disabled = S.i >= S.figs.length - 1;
    p.dataset.step = String(F.step);
    if (!S.timer) sync();
  });
  sync();
  return { refresh, stop };
}


/** What the whole run shares: the ranges that keep the pictures steady while they play. */
function derive(figs) {
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
function nearest(pts, at, x, y, r) {
  let best = null, bd = r * r;
  for (const q of pts) {
    const [px, py] = at(q), d = (px - x) * (px - x) + (py - y) * (py - y);
    if (d <= bd) { bd = d; best = q; }
  }
  return best;
}

/** Axes in the data's own units: ticks and numbers on the left and below, the input names as titles. */
function axes(pt, c, box, xr, yr, X, Y, xName, yName, w, h, grid) {
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

/** The gap between training and validation at one checkpoint, in words. */
function gapText(F, acc) {
  if (!isNum(F.train_metric) || !isNum(F.val_metric)) return [];
  if (acc) {
    const g = 100 * (F.train_metric - F.val_metric);
    return [Math.abs(g) < 0.05 ? "Training and validation accuracy are the same here." : g > 0
      ? ["Validation accuracy is ", el("b", { text: fixed(g, 1) + " points" }), " below training accuracy here", g > 5 ? ": a wide gap, the network does better on what it has seen." : "."]
      : ["Validation accuracy is ", el("b", { text: fixed(-g, 1) + " points" }), " above training accuracy here (it happens with few or easy validation points)."]];
  }
  const r = F.val_metric / Math.max(1e-12, F.train_metric);
  return [["Validation MSE is ", el("b", { text: fixed(r, 2) + "\u00d7" }), " the training MSE here", r > 1.5 ? ": the network does clearly better on what it has seen." : "."]];
}

/** Is the run overfitting? The validation loss's lowest point against the newest, with the training loss beside it. */
function overfitText(figs, i) {
  const ok = figs.filter((F) => isNum(F.val_loss) && isNum(F.train_loss));
  if (ok.length < 2) return ["One checkpoint so far: the curves need a second one."];
  let best = 0;
  ok.forEach((F, j) => { if (F.val_loss < ok[best].val_loss) best = j; });
  const last = ok[ok.length - 1], B = ok[best];
  const rose = last.val_loss > B.val_loss * 1.1 + 1e-6 && best < ok.length - 1;
  const trainFell = last.train_loss < B.train_loss;
  const at = (F) => el("b", { text: "step " + int(F.step) });
  const sel = figs[i];
  const after = sel && rose && sel.step > B.step ? [" The chosen checkpoint comes after that point: the network fits its training points more tightly than the data deserves."] : [];
  if (rose && trainFell) {
    return [el("span", { class: "badge v-warn mlp-verdict", text: "overfitting" }), " The validation loss was lowest at ", at(B), " (" + v3(B.val_loss) + ") and has risen to " +
      v3(last.val_loss) + " since, while the training loss kept falling (" + v3(B.train_loss) + " \u2192 " + v3(last.train_loss) + "). The network is memorising its training points; the checkpoint at ",
      at(B), " generalises best.", ...after];
  }
  if (rose) return [el("span", { class: "badge mlp-verdict", text: "unsettled" }), " Both losses rose after ", at(B), ": training became unstable (a learning rate too high?)."];
  if (best === ok.length - 1) return [el("span", { class: "badge v-ok mlp-verdict", text: "no overfitting" }), " The validation loss is still falling: it is lowest at the newest checkpoint, ", at(last), "."];
  return [el("span", { class: "badge v-ok mlp-verdict", text: "no overfitting" }), " The validation loss has levelled off (lowest at ", at(B), ", " + v3(B.val_loss) + "; now " + v3(last.val_loss) + "): training has converged without memorising."];
}

export const mlpView = { render, facts, widths, taskText };

// ================================================================ the encoder-decoder (glassbox train seq2seq)

const S2S_GLOSSARY = [
  ["checkpoint", "Checkpoint", "The model saved at one step of training (every --checkpoint-interval steps and at the end). Each " +
    "checkpoint here also holds what the model wrote for a few held-out inputs then, and where it looked, so the pictures can replay training."],
  ["encoder", "Encoder", "The half of the model that reads. A bidirectional LSTM runs over the input characters forwards and " +
    "backwards and keeps one vector per input position: that character, described together with its neighbours."],
  ["decoder", "Decoder", "The half of the model that writes. An LSTM produces the output one character at a time, each time " +
    "taking in the character it wrote before, until it writes the end mark (</s>, shown as \u201cend\u201d)."],
  ["attention", "Attention", "Before writing each character the decoder scores every input position against its own state, turns " +
    "the scores into weights that add up to 1 (a softmax) and reads the weighted average of the encoder's vectors. Bahdanau " +
    "attention scores with a small network (additive), Luong with a product (bilinear). Without attention the decoder only gets " +
    "one vector for the whole input."],
  ["alignment", "Alignment", "Which input characters each output character was written from: the attention weights as a grid, " +
    "output characters down the side, input characters along the top. A sharp alignment has one dark cell per row."],
  ["exact", "Exact match", "The share of inputs whose whole output equals the target, character for character. It is strict: one " +
    "wrong digit makes the whole answer wrong."],
  ["teacher", "Teacher forcing", "While training, the decoder is given the right previous character, not the one it wrote. Here " +
    "(and on the held-out set) it is given its own, as it would be in use, so one early mistake can lead to more."],
  ["heldout", "Held-out set", "Inputs kept out of training (--held-out, 1,000 by default): no training batch ever holds one, so " +
    "how well the model does on them shows how it does on inputs it has never seen. The examples here are from it."],
];

/** The transformer's words: its encoder, decoder and attention, and the terms of "Every layer and head". */
const TF_GLOSSARY = {
  encoder: ["encoder", "Encoder", "The half of the model that reads: a stack of transformer layers over the input characters. In each layer " +
    "every input character looks at every other (self-attention), so each position ends up with a vector that describes its character in context."],
  decoder: ["decoder", "Decoder", "The half of the model that writes, one character at a time until the end mark (</s>, shown as \u201cend\u201d). " +
    "Each of its layers first looks at the characters already written (causal self-attention), then at the input (cross-attention)."],
  attention: ["attention", "Attention", "Each position asks a question (its query), scores it against every position it may look at (their keys), turns the " +
    "scores into weights that add up to 1 (a softmax) and reads the weighted average of what those positions hold. A transformer has many " +
    "such patterns: one per layer, head and kind (encoder self-attention, decoder self-attention, cross-attention)."],
  alignment: ["alignment", "Alignment", "Which input characters each output character was written from: here the last decoder layer's cross-attention, " +
    "averaged over its heads, as a grid (output characters down the side, input characters along the top). A sharp alignment has one dark cell per row."],
  extra: [
    ["selfatt", "Self-attention", "Attention of a sequence over itself: every position of the input (in the encoder), or of the answer written so far " +
      "(in the decoder), reads from the other positions of the same sequence."],
    ["crossatt", "Cross-attention", "Attention from the decoder to the encoder: each character being written reads from the input characters. It is " +
      "where the decoder reads the input; the big grid above is the last layer's, averaged over its heads."],
    ["causal", "Causal mask", "The rule that a decoder position may look only at itself and at earlier positions, never at characters not written yet " +
      "(when the model is used, there are none). Its weights above the diagonal are exactly 0."],
    ["head", "Head", "One of several attention patterns a layer computes side by side, each with its own query and key weights, so that one layer " +
      "can look at several things at once (one head the day, another the year). Their results are joined and mixed."],
    ["layer", "Layer", "One block of the transformer: attention (and, in the decoder, cross-attention) then a small feed-forward network, each added to " +
      "the position's running vector. Encoder and decoder each stack several; layer 0 is the first, nearest the characters."],
  ],
};
function glossaryOf(tf) {
  if (!tf) return S2S_GLOSSARY;
  return S2S_GLOSSARY.map((e) => TF_GLOSSARY[e[0]] || e).concat(TF_GLOSSARY.extra);
}

/** The three kinds of attention inside the transformer: what the rows and columns of each are, and how to read it. */
const TF_KINDS = [
  { key: "encoder_self", label: "Encoder self-attention", short: "input \u00d7 input",
    words: { title: "Encoder self-attention: each input character over the input characters", row: "input", col: "input", rowLong: "input character (query)", colLong: "input character (key)" },
    read: "each row is one input character and the columns are the input characters it reads to describe itself (a row adds up to 1). " +
      "Nothing is masked: every character may look both ways. Heads of the first layer often look at a neighbour or at characters of the " +
      "same kind (the digits of the year, the letters of the month); the next layer combines what they gathered." },
  { key: "decoder_self", label: "Decoder self-attention", short: "output \u00d7 output, causal",
    words: { title: "Decoder self-attention: each output character over the characters written before it", row: "writing", col: "written", rowLong: "output character (query)", colLong: "written before (key)" },
    read: "each row is one character the decoder writes; the columns are the start mark and the characters it has already written. It may " +
      "not look ahead (the causal mask), so everything above the diagonal is empty; the diagonal cell is the character written just before. " +
      "Heads here keep track of where in the answer the decoder is (in the year, after a dash)." },
  { key: "cross", label: "Cross-attention", short: "output \u00d7 input",
    words: { title: "Cross-attention: each output character over the input characters", row: "output", col: "input", rowLong: "output character (query)", colLong: "input character (key)" },
    read: "each row is one character the decoder writes and the columns are the input characters: this is where the decoder reads the input. " +
      "The big grid above is the last layer's, averaged over its heads; here each head is on its own, and heads often split the work " +
      "(one reads the day, another the year), while the first layer's are often blurrier." },
];

/** One attention pattern of an example as the heatmap draws it: rows (queries), columns (keys) and weights. */
function patternOf(E, kind, l, h) {
  const L = E && E.layers && E.layers[l];
  const W = L && L[kind] && L[kind][h];
  if (!W) return null;
  const out = E.output_tokens || [], inp = E.input_tokens || [];
  const rows = kind === "encoder_self" ? inp : out;
  const cols = kind === "encoder_self" || kind === "cross" ? inp : ["<s>"].concat(out.slice(0, Math.max(0, out.length - 1)));
  return { input_tokens: cols, output_tokens: rows, weights: W };
}

const S2S_CHIPS = {
  dates: ["twenty-third of November 2026", "23 Nov 2026", "11/23/2026", "Monday, November 23, 2026"],
  reverse: ["3141592", "2718281828", "1234567", "907"],
  sort: ["3141592", "2718281828", "9876543210", "5051"],
};

/** A character as a label: a space as "·", the end mark as "end". */
const charLabel = (t) => (t === " " ? "\u00b7" : t === "</s>" ? "end" : t === "<s>" ? "start" : t);
const attentionName = (a) => (a === "bahdanau" ? "Bahdanau (additive)" : a === "luong" ? "Luong (bilinear)" : a === "transformer" ? "transformer cross-" : a || "none");

/** A transformer run (its config's arch, or a figure's attention): its `attention` setting means nothing then. */
const isTransformer = (cfg, fig) => (cfg && cfg.arch === "transformer") || (fig && fig.attention === "transformer");

/** "LSTM, bahdanau attention" (or "LSTM, no attention"): the run's model in a few words. */
function seq2seqModel(cfg) {
  cfg = cfg || {};
  if (isTransformer(cfg)) {
    const L = isNum(cfg.layers) ? cfg.layers : 2;
    return "Transformer, " + L + " + " + L + " layers \u00d7 " + (isNum(cfg.heads) ? cfg.heads : 4) + " heads \u00d7 " + (isNum(cfg.width) ? cfg.width : 64) + " wide";
  }
  const arch = String(cfg.arch || "lstm").toUpperCase();
  return arch + ", " + (!cfg.attention || cfg.attention === "none" ? "no attention" : cfg.attention + " attention");
}

/** The output line (each character, the wrong ones marked) and, when there is one, the target under it. */
function outputLines(output, target) {
  const chars = (s, other, cls) => Array.from(s).map((ch, k) => {
    const bad = other !== null && other !== undefined && Array.from(other)[k] !== ch;
    return el("span", { class: ["s2s-ch", bad ? cls : null], title: bad ? (cls === "bad" ? "wrong: the target has " + (Array.from(other)[k] !== undefined ? "\u201c" + Array.from(other)[k] + "\u201d" : "nothing") + " here" : "missed") : null, text: charLabel(ch) });
  });
  const hasT = target !== null && target !== undefined;
  const ok = hasT && output === target;
  const wrong = hasT ? Math.max(Array.from(output).length, Array.from(target).length) - Array.from(output).filter((ch, k) => Array.from(target)[k] === ch).length : 0;
  return el("div", { class: "s2s-lines", dataset: hasT ? { ok: ok ? "1" : "0" } : null }, [
    el("div", { class: "s2s-line" }, [el("span", { class: "s2s-lab", text: "output" }), el("span", { class: "s2s-text out" }, chars(output, hasT ? target : null, "bad")),
      hasT ? el("span", { class: ["badge", "s2s-verdict", ok ? "v-ok" : "s2s-no"], text: ok ? "\u2713 exact match" : "\u2717 " + wrong + (wrong === 1 ? " character" : " characters") + " wrong" }) : null]),
    hasT ? el("div", { class: "s2s-line" }, [el("span", { class: "s2s-lab", text: "target" }), el("span", { class: "s2s-text" }, chars(target, output, "missed"))]) : null,
  ]);
}

/**
 * The alignment heatmap of one example (ex() -> {input_tokens, output_tokens, weights, target?}): output characters
 * down the side, input characters along the top, each cell the attention weight (sequential scale; exactly 0 the
 * panel colour). A Figure, drawn when it comes into view; its size follows the example.
 */
function alignmentFigure(v, id, name, ex, words) {
  // words: what the rows and columns are, for another attention pattern than the alignment (the enlarged head)
  const W = Object.assign({ title: "Attention of each output character over the input characters", row: "output", col: "input", rowLong: "output character", colLong: "input character" }, words || {});
  const V = views;
  const geom = () => {
    const E = ex() || { input_tokens: [], output_tokens: [] };
    const n = Math.max(1, E.input_tokens.length), m = Math.max(1, E.output_tokens.length);
    const cell = Math.max(14, Math.min(38, Math.floor(640 / n)));
    const left = 50, top = 30;
    return { E, n, m, cell, left, top, W: left + n * cell + 12, H: top + m * cell + 10 };
  };
  const at = (g, x, y) => {
    const c = Math.floor((x - g.left) / g.cell), r = Math.floor((y - g.top) / g.cell);
    return c >= 0 && c < g.n && r >= 0 && r < g.m ? [r, c] : null;
  };
  const MONO = "13px " + MONO_FAMILY;
  return v.figure({
    id, name, className: "s2s-heat", title: W.title,
    size: () => { const g = geom(); return [g.W, g.H]; },
    hover: (x, y) => { const q = at(geom(), x, y); return q ? q.join(":") : null; },
    paint(pt, w, h, exporting, figure) {
      const g = geom(), E = g.E, c = V.background(pt, w, h), sc = colorScale("sequential");
      const Wt = E.weights || [], target = E.target !== undefined && E.target !== null ? Array.from(E.target) : null;
      const hv = !exporting && figure && figure.hover ? figure.hover.split(":").map(Number) : null;
      const numbers = g.cell >= 24;
      for (let r = 0; r < g.m; r++) {
        const row = Wt[r] || [];
        for (let k = 0; k < g.n; k++) {
          const wt = row[k];
          const x = g.left + k * g.cell, y = g.top + r * g.cell;
          pt.rect(x, y, g.cell, g.cell, isNum(wt) && wt > 0 ? sc.css(wt) : c.bg);
          if (numbers && isNum(wt) && wt >= 0.095) {
            pt.text(wt >= 0.995 ? "1" : fixed(wt, 2).replace(/^0/, ""), x + g.cell / 2, y + g.cell / 2 + 0.5, { color: sc.ink(wt), align: "center", baseline: "middle", font: "9.5px system-ui" });
          }
        }
      }
      V.frame(pt, g.left, g.top, g.n * g.cell, g.m * g.cell, c);
      // the labels: input characters along the top, output characters down the side (wrong ones in red)
      for (let k = 0; k < g.n; k++) {
        const t = E.input_tokens[k], on = hv && hv[1] === k;
        const mark = t === "<s>" || t === "</s>";
        pt.text(charLabel(t), g.left + (k + 0.5) * g.cell, g.top - 9, { color: on ? c.accent : t === " " ? c.faint : mark ? c.muted : c.ink, align: "center",
          font: (on ? "bold " : "") + (mark ? (g.cell < 30 ? "9px system-ui" : "11px system-ui") : MONO) });
      }
      for (let r = 0; r < g.m; r++) {
        const t = E.output_tokens[r], on = hv && hv[0] === r;
        const outChars = E.output_tokens.filter((q) => q !== "</s>");
        const bad = target && t !== "</s>" ? target[r] !== t : target && t === "</s>" ? outChars.length !== target.length : false;
        pt.text(charLabel(t), g.left - 10, g.top + (r + 0.5) * g.cell, { color: on ? c.accent : bad ? c.danger : t === "</s>" ? c.muted : c.ink, align: "right", baseline: "middle",
          font: (on || bad ? "bold " : "") + (t === "</s>" || t === "<s>" ? "11px system-ui" : MONO) });
      }
      if (hv) {
        const [r, k] = hv, x0 = g.left, y0 = g.top;
        pt.poly([[x0, y0 + r * g.cell], [x0 + g.n * g.cell, y0 + r * g.cell], [x0 + g.n * g.cell, y0 + (r + 1) * g.cell], [x0, y0 + (r + 1) * g.cell]], { stroke: c.accent, width: 1 });
        pt.poly([[x0 + k * g.cell, y0], [x0 + (k + 1) * g.cell, y0], [x0 + (k + 1) * g.cell, y0 + g.m * g.cell], [x0 + k * g.cell, y0 + g.m * g.cell]], { stroke: c.accent, width: 1 });
      }
      if (!exporting && figure) {
        figure.root.dataset.rows = String(E.output_tokens.length);
        figure.root.dataset.cols = String(E.input_tokens.length);
        figure.root.dataset.input = E.input_tokens.join("");
        figure.root.dataset.checksum = checksum(Wt.flat());
        Object.assign(figure.root.dataset, { cell: String(g.cell), left: String(g.left), top: String(g.top) }); // the grid's place, in CSS pixels
      }
    },
    tip(x, y) {
      const g = geom(), q = at(g, x, y);
      if (!q) return null;
      const [r, k] = q, E = g.E, row = (E.weights || [])[r] || [];
      let best = 0;
      row.forEach((wt, j) => { if (wt > row[best]) best = j; });
      const qc = (t) => (t === "</s>" ? "end" : t === "<s>" ? "start" : "\u201c" + charLabel(t) + "\u201d");
      return tooltip.content(W.row + " " + qc(E.output_tokens[r]) + " \u2190 " + W.col + " " + qc(E.input_tokens[k]) + ": " + fixed(row[k], 3),
        [["attention weight", fixed(row[k], 3)], [W.rowLong, (r + 1) + " of " + g.m], [W.colLong, (k + 1) + " of " + g.n]],
        [best !== k && isNum(row[best]) ? "this row looks most at " + qc(E.input_tokens[best]) + " (" + W.colLong + " " + (best + 1) + ", " + fixed(row[best], 2) + ")" : "the " + W.colLong + " this row looks at most"]);
    },
    csv: () => { const E = ex(); return [[W.row + " \\ " + W.col].concat(E.input_tokens)].concat(E.output_tokens.map((t, r) => [t].concat((E.weights || [])[r] || []))); },
    json: () => { const E = ex(); return { input: E.input, output: E.output, target: E.target, input_tokens: E.input_tokens, output_tokens: E.output_tokens, weights: E.weights }; },
  });
}

function renderSeq2seq(container, doc, opts) {
  opts = opts || {};
  const V = views;
  const v = new V.View(container, Object.assign({ kind: "seq2seq" }, doc));
  v.root.classList.add("s2s-view");
  v.root.dataset.kind = "seq2seq";
  const run = doc.run || {}, cfg = run.config || {};
  const tf = isTransformer(cfg, (doc.figures || [])[0]);
  V.glossary(v, "s2s-glossary", glossaryOf(tf));
  if (tf) v.root.classList.add("s2s-tf");
  const S = { figs: [], i: 0, follow: true, timer: null, ex: 0, kind: "cross", zoom: null };
  const charts = [];
  let stopPlayer = () => {};
  const stop = () => stopPlayer();
  const onSelect = [];
  let exact = []; // the held-out exact match at each evaluation: the scalars API's buckets

  const setFigures = (list) => { S.figs = (Array.isArray(list) ? list : []).filter((f) => f && isNum(f.step)).slice().sort((a, b) => a.step - b.step); };
  setFigures(doc.figures);
  S.i = Math.max(0, S.figs.length - 1);
  const cur = () => S.figs[S.i];
  const choice = checkpointChoice(v, S, onSelect, setFigures);
  const examples = () => (cur() && cur().examples) || [];
  const example = () => examples()[Math.min(S.ex, examples().length - 1)];

  if (!S.figs.length) return waitingForCheckpoints(v, "s2s-empty", PICTURES_LATER, (figs) => renderSeq2seq(container, Object.assign({}, doc, { figures: figs }), opts));
  v.root.dataset.attention = cur().attention || cfg.attention || "";

  const player = checkpointPlayer(v, S, (i) => select(i), onSelect, {
    prefix: "s2s",
    read: "press play to watch where the model looks sharpen as it learns, or drag the slider to any checkpoint (\u2190 and \u2192 step one " +
      "at a time). Every picture below, your own input's included, shows the checkpoint chosen here.",
  });
  stopPlayer = player.stop;
  alignmentPanel();
  if (tf) layersPanel();
  const row = el("div", { class: "mlp-row s2s-row" });
  v.root.insertBefore(row, v.glossary);
  row.appendChild(exactPanel());
  if (opts.translate) row.appendChild(tryPanel());
  loadExact();

  select(S.i, true);
  if (isNum(opts.index)) select(Math.min(opts.index, S.figs.length - 1), true);

  function select(i, force) { choice.select(i, force); }

  function pickExample(k) {
    const n = examples().length;
    if (!n) return;
    S.ex = Math.max(0, Math.min(n - 1, k));
    v.root.dataset.example = String(S.ex);
    for (const f of onSelect) f();
  }

  function replace(list) { choice.replace(list, () => { player.refresh(); loadExact(); }); }

  /** The held-out exact match: given (opts.exactMatch, buckets) or fetched (opts.exactMatch(), a promise of them). */
  function loadExact() {
    const src = opts.exactMatch;
    if (Array.isArray(src)) { exact = src; for (const c of charts) c.refresh(); return; }
    if (typeof src !== "function") return;
    Promise.resolve(src()).then((b) => {
      exact = Array.isArray(b) ? b : [];
      for (const c of charts) c.refresh();
      for (const f of onSelect) f();
    }).catch(() => { /* the chart says it has nothing */ });
  }

  // ---------------------------------------------------------- the alignments of the held-out examples

  function alignmentPanel() {
    const p = v.panel("s2s-align", "Where the model looks",
      ["Held-out examples at the chosen checkpoint: pick one on the left. The grid is its ", el("b", { text: "alignment" }),
        ": for each character the decoder wrote (rows), how much attention it paid to each input character (columns)."],
      "each row is one output character, and its strong cells are the input characters the model read while writing it (a row " +
      "adds up to 1). A model that has learned the task reads the year's digits while it writes the year and the month's name or " +
      "number while it writes the month, so the strong cells trace a path." + (tf ? " (A transformer has many such grids: this is its last layer's " +
      "cross-attention, averaged over the heads; \u201cEvery layer and head\u201d below shows each one.)" : "") + " Early in training the rows are pale and spread over the " +
      "whole input; play the checkpoints to watch them sharpen. Characters in red are wrong: their rows often look in the wrong place.",
      ["attention", "alignment", "encoder", "decoder", "heldout"].concat(tf ? ["crossatt", "head"] : []));
    p.classList.add("s2s-align-panel");
    const list = el("div", { class: "s2s-examples", id: "s2s-examples", role: "listbox", "aria-label": "Held-out examples" });
    const buttons = examples().map((E, k) => {
      const mark = el("span", { class: "s2s-mark", "aria-hidden": "true" });
      const out = el("span", { class: "s2s-ex-out" });
      const tag = tf ? el("span", { class: "s2s-ex-tag", text: "all heads", title: "every layer and head is recorded for this example (see \u201cEvery layer and head\u201d)" }) : null;
      const b = el("button", { type: "button", class: "s2s-ex", role: "option", dataset: { index: String(k) }, onclick: () => pickExample(k) }, [
        mark, el("span", { class: "s2s-ex-text" }, [el("span", { class: "s2s-ex-in", text: E.input }), out]), tag]);
      b._mark = mark; b._out = out; b._tag = tag;
      return b;
    });
    list.append(...buttons);
    list.addEventListener("keydown", (e) => {
      const d = { ArrowDown: 1, ArrowUp: -1 }[e.key];
      if (!d) return;
      e.preventDefault();
      pickExample(S.ex + d);
      buttons[S.ex].focus();
    });
    const lines = el("div", { class: "s2s-compare", id: "s2s-compare" });
    const fig = alignmentFigure(v, "s2s-heat", "alignment", () => example());
    const caption = el("span");
    const legend = V.themedLegend(v, "sequential", 1, "attention weight (each row adds up to 1; square-root scale, so small weights still show)", (x) => (x === 0 ? "0" : x === 1 ? "1" : fixed(x, 2)));
    legend.id = "s2s-legend";
    p.append(el("div", { class: "s2s-align" }, [
      list,
      el("div", { class: "s2s-main v-fig" }, [lines, V.figHead(caption, fig), el("div", { class: "v-scroll" }, fig.root), legend]),
    ]));
    onSelect.push(() => {
      const F = cur(), E = example();
      let right = 0;
      examples().forEach((X, k) => {
        const b = buttons[k];
        if (!b) return;
        const ok = X.output === X.target;
        if (ok) right++;
        b._mark.textContent = ok ? "\u2713" : "\u2717";
        b._mark.title = ok ? "exact match" : "wrong";
        b.dataset.ok = ok ? "1" : "0";
        b._out.textContent = "\u2192 " + (X.output === "" ? "(nothing)" : X.output);
        b.setAttribute("aria-selected", k === S.ex ? "true" : "false");
        if (b._tag) { b.dataset.layers = X.layers ? "1" : "0"; b._tag.hidden = !X.layers; }
        b.classList.toggle("on", k === S.ex);
      });
      list.dataset.right = String(right);
      if (!E) return;
      clear(lines).appendChild(outputLines(E.output, E.target));
      clear(caption).append("input ", el("b", { class: "mono", text: "\u201c" + E.input + "\u201d" }), " at step ", el("b", { text: int(F.step) }),
        tf ? " \u00b7 the last layer's cross-attention, averaged over its " + headsOf(E) + " heads" : " \u00b7 " + attentionName(F.attention) + " attention");
      fig.opts.fileName = "glassbox-alignment-step-" + F.step + "-example-" + S.ex;
      fig.root.dataset.step = String(F.step);
      fig.root.dataset.example = String(S.ex);
      fig.requestDraw();
    });
    v.root.dataset.example = String(S.ex);
  }

  // ---------------------------------------------------------- every layer and head (transformer runs)

  function headsOf(E) {
    const L = E && E.layers && E.layers[0];
    return L && L.cross ? L.cross.length : isNum(cfg.heads) ? cfg.heads : 4;
  }

  /**
   * The transformer's attention patterns of the chosen example: a switch between encoder self-attention, decoder
   * self-attention and cross-attention, a grid of small heatmaps (rows layers, columns heads) and, below it, the one
   * clicked, enlarged. Only the first examples of each checkpoint carry them (`layers`); the others get a note.
   */
  function layersPanel() {
    const read = el("span", { id: "s2s-layers-read" });
    const p = v.panel("s2s-layers", "Every layer and head",
      ["Every attention pattern inside the transformer for the chosen example at the chosen checkpoint: one small grid per ", el("b", { text: "layer" }),
        " (rows) and ", el("b", { text: "head" }), " (columns), rows the positions that look (queries), columns the positions they look at (keys). Click one to enlarge it."],
      read, ["selfatt", "crossatt", "causal", "head", "layer"]);
    p.classList.add("s2s-layers-panel");
    const kindOf = () => TF_KINDS.find((K) => K.key === S.kind) || TF_KINDS[2];
    const seg = el("div", { class: "v-seg s2s-kinds", id: "s2s-kinds", role: "group", "aria-label": "Which attention" }, TF_KINDS.map((K) =>
      el("button", { type: "button", id: "s2s-kind-" + K.key, dataset: { kind: K.key }, title: K.short, onclick: () => setKind(K.key) }, [K.label,
        el("span", { class: "s2s-kind-dims", text: K.short })])));
    const note = el("div", { class: "s2s-layers-note", id: "s2s-layers-note", hidden: true });
    const caption = el("span");
    const grid = el("div", { class: "s2s-heads", id: "s2s-heads" });
    const legend = V.themedLegend(v, "sequential", 1, "attention weight (each row adds up to 1; exactly 0, as above the diagonal of a causal mask, is the panel colour)",
      (x) => (x === 0 ? "0" : x === 1 ? "1" : fixed(x, 2)));
    legend.id = "s2s-layers-legend";
    const body = el("div", { class: "s2s-layers-body" }, [el("div", { class: "v-fig" }, [el("div", { class: "v-fig-head" }, el("div", { class: "v-caption" }, caption)),
      el("div", { class: "v-scroll" }, grid), legend])]);
    // the enlarged pattern: the same drawing as the alignment above, with its own words
    const zoom = el("div", { class: "v-zoom s2s-zoom", id: "s2s-zoom" });
    const zoomed = () => (S.zoom ? patternOf(example(), S.kind, S.zoom.l, S.zoom.h) : null);
    let zfig = null;
    p.append(el("div", { class: "s2s-layers-tools" }, seg), note, body, zoom);

    let thumbs = [];
    function geometry(P) {
      const n = P.input_tokens.length, m = P.output_tokens.length;
      const cell = Math.max(3, Math.min(12, Math.floor(132 / Math.max(n, m, 1))));
      const left = 18, top = 14;
      return { n, m, cell, left, top, W: left + n * cell + 3, H: top + m * cell + 3, every: Math.max(1, Math.ceil(9 / cell)) };
    }
    /** One small heatmap: cells in the sequential scale (exactly 0 the panel colour), a few labels on each axis. */
    function paintThumb(canvas, P) {
      const g = geometry(P), dpr = Math.max(1, window.devicePixelRatio || 1);
      canvas.width = Math.round(g.W * dpr); canvas.height = Math.round(g.H * dpr);
      canvas.style.width = g.W + "px"; canvas.style.height = g.H + "px";
      const x = canvas.getContext("2d"), c = chartTheme(), sc = colorScale("sequential");
      x.setTransform(dpr, 0, 0, dpr, 0, 0);
      x.fillStyle = c.bg; x.fillRect(0, 0, g.W, g.H);
      for (let r = 0; r < g.m; r++) {
        const row = P.weights[r] || [];
        for (let k = 0; k < g.n; k++) {
          const w = row[k];
          if (!(isNum(w) && w > 0)) continue;
          x.fillStyle = sc.css(w);
          x.fillRect(g.left + k * g.cell, g.top + r * g.cell, g.cell, g.cell);
        }
      }
      x.strokeStyle = c.line; x.lineWidth = 1;
      x.strokeRect(g.left - 0.5, g.top - 0.5, g.n * g.cell + 1, g.m * g.cell + 1);
      x.font = "8.5px " + MONO_FAMILY; x.fillStyle = c.muted;
      const lab = (t) => (t === "<s>" ? "\u25b8" : t === "</s>" ? "\u25aa" : charLabel(t));
      x.textAlign = "center"; x.textBaseline = "alphabetic";
      for (let k = 0; k < g.n; k += g.every) x.fillText(lab(P.input_tokens[k]), g.left + (k + 0.5) * g.cell, g.top - 4);
      x.textAlign = "right"; x.textBaseline = "middle";
      for (let r = 0; r < g.m; r += g.every) x.fillText(lab(P.output_tokens[r]), g.left - 4, g.top + (r + 0.5) * g.cell);
    }
    /** Cells above the diagonal with any weight (0 for a causal pattern), for tests and the tooltip. */
    const above = (P) => P.weights.reduce((a, row, r) => a + row.filter((w, k) => k > r && w > 0).length, 0);

    function build() {
      const E = example(), K = kindOf();
      p.dataset.kind = K.key;
      for (const b of seg.children) { const on = b.dataset.kind === K.key; b.classList.toggle("on", on); b.setAttribute("aria-pressed", on ? "true" : "false"); }
      clear(read).append(K.read);
      const has = !!(E && E.layers && E.layers.length);
      p.dataset.layers = has ? "1" : "0";
      body.hidden = !has;
      note.hidden = has;
      if (!has) {
        const withL = examples().map((X, k) => (X.layers ? k : -1)).filter((k) => k >= 0);
        clear(note).append(el("p", {}, ["The checkpoints record every layer and head only for the first " + (withL.length || 3) + " examples (marked ",
          el("span", { class: "s2s-ex-tag", text: "all heads" }), " in the list above); this one has just the averaged alignment."]),
        withL.length ? el("button", { type: "button", class: "btn small", id: "s2s-layers-first", text: "Show example " + (withL[0] + 1), onclick: () => pickExample(withL[0]) }) : null);
        clear(grid); thumbs = [];
        closeZoom();
        return;
      }
      const L = E.layers.length, H = headsOf(E), P0 = patternOf(E, K.key, 0, 0), g = geometry(P0);
      clear(caption).append(el("b", { text: K.label }), " (" + K.short + ") \u00b7 " + L + " layers \u00d7 " + H + " heads \u00b7 input ",
        el("b", { class: "mono", text: "\u201c" + E.input + "\u201d" }), " at step ", el("b", { text: int(cur().step) }));
      grid.style.gridTemplateColumns = "auto repeat(" + H + ", " + (g.W + 6) + "px)";
      clear(grid).append(el("div"), ...Array.from({ length: H }, (_, h) => el("div", { class: "s2s-hlab", text: "head " + h })));
      thumbs = [];
      for (let l = 0; l < L; l++) {
        grid.append(el("div", { class: "s2s-llab", text: "layer " + l }));
        for (let h = 0; h < H; h++) {
          const P = patternOf(E, K.key, l, h);
          const canvas = el("canvas", { "aria-hidden": "true" });
          const b = el("button", { type: "button", class: ["s2s-thumb", S.zoom && S.zoom.l === l && S.zoom.h === h ? "sel" : null], onclick: () => openZoom(l, h, true),
            "aria-label": K.label + ", layer " + l + ", head " + h + ": enlarge",
            dataset: { layer: String(l), head: String(h), kind: K.key, rows: String(P ? P.output_tokens.length : 0), cols: String(P ? P.input_tokens.length : 0),
              above: P ? String(above(P)) : "", checksum: P ? checksum(P.weights.flat()) : "" } }, canvas);
          if (P) paintThumb(canvas, P);
          b._P = P;
          thumbs.push(b);
          grid.append(b);
        }
      }
      grid.dataset.layers = String(L); grid.dataset.heads = String(H); grid.dataset.kind = K.key;
      grid.dataset.checksum = checksum([].concat(...thumbs.map((b) => (b._P ? b._P.weights.flat() : []))));
      if (S.zoom) openZoom(Math.min(S.zoom.l, L - 1), Math.min(S.zoom.h, H - 1), false);
    }
    // a thumbnail's tooltip: the layer, the head and the cell under the pointer
    tooltip.attach(grid, (e) => {
      const b = e.target.closest ? e.target.closest(".s2s-thumb") : null;
      if (!b || !b._P) return null;
      const P = b._P, g = geometry(P), box = b.querySelector("canvas").getBoundingClientRect();
      const k = Math.floor((e.clientX - box.left - g.left) / g.cell), r = Math.floor((e.clientY - box.top - g.top) / g.cell);
      const K = kindOf(), q = (t) => (t === "</s>" ? "end" : t === "<s>" ? "start" : "\u201c" + charLabel(t) + "\u201d");
      const cellRows = r >= 0 && r < g.m && k >= 0 && k < g.n
        ? [[K.words.row + " " + q(P.output_tokens[r]) + " \u2190 " + K.words.col + " " + q(P.input_tokens[k]), fixed((P.weights[r] || [])[k], 3)]] : [];
      return tooltip.content(K.label + " \u00b7 layer " + b.dataset.layer + ", head " + b.dataset.head, cellRows, ["click to enlarge"]);
    });

    function closeZoom() {
      S.zoom = null;
      zoom.classList.remove("open");
      delete zoom.dataset.layer; delete zoom.dataset.head;
    }
    function openZoom(l, h, scroll) {
      const E = example(), L = E && E.layers ? E.layers.length : 0, H = headsOf(E);
      if (l < 0 || l >= L || h < 0 || h >= H) return;
      S.zoom = { l, h };
      for (const b of thumbs) b.classList.toggle("sel", b.dataset.layer === String(l) && b.dataset.head === String(h));
      const K = kindOf(), idx = l * H + h, go = (d) => { const j = idx + d; openZoom(Math.floor(j / H), j % H, false); };
      if (zfig) { zfig.destroy(); v.figures = v.figures.filter((f) => f !== zfig); }
      zfig = alignmentFigure(v, "s2s-zoom-heat", "attention-" + K.key + "-L" + l + "-H" + h, zoomed, K.words);
      zfig.opts.fileName = "glassbox-" + K.key.replace("_", "-") + "-layer-" + l + "-head-" + h + "-step-" + cur().step + "-example-" + S.ex;
      const prev = el("button", { type: "button", class: "icon-btn", id: "s2s-zoom-prev", title: "Previous head", "aria-label": "Previous head", disabled: idx === 0, onclick: () => go(-1) }, icon("left"));
      const next = el("button", { type: "button", class: "icon-btn", id: "s2s-zoom-next", title: "Next head", "aria-label": "Next head", disabled: idx === L * H - 1, onclick: () => go(1) }, icon("right"));
      const close = el("button", { type: "button", class: "btn small ghost", id: "s2s-zoom-close", text: "Close", onclick: () => { closeZoom(); for (const b of thumbs) b.classList.remove("sel"); } });
      clear(zoom).append(
        el("div", { class: "v-zoom-head" }, [el("h3", { text: K.label + ", layer " + l + ", head " + h }), el("span", { class: "v-stepper" }, [prev, next]),
          el("span", { class: "muted", text: K.short }), el("span", { class: "spacer" }), close]),
        el("div", { class: "v-fig" }, [V.figHead(["rows: ", el("b", { text: K.words.rowLong }), ", columns: ", el("b", { text: K.words.colLong }), " \u00b7 hover a cell for its weight"], zfig),
          el("div", { class: "v-scroll" }, zfig.root)]));
      zoom.classList.add("open");
      zoom.dataset.layer = String(l); zoom.dataset.head = String(h); zoom.dataset.kind = K.key;
      zfig.draw();
      if (scroll) zoom.scrollIntoView({ block: "nearest" });
    }
    function setKind(k) {
      if (k === S.kind) return;
      S.kind = k;
      build();
    }
    v.repaint.push(() => { for (const b of thumbs) if (b._P) paintThumb(b.querySelector("canvas"), b._P); });
    onSelect.push(build);
  }

  // ---------------------------------------------------------- exact match across training

  /** The newest evaluation at or before step (the nearest after it when there is none before). */
  function exactAt(step) {
    let best = null;
    for (const b of exact) if (isNum(b.last) && b.last_step <= step && (!best || b.last_step > best.last_step)) best = b;
    return best || exact.find((b) => isNum(b.last)) || null;
  }

  function exactPanel() {
    const p = v.panel("s2s-exact", "Exact match across training",
      "The share of the held-out set the model writes exactly right, at every evaluation (--eval-interval); the vertical line marks the chosen checkpoint.",
      "the curve climbs as the model learns the task. Exact match is strict: a date with one wrong digit counts as wrong, so it " +
      "often stays low for a while and then climbs steeply once the model has the alignment right. Click the chart to pick the checkpoint nearest that step.",
      ["exact", "heldout", "teacher"]);
    p.classList.add("s2s-exact-panel");
    const big = el("span", { class: "s2s-big", id: "s2s-exact-value" });
    const where = el("span", { class: "s2s-where", id: "s2s-exact-where" });
    const shown = el("p", { class: "mlp-gap", id: "s2s-shown" });
    p.append(el("div", { class: "s2s-headline" }, [big, where]), shown);
    const ch = new LineChart({ name: "s2s-exact-chart", title: "Exact match", subtitle: "held-out set, %", height: 190, legend: false,
      yFormat: (x) => num(x, 3) + "%", fileName: (run.name || "seq2seq") + "-exact-match", emptyText: "No evaluation recorded yet (val/exact_match)",
      onClick: (step) => {
        stop();
        let j = 0;
        S.figs.forEach((F, k) => { if (Math.abs(F.step - step) < Math.abs(S.figs[j].step - step)) j = k; });
        select(j);
      } });
    ch.root.id = "s2s-exact-chart";
    ch.refresh = () => ch.setSeries([{ key: "val/exact_match", label: "exact match (held-out)", color: color(2),
      buckets: exact.map((b) => Object.assign({}, b, { min: 100 * b.min, max: 100 * b.max, mean: 100 * b.mean, last: 100 * b.last, smoothed: 100 * (isNum(b.smoothed) ? b.smoothed : b.last) })), dots: true }]);
    ch.refresh();
    charts.push(ch);
    p.append(el("div", { class: "mlp-charts one" }, ch.root));
    onSelect.push(() => {
      const F = cur(), b = exactAt(F.step);
      big.textContent = b ? fixed(100 * b.last, 1) + "%" : "\u2013";
      clear(where).append(b ? (b.last_step === F.step ? "held-out exact match at step " + int(F.step)
        : "held-out exact match at the evaluation of step " + int(b.last_step) + " (none at step " + int(F.step) + ")") : "held-out exact match: not evaluated yet");
      const X = examples(), right = X.filter((E) => E.output === E.target).length;
      clear(shown).append("The ", el("b", { text: String(X.length) }), " examples above: ", el("b", { text: right + " right" }),
        right < X.length ? ", " + (X.length - right) + " wrong." : ".");
      ch.setMarkers([{ step: F.step, kind: "selected", text: "step " + F.step }]);
    });
    return p;
  }

  // ---------------------------------------------------------- your own input (the studio's translate API)

  function tryPanel() {
    const task = cfg.task || "dates";
    const p = v.panel("s2s-try", "Try your own input",
      task === "dates" ? "Write a date any way you like: the checkpoint chosen in the player writes it as YYYY-MM-DD, and the grid shows where it looked."
        : "Type a string of digits (3 to 12): the checkpoint chosen in the player " + (task === "sort" ? "sorts" : "reverses") + " it, and the grid shows where it looked.",
      "read the grid as the one on the left. Inputs unlike the training data (other words, other lengths) show where the model's " +
      "knowledge ends: its attention blurs and the output goes wrong. Move the player to see how an early checkpoint handles the same input.",
      ["attention", "alignment"]);
    p.classList.add("s2s-try-panel");
    const input = el("input", { type: "text", class: "input mono s2s-input", id: "s2s-input", maxlength: "200", spellcheck: "false", autocomplete: "off",
      placeholder: (S2S_CHIPS[task] || S2S_CHIPS.dates)[0], "aria-label": "Your own input" });
    const go = el("button", { type: "submit", class: "btn small primary", id: "s2s-go", text: "Translate" });
    const chips = el("div", { class: "s2s-chips", id: "s2s-chips" }, [el("span", { class: "muted", text: "Examples:" })].concat((S2S_CHIPS[task] || S2S_CHIPS.dates).map((t) =>
      el("button", { type: "button", class: "s2s-chip", text: t, onclick: () => { input.value = t; ask(); } }))));
    const out = el("div", { class: "s2s-try-out", id: "s2s-try-out", dataset: { state: "idle" } });
    p.append(el("form", { class: "s2s-form", onsubmit: (e) => { e.preventDefault(); ask(); } }, [input, go]), chips, out);
    let result = null, seq = 0, asked = null;
    const fig = alignmentFigure(v, "s2s-try-heat", "your-alignment", () => result && { input: result.input, output: result.output, input_tokens: result.input_tokens, output_tokens: result.output_tokens, weights: result.attention });
    const caption = el("span");
    const lines = el("div", { class: "s2s-compare", id: "s2s-try-lines" });
    const legend = V.themedLegend(v, "sequential", 1, "attention weight", (x) => (x === 0 ? "0" : x === 1 ? "1" : fixed(x, 2)));
    const shownNode = el("div", { class: "v-fig" }, [lines, V.figHead(caption, fig), el("div", { class: "v-scroll" }, fig.root), legend]);

    async function ask() {
      stop();
      const text = input.value;
      asked = text;
      const my = ++seq, step = cur().step;
      out.dataset.state = "loading";
      try {
        const r = await fetchJSON("/api/runs/" + encodeURIComponent(run.id) + "/translate?text=" + encodeURIComponent(text) + "&step=" + step);
        if (my !== seq) return;
        result = r;
        clear(lines).appendChild(outputLines(r.output, null));
        clear(caption).append("your input at step ", el("b", { text: int(r.step) }));
        fig.root.dataset.step = String(r.step);
        fig.root.dataset.output = r.output;
        fig.opts.fileName = "glassbox-your-alignment-step-" + r.step;
        if (shownNode.parentNode !== out) clear(out).appendChild(shownNode);
        out.dataset.state = "shown";
        out.dataset.step = String(r.step);
        fig.draw();
      } catch (err) {
        if (my !== seq) return;
        result = null;
        out.dataset.state = "error";
        clear(out).appendChild(errorBox(err, "Could not translate that"));
      }
    }
    // a new checkpoint in the player: the same input again, at that checkpoint (after a pause, so playing stays smooth)
    const again = debounce(() => { if (asked !== null && out.dataset.state !== "error" && String(cur().step) !== out.dataset.step) ask(); }, 160);
    onSelect.push(() => { if (asked !== null && result) again(); });
    return p;
  }

  return {
    update: (figs) => replace(figs),
    select: (i) => select(i),
    index: () => S.i,
    destroy() {
      stop();
      for (const c of charts) c.destroy();
      v.destroy();
    },
  };
}

export const seq2seqView = { render: renderSeq2seq, model: seq2seqModel, attentionName };

// ================================================================ a fine-tuned language model (glassbox finetune)

const FT_GLOSSARY = [
  ["checkpoint", "Checkpoint", "The fine-tuned weights saved at one step (every --checkpoint-interval steps and at the end). Each checkpoint here " +
    "also holds the answers the model gave then to a few held-out prompts, so the player can replay the fine-tuning."],
  ["lora", "LoRA", "Low-rank adaptation: the pretrained weights stay frozen, and beside each chosen projection two thin matrices are trained, " +
    "A (rank \u00d7 input) and B (output \u00d7 rank). Their product B\u00b7A, scaled by alpha / rank, is added to the frozen weight. Only these " +
    "adapters are trained and saved: a small fraction of the model's size."],
  ["rank", "Rank and alpha", "The rank r is the width of the adapters' bottleneck: the change to each weight has at most r independent directions. " +
    "Alpha scales the change (by alpha / r): the larger it is, the more the same adapter weights move the model."],
  ["full", "Full fine-tuning", "Every weight of the model is trained (a GPT trained by glassbox itself): the most freedom, and each checkpoint is " +
    "a whole model."],
  ["adapter", "Adapter folder", "A checkpoint of a LoRA run: adapter_model.safetensors and adapter_config.json, in Hugging Face PEFT's layout. " +
    "Every model command loads it over its base model with --adapter, and the studio opens it as a model of its own."],
  ["heldout", "Held-out examples", "Examples kept out of training (--validation): no training batch holds one, so the loss and the answers on them " +
    "show what the model learned beyond the examples it saw."],
  ["loss", "Held-out loss", "How surprised the model is by the reference answers of the held-out examples: the mean cross-entropy of the answers' " +
    "tokens (the prompts' tokens do not count). Step 0 is the base model, before any training. Lower is better."],
  ["greedy", "Greedy answer", "The answer written by always taking the most probable next token (no sampling), up to --compare-tokens tokens or the " +
    "end of the turn. A checkpoint always writes the same greedy answer to the same prompt."],
  ["base", "Base model", "The pretrained model before fine-tuning. Its answers are the same at every checkpoint: they are where the fine-tuning starts."],
  ["reference", "Reference answer", "The answer the data set gives for a prompt: what the fine-tuning teaches the model to write."],
];

const baseName = (path) => (path ? String(path).split("/").filter(Boolean).pop() || String(path) : "\u2013");
/** Answers that equal the reference once leading and trailing whitespace is set aside. */
const sameAnswer = (a, ref) => typeof a === "string" && typeof ref === "string" && a.trim() === ref.trim();
/** A word for the shell: bare when safe, else in double quotes (in single quotes when it holds $ ` \ " or !). */
function shellWord(s) {
  s = String(s);
  if (/^[A-Za-z0-9_\/.,:@%+=-]+$/.test(s)) return s;
  if (!/[$`\\"!]/.test(s)) return '"' + s + '"';
  return "'" + s.replace(/'/g, "'\\''") + "'";
}
/** "q, k, v, o (attention)" from ["q_proj", ...]. */
function targetsText(t) {
  const list = (Array.isArray(t) ? t : typeof t === "string" ? t.split(",") : []).map((x) => String(x).trim().replace(/_proj$/, "")).filter(Boolean);
  if (!list.length) return "";
  const attn = ["q", "k", "v", "o"], mlp = ["gate", "up", "down"];
  const has = (xs) => xs.every((x) => list.includes(x));
  const what = has(attn) && has(mlp) && list.length === 7 ? "attention and MLP" : list.every((x) => attn.includes(x)) ? "attention" : list.every((x) => mlp.includes(x)) ? "MLP" : null;
  return list.join(", ") + (what ? " (" + what + ")" : "");
}
/** The method in a few words: "LoRA r 8, α 16" or "full fine-tuning". */
function finetuneMethod(cfg) {
  cfg = cfg || {};
  if (cfg.method === "full") return "Full fine-tuning";
  return "LoRA" + (isNum(cfg.rank) ? " r " + cfg.rank : "") + (isNum(cfg.alpha) ? ", \u03b1 " + num(cfg.alpha, 3) : "");
}
/** A text with its line breaks shown: each break as a faint ↵ (drawn by CSS, so textContent stays the text). */
function shownText(text) {
  if (typeof text !== "string" || text.trim() === "") return [el("span", { class: "ft-empty", text: typeof text === "string" && text.length ? "(only whitespace)" : "(nothing)" })];
  const out = [];
  text.split("\n").forEach((line, k) => {
    if (k) out.push(el("span", { class: "ft-nl", "aria-hidden": "true", title: "line break" }), "\n");
    if (line) out.push(line);
  });
  return out;
}
/** The newest evaluation at or before step among {step, value} points (the nearest after it when there is none). */
function lossAt(points, step) {
  let best = null;
  for (const q of points) if (q.step <= step && (!best || q.step > best.step)) best = q;
  return best || points.find((q) => q.step > 0) || null;
}
const dropText = (base, now) => {
  const r = (base - now) / base;
  return (r >= 0 ? "\u2212" : "+") + fixed(100 * Math.abs(r), 1) + "%";
};

/**
 * The fine-tuning view: facts (method, trainable parameters, base model, data, held-out loss before and after, peak
 * memory), the checkpoint player, the held-out prompts answered by the base model and by the checkpoint chosen (with
 * the reference and ✓ where an answer equals it), and the command that uses the chosen checkpoint.
 * doc: {run: {id, name, status, parameter_count, config}, figures: the `finetune` documents, metrics: {val: [{step,
 * value}] (val/loss; step 0 the base model), peak_rss_mb, peak_tensor_mb}}. opts: {links (the studio: links to its
 * Generate and Inspect pages), baseModel (the studio's id of the base model, for "what changed inside"), explicitModel
 * (the usage line names --model BASE)}. Returns {update(figures), setMetrics(metrics), select(i), index(), destroy()}.
 */
function renderFinetune(container, doc, opts) {
  opts = opts || {};
  const V = views;
  const v = new V.View(container, Object.assign({ kind: "finetune" }, doc));
  v.root.classList.add("ft-view");
  v.root.dataset.kind = "finetune";
  V.glossary(v, "ft-glossary", FT_GLOSSARY);
  const run = doc.run || {}, cfg = run.config || {};
  const lora = cfg.method !== "full";
  const S = { figs: [], i: 0, follow: true, timer: null, metrics: { val: [], peak_rss_mb: null, peak_tensor_mb: null }, usage: 0 };
  let stopPlayer = () => {};
  const stop = () => stopPlayer();
  const onSelect = [], onMetrics = [];

  const setFigures = (list) => { S.figs = (Array.isArray(list) ? list : []).filter((f) => f && isNum(f.step)).slice().sort((a, b) => a.step - b.step); };
  function setMetrics(m) {
    m = m || {};
    S.metrics = {
      val: (Array.isArray(m.val) ? m.val : []).filter((q) => q && isNum(q.step) && isNum(q.value)).slice().sort((a, b) => a.step - b.step),
      peak_rss_mb: isNum(m.peak_rss_mb) ? m.peak_rss_mb : null,
      peak_tensor_mb: isNum(m.peak_tensor_mb) ? m.peak_tensor_mb : null,
    };
  }
  setFigures(doc.figures);
  setMetrics(doc.metrics);
  S.i = Math.max(0, S.figs.length - 1);
  const cur = () => S.figs[S.i];
  const choice = checkpointChoice(v, S, onSelect, setFigures);
  const examples = () => (cur() && cur().examples) || [];
  /** The base model's held-out loss: val/loss at step 0, else the figures' base_val_loss. */
  function baseLoss() {
    const z = S.metrics.val.find((q) => q.step === 0);
    if (z) return z.value;
    const F = S.figs.find((f) => isNum(f.base_val_loss));
    return F ? F.base_val_loss : null;
  }

  factsPanel();
  if (!S.figs.length) {
    return waitingForCheckpoints(v, "ft-empty", "The before-and-after answers come with the checkpoints: the first is written after --checkpoint-interval steps.",
      (figs) => renderFinetune(container, Object.assign({}, doc, { figures: figs, metrics: S.metrics }), opts), (now) => ({
        setMetrics(m) { if (now()) now().setMetrics(m); else { setMetrics(m); for (const f of onMetrics) f(); } },
        setCheckpoints(list) { opts.checkpoints = list; if (now()) now().setCheckpoints(list); },
      }));
  }

  const player = checkpointPlayer(v, S, (i) => select(i), onSelect, {
    prefix: "ft", title: "Fine-tuning, checkpoint by checkpoint",
    read: "press play to watch the answers change as the model learns, or drag the slider to any checkpoint (\u2190 and \u2192 step one at a time). " +
      "The fine-tuned answers and the command below are the checkpoint chosen here.",
  });
  stopPlayer = player.stop;
  const stepLoss = el("p", { class: "mlp-gap ft-step-loss", id: "ft-step-loss" });
  v.root.querySelector("#ft-player").appendChild(stepLoss);
  // the held-out loss, beside the player's title (the line under the player reads it)
  const helps = v.root.querySelector("#ft-player .v-helps");
  if (helps) helps.appendChild(V.helpButton(v, "loss"));
  const stepLossNow = () => {
    const F = cur(), b = baseLoss(), q = lossAt(S.metrics.val.filter((x) => x.step > 0), F.step);
    stepLoss.dataset.step = q ? String(q.step) : "";
    stepLoss.dataset.value = q ? String(q.value) : "";
    if (!q) { clear(stepLoss).append("No held-out evaluation yet (every ", el("code", { text: "--eval-interval" }), " steps)."); return; }
    append(clear(stepLoss), ["Held-out loss ", q.step === F.step ? "at step " + int(F.step) : "at the evaluation of step " + int(q.step), ": ",
      el("b", { text: fixed(q.value, 3) }), isNum(b) && b > 0 ? [" (", el("b", { class: q.value <= b ? "ft-good" : "ft-bad", text: dropText(b, q.value) }),
        " against the base model's " + fixed(b, 3) + ")."] : "."]);
  };
  onSelect.push(stepLossNow);
  onMetrics.push(stepLossNow);
  comparePanel();
  usagePanel();

  select(S.i, true);
  if (isNum(opts.index)) select(Math.min(opts.index, S.figs.length - 1), true);

  function select(i, force) { choice.select(i, force); }

  function replace(list) { choice.replace(list, () => player.refresh()); }

  // ---------------------------------------------------------- the facts

  function factsPanel() {
    const p = el("section", { class: "card v-panel ft-facts", id: "ft-facts", "aria-label": "The fine-tuning in numbers" });
    v.root.insertBefore(p, v.glossary);
    const fact = (id, label) => {
      const value = el("div", { class: "ft-fact-value" }), sub = el("div", { class: "ft-fact-sub" });
      const node = el("div", { class: "ft-fact", id: "ft-fact-" + id }, [el("div", { class: "ft-fact-label", text: label }), value, sub]);
      p.appendChild(node);
      return { node, value, sub };
    };
    const method = fact("method", "Method");
    method.value.textContent = finetuneMethod(cfg);
    method.node.dataset.method = lora ? "lora" : "full";
    append(method.sub, lora ? (targetsText(cfg.targets) ? "adapters on " + targetsText(cfg.targets) : "adapters on the attention projections") : "every weight is trained");
    const params = fact("params", "Trainable");
    params.value.textContent = isNum(run.parameter_count) ? compact(run.parameter_count) : "\u2013";
    params.value.title = isNum(run.parameter_count) ? int(run.parameter_count) + " parameters" : "";
    params.node.dataset.value = isNum(run.parameter_count) ? String(run.parameter_count) : "";
    params.sub.textContent = lora ? "parameters: the adapters' weights" : "parameters: every weight";
    const model = fact("model", "Base model");
    model.value.textContent = baseName(cfg.model);
    model.value.title = cfg.model || "";
    model.value.classList.add("ft-name");
    model.node.dataset.value = baseName(cfg.model);
    model.sub.textContent = lora ? "frozen; the adapters go on top" : "the starting point";
    const data = fact("data", "Data");
    data.value.textContent = baseName(cfg.data || cfg.dataPath);
    data.value.title = cfg.data || cfg.dataPath || "";
    data.value.classList.add("ft-name");
    data.node.dataset.value = baseName(cfg.data || cfg.dataPath);
    data.sub.textContent = [isNum(cfg.validationExamples) ? int(cfg.validationExamples) + " held out" : null,
      isNum(cfg.batch) ? "batch " + cfg.batch : null, isNum(cfg.steps) ? int(cfg.steps) + " steps" : null].filter(Boolean).join(" \u00b7 ");
    const loss = fact("loss", "Held-out loss");
    loss.node.classList.add("wide");
    const memory = fact("memory", "Peak memory");
    const mb = (x) => (x >= 10240 ? fixed(x / 1024, 1) + " GB" : int(x) + " MB");
    function refresh() {
      const b = baseLoss(), after = S.metrics.val.filter((q) => q.step > 0), last = after.length ? after[after.length - 1] : null;
      loss.node.dataset.base = isNum(b) ? String(b) : "";
      loss.node.dataset.latest = last ? String(last.value) : "";
      loss.node.dataset.latestStep = last ? String(last.step) : "";
      clear(loss.value).append(el("span", { class: "ft-loss-base", title: "the base model (step 0)", text: fixed(b, 3) }),
        el("span", { class: "ft-arrow", "aria-hidden": "true", text: "\u2192" }), el("span", { class: "visually-hidden", text: " to " }),
        el("span", { class: "ft-loss-now", title: last ? "step " + last.step : "", text: last ? fixed(last.value, 3) : "\u2026" }));
      clear(loss.sub);
      if (last && isNum(b) && b > 0) {
        loss.node.dataset.drop = String((b - last.value) / b);
        loss.sub.append(el("b", { class: ["ft-drop", last.value <= b ? "ft-good" : "ft-bad"], id: "ft-loss-drop", text: dropText(b, last.value) }),
          " from the base model (step 0) to step " + int(last.step));
      } else {
        loss.node.dataset.drop = "";
        loss.sub.append(isNum(b) ? "the base model (step 0); fine-tuned: not evaluated yet" : "not evaluated yet");
      }
      const rss = S.metrics.peak_rss_mb, tensors = S.metrics.peak_tensor_mb;
      memory.node.dataset.value = isNum(rss) ? String(rss) : "";
      memory.value.textContent = isNum(rss) ? mb(rss) : "\u2013";
      memory.value.title = isNum(rss) ? fixed(rss, 1) + " MB (memory/peak_rss_mb)" : "";
      memory.sub.textContent = isNum(rss) ? "resident" + (isNum(tensors) ? "; tensors " + mb(tensors) : "") : "not recorded yet";
    }
    refresh();
    onMetrics.push(refresh);
  }

  // ---------------------------------------------------------- before and after

  function comparePanel() {
    const p = v.panel("ft-compare", "Before and after",
      ["Held-out prompts the model never trained on, each answered greedily by the base model and by the fine-tuned model at the checkpoint chosen above, beside the data set's reference answer. ",
        el("span", { class: "ft-match-key", "aria-hidden": "true", text: "\u2713" }), " marks an answer equal to the reference."],
      "read across a row: the reference is what the fine-tuning teaches, the base model's answer is where it started. Early checkpoints often copy the " +
      "base model's habits (lists, chatty explanations); the fine-tuned answer takes the reference's form first and gets the content right later. " +
      "Line breaks show as \u21b5; answers stop after --compare-tokens tokens.",
      ["heldout", "greedy", "base", "reference"]);
    p.classList.add("ft-compare-panel");
    const score = el("div", { class: "ft-score", id: "ft-score", role: "status" });
    const tunedSub = el("span", { class: "ft-col-sub", id: "ft-tuned-step" });
    const col = (text, sub, cls) => el("th", { scope: "col", class: cls }, [el("span", { class: "ft-col-name", text }), sub]);
    const body = el("tbody");
    const table = el("table", { class: "ft-table", id: "ft-table" }, [
      el("colgroup", {}, [el("col", { class: "ft-c-prompt" }), el("col", { class: "ft-c-ref" }), el("col", { class: "ft-c-base" }), el("col", { class: "ft-c-tuned" })]),
      el("thead", {}, el("tr", {}, [col("Prompt", el("span", { class: "ft-col-sub", text: "held out" })), col("Reference", el("span", { class: "ft-col-sub", text: "the data set's answer" })),
        col("Base model", el("span", { class: "ft-col-sub", text: "before fine-tuning" })), col("Fine-tuned", tunedSub, "ft-tuned-col")])),
      body]);
    const save = V.saver("Before and after", "finetune-answers", null,
      () => [["step", "prompt", "reference", "base", "tuned", "base_matches", "tuned_matches"]].concat(S.figs.flatMap((F) => (F.examples || []).map((E) =>
        [F.step, E.prompt, E.reference, E.base, E.tuned, sameAnswer(E.base, E.reference) ? 1 : 0, sameAnswer(E.tuned, E.reference) ? 1 : 0]))),
      () => S.figs);
    const caption = el("span");
    p.append(el("div", { class: "v-fig" }, [V.figHead([score, caption], save), el("div", { class: "v-scroll ft-scroll" }, table)]));

    const answer = (text, ok, who) => el("div", { class: ["ft-answer", ok ? "ok" : null], dataset: { who, ok: ok ? "1" : "0" } }, [
      el("div", { class: "ft-text" }, shownText(text)),
      ok ? el("span", { class: "ft-match", title: "equal to the reference (leading and trailing whitespace aside)" }, [el("span", { "aria-hidden": "true", text: "\u2713" }), "matches the reference"]) : null,
    ]);
    onSelect.push(() => {
      const F = cur(), X = examples(), id = run.id ? run.id + "@" + F.step : null;
      let tunedOK = 0, baseOK = 0;
      clear(body).append(...X.map((E, k) => {
        const t = sameAnswer(E.tuned, E.reference), b = sameAnswer(E.base, E.reference);
        if (t) tunedOK++;
        if (b) baseOK++;
        const links = opts.links && id ? el("div", { class: "ft-links" }, [
          el("a", { href: "/generate?model=" + encodeURIComponent(id) + "&chat=1&temperature=0&prompt=" + encodeURIComponent(E.prompt), class: "ft-link ft-try",
            title: "Chat with the checkpoint at step " + F.step + " in the Generate page, this prompt filled in" }, "Try it"),
          opts.baseModel ? el("a", { href: "/inspect?tab=diff&a=" + encodeURIComponent(opts.baseModel) + "&b=" + encodeURIComponent(id) + "&prompt=" + encodeURIComponent(E.prompt),
            class: "ft-link ft-inside", title: "What fine-tuning changed inside the model on this prompt (the base model against step " + F.step + ")" }, "What changed inside") : null,
        ]) : null;
        return el("tr", { dataset: { index: String(k), tunedOk: t ? "1" : "0", baseOk: b ? "1" : "0" } }, [
          el("th", { scope: "row", class: "ft-prompt" }, [el("span", { class: "ft-num", text: String(k + 1) }), el("div", { class: "ft-text", text: E.prompt }), links]),
          el("td", { class: "ft-ref" }, el("div", { class: "ft-answer ref", dataset: { who: "reference" } }, el("div", { class: "ft-text" }, shownText(E.reference)))),
          el("td", { class: "ft-base" }, answer(E.base, b, "base")),
          el("td", { class: "ft-tuned" }, answer(E.tuned, t, "tuned")),
        ]);
      }));
      score.dataset.tuned = String(tunedOK);
      score.dataset.base = String(baseOK);
      score.dataset.total = String(X.length);
      clear(score).append(
        el("span", { class: ["ft-pill", "tuned", tunedOK ? "some" : null], id: "ft-score-tuned" }, [el("span", { class: "ft-pill-mark", "aria-hidden": "true", text: "\u2713" }),
          "fine-tuned (step " + int(F.step) + "): ", el("b", { text: tunedOK + " of " + X.length }), " match the reference"]),
        el("span", { class: ["ft-pill", "base"], id: "ft-score-base" }, ["base model: ", el("b", { text: baseOK + " of " + X.length })]));
      tunedSub.textContent = "step " + int(F.step);
      table.dataset.step = String(F.step);
      table.dataset.rows = String(X.length);
    });
  }

  // ---------------------------------------------------------- the command that uses the chosen checkpoint

  function usagePanel() {
    const p = v.panel("ft-usage", "Use this checkpoint",
      lora ? ["The chosen checkpoint is a LoRA ", el("b", { text: "adapter folder" }), " (Hugging Face PEFT layout): every model command (", el("code", { text: "generate" }), ", ",
        el("code", { text: "chat" }), ", ", el("code", { text: "inspect" }), ", \u2026) loads it over the base model with ", el("code", { text: "--adapter" }), "."]
        : ["The chosen checkpoint is a whole model folder: every model command opens it with ", el("code", { text: "--model" }), "."],
      null, lora ? ["adapter", "lora", "rank"] : ["full"]);
    p.classList.add("ft-usage-panel");
    const pick = el("select", { class: "select", id: "ft-usage-prompt", "aria-label": "The prompt in the command" },
      examples().map((E, k) => el("option", { value: String(k), text: (k + 1) + ". " + (E.prompt.length > 60 ? E.prompt.slice(0, 58) + "\u2026" : E.prompt) })));
    pick.addEventListener("change", () => { S.usage = +pick.value || 0; line(); });
    const code = el("code", { class: "ft-cmd", id: "ft-usage-cmd", tabindex: "0" });
    const copied = el("span", { class: "ft-copied", id: "ft-usage-copied", role: "status" });
    const copy = el("button", { type: "button", class: "btn small", id: "ft-usage-copy", title: "Copy the command", onclick: () => copyText(code.textContent) }, "Copy");
    const where = el("span", { class: "ft-usage-where" });
    p.append(el("div", { class: "ft-usage-tools" }, [el("label", { class: "control" }, [el("span", { class: "control-label", text: "Prompt" }), pick]), where]),
      el("div", { class: "ft-cmd-row" }, [el("pre", { class: "ft-cmd-box" }, code), copy]), copied);
    let copiedTimer = 0;
    async function copyText(text) {
      let ok = false;
      try { if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); ok = true; } } catch (err) { ok = false; }
      if (!ok) {
        const range = document.createRange();
        range.selectNodeContents(code);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      }
      copied.textContent = ok ? "Copied." : "Selected: press Ctrl+C to copy.";
      copied.dataset.ok = ok ? "1" : "0";
      clearTimeout(copiedTimer);
      copiedTimer = setTimeout(() => { copied.textContent = ""; }, 2500);
    }
    function line() {
      const F = cur(), E = examples()[Math.min(S.usage, examples().length - 1)];
      const path = F.adapter || F.checkpoint || F.path || checkpointPath(F.step);
      const words = ["glassbox", "generate", "--chat"];
      if (lora) {
        if (opts.explicitModel && cfg.model) words.push("--model", shellWord(cfg.model));
        words.push("--adapter", shellWord(path || "CHECKPOINT"));
      } else words.push("--model", shellWord(path || "CHECKPOINT"));
      words.push(shellWord(E ? E.prompt : "Your prompt"));
      code.textContent = words.join(" ");
      code.dataset.path = path || "";
      code.dataset.step = String(F.step);
      clear(where).append("the checkpoint at step ", el("b", { text: int(F.step) }), path ? "" : " (its folder is not known here)");
    }
    onSelect.push(line);
  }

  /** The folder of a checkpoint: from the run's checkpoint list (opts.checkpoints), else from the others' layout. */
  function checkpointPath(step) {
    const list = opts.checkpoints || doc.checkpoints || [];
    const c = list.find((q) => q.step === step);
    if (c) return c.path;
    const any = list.find((q) => /step-\d+\/?$/.test(q.path));
    return any ? any.path.replace(/step-\d+(\/?)$/, "step-" + String(step).padStart(6, "0") + "$1") : null;
  }

  return {
    update: (figs) => replace(figs),
    setMetrics(m) { setMetrics(m); for (const f of onMetrics) f(); },
    setCheckpoints(list) { opts.checkpoints = list; for (const f of onSelect) f(); },
    select: (i) => select(i),
    index: () => S.i,
    destroy() { stop(); v.destroy(); },
  };
}

/** The report's header line (report.js's boot, `finetune --html`): the run, its method, base model, data, size. */
function finetuneFacts(doc) {
  const run = doc.run || {}, cfg = run.config || {};
  const fact = (k, v) => el("span", { class: "v-fact" }, k === null ? el("b", { text: v }) : [k + " ", el("b", { text: v })]);
  return [
    fact(null, run.name || run.id || "fine-tuning"),
    fact("method", finetuneMethod(cfg)),
    cfg.model ? fact("base", baseName(cfg.model)) : null,
    isNum(run.parameter_count) ? el("span", { class: "v-fact" }, [el("b", { text: compact(run.parameter_count) }), " trainable"]) : null,
  ].filter(Boolean);
}

export const finetuneView = { render: renderFinetune, facts: finetuneFacts, method: finetuneMethod, targetsText, baseName, sameAnswer };
