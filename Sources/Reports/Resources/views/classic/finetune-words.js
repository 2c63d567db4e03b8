/* Glassbox's fine-tuning view (glassbox finetune): its words (the glossary), the method and the base model in a few
 * words, answers and texts as shown, the held-out loss at a step, and the run's facts for the report's header line. */
import { el } from "../../lib/dom.js";
import { compact, fixed, isNum, num } from "../../lib/format.js";

export const FT_GLOSSARY = [
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

export const baseName = (path) => (path ? String(path).split("/").filter(Boolean).pop() || String(path) : "\u2013");
/** Answers that equal the reference once leading and trailing whitespace is set aside. */
export const sameAnswer = (a, ref) => typeof a === "string" && typeof ref === "string" && a.trim() === ref.trim();
/** A word for the shell: bare when safe, else in double quotes (in single quotes when it holds $ ` \ " or !). */
export function shellWord(s) {
  s = String(s);
  if (/^[A-Za-z0-9_/.,:@%+=-]+$/.test(s)) return s;
  if (!/[$`\\"!]/.test(s)) return '"' + s + '"';
  return "'" + s.replace(/'/g, "'\\''") + "'";
}
/** "q, k, v, o (attention)" from ["q_proj", ...]. */
export function targetsText(t) {
  const list = (Array.isArray(t) ? t : typeof t === "string" ? t.split(",") : []).map((x) => String(x).trim().replace(/_proj$/, "")).filter(Boolean);
  if (!list.length) return "";
  const attn = ["q", "k", "v", "o"], mlp = ["gate", "up", "down"];
  const has = (xs) => xs.every((x) => list.includes(x));
  const what = has(attn) && has(mlp) && list.length === 7 ? "attention and MLP" : list.every((x) => attn.includes(x)) ? "attention" : list.every((x) => mlp.includes(x)) ? "MLP" : null;
  return list.join(", ") + (what ? " (" + what + ")" : "");
}
/** The method in a few words: "LoRA r 8, α 16" or "full fine-tuning". */
export function finetuneMethod(cfg) {
  cfg = cfg || {};
  if (cfg.method === "full") return "Full fine-tuning";
  return "LoRA" + (isNum(cfg.rank) ? " r " + cfg.rank : "") + (isNum(cfg.alpha) ? ", \u03b1 " + num(cfg.alpha, 3) : "");
}
/** A text with its line breaks shown: each break as a faint ↵ (drawn by CSS, so textContent stays the text). */
export function shownText(text) {
  if (typeof text !== "string" || text.trim() === "") return [el("span", { class: "ft-empty", text: typeof text === "string" && text.length ? "(only whitespace)" : "(nothing)" })];
  const out = [];
  text.split("\n").forEach((line, k) => {
    if (k) out.push(el("span", { class: "ft-nl", "aria-hidden": "true", title: "line break" }), "\n");
    if (line) out.push(line);
  });
  return out;
}
/** The newest evaluation at or before step among {step, value} points (the nearest after it when there is none). */
export function lossAt(points, step) {
  let best = null;
  for (const q of points) if (q.step <= step && (!best || q.step > best.step)) best = q;
  return best || points.find((q) => q.step > 0) || null;
}
export const dropText = (base, now) => {
  const r = (base - now) / base;
  return (r >= 0 ? "\u2212" : "+") + fixed(100 * Math.abs(r), 1) + "%";
};

/** The report's header line (report.js's boot, `finetune --html`): the run, its method, base model, data, size. */
export function finetuneFacts(doc) {
  const run = doc.run || {}, cfg = run.config || {};
  const fact = (k, v) => el("span", { class: "v-fact" }, k === null ? el("b", { text: v }) : [k + " ", el("b", { text: v })]);
  return [
    fact(null, run.name || run.id || "fine-tuning"),
    fact("method", finetuneMethod(cfg)),
    cfg.model ? fact("base", baseName(cfg.model)) : null,
    isNum(run.parameter_count) ? el("span", { class: "v-fact" }, [el("b", { text: compact(run.parameter_count) }), " trainable"]) : null,
  ].filter(Boolean);
}

