/* Glassbox Studio, generate page: the output card. The streamed text (text mode: the prompt, muted, then the
 * model's tokens; chat mode: the conversation's bubbles), each token shaded by the probability the model gave it
 * (a click, or Enter, opens it in the side panel; arrows move; Escape closes), the speed, the stop reason and the
 * colour legend; empty, it explains the page and offers examples. */
import { clear, el } from "../../lib/dom.js";
import { compact, fixed, int, isNum } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { tooltip } from "../../lib/tooltip.js";
import { EXAMPLES, scaleLegend } from "./generate-common.js";
import { split, titleOf, tokenQuoted } from "./generate-token-text.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */
/** @typedef {import("./generate-common.js").Gen} Gen */

/**
 * @typedef {Object} OutputElements
 * @property {HTMLElement} outTitle
 * @property {HTMLElement} stats
 * @property {HTMLElement} output  #gen-output
 * @property {HTMLElement} outStatus
 * @property {HTMLElement} outCard
 */

/** The generated token element an event is on, or null. @param {Event} e */
export const tokenAt = (e) => {
  const t = /** @type {HTMLElement} */ (e.target);
  return t && t.closest ? /** @type {HTMLElement} */ (t.closest(".gen-tok[data-gen]")) : null;
};

/** The tooltip of a generated token: its character (and the tokens and bytes of a split one) and its numbers.
 * @param {Gen} g @param {number} i @param {boolean} brief  without entropy and id (Generate with edits) */
export function tokenTip(g, i, brief) {
  const t = g.tokens[i], grp = g.groupOf[i];
  const text = grp && grp.complete ? JSON.stringify(grp.text) : tokenQuoted(t.shown || t.text);
  const notes = grp && split(grp) ? [titleOf(grp)] : [];
  if (brief) {
    const alts = (t.alternatives || []).slice(0, 4).map(([, x, p]) => tokenQuoted(x) + " " + fixed(p, 2)).join("  ");
    return tooltip.content(text, [["probability", fixed(t.probability, 3)], ["rank", int(t.rank + 1)]], notes.concat([alts]));
  }
  return tooltip.content("token " + (i + 1) + "  " + text,
    [["probability", fixed(t.probability, 3)], ["rank", int(t.rank + 1)], ["entropy", fixed(t.entropy, 2) + " nats"], ["id", t.id]],
    notes.concat(["click for its alternatives and the model's insides"]));
}

/** Clicks, keys and the tooltip of the output's tokens. @param {GenerateContext} ctx @param {HTMLElement} output */
function bindTokens(ctx, output) {
  const { live } = ctx;
  output.addEventListener("click", (e) => { const s = tokenAt(e); if (s) ctx.select(live.gens.get(+s.dataset.gen), +s.dataset.i); });
  output.addEventListener("keydown", (e) => {
    const s = tokenAt(e);
    if (!s) return;
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); ctx.select(live.gens.get(+s.dataset.gen), +s.dataset.i); return; }
    if (e.key === "Escape" && live.sel) { ctx.closePanel(); s.focus(); return; }
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const all = /** @type {HTMLElement[]} */ ([...output.querySelectorAll(".gen-tok[data-gen]")]), k = all.indexOf(s) + (e.key === "ArrowRight" ? 1 : -1);
      if (k >= 0 && k < all.length) { e.preventDefault(); all[k].focus(); if (live.sel) ctx.select(live.gens.get(+all[k].dataset.gen), +all[k].dataset.i, true); }
    }
  });
  tooltip.attach(output, (e) => {
    const s = tokenAt(e);
    if (!s) return null;
    const g = live.gens.get(+s.dataset.gen);
    return g && g.tokens[+s.dataset.i] ? tokenTip(g, +s.dataset.i, false) : null;
  });
}

