/* Glassbox Studio, probe timeline: the summary card (#probe-summary). The probe picker (#probe-select, when the run
 * has several), the probe's text token by token with its answer marked (#probe-text; a character split over several
 * tokens shows once, on its first token, with the tokens and bytes in its title), the verdict (#probe-verdict: the
 * step at which the model first predicts the answer) and the newest checkpoint's facts (#probe-facts). */
import { append, clear, el } from "../../lib/dom.js";
import { int, num } from "../../lib/format.js";
import { store } from "../../lib/storage.js";
import { groupIndex, groupTitle, groupTokens, isPartial } from "../../lib/tokens.js";
import { answerLabel, inspectHref, ordinal, prob, rankText, visible } from "./probe-data.js";
import { stepLink } from "./probe-widgets.js";

/** @typedef {import("./probe-state.js").ProbeContext} ProbeContext */
/** @typedef {import("./probe-data.js").Probe} Probe */

/** The picker: a native select (keyboard and screen readers know it), only when there is a choice. @param {ProbeContext} ctx */
function renderPicker(ctx) {
  const S = ctx.S, pickNode = ctx.parts.pickNode;
  clear(pickNode);
  if (S.probes.length <= 1) { pickNode.appendChild(el("span", { class: "muted", text: "the run's one probe" })); return; }
  const sel = el("select", { class: "select", id: "probe-select", "aria-label": "Probe" }, S.probes.map((Q, i) =>
    el("option", { value: String(i), selected: i === S.index, text: (Q.index + 1) + ": " + (Q.text.length > 60 ? Q.text.slice(0, 59) + "\u2026" : Q.text) })));
  sel.addEventListener("change", () => {
    S.index = +sel.value;
    S.sel = null;
    store.set("probe." + ctx.runId, S.index);
    ctx.render();
    const again = document.getElementById("probe-select");
    if (again) again.focus();
  });
  append(pickNode, [el("span", { class: "muted", text: S.probes.length + " probes" }), sel]);
}

/** The text, token by token: the last is the answer, read off at the token before it. A character split over
 * several tokens shows on its first token; the others show nothing (tok-cont). @param {HTMLElement} textNode @param {Probe} P */
function renderText(textNode, P) {
  clear(textNode);
  const T = P.tokens.length;
  const groups = groupTokens(P.tokens), of = groupIndex(groups, T);
  textNode.appendChild(el("span", { class: "v-strip-label", text: "Text" }));
  P.tokens.forEach((t, i) => {
    const g = groups[of[i]], first = i === g.start;
    const split = g.end > g.start || !g.complete || g.tokens.some(isPartial);
    const role = i === T - 1 ? "the answer: what the model should predict here" : i === T - 2 ? "read-outs are taken here, where the answer is the next token" : null;
    const title = split ? (role ? role + "\n" : "") + groupTitle(g) : role;
    const cls = ["tok", i === T - 1 ? "probe-answer" : "", i === T - 2 ? "probe-at" : "", first ? "" : "tok-cont"];
    textNode.appendChild(el("span", { class: cls, title, text: first ? (g.complete ? visible(g.text) : "\u2026") : "" }));
  });
  textNode.appendChild(el("span", { class: "probe-answer-note muted", text: "\u2190 the answer" }));
}

/** The headline: the step at which the answer first comes out on top. @param {ProbeContext} ctx @param {Probe} P */
function renderVerdict(ctx, P) {
  const verdict = ctx.parts.verdict;
  const last = P.snaps[P.snaps.length - 1];
  const [ans, ansTitle] = answerLabel(P);
  const answer = el("b", { class: "mono", text: ans, title: ansTitle || null });
  clear(verdict);
  if (P.firstOut >= 0) {
    const first = P.snaps[P.firstOut];
    const held = P.snaps.slice(P.firstOut).every((s) => s.answer_rank === 0);
    append(verdict, ["The model first predicts ", answer, " at ", stepLink(inspectHref(ctx.runId, first.step, P), first.step, "step " + int(first.step)),
      held ? (first === last ? "." : " and has kept it since.") : ", but not at the newest checkpoint: at step " + int(last.step) + " it ranks " + ordinal(last.answer_rank + 1) + "."]);
    verdict.dataset.step = String(first.step);
  } else {
    append(verdict, ["Not yet: the model does not predict ", answer, " at any checkpoint so far; at step " + int(last.step) + " it ranks " +
      ordinal(last.answer_rank + 1) + " with probability " + prob(last.answer_probability) + "."]);
    verdict.dataset.step = "";
  }
}

/** The summary card: picker, text, verdict and the newest checkpoint's facts. @param {ProbeContext} ctx @param {Probe} P */
export function renderSummary(ctx, P) {
  renderPicker(ctx);
  renderText(ctx.parts.textNode, P);
  renderVerdict(ctx, P);
  const last = P.snaps[P.snaps.length - 1];
  append(clear(ctx.parts.facts), [
    el("span", {}, ["newest checkpoint ", el("b", { text: "step " + int(last.step) })]),
    el("span", {}, ["loss on the probe ", el("b", { text: num(last.loss, 3) + " nats" })]),
    el("span", {}, ["answer rank ", el("b", { text: rankText(last.answer_rank) })]),
    el("span", {}, ["p(answer) ", el("b", { text: prob(last.answer_probability) })]),
    el("span", {}, [el("b", { text: int(P.snaps.length) }), P.snaps.length === 1 ? " checkpoint" : " checkpoints"]),
  ]);
}
