/* Glassbox's fine-tuning view (glassbox finetune): the panel "Before and after": the held-out prompts, each with the
 * data set's reference answer, the base model's answer and the chosen checkpoint's (✓ where an answer equals the
 * reference), and how many of each match. */
import { clear, el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { sameAnswer, shownText } from "./finetune-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** One answer cell's content: the text (line breaks shown), and the ✓ when it equals the reference. */
const answer = (text, ok, who) => el("div", { class: ["ft-answer", ok ? "ok" : null], dataset: { who, ok: ok ? "1" : "0" } }, [
  el("div", { class: "ft-text" }, shownText(text)),
  ok ? el("span", { class: "ft-match", title: "equal to the reference (leading and trailing whitespace aside)" }, [el("span", { "aria-hidden": "true", text: "\u2713" }), "matches the reference"]) : null,
]);

/** The studio's links of a prompt: chat with the checkpoint (id: RUN@STEP), and what changed inside against the base model. */
function promptLinks(opts, id, step, prompt) {
  return el("div", { class: "ft-links" }, [
    el("a", { href: "/generate?model=" + encodeURIComponent(id) + "&chat=1&temperature=0&prompt=" + encodeURIComponent(prompt), class: "ft-link ft-try",
      title: "Chat with the checkpoint at step " + step + " in the Generate page, this prompt filled in" }, "Try it"),
    opts.baseModel ? el("a", { href: "/inspect?tab=diff&a=" + encodeURIComponent(opts.baseModel) + "&b=" + encodeURIComponent(id) + "&prompt=" + encodeURIComponent(prompt),
      class: "ft-link ft-inside", title: "What fine-tuning changed inside the model on this prompt (the base model against step " + step + ")" }, "What changed inside") : null,
  ]);
}

/** The table's row of example E (k: its index) at the checkpoint of step F.step. */
function answerRow(ctx, F, E, k) {
  const id = ctx.run.id ? ctx.run.id + "@" + F.step : null;
  const t = sameAnswer(E.tuned, E.reference), b = sameAnswer(E.base, E.reference);
  const links = ctx.opts.links && id ? promptLinks(ctx.opts, id, F.step, E.prompt) : null;
  return el("tr", { dataset: { index: String(k), tunedOk: t ? "1" : "0", baseOk: b ? "1" : "0" } }, [
    el("th", { scope: "row", class: "ft-prompt" }, [el("span", { class: "ft-num", text: String(k + 1) }), el("div", { class: "ft-text", text: E.prompt }), links]),
    el("td", { class: "ft-ref" }, el("div", { class: "ft-answer ref", dataset: { who: "reference" } }, el("div", { class: "ft-text" }, shownText(E.reference)))),
    el("td", { class: "ft-base" }, answer(E.base, b, "base")),
    el("td", { class: "ft-tuned" }, answer(E.tuned, t, "tuned")),
  ]);
}

/** The score over the table: how many answers of the fine-tuned model and of the base model match. */
function showScore(score, X, step) {
  const tunedOK = X.filter((E) => sameAnswer(E.tuned, E.reference)).length, baseOK = X.filter((E) => sameAnswer(E.base, E.reference)).length;
  score.dataset.tuned = String(tunedOK);
  score.dataset.base = String(baseOK);
  score.dataset.total = String(X.length);
  clear(score).append(
    el("span", { class: ["ft-pill", "tuned", tunedOK ? "some" : null], id: "ft-score-tuned" }, [el("span", { class: "ft-pill-mark", "aria-hidden": "true", text: "\u2713" }),
      "fine-tuned (step " + int(step) + "): ", el("b", { text: tunedOK + " of " + X.length }), " match the reference"]),
    el("span", { class: ["ft-pill", "base"], id: "ft-score-base" }, ["base model: ", el("b", { text: baseOK + " of " + X.length })]));
}

/** Before and after. @param {ClassicContext} ctx */
export function comparePanel(ctx) {
  const { v, V, S, cur } = ctx;
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
  ctx.onSelect.push(() => {
    const F = cur(), X = ctx.examples();
    clear(body).append(...X.map((E, k) => answerRow(ctx, F, E, k)));
    showScore(score, X, F.step);
    tunedSub.textContent = "step " + int(F.step);
    table.dataset.step = String(F.step);
    table.dataset.rows = String(X.length);
  });
}
