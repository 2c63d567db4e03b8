/* Glassbox Studio: the generate and chat page (/generate?model=ID&prompt=TEXT[&chat=1][&temperature=..]...). Tokens
 * stream in, each coloured by its probability (a Chinese character split into byte-level tokens shown whole). A click
 * on a generated token opens a side panel: its alternatives, then the logit lens and the attention row at the step
 * that produced it, and its attributions on request. Below, interventions: heads and neurons scaled or removed and a
 * steering vector (away from one text, towards another), compared with the plain model or generated with side by
 * side. This module builds the page's state and mounts its panels (panels/generate/).
 *
 * For tests: #generate-page carries data-phase (empty | running | done | error | cancelled), data-count (tokens
 * shown so far), data-ids (done's ids count), data-stop (done's stop_reason), data-mode (text | chat),
 * data-intervene (none | running | done | error | cancelled) and data-pair (the same, for Generate with edits);
 * #token-panel carries data-state (empty | shown), data-i, data-lens (none | loading | shown | error | cancelled) and
 * data-attr (none | running | done | error | cancelled); generated tokens are .gen-tok[data-i][data-id][data-v]. */
import { colorScale } from "../lib/colors.js";
import { clear, el } from "../lib/dom.js";
import { ready } from "../lib/ui.js";
import { paint } from "../panels/generate/generate-common.js";
import { showIvPrompt } from "../panels/generate/generate-edits.js";
import { buildForm, fromAddress, loadModels, setMode } from "../panels/generate/generate-form.js";
import { buildInterventions, stopIv } from "../panels/generate/generate-interventions.js";
import { buildOutput, clearOutput, newConversation } from "../panels/generate/generate-output.js";
import { bindPairTooltip, stopPair } from "../panels/generate/generate-pair.js";
import { generate, stop } from "../panels/generate/generate-stream.js";
import { buildPanel, closePanel, select } from "../panels/generate/generate-token-panel.js";

/** @typedef {import("../panels/generate/generate-common.js").GenerateContext} GenerateContext */

/** The page's state, before its panels exist; its actions call the panels' functions with it. @param {URLSearchParams} params */
function createContext(params) {
  const ctx = /** @type {GenerateContext} */ ({
    params,
    mode: params.get("chat") === "1" ? "chat" : "text",
    live: { models: [], gen: null, gens: new Map(), sel: null, lensJob: null, attrJob: null, iv: null, pair: null, timers: new Set(), stopped: false, seq: 0 },
    conv: { turns: [], last: null },
  });
  ctx.setData = (key, value) => { ctx.page.dataset[key] = String(value); };
  ctx.modelID = () => ctx.form.modelSelect.value || params.get("model") || "bundled";
  ctx.generate = () => { generate(ctx); };
  ctx.stop = (hard) => stop(ctx, hard);
  ctx.clearOutput = () => clearOutput(ctx);
  ctx.newConversation = (focus) => newConversation(ctx, focus);
  ctx.select = (g, i, keepFocus) => select(ctx, g, i, keepFocus);
  ctx.closePanel = () => closePanel(ctx);
  ctx.showIvPrompt = () => showIvPrompt(ctx);
  return ctx;
}

/** The generate page in app; returns its cleanup (requests and timers stopped). @param {HTMLElement} app */
export function generatePage(app) {
  const ctx = createContext(new URLSearchParams(location.search));
  ctx.form = buildForm(ctx);
  ctx.out = buildOutput(ctx);
  ctx.panel = buildPanel(ctx);
  ctx.ivCard = el("section", { class: "card gen-iv", id: "intervene", "aria-labelledby": "iv-title" });
  const { out, live } = ctx;
  ctx.page = el("div", { class: "page generate-page", id: "generate-page", dataset: { phase: "empty", count: "0", mode: ctx.mode, intervene: "none", pair: "none" } }, [
    el("div", { class: "page-head ins-head" }, [el("div", { class: "ins-title" }, [el("h1", { text: "Generate" }), out.summary])]),
    out.modelNotes, ctx.form.form, out.genErrors,
    el("div", { class: "gen-main" }, [out.outCard, ctx.panel]),
    ctx.ivCard,
  ]);
  ctx.iv = buildInterventions(ctx);
  bindPairTooltip(ctx);
  clear(app).appendChild(ctx.page);

  const onTheme = () => {
    for (const n of ctx.page.querySelectorAll("[data-scale]")) paint(/** @type {HTMLElement} */ (n));
    for (const b of ctx.page.querySelectorAll("[data-gradient]")) /** @type {HTMLElement} */ (b).style.backgroundImage = colorScale(/** @type {HTMLElement} */ (b).dataset.gradient).gradient();
  };
  document.addEventListener("gb-theme", onTheme);

  fromAddress(ctx);
  setMode(ctx, ctx.mode, false, true);
  loadModels(ctx).then(() => {
    if (live.stopped) return;
    ready();
    ctx.form.promptInput.focus({ preventScroll: true });
  });

  return () => {
    live.stopped = true;
    document.removeEventListener("gb-theme", onTheme);
    if (live.gen && live.gen.job) live.gen.job.abort();
    if (live.lensJob) live.lensJob.abort();
    if (live.attrJob) live.attrJob.abort();
    stopIv(ctx);
    stopPair(ctx);
    for (const id of live.timers) clearInterval(id);
  };
}
