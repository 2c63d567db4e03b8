/* Glassbox's MLP view (glassbox train mlp): its words (the glossary), the class and number formats its panels share,
 * and the run's facts for the report's header line (the layer widths, the task). */
import { el } from "../../lib/dom.js";
import { compact, isNum, num } from "../../lib/format.js";

export const MLP_GLOSSARY = [
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

export const pct = (v) => (isNum(v) ? (100 * v).toFixed(1) + "%" : "\u2013");
export const v3 = (v) => num(v, 3);

/** "0" -> "class 0"; a CSV's class names as they are. */
export const className = (classes, k) => {
  const n = classes && classes[k] !== undefined ? String(classes[k]) : String(k);
  return /^-?\d+$/.test(n) ? "class " + n : n;
};

/** The layer widths "2 → 64 → 64 → 2" (inputs, hidden layers, outputs), from the figures or the settings. */
export function widths(doc) {
  const F = (doc.figures || [])[doc.figures && doc.figures.length ? doc.figures.length - 1 : 0];
  const cfg = (doc.run && doc.run.config) || {};
  const gen = GEN_TASKS[cfg.task];
  const inputs = F && F.features ? F.features.length : gen ? gen[0] : null;
  const outputs = F ? (F.classes ? F.classes.length : 1) : gen ? gen[1] : null;
  const hidden = Array.isArray(cfg.hidden) ? cfg.hidden : [];
  return [inputs === null ? "?" : inputs].concat(hidden, [outputs === null ? "?" : outputs]).join(" \u2192 ");
}

/** What the run learns: the generated task, or the CSV file and its target column. */
export function taskText(cfg) {
  cfg = cfg || {};
  if (cfg.csv) return String(cfg.csv).split("/").pop() + (cfg.target ? " \u2192 " + cfg.target : "");
  return cfg.task || "\u2013";
}

/** The report's header line (report.js's boot): the run, its widths, its task, its size. */
export function facts(doc) {
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
