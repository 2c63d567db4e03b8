/* Glassbox Studio, generate page: the side panel (#token-panel) for one generated token. The token (its character,
 * and for a split character the tokens and bytes that make it), its probability, rank and entropy, the alternatives
 * the model considered at that step, then the logit lens and the attention row of the step (generate-lens.js) and its
 * attributions on request (generate-attributions.js). Empty, it says what a click on a token shows. */
import { clear, el } from "../../lib/dom.js";
import { fixed, int } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";
import { icon } from "../../lib/ui.js";
import { barList, paint } from "./generate-common.js";
import { offerAttributions } from "./generate-attributions.js";
import { lens } from "./generate-lens.js";
import { candidate, pendingBefore, split, titleOf, tokenQuoted } from "./generate-token-text.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */
/** @typedef {import("./generate-common.js").Gen} Gen */
/** @typedef {import("./generate-common.js").Selection} Selection */

/** The empty side panel (#token-panel); Escape in it closes the token shown. @param {GenerateContext} ctx */
export function buildPanel(ctx) {
  const panel = el("aside", { class: "card gen-panel", id: "token-panel", "aria-label": "The chosen token", tabindex: "-1", dataset: { state: "empty", lens: "none", attr: "none" } });
  panel.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || !ctx.live.sel) return;
    closeAndFocus(ctx, ctx.live.sel.g, ctx.live.sel.i);
  });
  return panel;
}

/** Closes the panel and focuses the token it showed. @param {GenerateContext} ctx @param {Gen} g @param {number} i */
function closeAndFocus(ctx, g, i) {
  const s = /** @type {HTMLElement} */ (g.box.querySelector(".gen-tok[data-i='" + i + "']"));
  closePanel(ctx);
  if (s) s.focus();
}

/** Empties the side panel, dropping its requests. @param {GenerateContext} ctx */
export function closePanel(ctx) {
  const { live, panel } = ctx;
  if (live.lensJob) live.lensJob.abort();
  if (live.attrJob) live.attrJob.abort();
  live.lensJob = live.attrJob = null;
  if (live.sel && live.sel.stopBusy) live.sel.stopBusy();
  live.sel = null;
  for (const s of ctx.out.output.querySelectorAll(".gen-tok.sel")) s.classList.remove("sel");
  panel.dataset.state = "empty"; panel.dataset.lens = "none"; panel.dataset.attr = "none";
  delete panel.dataset.i;
  clear(panel).append(
    el("h2", { text: "Inside one step" }),
    el("p", { class: "muted gen-panel-empty", text: "Click a generated token (or focus it and press Enter) to see:" }),
    el("ul", { class: "ins-list gen-panel-list" }, [
      el("li", {}, [el("b", { text: "Alternatives" }), " \u2014 what else the model considered, and how sure it was"]),
      el("li", {}, [el("b", { text: "Logit lens" }), " \u2014 what each layer would have predicted at that step"]),
      el("li", {}, [el("b", { text: "Attention" }), " \u2014 which earlier tokens the step looked at"]),
      el("li", {}, [el("b", { text: "Attributions" }), " \u2014 which earlier tokens drove the choice (on request)"]),
    ]));
}

/** The ids token i of g was predicted from: the prompt, then the tokens generated before it. @param {Gen} g @param {number} i */
const prefixOf = (g, i) => g.start.prompt_ids.concat(g.tokens.slice(0, i).map((t) => t.id));

/** The chosen token's chip (its character; a split one's tokens and bytes in its tooltip) and its numbers.
 * @param {Gen} g @param {number} i */
function chosenLine(g, i) {
  const t = g.tokens[i], grp = g.groupOf[i];
  const whole = grp && grp.complete;
  const chip = el("span", { class: ["gen-tok", "big", whole ? null : "partial"], text: whole ? grp.text.replace(/\n/g, "") : tokenQuoted(t.shown),
    title: grp && split(grp) ? titleOf(grp) : null, dataset: { v: String(t.probability), scale: "sequential" } });
  paint(chip);
  const part = grp && grp.end > grp.start
    ? el("span", { class: "muted", id: "tok-part", text: "token " + (i - grp.start + 1) + " of the " + (grp.end - grp.start + 1) + " that make " + (whole ? JSON.stringify(grp.text) : "a character") })
    : null;
  return el("div", { class: "gen-chosen-line" }, [chip, el("span", { class: "v-facts" }, [
    el("span", {}, ["probability ", el("b", { id: "tok-p", text: fixed(t.probability, 3) })]),
    el("span", {}, ["rank ", el("b", { id: "tok-rank", text: int(t.rank + 1) })]),
    el("span", {}, ["entropy ", el("b", { id: "tok-entropy", text: fixed(t.entropy, 2) }), " nats"]),
    el("span", {}, ["id ", el("b", { text: String(t.id) })]),
  ]), part]);
}

