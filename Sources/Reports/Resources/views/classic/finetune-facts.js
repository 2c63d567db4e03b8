/* Glassbox's fine-tuning view (glassbox finetune): the facts at its top (method, trainable parameters, base model,
 * data, the held-out loss before and after, peak memory), and the held-out loss at the chosen checkpoint, under the
 * player. */
import { append, clear, el } from "../../lib/dom.js";
import { compact, fixed, int, isNum } from "../../lib/format.js";
import { baseName, dropText, finetuneMethod, lossAt, targetsText } from "./finetune-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

const mb = (x) => (x >= 10240 ? fixed(x / 1024, 1) + " GB" : int(x) + " MB");

/** The facts that do not change: the method, the trainable parameters, the base model and the data. */
function settingsFacts(ctx, fact) {
  const { run, cfg, lora } = ctx;
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
}

/** The held-out loss fact: the base model's, the newest, and the drop between them. */
function showLoss(ctx, loss) {
  const { S } = ctx;
  const b = ctx.baseLoss(), after = S.metrics.val.filter((q) => q.step > 0), last = after.length ? after[after.length - 1] : null;
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
}

/** The peak memory fact: resident, and the tensors' when recorded. */
function showMemory(ctx, memory) {
  const rss = ctx.S.metrics.peak_rss_mb, tensors = ctx.S.metrics.peak_tensor_mb;
  memory.node.dataset.value = isNum(rss) ? String(rss) : "";
  memory.value.textContent = isNum(rss) ? mb(rss) : "\u2013";
  memory.value.title = isNum(rss) ? fixed(rss, 1) + " MB (memory/peak_rss_mb)" : "";
  memory.sub.textContent = isNum(rss) ? "resident" + (isNum(tensors) ? "; tensors " + mb(tensors) : "") : "not recorded yet";
}

/** The facts, above the glossary; the loss and the memory follow the metrics. @param {ClassicContext} ctx */
export function factsPanel(ctx) {
  const { v, gloss } = ctx;
  const p = el("section", { class: "card v-panel ft-facts", id: "ft-facts", "aria-label": "The fine-tuning in numbers" });
  v.root.insertBefore(p, gloss);
  const fact = (id, label) => {
    const value = el("div", { class: "ft-fact-value" }), sub = el("div", { class: "ft-fact-sub" });
    const node = el("div", { class: "ft-fact", id: "ft-fact-" + id }, [el("div", { class: "ft-fact-label", text: label }), value, sub]);
    p.appendChild(node);
    return { node, value, sub };
  };
  settingsFacts(ctx, fact);
  const loss = fact("loss", "Held-out loss");
  loss.node.classList.add("wide");
  const memory = fact("memory", "Peak memory");
  const refresh = () => { showLoss(ctx, loss); showMemory(ctx, memory); };
  refresh();
  ctx.onMetrics.push(refresh);
}

/** The held-out loss at the chosen checkpoint, a line under the player (#ft-player), with the glossary's "loss" beside its title. @param {ClassicContext} ctx */
export function stepLossLine(ctx) {
  const { v, V, S, cur } = ctx;
  const stepLoss = el("p", { class: "mlp-gap ft-step-loss", id: "ft-step-loss" });
  v.root.querySelector("#ft-player").appendChild(stepLoss);
  // the held-out loss, beside the player's title (the line under the player reads it)
  const helps = v.root.querySelector("#ft-player .v-helps");
  if (helps) helps.appendChild(V.helpButton(v, "loss"));
  const stepLossNow = () => {
    const F = cur(), b = ctx.baseLoss(), q = lossAt(S.metrics.val.filter((x) => x.step > 0), F.step);
    stepLoss.dataset.step = q ? String(q.step) : "";
    stepLoss.dataset.value = q ? String(q.value) : "";
    if (!q) { clear(stepLoss).append("No held-out evaluation yet (every ", el("code", { text: "--eval-interval" }), " steps)."); return; }
    append(clear(stepLoss), ["Held-out loss ", q.step === F.step ? "at step " + int(F.step) : "at the evaluation of step " + int(q.step), ": ",
      el("b", { text: fixed(q.value, 3) }), isNum(b) && b > 0 ? [" (", el("b", { class: q.value <= b ? "ft-good" : "ft-bad", text: dropText(b, q.value) }),
        " against the base model's " + fixed(b, 3) + ")."] : "."]);
  };
  ctx.onSelect.push(stepLossNow);
  ctx.onMetrics.push(stepLossNow);
}
