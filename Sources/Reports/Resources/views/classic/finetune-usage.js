/* Glassbox's fine-tuning view (glassbox finetune): the panel "Use this checkpoint": the `glassbox generate` command
 * that loads the chosen checkpoint (an adapter over the base model, or a whole model) on a held-out prompt, with Copy. */
import { clear, el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { shellWord } from "./finetune-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The folder of a checkpoint: from the run's checkpoint list (opts.checkpoints), else from the others' layout. */
function checkpointPath(ctx, step) {
  const list = ctx.opts.checkpoints || ctx.doc.checkpoints || [];
  const c = list.find((q) => q.step === step);
  if (c) return c.path;
  const any = list.find((q) => /step-\d+\/?$/.test(q.path));
  return any ? any.path.replace(/step-\d+(\/?)$/, "step-" + String(step).padStart(6, "0") + "$1") : null;
}

/** Copy: the clipboard where the page may write it, else the command selected (copied says which). */
function copier(code, copied) {
  let copiedTimer = 0;
  return async function copyText(text) {
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
  };
}

/** The command for the chosen checkpoint and prompt (S.usage), in code; where: the words on the checkpoint. */
function commandLine(ctx, code, where) {
  const { cfg, lora, opts } = ctx;
  const F = ctx.cur(), X = ctx.examples(), E = X[Math.min(ctx.S.usage, X.length - 1)];
  const path = F.adapter || F.checkpoint || F.path || checkpointPath(ctx, F.step);
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

/** Use this checkpoint. @param {ClassicContext} ctx */
export function usagePanel(ctx) {
  const { v, S, lora } = ctx;
  const p = v.panel("ft-usage", "Use this checkpoint",
    lora ? ["The chosen checkpoint is a LoRA ", el("b", { text: "adapter folder" }), " (Hugging Face PEFT layout): every model command (", el("code", { text: "generate" }), ", ",
      el("code", { text: "chat" }), ", ", el("code", { text: "inspect" }), ", \u2026) loads it over the base model with ", el("code", { text: "--adapter" }), "."]
      : ["The chosen checkpoint is a whole model folder: every model command opens it with ", el("code", { text: "--model" }), "."],
    null, lora ? ["adapter", "lora", "rank"] : ["full"]);
  p.classList.add("ft-usage-panel");
  const pick = /** @type {HTMLSelectElement} */ (el("select", { class: "select", id: "ft-usage-prompt", "aria-label": "The prompt in the command" },
    ctx.examples().map((E, k) => el("option", { value: String(k), text: (k + 1) + ". " + (E.prompt.length > 60 ? E.prompt.slice(0, 58) + "\u2026" : E.prompt) }))));
  const code = el("code", { class: "ft-cmd", id: "ft-usage-cmd", tabindex: "0" });
  const copied = el("span", { class: "ft-copied", id: "ft-usage-copied", role: "status" });
  const copyText = copier(code, copied);
  const copy = el("button", { type: "button", class: "btn small", id: "ft-usage-copy", title: "Copy the command", onclick: () => copyText(code.textContent) }, "Copy");
  const where = el("span", { class: "ft-usage-where" });
  const line = () => commandLine(ctx, code, where);
  pick.addEventListener("change", () => { S.usage = +pick.value || 0; line(); });
  p.append(el("div", { class: "ft-usage-tools" }, [el("label", { class: "control" }, [el("span", { class: "control-label", text: "Prompt" }), pick]), where]),
    el("div", { class: "ft-cmd-row" }, [el("pre", { class: "ft-cmd-box" }, code), copy]), copied);
  ctx.onSelect.push(line);
}