/** The alternatives at the step, the chosen token marked (a part of a character named by the character it
 * completes, else by its bytes). @param {Gen} g @param {number} i */
function alternatives(g, i) {
  const t = g.tokens[i], pending = pendingBefore(g, i);
  const mark = () => el("span", { class: "gen-chosen", title: "the chosen token" }, ["\u2713", el("span", { class: "visually-hidden", text: " chosen" })]);
  /** @type {Array<[string, number, (string|null)?, any?, string?]>} */
  const rows = (t.alternatives || []).map(([id, text, p]) => {
    const [label, title] = candidate(pending, text);
    return [label, p, id === t.id ? "chosen" : null, id === t.id ? mark() : null, title];
  });
  if (!(t.alternatives || []).some(([id]) => id === t.id)) {
    const [label, title] = candidate(pending, t.shown);
    rows.push([label, t.probability, "chosen", mark(), title]);
  }
  return barList(rows, "tok-alts");
}

/** Shows token i of g in the side panel: the token, its alternatives, then the lens and attention of the step
 * (requested now) and its attributions (on request). @param {GenerateContext} ctx @param {Gen} g @param {number} i
 * @param {boolean} [keepFocus] */
export function select(ctx, g, i, keepFocus) {
  if (!g || !g.tokens[i] || !g.start) return;
  const { live, panel } = ctx;
  if (live.lensJob) live.lensJob.abort();
  if (live.attrJob) live.attrJob.abort();
  if (live.sel && live.sel.stopBusy) live.sel.stopBusy();
  /** @type {Selection} */
  const sel = { g, i, t: g.tokens[i], prefix: prefixOf(g, i) };
  live.sel = sel;
  for (const s of ctx.out.output.querySelectorAll(".gen-tok.sel")) s.classList.remove("sel");
  const span = g.box.querySelector(".gen-tok[data-i='" + i + "']");
  if (span) span.classList.add("sel");
  panel.dataset.state = "shown"; panel.dataset.i = String(i); panel.dataset.lens = "none"; panel.dataset.attr = "none";

  const inside = el("div", { class: "gen-inside", id: "tok-inside" });
  const attrBox = el("div", { class: "gen-attr", id: "tok-attr" });
  const closeBtn = el("button", { type: "button", class: "icon-btn", id: "token-close", title: "Close (Esc)", "aria-label": "Close the token panel", onclick: () => closeAndFocus(ctx, g, i) }, icon("close"));
  const prev = el("button", { type: "button", class: "icon-btn", title: "Previous token", "aria-label": "Previous token", disabled: i === 0, onclick: () => select(ctx, g, i - 1) }, icon("left"));
  const next = el("button", { type: "button", class: "icon-btn", title: "Next token", "aria-label": "Next token", disabled: i >= g.tokens.length - 1, onclick: () => select(ctx, g, i + 1) }, icon("right"));
  clear(panel).append(
    el("div", { class: "gen-panel-head" }, [el("h2", { text: "Token " + (i + 1) + " of " + g.tokens.length }), el("span", { class: "spacer" }), el("span", { class: "v-stepper" }, [prev, next]), closeBtn]),
    chosenLine(g, i),
    el("h3", { class: "gen-h3", text: "Alternatives" }),
    el("p", { class: "gen-panel-sub", text: "The most likely next tokens at this step, under the distribution the token was drawn from (after temperature, top-k, top-p and min-p)." }),
    alternatives(g, i),
    el("h3", { class: "gen-h3", text: "Inside the model at this step" }),
    el("p", { class: "gen-panel-sub", text: "The model ran on the " + sel.prefix.length + " tokens before this one; these are the last position's logit lens and attention." }),
    inside,
    el("h3", { class: "gen-h3", text: "Why this token?" }),
    attrBox,
  );
  if (!keepFocus) panel.focus({ preventScroll: true });
  if (panel.getBoundingClientRect().top < 0 || panel.getBoundingClientRect().top > innerHeight) panel.scrollIntoView({ block: "nearest" });
  lens(ctx, sel, inside, null);
  offerAttributions(ctx, sel, attrBox);
}

/** The side panel of the chosen token (beside the output, in generate-main.js). */
export const tokenPanel = definePanel({
  id: "generate/token-panel",
  title: "Inside one step: the chosen token's alternatives, lens, attention and attributions",
  needs: [],
  render: (state, /** @type {GenerateContext} */ ctx) => (ctx.panel = buildPanel(ctx)),
});
