/* Glassbox Studio, run page: the Checkpoints section: the weights saved during training, a row each: a language
 * model's open in the inspect page, as a model card, or against the checkpoint before; an MLP's, a seq2seq run's
 * and a fine-tuning run's show in their section's player. */
import { clear, el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { showFT } from "./run-finetune.js";
import { showMLP } from "./run-mlp.js";
import { showS2S } from "./run-seq2seq.js";
import { cardHref, diffHref, inspectHref, isLive } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").Checkpoint} Checkpoint */

/** The table: a head of column names (the last ones hidden: buttons) and the rows. @param {string[]} hidden @param {HTMLElement[]} rows */
function table(hidden, rows) {
  return el("div", { class: "card table-wrap" }, el("table", { class: "ck-table", id: "checkpoint-table" }, [
    el("thead", {}, el("tr", {}, [el("th", { class: "num", scope: "col", text: "Step" }), el("th", { scope: "col", text: "Saved in" }),
      hidden.map((h) => el("th", { scope: "col" }, el("span", { class: "visually-hidden", text: h })))])),
    el("tbody", {}, rows),
  ]));
}

/** A row's step and path cells, then its own. @param {Checkpoint} c @param {any[]} cells */
const row = (c, cells) => el("tr", { dataset: { step: String(c.step) } }, [
  el("td", { class: "num ck-step" }, el("b", { text: int(c.step) })),
  el("td", { class: "ck-path" }, el("code", { text: c.path, title: c.path })),
  cells,
]);

/** A language model's checkpoints (a fine-tuning run's too, with Show). @param {RunState} S @param {Checkpoint[]} list */
function modelRows(S, list) {
  return list.map((c, i) => row(c, [
    el("td", { class: "ck-actions" }, [
      S.ft ? el("button", { type: "button", class: "btn small ck-show", title: "Show this checkpoint's answers in the player above", onclick: () => showFT(S, c.step) }, "Show") : null,
      el("a", { class: "btn small ck-inspect", href: inspectHref(S, c.step), title: "Open the inspect page on this checkpoint" }, "Look inside"),
      el("a", { class: "btn small ghost ck-card", href: cardHref(S, c.step), title: "Architecture, parameters and weight statistics of this checkpoint" }, "Model card"),
    ]),
    // the inspect page's compare tab: this checkpoint against the one before
    el("td", { class: "ck-compare" }, i > 0 ? el("a", { class: "btn small ghost ck-diff", href: diffHref(S, list[i - 1].step, c.step),
      title: "What changed inside from the checkpoint before (step " + int(list[i - 1].step) + ") to this one, on a prompt" }, "Compare with step " + int(list[i - 1].step)) : null),
  ]));
}

/** An MLP's or a seq2seq run's checkpoints: each shows its pictures in the player at the top of the page (a seq2seq
 * run without attention has none). @param {RunState} S @param {Checkpoint[]} list */
function playerRows(S, list) {
  const section = S.ui.checkpoints;
  const player = S.mlp || !!S.sections.s2s;
  section.querySelector(".section-sub").textContent = player ? "the weights saved during training: Show picks one in the player above"
    : "the weights saved during training (glassbox translate --model RUN uses the newest)";
  const title = S.mlp ? "Show this checkpoint's pictures in the player above" : "Show this checkpoint's attention in the player above";
  const show = (step) => (S.mlp ? showMLP(S, step) : showS2S(S, step));
  return list.map((c) => row(c, el("td", { class: "ck-actions" }, player ? el("button", { type: "button", class: "btn small ck-show", title, onclick: () => show(c.step) }, "Show") : null)));
}

/** Draws the section S.ui.checkpoints again. @param {RunState} S */
export function renderCheckpoints(S) {
  const section = S.ui.checkpoints;
  if (!section) return;
  clear(section);
  const list = S.checkpoints.slice().sort((a, b) => a.step - b.step);
  section.dataset.checkpoints = String(list.length);
  section.appendChild(el("div", { class: "section-head" }, [el("h2", { class: "section-title", text: "Checkpoints" }),
    el("span", { class: "section-sub", text: list.length ? "the weights saved during training: look inside one with a prompt, or read its model card (also from the ▲ markers on the loss chart)" : "" })]));
  if (!list.length) {
    section.appendChild(el("p", { class: "muted small-text" }, ["None" + (isLive(S) ? " yet" : "") + ". A checkpoint is written every ",
      el("code", { text: "--checkpoint-interval" }), " steps and at the end."]));
    return;
  }
  if (S.mlp || S.s2s) { section.appendChild(table(["Show"], playerRows(S, list))); return; }
  if (S.ft && S.sections.ft && S.sections.ft.view) S.sections.ft.view.setCheckpoints(list);
  section.appendChild(table(["Open", "Compare"], modelRows(S, list)));
}

/** The checkpoints: each with links to inspect it, its card and what changed since the one before. */
export const checkpointsPanel = definePanel({
  id: "run/checkpoints", title: "The run's checkpoints with links to inspect, card and diff", needs: ["runs", "checkpoints"],
  /** @param {RunState} S */
  when: (S) => !S.compare,
  render(S) {
    S.ui.checkpoints = el("section", { class: "section checkpoints", id: "checkpoints" });
    renderCheckpoints(S);
    return S.ui.checkpoints;
  },
});