/** Builds the output card. @param {GenerateContext} ctx @returns {OutputElements} */
export function buildOutput(ctx) {
  const o = /** @type {OutputElements} */ ({});
  o.outTitle = el("h2", { id: "gen-out-title", text: "Output" });
  o.stats = el("span", { class: "gen-stats", id: "gen-stats", "aria-live": "polite" });
  o.output = el("div", { class: "gen-output", id: "gen-output" });
  o.outStatus = el("div", { class: "gen-out-status", id: "gen-status", role: "status", "aria-live": "polite" });
  o.outCard = el("section", { class: "card gen-out-card", "aria-labelledby": "gen-out-title" }, [
    el("div", { class: "gen-card-head" }, [o.outTitle, o.stats]),
    o.output, o.outStatus,
    el("div", { class: "gen-legend-row" }, scaleLegend("sequential", 1, "probability of the chosen token", "gen-legend"))]);
  bindTokens(ctx, o.output);
  return o;
}

/** The empty output: what the page does, and examples to try. @param {GenerateContext} ctx */
function emptyOutput(ctx) {
  return el("div", { class: "gen-empty", id: "gen-empty" }, [
    el("p", { class: "muted", text: ctx.mode === "chat"
      ? "Chat with the model. Each answer streams in token by token, every token shaded by the probability the model gave it; click one to see what else it considered and what happened inside the model at that step."
      : "The model continues your text, one token at a time. Each token is shaded by the probability the model gave it; click one to see the alternatives, the logit lens and the attention at that step, and which earlier tokens drove it." }),
    el("div", { class: "ins-examples-title", text: "Try one" }),
    el("div", { class: "ins-examples" }, EXAMPLES[ctx.mode].map((x, i) => el("button", { type: "button", class: "ins-example", "data-example": i, onclick: () => {
      ctx.form.promptInput.value = x.prompt; ctx.generate();
    } }, [el("span", { class: "ins-example-text", text: x.prompt }), el("span", { class: "ins-example-note", text: x.note })]))),
  ]);
}

/** Empties the output (and the conversation), stopping a running generation. @param {GenerateContext} ctx */
export function clearOutput(ctx) {
  const { live, out } = ctx;
  if (live.gen && !live.gen.finished) ctx.stop(true);
  live.gen = null;
  live.gens.clear();
  ctx.conv.turns = []; ctx.conv.last = null;
  ctx.form.systemInput.disabled = false;
  clear(out.output).appendChild(emptyOutput(ctx));
  clear(out.outStatus);
  clear(out.stats);
  ctx.closePanel();
  ctx.setData("phase", "empty");
  ctx.setData("count", 0);
  delete ctx.page.dataset.ids;
  delete ctx.page.dataset.stop;
}

/** New conversation: the output emptied. @param {GenerateContext} ctx @param {boolean} [focus] */
export function newConversation(ctx, focus) {
  clearOutput(ctx);
  if (focus) ctx.form.promptInput.focus();
  ctx.showIvPrompt();
}

/** The token count and the speeds (prompt and writing, from done; while streaming, from the tokens so far).
 * @param {HTMLElement} stats @param {Gen} g */
export function showStats(stats, g) {
  clear(stats);
  const n = g.tokens.length;
  const parts = [el("span", {}, [el("b", { text: int(n) }), " token" + (n === 1 ? "" : "s")])];
  if (g.done) {
    if (isNum(g.done.prefill_tokens_per_s)) parts.push(el("span", {}, ["prompt ", el("b", { text: compact(g.done.prefill_tokens_per_s) }), " tok/s"]));
    if (isNum(g.done.decode_tokens_per_s)) parts.push(el("span", {}, ["writing ", el("b", { text: compact(g.done.decode_tokens_per_s) }), " tok/s"]));
  } else if (g.t1) {
    const dt = (performance.now() - g.t1) / 1000;
    if (dt > 0.2 && n > 1) parts.push(el("span", {}, [el("b", { text: compact((n - 1) / dt) }), " tok/s"]));
  }
  stats.append(...parts);
}

/** The output card: the streamed text or conversation, its speed, stop reason and colour legend. */
export const outputPanel = definePanel({
  id: "generate/output",
  title: "The generated text, token by token",
  needs: [],
  render: (state, /** @type {GenerateContext} */ ctx) => (ctx.out = buildOutput(ctx)).outCard,
});
